/**
 * virtio_disk's plan on EVERY corpus domain (virt-install's output and libvirt's dumpxml of it),
 * with each disk selector: all, boot, by target, by source glob.
 */
import t from 'tap';
import { virtioDiskSpec, type VirtioDiskArgs } from '../../../modules/libvirt/virtio-disk.js';
import { Domain, isBuiltinController, serializeXml } from '../../../modules/libvirt/domain/index.js';
import type { Disk } from '../../../modules/libvirt/domain/index.js';
import { corpusCases, diskBody, DISK_CONTROLLERS, planTwice, unmanagedDiff } from './plan-helpers.js';

const cases = corpusCases();
const src = (d: Disk | undefined) => d?.sourcePath;
const bySource = (dom: Domain) =>
  new Map(
    dom
      .disks()
      .filter((d) => d.device === 'disk')
      .map((d) => [d.sourcePath, d]),
  );
const ctrlKey = (c: { type?: string | undefined; index: number }) => `${c.type}:${c.index}`;

t.test('the corpus', async (t) => {
  t.equal(cases.length, 60, '30 domains, each generated and defined');
});

for (const c of cases) {
  t.test(`${c.label}: disks all`, async (t) => {
    const args: VirtioDiskArgs = { disks: 'all' };
    const { before, after, changes, again } = planTwice(virtioDiskSpec, c.xml, args);
    const toMove = before.disks().filter((d) => d.device === 'disk' && d.bus !== 'virtio');

    const targets = after.disks().map((d) => d.target);
    t.equal(new Set(targets).size, targets.length, `target names unique: ${targets.join(',')}`);
    for (const d of after.disks().filter((d) => d.device === 'disk')) {
      t.equal(d.bus, 'virtio', `${d.sourcePath} on virtio`);
      t.match(d.target, /^vd[a-z]+$/, `${d.sourcePath} has a vdX target`);
      t.not(d.address?.type, 'drive', `${d.target}: no drive address on a virtio disk`);
    }
    for (const d of toMove) {
      const moved = bySource(after).get(d.sourcePath)!;
      t.equal(moved.address, undefined, `${d.target} -> ${moved.target}: its old address is gone (libvirt assigns a PCI one)`);
      t.equal(diskBody(moved).replace(/<boot [^>]*\/>/, ''), diskBody(d).replace(/<boot [^>]*\/>/, ''), `${d.target}: driver, source and the rest kept`);
    }
    // virtio disks that were there before keep their address and all but (for a vda holder, when
    // the boot disk moves to virtio) their target name: the boot disk takes vda, they its freed name
    const bootBefore = before.bootDisk();
    const bootMoved = bootBefore !== undefined && bootBefore.bus !== 'virtio';
    for (const d of before.disks().filter((d) => d.bus === 'virtio')) {
      const now = bySource(after).get(d.sourcePath)!;
      const renamed = bootMoved && d.target === 'vda';
      t.equal(
        serializeXml(now.el).replace(/dev="vd[a-z]+"/, ''),
        serializeXml(d.el).replace(/dev="vd[a-z]+"/, ''),
        `virtio disk ${d.target} kept (address included)`,
      );
      if (renamed) t.not(now.target, 'vda', 'the data disk gave vda to the boot disk');
      else t.equal(now.target, d.target, `virtio disk ${d.target} keeps its name`);
    }

    // the boot disk: the same disk (by source), and vda once it is on virtio
    t.equal(src(after.bootDisk()), src(bootBefore), 'the guest boots from the same disk');
    if (bootMoved) t.equal(after.bootDisk()?.target, 'vda', 'the boot disk became vda');
    // boot orders stay on the same devices
    t.same(
      after
        .disks()
        .map((d) => [d.sourcePath ?? d.target, d.bootOrder])
        .sort(),
      before
        .disks()
        .map((d) => [d.sourcePath ?? d.target, d.bootOrder])
        .sort(),
      'every boot order stays on its disk',
    );
    t.same(after.osBoot, before.osBoot, '<os><boot> unchanged');

    // CD-ROMs untouched
    t.same(
      after
        .disks()
        .filter((d) => d.isCdrom)
        .map((d) => serializeXml(d.el)),
      before
        .disks()
        .filter((d) => d.isCdrom)
        .map((d) => serializeXml(d.el)),
      'CD-ROM drives untouched',
    );

    // controllers: only unused IDE/SATA/SCSI ones removed, never the built-in one; the rest unchanged
    const afterCtrls = after.controllers().map((x) => serializeXml(x.el));
    const beforeCtrls = before.controllers().map((x) => serializeXml(x.el));
    t.ok(
      afterCtrls.every((x) => beforeCtrls.includes(x)),
      'every controller left is unchanged',
    );
    const removed = before.controllers().filter((x) => !afterCtrls.includes(serializeXml(x.el)));
    for (const r of removed) {
      t.ok(DISK_CONTROLLERS.includes(r.type ?? ''), `removed ${ctrlKey(r)} is a disk controller`);
      t.notOk(isBuiltinController(before.machineFamily, r.type, r.index), `removed ${ctrlKey(r)} is not the machine's built-in one`);
      t.notOk(
        after.disks().some((d) => d.bus === r.type),
        `no disk left on the ${r.type} bus`,
      );
    }
    t.equal(afterCtrls.length + removed.length, beforeCtrls.length, 'nothing else removed');
    for (const bus of DISK_CONTROLLERS) {
      if (after.disks().some((d) => d.bus === bus) && before.controllers(bus).length > 0)
        t.ok(after.controllers(bus).length > 0, `${bus} still used: its controller kept`);
    }

    // identity and everything unmanaged
    t.equal(after.uuid, before.uuid, 'UUID kept');
    t.equal(after.name, before.name, 'name kept');
    t.same(
      after.interfaces().map((i) => serializeXml(i.el)),
      before.interfaces().map((i) => serializeXml(i.el)),
      'NICs (MACs) unchanged',
    );
    t.same(unmanagedDiff(before, after, { disks: true, diskControllers: true }), [], 'nothing else changed (semantically)');

    // the report and the re-run
    t.equal(changes.length, toMove.length + removed.length, `one change line per moved disk and removed controller: ${JSON.stringify(changes)}`);
    for (const d of toMove) {
      const to = bySource(after).get(d.sourcePath)!.target;
      t.ok(
        changes.some((c) => c.startsWith(`disk ${d.sourcePath}: ${d.bus} ${d.target} -> virtio ${to}`)),
        `change line for ${d.target}`,
      );
    }
    t.same(again, [], 'planning again on the result gives nothing');
  });

  t.test(`${c.label}: disks boot`, async (t) => {
    const { before, after, changes, again } = planTwice(virtioDiskSpec, c.xml, { disks: 'boot' });
    const boot = before.bootDisk();
    const others = before.disks().filter((d) => d.el !== boot?.el);
    const takesVda = boot !== undefined && boot.bus !== 'virtio';
    for (const d of others) {
      const same = after.disks().find((x) => x.sourcePath === d.sourcePath && x.device === d.device && (x.sourcePath !== undefined || x.target === d.target));
      // a virtio vda gives its name to the boot disk; nothing else about it changes
      const norm = (x: string | undefined) => (takesVda && d.target === 'vda' ? x?.replace(/dev="vd[a-z]+"/, '') : x);
      t.equal(norm(same && serializeXml(same.el)), norm(serializeXml(d.el)), `${d.target} (not the boot disk) untouched`);
    }
    if (!boot) {
      t.same(changes, [], 'no boot disk: nothing to do');
      return;
    }
    const nb = after.bootDisk();
    t.equal(nb?.sourcePath, boot.sourcePath, 'still boots from the same disk');
    t.equal(nb?.bus, 'virtio', 'the boot disk is on virtio');
    t.equal(nb?.target, 'vda', 'as vda');
    t.equal(nb?.bootOrder, boot.bootOrder, 'with its boot order');
    t.equal(changes.length > 0, boot.bus !== 'virtio', `changes: ${JSON.stringify(changes)}`);
    const targets = after.disks().map((d) => d.target);
    t.equal(new Set(targets).size, targets.length, 'target names unique');
    t.same(again, [], 'planning again gives nothing');
  });

  t.test(`${c.label}: by target and by source glob`, async (t) => {
    const dom = Domain.parse(c.xml);
    const disks = dom.disks().filter((d) => d.device === 'disk');
    const last = disks[disks.length - 1]!;
    // by target: only the named disk moves
    const byTarget = planTwice(virtioDiskSpec, c.xml, { disks: [last.target!] });
    for (const d of dom.disks().filter((d) => d.el !== last.el)) {
      const same = byTarget.after.disks().find((x) => x.target === d.target);
      t.equal(same && serializeXml(same.el), serializeXml(d.el), `${d.target} untouched when only ${last.target} is asked for`);
    }
    t.equal(bySource(byTarget.after).get(last.sourcePath)?.bus, 'virtio', `${last.target} moved`);
    t.same(byTarget.again, [], 'by target: planning again gives nothing');

    // by source glob: the data disks move, the system disk stays
    const glob = planTwice(virtioDiskSpec, c.xml, { disks: ['/var/lib/virtplay-corpus/data*.qcow2'] });
    const sys = bySource(glob.after).get('/var/lib/virtplay-corpus/sys.qcow2')!;
    const sysBefore = bySource(dom).get('/var/lib/virtplay-corpus/sys.qcow2')!;
    t.equal(serializeXml(sys.el), serializeXml(sysBefore.el), 'the system disk is untouched');
    for (const d of glob.after.disks().filter((d) => /data\d\.qcow2$/.test(d.sourcePath ?? ''))) t.equal(d.bus, 'virtio', `${d.sourcePath} moved`);
    t.equal(
      glob.changes.filter((l) => l.startsWith('disk ')).length,
      disks.filter((d) => /data/.test(d.sourcePath ?? '') && d.bus !== 'virtio').length,
      'one line per data disk moved',
    );
    const targets = glob.after.disks().map((d) => d.target);
    t.equal(new Set(targets).size, targets.length, 'target names unique');
    t.same(glob.again, [], 'by glob: planning again gives nothing');

    // no match: nothing
    t.same(planTwice(virtioDiskSpec, c.xml, { disks: ['/nowhere/*'] }).changes, [], 'a selector matching nothing plans nothing');
  });

  t.test(`${c.label}: remove_unused_controllers false`, async (t) => {
    const { before, after, again } = planTwice(virtioDiskSpec, c.xml, { disks: 'all', remove_unused_controllers: false });
    t.same(
      after.controllers().map((x) => serializeXml(x.el)),
      before.controllers().map((x) => serializeXml(x.el)),
      'every controller kept',
    );
    t.same(again, [], 'planning again gives nothing');
  });
}

t.test('a domain with the boot disk on IDE and a virtio vda already: the boot disk takes vda, still boots', async (t) => {
  // libvirt keeps a bus's disks sorted by target and <os><boot dev='hd'> boots the first: a boot
  // disk left at vdb would give the boot to the data disk.
  const c = cases.find((x) => x.slug === 'pc-ide-virtio-mixed-win7' && x.form === 'defined')!;
  const { after, changes } = planTwice(virtioDiskSpec, c.xml, { disks: 'all' });
  t.same(changes, [
    'disk /var/lib/virtplay-corpus/sys.qcow2: ide hda -> virtio vda (the boot disk takes vda; disk /var/lib/virtplay-corpus/data1.qcow2: vda -> vdb)',
  ]);
  t.equal(after.bootDisk()?.sourcePath, '/var/lib/virtplay-corpus/sys.qcow2');
  t.equal(after.bootDisk()?.target, 'vda');
  t.equal(after.disks().find((d) => d.sourcePath === '/var/lib/virtplay-corpus/data1.qcow2')?.target, 'vdb');
});

t.test('pc with a SATA disk: the SATA controller goes (i440fx has none built in)', async (t) => {
  const c = cases.find((x) => x.slug === 'pc-sata-e1000-win10' && x.form === 'defined')!;
  const { after, changes } = planTwice(virtioDiskSpec, c.xml, { disks: 'all' });
  t.same(changes, ['disk /var/lib/virtplay-corpus/sys.qcow2: sata sda -> virtio vda', 'controller sata 0 removed (no device uses it)']);
  t.same(after.controllers('sata'), []);
  t.ok(after.controllers('ide').length > 0 || Domain.parse(c.xml).controllers('ide').length === 0, 'IDE 0 (built in) kept');
});

t.test('q35 with a SCSI CD-ROM: the SCSI controller stays, the SATA one (built in) too', async (t) => {
  const c = cases.find((x) => x.slug === 'q35-scsi2-cdrom-e1000-rhel7' && x.form === 'defined')!;
  const { after, changes } = planTwice(virtioDiskSpec, c.xml, { disks: 'all' });
  t.equal(changes.length, 2, JSON.stringify(changes));
  t.equal(after.controllers('scsi').length, 1, 'the CD-ROM still needs its SCSI controller');
  t.equal(after.controllers('sata').length, 1, 'built-in SATA kept');
  t.same(
    after.disks().map((d) => `${d.device}:${d.bus}:${d.target}`),
    ['disk:virtio:vda', 'disk:virtio:vdb', 'cdrom:scsi:sdc'],
  );
});
