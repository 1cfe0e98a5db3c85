/**
 * The stand-in guest's Windows personality on a real lab host: winqga answers on the agent channel
 * as QEMU's Windows guest agent does (osinfo of Windows Server 2008 R2 / 2016, PCI devices with
 * drivers, Windows adapter names), and the Windows programs virtplay runs through guest-exec
 * (cmd.exe, pnputil.exe, WMIC.exe, powershell.exe) act on the stand-in's real driver install:
 * a signed viostor boots from vda, an unsigned one "installs" with Code 52 and does not boot.
 *
 * Three guests on lab3 boot concurrently (TCG boots overlap); each is driven in turn.
 */
import t from 'tap';
import { chownSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labHost, run, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import {
  bootPartitionFile,
  buildStandin,
  defineStandin,
  installDriverOffline,
  installGuestToolsOffline,
  labAgent,
  removeStandin,
  serialLines,
  type Standin,
} from '../../lab/standin.js';
import { moveDiskToVirtio, removeDisk, setNicModel, sleep, statusFields } from './session-lab.js';

const HOST = 'lab3';
const BOOT_TIMEOUT = 120_000;
const SYS32 = 'C:\\Windows\\System32\\';
const CMD = `${SYS32}cmd.exe`;
const PNPUTIL = `${SYS32}pnputil.exe`;
const WMIC = `${SYS32}wbem\\WMIC.exe`;
const WMIC_ARGS = ['path', 'Win32_PnPEntity', 'get', 'ConfigManagerErrorCode,PNPDeviceID', '/value'];
const LETTERS = 'D E F G H I J K L M N O P Q R S T U V W X Y Z';
const probe = (rel: string): string[] => ['/c', `for %d in (${LETTERS}) do @if exist %d:\\${rel} echo %d:`];
const VIOSTOR_2K8R2 = 'viostor\\2k8R2\\amd64\\viostor.inf';
/** cmd.exe running pnputil from whichever drive holds the .inf (an older form of virtplay's install). */
const probeAndRun = (rel: string, pnputilArgs: string): string[] => [
  '/c',
  `for %d in (${LETTERS}) do @if exist %d:\\${rel} (pnputil.exe ${pnputilArgs} %d:\\${rel} & exit /b)`,
];
/** The Get-PnpDevice query virtplay runs on Windows 8/2012 and later. */
const PS = {
  path: `${SYS32}WindowsPowerShell\\v1.0\\powershell.exe`,
  arg: [
    '-NoProfile',
    '-NonInteractive',
    '-Command',
    "Get-PnpDevice -PresentOnly | Where-Object { $_.InstanceId -match '^PCI\\\\VEN_1AF4&DEV_(1001|1042)' } | " +
      "ForEach-Object { '{0} {1} {2}' -f $_.Status, [int]$_.Problem, $_.InstanceId }",
  ],
};
type OsInfo = Record<string, string>;
const VIOSTOR_2K16 = 'viostor\\2k16\\amd64\\viostor.inf';

async function virsh(s: Standin, args: string[], stdin?: string): Promise<string> {
  const r = await virshAs(s.host, args, stdin);
  if (r.code !== 0) throw new Error(`virsh ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function start(s: Standin): Promise<void> {
  rmSync(s.serial, { force: true });
  await virsh(s, ['start', s.name]);
}

/** The boot verdict (the boot-disk= status line or NO-BOOT-DISK), without the prefix. */
async function verdict(s: Standin, timeoutMs = BOOT_TIMEOUT): Promise<string> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const hit = serialLines(s)
      .map((l) => l.replace(/^.*VIRTPLAY-GUEST /, '').trim())
      .find((l) => l.startsWith('boot-disk=') || l === 'NO-BOOT-DISK');
    if (hit) return hit;
    await sleep(300);
  }
  throw new Error(`no boot verdict from ${s.name} within ${timeoutMs} ms`);
}

async function waitState(s: Standin, state: string, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if ((await virsh(s, ['domstate', s.name])).trim() === state) return true;
    await sleep(300);
  }
  return false;
}

/** Boot disk to virtio vda, NIC to virtio, the dummy disk gone (the bootstrap's switch, by hand). */
async function switchToVirtio(s: Standin, dummy?: string): Promise<void> {
  let xml = await virsh(s, ['dumpxml', '--inactive', s.name]);
  if (dummy) xml = removeDisk(xml, dummy);
  xml = setNicModel(moveDiskToVirtio(xml, s.disk, 'vda'), 'virtio');
  await virsh(s, ['define', '/dev/stdin'], xml);
}

async function dummyDisk(name: string): Promise<string> {
  const h = labHost(HOST);
  const path = join(h.home, `${name}-dummy.qcow2`);
  const q = await run(['qemu-img', 'create', '-q', '-f', 'qcow2', path, '64M']);
  if (q.code !== 0) throw new Error(`qemu-img: ${q.stderr}`);
  chownSync(path, h.uid, h.uid);
  return path;
}

function wmicCodes(out: string): Map<string, number> {
  const codes = new Map<string, number>();
  for (const m of out.matchAll(/\r\n\r\nConfigManagerErrorCode=(\d+)\r\nPNPDeviceID=(PCI\\[^\r]+)\r\n/g)) codes.set(m[2]!, Number(m[1]));
  return codes;
}
const VIRTIO_BLK_ID = /^PCI\\VEN_1AF4&DEV_(1001|1042)&SUBSYS_[0-9A-F]{8}&REV_[0-9A-F]{2}\\3&13C0B0C5&0&[0-9A-F]{2}$/;
function blkCode(out: string): number | undefined {
  for (const [id, code] of wmicCodes(out)) if (VIRTIO_BLK_ID.test(id)) return code;
  return undefined;
}

interface Device {
  'driver-name': string;
  'driver-version': string;
  'driver-date': number;
  id: { type: string; 'vendor-id': number; 'device-id': number };
}
const devices = async (s: Standin): Promise<Device[]> => (await labAgent(s).call({ execute: 'guest-get-devices' })) as Device[];
const hasDev = (ds: Device[], vendor: number, ids: number[]): Device | undefined =>
  ds.find((d) => d.id.type === 'pci' && d.id['vendor-id'] === vendor && ids.includes(d.id['device-id']));

interface Iface {
  name: string;
  'hardware-address'?: string;
  'ip-addresses'?: { 'ip-address-type': string; 'ip-address': string; prefix: number }[];
}

t.test('the stand-in guest answers as QEMU guest agent for Windows', async (t) => {
  await buildStandin();
  const lab = await useLab(t, { host: HOST });
  const t0 = Date.now();
  const tag = process.pid;
  const names = { a: `vpwin-a-${tag}`, b: `vpwin-b-${tag}`, c: `vpwin-c-${tag}` };
  const made: Standin[] = [];
  const dummies: string[] = [];
  lab.cleanup(async () => {
    for (const s of made) await removeStandin(s);
    for (const d of dummies) rmSync(d, { force: true });
  });

  const dummyA = await dummyDisk(names.a);
  const dummyB = await dummyDisk(names.b);
  dummies.push(dummyA, dummyB);
  const a = await defineStandin(HOST, names.a, {
    personality: 'win2k8r2',
    cdrom: true,
    extraDisks: [`${dummyA},bus=virtio,format=qcow2`],
  });
  made.push(a);
  const b = await defineStandin(HOST, names.b, {
    personality: 'win2k16',
    iso: 'unsigned',
    cdrom: true,
    cmdline: 'virtplay.rootwait=5',
    extraDisks: [`${dummyB},bus=virtio,format=qcow2`],
  });
  made.push(b);
  const c = await defineStandin(HOST, names.c, { personality: 'win2k16', iso: 'nofolder', guestTools: false, cdrom: true });
  made.push(c);
  t.match(await virsh(b, ['dumpxml', '--inactive', b.name]), /microsoft\.com\/win\/2k16/, 'win2k16 personality: os-variant win2k16');
  t.match(await virsh(a, ['dumpxml', '--inactive', a.name]), /microsoft\.com\/win\/2k8r2/, 'win2k8r2 by default');
  // All three boot at once; each is then driven in turn.
  for (const s of [a, b, c]) await start(s);
  const cBooted = verdict(c);

  await t.test('win2k8r2, signed ISO: osinfo, programs, pnputil -i -a installs viostor for real', async (t) => {
    const v = statusFields(await verdict(a));
    t.equal(v['boot-disk'], 'sda');
    t.equal(v.personality, 'win2k8r2');
    t.equal(v['guest-tools'], 'yes');
    t.equal(v.dhcp, 'none', 'the e1000 adapter has its static address: no DHCP');
    await labAgent(a).waitUp(BOOT_TIMEOUT);
    t.same(await labAgent(a).call({ execute: 'guest-ping' }), {});
    t.equal(await labAgent(a).call({ execute: 'guest-sync', arguments: { id: 987654 } }), 987654);
    t.same(await labAgent(a).call({ execute: 'guest-get-osinfo' }), {
      id: 'mswindows',
      name: 'Microsoft Windows',
      'pretty-name': 'Windows Server 2008 R2 Enterprise',
      version: 'Microsoft Windows Server 2008 R2',
      'version-id': '2008 R2',
      variant: 'server',
      'variant-id': 'server',
      'kernel-version': '6.1',
      'kernel-release': '7601',
      machine: 'x86_64',
    });
    const info = (await labAgent(a).call({ execute: 'guest-info' })) as { version: string; supported_commands: { name: string; enabled: boolean }[] };
    t.ok(info.version, 'guest-info has a version');
    for (const n of ['guest-exec', 'guest-exec-status', 'guest-get-devices', 'guest-get-osinfo', 'guest-shutdown']) {
      t.ok(
        info.supported_commands.some((x) => x.name === n && x.enabled),
        `guest-info lists ${n}`,
      );
    }
    const unknown = await labAgent(a).raw({ execute: 'guest-frobnicate' });
    t.not(unknown.code, 0);
    t.match(unknown.stderr, /The command guest-frobnicate has not been found/, 'unknown command: CommandNotFound');

    // Network: the static address on the old (e1000) adapter, Windows names.
    const ifs = (await labAgent(a).call({ execute: 'guest-network-get-interfaces' })) as Iface[];
    const lan = ifs.find((i) => i.name === 'Local Area Connection');
    t.ok(lan, `Local Area Connection listed: ${JSON.stringify(ifs.map((i) => i.name))}`);
    t.match(lan?.['hardware-address'] ?? '', /^52:54:00(:[0-9a-f]{2}){3}$/);
    t.ok(
      lan?.['ip-addresses']?.some((x) => x['ip-address-type'] === 'ipv4' && x['ip-address'] === '10.0.2.15' && x.prefix === 24),
      'static 10.0.2.15/24',
    );
    t.ok(
      ifs.find((i) => i.name === 'Loopback Pseudo-Interface 1')?.['ip-addresses']?.some((x) => x['ip-address'] === '127.0.0.1'),
      'loopback',
    );

    // Devices: inbox drivers and virtio-serial listed; the virtio disk has no driver yet.
    let ds = await devices(a);
    t.equal(hasDev(ds, 0x8086, [0x100e])?.['driver-name'], 'Intel(R) PRO/1000 MT Network Connection');
    t.ok(hasDev(ds, 0x8086, [0x7010]), 'IDE controller listed');
    t.ok(hasDev(ds, 0x1af4, [0x1003, 0x1043]), 'virtio-serial listed');
    t.notOk(hasDev(ds, 0x1af4, [0x1001, 0x1042]), 'virtio-blk not listed: no driver');
    t.ok(
      ds.every((d) => Number.isInteger(d['driver-date']) && d['driver-date'] > 1e18 && d['driver-version']),
      'driver-date in ns, version',
    );

    // cmd.exe drive probes.
    t.same(await labAgent(a).exec(CMD, probe(VIOSTOR_2K8R2)), { exitcode: 0, stdout: 'D:\r\n', stderr: '' }, 'probe finds the .inf on D:');
    t.same(await labAgent(a).exec(CMD, probe('VIOSTOR\\2K8R2\\AMD64\\VIOSTOR.INF')), { exitcode: 0, stdout: 'D:\r\n', stderr: '' }, 'case-insensitive');
    t.same(await labAgent(a).exec(CMD, probe('viostor\\2k8R2\\amd64\\nothere.inf')), { exitcode: 0, stdout: '', stderr: '' }, 'no such file: nothing');

    // WMIC before: Code 28; PowerShell 2.0 has no Get-PnpDevice.
    const w0 = await labAgent(a).exec(WMIC, WMIC_ARGS);
    t.equal(w0.exitcode, 0);
    t.equal(blkCode(w0.stdout), 28, 'virtio-blk: Code 28 (no driver)');
    t.match(
      w0.stdout,
      /\r\n\r\nConfigManagerErrorCode=0\r\nPNPDeviceID=PCI\\VEN_8086&DEV_100E&SUBSYS_[0-9A-F]{8}&REV_[0-9A-F]{2}\\3&13C0B0C5&0&[0-9A-F]{2}\r\n/,
    );
    const p0 = await labAgent(a).exec(PS.path, PS.arg);
    t.equal(p0.exitcode, 1, 'powershell exits 1');
    t.equal(p0.stdout, '');
    t.match(p0.stderr, /^The term 'Get-PnpDevice' is not recognized as the name of a cmdlet, function, script file, or operable program\./);
    t.match(p0.stderr, /CommandNotFoundException/);

    // Unknown program: qga's CreateProcess failure.
    const bad = await labAgent(a).raw({ execute: 'guest-exec', arguments: { path: 'C:\\Windows\\System32\\nosuch.exe', arg: [], 'capture-output': true } });
    t.not(bad.code, 0);
    t.match(bad.stderr, /Failed to execute child process/);

    // pnputil, Windows 6.x syntax.
    const missing = await labAgent(a).exec(PNPUTIL, ['-i', '-a', 'D:\\viostor\\2k8R2\\amd64\\missing.inf']);
    t.equal(missing.exitcode, 2, 'missing .inf: exit 2');
    t.match(missing.stdout, /cannot find the file specified/);
    const modern = await labAgent(a).exec(PNPUTIL, ['/add-driver', `D:\\${VIOSTOR_2K8R2}`, '/install']);
    t.not(modern.exitcode, 0, '2008 R2 pnputil has no /add-driver');
    t.match(modern.stdout, /^Microsoft PnP Utility\r\n\r\nUsage:/);
    const inst = await labAgent(a).exec(PNPUTIL, ['-i', '-a', 'D:\\viostor\\2k8R2\\amd64\\VIOSTOR.INF']);
    t.same(
      inst,
      {
        exitcode: 0,
        stderr: '',
        stdout:
          'Microsoft PnP Utility\r\n\r\nProcessing inf :            VIOSTOR.INF\r\nSuccessfully installed the driver on a device on the system.\r\n' +
          'Driver package added successfully.\r\nPublished name :            oem1.inf\r\n\r\n\r\nTotal attempted:              1\r\nNumber successfully imported: 1\r\n\r\n',
      },
      'pnputil -i -a viostor.inf',
    );
    const again = await labAgent(a).exec(PNPUTIL, ['-i', '-a', `D:\\${VIOSTOR_2K8R2}`]);
    t.equal(again.exitcode, 259, 'already installed: 259');
    t.notMatch(again.stdout, /Successfully installed the driver on a device/);
    // NetKVM staged (pnputil -a), then the same through cmd.exe: already there.
    const staged = await labAgent(a).exec(PNPUTIL, ['-a', 'D:\\NetKVM\\2k8R2\\amd64\\netkvm.inf']);
    t.same(
      staged,
      {
        exitcode: 0,
        stderr: '',
        stdout:
          'Microsoft PnP Utility\r\n\r\nProcessing inf :            netkvm.inf\r\n' +
          'Driver package added successfully.\r\nPublished name :            oem2.inf\r\n\r\n\r\nTotal attempted:              1\r\nNumber successfully imported: 1\r\n\r\n',
      },
      'pnputil -a netkvm.inf',
    );
    const wrapped = await labAgent(a).exec(CMD, probeAndRun('NetKVM\\2k8R2\\amd64\\netkvm.inf', '-a'));
    t.equal(wrapped.exitcode, 259, `cmd.exe passes pnputil's exit code on: ${wrapped.stdout}${wrapped.stderr}`);

    // After: the device is listed with its driver, Code 0, virtio_blk really bound.
    ds = await devices(a);
    t.equal(hasDev(ds, 0x1af4, [0x1001, 0x1042])?.['driver-name'], 'Red Hat VirtIO SCSI controller');
    const w1 = await labAgent(a).exec(WMIC, WMIC_ARGS);
    t.equal(blkCode(w1.stdout), 0, 'virtio-blk: Code 0 after the signed install');

    // Agent shutdown, bus switch, boot from vda.
    await virsh(a, ['shutdown', '--mode', 'agent', a.name]);
    t.ok(await waitState(a, 'shut off', 60_000), 'guest-shutdown powers it off');
    t.ok(serialLines(a).some((l) => l.includes('shutdown-request source=agent action=poweroff')));
    t.match(await bootPartitionFile(a, 'windows/drivers.txt'), /^viostor: signed, installed, oem1\.inf$/m, 'drivers.txt on C:');
    t.match(await bootPartitionFile(a, 'syslinux.cfg'), /^\s*INITRD initrd\.gz,viostor\.gz\r?$/m, 'viostor in the boot set');
    await switchToVirtio(a, dummyA);
    await start(a);
  });

  await t.test('win2k16, unsigned ISO: /add-driver installs, Code 52, no boot from vda', async (t) => {
    const v = statusFields(await verdict(b));
    t.equal(v['boot-disk'], 'sda');
    t.equal(v.personality, 'win2k16');
    await labAgent(b).waitUp(BOOT_TIMEOUT);
    const os = (await labAgent(b).call({ execute: 'guest-get-osinfo' })) as OsInfo;
    t.same(os, {
      id: 'mswindows',
      name: 'Microsoft Windows',
      'pretty-name': 'Windows Server 2016 Standard',
      version: 'Microsoft Windows Server 2016',
      'version-id': '2016',
      variant: 'server',
      'variant-id': 'server',
      'kernel-version': '10.0',
      'kernel-release': '14393',
      machine: 'x86_64',
    });
    const ifs = (await labAgent(b).call({ execute: 'guest-network-get-interfaces' })) as Iface[];
    t.ok(
      ifs.find((i) => i.name === 'Ethernet')?.['ip-addresses']?.some((x) => x['ip-address'] === '10.0.2.15'),
      'Server 2016 names the adapter Ethernet',
    );
    t.same(await labAgent(b).exec(CMD, probe(VIOSTOR_2K16)), { exitcode: 0, stdout: 'D:\r\n', stderr: '' });
    const p0 = await labAgent(b).exec(PS.path, PS.arg);
    t.equal(p0.exitcode, 0);
    t.match(p0.stdout, /^Error 28 PCI\\VEN_1AF4&DEV_(1001|1042)&\S+\r\n$/, 'Get-PnpDevice: Error 28 before');

    const inst = await labAgent(b).exec(PNPUTIL, ['/add-driver', 'd:\\VIOSTOR\\2k16\\amd64\\viostor.inf', '/install']);
    t.same(
      inst,
      {
        exitcode: 0,
        stderr: '',
        stdout:
          'Microsoft PnP Utility\r\n\r\nAdding driver package:  viostor.inf\r\nDriver package added successfully.\r\nPublished Name:         oem1.inf\r\n' +
          'Driver package installed on matching devices.\r\n\r\nTotal driver packages:  1\r\nAdded driver packages:  1\r\n',
      },
      'pnputil /add-driver viostor.inf /install',
    );
    const again = await labAgent(b).exec(PNPUTIL, ['/add-driver', `D:\\${VIOSTOR_2K16}`, '/install']);
    t.equal(again.exitcode, 259, 'up to date: 259');
    t.match(again.stdout, /Driver package is up-to-date on device\./);
    const net = await labAgent(b).exec(PNPUTIL, ['/add-driver', 'D:\\NetKVM\\2k16\\amd64\\netkvm.inf']);
    t.equal(net.exitcode, 0);
    t.notMatch(net.stdout, /installed on matching devices/, 'staged only');
    const missing = await labAgent(b).exec(PNPUTIL, ['/add-driver', 'D:\\viostor\\2k16\\amd64\\missing.inf', '/install']);
    t.equal(missing.exitcode, 2);

    // The unsigned driver is associated (listed) but refused: Code 52.
    t.equal(hasDev(await devices(b), 0x1af4, [0x1001, 0x1042])?.['driver-name'], 'Red Hat VirtIO SCSI controller', 'listed with its driver');
    const w = await labAgent(b).exec(WMIC, WMIC_ARGS);
    t.equal(blkCode(w.stdout), 52, 'WMIC: Code 52');
    const p1 = await labAgent(b).exec(PS.path, PS.arg);
    t.match(p1.stdout, /^Error 52 PCI\\VEN_1AF4&DEV_(1001|1042)&\S+\r\n$/, 'Get-PnpDevice: Error 52');

    await virsh(b, ['shutdown', '--mode', 'agent', b.name]);
    t.ok(await waitState(b, 'shut off', 60_000));
    t.match(await bootPartitionFile(b, 'windows/drivers.txt'), /^viostor: unsigned, installed, oem1\.inf$/m);
    t.match(await bootPartitionFile(b, 'syslinux.cfg'), /^\s*INITRD initrd\.gz\r?$/m, 'boot set untouched');
    await switchToVirtio(b, dummyB);
    await start(b);
  });

  await t.test('win2k16 without guest tools: nothing answers; nofolder ISO: the probe finds nothing', async (t) => {
    const v = statusFields(await cBooted);
    t.equal(v['guest-tools'], 'no');
    const since = Date.now();
    let answered = false;
    while (Date.now() - since < 20_000) {
      if ((await labAgent(c).raw({ execute: 'guest-ping' }, 2)).code === 0) answered = true;
      await sleep(1000);
    }
    t.notOk(answered, 'no answer within 20 s with the channel present');
    t.ok(serialLines(c).some((l) => l.includes('agent=not-installed')));
    await virsh(c, ['shutdown', '--mode', 'acpi', c.name]);
    t.ok(await waitState(c, 'shut off', 60_000), 'ACPI shutdown');
    await installGuestToolsOffline(c);
    await start(c);
    await verdict(c);
    await labAgent(c).waitUp(BOOT_TIMEOUT);
    t.equal(((await labAgent(c).call({ execute: 'guest-get-osinfo' })) as OsInfo)['version-id'], '2016', 'answers once guest tools are installed');
    t.same(await labAgent(c).exec(CMD, probe(VIOSTOR_2K16)), { exitcode: 0, stdout: '', stderr: '' }, 'no viostor\\2k16 on the nofolder ISO');
    t.same(await labAgent(c).exec(CMD, probe('NetKVM\\2k16\\amd64\\netkvm.inf')), { exitcode: 0, stdout: 'D:\r\n', stderr: '' });
    await virsh(c, ['shutdown', '--mode', 'agent', c.name]);
    t.ok(await waitState(c, 'shut off', 60_000));
    // The operator installs viostor by hand (Device Manager); the switch; boots from vda.
    await installDriverOffline(c);
    await switchToVirtio(c);
    await start(c);
  });

  await t.test('after the switch: the signed guest boots from vda, its static address is gone', async (t) => {
    const v = statusFields(await verdict(a));
    t.equal(v['boot-disk'], 'vda');
    t.equal(v['nic-driver'], 'virtio_net');
    t.equal(v.drivers, 'virtio_blk');
    // Windows' new adapter: not the old one's static address but DHCP (user-mode networking's
    // DHCP server hands out 10.0.2.15 again); on a network without DHCP it would be APIPA.
    t.equal(v.dhcp, 'eth0', 'the new virtio adapter asks DHCP: the static configuration stayed with the old adapter');
    await labAgent(a).waitUp(BOOT_TIMEOUT);
    const ds = await devices(a);
    t.equal(hasDev(ds, 0x1af4, [0x1000, 0x1041])?.['driver-name'], 'Red Hat VirtIO Ethernet Adapter', 'NetKVM staged: listed');
    t.notOk(hasDev(ds, 0x8086, [0x100e]), 'no e1000 any more');
    t.equal(blkCode((await labAgent(a).exec(WMIC, WMIC_ARGS)).stdout), 0);
    await virsh(a, ['destroy', a.name]);
  });

  await t.test('after the switch: the unsigned guest does not boot from vda', async (t) => {
    t.equal(await verdict(b), 'NO-BOOT-DISK');
    t.ok(await waitState(b, 'shut off', 60_000), 'powers itself off');
    // Read after the power-off: the detail line follows the verdict line on the console.
    t.ok(serialLines(b).some((l) => /no-boot-disk seen=\S* drivers=none/.test(l)));
  });

  await t.test('after the offline driver install: boots from vda, Get-PnpDevice says OK 0', async (t) => {
    const v = statusFields(await verdict(c));
    t.equal(v['boot-disk'], 'vda');
    t.equal(v.drivers, 'virtio_blk');
    await labAgent(c).waitUp(BOOT_TIMEOUT);
    const p = await labAgent(c).exec(PS.path, PS.arg);
    t.match(p.stdout, /^OK 0 PCI\\VEN_1AF4&DEV_(1001|1042)&\S+\r\n$/);
    t.equal(hasDev(await devices(c), 0x1af4, [0x1001, 0x1042])?.['driver-name'], 'Red Hat VirtIO SCSI controller');
    await virsh(c, ['destroy', c.name]);
  });
  t.comment(`windows personality: ${((Date.now() - t0) / 1000).toFixed(1)} s under the lab lock`);
});
