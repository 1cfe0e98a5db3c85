/**
 * The built CLI as a real process against the real lab, and what the tests read back: the --json
 * document, the guests' domain XML as each lab host's libvirt has it, the lab sshd's log.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { JsonDocument } from '../../../engine/report/json.js';
import type { Test } from 'tap';
import { guestXml, labGuestNames, labHosts, sshdLogLines } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { CLI, requireBuild, ROOT, startVirtplay, type CliRun as BaseRun } from '../../helpers/virtplay-cli.js';

export { CLI, LAB_INVENTORY, PLAYBOOKS, requireBuild, ROOT } from '../../helpers/virtplay-cli.js';
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'engine');

/** Source files newer than the built CLI (dist/ may be stale), for a warning. */
export function newerSources(): string[] {
  if (!existsSync(CLI)) return [];
  const built = statSync(CLI).mtimeMs;
  const newer: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && statSync(p).mtimeMs > built) newer.push(p.slice(ROOT.length + 1));
    }
  };
  for (const d of ['engine', 'modules']) walk(join(ROOT, d));
  return newer;
}

export interface CliRun extends BaseRun {
  /** TCP connections the process was seen holding: local port -> remote address. */
  ports: Map<number, string>;
}

let stateDir: string | undefined;

/** XDG_STATE_HOME for the runs (the engine keeps XML backups there): a temp dir, removed by cleanupCli(). */
function runStateDir(): string {
  return (stateDir ??= mkdtempSync(join(tmpdir(), 'virtplay-engine-it-')));
}

export function cleanupCli(): void {
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  stateDir = undefined;
}

/**
 * The shared runner's run (test/helpers/virtplay-cli.ts), in this file's state folder. While it
 * runs, the TCP connections the process holds to the lab's port are sampled from /proc, so its
 * own lines in the shared sshd log can be told from those of other tests (see ownSshdLines()).
 */
export async function virtplay(args: readonly string[], timeoutMs = 120_000): Promise<CliRun> {
  const { child, done } = startVirtplay(args, { stateDir: runStateDir(), timeoutMs });
  const ports = new Map<number, string>();
  const sample = (): void => {
    if (child.pid !== undefined) for (const [port, remote] of tcpConnectionsOf(child.pid)) ports.set(port, remote);
  };
  const poll = setInterval(sample, 15);
  const r = await done;
  clearInterval(poll);
  return { ...r, ports };
}

/** Established IPv4 TCP connections of a process: local port -> remote "a.b.c.d:port" (from /proc). */
export function tcpConnectionsOf(pid: number): Map<number, string> {
  const out = new Map<number, string>();
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
    if (inodes.size === 0) return out;
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const [local, remote, state, inode] = [f[1], f[2], f[3], f[9]];
      if (!local || !remote || state !== '01' || !inode || !inodes.has(inode)) continue;
      out.set(parseInt(local.split(':')[1] ?? '0', 16), hexAddress(remote));
    }
  } catch {
    // the process is gone
  }
  return out;
}

function hexAddress(hex: string): string {
  const [ip = '', port = '0'] = hex.split(':');
  const bytes = [6, 4, 2, 0].map((i) => parseInt(ip.slice(i, i + 2), 16));
  return `${bytes.join('.')}:${parseInt(port, 16)}`;
}

/** As virtplay() with --json added; the document parsed (throws with stderr when stdout is not JSON). */
export async function virtplayJson(args: readonly string[]): Promise<CliRun & { doc: JsonDocument }> {
  const res = await virtplay([...args, '--json']);
  let doc: JsonDocument;
  try {
    doc = JSON.parse(res.stdout) as JsonDocument;
  } catch {
    throw new Error(
      `virtplay ${args.join(' ')} --json printed no JSON document (exit ${res.code})\nstdout: ${res.stdout.slice(0, 2000)}\nstderr: ${res.stderr.slice(0, 2000)}`,
    );
  }
  return { ...res, doc };
}

/** One host's result of the task with that name (first play); undefined when the host has none. */
export function taskResult(doc: JsonDocument, task: string, host: string): Record<string, unknown> | undefined {
  const t = doc.plays.flatMap((p) => p.tasks).find((x) => x.task.name === task);
  if (!t)
    throw new Error(
      `no task ${JSON.stringify(task)} in the --json document (have ${doc.plays
        .flatMap((p) => p.tasks)
        .map((x) => x.task.name)
        .join(', ')})`,
    );
  return t.hosts[host];
}

export interface GuestReport {
  guest: string;
  changed: boolean;
  changes: string[];
}

/** The guests a libvirt module's result reports as changed (would change, under --check). */
export function changedGuests(result: Record<string, unknown> | undefined): string[] {
  const guests = (result?.['guests'] ?? []) as GuestReport[];
  return guests
    .filter((g) => g.changed)
    .map((g) => g.guest)
    .sort();
}

/** host -> guest -> persistent domain XML, as the host's libvirt has it now. */
export type LabSnapshot = Map<string, Map<string, string>>;

export async function snapshotLab(): Promise<LabSnapshot> {
  const names = labGuestNames();
  const entries = await Promise.all(
    labHosts().map(async (h) => {
      const guests = new Map<string, string>();
      for (const g of names) guests.set(g, await guestXml(h.name, g));
      return [h.name, guests] as const;
    }),
  );
  return new Map(entries);
}

export function guestOf(snap: LabSnapshot, host: string, guest: string): string {
  const xml = snap.get(host)?.get(guest);
  if (xml === undefined) throw new Error(`no ${host}/${guest} in the snapshot`);
  return xml;
}

// --- reading domain XML independently of the engine's domain model -------------------------------

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['disk', 'interface', 'boot'].includes(name),
});

export interface NicView {
  mac: string;
  model: string;
}
export interface DiskView {
  device: string;
  bus: string;
  dev: string;
  source: string;
  addressType: string;
  bootOrder: number | undefined;
}

interface RawDisk {
  device?: string;
  target: { bus: string; dev: string };
  source?: { file?: string; dev?: string };
  address?: { type?: string };
  boot?: { order?: string }[];
}
interface RawDomain {
  os: { boot?: { dev: string }[] };
  devices: { disk?: RawDisk[]; interface?: { mac?: { address: string }; model?: { type: string } }[] };
}

function domainOf(xml: string): RawDomain {
  return (parser.parse(xml) as { domain: RawDomain }).domain;
}

export function nicsOf(xml: string): NicView[] {
  return (domainOf(xml).devices.interface ?? []).map((i) => ({ mac: i.mac?.address ?? '', model: i.model?.type ?? '' }));
}

export function disksOf(xml: string): DiskView[] {
  return (domainOf(xml).devices.disk ?? []).map((d) => ({
    device: d.device ?? 'disk',
    bus: d.target.bus,
    dev: d.target.dev,
    source: d.source?.file ?? d.source?.dev ?? '',
    addressType: d.address?.type ?? '',
    bootOrder: d.boot?.[0]?.order === undefined ? undefined : Number(d.boot[0].order),
  }));
}

/** `<os><boot dev>` entries in order. */
export function osBootOf(xml: string): string[] {
  return (domainOf(xml).os.boot ?? []).map((b) => b.dev);
}

/** The `<disk device='cdrom'>...</disk>` blocks of a domain XML, verbatim. */
export function cdromBlocks(xml: string): string[] {
  return (xml.match(/<disk\b[^>]*>[\s\S]*?<\/disk>/g) ?? []).filter((b) => /device=['"]cdrom['"]/.test(b));
}

export function nonVirtioNics(xml: string): NicView[] {
  return nicsOf(xml).filter((n) => n.model !== 'virtio');
}

/** Per host, the guests that have at least one non-virtio NIC (sorted). */
export function guestsNeedingNic(snap: LabSnapshot): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [host, guests] of snap) {
    out.set(
      host,
      [...guests]
        .filter(([, xml]) => nonVirtioNics(xml).length > 0)
        .map(([g]) => g)
        .sort(),
    );
  }
  return out;
}

// --- the lab sshd's log ------------------------------------------------------------------------------

/** A mark in the sshd log; sshdSince(mark) gives the lines written after it. */
export function sshdMark(): number {
  return sshdLogLines().length;
}

export function sshdSince(mark: number): string[] {
  return sshdLogLines().slice(mark);
}

/**
 * The sshd log lines of a run's own connections: "Connection from A port P on ..." and "Starting
 * session: ... port P ..." whose client port P the run held (other tests may use the lab sshd at
 * the same time without the lab lock: reading it is not changing it).
 */
export function ownSshdLines(lines: readonly string[], run: CliRun): { own: string[]; others: number } {
  const own: string[] = [];
  let others = 0;
  for (const line of lines) {
    const m = /^(?:Connection from \S+ port (\d+) on |Starting session: \S+ for \S+ from \S+ port (\d+) )/.exec(line);
    if (!m) continue;
    if (run.ports.has(Number(m[1] ?? m[2]))) own.push(line);
    else if (line.startsWith('Connection from')) others++;
  }
  return { own, others };
}

/** Distinct connections the run held per remote address (from /proc, sampled while it ran). */
export function heldConnections(run: CliRun): Map<string, number> {
  const per = new Map<string, number>();
  for (const remote of run.ports.values()) {
    const addr = remote.replace(/:\d+$/, '');
    per.set(addr, (per.get(addr) ?? 0) + 1);
  }
  return per;
}

/** The first 'PLAY RECAP' line of a host in plain output. */
export function recapLine(out: string, host: string): string {
  const recap = out.slice(out.indexOf('PLAY RECAP'));
  const line = recap.split('\n').find((l) => l.startsWith(`${host} `));
  if (!line) throw new Error(`no PLAY RECAP line for ${host} in:\n${out}`);
  return line.replace(/\s+/g, ' ').trim();
}

// --- a trap port: proves a run made no connection ---------------------------------------------------

export interface Trap {
  port: number;
  /** TCP connections accepted so far (each is held open, silent, until close()). */
  connections: () => number;
  close: () => Promise<void>;
}

/**
 * A TCP listener on every local address that accepts and says nothing. Runs given
 * `-e ansible_port=<port>` (extra vars win over the inventory) reach it instead of the lab sshd, so
 * "nothing connected" is exact even while other tests use the lab.
 */
export async function startTrap(): Promise<Trap> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok, fail) => server.listen(0, '0.0.0.0', ok).once('error', fail));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connections: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/**
 * The common start of these test files: the CLI is built, and this file holds the 4x5 lab (useLab
 * on the file's `t`: the guests as first defined) until it ends, the CLI's leftovers cleaned before
 * the lock goes. Returns a private temp folder.
 */
export async function holdLab(t: Test, tmpPrefix: string): Promise<string> {
  requireBuild();
  const waited = performance.now();
  const lab = await useLab(t, { hosts: 4, guests: 5 });
  t.comment(`waited ${Math.round(performance.now() - waited)} ms for the lab (its lock, the reset)`);
  const tmp = mkdtempSync(join(tmpdir(), tmpPrefix));
  lab.cleanup(() => {
    cleanupCli();
    rmSync(tmp, { recursive: true, force: true });
  });
  return tmp;
}
