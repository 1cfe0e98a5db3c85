/**
 * Domain.changeBus and the bus-only disk fields (BUS_ONLY_ATTRS, BUS_ONLY_ELEMENTS), row by row without
 * libvirt: a field goes when the disk leaves the buses that take it, and stays when the new bus
 * takes it too. (test/integration/libvirt/bus-only-fields.test.ts proves the rows on libvirt.)
 */
import t from 'tap';
import { BUS_ONLY_ATTRS, BUS_ONLY_ELEMENTS, Domain } from '../../../modules/libvirt/domain/index.js';

const PREFIX: Record<string, string> = { ide: 'hd', sata: 'sd', scsi: 'sd', usb: 'sd', virtio: 'vd' };
const BUSES = ['ide', 'sata', 'scsi', 'usb', 'virtio'];

function withField(bus: string, element: string, attr?: string): Domain {
  const field = attr === undefined ? `<${element}>X</${element}>` : element === 'target' ? '' : `<${element} ${attr}='1'/>`;
  const target = `<target dev='${PREFIX[bus]}a' bus='${bus}'${element === 'target' && attr ? ` ${attr}='1'` : ''}/>`;
  const xml = `<domain type='qemu'><name>f</name><devices><disk type='file' device='disk'><source file='/d/a.img'/>${target}${field}</disk></devices></domain>`;
  return Domain.parse(xml);
}

const has = (d: Domain, element: string, attr?: string): boolean => {
  const el = d.disks()[0]!.el.child(element);
  return attr === undefined ? el !== undefined : el?.attr(attr) !== undefined;
};

const rows: [string, string | undefined, readonly string[]][] = [
  ...BUS_ONLY_ATTRS.map(([e, a, b]) => [e, a, b] as [string, string, readonly string[]]),
  ...BUS_ONLY_ELEMENTS.map(([e, b]) => [e, undefined, b] as [string, undefined, readonly string[]]),
];

t.test('geometry translation is IDE-only (libvirt: "CHS translation mode can only be set for \'ide\' bus")', async (t) => {
  t.ok(BUS_ONLY_ATTRS.some(([e, a, b]) => e === 'geometry' && a === 'trans' && b.join() === 'ide'));
  const d = Domain.parse(
    `<domain type='qemu'><name>g</name><devices><disk type='file' device='disk'><source file='/d/a.img'/><target dev='hda' bus='ide'/><geometry cyls='100' heads='16' secs='63' trans='lba'/></disk></devices></domain>`,
  );
  d.changeBus(d.disks()[0]!, 'virtio');
  t.same(d.disks()[0]!.el.child('geometry')?.attrs, { cyls: '100', heads: '16', secs: '63' }, 'the geometry stays (virtio-blk takes it), its translation goes');
});

for (const [element, attr, buses] of rows) {
  const field = attr === undefined ? `<${element}>` : `${element}/@${attr}`;
  t.test(`${field}: kept on ${buses.join(', ')}, dropped elsewhere`, async (t) => {
    const from = buses[0]!;
    for (const to of BUSES.filter((b) => b !== from)) {
      const d = withField(from, element, attr);
      t.ok(has(d, element, attr), `${from}: has ${field}`);
      d.changeBus(d.disks()[0]!, to);
      t.equal(has(d, element, attr), buses.includes(to), `${from} -> ${to}: ${buses.includes(to) ? 'kept' : 'dropped'}`);
    }
  });
}
