/**
 * The SSH transport: ONE ssh2 connection per host, reused for every command of the run, with at
 * most `maxSessions` exec channels open at once (OpenSSH's MaxSessions defaults to 10; the rest
 * queue). Every transport failure becomes an UnreachableError with a message a user can act on.
 */
import pLimit from 'p-limit';
import ssh2 from 'ssh2';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { UnreachableError } from '../errors.js';
import { defaultKeyFiles, defaultKnownHostsFiles } from './defaults.js';
import { authFailureMessage, planAuth } from './auth.js';
import { CommandTimeoutError, formatSeconds } from './errors.js';
import { preferredHostKeyAlgorithms, verifyHostKey } from './host-key.js';
import type { HostKeyContext, HostKeyPolicy } from './host-key.js';
import type { Connection, ConnectionStats, ExecOptions, ExecResult } from './types.js';

export interface SshOptions {
  /** Inventory name (used in messages). */
  host: string;
  /** What to connect to (ansible_host, or ssh config HostName). */
  address: string;
  port?: number;
  user: string;
  /** Identity files, tried in order after the agent. Undefined: the existing default keys. */
  privateKeyFiles?: string[];
  /** ssh-agent socket; undefined: $SSH_AUTH_SOCK; false: no agent. */
  agent?: string | false;
  /** Decrypts encrypted identity files; never printed anywhere. */
  passphrase?: string;
  /** known_hosts files read in order; accept-new appends to the first. Default ~/.ssh/known_hosts. */
  knownHostsFiles?: string[];
  hostKeyPolicy?: HostKeyPolicy;
  /** TCP connect + handshake + authentication, default 10 s. */
  connectTimeoutMs?: number;
  /** ServerAliveInterval; 0 or undefined: no keepalives. */
  keepaliveIntervalMs?: number;
  /** ServerAliveCountMax, default 3. */
  keepaliveCountMax?: number;
  /** Concurrent exec channels on the connection, default 10. */
  maxSessions?: number;
  /** Default timeout of every exec (ExecOptions.timeoutMs wins). */
  commandTimeoutMs?: number;
  /** Where notices go (a host key added under accept-new); default stderr. */
  warn?: (message: string) => void;
}

export interface SshStats extends ConnectionStats {
  /** Connections opened again after the previous one dropped while idle. */
  reconnects: number;
}

export { defaultKeyFiles, defaultKnownHostsFiles } from './defaults.js';

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Opens refused in a row before a command fails (about 2 s of backoff in all). */
const CHANNEL_OPEN_RETRIES = 12;

type Level = { level?: string; code?: string };

export class SshConnection implements Connection {
  readonly host: string;
  readonly stats: SshStats = { connections: 0, commands: 0, reconnects: 0 };
  readonly #opts: Omit<SshOptions, 'passphrase'>;
  readonly #passphrase: string | undefined;
  readonly #limit: ReturnType<typeof pLimit>;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  /** A failed connect is final for this object: later execs fail at once, no hammering. */
  #failed: UnreachableError | undefined;
  #closed = false;
  /** Why the current connection ended (an error seen after it was ready). */
  #lostReason: string | undefined;
  /** Rejecters of the commands running on the current connection. */
  readonly #running = new Set<(err: UnreachableError) => void>();

  constructor(opts: SshOptions) {
    const { passphrase, ...rest } = opts;
    this.host = opts.host;
    this.#opts = rest;
    this.#passphrase = passphrase;
    this.#limit = pLimit(Math.max(1, opts.maxSessions ?? 10));
  }

  get #port(): number {
    return this.#opts.port ?? 22;
  }

  get #endpoint(): string {
    return endpoint(this.#opts.address, this.#port);
  }

  /** Connects now (if not yet connected), so an unreachable host is known before any task. */
  async open(): Promise<void> {
    await this.#ensure();
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.#limit(() => this.#run(command, opts));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    if (!client) return;
    await new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.end();
    });
  }

  #ensure(): Promise<Client> {
    if (this.#closed) return Promise.reject(new UnreachableError(this.host, 'the connection was closed'));
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#client) return Promise.resolve(this.#client);
    if (!this.#connecting) {
      const again = this.stats.connections > 0;
      this.#connecting = this.#connect()
        .then((client) => {
          this.#client = client;
          this.stats.connections++;
          if (again) this.stats.reconnects++;
          return client;
        })
        .catch((err: UnreachableError) => {
          this.#failed = err;
          throw err;
        })
        .finally(() => {
          this.#connecting = undefined;
        });
    }
    return this.#connecting;
  }

  #connect(): Promise<Client> {
    const o = this.#opts;
    const port = this.#port;
    const where = this.#endpoint;
    const ctx: HostKeyContext = {
      address: o.address,
      port,
      files: o.knownHostsFiles ?? defaultKnownHostsFiles(),
      policy: o.hostKeyPolicy ?? 'strict',
    };
    const agent = o.agent === false ? undefined : (o.agent ?? process.env.SSH_AUTH_SOCK);
    const plan = planAuth({
      user: o.user,
      agent: agent || undefined,
      keyFiles: o.privateKeyFiles ?? defaultKeyFiles(),
      passphrase: this.#passphrase,
    });
    const connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
    const warn = o.warn ?? ((m: string) => process.stderr.write(`[WARNING]: ${m}\n`));

    return new Promise<Client>((resolve, reject) => {
      const client = new ssh2.Client();
      let settled = false;
      let hostKeyRefusal: string | undefined;
      let agentNote: string | undefined;
      let firstError: string | undefined;
      let next = 0;

      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        client.destroy();
        reject(new UnreachableError(this.host, message));
      };

      const describe = (err: Error & Level): string => {
        if (hostKeyRefusal) return hostKeyRefusal;
        switch (err.level) {
          case 'client-socket':
            switch (err.code) {
              case 'ECONNREFUSED':
                return `connection refused at ${where}`;
              case 'ETIMEDOUT':
                return `connection to ${where} timed out`;
              case 'EHOSTUNREACH':
              case 'ENETUNREACH':
                return `no route to ${where}`;
              case 'ECONNRESET':
                return `connection reset by ${where}`;
              default:
                return `cannot connect to ${where}: ${err.message}`;
            }
          case 'client-dns':
            return `cannot resolve host name '${o.address}'`;
          case 'client-timeout':
            return settled
              ? `${where} stopped answering keepalives`
              : `connection to ${where} timed out after ${formatSeconds(connectTimeoutMs)} (connect, SSH handshake and authentication)`;
          case 'client-authentication':
            return authFailureMessage(o.user, plan, agentNote);
          default:
            return `SSH handshake with ${where} failed: ${err.message}`;
        }
      };

      client.on('error', (err: Error & Level) => {
        if (err.level === 'agent') {
          // The agent failed (not running, no keys): ssh2 goes on with the key files.
          agentNote = /no keys/i.test(err.message) ? 'no keys in the agent' : `agent error: ${err.message}`;
          return;
        }
        if (!settled) {
          firstError ??= describe(err);
          fail(firstError);
        } else {
          this.#lostReason ??= describe(err);
        }
      });
      client.on('close', () => {
        if (!settled) fail(firstError ?? hostKeyRefusal ?? `${where} closed the connection during the SSH handshake`);
        else this.#onClose(client);
      });
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        this.#lostReason = undefined;
        // Small request/reply packets: Nagle's algorithm would hold each one for a delayed ACK.
        client.setNoDelay(true);
        resolve(client);
      });

      const config: ConnectConfig = {
        host: o.address,
        port,
        username: o.user,
        readyTimeout: connectTimeoutMs,
        keepaliveInterval: o.keepaliveIntervalMs ?? 0,
        keepaliveCountMax: o.keepaliveCountMax ?? 3,
        algorithms: { serverHostKey: preferredHostKeyAlgorithms(ctx) as ssh2.ServerHostKeyAlgorithm[] },
        hostVerifier: (key: Buffer) => {
          try {
            const verdict = verifyHostKey(ctx, key);
            if (!verdict.ok) {
              hostKeyRefusal = verdict.reason;
              return false;
            }
            if (verdict.added) warn(`${this.host}: permanently added the host key of ${where} to ${verdict.added}`);
            return true;
          } catch (err) {
            hostKeyRefusal = `cannot check the host key of ${where}: ${(err as Error).message}`;
            return false;
          }
        },
        authHandler: (methodsLeft, _partial, nextAuth) => {
          if (methodsLeft && !methodsLeft.includes('publickey')) return nextAuth(false as never);
          const method = plan.methods[next++];
          nextAuth((method ?? false) as never);
        },
      };
      try {
        client.connect(config);
      } catch (err) {
        fail(`cannot connect to ${where}: ${(err as Error).message}`);
      }
    });
  }

  #onClose(client: Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    const why = this.#closed ? 'the connection was closed by virtplay' : (this.#lostReason ?? `${this.#endpoint} closed the connection`);
    const err = new UnreachableError(this.host, `connection lost while running a command (${why})`);
    for (const reject of [...this.#running]) reject(err);
    this.#running.clear();
  }

  async #run(command: string, opts: ExecOptions): Promise<ExecResult> {
    const client = await this.#ensure();
    this.stats.commands++;
    const timeoutMs = opts.timeoutMs ?? this.#opts.commandTimeoutMs;
    return new Promise<ExecResult>((resolve, reject) => {
      let done = false;
      let channel: ClientChannel | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: Error | undefined, result?: ExecResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#running.delete(onLost);
        if (err) reject(err);
        else resolve(result as ExecResult);
      };
      const onLost = (err: UnreachableError) => finish(err);
      this.#running.add(onLost);
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          try {
            if (channel) killRemote(channel);
            channel?.close();
          } catch {
            // the channel may already be gone
          }
          finish(new CommandTimeoutError(this.host, timeoutMs));
        }, timeoutMs);
      }
      let attempt = 0;
      const start = () =>
        client.exec(command, (err, ch) => {
          if (done) {
            ch?.close();
            return;
          }
          if (err) {
            if (this.#client !== client) return; // #onClose rejects it as a lost connection
            // sshd frees a session slot a moment after the channel's close reaches us, so a full
            // MaxSessions can refuse an open for a moment: nothing ran, so opening again is safe.
            if (attempt < CHANNEL_OPEN_RETRIES) {
              setTimeout(start, Math.min(10 * 2 ** attempt++, 250));
              return;
            }
            finish(
              new UnreachableError(
                this.host,
                `${this.#endpoint} refused to open a command channel ${CHANNEL_OPEN_RETRIES + 1} times (is its MaxSessions lower than ${this.#opts.maxSessions ?? 10}?): ${err.message}`,
              ),
            );
            return;
          }
          channel = ch;
          const out: Buffer[] = [];
          const errOut: Buffer[] = [];
          let code: number | null | undefined;
          let signal: string | undefined;
          ch.on('data', (b: Buffer) => {
            out.push(b);
            opts.onStdout?.(b);
          });
          ch.stderr.on('data', (b: Buffer) => errOut.push(b));
          ch.on('exit', (c: number | null, s?: string) => {
            code = typeof c === 'number' ? c : null;
            if (code === null) signal = s;
          });
          ch.on('error', () => {
            // stdin written to a command that exited early: the exit status still tells
          });
          ch.on('close', () => {
            const result = (): ExecResult => ({
              stdout: Buffer.concat(out).toString('utf8'),
              stderr: Buffer.concat(errOut).toString('utf8'),
              code: code ?? null,
              ...(signal ? { signal } : {}),
            });
            if (code !== undefined) return finish(undefined, result());
            // No exit status: either the connection died (its close comes next) or the server
            // closed the channel without one. Let the connection's close run first.
            setImmediate(() => {
              if (this.#client === client) finish(undefined, result());
            });
          });
          if (opts.stdin !== undefined) ch.end(opts.stdin);
          else ch.end();
        });
      start();
    });
  }
}

/**
 * Sends the SSH "signal" request (KILL) for the channel's command. ssh2's channel.signal() only
 * sends it while our side of the channel is writable, and ours is ended once stdin is written,
 * so this goes to the protocol directly. OpenSSH (7.9+) delivers it to the session's process: the
 * command (or its shell, which the login shell `-c` usually exec()s into).
 */
function killRemote(channel: ClientChannel): void {
  const ch = channel as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  if (ch.outgoing && ch.outgoing.state !== 'closed') ch._client?._protocol?.signal(ch.outgoing.id, 'KILL');
}

/** A connection that connects on its first exec. */
export function createSsh(opts: SshOptions): SshConnection {
  return new SshConnection(opts);
}

/** A connection that connects now: rejects with UnreachableError when the host cannot be reached. */
export async function openSsh(opts: SshOptions): Promise<SshConnection> {
  const conn = new SshConnection(opts);
  await conn.open();
  return conn;
}
