/** The Windows branches of the bootstrap on agent replies shaped as QEMU's Windows agent builds them. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  driverFolder,
  adapterAddresses,
  findOnIsoExec,
  folderFromDefinition,
  infPath,
  isWindows,
  manualInstallSteps,
  missingFolderMessage,
  parseDriveLetter,
  parseProblemCode,
  pnputilExec,
  pnputilOk,
  problemCodeExec,
  signingTrapMessage,
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
    t.same(f, { version, arch, is64: arch !== 'x86', modernPnputil: modern, hasGetPnpDevice: !['2k8', '2k8R2', 'w7'].includes(version) }, key);
  }
  t.equal(isWindows(os['2019']!), true);
  t.equal(isWindows(os.debian!), false);
});

t.test('no folder fits: an explanation instead of a wrong pick', async (t) => {
  t.match(driverFolder(os['11-x86-bad']!), { error: /no 32-bit edition/ });
  t.match(driverFolder(os.arm32!), { error: /unknown Windows architecture "arm"/ });
  t.match(driverFolder(os['2003']!), { error: /no virtio-win folder for Windows kernel "5.2"/ });
});

t.test('the ISO is searched first: cmd.exe prints the drive letter that holds the .inf', async (t) => {
  const f = driverFolder(os['2008r2']!) as DriverFolder;
  t.equal(infPath('viostor', f), 'viostor\\2k8R2\\amd64\\viostor.inf');
  t.equal(infPath('NetKVM', f), 'NetKVM\\2k8R2\\amd64\\netkvm.inf');
  t.equal(infPath('vioserial', f), 'vioserial\\2k8R2\\amd64\\vioser.inf');
  const probe = findOnIsoExec(infPath('viostor', f));
  t.equal(probe.path, 'C:\\Windows\\System32\\cmd.exe');
  t.same(probe.arg, ['/c', 'for %d in (D E F G H I J K L M N O P Q R S T U V W X Y Z) do @if exist %d:\\viostor\\2k8R2\\amd64\\viostor.inf echo %d:']);
  t.equal(parseDriveLetter('D:\r\n'), 'D');
  t.equal(parseDriveLetter('E:\r\nF:\r\n'), 'E', 'the first drive that has it');
  t.equal(parseDriveLetter(''), undefined, 'no drive has it');
  t.equal(parseDriveLetter('The system cannot find the path specified.\r\n'), undefined);
});

t.test('pnputil: -i -a / -a before Windows 10, /add-driver [/install] from 10 on', async (t) => {
  const old = driverFolder(os['2008r2']!) as DriverFolder;
  t.same(pnputilExec(old, 'D', 'viostor', 'install'), {
    path: 'C:\\Windows\\System32\\pnputil.exe',
    arg: ['-i', '-a', 'D:\\viostor\\2k8R2\\amd64\\viostor.inf'],
  });
  t.same(pnputilExec(old, 'E', 'NetKVM', 'stage').arg, ['-a', 'E:\\NetKVM\\2k8R2\\amd64\\netkvm.inf']);
  const w16 = driverFolder(os['2016']!) as DriverFolder;
  t.same(pnputilExec(w16, 'D', 'viostor', 'install').arg, ['/add-driver', 'D:\\viostor\\2k16\\amd64\\viostor.inf', '/install']);
  t.same(pnputilExec(w16, 'D', 'vioserial', 'stage').arg, ['/add-driver', 'D:\\vioserial\\2k16\\amd64\\vioser.inf']);
  t.ok(pnputilOk(0) && pnputilOk(3010) && pnputilOk(259));
  t.notOk(pnputilOk(1) || pnputilOk(2) || pnputilOk(-1));
});

t.test('guest-get-devices: the virtio block device with a driver, transitional or modern', async (t) => {
  t.equal(virtioBlkDriver(devices['before-install']!), undefined, 'NIC and serial drivers are not the storage driver');
  t.equal(virtioBlkDriver(devices['virtio-scsi-only']!), undefined, 'virtio-scsi (1af4:1004) is not virtio-blk');
  t.equal(virtioBlkDriver(devices['after-install-transitional']!)?.['driver-name'], 'Red Hat VirtIO SCSI controller');
  t.equal(virtioBlkDriver(devices['after-install-modern']!)?.id?.['device-id'], 0x1042);
  t.equal(virtioBlkDriver([]), undefined);
});

t.test('problem code: WMI on 2008/2008 R2/7, Get-PnpDevice from 8/2012 on', async (t) => {
  const old = driverFolder(os['2008r2']!) as DriverFolder;
  t.same(problemCodeExec(old), {
    path: 'C:\\Windows\\System32\\wbem\\WMIC.exe',
    arg: ['path', 'Win32_PnPEntity', 'get', 'ConfigManagerErrorCode,PNPDeviceID', '/value'],
  });
  const wmic = (code: number, dev = '1001') =>
    `\r\n\r\nConfigManagerErrorCode=0\r\nPNPDeviceID=PCI\\VEN_8086&DEV_100E&SUBSYS_11001AF4&REV_03\\3&13C0B0C5&0&18\r\n` +
    `\r\n\r\nConfigManagerErrorCode=${code}\r\nPNPDeviceID=PCI\\VEN_1AF4&DEV_${dev}&SUBSYS_00021AF4&REV_00\\3&13C0B0C5&0&28\r\n\r\n`;
  t.equal(parseProblemCode(old, wmic(52)), 52, 'Code 52 read through WMI');
  t.equal(parseProblemCode(old, wmic(0, '1042')), 0);
  t.equal(parseProblemCode(old, wmic(28)), 28, 'no driver');
  const utf16 = `\uFEFF${wmic(52)}`
    .split('')
    .map((c) => `${c}\0`)
    .join('');
  t.equal(parseProblemCode(old, utf16), 52, 'wmic writing UTF-16 to the pipe');
  t.equal(parseProblemCode(old, '\r\n\r\nConfigManagerErrorCode=0\r\nPNPDeviceID=ACPI\\PNP0A03\\0\r\n'), undefined, 'device not listed');

  const w16 = driverFolder(os['2016']!) as DriverFolder;
  t.match(problemCodeExec(w16).path, /powershell\.exe$/);
  t.match(problemCodeExec(w16).arg.at(-1), /Get-PnpDevice -PresentOnly/);
  t.equal(parseProblemCode(w16, 'OK 0 PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00\\3&13C0B0C5&0&38\r\n'), 0);
  t.equal(parseProblemCode(w16, 'Error 52 PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01\\3&13C0B0C5&0&38\r\n'), 52);
  t.equal(parseProblemCode(w16, ''), undefined, 'device not listed');
});

t.test('the signing trap and the missing folder are told apart, each with what is true to do', async (t) => {
  const old = driverFolder(os['2008r2']!) as DriverFolder;
  const trap = signingTrapMessage(old, '/isos/virtio-win.iso');
  t.match(trap, /Code 52/);
  t.match(trap, /test signing .* does not make it load an unsigned one/);
  t.match(trap, /KB4474419/);
  t.match(trap, /SHA-1-signed build/);
  t.match(trap, /F8/);
  t.match(trap, /boot disk was not moved/);
  t.notMatch(signingTrapMessage(driverFolder(os['2016']!) as DriverFolder, '/i.iso'), /KB4474419/, 'the SHA-2 update is for the old versions only');
  const missing = missingFolderMessage(old, '/isos/virtio-win.iso');
  t.match(missing, /has no viostor\\2k8R2\\amd64\\viostor\.inf/);
  t.notMatch(missing, /sign/i, 'a missing folder is not reported as the signing trap');
});

t.test('without an agent: the operator gets the folders from the libosinfo id virt-install recorded', async (t) => {
  t.same(folderFromDefinition('http://microsoft.com/win/2k8r2', 'x86_64'), {
    version: '2k8R2',
    arch: 'amd64',
    is64: true,
    modernPnputil: false,
    hasGetPnpDevice: false,
  });
  t.equal(folderFromDefinition('http://microsoft.com/win/10', 'i686')?.arch, 'x86');
  t.equal(folderFromDefinition('http://debian.org/debian/12', 'x86_64'), undefined);
  const steps = manualInstallSteps('/isos/virtio-win.iso', folderFromDefinition('http://microsoft.com/win/2k8r2', 'x86_64'));
  t.match(steps, /Device Manager/);
  t.match(steps, /viostor\\2k8R2\\amd64/);
  t.match(steps, /NetKVM\\2k8R2\\amd64/);
  t.match(steps, /vioserial\\2k8R2\\amd64/);
  t.match(steps, /pnputil -a/);
  t.match(steps, /qemu-ga-x86_64\.msi/);
  t.match(steps, /run the playbook again/);
  t.match(steps, /-e driver_installed=true/);
  t.match(manualInstallSteps('/i.iso', undefined), /<your Windows version>/);
});

t.test("the old adapter's addresses, for the note that a static address must be set again", async (t) => {
  t.equal(
    adapterAddresses([
      {
        name: 'Local Area Connection',
        'hardware-address': '52:54:00:12:34:56',
        'ip-addresses': [
          { 'ip-address-type': 'ipv4', 'ip-address': '10.0.2.15', prefix: 24 },
          { 'ip-address-type': 'ipv6', 'ip-address': 'fe80::1', prefix: 64 },
        ],
      },
      { name: 'Loopback Pseudo-Interface 1', 'ip-addresses': [{ 'ip-address-type': 'ipv4', 'ip-address': '127.0.0.1', prefix: 8 }] },
    ]),
    'Local Area Connection (52:54:00:12:34:56): 10.0.2.15/24',
  );
  t.equal(adapterAddresses([]), '');
});
