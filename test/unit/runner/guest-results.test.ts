/**
 * The engine's one summary and result shape for modules that report guests (engine/guest-summary.ts),
 * and the editing modules' reasons for a guest with nothing to change (EditSpec.upToDate), on the
 * corpus: every module gives one, after a real plan that found nothing.
 */
import t from 'tap';
import { guestSummary, guestsResult } from '../../../engine/guest-summary.js';
import type { GuestResult } from '../../../engine/module.js';
import { planGuest, type EditArgs, type EditSpec } from '../../../modules/libvirt/edit-module.js';
import { bootDiskSpec } from '../../../modules/libvirt/boot-disk.js';
import { cdromSpec } from '../../../modules/libvirt/cdrom.js';
import { virtioDiskSpec } from '../../../modules/libvirt/virtio-disk.js';
import { virtioNicSpec } from '../../../modules/libvirt/virtio-nic.js';
import { virtioRngSpec } from '../../../modules/libvirt/virtio-rng.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { corpusCases, guestFacts } from '../modules/plan-helpers.js';

const guests: GuestResult[] = [
  { guest: 'a', changed: true, changes: ['x'] },
  { guest: 'b', changed: false, msg: 'nothing to do' },
  { guest: 'c', changed: true, pending: true },
  { guest: 'd', changed: false, skipped: true, msg: 'no disk' },
  { guest: 'e', changed: true, failed: true, msg: 'boom' },
];

t.test('one summary: counts, then the module clauses, pending, skipped, failed with their reasons', async (t) => {
  t.equal(guestSummary(guests, { check: false }), '3 of 5 guest(s) changed, 1 pending until the next boot, 1 skipped, 1 failed: e: boom');
  t.equal(guestSummary(guests.slice(0, 2), { check: true }), '1 of 2 guest(s) would change');
  t.equal(
    guestSummary(guests.slice(0, 2), { check: false, headline: '1 of 2 guest(s) boot from virtio', clauses: ['1 waiting for the driver'] }),
    '1 of 2 guest(s) boot from virtio, 1 waiting for the driver',
  );
});

t.test('the result: changed when any guest changed, failed guests fail alone, diff only when there is one, data kept', async (t) => {
  const r = guestsResult(guests, { check: false, diff: [], data: { done_guests: ['a'], changed: 'not this' } });
  t.equal(r.changed, true, "a module's data cannot override the engine's keys");
  t.notOk('failed' in r, 'the result itself does not fail');
  t.notOk('diff' in r, 'no empty diff');
  t.same(r['done_guests'], ['a']);
  t.equal(r['guests'], guests);
  const d = guestsResult([guests[1]!], { check: true, diff: [{ before: 'x', after: 'y' }] });
  t.equal(d.changed, false);
  t.same(d.diff, [{ before: 'x', after: 'y' }]);
});

/** A corpus guest the spec has nothing to do on: planned once, the result defined, planned again. */
function upToDateReason<A extends EditArgs>(spec: EditSpec<A>, xml: string, args: A): string | undefined {
  const first = planGuest(spec, guestFacts(xml), args);
  const done = first.newXml?.() ?? xml;
  const again = planGuest(spec, guestFacts(done), args);
  return again.changes.length === 0 && again.refuse === undefined && again.skip === undefined ? again.upToDate : 'NOT UP TO DATE';
}

t.test('every editing module says why a guest needs nothing, on every corpus domain it applies to', async (t) => {
  const cases = corpusCases().filter((c) => c.form === 'defined');
  const specs: [string, (xml: string) => string | undefined, RegExp][] = [
    ['virtio_nic', (x) => upToDateReason(virtioNicSpec, x, { driver_ready: true }), /^every emulated NIC is virtio already$/],
    ['virtio_disk', (x) => upToDateReason(virtioDiskSpec, x, { disks: 'all', driver_ready: true }), /^the selected disks are on virtio already/],
    ['virtio_rng', (x) => upToDateReason(virtioRngSpec, x, {}), /^has a virtio RNG already$/],
    [
      'boot_disk',
      (x) => upToDateReason(bootDiskSpec, x, { disk: 'vda', required: false, driver_ready: true }),
      /^(boots from vda \(.+\) already|has no disk matching "vda" \(required: false\))$/,
    ],
    ['cdrom (ejected)', (x) => upToDateReason(cdromSpec, x, { state: 'ejected' }), /^(CD-ROM \w+ is empty already|no CD-ROM drive)$/],
  ];
  for (const [name, reason, want] of specs) {
    let applied = 0;
    for (const c of cases) {
      const dom = Domain.parse(c.xml);
      const r = (() => {
        try {
          return reason(c.xml);
        } catch {
          return undefined; // a guest the module refuses or cannot plan on: not this test's subject
        }
      })();
      if (r === undefined && (dom.interfaces().length === 0 || dom.disks().length === 0)) continue;
      applied++;
      t.match(r, want, `${name}: ${c.label}`);
    }
    t.ok(applied > 0, `${name}: checked on ${applied} corpus domain(s)`);
  }
});

t.test('cdrom: the reason names what is there', async (t) => {
  const xml = `<domain type='kvm'><name>g</name><os><type machine='pc'>hvm</type></os><devices><disk type='file' device='cdrom'><source file='/isos/a.iso'/><target dev='hdc' bus='ide'/><readonly/></disk></devices></domain>`;
  t.equal(planGuest(cdromSpec, guestFacts(xml), { state: 'present', iso: '/isos/a.iso' }).upToDate, 'CD-ROM hdc holds /isos/a.iso already');
  t.equal(planGuest(cdromSpec, guestFacts(xml), { state: 'ejected', iso: '/isos/b.iso' }).upToDate, 'no CD-ROM drive holds /isos/b.iso');
  t.equal(planGuest(cdromSpec, guestFacts(xml), { state: 'absent', drive: 'hdd' }).upToDate, 'no CD-ROM drive hdd');
});
