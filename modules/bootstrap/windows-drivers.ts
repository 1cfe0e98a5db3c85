/**
 * The Windows side of the virtio storage bootstrap, as pure functions over the guest agent's
 * replies (qga schema: guest-get-osinfo, guest-get-devices, guest-network-get-interfaces): which
 * virtio-win ISO folder fits the Windows version and architecture, the guest-exec requests that
 * find a driver on the ISO, install or stage it (pnputil), and read the virtio disk's device
 * problem code (WMI on every version, Get-PnpDevice on 8/2012 and later), and what to tell the
 * operator.
 */

/** guest-get-osinfo's reply (GuestOSInfo), the fields used here. */
export interface OsInfo {
  id?: string;
  name?: string;
  'pretty-name'?: string;
  version?: string;
  'version-id'?: string;
  'kernel-version'?: string;
  'kernel-release'?: string;
  machine?: string;
  variant?: string;
  'variant-id'?: string;
}

export interface DriverFolder {
  /** virtio-win's folder for the Windows version: 2k8, 2k8R2, w7, w8, w8.1, 2k12, 2k12R2, w10, 2k16, 2k19, 2k22, w11, 2k25. */
  version: string;
  /** x86, amd64 or ARM64. */
  arch: string;
  /** True for 64-bit Windows, which loads signed drivers only. */
  is64: boolean;
  /** pnputil /add-driver exists from Windows 10 on; earlier ones take -i -a (install) and -a (stage). */
  modernPnputil: boolean;
  /** Get-PnpDevice exists from Windows 8 / 2012 on; earlier ones are asked through WMI (wmic). */
  hasGetPnpDevice: boolean;
}

/** The drivers the bootstrap uses, with their .inf names on the virtio-win ISO. */
export const DRIVERS = {
  viostor: 'viostor.inf',
  NetKVM: 'netkvm.inf',
  vioserial: 'vioser.inf',
} as const;
export type DriverName = keyof typeof DRIVERS;

export function isWindows(os: OsInfo): boolean {
  return os.id === 'mswindows';
}

function isServer(os: OsInfo): boolean {
  return /server/i.test(`${os.variant ?? ''} ${os['variant-id'] ?? ''} ${os['pretty-name'] ?? ''} ${os.version ?? ''}`);
}

function archOf(machine: string | undefined): { arch: string; is64: boolean } | undefined {
  const m = (machine ?? '').toLowerCase();
  if (m === 'x86_64' || m === 'amd64' || m === 'x64') return { arch: 'amd64', is64: true };
  if (m === 'x86' || /^i[3-6]86$/.test(m)) return { arch: 'x86', is64: false };
  if (m === 'aarch64' || m === 'arm64') return { arch: 'ARM64', is64: true };
  return undefined;
}

const NO_32_BIT = ['2k8R2', '2k12', '2k12R2', '2k16', '2k19', '2k22', '2k25', 'w11'];

function folderOf(version: string, arch: { arch: string; is64: boolean }): DriverFolder {
  const nt10 = ['w10', '2k16', '2k19', '2k22', 'w11', '2k25'].includes(version);
  return { version, arch: arch.arch, is64: arch.is64, modernPnputil: nt10, hasGetPnpDevice: !['2k8', '2k8R2', 'w7'].includes(version) };
}

/** The folder to install from, or an explanation of why none fits. */
export function driverFolder(os: OsInfo): DriverFolder | { error: string } {
  const a = archOf(os.machine);
  if (!a) return { error: `unknown Windows architecture ${JSON.stringify(os.machine)} (expected x86_64/amd64, x86 or arm64)` };
  const server = isServer(os);
  const kv = os['kernel-version'] ?? '';
  const build = Number(os['kernel-release'] ?? 0);
  let version: string | undefined;
  if (kv.startsWith('6.0'))
    version = '2k8'; // Vista and Server 2008 share a folder
  else if (kv.startsWith('6.1')) version = server ? '2k8R2' : 'w7';
  else if (kv.startsWith('6.2')) version = server ? '2k12' : 'w8';
  else if (kv.startsWith('6.3')) version = server ? '2k12R2' : 'w8.1';
  else if (kv.startsWith('10.')) {
    if (!server) version = build >= 22000 ? 'w11' : 'w10';
    else if (build >= 26100) version = '2k25';
    else if (build >= 20348) version = '2k22';
    else if (build >= 17763) version = '2k19';
    else version = '2k16';
  }
  if (!version) return { error: `no virtio-win folder for Windows kernel ${JSON.stringify(kv)} (${os['pretty-name'] ?? os.name ?? 'unknown'})` };
  if (a.arch === 'x86' && NO_32_BIT.includes(version)) {
    return { error: `Windows ${version} has no 32-bit edition; the agent reported ${JSON.stringify(os.machine)}` };
  }
  return folderOf(version, a);
}

const LIBOSINFO_FOLDERS: Record<string, string> = {
  vista: '2k8',
  '2k8': '2k8',
  '2k8r2': '2k8R2',
  '7': 'w7',
  '8': 'w8',
  '8.1': 'w8.1',
  '2k12': '2k12',
  '2k12r2': '2k12R2',
  '10': 'w10',
  '2k16': '2k16',
  '2k19': '2k19',
  '2k22': '2k22',
  '11': 'w11',
  '2k25': '2k25',
};

/**
 * The folder from the definition alone (no agent): virt-install's libosinfo id (kept in
 * <metadata>) and <os><type arch>. Undefined when the id is not a Windows version we know.
 */
export function folderFromDefinition(libosinfoId: string | undefined, domainArch: string | undefined): DriverFolder | undefined {
  const m = /microsoft\.com\/win\/([\w.]+)$/.exec(libosinfoId ?? '');
  const version = m ? LIBOSINFO_FOLDERS[m[1]!.toLowerCase()] : undefined;
  const arch = archOf(domainArch ?? 'x86_64');
  if (!version || !arch) return undefined;
  return folderOf(version, arch);
}

/** `viostor\2k8R2\amd64\viostor.inf`: the .inf's path on the ISO, from its root. */
export function infPath(driver: DriverName, f: DriverFolder): string {
  return `${driver}\\${f.version}\\${f.arch}\\${DRIVERS[driver]}`;
}

export interface ExecRequest {
  path: string;
  arg: string[];
}

const CMD = 'C:\\Windows\\System32\\cmd.exe';
const PNPUTIL = 'C:\\Windows\\System32\\pnputil.exe';
const WMIC = 'C:\\Windows\\System32\\wbem\\WMIC.exe';
const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const LETTERS = 'D E F G H I J K L M N O P Q R S T U V W X Y Z';

/** cmd.exe prints the drive letter ("D:") of every drive that holds the file; nothing when none does. */
export function findOnIsoExec(relPath: string): ExecRequest {
  return { path: CMD, arg: ['/c', `for %d in (${LETTERS}) do @if exist %d:\\${relPath} echo %d:`] };
}

/** The first drive letter findOnIsoExec printed, e.g. "D", or undefined. */
export function parseDriveLetter(stdout: string): string | undefined {
  return /^\s*([D-Z]):\s*$/im.exec(stdout.replace(/\0/g, ''))?.[1]?.toUpperCase();
}

/**
 * pnputil: install (adds the package to the driver store and installs it on matching devices) or
 * stage only (driver store; Windows binds it when the device appears, e.g. NetKVM before the NIC
 * becomes virtio).
 */
export function pnputilExec(f: DriverFolder, drive: string, driver: DriverName, mode: 'install' | 'stage'): ExecRequest {
  const inf = `${drive}:\\${infPath(driver, f)}`;
  if (f.modernPnputil) return { path: PNPUTIL, arg: mode === 'install' ? ['/add-driver', inf, '/install'] : ['/add-driver', inf] };
  return { path: PNPUTIL, arg: mode === 'install' ? ['-i', '-a', inf] : ['-a', inf] };
}

/** pnputil's exit codes that mean "the package is in": 0, 3010 (reboot pending), 259 (nothing newer to install). */
export function pnputilOk(exitcode: number): boolean {
  return exitcode === 0 || exitcode === 3010 || exitcode === 259;
}

/**
 * guest-get-devices' reply (GuestDeviceInfo list), Windows agent only. qga lists a PCI device of
 * vendor 1af4/1b36 only when Windows has a driver for it (it skips devices without a driver
 * version or date), so "listed" means "has a driver". It does not say whether the driver LOADED:
 * an unsigned driver on 64-bit Windows is listed with problem code 52; see problemCodeExec.
 */
export interface DeviceInfo {
  'driver-name'?: string;
  'driver-version'?: string;
  'driver-date'?: number;
  id?: { type?: string; 'vendor-id'?: number; 'device-id'?: number };
}

const VIRTIO_VENDOR = 0x1af4;
/** virtio-blk: transitional 0x1001, modern 0x1042. */
const VIRTIO_BLK = [0x1001, 0x1042];

/** The virtio block device's driver, when Windows has one associated with it. */
export function virtioBlkDriver(devices: DeviceInfo[]): DeviceInfo | undefined {
  return devices.find(
    (d) => d.id?.type === 'pci' && d.id['vendor-id'] === VIRTIO_VENDOR && VIRTIO_BLK.includes(d.id['device-id'] ?? -1) && Boolean(d['driver-name']),
  );
}

/**
 * The virtio block device's problem code: through WMI (wmic, Win32_PnPEntity.ConfigManagerErrorCode)
 * on Vista/2008/7/2008 R2, through Get-PnpDevice on 8/2012 and later (wmic is deprecated there).
 */
export function problemCodeExec(f: DriverFolder): ExecRequest {
  if (!f.hasGetPnpDevice) return { path: WMIC, arg: ['path', 'Win32_PnPEntity', 'get', 'ConfigManagerErrorCode,PNPDeviceID', '/value'] };
  const script =
    "Get-PnpDevice -PresentOnly | Where-Object { $_.InstanceId -match '^PCI\\\\VEN_1AF4&DEV_(1001|1042)' } | " +
    "ForEach-Object { '{0} {1} {2}' -f $_.Status, [int]$_.Problem, $_.InstanceId }";
  return { path: POWERSHELL, arg: ['-NoProfile', '-NonInteractive', '-Command', script] };
}

const BLK_ID = /^PCI\\VEN_1AF4&DEV_(1001|1042)/i;

/** From problemCodeExec's output: the virtio block device's problem code (0: none), if it is listed. */
export function parseProblemCode(f: DriverFolder, stdout: string): number | undefined {
  // wmic writes UTF-16 to a pipe on some versions: drop NULs and a BOM before reading.
  const text = stdout.replace(/\0/g, '').replace(/^\uFEFF/, '');
  if (f.hasGetPnpDevice) {
    for (const line of text.split(/\r?\n/)) {
      const m = /^(\w+)\s+(\d+)\s+(PCI\\\S+)/i.exec(line.trim());
      if (m && BLK_ID.test(m[3]!)) return m[1] === 'OK' ? 0 : Number(m[2]);
    }
    return undefined;
  }
  // /value: blocks of Name=Value lines separated by blank lines.
  for (const block of text.split(/(?:\r?\n){2,}/)) {
    const kv = Object.fromEntries(
      block
        .split(/\r?\n/)
        .map((l) => /^\s*(\w+)=(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1]!.toLowerCase(), m[2]!.trim()]),
    );
    if (BLK_ID.test(kv.pnpdeviceid ?? '') && /^\d+$/.test(kv.configmanagererrorcode ?? '')) return Number(kv.configmanagererrorcode);
  }
  return undefined;
}

/** CM_PROB_UNSIGNED_DRIVER: Windows cannot verify the digital signature of the driver (Code 52). */
export const PROBLEM_UNSIGNED = 52;

/** The seed's trap: the driver installed, Windows refuses to load it. What is true to advise. */
export function signingTrapMessage(f: DriverFolder, iso: string): string {
  const old = ['2k8', '2k8R2', 'w7'].includes(f.version);
  return (
    `Windows does not load the virtio storage driver ${infPath('viostor', f)} from ${iso}: the virtio disk reports ` +
    `device problem Code 52 (Windows cannot verify the driver's digital signature; the driver-signing trap). ` +
    `${f.is64 ? '64-bit Windows loads signed drivers only, and test signing (bcdedit /set testsigning on) does not make it load an unsigned one. ' : ''}` +
    `Use a virtio-win release whose drivers are signed for this Windows version` +
    `${old ? ' (Vista/2008/7/2008 R2 verify SHA-2 signatures only with the SHA-2 code signing update KB4474419 installed; without it they need a SHA-1-signed build from an older virtio-win release)' : ''}` +
    `, then run the playbook again; or, as the seed article did, choose "Disable Driver Signature Enforcement" with F8 ` +
    `at the guest's next boot (it holds for that boot only) and confirm by hand with -e driver_installed=true. The boot disk was not moved.`
  );
}

export function missingFolderMessage(f: DriverFolder, iso: string, driver: DriverName = 'viostor'): string {
  return (
    `the driver ISO ${iso} has no ${infPath(driver, f)} (no drive D: to Z: holds it): this virtio-win release carries no ` +
    `${driver} driver for Windows ${f.version} ${f.arch}. Use a release that does (newer releases dropped the oldest Windows versions), ` +
    `check that the ISO is the one in the guest's CD-ROM drive, and run again. Nothing was installed and the boot disk was not moved.`
  );
}

/** The operator's instructions when no agent answers. */
export function manualInstallSteps(iso: string, f: DriverFolder | undefined): string {
  const dir = (d: DriverName) => (f ? `<CD>:\\${d}\\${f.version}\\${f.arch}` : `<CD>:\\${d}\\<your Windows version>\\<amd64|x86>`);
  const msi = f?.arch === 'x86' ? 'qemu-ga-i386.msi' : 'qemu-ga-x86_64.msi';
  return (
    `In the guest (console), from the driver ISO ${iso} in its CD-ROM drive: (1) Device Manager > the dummy disk's ` +
    `"SCSI Controller" under "Other devices" > Update driver > Browse > ${dir('viostor')}: "Red Hat VirtIO SCSI controller" must ` +
    `appear without a warning sign (Code 52 means the driver is not signed for this Windows: see the signing advice in the README); ` +
    `(2) stage the network and serial drivers: pnputil ${f && !f.modernPnputil ? '-a' : '/add-driver'} ${dir('NetKVM')}\\netkvm.inf and ${dir('vioserial')}\\vioser.inf; ` +
    `(3) install the QEMU guest agent: <CD>:\\guest-agent\\${msi} (or virtio-win-guest-tools.exe on newer ISOs). ` +
    `Then either run the playbook again (with the agent, virtplay checks the driver itself and goes on), or, without an agent, ` +
    `run it with -e driver_installed=true to confirm the driver by hand. Until then the boot disk stays where it is.`
  );
}

/** guest-network-get-interfaces' reply, the fields used here. */
export interface NetInterface {
  name?: string;
  'hardware-address'?: string;
  'ip-addresses'?: { 'ip-address-type'?: string; 'ip-address'?: string; prefix?: number }[];
}

/**
 * The addresses of the NICs with a MAC (loopback and link-local left out), as "name (mac):
 * addr/prefix, ...". A static address set on these adapters does not move to the virtio NIC:
 * Windows sees a new adapter.
 */
export function adapterAddresses(ifaces: NetInterface[]): string {
  const parts: string[] = [];
  for (const i of ifaces) {
    const mac = i['hardware-address'];
    if (!mac || /^(00:){5}00$/.test(mac)) continue;
    const addrs = (i['ip-addresses'] ?? [])
      .filter((a) => a['ip-address'] && !/^(127\.|169\.254\.|::1$|fe80:)/i.test(a['ip-address']))
      .map((a) => `${a['ip-address']}/${a.prefix ?? '?'}`);
    if (addrs.length > 0) parts.push(`${i.name ?? '?'} (${mac}): ${addrs.join(' ')}`);
  }
  return parts.join('; ');
}
