/**
 * What the offline conversion writes into a Windows guest, virt-v2v's way (libguestfs-common
 * mlcustomize/inject_virtio_win.ml), as pure functions of libguestfs's inspection and the driver
 * ISO's file list:
 *   - the files of viostor, NetKVM and vioserial for the guest's Windows version and architecture
 *     copied to %SystemRoot%\Drivers\VirtIO (PnP finds them there at first boot: DevicePath),
 *     viostor.sys also to %SystemRoot%\system32\drivers;
 *   - viostor registered as a boot-start service (Services\viostor: Start=0, Group "SCSI miniport")
 *     and bound to the virtio block device's PCI IDs before PnP runs: the CriticalDeviceDatabase on
 *     Vista/2008/7/2008 R2, the DriverDatabase on 8/2012 and later;
 *   - %SystemRoot%\Drivers\VirtIO appended to DevicePath.
 * Then the read-back list: which registry values and files must be there afterwards.
 */
import { DRIVERS, driverFolder, type DriverFolder, type DriverName } from '../windows-drivers.js';
import { regFile, type RegKey } from './registry-file.js';

export interface Inspection {
  root: string;
  type: string;
  distro: string;
  productName: string;
  productVariant: string;
  major: number;
  minor: number;
  arch: string;
  osinfo: string;
  systemroot?: string;
  controlSet?: string;
}

export interface Preflight {
  roots: Inspection[];
  /** Every file and directory of the driver ISO, from its root ("/viostor/2k16/amd64/viostor.inf"). */
  isoFiles: string[];
}

export function parsePreflight(stdout: string): Preflight {
  const roots: Inspection[] = [];
  const isoFiles: string[] = [];
  let cur: Record<string, string> | undefined;
  const flush = () => {
    if (!cur) return;
    roots.push({
      root: cur.root!,
      type: cur.type ?? 'unknown',
      distro: cur.distro ?? 'unknown',
      productName: cur['product-name'] ?? 'unknown',
      productVariant: cur['product-variant'] ?? 'unknown',
      major: Number(cur['major-version'] ?? 0),
      minor: Number(cur['minor-version'] ?? 0),
      arch: cur.arch ?? 'unknown',
      osinfo: cur.osinfo ?? 'unknown',
      ...(cur['windows-systemroot'] ? { systemroot: cur['windows-systemroot'] } : {}),
      ...(cur['windows-current-control-set'] ? { controlSet: cur['windows-current-control-set'] } : {}),
    });
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith('VIRTPLAY-ROOT ')) {
      flush();
      cur = { root: line.slice(14).trim() };
    } else if (line.startsWith('VIRTPLAY-I ') && cur) {
      const kv = line.slice(11);
      const eq = kv.indexOf('=');
      cur[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (line.startsWith('VIRTPLAY-ISO ')) isoFiles.push(line.slice(13));
  }
  flush();
  return { roots, isoFiles };
}

export function describe(i: Inspection): string {
  return `${i.productName} (${i.type} ${i.major}.${i.minor}, ${i.arch}${i.osinfo !== 'unknown' ? `, ${i.osinfo}` : ''})`;
}

const OSINFO_FOLDERS: Record<string, string> = {
  winvista: '2k8',
  win2k8: '2k8',
  win2k8r2: '2k8R2',
  win7: 'w7',
  win8: 'w8',
  'win8.1': 'w8.1',
  win2k12: '2k12',
  win2k12r2: '2k12R2',
  win10: 'w10',
  win2k16: '2k16',
  win2k19: '2k19',
  win2k22: '2k22',
  win11: 'w11',
  win2k25: '2k25',
};

/** The virtio-win folder for an inspected Windows: libosinfo's short id first, else version and variant. */
export function folderFromInspection(i: Inspection): DriverFolder | { error: string } {
  const machine = i.arch === 'i386' ? 'x86' : i.arch;
  const fromId = OSINFO_FOLDERS[i.osinfo];
  const byVersion = driverFolder({
    'kernel-version': `${i.major}.${i.minor}`,
    machine,
    variant: i.productVariant,
    'pretty-name': i.productName,
    // NT 10: the server year, or Windows 11, from the product name when libosinfo had no id
    'kernel-release': /2025/.test(i.productName)
      ? '26100'
      : /2022/.test(i.productName)
        ? '20348'
        : /2019/.test(i.productName)
          ? '17763'
          : /Windows 11/.test(i.productName)
            ? '22000'
            : '14393',
  });
  if (!fromId || 'error' in byVersion) return byVersion;
  return {
    ...byVersion,
    version: fromId,
    modernPnputil: ['w10', '2k16', '2k19', '2k22', 'w11', '2k25'].includes(fromId),
    hasGetPnpDevice: !['2k8', '2k8R2', 'w7'].includes(fromId),
  };
}

/** The ISO's files of one driver's folder (case-insensitive, as Windows reads the ISO). */
export function folderFiles(isoFiles: string[], driver: DriverName, f: DriverFolder): string[] {
  const dir = `/${driver}/${f.version}/${f.arch}/`.toLowerCase();
  return isoFiles.filter((p) => p.toLowerCase().startsWith(dir) && !p.slice(dir.length).includes('/') && p.length > dir.length && /\.[a-z0-9]+$/i.test(p));
}

export const VIRTIO_BLK_PCI_IDS = ['VEN_1AF4&DEV_1001&REV_00', 'VEN_1AF4&DEV_1042&REV_01'];
const SCSI_CLASS = '{4D36E97B-E325-11CE-BFC1-08002BE10318}';
const INF = 'guestor.inf';
const CONF = 'guestor_conf';

/** Windows 8 / 2012 (NT 6.2) and later bind boot devices through the DriverDatabase, older ones through the CriticalDeviceDatabase. */
export function usesDriverDatabase(i: Inspection): boolean {
  return i.major > 6 || (i.major === 6 && i.minor >= 2);
}

/** The SYSTEM hive's keys for viostor, as virt-v2v writes them (add_guestor_to_registry). */
export function viostorKeys(i: Inspection, arch: string): RegKey[] {
  const cs = i.controlSet ?? 'ControlSet001';
  const keys: RegKey[] = [];
  const label = `${INF}_${arch}_0000000000000000`;
  for (const id of VIRTIO_BLK_PCI_IDS) {
    if (usesDriverDatabase(i)) {
      keys.push(
        {
          path: ['DriverDatabase', 'DriverInfFiles', INF],
          values: [
            ['', { type: 'multi_sz', value: [label] }],
            ['Active', { type: 'sz', value: label }],
            ['Configurations', { type: 'multi_sz', value: [CONF] }],
          ],
        },
        { path: ['DriverDatabase', 'DeviceIds', 'PCI', id], values: [[INF, { type: 'binary', value: [0x01, 0xff, 0x00, 0x00] }]] },
        {
          path: ['DriverDatabase', 'DriverPackages', label],
          // the driver package's version: class GUID {4D36E97B-...} (SCSI adapters); Windows-Kernel-Pnp needs it on 10/2016
          values: [
            [
              'Version',
              {
                type: 'binary',
                value: [
                  0x00,
                  0xff,
                  0x09,
                  0x00,
                  0,
                  0,
                  0,
                  0,
                  0x7b,
                  0xe9,
                  0x36,
                  0x4d,
                  0x25,
                  0xe3,
                  0xce,
                  0x11,
                  0xbf,
                  0xc1,
                  0x08,
                  0x00,
                  0x2b,
                  0xe1,
                  0x03,
                  0x18,
                  ...Array<number>(24).fill(0),
                ],
              },
            ],
          ],
        },
        {
          path: ['DriverDatabase', 'DriverPackages', label, 'Configurations', CONF],
          values: [
            ['ConfigFlags', { type: 'dword', value: 0 }],
            ['Service', { type: 'sz', value: 'viostor' }],
          ],
        },
        { path: ['DriverDatabase', 'DriverPackages', label, 'Descriptors', 'PCI', id], values: [['Configuration', { type: 'sz', value: CONF }]] },
      );
    } else {
      keys.push({
        path: [cs, 'Control', 'CriticalDeviceDatabase', `PCI#${id}`],
        values: [
          ['Service', { type: 'sz', value: 'viostor' }],
          ['ClassGUID', { type: 'sz', value: SCSI_CLASS }],
        ],
      });
    }
  }
  keys.push({
    path: [cs, 'Services', 'viostor'],
    values: [
      ['Type', { type: 'dword', value: 1 }],
      ['Start', { type: 'dword', value: 0 }],
      ['Group', { type: 'sz', value: 'SCSI miniport' }],
      ['ErrorControl', { type: 'dword', value: 1 }],
      ['ImagePath', { type: 'expand_sz', value: 'system32\\drivers\\viostor.sys' }],
    ],
  });
  return keys;
}

export interface Injection {
  folder: DriverFolder;
  /** The work list for offline.sh inject (tab-separated operations, one per line). */
  spec: string;
  /** Read-back: [kind, hive or file, key, value name, expected]; checked by verifyInjection. */
  expect: Expectation[];
  /** Drivers copied, for the report. */
  drivers: DriverName[];
  /** NetKVM is in the guest: the NIC can move to virtio with the disk. */
  netkvm: boolean;
  warnings: string[];
}

export type Expectation =
  { kind: 'value'; hive: string; key: string; value: string; want: string } | { kind: 'key'; hive: string; key: string } | { kind: 'file'; path: string };

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function clean(p: string, what: string): string {
  if (/[\t\n\r]/.test(p)) throw new Error(`${what} ${JSON.stringify(p)} has a tab or line break`);
  return p;
}

/** Plans the injection into one inspected Windows root; an Error when the ISO lacks viostor for it. */
export function planWindowsInjection(i: Inspection, isoFiles: string[], iso: string): Injection | { error: string } {
  const f = folderFromInspection(i);
  if ('error' in f) return f;
  if (!i.systemroot) return { error: `libguestfs found no systemroot for ${describe(i)}` };
  const viostor = folderFiles(isoFiles, 'viostor', f);
  const has = (files: string[], ext: string) => files.find((p) => p.toLowerCase().endsWith(ext));
  const sys = has(viostor, 'viostor.sys');
  const inf = has(viostor, DRIVERS.viostor);
  if (!sys || !inf) {
    return {
      error:
        `the driver ISO ${iso} has no ${f.version}\\${f.arch} viostor driver (viostor\\${f.version}\\${f.arch}\\viostor.sys and viostor.inf) for ${describe(i)}: ` +
        `this virtio-win release carries none for this Windows. Use a release that does. Nothing was written and the guest was not shut down.`,
    };
  }
  const warnings: string[] = [];
  if (!has(viostor, '.cat'))
    warnings.push(
      `viostor\\${f.version}\\${f.arch} has no .cat catalog on the ISO: ${f.is64 ? '64-bit Windows may refuse to load the driver (signature)' : 'the driver is unsigned'}`,
    );
  const root = i.systemroot;
  const vdir = `${root}/Drivers/VirtIO`;
  const lines: string[] = [`mkdir\t${clean(vdir, 'path')}`];
  const drivers: DriverName[] = [];
  const expect: Expectation[] = [];
  for (const d of Object.keys(DRIVERS) as DriverName[]) {
    const files = folderFiles(isoFiles, d, f);
    if (files.length === 0) {
      if (d !== 'viostor')
        warnings.push(
          `the ISO has no ${d}\\${f.version}\\${f.arch}: ${d === 'NetKVM' ? 'the NIC keeps its model' : 'no virtio-serial driver (the guest agent needs it)'}`,
        );
      continue;
    }
    drivers.push(d);
    for (const p of files) {
      const dst = `${vdir}/${p.slice(p.lastIndexOf('/') + 1).toLowerCase()}`;
      lines.push(`copy\t${clean(p, 'ISO path')}\t${clean(dst, 'path')}`);
      expect.push({ kind: 'file', path: dst });
    }
  }
  const sysTarget = `${root}/system32/drivers/viostor.sys`;
  lines.push(`copy\t${sys}\t${sysTarget}`);
  expect.push({ kind: 'file', path: sysTarget });
  const systemHive = `${root}/system32/config/SYSTEM`;
  const softwareHive = `${root}/system32/config/SOFTWARE`;
  const keys = viostorKeys(i, f.arch);
  lines.push(`merge\t${systemHive}\tHKEY_LOCAL_MACHINE\\SYSTEM\t${b64(regFile('HKEY_LOCAL_MACHINE\\SYSTEM', keys))}`);
  lines.push(`append-path\t${softwareHive}\tHKEY_LOCAL_MACHINE\\SOFTWARE\t\\Microsoft\\Windows\\CurrentVersion|DevicePath|%SystemRoot%\\Drivers\\VirtIO`);
  for (const k of keys) {
    const key = `\\${k.path.join('\\')}`;
    const shown = k.values.filter(([, v]) => v.type === 'sz' || v.type === 'expand_sz' || v.type === 'dword');
    if (shown.length === 0) expect.push({ kind: 'key', hive: systemHive, key });
    for (const [name, v] of shown) expect.push({ kind: 'value', hive: systemHive, key, value: name, want: String(v.value) });
  }
  const seen = new Set<string>();
  const unique = expect.filter((e) => !seen.has(JSON.stringify(e)) && seen.add(JSON.stringify(e)));
  expect.splice(0, expect.length, ...unique);
  for (const e of expect) {
    if (e.kind === 'file') lines.push(`file\t${e.path}`);
    else if (e.kind === 'key') lines.push(`key\t${e.hive}\t${e.key}`);
    else lines.push(`read\t${e.hive}\t${e.key}\t${e.value}`);
  }
  return { folder: f, spec: `${lines.join('\n')}\n`, expect, drivers, netkvm: drivers.includes('NetKVM'), warnings };
}

/** The read-back against the plan: an empty list when everything is in place, else what is not. */
export function verifyInjection(stdout: string, expect: Expectation[]): string[] {
  const lines = stdout.split('\n');
  const find = (prefix: string) => lines.find((l) => l.startsWith(prefix));
  const missing: string[] = [];
  for (const e of expect) {
    if (e.kind === 'file') {
      if (find(`VIRTPLAY-FILE ${e.path}\t`)?.endsWith('\ttrue') !== true) missing.push(`file ${e.path} not in the guest`);
    } else if (e.kind === 'key') {
      if (find(`VIRTPLAY-KEY ${e.hive}\t${e.key}\t`)?.endsWith('\tyes') !== true) missing.push(`registry key ${e.key} missing`);
    } else {
      const got = find(`VIRTPLAY-READ ${e.hive}\t${e.key}\t${e.value}\t`)?.split('\t')[3];
      if (got !== e.want)
        missing.push(`registry ${e.key}\\${e.value} is ${got === undefined || got === '' ? 'absent' : JSON.stringify(got)}, not ${JSON.stringify(e.want)}`);
    }
  }
  if (!lines.includes('VIRTPLAY-INJECT-DONE')) missing.push('the injection did not finish');
  return missing;
}
