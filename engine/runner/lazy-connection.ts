/**
 * One connection per host for the whole run, opened on first use: a task that never touches
 * the host (debug, a skipped task) costs no handshake, and every later command reuses it.
 */
import type { Connection, ConnectionStats, ExecOptions, ExecResult } from '../connection/types.js';

export class LazyConnection implements Connection {
  private opening?: Promise<Connection>;
  private opened?: Connection;

  constructor(
    readonly host: string,
    private readonly open: () => Promise<Connection>,
  ) {}

  /** Connect now (or return the open connection); rejects with UnreachableError. */
  connect(): Promise<Connection> {
    this.opening ??= this.open().then((c) => (this.opened = c));
    // A failed open is remembered: the host is unreachable for the rest of the run.
    return this.opening;
  }

  async exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    const c = await this.connect();
    return c.exec(command, opts);
  }

  async close(): Promise<void> {
    await this.opened?.close();
  }

  get stats(): ConnectionStats {
    return this.opened?.stats ?? { connections: 0, commands: 0 };
  }
}
