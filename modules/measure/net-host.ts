/**
 * The host's end of a network run: net-endpoint.pl (a constant script; its arguments quoted) over
 * the task's SSH connection. startEndpoint resolves `port` as soon as the endpoint listens, so the
 * caller can start the peer; `result` is the transfer as the host timed it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TaskError } from '../../engine/errors.js';
import type { TaskContext } from '../../engine/module.js';
import { packageRoot } from '../../engine/paths.js';
import { shJoin } from '../../engine/shell.js';
import { NET_MARK } from './net-guest.js';
import { makeRun, type WriteRun } from './linux-bench.js';

export const ENDPOINT_SCRIPT = readFileSync(join(packageRoot, 'modules', 'measure', 'net-endpoint.pl'), 'utf8');

export type EndpointDirection = 'in' | 'out' | 'loopback-in' | 'loopback-out';

export interface EndpointOptions {
  direction: EndpointDirection;
  bind: string;
  port: number;
  bytes: number;
  acceptTimeoutSec: number;
  transferTimeoutSec: number;
}

export function endpointCommand(o: EndpointOptions): string {
  const args = [o.direction, o.bind, o.port, o.bytes, o.acceptTimeoutSec, o.transferTimeoutSec].map(String);
  // exec: the endpoint is the session's process, so a timeout's KILL reaches it (and its socket).
  return `exec ${shJoin(['perl', '-e', ENDPOINT_SCRIPT, ...args])}`;
}

export interface HostTransfer {
  bytes: number;
  seconds: number;
  peer: string;
  clock: 'hires' | 'uptime';
}

export type EndpointParse = { ok: true; transfer: HostTransfer } | { ok: false; kind: string; error: string };

export function parseEndpoint(stdout: string, stderr: string, code: number | null): EndpointParse {
  const done = new RegExp(`^${NET_MARK} done bytes=(\\d+) seconds=([\\d.]+) peer=(\\S+) clock=(hires|uptime)$`, 'm').exec(stdout);
  if (done && code === 0) {
    return { ok: true, transfer: { bytes: Number(done[1]), seconds: Number(done[2]), peer: done[3] as string, clock: done[4] as HostTransfer['clock'] } };
  }
  const err = new RegExp(`^${NET_MARK} error (\\w+): (.*)$`, 'm').exec(stdout);
  if (err) return { ok: false, kind: err[1] as string, error: err[2] as string };
  if (code === 127 || /perl: (command )?not found/.test(stderr))
    return { ok: false, kind: 'tools', error: 'perl is not installed on the host (Debian: perl-base)' };
  return { ok: false, kind: 'unknown', error: stderr.trim().split('\n').slice(-3).join(' ') || `exit status ${code}` };
}

export interface RunningEndpoint {
  /** The port it listens on, and its process; rejects when it ended before listening (a port taken, no perl). */
  port: Promise<{ port: number; pid: number }>;
  /** Settles when the endpoint's command ends. */
  result: Promise<EndpointParse>;
}

export function startEndpoint(ctx: TaskContext, o: EndpointOptions, guest?: string): RunningEndpoint {
  let text = '';
  let onPort: (p: { port: number; pid: number }) => void = () => {};
  const port = new Promise<{ port: number; pid: number }>((resolve) => (onPort = resolve));
  const listening = new RegExp(`^${NET_MARK} listening port=(\\d+) pid=(\\d+)$`, 'm');
  const timeoutMs = (o.acceptTimeoutSec + o.transferTimeoutSec + 30) * 1000;
  const result = ctx.conn
    .exec(endpointCommand(o), {
      timeoutMs,
      onStdout: (b) => {
        text += b.toString('utf8');
        const m = listening.exec(text);
        if (m) onPort({ port: Number(m[1]), pid: Number(m[2]) });
      },
    })
    .then(
      (r) => parseEndpoint(r.stdout, r.stderr, r.code),
      (e: Error): EndpointParse => ({ ok: false, kind: 'connection', error: e.message }),
    );
  // A port, or the reason there is none.
  const portOrError = Promise.race([
    port,
    result.then((r) => {
      if (listening.test(text)) return port;
      throw new TaskError(`the host's network endpoint did not start: ${r.ok ? 'it ended at once' : r.error}`, guest);
    }),
  ]);
  return { port: portOrError, result };
}

/** Ends a listening endpoint early (its peer gave up); the pid is the one it printed. */
export async function stopEndpoint(ctx: TaskContext, pid: number): Promise<void> {
  if (Number.isSafeInteger(pid) && pid > 1) await ctx.conn.exec(`kill ${pid} 2>/dev/null`);
}

/** The host's figures as one run of the table (bytes/s from the host's clock). */
export function transferRun(t: HostTransfer): WriteRun {
  // /proc/uptime ticks in 10 ms: a transfer under one tick has no time of its own.
  return makeRun(t.bytes, Math.max(t.seconds, t.clock === 'uptime' ? 0.01 : 1e-6), 'tcp', t.clock === 'hires' ? 'host' : 'host-uptime');
}
