/**
 * Guests the libvirt test-suite corpus showed the modules must handle one by one (issue 16): no
 * disk to boot from (skipped with the reason), an already-virtio boot disk that is not vda
 * (virtio_disk gives it vda, so boot_disk converges), NICs without an emulated model (hostdev,
 * vdpa, vhostuser: left alone; only those: skipped), the transitional virtio models (virtio
 * already), and virtio_nic's Windows guard (NetKVM).
 */
import t from 'tap';
import { planGuest } from '../../../modules/libvirt/edit-module.js';
import { bootDiskSpec } from '../../../modules/libvirt/boot-disk.js';
import { virtioDiskSpec } from '../../../modules/libvirt/virtio-disk.js';
import { virtioNicSpec } from '../../../modules/libvirt/virtio-nic.js';
import { BOOTSTRAP_NS } from '../../../modules/libvirt/bootstrap-metadata.js';
import { guestFacts, planTwice } from './plan-helpers.js';

const WIN = `<metadata><libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="http://microsoft.com/win/2k8r2"/></libosinfo:libosinfo></metadata>`;

function domain(devices: string, extra = '', os = "<boot dev='hd'/>"): string {
  return (
    `<domain type='qemu'><name>odd</name><uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid><memory unit='KiB'>219136</memory>${extra}` +
    `<os><type arch='x86_64' machine='pc'>hvm</type>${os}</os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>${devices}</devices></domain>`
  );
}
const disk = (target: string, bus: string, file: string, inner = ''): string =>
  `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${file}'/><target dev='${target}' bus='${bus}'/>${inner}</disk>`;
const cdrom = `<disk type='file' device='cdrom'><source file='/iso/x.iso'/><target dev='hdc' bus='ide'/><readonly/></disk>`;
const nic = (type: string, model?: string, inner = ''): string =>
  `<interface type='${type}'><mac address='52:54:00:00:00:${type === 'hostdev' ? '0f' : '01'}'/>${inner}${model ? `<model type='${model}'/>` : ''}</interface>`;

t.test('boot_disk: a guest with no disk to boot from is skipped with the reason', async (t) => {
  const diskless = domain(nic('network', 'e1000', "<source network='default'/>"), '', "<boot dev='network'/>");
  const p = planGuest(bootDiskSpec, guestFacts(diskless), { disk: 'vda' });
  t.same([p.skip, p.refuse, p.changes], ['has no disk to boot from (diskless: network boot or none)', undefined, []]);
  const cdOnly = domain(cdrom, '', "<boot dev='cdrom'/>");
  t.equal(planGuest(bootDiskSpec, guestFacts(cdOnly), { disk: 'vda' }).skip, 'has no disk to boot from (CD-ROM or floppy only)');
  const noMatch = domain(disk('hda', 'ide', '/d/sys.qcow2'));
  const q = planGuest(bootDiskSpec, guestFacts(noMatch), { disk: 'vda' });
  t.equal(q.skip, undefined, 'disks, none matching: not a skip');
  t.equal(q.refuse, 'has no disk matching "vda" to boot from; its disks: hda (/d/sys.qcow2)', 'a per-guest failure with its disks, without the guest prefix');
});

t.test('virtio_disk: an already-virtio boot disk at vdb takes vda from the data disk (per-device boot order); boot_disk then converges', async (t) => {
  const xml = domain(disk('vda', 'virtio', '/d/data.qcow2') + disk('vdb', 'virtio', '/d/sys.qcow2', "<boot order='1'/>"), '', '');
  const d = planTwice(virtioDiskSpec, xml, { disks: 'all' });
  t.same(d.changes, ['disk /d/sys.qcow2: virtio vdb -> virtio vda (the boot disk takes vda; disk /d/data.qcow2: vda -> vdb)']);
  t.same(
    d.after
      .disks()
      .map((x) => `${x.target}=${x.sourcePath}`)
      .sort(),
    ['vda=/d/sys.qcow2', 'vdb=/d/data.qcow2'],
  );
  t.equal(d.after.bootDisk()?.sourcePath, '/d/sys.qcow2', 'still boots from the system disk');
  t.same(d.again, [], 'a second plan: nothing');
  const b = planTwice(bootDiskSpec, d.after.toXml(), { disk: 'vda' });
  t.same(b.changes, [], 'boot_disk vda: nothing to do (before: it would have moved the boot to the data disk)');
  const before = planTwice(bootDiskSpec, xml, { disk: 'vda' });
  t.equal(before.after.bootDisk()?.sourcePath, '/d/data.qcow2', 'without virtio_disk first, boot_disk vda boots the data disk: why vda must be the boot disk');
});

t.test('virtio_disk: the only disk at vdd (vda free) becomes vda; a second run is empty', async (t) => {
  const xml = domain(disk('vdd', 'virtio', '/d/sys.qcow2'));
  const d = planTwice(virtioDiskSpec, xml, { disks: 'all' });
  t.same(d.changes, ['disk /d/sys.qcow2: virtio vdd -> virtio vda (the boot disk takes the free vda)']);
  t.same(d.again, []);
  t.same(planTwice(bootDiskSpec, d.after.toXml(), { disk: 'vda' }).changes, []);
});

t.test('virtio_disk: a data disk not at vda is left where it is', async (t) => {
  const xml = domain(disk('hda', 'ide', '/d/sys.qcow2') + disk('vdc', 'virtio', '/d/data.qcow2'));
  const d = planTwice(virtioDiskSpec, xml, { disks: 'all' });
  t.same(d.changes, ['disk /d/sys.qcow2: ide hda -> virtio vda']);
  t.equal(d.after.disks().find((x) => x.sourcePath === '/d/data.qcow2')?.target, 'vdc');
});

t.test('virtio_nic: hostdev, vdpa and vhostuser interfaces are left alone', async (t) => {
  const hostdev = nic('hostdev', undefined, "<source><address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/></source>");
  const xml = domain(disk('hda', 'ide', '/d/sys.qcow2') + hostdev + nic('network', 'e1000', "<source network='default'/>"));
  const p = planTwice(virtioNicSpec, xml, {});
  t.same(p.changes, ['interface 52:54:00:00:00:01: model e1000 -> virtio']);
  t.same(
    p.after.interfaces().map((i) => `${i.type}:${i.model ?? '-'}`),
    ['hostdev:-', 'network:virtio'],
    'the passthrough NIC has no model set',
  );
  for (const [type, inner, reason] of [
    ['hostdev', "<source><address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/></source>", 'passthrough (hostdev)'],
    ['vdpa', "<source dev='/dev/vhost-vdpa-0'/>", 'vDPA'],
    ['vhostuser', "<source type='unix' path='/tmp/vhost.sock' mode='server'/>", 'vhost-user'],
  ] as const) {
    const only = domain(disk('hda', 'ide', '/d/sys.qcow2') + nic(type, type === 'hostdev' ? undefined : 'virtio', inner));
    const g = planGuest(virtioNicSpec, guestFacts(only), {});
    t.match(g.skip, new RegExp(`^has no emulated NIC to convert \\(${reason.replace(/[()]/g, '\\$&')}`), `${type} only: skipped with the reason`);
  }
  t.equal(planGuest(virtioNicSpec, guestFacts(domain(disk('hda', 'ide', '/d/sys.qcow2'))), {}).skip, 'has no network interface');
});

t.test('virtio_nic: virtio-transitional and virtio-non-transitional are virtio already', async (t) => {
  for (const model of ['virtio-transitional', 'virtio-non-transitional']) {
    const xml = domain(nic('network', model, "<source network='default'/>"));
    t.same(planTwice(virtioNicSpec, xml, {}).changes, [], `${model}: kept`);
  }
});

t.test("virtio_nic's Windows guard: NetKVM evidence or driver_ready", async (t) => {
  const e1000 = nic('network', 'e1000', "<source network='default'/>");
  const win = domain(disk('hda', 'ide', '/d/sys.qcow2') + e1000, WIN);
  const refused = planGuest(virtioNicSpec, guestFacts(win), {});
  t.match(refused.refuse, /^Windows guest \(libosinfo win2k8r2\) without evidence that its virtio network driver \(NetKVM\) is installed/);
  t.equal(refused.dom, undefined, 'no planned definition');
  t.equal(planGuest(virtioNicSpec, guestFacts(win), { driver_ready: true }).refuse, undefined, 'driver_ready lifts it');
  const withState = (attrs: string): string =>
    domain(
      disk('vda', 'virtio', '/d/sys.qcow2') + e1000,
      WIN.replace('</metadata>', `<virtplay:bootstrap xmlns:virtplay="${BOOTSTRAP_NS}" ${attrs}/></metadata>`),
    );
  t.equal(
    planGuest(virtioNicSpec, guestFacts(withState("phase='done' dummy='/d/x' boot='/d/sys.qcow2'")), {}).refuse,
    undefined,
    'the bootstrap installed the drivers: converted',
  );
  t.match(
    planGuest(virtioNicSpec, guestFacts(withState("phase='done' dummy='/d/x' boot='/d/sys.qcow2' nic='keep'")), {}).refuse,
    /NetKVM/,
    "nic='keep' (NetKVM not staged): refused",
  );
  t.match(planGuest(virtioNicSpec, guestFacts(withState("phase='attach' dummy='/d/x' boot='/d/sys.qcow2'")), {}).refuse, /NetKVM/, 'phase attach: refused');
  const linux = domain(e1000);
  t.same(
    planGuest(virtioNicSpec, guestFacts(linux), {}).changes,
    ['interface 52:54:00:00:00:01: model e1000 -> virtio'],
    'no OS label: converted (a NIC is not the boot path)',
  );
});
