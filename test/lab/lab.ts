/**
 * The real lab, for integration tests and benchmarks: brings it up through lab-up.sh, resets it,
 * and lets a test look at the real state (virsh as a lab host's own user, the sshd log).
 *
 * A test that needs the lab calls ensureLab() and FAILS (it throws) when the lab cannot start; it
 * never skips. Tests that change guests hold lockLab() for their duration, so two test files that
 * both reset or convert the lab do not run into each other (tap runs files in parallel).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const SESSION_URI = 'qemu:///session';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface LabOptions {
  /** Lab hosts (LAB_HOSTS), default 4. */
  hosts?: number;
  /** Guests per host (LAB_GUESTS), default 5. */
  guests?: number;
}

export interface LabHost {
  /** Inventory name: lab1.. (root), localhost (ordinary user). */
  name: string;
  index: number;
  user: string;
  /** 127.0.1.<i>; '' for the local lab. */
  address: string;
  /** 2222; 0 for the local lab. */
  port: number;
  uid: number;
  home: string;
  runtimeDir: string;
}

export interface LabState {
  /** root = lab users behind the lab sshd; local = the caller's own session libvirt. */
  mode: 'root' | 'local';
  hosts: number;
  guests: number;
  port: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Where the lab keeps its state: <project>/.lab (gitignored). */
export function labDir(): string {
  return join(ROOT, '.lab');
}

/** The inventory lab-up.sh wrote for the lab as it is now (absolute key and known_hosts paths). */
export function labInventoryPath(): string {
  return join(labDir(), 'inventory.yml');
}

export function labKeyPath(): string {
  return join(labDir(), 'id_ed25519');
}

export function labKnownHostsPath(): string {
  return join(labDir(), 'known_hosts');
}

/** Runs argv without a shell; never throws on a non-zero exit (code -1: could not run / timeout). */
export function run(argv: readonly string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error('run: empty argv');
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolveRun({ stdout, stderr, code });
    };
    const timer = setTimeout(() => {
      stderr += `\n[timed out after ${opts.timeoutMs} ms]`;
      child.kill('SIGKILL');
      finish(-1);
    }, opts.timeoutMs ?? 120_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      stderr += String(err);
      finish(-1);
    });
    child.on('close', (code) => finish(code ?? -1));
    child.stdin.on('error', () => {}); // the program may exit without reading stdin
    child.stdin.end(opts.stdin ?? '');
  });
}

function readState(): LabState | undefined {
  const file = join(labDir(), 'state');
  if (!existsSync(file)) return undefined;
  const kv = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return {
    mode: kv.get('mode') === 'local' ? 'local' : 'root',
    hosts: Number(kv.get('hosts') ?? 0),
    guests: Number(kv.get('guests') ?? 0),
    port: Number(kv.get('port') || 0),
  };
}

/** The lab as lab-up.sh last left it; throws when it was never brought up. */
export function labState(): LabState {
  const state = readState();
  if (!state) throw new Error(`the lab is not up (no ${join(labDir(), 'state')}): run 'npm run lab:up'`);
  return state;
}

/** lab-up.sh's exit code when the lab is another size and another process holds lockLab(). */
const LAB_BUSY = 75;

async function labUp(args: string[], opts: LabOptions): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.hosts !== undefined) env.LAB_HOSTS = String(opts.hosts);
  if (opts.guests !== undefined) env.LAB_GUESTS = String(opts.guests);
  const script = join(HERE, 'lab-up.sh');
  let res = await run(['bash', script, ...args], { env, timeoutMs: 20 * 60_000 });
  if (res.code === LAB_BUSY) {
    // Another process holds the lab at another size: wait for it, then resize under the lock
    // (lab-up.sh lets this process's lock through: it checks the holder is an ancestor).
    const release = await lockLab();
    try {
      res = await run(['bash', script, ...args], { env, timeoutMs: 20 * 60_000 });
    } finally {
      release();
    }
  }
  if (res.code !== 0) {
    const tail = `${res.stdout}\n${res.stderr}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`the lab could not start: '${script} ${args.join(' ')}' exited with ${res.code}\n${tail}`);
  }
  return res.stdout;
}

const ensured = new Map<string, Promise<LabState>>();

/**
 * Brings the lab up (lab-up.sh: idempotent, well under 2 s when it is already up) once per process
 * for each size asked for. Throws a clear error when it cannot: a test must fail, not skip. A
 * resize waits while another process holds lockLab() (it would pull guests from under it).
 */
export function ensureLab(opts: LabOptions = {}): Promise<LabState> {
  const want = { hosts: opts.hosts ?? 4, guests: opts.guests ?? 5 };
  const key = `${want.hosts}x${want.guests}`;
  let p = ensured.get(key);
  if (!p) {
    p = labUp([], want).then(() => labState());
    p.catch(() => ensured.delete(key));
    ensured.set(key, p);
  }
  return p;
}

/** Stops every lab guest, undefines every guest of every lab host and defines the originals again. */
export async function resetLab(): Promise<void> {
  await labUp(['--reset'], {});
}

function passwdEntry(user: string): { uid: number; home: string } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === user) return { uid: Number(f[2]), home: f[5] ?? '' };
  }
  return undefined;
}

/** The lab's hosts as lab-up.sh made them (lab1..labN; localhost for the local lab). */
export function labHosts(): LabHost[] {
  const state = labState();
  if (state.mode === 'local') {
    const me = userInfo();
    return [
      { name: 'localhost', index: 1, user: me.username, address: '', port: 0, uid: me.uid, home: me.homedir, runtimeDir: process.env.XDG_RUNTIME_DIR ?? '' },
    ];
  }
  const hosts: LabHost[] = [];
  for (let i = 1; i <= state.hosts; i++) {
    const user = `vplab${i}`;
    const pw = passwdEntry(user);
    if (!pw) throw new Error(`lab user ${user} does not exist: run 'npm run lab:up'`);
    hosts.push({ name: `lab${i}`, index: i, user, address: `127.0.1.${i}`, port: state.port, uid: pw.uid, home: pw.home, runtimeDir: `/run/vplab/${i}` });
  }
  return hosts;
}

/** The name of a host's guest number `i` (1-based), as lab_guest_specs in lab-common.sh makes it. */
export function labGuestName(i: number): string {
  return `${i === WINDOWS_GUEST_INDEX ? 'win' : 'deb'}${String(i).padStart(2, '0')}`;
}

/** Guest number 5 is the one Windows-labelled guest of a host (libosinfo win2k8r2); the others are debNN (debian11). */
const WINDOWS_GUEST_INDEX = 5;

/** deb01..deb04, win05, deb06..: the guests every lab host has after ensureLab()/resetLab() (sorted). */
export function labGuestNames(): string[] {
  const n = labState().guests;
  return Array.from({ length: n }, (_, i) => labGuestName(i + 1)).sort();
}

/** The Windows-labelled guests of a host (win05 when the lab has 5 guests or more). */
export function labWindowsGuests(): string[] {
  return labGuestNames().filter((g) => g.startsWith('win'));
}

/** The Linux-labelled guests of a host (libosinfo debian11). */
export function labLinuxGuests(): string[] {
  return labGuestNames().filter((g) => g.startsWith('deb'));
}

/** A host by 1-based index, inventory name (lab2), user (vplab2) or 'localhost'. */
export function labHost(host: number | string): LabHost {
  const hosts = labHosts();
  const found = hosts.find((h) => h.index === host || h.name === host || h.user === host);
  if (!found) throw new Error(`no lab host ${String(host)} (have ${hosts.map((h) => h.name).join(', ')})`);
  return found;
}

/**
 * Runs `virsh -c qemu:///session ARGS` as that lab host's own user, on this machine (runuser, no
 * shell), with the host's runtime dir: the real state, not what the engine reports. `stdin` feeds
 * e.g. `virsh define /dev/stdin`.
 */
export function virshAs(host: number | string, args: readonly string[], stdin?: string): Promise<RunResult> {
  const h = labHost(host);
  // Node hands a child's stdin over as a socket, which virsh cannot open as /dev/stdin; `cat |`
  // turns it into the pipe a shell or sshd would give (the argv stays positional, unquoted).
  const virsh = [...(stdin === undefined ? [] : ['sh', '-c', 'cat | "$@"', 'sh']), 'virsh', '-c', SESSION_URI, ...args];
  if (labState().mode === 'local') return run(virsh, { stdin });
  const env = [`HOME=${h.home}`, `USER=${h.user}`, `LOGNAME=${h.user}`, `PATH=${PATH}`, 'LANG=C.UTF-8', `XDG_RUNTIME_DIR=${h.runtimeDir}`];
  return run(['runuser', '-u', h.user, '--', 'env', '-i', ...env, ...virsh], { stdin, timeoutMs: 60_000 });
}

async function virshOk(host: number | string, args: readonly string[], stdin?: string): Promise<string> {
  const res = await virshAs(host, args, stdin);
  if (res.code !== 0) throw new Error(`virsh ${args.join(' ')} on lab host ${String(host)} failed (${res.code}): ${res.stderr.trim()}`);
  return res.stdout;
}

/** A guest's persistent (inactive) domain XML as that host's libvirt has it now (one final newline). */
export async function guestXml(host: number | string, guest: string): Promise<string> {
  return `${(await virshOk(host, ['dumpxml', '--inactive', guest])).trimEnd()}\n`;
}

/** Names of all guests of a host (`virsh list --all --name`), sorted. */
export async function guestNames(host: number | string): Promise<string[]> {
  const out = await virshOk(host, ['list', '--all', '--name']);
  return out
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .sort();
}

/** The XML lab-up.sh recorded for a guest when it first defined it (what resetLab() restores). */
export function originalGuestXml(host: number | string, guest: string): string {
  const h = labHost(host);
  const dir = labState().mode === 'local' ? 'local' : String(h.index);
  return `${readFileSync(join(labDir(), 'hosts', dir, 'guests', `${guest}.xml`), 'utf8').trimEnd()}\n`;
}

/**
 * Defines a host's guests as lab-up.sh first defined them, where they differ now (other tests leave
 * the lab converted; resetLab() restores every host and needs lockLab()). Call it holding
 * lockLabHost(host). Running guests keep running: only their persistent definition changes.
 */
export async function restoreLabHost(host: number | string): Promise<void> {
  for (const guest of labGuestNames()) {
    const original = originalGuestXml(host, guest);
    if ((await guestXml(host, guest).catch(() => '')) !== original) await virshOk(host, ['define', '/dev/stdin'], original);
  }
}

/** OpenSSH client options that check a lab host's key against the lab's known_hosts only. */
export function labHostKeyOptions(): string[] {
  return ['-o', `UserKnownHostsFile=${labKnownHostsPath()}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes'];
}

/** OpenSSH client arguments that reach a lab host with the lab's key and known_hosts only. */
export function labSshArgs(host: number | string): string[] {
  const h = labHost(host);
  return [
    '-F',
    '/dev/null',
    '-i',
    labKeyPath(),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    ...labHostKeyOptions(),
    '-o',
    'ConnectTimeout=10',
    '-p',
    String(h.port),
    `${h.user}@${h.address}`,
  ];
}

/**
 * Lines of the lab sshds' log (LogLevel VERBOSE; .lab/sshd.log); [] when there is none. Every lab
 * sshd (one per 16 hosts) appends to this one file (O_APPEND, one write per line), so
 * `sshdLogLines().length` taken as a mark and a later `.slice(mark)` give exactly the lines logged
 * in between, whichever sshd logged them.
 */
export function sshdLogLines(): string[] {
  const file = join(labDir(), 'sshd.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

/**
 * TCP connections the lab sshds accepted, per lab address (127.0.1.<i>), from its log lines
 * ("Connection from A port P on 127.0.1.<i> port 2222"). Pass a slice of sshdLogLines() taken
 * after a mark to count one run's connections.
 */
export function sshdConnectionsPerHost(lines: readonly string[] = sshdLogLines()): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const m = /^Connection from \S+ port \d+ on (\S+) port \d+/.exec(line);
    if (m?.[1]) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  return counts;
}

/** Remote commands the lab sshds ran, per lab user ("Starting session: command for vplab<i> ..."). */
export function sshdCommandsPerUser(lines: readonly string[] = sshdLogLines()): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const m = /^Starting session: command for (\S+) from/.exec(line);
    if (m?.[1]) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  return counts;
}

/**
 * Locks between test processes, a readers-writer scheme on lock directories in .lab (each holds
 * its holder's pid; a holder that died is taken over):
 *   lockLab()          exclusive use of the whole lab (tests that reset or run on every host);
 *   lockLabHost(host)  shared use of the lab, exclusive use of one host (tests that touch only
 *                      their own guest there, e.g. a stand-in): several run at once, on
 *                      different hosts, never while someone holds lockLab().
 * A reader registers (test.readers/<pid>-<n>) before it checks for a writer; a writer takes
 * test.lock before it waits for the readers to leave: whatever the interleaving, one sees the other.
 * Each returns its release function; pair it with t.teardown().
 */
export async function lockLab(timeoutMs = 20 * 60_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  const release = await lockDir(join(labDir(), 'test.lock'), timeoutMs);
  const readers = join(labDir(), 'test.readers');
  for (;;) {
    const live = liveEntries(readers);
    if (live.length === 0) return release;
    if (Date.now() > deadline) {
      release();
      throw new Error(`lab tests on single hosts (${live.join(', ')}) held the lab for over ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

let readerSeq = 0;

export async function lockLabHost(host: string, timeoutMs = 20 * 60_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  const releaseHost = await lockDir(join(labDir(), `test.host-${host}.lock`), timeoutMs);
  const readers = join(labDir(), 'test.readers');
  mkdirSync(readers, { recursive: true });
  const me = join(readers, `${process.pid}-${++readerSeq}`);
  for (;;) {
    writeFileSync(me, host);
    if (!writerAlive()) {
      return () => {
        rmSync(me, { force: true });
        releaseHost();
      };
    }
    rmSync(me, { force: true });
    if (Date.now() > deadline) {
      releaseHost();
      throw new Error(`the whole lab has been locked (${join(labDir(), 'test.lock')}) for over ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A lock directory exists and its holder lives (a dead holder's directory is removed). */
function writerAlive(): boolean {
  const dir = join(labDir(), 'test.lock');
  if (!existsSync(dir)) return false;
  let holder = NaN;
  try {
    holder = Number(readFileSync(join(dir, 'pid'), 'utf8'));
  } catch {
    return true; // being created or released right now
  }
  if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
    rmSync(dir, { recursive: true, force: true });
    return false;
  }
  return true;
}

/** Reader entries whose process still lives (the others are removed). */
function liveEntries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => {
    const pid = Number(f.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return true;
    rmSync(join(dir, f), { force: true });
    return false;
  });
}

async function lockDir(dir: string, timeoutMs: number): Promise<() => void> {
  mkdirSync(dirname(dir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    } catch {
      // being created or released right now
    }
    if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) rmSync(dir, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`${dir} has been held by pid ${holder} for over ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs fn while holding lockLab(). */
export async function withLabLock<T>(fn: () => Promise<T>): Promise<T> {
  const release = await lockLab();
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Runs fn while holding lockLabHost(host): for tests that touch only their own guest on that host. */
export async function withHostLock<T>(host: string, fn: () => Promise<T>): Promise<T> {
  const release = await lockLabHost(host);
  try {
    return await fn();
  } finally {
    release();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
