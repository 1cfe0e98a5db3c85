/**
 * Properties that must hold on EVERY corpus domain (both what virt-install printed and what
 * libvirt returned after define): round trip, the generated/defined pair compares equal,
 * converting to virtio gives unique targets and leaves UUID, MACs and unrelated devices alone,
 * and converting again is a no-op.
 */
import t from 'tap';
import { Domain, serializeXml } from '../../../modules/libvirt/domain/index.js';
import { semanticDiff, semanticEqual } from '../../helpers/domain-compare.js';
import { convertToVirtio, corpusNames, definedXml, generatedXml } from './corpus.js';

const names = corpusNames();

t.test('the corpus is what issue 3 asks for', async (t) => {
  t.ok(names.length >= 24, `${names.length} domains`);
  const all = names.map((n) => Domain.parse(definedXml(n)));
  const buses = new Set(all.flatMap((d) => d.disks().map((x) => x.bus)));
  for (const b of ['ide', 'sata', 'scsi', 'virtio']) t.ok(buses.has(b), `some disk on ${b}`);
  const models = new Set(all.flatMap((d) => d.interfaces().map((i) => i.model)));
  for (const m of ['e1000', 'rtl8139', 'ne2k_pci', 'virtio']) t.ok(models.has(m), `some NIC ${m}`);
  t.ok(all.some((d) => d.machineFamily === 'i440fx') && all.some((d) => d.machineFamily === 'q35'), 'pc and q35');
  t.ok(all.some((d) => d.disks().some((x) => x.isCdrom)) && all.some((d) => !d.disks().some((x) => x.isCdrom)), 'with and without CD-ROM');
  t.ok(
    all.some((d) => d.usesDeviceBootOrder()),
    'some use per-device boot order',
  );
  t.ok(all.some((d) => /[^\x20-\x7e]/.test(d.name ?? '')) && all.some((d) => d.name?.includes(' ')), 'non-ASCII and spaced names');
  const counts = new Set(all.map((d) => d.disks().filter((x) => x.device === 'disk').length));
  t.ok(counts.has(1) && counts.has(2) && counts.has(3), 'one to three disks');
});

for (const slug of names) {
  t.test(slug, async (t) => {
    const gen = generatedXml(slug);
    const def = definedXml(slug);
    t.same(semanticDiff(gen, def), [], 'what virt-install printed equals what libvirt stored (semantically)');

    for (const [label, xml] of [
      ['generated', gen],
      ['defined', def],
    ] as const) {
      const dom = Domain.parse(xml);
      const out = dom.toXml();
      t.ok(semanticEqual(xml, out), `${label}: parse -> toXml keeps the meaning`);
      t.equal(Domain.parse(out).toXml(), out, `${label}: toXml is a fixed point`);

      const before = Domain.parse(xml);
      const conv = convertToVirtio(dom);
      const targets = dom.disks().map((d) => d.target);
      t.equal(new Set(targets).size, targets.length, `${label}: target names unique (${targets.join(',')})`);
      t.ok(
        dom
          .disks()
          .filter((d) => !d.isCdrom && !d.isFloppy)
          .every((d) => d.bus === 'virtio' && d.target?.startsWith('vd')),
        `${label}: every disk on virtio as vdX`,
      );
      t.same(
        dom
          .disks()
          .filter((d) => d.isCdrom)
          .map((d) => serializeXml(d.el)),
        before
          .disks()
          .filter((d) => d.isCdrom)
          .map((d) => serializeXml(d.el)),
        `${label}: CD-ROM drives untouched`,
      );
      t.equal(dom.uuid, before.uuid, `${label}: UUID kept`);
      t.equal(dom.name, before.name, `${label}: name kept`);
      t.same(
        dom.interfaces().map((i) => i.mac),
        before.interfaces().map((i) => i.mac),
        `${label}: MACs kept`,
      );
      t.same(
        dom.interfaces().map((i) => i.address),
        before.interfaces().map((i) => i.address),
        `${label}: NIC addresses kept`,
      );
      t.ok(
        dom.interfaces().every((i) => i.model === 'virtio'),
        `${label}: NICs are virtio`,
      );
      t.same(
        dom.disks().map((d) => d.sourcePath),
        before.disks().map((d) => d.sourcePath),
        `${label}: every disk keeps its source, in order`,
      );
      t.same(
        dom.disks().map((d) => d.bootOrder),
        before.disks().map((d) => d.bootOrder),
        `${label}: boot orders stay on the same disks`,
      );
      const unrelated = (d: Domain) =>
        d.root
          .elements()
          .filter((e) => e.name !== 'devices')
          .map((e) => serializeXml(e))
          .concat(
            d.devicesEl
              .elements()
              .filter((e) => !['disk', 'interface', 'controller'].includes(e.name))
              .map((e) => serializeXml(e)),
          );
      t.same(unrelated(dom), unrelated(before), `${label}: every other element byte-identical`);
      const removedXml = conv.removedControllers.map((c) => serializeXml(c.el));
      const expected = before
        .controllers()
        .map((c) => serializeXml(c.el))
        .filter((x) => {
          const i = removedXml.indexOf(x);
          if (i >= 0) removedXml.splice(i, 1);
          return i < 0;
        });
      t.same(
        dom.controllers().map((c) => serializeXml(c.el)),
        expected,
        `${label}: remaining controllers untouched`,
      );
      t.equal(dom.controllers().length, before.controllers().length - conv.removedControllers.length, `${label}: only the reported controllers were removed`);

      const once = dom.toXml();
      const again = convertToVirtio(dom);
      t.same(again.disks, [], `${label}: converting again moves nothing`);
      t.equal(again.nics, 0);
      t.same(again.removedControllers, []);
      t.equal(dom.toXml(), once, `${label}: ... and the XML is byte-identical`);
      t.ok(semanticEqual(once, dom), `${label}: ... and semantically equal`);
      if (conv.disks.length + conv.nics > 0) t.notOk(semanticEqual(xml, once), `${label}: a real conversion is a semantic change`);
    }
  });
}
