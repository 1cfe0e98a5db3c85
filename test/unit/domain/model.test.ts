import t from 'tap';
import { Domain, DomainXmlError, VIRTPLAY_NS } from '../../../modules/libvirt/domain/index.js';
import { semanticEqual } from '../../helpers/domain-compare.js';
import { definedXml, generatedXml } from './corpus.js';

t.test('typed access on a real domain', async (t) => {
  const dom = Domain.parse(definedXml('pc-ide3-cdrom-ne2k-win7'));
  t.equal(dom.type, 'qemu');
  t.equal(dom.name, 'win7-ide3-cd');
  t.match(dom.uuid ?? '', /^[0-9a-f-]{36}$/);
  t.equal(dom.machine, 'pc-i440fx-7.2');
  t.equal(dom.machineFamily, 'i440fx');
  t.equal(dom.arch, 'x86_64');
  t.same(dom.osBoot, ['hd']);
  t.same(
    dom.disks().map((d) => [d.device, d.bus, d.target]),
    [
      ['disk', 'ide', 'hda'],
      ['disk', 'ide', 'hdb'],
      ['disk', 'ide', 'hdc'],
      ['cdrom', 'ide', 'hdd'],
    ],
  );
  const hda = dom.findDisk('hda');
  t.equal(hda?.driverName, 'qemu');
  t.equal(hda?.driverType, 'qcow2');
  t.equal(hda?.type, 'file');
  t.equal(hda?.sourcePath, '/var/lib/virtplay-corpus/sys.qcow2');
  t.same(hda?.address, { type: 'drive', controller: '0', bus: '0', target: '0', unit: '0' });
  t.equal(dom.findDisk('hdd')?.readonly, true);
  t.equal(hda?.readonly, false);
  t.equal(dom.bootDisk()?.target, 'hda');
  const nic = dom.interfaces()[0];
  t.equal(nic?.type, 'user');
  t.equal(nic?.model, 'ne2k_pci');
  t.match(nic?.mac ?? '', /^52:54:00:/);
  t.equal(dom.findInterface((nic?.mac ?? '').toUpperCase())?.model, 'ne2k_pci', 'MAC lookup ignores case');
  t.same(
    dom.controllers().map((c) => `${c.type}${c.index}`),
    ['usb0', 'usb0', 'usb0', 'usb0', 'pci0', 'ide0', 'virtio-serial0'],
  );
  t.ok(dom.devices('channel').length >= 1, 'generic device access');
  t.equal(dom.devices('memballoon')[0]?.el.attr('model'), 'virtio');
});

t.test('boot disk with per-device boot order', async (t) => {
  const dom = Domain.parse(definedXml('q35-sata-cdrom-bootorder-win2k19'));
  t.ok(dom.usesDeviceBootOrder());
  t.same(dom.osBoot, []);
  t.equal(dom.bootDisk()?.target, 'sda', 'the CD-ROM has order 1 but the boot *disk* is sda');
  const nicboot = Domain.parse(definedXml('q35-sata-nicboot-generic'));
  t.equal(nicboot.interfaces()[0]?.bootOrder, 1);
  t.equal(nicboot.bootDisk()?.target, 'sda');
});

t.test('os boot entries: set, reorder, remove', async (t) => {
  const dom = Domain.parse(generatedXml('pc-ide-e1000-win2k8r2'));
  dom.osBoot = ['cdrom', 'hd'];
  t.same(dom.osBoot, ['cdrom', 'hd']);
  t.match(dom.toXml(), /<type arch="x86_64" machine="pc">hvm<\/type>\n\s+<boot dev="cdrom"\/>\n\s+<boot dev="hd"\/>\n\s+<\/os>/);
  dom.osBoot = [];
  t.same(dom.osBoot, []);
  t.notMatch(dom.toXml(), /<boot /);
  dom.osBoot = ['hd'];
  t.match(dom.toXml(), /hvm<\/type>\n\s+<boot dev="hd"\/>/, 'placed after <type>');
});

t.test('field setters create and prune XML (virtinst-style)', async (t) => {
  const dom = Domain.parse(generatedXml('pc-ide-e1000-win2k8r2'));
  const d = dom.disks()[0];
  if (!d) throw new Error('no disk');
  d.bootOrder = 1;
  t.match(dom.toXml(), /<boot order="1"\/>\n\s+<\/disk>/);
  d.bootOrder = undefined;
  t.notMatch(dom.toXml(), /<boot order/, 'no empty <boot/> left behind');
  d.serial = 'ABC';
  t.equal(d.serial, 'ABC');
  d.readonly = true;
  t.equal(d.readonly, true);
  d.readonly = false;
  t.notMatch(dom.toXml(), /<readonly/);
  d.address = { type: 'pci', domain: '0x0000', bus: '0x00', slot: '0x07', function: '0x0' };
  t.match(dom.toXml(), /<address type="pci" domain="0x0000" bus="0x00" slot="0x07" function="0x0"\/>/);
  d.address = undefined;
  t.equal(d.address, undefined);
});

t.test('metadata in our own namespace: attributes and JSON, other namespaces untouched', async (t) => {
  const dom = Domain.parse(definedXml('pc-ide-e1000-win2k8r2'));
  t.equal(dom.getMetadataAttrs(), undefined);
  dom.setMetadataAttrs({ phase: 1, dummy: '/var/lib/x dummy.qcow2' });
  t.same(dom.getMetadataAttrs(), { phase: '1', dummy: '/var/lib/x dummy.qcow2' });
  const xml = dom.toXml();
  t.match(xml, /<virtplay:state xmlns:virtplay="https:\/\/virtplay.dev\/xmlns\/virtplay\/1" phase="1" dummy="\/var\/lib\/x dummy.qcow2"\/>/);
  t.match(xml, /<libosinfo:libosinfo /, 'libosinfo metadata kept');
  const back = Domain.parse(xml);
  t.same(back.getMetadataAttrs(VIRTPLAY_NS), { phase: '1', dummy: '/var/lib/x dummy.qcow2' });
  back.setMetadataAttrs({ phase: 2 });
  t.same(back.getMetadataAttrs(), { phase: '2' }, 'replaced, not merged');
  t.equal(back.root.child('metadata')?.elements().length, 2, 'still one element per namespace');
  back.setMetadataJson({ phase: 3, disks: ['vda'] }, 'https://virtplay.dev/xmlns/virtplay-json/1', 'vpj');
  t.same(Domain.parse(back.toXml()).getMetadataJson('https://virtplay.dev/xmlns/virtplay-json/1'), { phase: 3, disks: ['vda'] });
  t.equal(back.removeMetadata(), true);
  t.equal(back.getMetadataAttrs(), undefined);
  t.notOk(semanticEqual(dom, definedXml('pc-ide-e1000-win2k8r2')), 'metadata is part of the comparison');

  const bare = Domain.parse(`<domain type='qemu'><name>n</name><uuid>u</uuid><memory>1</memory></domain>`);
  bare.setMetadataAttrs({ a: 'b' });
  t.same(
    bare.root.elements().map((e) => e.name),
    ['name', 'uuid', 'metadata', 'memory'],
    '<metadata> placed where libvirt puts it',
  );
});

t.test('CD-ROM: add on the machine bus, insert a medium, eject', async (t) => {
  const q35 = Domain.parse(definedXml('q35-sata-e1000-win10'));
  const cd = q35.addCdrom({ file: '/isos/virtio-win.iso' });
  t.equal(cd.bus, 'sata', 'q35 has no IDE');
  t.equal(cd.target, 'sdb');
  t.equal(cd.readonly, true);
  t.same(
    q35.disks().map((d) => d.target),
    ['sda', 'sdb'],
    'inserted after the last disk',
  );
  t.equal(q35.insertMedium(cd, '/isos/virtio-win.iso'), false, 'same medium: no change');
  t.equal(q35.insertMedium(cd, '/isos/other.iso'), true);
  t.equal(cd.sourceFile, '/isos/other.iso');
  t.equal(q35.eject(cd), true);
  t.equal(cd.isEmpty, true);
  t.equal(q35.eject(cd), false, 'ejecting an empty drive: no change');
  t.equal(cd.readonly, true, 'the drive stays');

  const pc = Domain.parse(definedXml('pc-ide3-cdrom-ne2k-win7'));
  t.throws(() => pc.addCdrom({}), DomainXmlError, 'IDE full (hda..hdd): a clear error');
  const pc2 = Domain.parse(definedXml('pc-ide-e1000-win2k8r2'));
  const cd2 = pc2.addCdrom({ file: '/isos/v.iso', bootOrder: undefined });
  t.same([cd2.bus, cd2.target, cd2.driverType], ['ide', 'hdb', 'raw']);
  const empty = Domain.parse(definedXml('q35-sata-emptycdrom-e1000-debian11'))
    .disks()
    .find((d) => d.isCdrom);
  t.equal(empty?.isEmpty, true);
});

t.test('addDisk / removeDisk', async (t) => {
  const dom = Domain.parse(definedXml('pc-ide-e1000-win2k8r2'));
  const d = dom.addDisk({ bus: 'virtio', source: '/var/lib/dummy.qcow2', driver: { name: 'qemu', type: 'qcow2' } });
  t.equal(d.target, 'vda');
  t.same(
    d.el.elements().map((e) => e.name),
    ['driver', 'source', 'target'],
  );
  t.equal(dom.addDisk({ bus: 'virtio', source: '/b', type: 'block' }).sourceDev, '/b');
  t.same(
    dom.disks().map((x) => x.target),
    ['hda', 'vda', 'vdb'],
  );
  dom.removeDisk(d);
  t.same(
    dom.disks().map((x) => x.target),
    ['hda', 'vdb'],
  );
});

t.test('interface model: MAC and address kept, no-op when already set', async (t) => {
  const dom = Domain.parse(definedXml('q35-sata-ne2k-generic'));
  const nic = dom.interfaces()[0];
  if (!nic) throw new Error('no nic');
  const mac = nic.mac;
  const addr = nic.address;
  t.equal(dom.setInterfaceModel(nic, 'virtio'), true);
  t.equal(nic.mac, mac);
  t.same(nic.address, addr);
  t.equal(dom.setInterfaceModel(nic, 'virtio'), false);
});

t.test('device fields: each declared once, read through its path, absent values read as the declared default', async (t) => {
  const dom = Domain.parse(
    `<domain type='kvm'><name>f</name><devices><disk><target dev='hda' bus='ide'/><alias name='ide0-0-0'/></disk><controller type='ide'/><interface type='user'/></devices></domain>`,
  );
  const disk = dom.disks()[0]!;
  t.equal(disk.device, 'disk', "@device absent: libvirt's default");
  t.equal(disk.readonly, false, '<readonly/> absent: false');
  t.equal(disk.alias, 'ide0-0-0');
  t.throws(
    () => {
      (disk as { alias?: string }).alias = 'x';
    },
    TypeError,
    'a read-only field has no setter',
  );
  t.equal(dom.controllers()[0]!.index, 0, '@index absent: 0');
  disk.bootOrder = 2;
  t.match(dom.toXml(), /<boot order="2"\/>|<boot order='2'\/>/, 'a Device field on a Disk writes its path');
  disk.bootOrder = undefined;
  t.notMatch(dom.toXml(), /<boot /, 'and undefined removes it');
  const fields = (o: object) => Object.getOwnPropertyNames(o).filter((n) => n !== 'constructor');
  t.same(fields(Object.getPrototypeOf(dom.interfaces()[0]!)).sort(), ['mac', 'model', 'source', 'type'], 'Interface: its four fields on its prototype');
});

t.test("the domain's own fields: declared once, read and written through their paths", async (t) => {
  const dom = Domain.parse(`<domain type='qemu'><name>a</name><uuid>u-1</uuid><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`);
  t.same([dom.type, dom.name, dom.uuid, dom.machine, dom.arch, dom.osType, dom.title], ['qemu', 'a', 'u-1', 'pc', 'x86_64', 'hvm', undefined]);
  dom.name = 'b';
  dom.machine = 'q35';
  dom.type = 'kvm';
  t.match(dom.toXml(), /<domain type="kvm">\s*<name>b<\/name>/);
  t.match(dom.toXml(), /machine="q35"/);
  t.throws(
    () => {
      (dom as { uuid?: string }).uuid = 'x';
    },
    TypeError,
    'uuid is only read',
  );
  const proto = Object.getOwnPropertyNames(Object.getPrototypeOf(dom));
  for (const f of ['type', 'name', 'uuid', 'title', 'description', 'machine', 'arch', 'osType']) t.ok(proto.includes(f), `${f}: an accessor on the prototype`);
  t.same(Object.keys(dom), ['doc'], 'no field is an own enumerable property (JSON and t.same see the document only)');
});
