/** The bootstrap's XML edits on real virt-install domains: attach, then switch; each idempotent. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { readState } from '../../../modules/bootstrap/state.js';
import { attachStep, switchStep } from '../../../modules/bootstrap/xml-steps.js';

const corpus = (f: string) => readFileSync(new URL(`../../fixtures/domains/defined/${f}`, import.meta.url), 'utf8');

for (const file of ['pc-ide-e1000-win2k8r2.xml', 'pc-ide-cdrom-e1000-win2k8r2.xml', 'q35-sata-e1000-win10.xml', 'q35-sata-cdrom-bootorder-win2k19.xml']) {
  t.test(file, async (t) => {
    const dom = Domain.parse(corpus(file));
    const boot = dom.bootDisk()!;
    const s = { phase: 'attach' as const, dummy: '/var/lib/libvirt/images/x.virtplay-dummy-0a1b2c3d.qcow2', boot: boot.sourcePath!, iso: '/isos/virtio-win.iso' };
    const bootOrderBefore = boot.bootOrder;

    const attached = attachStep(dom, { ...s });
    t.ok(attached.some((c) => c.startsWith('dummy disk')), 'dummy attached');
    t.ok(attached.some((c) => /driver ISO/.test(c)), 'ISO attached');
    const a = Domain.parse(dom.toXml());
    const dummy = a.disks().find((d) => d.sourcePath === s.dummy)!;
    t.equal(dummy.bus, 'virtio');
    t.match(dummy.target, /^vd[a-z]$/);
    t.equal(a.disks().filter((d) => d.isCdrom && d.sourcePath === s.iso).length, 1, 'the ISO is in exactly one drive');
    t.equal(readState(a)?.phase, 'attach');
    t.equal(a.disks().find((d) => d.sourcePath === s.boot)?.bus, boot.bus, 'the boot disk is not touched while attaching');
    t.same(attachStep(a, { ...s }), [], 'attaching again changes nothing');

    const switched = switchStep(a, { ...s }, 'g');
    t.ok(switched.some((c) => c.startsWith('dummy disk')), 'dummy detached');
    const b = Domain.parse(a.toXml());
    t.equal(b.disks().find((d) => d.sourcePath === s.dummy), undefined);
    const moved = b.disks().find((d) => d.sourcePath === s.boot)!;
    t.equal(moved.bus, 'virtio');
    t.equal(moved.target, 'vda', 'the boot disk becomes vda once the dummy has left');
    t.equal(moved.address, undefined, 'no stale drive address');
    t.equal(moved.bootOrder, bootOrderBefore, 'boot order kept on the same disk');
    t.equal(readState(b)?.phase, 'switched');
    t.equal(b.uuid, dom.uuid);
    t.same(switchStep(b, { ...s, phase: 'switched' }, 'g'), [], 'switching again changes nothing');
  });
}
