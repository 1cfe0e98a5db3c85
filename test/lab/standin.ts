/**
 * The stand-in guest (test/lab/guest/) placed on a lab host: its own copy of the boot disk, the
 * driver ISO, a Windows-era definition (IDE hda, e1000, agent channel unless asked otherwise,
 * serial console to a file), all owned by that host's user. For the bootstrap's tests.
 *
 * With `personality: 'win2k8r2' | 'win2k16'` the guest answers on the agent channel as QEMU's
 * Windows guest agent of that Windows version (test/lab/guest/README.md), or not at all with
 * `guestTools: false`. installDriverOffline()/installGuestToolsOffline() change a shut-off guest's
 * disk the way an operator would by hand in Windows.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GuestAgent } from './guest-agent.js';
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
  /** What answers on the agent channel: Debian's qemu-ga (linux, default) or Windows' qga (make-disk.sh --personality). */
  personality?: 'linux' | 'win2k8r2' | 'win2k16';
  /** Windows personality: the QEMU guest agent is installed (default true; false: make-disk.sh --no-guest-tools). */
  guestTools?: boolean;
  /** Which driver ISO is copied to s.iso: signed (default), unsigned (viostor .infs unsigned), nofolder (no viostor/2k8R2, viostor/2k16). */
  iso?: 'signed' | 'unsigned' | 'nofolder';
  /** virt-install --os-variant (default win2k16 for the win2k16 personality, else win2k8r2). */
  osVariant?: string;
  /** s.iso in an IDE CD-ROM from the start (default false: no CD-ROM, as before). */
  cdrom?: boolean;
  /** NIC model (domain-xml.sh --nic-model; default e1000). */
  nicModel?: string;
  /** More disks, virt-install --disk syntax (domain-xml.sh --extra-disk), e.g. `${path},bus=virtio,format=qcow2`. */
  extraDisks?: string[];
  /** More kernel parameters (make-disk.sh --cmdline), e.g. virtplay.rootwait=5. */
  cmdline?: string;
  /** A bigger boot disk and partition, MiB (make-disk.sh --size; default the built 64). */
  sizeMb?: number;
}

const ISO_FILES = { signed: 'virtio-win-standin.iso', unsigned: 'virtio-win-standin-unsigned.iso', nofolder: 'virtio-win-standin-nofolder.iso' } as const;

export async function defineStandin(host: string, name: string, opts: StandinOptions = {}): Promise<Standin> {
  const h = labHost(host);
  const dir = join(h.home, `standin-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const s: Standin = { host, name, dir, disk: join(dir, 'boot.img'), iso: join(dir, 'virtio-win.iso'), serial: join(dir, 'serial.log') };
  const personality = opts.personality ?? 'linux';
  const mk = await run([
    'bash',
    join(GUEST, 'make-disk.sh'),
    '--marker',
    opts.marker ?? `marker-${name}`,
    ...(opts.ignoreAcpi ? ['--ignore-acpi'] : []),
    ...(personality !== 'linux' ? ['--personality', personality] : []),
    ...(opts.guestTools === false ? ['--no-guest-tools'] : []),
    ...(opts.cmdline ? ['--cmdline', opts.cmdline] : []),
    ...(opts.sizeMb ? ['--size', String(opts.sizeMb)] : []),
    s.disk,
  ]);
  if (mk.code !== 0) throw new Error(`make-disk.sh: ${mk.stderr}`);
  const cp = await run(['cp', join(OUT, ISO_FILES[opts.iso ?? 'signed']), s.iso]);
  if (cp.code !== 0) throw new Error(`cp iso: ${cp.stderr}`);
  for (const f of [dir, s.disk, s.iso]) chownSync(f, h.uid, h.uid);
  const osVariant = opts.osVariant ?? (personality === 'win2k16' ? 'win2k16' : 'win2k8r2');
  const xmlOpts = [
    ...(opts.agent === false ? ['--no-agent'] : []),
    ...(osVariant !== 'win2k8r2' ? ['--os-variant', osVariant] : []),
    ...(opts.nicModel ? ['--nic-model', opts.nicModel] : []),
    ...(opts.extraDisks ?? []).flatMap((d) => ['--extra-disk', d]),
  ];
  await defineWindowsEra(host, name, xmlOpts, s.disk, opts.cdrom ? s.iso : '-', s.serial);
  return s;
}

/** Defines, as the lab host's user, the Windows-era domain domain-xml.sh prints for these options and files. */
export async function defineWindowsEra(host: string, name: string, xmlOpts: string[], disk: string, iso: string, serial: string): Promise<void> {
  const h = labHost(host);
  const env = ['env', '-i', `HOME=${h.home}`, `XDG_RUNTIME_DIR=${h.runtimeDir}`, 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'];
  const xml = await run(['runuser', '-u', h.user, '--', ...env, 'bash', join(GUEST, 'domain-xml.sh'), ...xmlOpts, name, disk, iso, serial]);
  if (xml.code !== 0) throw new Error(`domain-xml.sh: ${xml.stderr}`);
  const def = await virshAs(host, ['define', '/dev/stdin'], xml.stdout);
  if (def.code !== 0) throw new Error(`virsh define: ${def.stderr}`);
}

/** Powers off and undefines a lab guest, and removes its directory. */
export async function removeLabGuest(g: { host: string; name: string; dir: string }): Promise<void> {
  await virshAs(g.host, ['destroy', g.name]);
  await virshAs(g.host, ['undefine', g.name]);
  rmSync(g.dir, { recursive: true, force: true });
}

export const removeStandin = (s: Standin): Promise<void> => removeLabGuest(s);

/** A lab guest by host and name: a Standin, or any guest the lab's virsh reaches. */
export type LabGuest = Pick<Standin, 'host' | 'name'>;

/** The stand-in's driver install and check, run through its agent: the driver ISO mounted first if the guest did not at boot. */
export const INSTALL_SCRIPT = "grep -qs ' /media/cdrom ' /proc/mounts || mount -t iso9660 -o ro /dev/sr0 /media/cdrom; exec sh /media/cdrom/linux/install.sh";
export const CHECK_SCRIPT = "grep -qs ' /media/cdrom ' /proc/mounts || mount -t iso9660 -o ro /dev/sr0 /media/cdrom; exec sh /media/cdrom/linux/check.sh";

/** The guest agent of a lab guest, through its host's virsh (guest-agent.ts); a stand-in's console lines say why when it does not answer. */
export function labAgent(g: LabGuest | Standin): GuestAgent {
  const console = 'serial' in g ? () => `its console's last lines:\n${serialLines(g).slice(-12).join('\n')}` : undefined;
  return new GuestAgent((args) => virshAs(g.host, args), g.name, console);
}

/** The VIRTPLAY-GUEST status lines the guest wrote on its serial console so far. */
export function serialLines(s: Standin): string[] {
  if (!existsSync(s.serial)) return [];
  // Whole lines only: the guest may be halfway through writing the last one (a boot line read
  // before its acpi= field arrived failed a test once).
  const lines = readFileSync(s.serial, 'utf8').split('\n');
  lines.pop();
  return lines.filter((l) => l.includes('VIRTPLAY-GUEST'));
}

async function offline(s: Standin, args: string[]): Promise<string> {
  const r = await run(['bash', join(GUEST, 'offline.sh'), ...args]);
  if (r.code !== 0) throw new Error(`offline.sh ${args[0]}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function assertShutOff(s: Standin): Promise<void> {
  const st = await virshAs(s.host, ['domstate', s.name]);
  if (st.code === 0 && st.stdout.trim() !== 'shut off') throw new Error(`${s.name} is ${st.stdout.trim()}: shut it off before changing its disk`);
}

/**
 * On the SHUT-OFF guest's raw disk, what an operator installing viostor by hand in Device Manager
 * achieves: the signed driver archive in the boot set exactly as the ISO's linux/install.sh puts it
 * there (viostor.gz on the boot partition, on syslinux.cfg's INITRD line), and windows/drivers.txt
 * saying "viostor: signed, installed".
 */
export async function installDriverOffline(s: Standin): Promise<void> {
  await assertShutOff(s);
  await offline(s, ['install-driver', s.disk]);
}

/** On the SHUT-OFF guest's disk: the QEMU guest agent installed (the Windows personality's agent answers from the next boot). */
export async function installGuestToolsOffline(s: Standin): Promise<void> {
  await assertShutOff(s);
  await offline(s, ['install-guest-tools', s.disk]);
}

/** A file of the guest's boot partition (its C: drive), e.g. 'windows/drivers.txt' or 'syslinux.cfg'; read it while the guest is shut off. */
export async function bootPartitionFile(s: Standin, path: string): Promise<string> {
  return offline(s, ['cat', s.disk, path]);
}
