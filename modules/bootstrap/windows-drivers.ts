/**
 * The Windows side of the virtio storage bootstrap, as pure functions over the guest agent's
 * replies (qga schema: guest-get-osinfo, guest-get-devices): which virtio-win ISO folder fits the
 * Windows version and architecture, the pnputil command that installs viostor from it, and
 * whether the virtio block device has its driver bound.
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
  /** How old pnputil is: /add-driver exists from Windows 10 on; earlier ones take -i -a. */
  modernPnputil: boolean;
}

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

/** The folder to install from, or an explanation of why none fits. */
export function driverFolder(os: OsInfo): DriverFolder | { error: string } {
  const a = archOf(os.machine);
  if (!a) return { error: `unknown Windows architecture ${JSON.stringify(os.machine)} (expected x86_64/amd64, x86 or arm64)` };
  const server = isServer(os);
  const kv = os['kernel-version'] ?? '';
  const build = Number(os['kernel-release'] ?? 0);
  let version: string | undefined;
  if (kv.startsWith('6.0')) version = '2k8'; // Vista and Server 2008 share a folder
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
  if (a.arch === 'x86' && ['2k8R2', '2k12', '2k12R2', '2k16', '2k19', '2k22', '2k25', 'w11'].includes(version)) {
    return { error: `Windows ${version} has no 32-bit edition; the agent reported ${JSON.stringify(os.machine)}` };
  }
  return { version, arch: a.arch, is64: a.is64, modernPnputil: kv.startsWith('10.') };
}

/** libosinfo ids (virt-install's --os-variant, kept in <metadata>) to folders, for the no-agent message. */
export function folderFromLibosinfo(id: string | undefined): string | undefined {
  const m = /microsoft\.com\/win\/([\w.]+)$/.exec(id ?? '');
  if (!m) return undefined;
  const map: Record<string, string> = {
    vista: '2k8', '2k8': '2k8', '2k8r2': '2k8R2', '7': 'w7', '8': 'w8', '8.1': 'w8.1', '2k12': '2k12', '2k12r2': '2k12R2',
    '10': 'w10', '2k16': '2k16', '2k19': '2k19', '2k22': '2k22', '11': 'w11', '2k25': '2k25',
  };
  return map[m[1]!.toLowerCase()];
}

/**
 * guest-exec request that installs viostor from whichever drive letter holds the ISO:
 * cmd.exe tries D: to Z: and runs pnputil on the first that has the .inf.
 */
export function pnputilExec(f: DriverFolder, driver: 'viostor' | 'NetKVM' = 'viostor'): { path: string; arg: string[] } {
  const inf = `${driver}\\${f.version}\\${f.arch}\\${driver.toLowerCase()}.inf`;
  const add = f.modernPnputil ? `pnputil.exe /add-driver %d:\\${inf} /install` : `pnputil.exe -i -a %d:\\${inf}`;
  const letters = 'D E F G H I J K L M N O P Q R S T U V W X Y Z';
  return {
    path: 'C:\\Windows\\System32\\cmd.exe',
    arg: ['/c', `for %d in (${letters}) do @if exist %d:\\${inf} (${add} & exit /b)`],
  };
}

/**
 * guest-get-devices' reply (GuestDeviceInfo list), Windows agent only. qga lists a PCI device of
 * vendor 1af4/1b36 only when Windows has a driver for it (it skips devices without a driver
 * version or date), so "listed" means "has a driver". It does not say whether the driver LOADED:
 * an unsigned driver on 64-bit Windows is listed with problem code 52; see pnpProblemExec.
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

/** The virtio block device's driver, when Windows has one bound to it. */
export function virtioBlkDriver(devices: DeviceInfo[]): DeviceInfo | undefined {
  return devices.find(
    (d) => d.id?.type === 'pci' && d.id['vendor-id'] === VIRTIO_VENDOR && VIRTIO_BLK.includes(d.id['device-id'] ?? -1) && Boolean(d['driver-name']),
  );
}

/** What to tell the operator when the driver installed but is not bound (the seed's trap). */
export function unboundAdvice(f: DriverFolder, iso: string): string {
  if (f.is64) {
    return (
      `the virtio storage driver (viostor\\${f.version}\\${f.arch}) was installed but Windows did not load it for the virtio disk. ` +
      `64-bit Windows loads signed drivers only: an unsigned driver "installs" but never loads (the driver-signing trap). ` +
      `Use a signed virtio-win ISO (${iso} may be an unsigned build), or for a test guest only enable test signing ` +
      `(bcdedit /set testsigning on, reboot); then run virtplay again: the bootstrap resumes here. The boot disk was not moved.`
    );
  }
  return (
    `the virtio storage driver (viostor\\${f.version}\\${f.arch}) was installed but is not bound to the virtio disk: ` +
    `check that the ISO's folder matches this Windows version; remove the device and driver in Device Manager before trying again. The boot disk was not moved.`
  );
}

/** The operator's instructions when no agent answers. */
export function manualInstallSteps(iso: string, folder: string | undefined): string {
  const where = folder ? `<CD drive>:\\viostor\\${folder}\\amd64 (x86 on 32-bit Windows)` : `<CD drive>:\\viostor\\<your Windows version>\\<amd64|x86>`;
  return (
    `In the guest (console or RDP): open Device Manager; under "Other devices" the dummy disk's "SCSI Controller" has no driver; ` +
    `choose Update driver > Browse my computer > ${where} on the attached ISO (${iso}); "Red Hat VirtIO SCSI controller" must appear. ` +
    `Better: install the QEMU guest agent from the same ISO (guest-agent\\qemu-ga-x86_64.msi) so virtplay can do this itself. ` +
    `Then run the playbook again: the bootstrap continues from here. Until then the boot disk stays where it is.`
  );
}

/**
 * guest-exec request asking Windows (8 and later: Get-PnpDevice) for the status and problem code
 * of the virtio block device; prints lines "Status Problem InstanceId".
 */
export function pnpProblemExec(): { path: string; arg: string[] } {
  const script =
    "Get-PnpDevice -PresentOnly | Where-Object { $_.InstanceId -match '^PCI\\\\VEN_1AF4&DEV_(1001|1042)' } | " +
    "ForEach-Object { '{0} {1} {2}' -f $_.Status, [int]$_.Problem, $_.InstanceId }";
  return { path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', arg: ['-NoProfile', '-NonInteractive', '-Command', script] };
}

/** CM_PROB_UNSIGNED_DRIVER: Windows cannot verify the digital signature of the driver (Code 52). */
export const PROBLEM_UNSIGNED = 52;

/** From pnpProblemExec's output: the virtio block device's problem code (0: none), if it is listed. */
export function parsePnpProblem(stdout: string): number | undefined {
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^(\w+)\s+(\d+)\s+PCI\\/i.exec(line.trim());
    if (m) return m[1] === 'OK' ? 0 : Number(m[2]);
  }
  return undefined;
}
