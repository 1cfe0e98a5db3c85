/**
 * Changes as data (engine/change.ts): each kind has one wording, and the editing modules' plans
 * give their changes as data whose lines are exactly the `changes` they report, on the corpus.
 */
import t from 'tap';
import { changeLine, type Change } from '../../../engine/change.js';
import type { TaskContext } from '../../../engine/module.js';
import { evalExpression } from '../../../engine/template/render.js';
import { planGuest, type EditArgs, type EditSpec, type GuestReport } from '../../../modules/libvirt/edit-module.js';
import type { LibvirtFacts } from '../../../modules/libvirt/facts.js';
import { bootDiskSpec } from '../../../modules/libvirt/boot-disk.js';
import { cdromSpec } from '../../../modules/libvirt/cdrom.js';
import { virtioDisk, virtioDiskSpec } from '../../../modules/libvirt/virtio-disk.js';
import { virtioNicSpec } from '../../../modules/libvirt/virtio-nic.js';
import { virtioRngSpec } from '../../../modules/libvirt/virtio-rng.js';
import { corpusCases, guestFacts } from '../modules/plan-helpers.js';

t.test('one wording per kind of change', async (t) => {
  const cases: [Change, string][] = [
    [{ subject: 'interface 52:54:00:aa:bb:cc', op: 'set', field: 'model', from: 'e1000', to: 'virtio' }, 'interface 52:54:00:aa:bb:cc: model e1000 -> virtio'],
    [
      { subject: 'disk hda (/d/a.qcow2)', op: 'set', from: 'ide hda', to: 'virtio vda', note: 'the boot disk takes the free vda' },
      'disk hda (/d/a.qcow2): ide hda -> virtio vda (the boot disk takes the free vda)',
    ],
    [{ subject: 'boot order', op: 'set', to: 'vda first' }, 'boot order: vda first'],
    [{ subject: 'CD-ROM drive hdc (ide)', op: 'add', to: '/i/v.iso' }, 'CD-ROM drive hdc (ide) added with /i/v.iso'],
    [{ subject: 'virtio rng', op: 'add', note: 'backend /dev/urandom' }, 'virtio rng added (backend /dev/urandom)'],
    [{ subject: 'controller ide 0', op: 'remove', note: 'no device uses it' }, 'controller ide 0 removed (no device uses it)'],
    [{ subject: 'CD-ROM drive hdc', op: 'remove' }, 'CD-ROM drive hdc removed'],
  ];
  for (const [c, line] of cases) t.equal(changeLine(c), line);
});

t.test("every editing module's plan gives its changes as data, one per reported line, on the corpus", async (t) => {
  const specs: [string, EditSpec<EditArgs>, EditArgs][] = [
    ['virtio_nic', virtioNicSpec as EditSpec<EditArgs>, { driver_ready: true } as EditArgs],
    ['virtio_disk', virtioDiskSpec as EditSpec<EditArgs>, { disks: 'all', driver_ready: true } as EditArgs],
    ['boot_disk', bootDiskSpec as EditSpec<EditArgs>, { disk: 'vda', required: false, driver_ready: true } as EditArgs],
    ['cdrom', cdromSpec as EditSpec<EditArgs>, { iso: '/isos/virtio-win.iso' } as EditArgs],
    ['virtio_rng', virtioRngSpec as EditSpec<EditArgs>, {}],
  ];
  const ops = new Map<string, Set<string>>();
  let planned = 0;
  for (const c of corpusCases().filter((x) => x.form === 'defined')) {
    for (const [name, spec, args] of specs) {
      const p = planGuest(spec, guestFacts(c.xml), args);
      if (p.refuse !== undefined || p.skip !== undefined || p.changes.length === 0) continue;
      planned++;
      if (!t.same(p.planned?.map(changeLine), p.changes, `${name} on ${c.label}`)) break;
      for (const ch of p.planned ?? []) {
        if (!ch.subject || !['add', 'remove', 'set'].includes(ch.op)) t.fail(`${name} on ${c.label}: ${JSON.stringify(ch)}`);
        ops.set(name, (ops.get(name) ?? new Set()).add(ch.op));
      }
    }
  }
  t.ok(planned > 100, `${planned} plans with changes`);
  t.same(
    Object.fromEntries([...ops].map(([k, v]) => [k, [...v].sort()])),
    { virtio_nic: ['set'], virtio_disk: ['remove', 'set'], boot_disk: ['set'], cdrom: ['add', 'set'], virtio_rng: ['add'] },
    'the kinds each module makes',
  );
});

t.test('a NIC change as data: what changed, from what, to what', async (t) => {
  const xml = `<domain type='kvm'><name>n1</name><uuid>00000000-0000-0000-0000-000000000001</uuid><memory>1</memory><os><type>hvm</type></os><devices><interface type='network'><mac address='52:54:00:AA:BB:CC'/><source network='default'/><model type='e1000'/></interface></devices></domain>`;
  const p = planGuest(virtioNicSpec, guestFacts(xml), {});
  t.same(p.planned, [{ subject: 'interface 52:54:00:aa:bb:cc', op: 'set', field: 'model', from: 'e1000', to: 'virtio' }]);
});

t.test("the task's result carries the changes as data, and the README's expression reads them", async (t) => {
  // A guest whose conversion also removes a controller (not a Windows one: no guard in the way).
  const conv = corpusCases().find(
    (c) => c.form === 'defined' && planGuest(virtioDiskSpec, guestFacts(c.xml), { disks: 'all' }).planned?.some((x) => x.op === 'remove'),
  )!;
  const g = guestFacts(conv.xml);
  let facts: LibvirtFacts = { uri: 'qemu:///session', guests: new Map([[g.name, g]]) };
  const ctx = {
    host: 'h1',
    check: true,
    diff: false,
    facts: async () => facts,
    setFacts: (_s: unknown, v: LibvirtFacts) => void (facts = v),
    warn: () => {},
  } as unknown as TaskContext;
  const r = await virtioDisk.run(ctx, { disks: 'all' });
  const [report] = r['guests'] as GuestReport[];
  t.same(report!.planned!.map(changeLine), report!.changes, 'one change as data per line');
  const removed = evalExpression(
    "r.guests | selectattr('planned', 'defined') | map(attribute='planned') | flatten | selectattr('op', 'eq', 'remove') | map(attribute='subject') | list",
    { r },
  );
  t.same(
    removed,
    report!.planned!.filter((c) => c.op === 'remove').map((c) => c.subject),
  );
  t.ok(
    (removed as string[]).some((s) => s.startsWith('controller ')),
    `a controller among them (${conv.label}: ${String(removed)})`,
  );
});
