/**
 * The offline conversion's pure parts: the .reg text hivexregedit merges, the folder chosen from
 * libguestfs inspection, the work list for a Windows root, and the read-back verdict.
 */
import t from 'tap';
import { regFile } from '../../../modules/bootstrap/offline/registry-file.js';
import {
  folderFromInspection,
  parsePreflight,
  planWindowsInjection,
  usesDriverDatabase,
  verifyInjection,
  type Inspection,
} from '../../../modules/bootstrap/offline/windows-inject.js';
import { backupPath } from '../../../modules/bootstrap/offline/offline-strategy.js';

const PREFLIGHT = [
  'VIRTPLAY-ISO /viostor',
  'VIRTPLAY-ISO /viostor/2k16/amd64/viostor.inf',
  'VIRTPLAY-ISO /viostor/2k16/amd64/viostor.sys',
  'VIRTPLAY-ISO /viostor/2k16/amd64/viostor.cat',
  'VIRTPLAY-ISO /NetKVM/2k16/amd64/netkvm.inf',
  'VIRTPLAY-ISO /NetKVM/2k16/amd64/netkvm.sys',
  'VIRTPLAY-ISO /viostor/2k8R2/amd64/viostor.inf',
  'VIRTPLAY-ROOT /dev/sda2',
  'VIRTPLAY-I type=windows',
  'VIRTPLAY-I distro=windows',
  'VIRTPLAY-I product-name=Windows Server 2016 Standard',
  'VIRTPLAY-I product-variant=Server',
  'VIRTPLAY-I major-version=10',
  'VIRTPLAY-I minor-version=0',
  'VIRTPLAY-I arch=x86_64',
  'VIRTPLAY-I osinfo=win2k16',
  'VIRTPLAY-I windows-systemroot=/Windows',
  'VIRTPLAY-I windows-current-control-set=ControlSet002',
].join('\n');

t.test('regFile: ancestors first, typed values in hivexregedit notation', async (t) => {
  const text = regFile('HKEY_LOCAL_MACHINE\\SYSTEM', [
    {
      path: ['A', 'B'],
      values: [
        ['S', { type: 'sz', value: 'x "y" \\z' }],
        ['D', { type: 'dword', value: 255 }],
        ['E', { type: 'expand_sz', value: '%R%\\a' }],
      ],
    },
    {
      path: ['A', 'C'],
      values: [
        ['', { type: 'multi_sz', value: ['ab'] }],
        ['B', { type: 'binary', value: [1, 255] }],
      ],
    },
  ]);
  t.equal(
    text,
    [
      '[HKEY_LOCAL_MACHINE\\SYSTEM\\A]',
      '',
      '[HKEY_LOCAL_MACHINE\\SYSTEM\\A\\B]',
      '"S"=str(1):"x \\"y\\" \\\\z"',
      '"D"=dword:000000ff',
      '"E"=str(2):"%R%\\\\a"',
      '',
      '[HKEY_LOCAL_MACHINE\\SYSTEM\\A\\C]',
      '@=hex(7):61,00,62,00,00,00,00,00',
      '"B"=hex:01,ff',
      '',
    ].join('\n'),
  );
});

t.test('inspection to folder', async (t) => {
  const [root] = parsePreflight(PREFLIGHT).roots;
  t.equal(root!.controlSet, 'ControlSet002');
  t.match(folderFromInspection(root!), { version: '2k16', arch: 'amd64', is64: true });
  const base: Inspection = { ...root!, osinfo: 'unknown' };
  t.match(folderFromInspection({ ...base, major: 6, minor: 1, productName: 'Windows Server 2008 R2 Standard' }), { version: '2k8R2' });
  t.match(folderFromInspection({ ...base, major: 6, minor: 1, productVariant: 'Client', productName: 'Windows 7 Professional' }), { version: 'w7' });
  t.match(folderFromInspection({ ...base, productName: 'Windows Server 2022 Datacenter' }), { version: '2k22' });
  t.match(folderFromInspection({ ...base, major: 5, minor: 2 }), { error: /no virtio-win folder/ });
  t.equal(usesDriverDatabase({ ...base, major: 6, minor: 1 }), false);
  t.equal(usesDriverDatabase({ ...base, major: 6, minor: 2 }), true);
});

t.test('the work list for 2016: files, DriverDatabase keys on the recorded control set, read-back', async (t) => {
  const p = parsePreflight(PREFLIGHT);
  const plan = planWindowsInjection(p.roots[0]!, p.isoFiles, '/isos/vw.iso');
  if ('error' in plan) throw new Error(plan.error);
  t.same(plan.drivers, ['viostor', 'NetKVM']);
  t.equal(plan.netkvm, true);
  t.match(plan.warnings.join('\n'), /no vioserial/);
  const ops = plan.spec
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
  t.same(ops[0], ['mkdir', '/Windows/Drivers/VirtIO']);
  t.ok(ops.some((o) => o[0] === 'copy' && o[1] === '/viostor/2k16/amd64/viostor.sys' && o[2] === '/Windows/system32/drivers/viostor.sys'));
  const merge = ops.find((o) => o[0] === 'merge')!;
  const reg = Buffer.from(merge[3]!, 'base64').toString('utf8');
  t.match(reg, /\[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\viostor\]\n"Type"=dword:00000001\n"Start"=dword:00000000/);
  t.match(reg, /DriverDatabase\\DeviceIds\\PCI\\VEN_1AF4&DEV_1042&REV_01\]\n"guestor.inf"=hex:01,ff,00,00/);
  t.notMatch(reg, /CriticalDeviceDatabase/);
  t.ok(ops.some((o) => o[0] === 'append-path' && o[3] === '\\Microsoft\\Windows\\CurrentVersion|DevicePath|%SystemRoot%\\Drivers\\VirtIO'));
  const ok = plan.expect.map((e) =>
    e.kind === 'file'
      ? `VIRTPLAY-FILE ${e.path}\ttrue`
      : e.kind === 'key'
        ? `VIRTPLAY-KEY ${e.hive}\t${e.key}\tyes`
        : `VIRTPLAY-READ ${e.hive}\t${e.key}\t${e.value}\t${e.want}`,
  );
  t.same(verifyInjection([...ok, 'VIRTPLAY-INJECT-DONE'].join('\n'), plan.expect), []);
  const bad = ok.map((l) => (l.includes('\tStart\t') ? l.replace(/\t0$/, '\t3') : l));
  t.match(verifyInjection(bad.join('\n'), plan.expect), [/Services\\viostor\\Start is "3", not "0"/, /did not finish/]);
});

t.test('no viostor for the folder: an error before anything is written', async (t) => {
  const p = parsePreflight(PREFLIGHT.replace('osinfo=win2k16', 'osinfo=win2k19').replace('Server 2016', 'Server 2019'));
  t.match(planWindowsInjection(p.roots[0]!, p.isoFiles, '/isos/vw.iso'), { error: /has no 2k19\\amd64 viostor driver .* Nothing was written/ });
});

t.test('backup path beside the disk or in backup_dir', async (t) => {
  t.equal(backupPath('/vm/c.qcow2', undefined, 'ab12'), '/vm/c.qcow2.virtplay-backup-ab12');
  t.equal(backupPath('/vm/c.qcow2', '/backups', 'ab12'), '/backups/c.qcow2.virtplay-backup-ab12');
});
