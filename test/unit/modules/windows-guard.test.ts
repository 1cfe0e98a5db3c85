/**
 * The Windows guard in virtio_disk and boot_disk, through the shared editing shape
 * (edit-module.ts): a Windows-labelled guest without evidence of its virtio storage driver is
 * refused alone (failed, with the reason, no planned definition, no diff, not changed), the
 * task's other guests are planned as usual; driver_ready or the bootstrap's record lets it
 * through; a guest whose OS is unknown goes on with a warning.
 */
import t from 'tap';
import type { ModuleResult, TaskContext } from '../../../engine/module.js';
import { planGuest, type GuestReport } from '../../../modules/libvirt/edit-module.js';
import { bootDisk, bootDiskSpec } from '../../../modules/libvirt/boot-disk.js';
import { virtioDisk, virtioDiskSpec, type VirtioDiskArgs } from '../../../modules/libvirt/virtio-disk.js';
import { virtioNic } from '../../../modules/libvirt/virtio-nic.js';
import { BOOTSTRAP_NS } from '../../../modules/libvirt/bootstrap-metadata.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import type { GuestFacts, LibvirtFacts } from '../../../modules/libvirt/facts.js';
import { definedXml } from '../domain/corpus.js';

const REFUSAL =
  'Windows guest (libosinfo win2k8r2) without evidence that its virtio storage driver (viostor) is installed: moving its boot disk to virtio would leave it unbootable (INACCESSIBLE_BOOT_DEVICE). Use playbooks/windows-virtio.yml (virtio_bootstrap), or set driver_ready: true if you installed the driver yourself';

/** A shut-off guest named `name` made from a corpus domain, optionally edited. */
function guest(name: string, slug: string, edit?: (d: Domain) => void): GuestFacts {
  const d = Domain.parse(definedXml(slug));
  d.name = name;
  edit?.(d);
  return { uuid: `00000000-0000-0000-0000-${String(name.length).padStart(12, '0')}`, name, running: false, inactiveXml: d.toXml() };
}
const phase = (p: string) => (d: Domain) => void d.setMetadataAttrs({ phase: p, os: 'mswindows' }, BOOTSTRAP_NS, 'vpboot', 'bootstrap');

const win = () => guest('win05', 'pc-ide-e1000-win2k8r2');
const deb = () => guest('deb01', 'pc-ide-bootorder-e1000-debian11');
const generic = () => guest('odd01', 'pc-ide-ne2k-generic');

t.test('virtio_disk: a Windows guest is refused, with the reason; nothing planned for it', async (t) => {
  const p = planGuest(virtioDiskSpec, win(), { disks: 'all' });
  t.equal(p.refuse, REFUSAL);
  t.equal(p.dom, undefined, 'no planned definition');
  t.equal(p.newXml, undefined, 'nothing to define');
  t.ok(p.changes.length > 0, 'the changes it would have made are known (for messages)');
});

t.test('virtio_disk: what lets a Windows guest through', async (t) => {
  const ready = planGuest(virtioDiskSpec, win(), { disks: 'all', driver_ready: true });
  t.equal(ready.refuse, undefined, 'driver_ready: true');
  t.match(ready.newXml?.(), /<target dev="vda" bus="virtio"\/>/);
  for (const p of ['installed', 'switched', 'done']) {
    const g = planGuest(virtioDiskSpec, guest('win05', 'pc-ide-e1000-win2k8r2', phase(p)), { disks: 'all' });
    t.equal(g.refuse, undefined, `bootstrap phase ${p}`);
    t.ok(g.newXml, `${p}: planned`);
  }
  t.equal(planGuest(virtioDiskSpec, guest('win05', 'pc-ide-e1000-win2k8r2', phase('attached')), { disks: 'all' }).refuse, REFUSAL, 'phase attached: refused');
  t.match(
    planGuest(
      virtioDiskSpec,
      guest('odd01', 'pc-ide-ne2k-generic', (d) => void d.setMetadataAttrs({ os: 'mswindows' }, BOOTSTRAP_NS, 'vpboot', 'bootstrap')),
      { disks: 'all' },
    ).refuse,
    /^Windows guest \(guest agent mswindows\)/,
    'Windows by the agent id alone',
  );
});

t.test('virtio_disk: only guests with something to move are judged', async (t) => {
  const done = planGuest(virtioDiskSpec, guest('win10', 'q35-virtiodisk-e1000-win10'), { disks: 'all' });
  t.same([done.refuse, done.changes], [undefined, []], 'a Windows guest already on virtio: nothing to do, nothing refused');
  const dataOnly = planGuest(virtioDiskSpec, guest('win7', 'pc-ide-virtio-mixed-win7'), { disks: ['vda'] });
  t.same([dataOnly.refuse, dataOnly.changes], [undefined, []], 'its virtio data disk selected: nothing to do');
  const ide2: VirtioDiskArgs = { disks: ['hdb'] };
  const data = planGuest(virtioDiskSpec, guest('win7', 'pc-ide2-rtl8139-win7'), ide2);
  t.match(
    data.refuse,
    /^Windows guest \(libosinfo win7\) without evidence .*: a disk moved to virtio stays invisible to Windows/,
    'a data disk alone: refused too, with what it would do',
  );
});

t.test('virtio_disk: Linux converts silently; an unknown OS converts with a warning', async (t) => {
  const d = planGuest(virtioDiskSpec, deb(), { disks: 'all' });
  t.same([d.refuse, d.warning], [undefined, undefined]);
  t.ok(d.newXml);
  const u = planGuest(virtioDiskSpec, generic(), { disks: 'all' });
  t.equal(u.refuse, undefined);
  t.ok(u.newXml, 'planned');
  t.match(u.warning, /^its OS was not checked \(no libosinfo id in its definition\)/);
});

t.test('boot_disk: a Windows guest is not switched from a non-virtio boot disk to a virtio one', async (t) => {
  // pc-ide-virtio-mixed-win7 boots from IDE hda and has a virtio data disk vda.
  const mixed = () => guest('win7', 'pc-ide-virtio-mixed-win7');
  t.match(
    planGuest(bootDiskSpec, mixed(), { disk: 'vda' }).refuse,
    /^Windows guest \(libosinfo win7\) without evidence .*: moving its boot disk to virtio would leave it unbootable \(INACCESSIBLE_BOOT_DEVICE\)\. Use playbooks\/windows-virtio\.yml/,
  );
  t.equal(planGuest(bootDiskSpec, mixed(), { disk: 'vda', driver_ready: true }).refuse, undefined, 'driver_ready: true');
  t.equal(planGuest(bootDiskSpec, guest('win7', 'pc-ide-virtio-mixed-win7', phase('done')), { disk: 'vda' }).refuse, undefined, 'bootstrap phase done');
  // booting from virtio already, or to a non-virtio disk: no guard
  const converted = Domain.parse(definedXml('pc-ide-e1000-win2k8r2'));
  virtioDiskSpec.plan(converted, { disks: 'all' }, win());
  const p = planGuest(bootDiskSpec, { ...win(), inactiveXml: converted.toXml() }, { disk: 'vda' });
  t.same([p.refuse, p.changes], [undefined, []], 'a Windows guest already booting from vda');
  t.equal(planGuest(bootDiskSpec, mixed(), { disk: 'hda' }).refuse, undefined, 'booting from its IDE disk: not a virtio switch');
});

/** Just enough of a TaskContext for check mode (no connection is touched). */
function checkCtx(guests: GuestFacts[], diff: boolean): { ctx: TaskContext; warnings: string[] } {
  let facts: LibvirtFacts = { uri: 'qemu:///session', guests: new Map(guests.map((g) => [g.name, g])) };
  const warnings: string[] = [];
  const ctx = {
    host: 'lab2',
    vars: {},
    check: true,
    diff,
    verbosity: 0,
    runDir: '/nonexistent',
    facts: async () => facts,
    setFacts: (_s: unknown, v: LibvirtFacts) => void (facts = v),
    invalidateFacts: () => {},
    warn: (m: string) => void warnings.push(m),
    log: () => {},
  } as unknown as TaskContext;
  return { ctx, warnings };
}

const byGuest = (r: ModuleResult) => Object.fromEntries((r.guests as GuestReport[]).map((g) => [g.guest, g]));

t.test('the task (check mode, --diff): the refused guest fails alone, the others are planned', async (t) => {
  const { ctx, warnings } = checkCtx([deb(), guest('deb02', 'pc-ide-e1000-win2k8r2', (d) => void d.root.child('metadata')?.remove()), win()], true);
  const r = await virtioDisk.run(ctx, { disks: 'all' });
  t.equal(r.failed, undefined, 'the task itself does not fail: the guest fails alone (the runner leaves it out later, exit 2)');
  t.equal(r.changed, true, 'the others would change');
  const g = byGuest(r);
  t.match(g.deb01, { changed: true, failed: undefined });
  t.match(g.deb02, { changed: true, failed: undefined }, 'no libosinfo id: converted');
  t.same(g.win05, { guest: 'win05', changed: false, changes: [], failed: true, msg: REFUSAL });
  t.same(
    (r.diff as { after_header: string }[]).map((d) => d.after_header),
    ['lab2: deb01 (planned)', 'lab2: deb02 (planned)'],
    'a diff for the converted guests only',
  );
  t.match(r.msg, /^2 of 3 guest\(s\) would change, 1 failed: win05: Windows guest \(libosinfo win2k8r2\) without evidence/);
  t.same(warnings.length, 1);
  t.match(warnings[0], /^deb02: its OS was not checked \(no libosinfo id in its definition\)/);

  // check mode predicts for later tasks: the converted guests only; boot_disk then refuses nothing new
  const again = await virtioDisk.run(ctx, { disks: 'all' });
  t.same(
    Object.values(byGuest(again)).map((x) => [x.guest, x.changed, x.failed ?? false]),
    [
      ['deb01', false, false],
      ['deb02', false, false],
      ['win05', false, true],
    ],
    'the prediction: the converted guests are done, the refused one still refused',
  );
});

t.test('the task with driver_ready: true converts every guest', async (t) => {
  const { ctx } = checkCtx([deb(), win()], false);
  const r = await virtioDisk.run(ctx, { disks: 'all', driver_ready: true });
  t.same([r.failed, r.changed], [undefined, true]);
  t.same(
    (r.guests as GuestReport[]).map((g) => g.changed),
    [true, true],
  );
});

t.test('boot_disk in check mode: the refusal per guest', async (t) => {
  const { ctx } = checkCtx(
    [guest('win7', 'pc-ide-virtio-mixed-win7'), guest('deb7', 'pc-ide-virtio-mixed-win7', (d) => void d.root.child('metadata')?.remove())],
    true,
  );
  const r = await bootDisk.run(ctx, { disk: 'vda' });
  t.equal(r.failed, undefined, 'the host goes on');
  const g = byGuest(r);
  t.match(g.win7, { failed: true, changed: false, msg: /^Windows guest \(libosinfo win7\)/ });
  t.match(g.deb7, { changed: true });
  t.equal((r.diff as unknown[]).length, 1);
});

t.test('virtio_nic has its own guard (NetKVM): the Windows guest fails alone, driver_ready converts it', async (t) => {
  const { ctx } = checkCtx([deb(), win()], false);
  const r = await virtioNic.run(ctx, {});
  t.same([r.failed, r.changed], [undefined, true], 'the task goes on: the Linux guest converted');
  const g = byGuest(r);
  t.match(g.win05, { failed: true, changed: false, msg: /^Windows guest \(libosinfo win2k8r2\) without evidence that its virtio network driver \(NetKVM\)/ });
  t.match(g.deb01, { changed: true });
  const ready = await virtioNic.run(checkCtx([win()], false).ctx, { driver_ready: true });
  t.same([ready.failed, ready.changed], [undefined, true]);
});
