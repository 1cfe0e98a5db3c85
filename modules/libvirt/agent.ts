/**
 * The QEMU guest agent, through `virsh qemu-agent-command` (QMP JSON in, JSON out), as the
 * qemu-ga schema documents it: guest-ping, guest-get-osinfo, guest-get-devices (Windows agent),
 * guest-exec + guest-exec-status (with captured output, base64), guest-file-* not used.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskError } from '../../engine/errors.js';
import type { TaskContext } from '../../engine/module.js';
import type { GuestRef } from './power.js';
import { agentCommand } from './virsh.js';

export class AgentUnavailable extends TaskError {}

export async function agentCall<T = unknown>(ctx: TaskContext, uri: string, g: GuestRef, execute: string, args?: object, timeoutSec = 5): Promise<T> {
  const json = JSON.stringify(args === undefined ? { execute } : { execute, arguments: args });
  const r = await ctx.conn.exec(agentCommand(uri, g.uuid, json, timeoutSec));
  if (r.code !== 0) {
    const msg = r.stderr.trim().replace(/^error:\s*/gm, '');
    if (/not connected|not responding|not configured|not running|timeout/i.test(msg)) {
      throw new AgentUnavailable(`the QEMU guest agent does not answer (${msg})`, g.name);
    }
    throw new TaskError(`guest agent ${execute} failed: ${msg}`, g.name);
  }
  let parsed: { return?: T };
  try {
    parsed = JSON.parse(r.stdout) as { return?: T };
  } catch {
    throw new TaskError(`guest agent ${execute} returned something that is not JSON: ${r.stdout.slice(0, 200)}`, g.name);
  }
  return parsed.return as T;
}

/** True when the agent answers guest-ping; false when there is none (or it does not answer). */
export async function agentPing(ctx: TaskContext, uri: string, g: GuestRef, timeoutSec = 5): Promise<boolean> {
  try {
    await agentCall(ctx, uri, g, 'guest-ping', undefined, timeoutSec);
    return true;
  } catch (e) {
    if (e instanceof AgentUnavailable) return false;
    throw e;
  }
}

/** Wait until the agent answers (after a boot). */
export async function waitForAgent(ctx: TaskContext, uri: string, g: GuestRef, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await agentPing(ctx, uri, g, 2)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(1000);
  }
}

export interface ExecResultInGuest {
  exitcode: number;
  stdout: string;
  stderr: string;
}

/** guest-exec a program with arguments (no shell unless the caller runs one) and wait for it. */
export async function guestExec(
  ctx: TaskContext,
  uri: string,
  g: GuestRef,
  path: string,
  args: string[],
  /** signal: stop waiting (the program is left to end in the guest; qemu-ga cannot kill it). */
  opts: { timeoutMs?: number; input?: string; signal?: AbortSignal } = {},
): Promise<ExecResultInGuest> {
  const req: Record<string, unknown> = { path, arg: args, 'capture-output': true };
  if (opts.input !== undefined) req['input-data'] = Buffer.from(opts.input).toString('base64');
  const { pid } = await agentCall<{ pid: number }>(ctx, uri, g, 'guest-exec', req);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    const st = await agentCall<{ exited: boolean; exitcode?: number; 'out-data'?: string; 'err-data'?: string; signal?: number }>(
      ctx,
      uri,
      g,
      'guest-exec-status',
      { pid },
    );
    if (st.exited) {
      return {
        exitcode: st.exitcode ?? (st.signal !== undefined ? 128 + st.signal : -1),
        stdout: Buffer.from(st['out-data'] ?? '', 'base64').toString('utf8'),
        stderr: Buffer.from(st['err-data'] ?? '', 'base64').toString('utf8'),
      };
    }
    if (opts.signal?.aborted) throw new TaskError(`stopped waiting for ${path} in the guest (pid ${pid})`, g.name);
    if (Date.now() >= deadline) throw new TaskError(`${path} did not finish within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s in the guest`, g.name);
    await sleep(delay);
  }
}
