/**
 * What the fault tests share: the built CLI as a real process (its pid, so a test can find its
 * SSH connection), throw-away inventories (with proxies in front of lab hosts), the guests' XML
 * classified against reference states (semantically: libvirt's own additions do not count), and
 * the sshd session processes behind one connection, to cut it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonDocument } from '../../../engine/report/json.js';
import { semanticDiff } from '../../helpers/domain-compare.js';
import { labDir, labHost, labKeyPath, labKnownHostsPath, labState, run, virshAs } from '../../lab/lab.js';
import { startVirtplay as start, type CliRun as BaseRun } from '../../helpers/virtplay-cli.js';

export { CLI, LINUX_VIRTIO, requireBuild, ROOT } from '../../helpers/virtplay-cli.js';
/** A lab host's five guests: four Linux-labelled, one Windows-labelled (win05). */
export const GUESTS = ['deb01', 'deb02', 'deb03', 'deb04', 'win05'];

/** A temporary folder removed when the test ends. */
export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'vp-faults-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

// --- the CLI ------------------------------------------------------------------------------------

export interface CliRun extends BaseRun {
  doc?: JsonDocument;
}

export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliRun>;
}

/** The shared runner's run with `--json` (plain output when json is false), started now, in stateDir; `done` never rejects (code -1: timed out). */
export function startVirtplay(args: readonly string[], stateDir: string, timeoutMs = 120_000, json = true): RunningCli {
  const { child, done } = start([...args, ...(json ? ['--json'] : [])], { stateDir, timeoutMs });
  return {
    child,
    done: done.then((r) => {
      try {
        return { ...r, doc: JSON.parse(r.stdout) as JsonDocument };
      } catch {
        return r; // no document: the test looks at stdout/stderr
      }
    }),
  };
}

export function virtplay(args: readonly string[], stateDir: string, timeoutMs?: number): Promise<CliRun> {
  return startVirtplay(args, stateDir, timeoutMs).done;
}

/** As virtplay(), with the human (plain) output instead of --json. */
export function virtplayPlain(args: readonly string[], stateDir: string, timeoutMs?: number): Promise<CliRun> {
  return startVirtplay(args, stateDir, timeoutMs, false).done;
}

/** A host's result of a task (by name) in a --json document. */
export function hostResult(doc: JsonDocument | undefined, task: string, host: string): Record<string, unknown> | undefined {
  return doc?.plays.flatMap((p) => p.tasks).find((x) => x.task.name === task)?.hosts[host];
}

/** Every message a host got in a run (results' msg), joined: what a user reads about that host. */
export function hostMessages(doc: JsonDocument | undefined, host: string): string {
  return (doc?.plays ?? [])
    .flatMap((p) => p.tasks)
    .map((x) => x.hosts[host]?.['msg'])
    .filter((m): m is string => typeof m === 'string')
    .join('\n');
}

export function describeRun(r: CliRun): string {
  return `exit ${r.code} in ${Math.round(r.ms)} ms; stats ${JSON.stringify(r.doc?.stats ?? {})}; stderr: ${r.stderr.trim().slice(-600)}`;
}

// --- inventories --------------------------------------------------------------------------------

export interface InvHost {
  /** Inventory name (lab1..). */
  name: string;
  /** Lab user of the host whose libvirt it reaches. */
  user: string;
  address: string;
  port: number;
}

/** A lab host as the lab sshd serves it. */
export function direct(name: string): InvHost {
  const h = labHost(name);
  return { name, user: h.user, address: h.address, port: h.port };
}

/** The lab host `name` reached through a proxy listening at address:port. */
export function viaProxy(name: string, proxy: { host: string; port: number }): InvHost {
  return { ...direct(name), address: proxy.host, port: proxy.port };
}

/**
 * An inventory of those hosts in `dir`, with its own known_hosts: the lab's, plus the lab sshd's
 * key for every host:port a proxy listens on (the proxy forwards to that very sshd, so the key is
 * the real one and strict checking stays on).
 */
export function writeInventory(dir: string, hosts: InvHost[]): string {
  const labKey = readFileSync(join(labDir(), 'ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const port = labState().port;
  const extra = hosts.filter((h) => h.port !== port).map((h) => `[${h.address}]:${h.port} ${labKey}`);
  const known = join(dir, 'known_hosts');
  writeFileSync(known, `${readFileSync(labKnownHostsPath(), 'utf8').trimEnd()}\n${extra.join('\n')}\n`);
  const lines = ['faults:', '  hosts:'];
  for (const h of hosts) {
    lines.push(`    ${h.name}:`, `      ansible_host: "${h.address}"`, `      ansible_port: ${h.port}`, `      ansible_user: ${h.user}`);
  }
  // driver_ready: the fault tests convert all five guests, the Windows-labelled win05 too (as if its
  // driver were installed): they test the transport, the Windows guard has its own tests
  // (test/integration/modules/windows-guard.test.ts).
  lines.push(
    '  vars:',
    `    ansible_ssh_private_key_file: "${labKeyPath()}"`,
    `    virtplay_known_hosts_file: "${known}"`,
    '    libvirt_uri: qemu:///session',
    '    driver_ready: true',
  );
  const file = join(dir, `inventory-${hosts.map((h) => h.name).join('-')}-${Date.now()}.yml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A playbook file in `dir` from its YAML text. */
export function writePlaybook(dir: string, name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

/** A free TCP port on an address: bound, then released (nothing listens on it afterwards). */
export async function closedPort(address: string): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((ok, fail) => s.listen(0, address, ok).once('error', fail));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

// --- guest XML states -----------------------------------------------------------------------------

/** Reference states of one guest in order (e.g. old, after the NIC task, ..., new). */
export type Stages = { label: string; xml: string }[];

/** Which reference state the XML is, semantically; 'IN BETWEEN (...)' when none. */
export function stageOf(xml: string, stages: Stages): string {
  for (const s of stages) if (semanticDiff(xml, s.xml).length === 0) return s.label;
  const nearest = stages.map((s) => ({ s, d: semanticDiff(xml, s.xml) })).sort((a, b) => a.d.length - b.d.length)[0];
  return `IN BETWEEN (nearest ${nearest?.s.label}: ${nearest?.d.slice(0, 3).join('; ')})`;
}

/** Each guest's persistent XML as the host's libvirt has it now (one virsh process; as guestXml()). */
export async function hostXml(host: string, guests = GUESTS): Promise<Map<string, string>> {
  const mark = '@@@faults-guest';
  const r = await virshAs(host, [guests.map((g) => `echo ${mark}; dumpxml --inactive ${g}`).join(' ; ')]);
  const parts = r.stdout
    .split(mark)
    .slice(1)
    .map((x) => `${x.trim()}\n`);
  if (r.code !== 0 || parts.length !== guests.length || parts.some((p) => !p.startsWith('<domain'))) {
    throw new Error(`reading ${guests.join(', ')} on ${host} failed (${r.code}): ${r.stderr.trim()}`);
  }
  return new Map(guests.map((g, i) => [g, parts[i]!]));
}

/** "deb01=old deb02=new ..." */
export function stagesLine(host: string, xml: Map<string, string>, stages: Map<string, Stages>): string {
  return `${host}: ${[...xml].map(([g, x]) => `${g}=${stageOf(x, stages.get(g) ?? [])}`).join(' ')}`;
}

// --- processes and connections ------------------------------------------------------------------

function uidOf(pid: string): number {
  const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? -1);
}

/** Pids of the processes of `uid` whose argv satisfies `match`. */
export function processesOf(uid: number, match: (argv: string[]) => boolean): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (uidOf(pid) !== uid) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (match(argv)) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The `virsh` process of a define batch (its command string holds `define N.xml`). */
const DEFINE_STEP = /\bdefine \d+\.xml\b/;
export const isDefineVirsh = (argv: string[]): boolean => (argv[0] ?? '').endsWith('virsh') && argv.some((a) => DEFINE_STEP.test(a));

/** The shell of a define batch (its script holds the command string); it runs the hash checks, then virsh. */
export const isBatchShell = (argv: string[]): boolean => !(argv[0] ?? '').endsWith('virsh') && argv.some((a) => DEFINE_STEP.test(a));

/** Polls (every 5 ms) until `find()` returns pids; resolves with them, or [] after timeoutMs. */
export async function waitFor(find: () => number[], timeoutMs: number, stop?: () => boolean): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stop?.()) {
    const pids = find();
    if (pids.length > 0) return pids;
    await sleep(5);
  }
  return [];
}

function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) out.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone
  }
  return out;
}

function hexEndpoint(address: string, port: number): string {
  const ip = address
    .split('.')
    .map(Number)
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return `${ip}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
}

interface TcpRow {
  local: string;
  remote: string;
  inode: string;
}

function tcpRows(): TcpRow[] {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[3] === '01')
    .map((f) => ({ local: f[1]!, remote: f[2]!, inode: f[9]! }));
}

/**
 * The sshd processes serving the connections `clientPid` holds to address:port (the per-connection
 * children: the privileged monitor and the user's session process; never the listening sshd,
 * which does not hold accepted sockets).
 */
export function sshdSessionPids(clientPid: number, address: string, port: number): number[] {
  const mine = socketInodes(clientPid);
  const server = hexEndpoint(address, port);
  const rows = tcpRows();
  // Our side: remote = the server endpoint; the server's side of it: local = server, remote = our local.
  const clientEnds = rows.filter((r) => mine.has(r.inode) && r.remote === server).map((r) => r.local);
  const serverInodes = new Set(rows.filter((r) => r.local === server && clientEnds.includes(r.remote)).map((r) => r.inode));
  if (serverInodes.size === 0) return [];
  const listener = Number(readFileSync(join(labDir(), 'sshd.pid'), 'utf8').trim());
  const out: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === listener) continue;
    for (const ino of socketInodes(Number(pid))) {
      if (serverInodes.has(ino)) {
        out.push(Number(pid));
        break;
      }
    }
  }
  return out.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sshd';
    } catch {
      return false;
    }
  });
}

export function killAll(pids: number[], signal: NodeJS.Signals = 'SIGKILL'): number {
  let n = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}

/** Defines each guest's given XML again on a lab host (stopping it first): a fast reset of chosen guests. */
export async function restoreGuests(host: string, xml: Map<string, string>): Promise<void> {
  const h = labHost(host);
  const env = ['env', '-i', `HOME=${h.home}`, `XDG_RUNTIME_DIR=${h.runtimeDir}`, 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'];
  const dir = mkdtempSync(join(tmpdir(), 'vp-restore-'));
  try {
    const cmds: string[] = [];
    for (const [g, x] of xml) {
      const f = join(dir, `${g}.xml`);
      writeFileSync(f, x);
      cmds.push(`destroy ${g}`, `define ${f}`);
    }
    // One virsh process; `destroy` of a guest that is not running fails harmlessly.
    await run(['chmod', '-R', 'a+rX', dir]);
    const r = await run(['runuser', '-u', h.user, '--', ...env, 'virsh', '-q', '-c', 'qemu:///session', cmds.join(' ; ')]);
    const now = await hostXml(host, [...xml.keys()]);
    for (const [g, x] of xml) {
      if (semanticDiff(now.get(g)!, x).length > 0) throw new Error(`restoring ${host}/${g} failed: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
