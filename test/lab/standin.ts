/**
 * The stand-in guest (test/lab/guest/) placed on a lab host: its own copy of the boot disk, the
 * driver ISO, a Windows-era definition (IDE hda, e1000, agent channel unless asked otherwise,
 * serial console to a file), all owned by that host's user. For the bootstrap's tests.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labHost, run, virshAs } from './lab.js';

const REPO = join(import.meta.dirname, '..', '..');
const GUEST = join(REPO, 'test', 'lab', 'guest');
const OUT = join(REPO, '.lab', 'guest');

export interface Standin {
  host: string;
  name: string;
  dir: string;
  disk: string;
  iso: string;
  serial: string;
}

export async function buildStandin(): Promise<void> {
  const r = await run(['bash', join(GUEST, 'build.sh')], { timeoutMs: 15 * 60_000 });
  if (r.code !== 0) throw new Error(`test/lab/guest/build.sh failed (${r.code}): ${r.stderr.slice(-2000)}`);
}

export interface StandinOptions {
  /** Agent channel in the definition (default true). */
  agent?: boolean;
  /** First line of marker.txt on the boot partition (default marker-<name>). */
  marker?: string;
  /** The guest logs and ignores the ACPI power button and agent shutdown (make-disk.sh --ignore-acpi). */
  ignoreAcpi?: boolean;
}

export async function defineStandin(host: string, name: string, opts: StandinOptions = {}): Promise<Standin> {
  const h = labHost(host);
  const dir = join(h.home, `standin-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const s: Standin = { host, name, dir, disk: join(dir, 'boot.img'), iso: join(dir, 'virtio-win.iso'), serial: join(dir, 'serial.log') };
  const mk = await run(['bash', join(GUEST, 'make-disk.sh'), '--marker', opts.marker ?? `marker-${name}`, ...(opts.ignoreAcpi ? ['--ignore-acpi'] : []), s.disk]);
  if (mk.code !== 0) throw new Error(`make-disk.sh: ${mk.stderr}`);
  const cp = await run(['cp', join(OUT, 'virtio-win-standin.iso'), s.iso]);
  if (cp.code !== 0) throw new Error(`cp iso: ${cp.stderr}`);
  for (const f of [dir, s.disk, s.iso]) chownSync(f, h.uid, h.uid);
  const env = ['env', '-i', `HOME=${h.home}`, `XDG_RUNTIME_DIR=${h.runtimeDir}`, 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'];
  const xml = await run(['runuser', '-u', h.user, '--', ...env, 'bash', join(GUEST, 'domain-xml.sh'), ...(opts.agent === false ? ['--no-agent'] : []), name, s.disk, '-', s.serial]);
  if (xml.code !== 0) throw new Error(`domain-xml.sh: ${xml.stderr}`);
  const def = await virshAs(host, ['define', '/dev/stdin'], xml.stdout);
  if (def.code !== 0) throw new Error(`virsh define: ${def.stderr}`);
  return s;
}

export async function removeStandin(s: Standin): Promise<void> {
  await virshAs(s.host, ['destroy', s.name]);
  await virshAs(s.host, ['undefine', s.name]);
  rmSync(s.dir, { recursive: true, force: true });
}

/** The VIRTPLAY-GUEST status lines the guest wrote on its serial console so far. */
export function serialLines(s: Standin): string[] {
  if (!existsSync(s.serial)) return [];
  return readFileSync(s.serial, 'utf8').split('\n').filter((l) => l.includes('VIRTPLAY-GUEST'));
}
