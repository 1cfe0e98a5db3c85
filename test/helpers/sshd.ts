/**
 * A real OpenSSH server on loopback for integration tests: its own host key, client key,
 * authorized_keys and config in a temp dir, run in the foreground (`sshd -D -e`) as a child of the
 * test, stopped by stop(). Runs as root (the tests do); logs in as root with a key.
 */
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SshdOptions {
  /** Loopback address to listen on, default 127.0.0.1 (any 127.x.y.z works). */
  address?: string;
  /** Server MaxSessions, default 10 (OpenSSH's default). */
  maxSessions?: number;
  /** Extra sshd_config lines. */
  extraConfig?: string[];
  /**
   * Log in as this unprivileged system user (created when missing, shell /bin/sh, home '/')
   * instead of root. sshd only honours SSH signal requests (a command timeout's KILL) for
   * non-root logins, which run under privilege separation.
   */
  unprivilegedUser?: string;
}

export interface Sshd {
  address: string;
  port: number;
  dir: string;
  user: string;
  /** A folder the login user can write to. */
  userDir: string;
  /** Private key authorized for `user` (unencrypted). */
  clientKey: string;
  /** The host's ED25519 public key blob (what the client sees). */
  hostKeyBlob: Buffer;
  /** `ssh-keyscan`-style line for this server: `[addr]:port ssh-ed25519 AAAA...`. */
  knownHostsLine(): string;
  /** Generates a key pair in dir (passphrase '' = unencrypted); authorizes it unless told not to. */
  makeClientKey(name: string, passphrase: string, authorize?: boolean): string;
  /** Everything sshd logged so far. */
  log(): string;
  /** Number of successful logins (publickey) logged so far. */
  logins(): number;
  /**
   * Signals the per-connection sshd processes (all descendants of the listener): SIGKILL (the
   * default) cuts live connections; SIGSTOP freezes them (a server that stopped answering).
   */
  killSessions(signal?: NodeJS.Signals): number;
  stop(): Promise<void>;
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function keygen(file: string, passphrase: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', file], { stdio: 'ignore' });
}

function ensureUser(name: string): void {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    // Home '/': exists (sshd chdirs there quietly) and the user cannot write to it.
    execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/', '--shell', '/bin/sh', name], { stdio: 'ignore' });
  }
  // useradd leaves the password field '!' (locked), and sshd refuses locked accounts: '*' is
  // "no password" without the lock.
  execFileSync('usermod', ['-p', '*', '-d', '/', name], { stdio: 'ignore' });
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may hold spaces and parentheses: split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // process ended meanwhile
    }
  }
  return out;
}

async function waitForPort(address: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, address);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${address}:${port}:\n${log()}`);
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const address = opts.address ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'virtplay-sshd-'));
  const user = opts.unprivilegedUser ?? 'root';
  if (opts.unprivilegedUser) {
    ensureUser(opts.unprivilegedUser);
    chmodSync(dir, 0o755); // the user's side of sshd reads authorized_keys
    mkdirSync(join(dir, 'user'));
    execFileSync('chown', [opts.unprivilegedUser, join(dir, 'user')]);
  }
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  keygen(hostKey, '', 'virtplay-test-host');
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, '', { mode: 0o644 });

  const makeClientKey = (name: string, passphrase: string, authorize = true): string => {
    const file = join(dir, name);
    keygen(file, passphrase, `virtplay-test-${name}`);
    if (authorize) appendFileSync(authorized, readFileSync(`${file}.pub`, 'utf8'));
    return file;
  };
  const clientKey = makeClientKey('client_key', '');

  const port = await freePort(address);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${address}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'LogLevel VERBOSE',
      `MaxSessions ${opts.maxSessions ?? 10}`,
      'MaxStartups 100',
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n'),
  );

  let logText = '';
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  // A test process that dies without its teardown must not leave the server behind.
  const onExit = () => {
    killChildren(child);
    child.kill('SIGTERM');
  };
  process.once('exit', onExit);
  child.stderr?.on('data', (b: Buffer) => {
    logText += b.toString('utf8');
  });
  const log = () => logText;
  await waitForPort(address, port, child, log);

  const pub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const hostKeyBlob = Buffer.from(pub[1] ?? '', 'base64');
  const name = port === 22 ? address : `[${address}]:${port}`;

  return {
    address,
    port,
    dir,
    user,
    userDir: opts.unprivilegedUser ? join(dir, 'user') : dir,
    clientKey,
    hostKeyBlob,
    knownHostsLine: () => `${name} ${pub[0]} ${pub[1]}`,
    makeClientKey,
    log,
    logins: () => (logText.match(/Accepted publickey for /g) ?? []).length,
    killSessions: (signal: NodeJS.Signals = 'SIGKILL') => killChildren(child, signal),
    stop: async () => {
      process.removeListener('exit', onExit);
      killChildren(child);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signals (SIGKILL by default) every descendant of the listener (privsep monitor, user child, the commands). */
function killChildren(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): number {
  const pids: number[] = [];
  const queue = child.pid ? [child.pid] : [];
  while (queue.length) {
    for (const pid of childrenOf(queue.shift() as number)) {
      pids.push(pid);
      queue.push(pid);
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  return pids.length;
}
