/**
 * Test helpers for the stand-in guest: a throwaway unprivileged user with its own session libvirtd,
 * virsh and the guest agent (test/lab/guest-agent.ts) through it, serial-log polling, and the domain XML edits the tests
 * make by hand (the engine's own XML model is tested elsewhere).
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GuestAgent } from '../../lab/guest-agent.js';
import { run, type RunResult } from '../../lab/lab.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const GUEST_SCRIPTS = join(REPO, 'test/lab/guest');
export const GUEST_OUT = process.env.VIRTPLAY_GUEST_OUT ?? join(REPO, '.lab/guest');

export { run, type RunResult } from '../../lab/lab.js';

export interface SessionUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  runtimeDir: string;
}

/** Create (if missing) an unprivileged user with a 0700 XDG_RUNTIME_DIR for its session libvirtd. */
export async function ensureSessionUser(name: string): Promise<SessionUser> {
  if ((await run(['id', '-u', name])).code !== 0) {
    const r = await run(['useradd', '--create-home', '--shell', '/usr/sbin/nologin', name]);
    if (r.code !== 0 && (await run(['id', '-u', name])).code !== 0) throw new Error(`useradd ${name}: ${r.stderr}`);
  }
  const uid = Number((await run(['id', '-u', name])).stdout.trim());
  const gid = Number((await run(['id', '-g', name])).stdout.trim());
  const home = (await run(['getent', 'passwd', name])).stdout.split(':')[5] ?? `/home/${name}`;
  const runtimeDir = `/run/virtplay-${name}`;
  mkdirSync(runtimeDir, { recursive: true });
  chownSync(runtimeDir, uid, gid);
  chmodSync(runtimeDir, 0o700);
  return { name, uid, gid, home, runtimeDir };
}

/** A directory the session user owns (QEMU runs as that user and must write the disks there). */
export function userDir(user: SessionUser, path: string): string {
  mkdirSync(path, { recursive: true });
  chownSync(path, user.uid, user.gid);
  chmodSync(path, 0o755);
  return path;
}

export class SessionVirsh {
  constructor(
    readonly user: SessionUser,
    readonly uri = 'qemu:///session',
  ) {}

  /** argv run as the session user, with its runtime dir and home. */
  asUser(argv: readonly string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run(['runuser', '-u', this.user.name, '--', 'env', `XDG_RUNTIME_DIR=${this.user.runtimeDir}`, `HOME=${this.user.home}`, ...argv], opts);
  }

  virsh(args: readonly string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return this.asUser(['virsh', '-c', this.uri, ...args], opts);
  }

  async must(args: readonly string[], opts: { stdin?: string } = {}): Promise<string> {
    const r = await this.virsh(args, opts);
    if (r.code !== 0) throw new Error(`virsh ${args.join(' ')}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  /** `virsh define` with the XML on stdin (through a pipe: Node hands children a socket, which
   * /dev/stdin cannot open). */
  async define(xml: string): Promise<string> {
    const r = await this.asUser(['sh', '-c', 'cat | virsh -c "$0" define /dev/stdin', this.uri], { stdin: xml });
    if (r.code !== 0) throw new Error(`virsh define: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  async state(dom: string): Promise<string> {
    return (await this.must(['domstate', dom])).trim();
  }

  /** The guest agent of DOM, through this user's virsh (test/lab/guest-agent.ts). */
  guestAgent(dom: string): GuestAgent {
    return new GuestAgent((args) => this.virsh(args), dom);
  }

  /** Wait until the domain reaches STATE; resolves to the milliseconds waited, false on timeout. */
  async waitState(dom: string, state: string, timeoutMs: number): Promise<number | false> {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if ((await this.state(dom)) === state) return Date.now() - t0;
      await sleep(250);
    }
    return false;
  }

  /** Best-effort removal of a test domain. */
  async remove(dom: string): Promise<void> {
    await this.virsh(['destroy', dom]);
    await this.virsh(['undefine', dom]);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function readSerial(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}

/** The guest's VIRTPLAY-GUEST status lines, without the prefix. */
export function statusLines(serial: string): string[] {
  return serial
    .split(/\r?\n/)
    .map((l) => /VIRTPLAY-GUEST (.*)$/.exec(l)?.[1]?.trim())
    .filter((l): l is string => l !== undefined);
}

/** key=value pairs of one status line. */
export function statusFields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of line.split(/\s+/)) {
    const i = w.indexOf('=');
    if (i > 0) out[w.slice(0, i)] = w.slice(i + 1);
  }
  return out;
}

/** Wait for the boot verdict on the serial console: the boot-disk= line or NO-BOOT-DISK. */
export async function waitBootVerdict(serialLog: string, timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const hit = statusLines(readSerial(serialLog)).find((l) => l.startsWith('boot-disk=') || l === 'NO-BOOT-DISK');
    if (hit) return hit;
    await sleep(250);
  }
  throw new Error(`no boot verdict in ${serialLog} within ${timeoutMs} ms:\n${readSerial(serialLog).slice(-2000)}`);
}

/** The <disk> element whose source file is SOURCE. */
function findDisk(xml: string, source: string): string {
  const blocks = xml.match(/<disk\b[^>]*>[\s\S]*?<\/disk>/g) ?? [];
  const hit = blocks.find((b) => b.includes(`file='${source}'`) || b.includes(`file="${source}"`));
  if (!hit) throw new Error(`no disk with source ${source}`);
  return hit;
}

/** Move a disk to bus virtio with target DEV, dropping its drive address (libvirt rejects it). */
export function moveDiskToVirtio(xml: string, source: string, dev = 'vda'): string {
  const disk = findDisk(xml, source);
  const moved = disk.replace(/<target\b[^>]*\/>/, `<target dev='${dev}' bus='virtio'/>`).replace(/\s*<address type=['"]drive['"][^>]*\/>/, '');
  return xml.replace(disk, moved);
}

export function removeDisk(xml: string, source: string): string {
  const disk = findDisk(xml, source);
  return xml.replace(new RegExp(`\\n?[ \\t]*${escapeRe(disk)}`), '');
}

/** Set the model of the first <interface>. */
export function setNicModel(xml: string, model: string): string {
  return xml.replace(/<interface\b[\s\S]*?<\/interface>/, (nic) => nic.replace(/<model type=['"][^'"]*['"]\/>/, `<model type='${model}'/>`));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
