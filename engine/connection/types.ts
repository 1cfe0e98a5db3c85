/** What every transport (ssh, local) offers the runner and the modules. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when the remote process was killed by a signal. */
  code: number | null;
  signal?: string;
}

export interface ExecOptions {
  /** Bytes written to the command's stdin, then stdin is closed (XML goes this way, never argv). */
  stdin?: string | Buffer;
  /** Fail with a TimeoutError-like UnreachableError when the command does not finish in time. */
  timeoutMs?: number;
  /**
   * Each chunk of stdout as it arrives, for a command that reports while it runs (a listener's
   * port, before its peer connects). The result's stdout still holds all of it.
   */
  onStdout?: (chunk: Buffer) => void;
}

export interface ConnectionStats {
  /** Transport connections opened (SSH handshakes). */
  connections: number;
  /** Remote commands executed (exec channels). */
  commands: number;
}

export interface Connection {
  /** Inventory name of the host. */
  readonly host: string;
  /**
   * Run one shell command line on the host (the caller quotes with engine/shell.ts).
   * Resolves with the exit status, whatever it is; rejects with UnreachableError when the
   * transport fails (connect, auth, host key, connection lost).
   */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  readonly stats: ConnectionStats;
}
