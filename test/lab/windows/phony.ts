/**
 * Phony Windows guests for the offline conversion's tests, built the way libguestfs and virt-v2v
 * build theirs (test-data/phony-guests/make-windows-img.sh): a raw disk with one NTFS partition,
 * the SYSTEM and SOFTWARE hives made with `hivexregedit --merge` from the .reg files next to this
 * file (on an empty hive, hive-file.ts), a Windows directory tree and a System32\cmd.exe whose PE
 * header says x86-64 (pe-stub.ts). libguestfs inspection takes them for Windows Server 2008 R2 or
 * 2016; they do not boot. And a fake virtio-win ISO with the real folder layout
 * (<driver>\<version>\<arch>\<files>), whose files say what they stand for.
 *
 * Built once as root into .lab/windows/ (rebuilt when this directory changes); tests copy them.
 */
import { createHash } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labHost, run } from '../lab.js';
import { defineWindowsEra, removeLabGuest } from '../standin.js';
import { emptyHive } from './hive-file.js';
import { peStub } from './pe-stub.js';

const HERE = import.meta.dirname;
const OUT = join(HERE, '..', '..', '..', '.lab', 'windows');
const APPLIANCE = join(HERE, '..', '..', '..', '.lab', 'appliance', 'root');

export type PhonyId = '2k8r2' | '2k16';
/** broken: a 2016 whose System32\drivers is a file, so an injection fails half-way (after the Drivers\VirtIO copies). */
export type PhonyImage = PhonyId | 'broken';

/** libguestfs's environment on this machine: its direct backend under TCG, and the lab's appliance kernel when /boot has none. */
export function guestfsEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' };
  const hasBoot = existsSync('/boot') && readdirSync('/boot').some((f) => f.startsWith('vmlinuz-'));
  const mods = join(APPLIANCE, 'lib', 'modules');
  if (!hasBoot && existsSync(mods)) {
    const kver = readdirSync(mods)[0]!;
    Object.assign(env, { SUPERMIN_KERNEL: join(APPLIANCE, 'boot', `vmlinuz-${kver}`), SUPERMIN_MODULES: join(mods, kver), SUPERMIN_KERNEL_VERSION: kver });
  }
  return env;
}

function fingerprint(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(HERE).sort()) h.update(f).update(readFileSync(join(HERE, f)));
  return h.digest('hex').slice(0, 16);
}

async function must(argv: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await run(argv, { ...opts, timeoutMs: 10 * 60_000 });
  if (r.code !== 0) throw new Error(`${argv.slice(0, 2).join(' ')} failed (${r.code}): ${r.stderr.slice(-1500)}`);
  return r.stdout;
}

async function hive(dir: string, name: 'SYSTEM' | 'SOFTWARE', regs: string[]): Promise<string> {
  const file = join(dir, name.toLowerCase());
  writeFileSync(file, emptyHive(name));
  const reg = join(dir, `${name}.reg`);
  writeFileSync(reg, regs.map((r) => readFileSync(join(HERE, r), 'utf8')).join('\n'));
  await must(['hivexregedit', '--merge', file, '--prefix', `HKEY_LOCAL_MACHINE\\${name}`, reg]);
  return file;
}

async function buildImage(image: PhonyImage, dest: string): Promise<void> {
  const id: PhonyId = image === 'broken' ? '2k16' : image;
  const tmp = mkdtempSync(join(tmpdir(), 'vp-phony-'));
  try {
    const system = await hive(tmp, 'SYSTEM', ['system.reg', `system-${id}.reg`]);
    const software = await hive(tmp, 'SOFTWARE', [`software-${id}.reg`]);
    const cmd = join(tmp, 'cmd.exe');
    writeFileSync(cmd, peStub('x86_64'));
    const script = [
      `sparse ${dest}.part 256M`,
      'run',
      'part-disk /dev/sda mbr',
      'part-set-mbr-id /dev/sda 1 0x07',
      'mkfs ntfs /dev/sda1',
      'mount /dev/sda1 /',
      'mkdir-p /Windows/System32/config',
      ...(image === 'broken'
        ? ['write /Windows/System32/drivers "not a directory"']
        : ['mkdir-p /Windows/System32/drivers', 'write /Windows/System32/drivers/atapi.sys "phony atapi.sys"']),
      'mkdir-p /Windows/Temp',
      `upload ${system} /Windows/System32/config/SYSTEM`,
      `upload ${software} /Windows/System32/config/SOFTWARE`,
      `upload ${cmd} /Windows/System32/cmd.exe`,
      'mkdir "/Program Files"',
      'touch /bootmgr',
    ].join('\n');
    await must(['guestfish'], { stdin: script, env: guestfsEnv() });
    await must(['mv', `${dest}.part`, dest]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const ISO_DRIVERS: Record<string, string[]> = {
  viostor: ['viostor.inf', 'viostor.sys', 'viostor.cat'],
  NetKVM: ['netkvm.inf', 'netkvm.sys', 'netkvm.cat'],
  vioserial: ['vioser.inf', 'vioser.sys', 'vioser.cat'],
};

/** The fake virtio-win ISO; `without` leaves out folders such as 'viostor/2k8R2'. */
async function buildIso(dest: string, without: string[]): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'vp-vwin-'));
  try {
    for (const [drv, files] of Object.entries(ISO_DRIVERS)) {
      for (const ver of ['2k8R2', '2k16', 'w10']) {
        if (without.includes(`${drv}/${ver}`)) continue;
        const d = join(tmp, drv, ver, 'amd64');
        mkdirSync(d, { recursive: true });
        for (const f of files) writeFileSync(join(d, f), `phony ${f} of virtio-win for ${ver} amd64\r\n`);
      }
    }
    mkdirSync(join(tmp, 'guest-agent'));
    writeFileSync(join(tmp, 'guest-agent', 'qemu-ga-x86_64.msi'), 'phony msi\r\n');
    await must(['xorriso', '-as', 'mkisofs', '-quiet', '-J', '-R', '-V', 'virtio-win-phony', '-o', `${dest}.part`, tmp]);
    await must(['mv', `${dest}.part`, dest]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface PhonyBuild {
  image: Record<PhonyImage, string>;
  iso: string;
  /** Without viostor\2k8R2 (and its NetKVM): a driver missing on the ISO. */
  isoNoFolder: string;
}

/** Builds (once, as root) the phony images and ISOs into .lab/windows/. */
export async function buildPhony(): Promise<PhonyBuild> {
  mkdirSync(OUT, { recursive: true });
  const fp = fingerprint();
  const out: PhonyBuild = {
    image: { '2k8r2': join(OUT, 'phony-2k8r2.img'), '2k16': join(OUT, 'phony-2k16.img'), broken: join(OUT, 'phony-broken.img') },
    iso: join(OUT, 'virtio-win-phony.iso'),
    isoNoFolder: join(OUT, 'virtio-win-phony-nofolder.iso'),
  };
  const stamp = join(OUT, '.fingerprint');
  const all = [...Object.values(out.image), out.iso, out.isoNoFolder];
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === fp && all.every((f) => existsSync(f))) return out;
  for (const id of ['2k8r2', '2k16', 'broken'] as const) await buildImage(id, out.image[id]);
  await buildIso(out.iso, []);
  await buildIso(out.isoNoFolder, ['viostor/2k8R2', 'NetKVM/2k8R2']);
  writeFileSync(stamp, fp);
  return out;
}

export interface PlacedPhony {
  host: string;
  name: string;
  dir: string;
  disk: string;
  iso: string;
}

/** A lab host's own copy of a phony image (raw, or converted to qcow2) and an ISO, in a directory its user owns. */
async function placePhony(host: string, name: string, image: string, iso: string, qcow2: boolean): Promise<PlacedPhony> {
  const h = labHost(host);
  const dir = join(h.home, `phony-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const placed = { host, name, dir, disk: join(dir, qcow2 ? 'c.qcow2' : 'c.img'), iso: join(dir, 'virtio-win.iso') };
  if (qcow2) await must(['qemu-img', 'convert', '-O', 'qcow2', image, placed.disk]);
  else copyFileSync(image, placed.disk);
  copyFileSync(iso, placed.iso);
  for (const f of [dir, placed.disk, placed.iso]) chownSync(f, h.uid, h.uid);
  return placed;
}

/**
 * A phony Windows guest defined on a lab host as virt-install defines a Windows-era guest (IDE
 * disk, e1000, no agent channel: a pristine Windows), shut off; `qcow2` converts its disk to qcow2
 * (domain-xml.sh then declares driver type qcow2).
 */
export async function definePhony(
  host: string,
  name: string,
  image: string,
  iso: string,
  osVariant: string,
  opts: { qcow2?: boolean } = {},
): Promise<PlacedPhony> {
  const p = await placePhony(host, name, image, iso, opts.qcow2 ?? false);
  await defineWindowsEra(host, name, ['--no-agent', '--os-variant', osVariant], p.disk, '-', join(p.dir, 'serial.log'));
  return p;
}

export const removePhony = (p: PlacedPhony): Promise<void> => removeLabGuest(p);

/** Reads registry values and files back from a shut-off phony disk (guestfish read-only, hivexget), as root. */
export async function readBack(
  disk: string,
  values: [hive: 'SYSTEM' | 'SOFTWARE', key: string, value: string][],
  files: string[],
): Promise<{ values: string[]; files: boolean[] }> {
  const tmp = mkdtempSync(join(tmpdir(), 'vp-read-'));
  try {
    const script = [
      'run',
      'mount-ro /dev/sda1 /',
      `download /Windows/System32/config/SYSTEM ${join(tmp, 'SYSTEM')}`,
      `download /Windows/System32/config/SOFTWARE ${join(tmp, 'SOFTWARE')}`,
      ...files.map((f) => `is-file "${f}"`),
    ].join('\n');
    const out = await must(['guestfish', '--ro', '-a', disk], { stdin: script, env: guestfsEnv() });
    const got: string[] = [];
    for (const [hive, key, value] of values) {
      const r = await run(['hivexget', join(tmp, hive), key, value]);
      got.push(r.code === 0 ? r.stdout.trim() : `(absent: ${r.stderr.trim().split('\n')[0]})`);
    }
    return {
      values: got,
      files: out
        .trim()
        .split('\n')
        .map((l) => l === 'true'),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
