/**
 * The local transport (ansible_connection: local, and the implicit localhost): each command runs
 * as `/bin/sh -c COMMAND` on this machine, with the same contract as an SSH exec.
 */
import { spawn } from 'node:child_process';
import { UnreachableError } from '../errors.js';
import { CommandTimeoutError } from './errors.js';
import type { Connection, ConnectionStats, ExecOptions, ExecResult } from './types.js';

export interface LocalOptions {
  /** Default timeout of every exec (ExecOptions.timeoutMs wins). */
  commandTimeoutMs?: number;
}

class LocalConnection implements Connection {
  /** No transport to open: `connections` stays 0. */
  readonly stats: ConnectionStats = { connections: 0, commands: 0 };
  #closed = false;

  constructor(
    readonly host: string,
    private readonly opts: LocalOptions,
  ) {}

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.#closed) return Promise.reject(new UnreachableError(this.host, 'the connection was closed'));
    this.stats.commands++;
    const timeoutMs = opts.timeoutMs ?? this.opts.commandTimeoutMs;
    return new Promise<ExecResult>((resolve, reject) => {
      // Its own process group, so a timeout kills whatever the command started too.
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: Error | undefined, result?: ExecResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result as ExecResult);
      };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          finish(new CommandTimeoutError(this.host, timeoutMs));
        }, timeoutMs);
      }
      child.stdout.on('data', (b: Buffer) => {
        out.push(b);
        opts.onStdout?.(b);
      });
      child.stderr.on('data', (b: Buffer) => errOut.push(b));
      child.stdin.on('error', () => {
        // EPIPE: the command exited without reading all of stdin; its exit status tells
      });
      child.on('error', (err) => finish(new UnreachableError(this.host, `cannot run /bin/sh: ${err.message}`)));
      child.on('close', (code, signal) => {
        finish(undefined, {
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(errOut).toString('utf8'),
          code,
          ...(signal ? { signal } : {}),
        });
      });
      if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
      else child.stdin.end();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

export function openLocal(host: string, opts: LocalOptions = {}): Connection {
  return new LocalConnection(host, opts);
}
