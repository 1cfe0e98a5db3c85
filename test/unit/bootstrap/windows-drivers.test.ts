/** The Windows branches of the bootstrap on agent replies shaped as QEMU's Windows agent builds them. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  driverFolder,
  folderFromLibosinfo,
  isWindows,
  manualInstallSteps,
  parsePnpProblem,
  pnputilExec,
  unboundAdvice,
  virtioBlkDriver,
  type DeviceInfo,
  type DriverFolder,
  type OsInfo,
} from '../../../modules/bootstrap/windows-drivers.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/qga/${name}`, import.meta.url), 'utf8'));
const os: Record<string, OsInfo> = fixture('osinfo-windows.json');
const devices: Record<string, DeviceInfo[]> = fixture('devices-windows.json');

t.test('the virtio-win folder for every Windows version and architecture', async (t) => {
  const expect: [string, string, string, boolean][] = [
    ['2008-x64', '2k8', 'amd64', false],
    ['vista-x86', '2k8', 'x86', false],
    ['2008r2', '2k8R2', 'amd64', false],
    ['7-x86', 'w7', 'x86', false],
    ['7-x64', 'w7', 'amd64', false],
    ['8-x64', 'w8', 'amd64', false],
    ['2012', '2k12', 'amd64', false],
    ['8.1-x86', 'w8.1', 'x86', false],
    ['2012r2', '2k12R2', 'amd64', false],
    ['10-x86', 'w10', 'x86', true],
    ['10-x64', 'w10', 'amd64', true],
    ['2016', '2k16', 'amd64', true],
    ['2019', '2k19', 'amd64', true],
    ['2022', '2k22', 'amd64', true],
    ['2025', '2k25', 'amd64', true],
    ['11', 'w11', 'amd64', true],
  ];
  for (const [key, version, arch, modern] of expect) {
    const f = driverFolder(os[key]!);
    t.same(f, { version, arch, is64: arch !== 'x86', modernPnputil: modern }, key);
  }
  t.equal(isWindows(os['2019']!), true);
  t.equal(isWindows(os.debian!), false);
});

t.test('no folder fits: an explanation instead of a wrong pick', async (t) => {
  t.match(driverFolder(os['11-x86-bad']!), { error: /no 32-bit edition/ });
  t.match(driverFolder(os.arm32!), { error: /unknown Windows architecture "arm"/ });
  t.match(driverFolder(os['2003']!), { error: /no virtio-win folder for Windows kernel "5.2"/ });
});

t.test('pnputil: /add-driver on Windows 10 and later, -i -a before; any drive letter', async (t) => {
  const w10 = driverFolder(os['2019']!) as DriverFolder;
  const r = pnputilExec(w10);
  t.equal(r.path, 'C:\\Windows\\System32\\cmd.exe');
  t.equal(r.arg[0], '/c');
  t.match(r.arg[1], /^for %d in \(D E F .* Z\) do @if exist %d:\\viostor\\2k19\\amd64\\viostor\.inf \(pnputil\.exe \/add-driver %d:\\viostor\\2k19\\amd64\\viostor\.inf \/install & exit \/b\)$/);
  const w7 = driverFolder(os['7-x86']!) as DriverFolder;
  t.match(pnputilExec(w7).arg[1], /pnputil\.exe -i -a %d:\\viostor\\w7\\x86\\viostor\.inf/);
  t.match(pnputilExec(w10, 'NetKVM').arg[1], /NetKVM\\2k19\\amd64\\netkvm\.inf/);
});

t.test('guest-get-devices: the virtio block device with a driver, transitional or modern', async (t) => {
  t.equal(virtioBlkDriver(devices['before-install']!), undefined, 'NIC and serial drivers are not the storage driver');
  t.equal(virtioBlkDriver(devices['virtio-scsi-only']!), undefined, 'virtio-scsi (1af4:1004) is not virtio-blk');
  t.equal(virtioBlkDriver(devices['after-install-transitional']!)?.['driver-name'], 'Red Hat VirtIO SCSI controller');
  t.equal(virtioBlkDriver(devices['after-install-modern']!)?.id?.['device-id'], 0x1042);
  t.equal(virtioBlkDriver([]), undefined);
});

t.test('the signing trap is named, with what to do; 32-bit gets the folder advice', async (t) => {
  const x64 = unboundAdvice(driverFolder(os['2008r2']!) as DriverFolder, '/isos/virtio-win.iso');
  t.match(x64, /64-bit Windows loads signed drivers only/);
  t.match(x64, /testsigning/);
  t.match(x64, /boot disk was not moved/);
  const x86 = unboundAdvice(driverFolder(os['7-x86']!) as DriverFolder, '/isos/virtio-win.iso');
  t.notMatch(x86, /signed/);
  t.match(x86, /folder matches this Windows version/);
});

t.test('Get-PnpDevice output: problem code 52 is the unsigned driver', async (t) => {
  t.equal(parsePnpProblem('OK 0 PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00\\3&13C0B0C5&0&38\r\n'), 0);
  t.equal(parsePnpProblem('Error 52 PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01\\3&13C0B0C5&0&38\r\n'), 52);
  t.equal(parsePnpProblem(''), undefined, 'device not listed');
});

t.test('without an agent: the operator gets the folder from the libosinfo id virt-install recorded', async (t) => {
  t.equal(folderFromLibosinfo('http://microsoft.com/win/2k8r2'), '2k8R2');
  t.equal(folderFromLibosinfo('http://microsoft.com/win/10'), 'w10');
  t.equal(folderFromLibosinfo('http://debian.org/debian/12'), undefined);
  const steps = manualInstallSteps('/isos/virtio-win.iso', '2k8R2');
  t.match(steps, /Device Manager/);
  t.match(steps, /viostor\\2k8R2\\amd64/);
  t.match(steps, /qemu-ga-x86_64\.msi/);
  t.match(steps, /run the playbook again/);
});
