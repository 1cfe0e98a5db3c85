/**
 * virtio_nic's plan on EVERY corpus domain: every NIC virtio, MACs and PCI addresses kept,
 * nothing else touched, planning again gives nothing; `macs` limits it to those NICs.
 */
import t from 'tap';
import { virtioNicSpec } from '../../../modules/libvirt/virtio-nic.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { corpusCases, planTwice, unmanagedDiff } from './plan-helpers.js';

const cases = corpusCases();

t.test('the corpus has e1000, rtl8139, ne2k_pci and virtio NICs', async (t) => {
  const models = new Set(
    cases.flatMap((c) =>
      Domain.parse(c.xml)
        .interfaces()
        .map((i) => i.model),
    ),
  );
  t.same([...models].sort(), ['e1000', 'ne2k_pci', 'rtl8139', 'virtio']);
});

for (const c of cases) {
  t.test(c.label, async (t) => {
    const { before, after, changes, again } = planTwice(virtioNicSpec, c.xml, {});
    const nb = before.interfaces();
    const na = after.interfaces();
    t.equal(na.length, nb.length, 'same NICs');
    t.ok(
      na.every((i) => i.model === 'virtio'),
      'all virtio',
    );
    t.same(
      na.map((i) => i.mac),
      nb.map((i) => i.mac),
      'MACs kept',
    );
    t.same(
      na.map((i) => i.address),
      nb.map((i) => i.address),
      'PCI addresses kept',
    );
    t.same(
      na.map((i) => i.source),
      nb.map((i) => i.source),
      'sources kept',
    );
    t.same(
      changes,
      nb.filter((i) => i.model !== 'virtio').map((i) => `interface ${i.mac}: model ${i.model} -> virtio`),
      'one line per NIC that changes',
    );
    t.same(unmanagedDiff(before, after, { nicModel: true }), [], 'nothing else changed');
    t.equal(after.uuid, before.uuid, 'UUID kept');
    t.same(again, [], 'planning again gives nothing');
  });
}

t.test('macs: only the listed NICs (any case)', async (t) => {
  const dom = Domain.parse(cases.find((c) => c.slug === 'pc-ide-e1000-win2k8r2')!.xml);
  const first = dom.interfaces()[0]!;
  dom.insertDevice(first.el.clone());
  const second = dom.interfaces()[1]!;
  second.mac = '52:54:00:00:00:02';
  second.address = undefined;
  const xml = dom.toXml();
  const p = planTwice(virtioNicSpec, xml, { macs: ['52:54:00:00:00:02'.toUpperCase()] });
  t.same(p.changes, ['interface 52:54:00:00:00:02: model e1000 -> virtio']);
  t.same(
    p.after.interfaces().map((i) => i.model),
    ['e1000', 'virtio'],
  );
  t.same(p.again, []);
  t.same(planTwice(virtioNicSpec, xml, { macs: ['52:54:00:ff:ff:ff'] }).changes, [], 'a MAC the guest does not have: nothing');
});
