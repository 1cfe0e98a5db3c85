/**
 * Golden in/out pairs, like virtinst's tests/data/xmlparse/disk-change-bus-*: the input is a real
 * `virsh dumpxml --inactive` from the corpus, the output is committed in golden/<case>.out.xml and
 * was reviewed by hand. Regenerate with UPDATE_GOLDEN=1 (then review the diff).
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Domain, DomainXmlError } from '../../../modules/libvirt/domain/index.js';
import { semanticEqual } from '../../helpers/domain-compare.js';
import { convertToVirtio, definedXml } from './corpus.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));

/** [actual, expected]; with UPDATE_GOLDEN=1 (or no golden yet) the golden file is (re)written first. */
function golden(name: string, actual: string): [string, string] {
  const file = `${GOLDEN}${name}.out.xml`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, actual);
  return [actual, readFileSync(file, 'utf8')];
}

t.test('pc, IDE hda -> virtio vda: drive address dropped, built-in IDE controller kept', async (t) => {
  const dom = Domain.parse(definedXml('pc-ide-e1000-win2k8r2'));
  const disk = dom.findDisk('hda');
  if (!disk) throw new Error('corpus changed: no hda');
  t.equal(disk.address?.type, 'drive');
  t.equal(dom.changeBus(disk, 'virtio'), true);
  t.equal(disk.target, 'vda');
  t.equal(disk.bus, 'virtio');
  t.equal(disk.address, undefined, 'the old <address type=drive> is gone');
  t.same(dom.removeUnusedControllers(), [], 'IDE 0 is built into i440fx: never removed');
  t.equal(dom.controllers('ide').length, 1);
  t.equal(...golden('pc-ide-to-virtio', dom.toXml()), 'output equals golden/pc-ide-to-virtio.out.xml');
  const before = dom.toXml();
  t.equal(dom.changeBus(disk, 'virtio'), false, 'setting the same bus twice is a no-op');
  t.equal(dom.toXml(), before);
});

t.test('pc, IDE disk + IDE CD-ROM: only the disk moves', async (t) => {
  const dom = Domain.parse(definedXml('pc-ide-cdrom-e1000-win2k8r2'));
  const conv = convertToVirtio(dom);
  t.same(conv.disks, [{ from: 'hda', to: 'vda' }]);
  const cd = dom.disks().find((d) => d.isCdrom);
  t.equal(cd?.bus, 'ide');
  t.equal(cd?.target, 'hdb');
  t.equal(cd?.address?.type, 'drive', 'the CD-ROM keeps its address');
  t.throws(() => dom.changeBus(cd as NonNullable<typeof cd>, 'virtio'), DomainXmlError, 'a CD-ROM is never moved to virtio');
  t.equal(...golden('pc-ide-cdrom-to-virtio', dom.toXml()), 'output equals golden/pc-ide-cdrom-to-virtio.out.xml');
});

t.test('q35, two SATA disks + SATA CD-ROM -> vda, vdb; built-in SATA controller kept', async (t) => {
  const dom = Domain.parse(definedXml('q35-sata2-cdrom-e1000-win10'));
  const conv = convertToVirtio(dom);
  t.same(conv.disks, [
    { from: 'sda', to: 'vda' },
    { from: 'sdb', to: 'vdb' },
  ]);
  t.same(conv.removedControllers, [], 'the CD-ROM still uses SATA 0, and it is built in anyway');
  t.equal(dom.findDisk('sdc')?.bus, 'sata');
  t.equal(...golden('q35-sata2-cdrom-to-virtio', dom.toXml()), 'output equals golden/q35-sata2-cdrom-to-virtio.out.xml');
});

t.test('pc, SCSI disk on an lsilogic controller -> virtio; the controller is removed', async (t) => {
  const dom = Domain.parse(definedXml('pc-scsi-lsilogic-e1000-win2k8r2'));
  const conv = convertToVirtio(dom);
  t.same(conv.disks, [{ from: 'sda', to: 'vda' }]);
  t.same(
    conv.removedControllers.map((c) => `${c.type}/${c.model}`),
    ['scsi/lsilogic'],
  );
  t.equal(dom.controllers('scsi').length, 0);
  t.equal(dom.controllers('ide').length, 1, 'the IDE CD-ROM keeps its controller');
  t.equal(...golden('pc-scsi-lsilogic-to-virtio', dom.toXml()), 'output equals golden/pc-scsi-lsilogic-to-virtio.out.xml');
});

t.test('pc, SATA disk: the AHCI controller (not built into i440fx) is removed', async (t) => {
  const dom = Domain.parse(definedXml('pc-sata-e1000-win10'));
  const conv = convertToVirtio(dom);
  t.same(
    conv.removedControllers.map((c) => c.type),
    ['sata'],
  );
  t.equal(...golden('pc-sata-to-virtio', dom.toXml()), 'output equals golden/pc-sata-to-virtio.out.xml');
});

t.test('q35, SCSI disk + SCSI CD-ROM: the SCSI controller stays for the CD-ROM', async (t) => {
  const dom = Domain.parse(definedXml('q35-scsi2-cdrom-e1000-rhel7'));
  const conv = convertToVirtio(dom);
  t.same(conv.disks, [
    { from: 'sda', to: 'vda' },
    { from: 'sdb', to: 'vdb' },
  ]);
  t.same(conv.removedControllers, []);
  t.equal(dom.findDisk('sdc')?.isCdrom, true);
  t.equal(...golden('q35-scsi2-cdrom-to-virtio', dom.toXml()), 'output equals golden/q35-scsi2-cdrom-to-virtio.out.xml');
});

t.test('per-device boot order stays on the same disk', async (t) => {
  const dom = Domain.parse(definedXml('q35-sata-cdrom-bootorder-win2k19'));
  t.equal(dom.findDisk('sda')?.bootOrder, 2);
  convertToVirtio(dom);
  t.equal(dom.findDisk('vda')?.bootOrder, 2);
  t.equal(dom.findDisk('sdb')?.bootOrder, 1, 'the CD-ROM keeps boot order 1');
  t.same(dom.osBoot, [], 'no <os><boot> appears beside per-device boot order');
  t.equal(...golden('q35-bootorder-to-virtio', dom.toXml()), 'output equals golden/q35-bootorder-to-virtio.out.xml');
});

t.test('a disk already on virtio next to an IDE disk: the IDE disk takes the first free vd name', async (t) => {
  const dom = Domain.parse(definedXml('pc-ide-virtio-mixed-win7'));
  const conv = convertToVirtio(dom);
  t.same(conv.disks, [{ from: 'hda', to: 'vdb' }]);
  t.equal(dom.findDisk('vda')?.sourcePath, '/var/lib/virtplay-corpus/data1.qcow2');
});

t.test('SATA -> SCSI keeps the sdX name (same prefix), drops the address', async (t) => {
  const dom = Domain.parse(definedXml('q35-sata-e1000-win10'));
  const disk = dom.findDisk('sda');
  if (!disk) throw new Error('no sda');
  dom.changeBus(disk, 'scsi');
  t.equal(disk.target, 'sda');
  t.equal(disk.address, undefined);
});

t.test('bus-only fields are dropped when the disk leaves their bus', async (t) => {
  const dom = Domain.parse(`<domain type='qemu'><name>x</name><devices>
    <disk type='file' device='disk'><source file='/a'/><target dev='sda' bus='scsi' rotation_rate='1' removable='on'/>
    <wwn>5000c50015ea71ac</wwn><vendor>V</vendor><product>P</product><serial>S1</serial><boot order='1'/>
    <address type='drive' controller='0' bus='0' target='0' unit='0'/></disk></devices></domain>`);
  const d = dom.disks()[0];
  if (!d) throw new Error('no disk');
  dom.changeBus(d, 'virtio');
  t.same(d.el.child('target')?.attrs, { dev: 'vda', bus: 'virtio' });
  t.same(
    d.el.elements().map((e) => e.name),
    ['source', 'target', 'serial', 'boot'],
  );
  t.equal(d.serial, 'S1');
  t.ok(semanticEqual(dom, dom.clone()));
});
