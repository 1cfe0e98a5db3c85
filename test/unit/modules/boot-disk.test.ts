/**
 * boot_disk's plan on EVERY corpus domain: after the disks went to virtio (the playbook's order)
 * and on the original XML, for per-device `<boot order>` guests and `<os><boot>` guests. Never
 * both in the result (libvirt refuses that), the declared disk is the one the guest boots from,
 * planning again gives nothing.
 */
import t, { type Test } from 'tap';
import { TaskError } from '../../../engine/errors.js';
import { bootDiskSpec } from '../../../modules/libvirt/boot-disk.js';
import { virtioDiskSpec } from '../../../modules/libvirt/virtio-disk.js';
import { Domain, serializeXml } from '../../../modules/libvirt/domain/index.js';
import { corpusCases, guestFacts, planTwice, unmanagedDiff } from './plan-helpers.js';

const cases = corpusCases();
const SYS = '/var/lib/virtplay-corpus/sys.qcow2';
const DATA1 = '/var/lib/virtplay-corpus/data1.qcow2';

function neverBoth(t: Test, dom: Domain): void {
  const perDevice = dom.devices().some((d) => d.bootOrder !== undefined);
  t.notOk(perDevice && dom.osBoot.length > 0, `never both <os><boot> (${dom.osBoot.join(',')}) and <boot order>`);
  const orders = dom
    .devices()
    .map((d) => d.bootOrder)
    .filter((o) => o !== undefined);
  t.equal(new Set(orders).size, orders.length, `boot orders unique: ${orders.join(',')}`);
}

/** What the firmware tries first: the lowest boot order, else with hd first in <os><boot> the first disk. */
function firstBoot(dom: Domain): string | undefined {
  if (dom.usesDeviceBootOrder()) {
    const first = dom
      .devices()
      .filter((d) => d.bootOrder !== undefined)
      .sort((a, b) => a.bootOrder! - b.bootOrder!)[0]!;
    return first.kind === 'disk' ? (first.el.child('source')?.attr('file') ?? first.el.child('target')?.attr('dev')) : first.kind;
  }
  if ((dom.osBoot[0] ?? 'hd') !== 'hd') return dom.osBoot[0];
  return dom.disks().find((d) => d.device === 'disk')?.sourcePath;
}

function converted(xml: string): string {
  const dom = Domain.parse(xml);
  virtioDiskSpec.plan(dom, { disks: 'all' }, guestFacts(xml));
  return dom.toXml();
}

t.test('the corpus has both styles', async (t) => {
  const doms = cases.map((c) => Domain.parse(c.xml));
  t.ok(doms.filter((d) => d.usesDeviceBootOrder()).length >= 4, 'per-device boot order guests');
  t.ok(doms.filter((d) => !d.usesDeviceBootOrder()).length >= 40, '<os><boot> guests');
});

for (const c of cases) {
  t.test(`${c.label}: boot from vda after the virtio conversion (playbooks/linux-virtio.yml)`, async (t) => {
    const xml = converted(c.xml);
    const { before, after, changes, again } = planTwice(bootDiskSpec, xml, { disk: 'vda' });
    const vda = after.findDisk('vda');
    t.ok(vda, 'the guest has a vda after the conversion');
    t.equal(after.bootDisk()?.target, 'vda', 'it boots from vda');
    t.equal(after.usesDeviceBootOrder(), before.usesDeviceBootOrder(), 'the guest keeps its style of boot order');
    neverBoth(t, after);
    t.same(again, [], 'planning again gives nothing');
    t.equal(firstBoot(after), vda?.sourcePath, 'vda is the first boot device');
    if (firstBoot(before) === before.findDisk('vda')?.sourcePath) t.same(changes, [], 'already booting from vda first: nothing to do');
    else t.ok(changes.length > 0, `changes: ${JSON.stringify(changes)}`);
    t.same(unmanagedDiff(before, after, { boot: true }), [], 'only boot entries changed (and disk order for <os><boot>)');
    t.same(
      after
        .disks()
        .map((d) => d.target)
        .sort(),
      before
        .disks()
        .map((d) => d.target)
        .sort(),
      'the same disks',
    );
  });

  t.test(`${c.label}: boot from the system disk by source, on the original XML`, async (t) => {
    const { before, after, changes, again } = planTwice(bootDiskSpec, c.xml, { disk: SYS });
    t.equal(after.bootDisk()?.sourcePath, SYS, 'boots from the system disk');
    t.equal(firstBoot(after), SYS, 'the system disk is the first boot device');
    neverBoth(t, after);
    t.same(again, [], 'planning again gives nothing');
    const bootsFromIt = firstBoot(before) === SYS;
    t.equal(changes.length === 0, bootsFromIt, `a change only when needed: ${JSON.stringify(changes)}`);
    if (before.usesDeviceBootOrder()) {
      t.equal(after.bootDisk()?.bootOrder, 1, 'the disk has boot order 1');
      t.same(after.osBoot, [], 'and no <os><boot>');
      // the other boot devices keep their relative order behind it
      const rest = (d: Domain) =>
        d
          .devices()
          .filter((x) => x.bootOrder !== undefined && x.el.child('source')?.attr('file') !== SYS)
          .sort((a, b) => a.bootOrder! - b.bootOrder!)
          .map((x) => serializeXml(x.el).replace(/<boot [^>]*\/>/, ''));
      t.same(rest(after), rest(before), 'the other boot devices keep their relative order');
    } else {
      t.equal(after.osBoot[0], 'hd', "<os><boot dev='hd'> first");
    }
  });

  const hasData = Domain.parse(c.xml)
    .disks()
    .some((d) => d.sourcePath === DATA1);
  if (hasData) {
    t.test(`${c.label}: boot from a data disk (glob)`, async (t) => {
      const { before, after, changes, again } = planTwice(bootDiskSpec, c.xml, { disk: '*/data1.*' });
      t.equal(after.bootDisk()?.sourcePath, DATA1, 'boots from data1');
      t.equal(firstBoot(after), DATA1, 'data1 is the first boot device');
      t.ok(changes.length > 0, JSON.stringify(changes));
      neverBoth(t, after);
      t.same(again, [], 'planning again gives nothing');
      t.same(
        after
          .disks()
          .map((d) => serializeXml(d.el).replace(/\s*<boot [^>]*\/>/, ''))
          .sort(),
        before
          .disks()
          .map((d) => serializeXml(d.el).replace(/\s*<boot [^>]*\/>/, ''))
          .sort(),
        'the disks themselves unchanged (only boot order or position)',
      );
    });
  }

  t.test(`${c.label}: no such disk`, async (t) => {
    t.throws(() => bootDiskSpec.plan(Domain.parse(c.xml), { disk: 'vdz' }, guestFacts(c.xml)), TaskError, 'required (default): a clear task error');
    try {
      bootDiskSpec.plan(Domain.parse(c.xml), { disk: 'vdz' }, guestFacts(c.xml));
    } catch (e) {
      t.match((e as Error).message, new RegExp(`^guest ".*": has no disk matching "vdz" to boot from; its disks: `), 'names the guest and its disks');
    }
    t.same(planTwice(bootDiskSpec, c.xml, { disk: 'vdz', required: false }).changes, [], 'required: false: nothing to do');
  });
}

t.test('a CD-ROM that boots first (per-device order): the disk becomes 1, the CD-ROM 2', async (t) => {
  const c = cases.find((x) => x.slug === 'q35-sata-cdrom-bootorder-win2k19' && x.form === 'defined')!;
  const { after, changes } = planTwice(bootDiskSpec, converted(c.xml), { disk: 'vda' });
  t.same(changes, [`boot order: vda (${SYS}) first, 1 other boot device(s) after it`]);
  t.same(
    after.disks().map((d) => `${d.target}@${d.bootOrder}`),
    ['vda@1', 'sdb@2'],
  );
});

t.test('a NIC that boots first: the disk becomes 1, the NIC 2', async (t) => {
  const c = cases.find((x) => x.slug === 'q35-sata-nicboot-generic' && x.form === 'defined')!;
  const { after } = planTwice(bootDiskSpec, converted(c.xml), { disk: 'vda' });
  t.equal(after.findDisk('vda')?.bootOrder, 1);
  t.equal(after.interfaces()[0]?.bootOrder, 2);
});

t.test('<os><boot> cdrom first: hd goes first, cdrom kept after it', async (t) => {
  const dom = Domain.parse(cases[0]!.xml);
  dom.osBoot = ['cdrom', 'hd', 'network'];
  const xml = dom.toXml();
  const { after, changes, again } = planTwice(bootDiskSpec, xml, { disk: SYS });
  t.same(after.osBoot, ['hd', 'cdrom', 'network']);
  t.same(changes, ['<os><boot>: cdrom,hd,network -> hd,cdrom,network']);
  t.same(again, []);
});

t.test('a mixed guest (IDE boot disk + virtio vda): after the conversion vda is the system disk', async (t) => {
  // virtio_disk gives the boot disk vda (the data disk takes the freed name), so
  // `boot_disk: vda` keeps the guest booting from its system disk: nothing to change.
  const c = cases.find((x) => x.slug === 'pc-ide-virtio-mixed-win7' && x.form === 'defined')!;
  const { after, changes } = planTwice(bootDiskSpec, converted(c.xml), { disk: 'vda' });
  t.equal(after.bootDisk()?.sourcePath, SYS, 'boots from the system disk');
  t.same(changes, [], 'the system disk is vda and first already');
});
