/**
 * Power actions on one guest: start, graceful ACPI shutdown with a deadline (hard power-off only
 * when the task says so), and waiting for a state. Every action reads the state first, so a
 * repeated call after an interruption does the right thing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskError } from '../../engine/errors.js';
import { retryRead } from '../../engine/retry.js';
import type { TaskContext } from '../../engine/module.js';
import { destroyCommand, domstateCommand, shutdownCommand, startCommand } from './virsh.js';

export interface GuestRef {
  name: string;
  uuid: string;
}

export async function domState(ctx: TaskContext, uri: string, g: GuestRef): Promise<string> {
  const r = await retryRead(() => ctx.conn.exec(domstateCommand(uri, g.uuid)));
  if (r.code !== 0) throw new TaskError(`cannot read the state: ${r.stderr.trim()}`, g.name);
  return r.stdout.trim();
}

export async function startGuest(ctx: TaskContext, uri: string, g: GuestRef): Promise<void> {
  const r = await ctx.conn.exec(startCommand(uri, g.uuid));
  if (r.code !== 0 && !/already active/i.test(r.stderr)) throw new TaskError(`virsh start failed: ${r.stderr.trim()}`, g.name);
}

export interface ShutdownOptions {
  timeoutSec: number;
  /** Power off (virsh destroy) when the guest does not stop in time. */
  force: boolean;
  pollMs?: number;
}

/** Returns how it stopped: 'graceful' or 'forced'. */
export async function shutdownGuest(ctx: TaskContext, uri: string, g: GuestRef, o: ShutdownOptions): Promise<'graceful' | 'forced'> {
  // The power button is pressed again every 15 s: a guest still booting (Windows before its
  // ACPI handling is up, busybox before acpid) drops the first press.
  const deadline = Date.now() + o.timeoutSec * 1000;
  let stopped = false;
  while (!stopped && Date.now() < deadline) {
    const r = await ctx.conn.exec(shutdownCommand(uri, g.uuid));
    if (r.code !== 0 && !/not running/i.test(r.stderr)) throw new TaskError(`virsh shutdown failed: ${r.stderr.trim()}`, g.name);
    stopped = await waitForState(ctx, uri, g, 'shut off', Math.min(15_000, deadline - Date.now()), o.pollMs);
  }
  if (stopped) return 'graceful';
  if (!o.force) {
    throw new TaskError(
      `did not shut down within ${o.timeoutSec} s of the ACPI power button; it is still running and unchanged in state. ` +
        `Check that the guest OS handles ACPI shutdown, raise shutdown_timeout, or set force: true to power it off`,
      g.name,
    );
  }
  ctx.warn(`guest ${g.name} ignored the ACPI shutdown for ${o.timeoutSec} s: powering it off (force: true)`);
  const d = await ctx.conn.exec(destroyCommand(uri, g.uuid));
  if (d.code !== 0 && !/not running/i.test(d.stderr)) throw new TaskError(`virsh destroy failed: ${d.stderr.trim()}`, g.name);
  if (!(await waitForState(ctx, uri, g, 'shut off', 30_000, o.pollMs))) throw new TaskError('still running after a forced power-off', g.name);
  return 'forced';
}

export async function waitForState(ctx: TaskContext, uri: string, g: GuestRef, want: string, timeoutMs: number, pollMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await domState(ctx, uri, g)) === want) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}
