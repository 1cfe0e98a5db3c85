/**
 * The bootstrap's planners on real virt-install domains: attach, installed, switch, done, and the
 * rollback; each one idempotent (planning again on its own result finds nothing, which is how
 * every define is verified), and the rollback gives back what the switch took.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { readState, type BootstrapState } from '../../../modules/bootstrap/state.js';
import { attachPlan, donePlan, hasAgentChannel, injectPlan, installedPlan, rollbackPlan, switchPlan } from '../../../modules/bootstrap/steps.js';
import { storageDriverEvidence } from '../../../modules/libvirt/bootstrap-metadata.js';

const corpus = (f: string) => readFileSync(new URL(`../../fixtures/domains/defined/${f}`, import.meta.url), 'utf8');
const again = (dom: Domain) => Domain.parse(dom.toXml());
const lifecycle = (dom: Domain, n: string) => dom.root.child(n)?.text;

for (const file of ['pc-ide-e1000-win2k8r2.xml', 'pc-ide-cdrom-e1000-win2k8r2.xml', 'q35-sata-e1000-win10.xml', 'q35-sata-cdrom-bootorder-win2k19.xml']) {
  t.test(file, async (t) => {
    const orig = Domain.parse(corpus(file));
    const boot = orig.bootDisk()!;
    const s0: BootstrapState = {
      phase: 'attach',
      dummy: '/var/lib/libvirt/images/x.virtplay-dummy-0a1b2c3d.qcow2',
      boot: boot.sourcePath!,
      iso: '/isos/virtio-win.iso',
      wasRunning: true,
    };
    const nicsBefore = orig.interfaces().map((i) => `${i.mac}=${i.model}`);

    const a = again(orig);
    const attached = attachPlan(a, s0);
    t.ok(
      attached.some((c) => c.startsWith('dummy disk')),
      'dummy attached',
    );
    t.ok(
      attached.some((c) => /driver ISO/.test(c)),
      'ISO attached',
    );
    t.equal(hasAgentChannel(a), true, 'agent channel present (added when missing)');
    t.equal(a.disks().find((d) => d.sourcePath === s0.dummy)?.bus, 'virtio');
    t.equal(a.disks().find((d) => d.sourcePath === s0.boot)?.bus, boot.bus, 'the boot disk is not touched while attaching');
    t.equal(storageDriverEvidence(a), undefined, 'attach is no evidence of the driver');
    t.same(attachPlan(again(a), readState(again(a))!), [], 'attaching again changes nothing');

    const i = again(a);
    t.ok(installedPlan(i, readState(i)!, { evidence: 'agent', os: 'mswindows', nic: 'switch' }).includes('bootstrap phase: installed'));
    t.equal(storageDriverEvidence(i), 'installed');
    t.equal(readState(again(i))?.os, 'mswindows');

    const sw = again(i);
    const sIn = readState(sw)!;
    const switched = switchPlan(sw, sIn, 'g');
    t.ok(
      switched.some((c) => c.startsWith('dummy disk')),
      'dummy detached',
    );
    t.ok(
      switched.some((c) => /^interface .*-> virtio \(with the disk switch\)$/.test(c)),
      'the NIC changes with the disk',
    );
    const b = again(sw);
    const moved = b.disks().find((d) => d.sourcePath === s0.boot)!;
    t.equal(moved.bus, 'virtio');
    t.equal(moved.target, 'vda');
    t.equal(moved.address, undefined, 'no stale drive address');
    t.equal(moved.bootOrder, boot.bootOrder, 'boot order kept on the same disk');
    t.ok(b.interfaces().every((n) => n.model === 'virtio'));
    t.equal(lifecycle(b, 'on_reboot'), 'destroy');
    t.equal(lifecycle(b, 'on_crash'), 'destroy');
    const st = readState(b)!;
    t.equal(st.phase, 'switched');
    t.equal(st.prevBus, boot.bus);
    t.equal(st.prevTarget, boot.target);
    t.equal(st.prevOnReboot, lifecycle(orig, 'on_reboot') ?? 'restart');
    t.same(switchPlan(again(b), sIn, 'g'), [], 'planning the switch again on its result changes nothing (the read-back verification)');

    const rb = again(b);
    const rolled = rollbackPlan(rb, st, 'g', 'the guest stopped');
    t.ok(rolled.some((c) => /rolled back/.test(c)));
    const r = again(rb);
    const back = r.disks().find((d) => d.sourcePath === s0.boot)!;
    t.equal(back.bus, boot.bus, 'boot disk back on its old bus');
    t.equal(back.target, boot.target, 'and its old target');
    t.same(
      r.interfaces().map((n) => `${n.mac}=${n.model}`),
      nicsBefore,
      'NIC models back',
    );
    t.equal(lifecycle(r, 'on_reboot'), lifecycle(orig, 'on_reboot') ?? 'restart');
    t.equal(r.disks().find((d) => d.sourcePath === s0.dummy)?.bus, 'virtio', 'dummy back, for the next attempt');
    const rs = readState(r)!;
    t.equal(rs.phase, 'attach');
    t.equal(rs.rolledBack, 'the guest stopped');
    t.equal(rs.evidence, undefined, 'the evidence is void after a failed boot');
    t.equal(storageDriverEvidence(r), undefined);
    t.same(rollbackPlan(again(r), st, 'g', 'the guest stopped'), [], 'rolling back again changes nothing');

    const d = again(b);
    const finished = donePlan(d, st);
    t.ok(finished.includes('bootstrap phase: done'));
    t.equal(lifecycle(again(d), 'on_reboot'), st.prevOnReboot, 'lifecycle restored once the boot is confirmed');
    t.same(donePlan(again(d), readState(again(d))!), []);
  });
}

t.test('NetKVM not staged: the NIC keeps its model at the switch', async (t) => {
  const dom = Domain.parse(corpus('pc-ide-e1000-win2k8r2.xml'));
  const s: BootstrapState = { phase: 'installed', dummy: '/d.qcow2', boot: dom.bootDisk()!.sourcePath!, iso: '/i.iso', nic: 'keep', evidence: 'agent' };
  switchPlan(dom, s, 'g');
  t.ok(dom.interfaces().every((n) => n.model !== 'virtio'));
  t.equal(readState(again(dom))?.prevNics, undefined);
});

t.test('offline strategy: inject, installed (offline evidence), switch, rollback to inject; no dummy anywhere', async (t) => {
  const orig = Domain.parse(corpus('pc-ide-e1000-win2k8r2.xml'));
  const boot = orig.bootDisk()!;
  const s0: BootstrapState = {
    phase: 'inject',
    strategy: 'offline',
    dummy: '',
    boot: boot.sourcePath!,
    backup: `${boot.sourcePath}.virtplay-backup-0a1b2c3d`,
    iso: '/isos/virtio-win.iso',
    wasRunning: false,
    identity: 'Windows Server 2008 R2 Standard',
  };
  const a = again(orig);
  t.same(injectPlan(a, s0), ['bootstrap phase: inject']);
  t.same(a.disks().length, orig.disks().length, 'no disk added');
  const st = readState(again(a))!;
  t.match(st, { phase: 'inject', strategy: 'offline', dummy: '', backup: s0.backup, identity: s0.identity });
  t.equal(storageDriverEvidence(a), undefined, 'inject is no evidence of the driver');
  const i = again(a);
  installedPlan(i, st, { evidence: 'offline', os: 'mswindows', nic: 'switch' });
  t.equal(storageDriverEvidence(i), 'installed');
  t.equal(readState(again(i))?.evidence, 'offline');
  const sw = again(i);
  const switched = switchPlan(sw, readState(sw)!, 'g');
  t.notOk(
    switched.some((c) => c.startsWith('dummy disk')),
    'no dummy to detach',
  );
  t.equal(sw.disks().find((d) => d.sourcePath === s0.boot)?.target, 'vda');
  const rb = again(sw);
  const rolled = rollbackPlan(rb, readState(rb)!, 'g', 'no boot');
  t.notOk(
    rolled.some((c) => c.startsWith('dummy disk')),
    'no dummy to put back',
  );
  const after = readState(again(rb))!;
  t.match(after, { phase: 'inject', rolledBack: 'no boot', backup: s0.backup });
  t.equal(
    again(rb)
      .disks()
      .find((d) => d.sourcePath === s0.boot)?.bus,
    boot.bus,
    'boot disk back on its bus',
  );
});
