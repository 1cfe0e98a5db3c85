/**
 * The tests' guest agent client: QEMU guest agent commands through `virsh qemu-agent-command`,
 * whichever virsh reaches the guest (a lab host's user, a session user's). One client for the
 * stand-in's tests, the Windows personality's and the measure tests'; virtplay's own agent code
 * (modules/libvirt/agent.ts) is what they test, so it is not used here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunResult } from './lab.js';

/** Runs virsh with these arguments (no shell) for the guest's libvirt, never throwing on a non-zero exit. */
export type VirshRunner = (args: readonly string[]) => Promise<RunResult>;

export interface AgentExecResult {
  exitcode: number;
  stdout: string;
  stderr: string;
}

export class GuestAgent {
  constructor(
    private readonly virsh: VirshRunner,
    readonly dom: string,
    /** What else to say when the agent does not answer (e.g. the guest's last console lines). */
    private readonly whyNot: () => string = () => '',
  ) {}

  /** One command as virsh answered it: code 0 when the agent replied (the JSON on stdout). */
  raw(cmd: object, timeoutSec = 10): Promise<RunResult> {
    return this.virsh(['qemu-agent-command', '--timeout', String(timeoutSec), this.dom, JSON.stringify(cmd)]);
  }

  /** One command: its reply's `return`, or throws with the command and libvirt's message. */
  async call<T = unknown>(cmd: object, timeoutSec = 10): Promise<T> {
    const r = await this.raw(cmd, timeoutSec);
    if (r.code !== 0) throw new Error(`${JSON.stringify(cmd)}: ${r.stderr.trim() || `exit ${r.code}`}`);
    return (JSON.parse(r.stdout) as { return: T }).return;
  }

  /** Polls guest-ping until the agent answers: the milliseconds waited; after timeoutMs throws with the last error. */
  async waitUp(timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    let last = '';
    while (Date.now() - t0 < timeoutMs) {
      const r = await this.raw({ execute: 'guest-ping' }, 2);
      if (r.code === 0) return Date.now() - t0;
      last = r.stderr.trim();
      await sleep(300);
    }
    const more = this.whyNot();
    throw new Error(`the agent of ${this.dom} did not answer within ${timeoutMs} ms (${last})${more ? `\n${more}` : ''}`);
  }

  /** Whether the agent answers within SECONDS (waitUp without the error). */
  async answers(seconds: number): Promise<boolean> {
    return this.waitUp(seconds * 1000).then(
      () => true,
      () => false,
    );
  }

  /** guest-exec PATH ARG with its output captured; waits for it to exit (throws after timeoutMs). */
  async exec(path: string, arg: readonly string[], timeoutMs = 60_000): Promise<AgentExecResult> {
    const { pid } = await this.call<{ pid: number }>({ execute: 'guest-exec', arguments: { path, arg, 'capture-output': true } }, 60);
    const t0 = Date.now();
    for (;;) {
      const st = await this.call<{ exited: boolean; exitcode?: number; 'out-data'?: string; 'err-data'?: string }>({
        execute: 'guest-exec-status',
        arguments: { pid },
      });
      if (st.exited) {
        return {
          exitcode: st.exitcode ?? -1,
          stdout: Buffer.from(st['out-data'] ?? '', 'base64').toString(),
          stderr: Buffer.from(st['err-data'] ?? '', 'base64').toString(),
        };
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`guest-exec ${path} in ${this.dom} still running after ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  /** SCRIPT run by /bin/sh in the guest (a Linux guest: the stand-in). */
  sh(script: string, timeoutMs?: number): Promise<AgentExecResult> {
    return this.exec('/bin/sh', ['-c', script], timeoutMs);
  }
}
