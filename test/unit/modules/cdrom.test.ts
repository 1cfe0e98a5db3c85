/**
 * cdrom's plan on EVERY corpus domain: attach the driver ISO (adding a drive on IDE on pc, SATA
 * on q35 where the guest has none), change it, eject it, remove the drive; each idempotent, and
 * nothing but CD-ROM drives touched.
 */
import t from 'tap';
import { TaskError } from '../../../engine/errors.js';
import { cdromSpec } from '../../../modules/libvirt/cdrom.js';
import { Domain, serializeXml } from '../../../modules/libvirt/domain/index.js';
import { corpusCases, guestFacts, planTwice, unmanagedDiff } from './plan-helpers.js';

const cases = corpusCases();
const ISO = '/var/lib/virtplay/virtio-win-0.1.240.iso';
const ISO2 = '/var/lib/virtplay/virtio-win-0.1.262.iso';
const cdroms = (d: Domain) => d.disks().filter((x) => x.isCdrom);
const nonCdroms = (d: Domain) =>
  d
    .disks()
    .filter((x) => !x.isCdrom)
    .map((x) => serializeXml(x.el));

for (const c of cases) {
  t.test(`${c.label}: ISO present, changed, ejected, absent`, async (t) => {
    const orig = Domain.parse(c.xml);
    const had = cdroms(orig);

    // present
    const p = planTwice(cdromSpec, c.xml, { iso: ISO });
    t.equal(p.changes.length, 1, JSON.stringify(p.changes));
    t.same(p.again, [], 'present: planning again gives nothing');
    const drives = cdroms(p.after);
    if (had.length === 0) {
      t.equal(drives.length, 1, 'a drive was added');
      const d = drives[0]!;
      const bus = orig.machineFamily === 'q35' ? 'sata' : 'ide';
      t.equal(d.bus, bus, `on ${bus} (${orig.machine})`);
      t.match(d.target, bus === 'ide' ? /^hd[a-z]$/ : /^sd[a-z]$/, `target ${d.target}`);
      t.ok(d.readonly, 'read-only');
      t.equal(d.address, undefined, 'no address: libvirt assigns one');
      t.same(p.changes, [`CD-ROM drive ${d.target} (${bus}) added with ${ISO}`]);
    } else {
      t.equal(drives.length, had.length, 'no drive added');
      t.equal(drives[0]!.sourcePath, ISO, 'the first drive holds the ISO');
      t.equal(drives[0]!.target, had[0]!.target, 'in the same drive');
      t.same(drives[0]!.address, had[0]!.address, 'at the same address');
    }
    const targets = p.after.disks().map((d) => d.target);
    t.equal(new Set(targets).size, targets.length, `targets unique: ${targets.join(',')}`);
    t.same(nonCdroms(p.after), nonCdroms(orig), 'disks untouched');
    t.same(unmanagedDiff(orig, p.after, { cdroms: true }), [], 'nothing else changed');

    // change the ISO
    const x1 = p.after.toXml();
    const ch = planTwice(cdromSpec, x1, { iso: ISO2, drive: drives[0]!.target! });
    t.same(ch.changes, [`CD-ROM ${drives[0]!.target}: ${ISO} -> ${ISO2}`], 'ISO changed');
    t.same(ch.again, [], 'changed: planning again gives nothing');
    t.equal(cdroms(ch.after).length, drives.length, 'same drives');

    // eject
    const x2 = ch.after.toXml();
    const ej = planTwice(cdromSpec, x2, { state: 'ejected' });
    t.same(ej.changes, [`CD-ROM ${drives[0]!.target}: ${ISO2} -> (empty)`]);
    t.same(ej.again, [], 'ejected: planning again gives nothing');
    t.equal(cdroms(ej.after)[0]!.sourcePath, undefined, 'the drive is empty');
    t.equal(cdroms(ej.after).length, drives.length, 'the drive is kept');
    t.same(planTwice(cdromSpec, x2, { state: 'ejected', iso: '/other.iso' }).changes, [], 'eject of another ISO: nothing to do');

    // absent
    const ab = planTwice(cdromSpec, x2, { state: 'absent', iso: ISO2 });
    t.same(ab.changes, [`CD-ROM drive ${drives[0]!.target} removed`]);
    t.same(ab.again, [], 'absent: planning again gives nothing');
    t.equal(cdroms(ab.after).length, drives.length - 1, 'the drive is gone');
    t.same(nonCdroms(ab.after), nonCdroms(orig), 'disks untouched');
    t.same(planTwice(cdromSpec, c.xml, { state: 'absent', iso: '/not/there.iso' }).changes, [], 'absent of an ISO not in any drive: nothing to do');
  });

  t.test(`${c.label}: a drive named by target that is a disk`, async (t) => {
    const dom = Domain.parse(c.xml);
    const disk = dom.disks().find((d) => d.device === 'disk')!;
    t.throws(
      () => cdromSpec.plan(dom, { iso: ISO, drive: disk.target! }, guestFacts(c.xml)),
      TaskError,
      `${disk.target} is a disk, not a CD-ROM drive: a task error before any define`,
    );
  });
}

t.test('a named drive that does not exist yet is added under that name', async (t) => {
  const c = cases.find((x) => x.slug === 'pc-ide-e1000-win2k8r2' && x.form === 'defined')!;
  const p = planTwice(cdromSpec, c.xml, { iso: ISO, drive: 'hdc' });
  t.same(p.changes, [`CD-ROM drive hdc (ide) added with ${ISO}`]);
  t.same(p.again, []);
});

t.test('present without an iso is a task error', async (t) => {
  const c = cases[0]!;
  t.throws(() => cdromSpec.plan(Domain.parse(c.xml), {}, guestFacts(c.xml)), TaskError);
});

t.test('an empty drive (q35, SATA) gets the ISO in place', async (t) => {
  const c = cases.find((x) => x.slug === 'q35-sata-emptycdrom-e1000-debian11' && x.form === 'defined')!;
  const p = planTwice(cdromSpec, c.xml, { iso: ISO });
  t.same(p.changes, [`CD-ROM sdb: (empty) -> ${ISO}`]);
  t.same(p.again, []);
});
