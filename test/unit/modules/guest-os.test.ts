/**
 * guest-os.ts: the guest's OS as its definition tells it (libosinfo id, the bootstrap's agent OS
 * id), the bootstrap's driver evidence, and the Windows guard's verdicts.
 */
import t from 'tap';
import { Domain, XElement } from '../../../modules/libvirt/domain/index.js';
import { BOOTSTRAP_NS, storageDriverEvidence } from '../../../modules/libvirt/bootstrap-metadata.js';
import { familyOfLibosinfo, guestOs, LIBOSINFO_NS, libosinfoId, shortOsId, virtioStorageGuard } from '../../../modules/libvirt/guest-os.js';
import { definedXml } from '../domain/corpus.js';

const WIN = 'pc-ide-e1000-win2k8r2';
const DEB = 'pc-ide-bootorder-e1000-debian11';
const GENERIC = 'pc-ide-ne2k-generic';

function dom(slug: string, edit?: (d: Domain) => void): Domain {
  const d = Domain.parse(definedXml(slug));
  edit?.(d);
  return Domain.parse(d.toXml()); // through the serializer, as libvirt would keep it
}
const withId = (id: string) => (d: Domain) => void d.setMetadataAttrs({}, LIBOSINFO_NS, 'libosinfo', 'libosinfo').append(new XElement('libosinfo:os', { id }));
const bootstrap = (attrs: Record<string, string>) => (d: Domain) => d.setMetadataAttrs(attrs, BOOTSTRAP_NS, 'vpboot', 'bootstrap');

t.test('the libosinfo id virt-install recorded', async (t) => {
  t.equal(libosinfoId(dom(WIN)), 'http://microsoft.com/win/2k8r2');
  t.equal(libosinfoId(dom(DEB)), 'http://debian.org/debian/11');
  t.equal(libosinfoId(dom(GENERIC)), undefined, '--os-variant generic: no libosinfo metadata');
  t.equal(
    libosinfoId(dom(GENERIC, withId('http://fedoraproject.org/fedora/38'))),
    'http://fedoraproject.org/fedora/38',
    'read by namespace, whatever the prefix',
  );
});

t.test('families of libosinfo ids', async (t) => {
  for (const id of [
    'http://microsoft.com/win/2k8r2',
    'http://microsoft.com/win/10',
    'http://microsoft.com/win/2k25',
    'https://microsoft.com/win/11',
    'http://microsoft.com/winnt/4.0',
  ]) {
    t.equal(familyOfLibosinfo(id), 'windows', id);
  }
  for (const id of [
    'http://debian.org/debian/11',
    'http://ubuntu.com/ubuntu/22.04',
    'http://redhat.com/rhel/7.0',
    'http://fedoraproject.org/fedora/38',
    'http://centos.org/centos/7.0',
    'http://opensuse.org/opensuse/15.4',
    'http://suse.com/sles/15.4',
    'http://archlinux.org/archlinux/rolling',
    'http://alpinelinux.org/alpinelinux/3.18',
    'http://almalinux.org/almalinux/9',
    'http://rockylinux.org/rocky/9',
    'http://libosinfo.org/linux/2022',
    'http://freebsd.org/freebsd/13.2',
    'http://oracle.com/ol/8.0',
  ]) {
    t.equal(familyOfLibosinfo(id), 'linux', id);
  }
  for (const id of [
    'http://microsoft.com/msdos/6.22',
    'http://apple.com/macosx/10.0',
    'http://sun.com/solaris/11',
    'http://debian.org.evil.example/x/1',
    'http://oracle.com/solaris/11',
    'http://novell.com/netware/6.5',
    'http://libosinfo.org/unknown',
  ]) {
    t.equal(familyOfLibosinfo(id), 'other', id);
  }
});

t.test('short ids for messages', async (t) => {
  t.equal(shortOsId('http://microsoft.com/win/2k8r2'), 'win2k8r2');
  t.equal(shortOsId('http://microsoft.com/win/10'), 'win10');
  t.equal(shortOsId('http://debian.org/debian/11'), 'debian11');
  t.equal(shortOsId('http://redhat.com/rhel/7.0'), 'rhel7.0');
});

t.test('guestOs: libosinfo, the agent id the bootstrap recorded, or unknown', async (t) => {
  t.same(guestOs(dom(WIN)), { libosinfoId: 'http://microsoft.com/win/2k8r2', family: 'windows', source: 'libosinfo win2k8r2' });
  t.same(guestOs(dom(DEB)), { libosinfoId: 'http://debian.org/debian/11', family: 'linux', source: 'libosinfo debian11' });
  t.same(guestOs(dom(GENERIC)), { family: 'unknown', source: 'no libosinfo id in its definition' });
  t.match(
    guestOs(dom(GENERIC, bootstrap({ os: 'mswindows', phase: 'attached' }))),
    { family: 'windows', source: 'guest agent mswindows', agentOs: 'mswindows' },
    'mswindows means Windows without libosinfo',
  );
  t.match(
    guestOs(dom(DEB, bootstrap({ os: 'mswindows' }))),
    { family: 'windows', source: 'guest agent mswindows' },
    'the agent (what runs) wins over a Linux label',
  );
  t.match(guestOs(dom(GENERIC, bootstrap({ os: 'debian' }))), { family: 'linux', source: 'guest agent debian' });
  t.match(guestOs(dom(GENERIC, bootstrap({ phase: 'attached' }))), { family: 'unknown' }, 'bootstrap metadata without an os attribute tells nothing');
  t.match(guestOs(dom(GENERIC, withId('http://libosinfo.org/unknown'))), { family: 'unknown', source: 'libosinfo id http://libosinfo.org/unknown' });
  t.match(guestOs(dom(GENERIC, withId('http://apple.com/macosx/10.0'))), { family: 'other' });
});

t.test("the bootstrap's evidence that the storage driver is in", async (t) => {
  t.equal(storageDriverEvidence(dom(WIN)), undefined, 'no bootstrap metadata');
  for (const phase of ['installed', 'switched', 'done']) t.equal(storageDriverEvidence(dom(WIN, bootstrap({ phase }))), phase, phase);
  for (const phase of ['attached', 'waiting', 'install', 'failed', ''])
    t.equal(storageDriverEvidence(dom(WIN, bootstrap({ phase }))), undefined, `phase ${JSON.stringify(phase)}: no evidence`);
  t.equal(storageDriverEvidence(dom(WIN, (d) => d.setMetadataAttrs({ phase: 'done' }))), undefined, "virtplay's own namespace is not the bootstrap's");
});

t.test('the guard', async (t) => {
  const opts = { bootDisk: true, action: 'moves its disks to virtio' };
  const refused = virtioStorageGuard(dom(WIN), opts);
  t.equal(
    refused.refuse,
    'Windows guest (libosinfo win2k8r2) without evidence that its virtio storage driver (viostor) is installed: moving its boot disk to virtio would leave it unbootable (INACCESSIBLE_BOOT_DEVICE). Use playbooks/windows-virtio.yml (virtio_bootstrap), or set driver_ready: true if you installed the driver yourself',
  );
  t.equal(refused.warning, undefined);
  t.match(
    virtioStorageGuard(dom(WIN), { ...opts, bootDisk: false }).refuse,
    /without evidence .* a disk moved to virtio stays invisible to Windows until that driver is in\. Use playbooks\/windows-virtio\.yml/,
  );
  t.same(virtioStorageGuard(dom(WIN), { ...opts, driverReady: true }), {}, 'driver_ready: true');
  t.same(virtioStorageGuard(dom(WIN, bootstrap({ phase: 'installed', os: 'mswindows' })), opts), {}, 'the bootstrap installed the driver');
  t.match(
    virtioStorageGuard(dom(WIN, bootstrap({ phase: 'attached', os: 'mswindows' })), opts).refuse,
    /^Windows guest \(libosinfo win2k8r2\)/,
    'attached is no evidence',
  );
  t.match(virtioStorageGuard(dom(GENERIC, bootstrap({ os: 'mswindows' })), opts).refuse, /^Windows guest \(guest agent mswindows\) without evidence/);
  t.same(virtioStorageGuard(dom(DEB), opts), {}, 'Linux: nothing to say');
  t.same(virtioStorageGuard(dom(GENERIC, withId('http://apple.com/macosx/10.0')), opts), {}, 'other: not Windows');
  const unknown = virtioStorageGuard(dom(GENERIC), opts);
  t.equal(unknown.refuse, undefined, 'unknown OS: goes on');
  t.match(unknown.warning, /^its OS was not checked \(no libosinfo id in its definition\): virtplay moves its disks to virtio as if it were not Windows/);
  t.same(virtioStorageGuard(dom(GENERIC), { ...opts, driverReady: true }), {}, 'driver_ready: no warning either');
});
