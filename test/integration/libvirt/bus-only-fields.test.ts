/**
 * changeBus's tables of bus-only disk fields (BUS_ONLY_ATTRS, BUS_ONLY_ELEMENTS), row by row,
 * against the lab's real libvirt: a scratch domain with the field on a bus that takes it defines;
 * the same disk with only its bus and target changed (virt-xml's way) is refused, with libvirt's
 * own message; the disk moved by changeBus defines. A new row is checked without a new test.
 * The scratch domains are this file's own (vp-busfield-*), on one host, removed after.
 */
import t from 'tap';
import { BUS_ONLY_ATTRS, BUS_ONLY_ELEMENTS, Domain } from '../../../modules/libvirt/domain/index.js';
import { virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';

const HOST = 'lab4';
const NAME = 'vp-busfield';

/** A value libvirt accepts for each field on a bus that takes it. */
const ATTR_VALUES: Record<string, string> = {
  removable: 'on',
  rotation_rate: '1',
  queues: '2',
  queue_size: '256',
  iothread: '1',
  trans: 'lba',
};
const ELEMENT_TEXT: Record<string, string> = { wwn: '5000c50015ea71ac', vendor: 'VENDOR', product: 'PRODUCT' };

/**
 * Rows libvirt 9.0 does not refuse on another bus (it passes the field to that bus's device only,
 * so it is meaningless there; changeBus drops it all the same). Checked too: if a later libvirt
 * refuses it, this test says so and the row leaves this list.
 */
const NOT_REFUSED = new Set(['driver/@queue_size']);

const PREFIX: Record<string, string> = { ide: 'hd', sata: 'sd', scsi: 'sd', usb: 'sd', virtio: 'vd' };

function domainXml(bus: string, driverAttrs: string, targetAttrs: string, children: string): string {
  return (
    `<domain type='qemu'><name>${NAME}</name><memory unit='KiB'>65536</memory><iothreads>1</iothreads>` +
    `<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>` +
    `<disk type='file' device='disk'><driver name='qemu' type='raw'${driverAttrs}/><source file='/var/tmp/${NAME}.img'/>` +
    `<target dev='${PREFIX[bus]}a' bus='${bus}'${targetAttrs}/>${children}</disk></devices></domain>`
  );
}

/** The field on `bus`: as an attribute of <driver>, <target> or <geometry>, or as a child element. */
function withField(bus: string, element: string, attr: string | undefined): string {
  if (attr === undefined) return domainXml(bus, '', '', `<${element}>${ELEMENT_TEXT[element]}</${element}>`);
  const a = ` ${attr}='${ATTR_VALUES[attr]}'`;
  if (element === 'driver') return domainXml(bus, a, '', '');
  if (element === 'target') return domainXml(bus, '', a, '');
  return domainXml(bus, '', '', `<${element} cyls='100' heads='16' secs='63'${a}/>`);
}

/** virt-xml's bus change: bus and target name only. */
function bareChange(xml: string, from: string, to: string): string {
  return xml.replace(`dev='${PREFIX[from]}a' bus='${from}'`, `dev='${PREFIX[to]}a' bus='${to}'`);
}

async function define(xml: string): Promise<{ ok: boolean; err: string }> {
  const r = await virshAs(HOST, ['define', '/dev/stdin'], xml);
  if (r.code === 0) await virshAs(HOST, ['undefine', NAME]);
  return { ok: r.code === 0, err: r.stderr.trim() };
}

const rows: [element: string, attr: string | undefined, buses: readonly string[]][] = [
  ...BUS_ONLY_ATTRS.map(([e, a, b]) => [e, a, b] as [string, string, readonly string[]]),
  ...BUS_ONLY_ELEMENTS.map(([e, b]) => [e, undefined, b] as [string, undefined, readonly string[]]),
];

t.test('every bus-only field: libvirt refuses it on the new bus, changeBus drops it', async (t) => {
  await useLab(t, { host: HOST, fresh: false });
  await virshAs(HOST, ['undefine', NAME]); // a leftover of an interrupted run
  for (const [element, attr, buses] of rows) {
    const field = attr === undefined ? `<${element}>` : `${element}/@${attr}`;
    const from = buses[0]!;
    const to = buses.includes('virtio') ? 'ide' : 'virtio';
    await t.test(`${field} (${buses.join(', ')}): ${from} -> ${to}`, async (t) => {
      const xml = withField(from, element, attr);
      const onItsBus = await define(xml);
      t.ok(onItsBus.ok, `libvirt takes ${field} on ${from}: ${onItsBus.err}`);

      const bare = await define(bareChange(xml, from, to));
      if (NOT_REFUSED.has(field)) {
        t.ok(bare.ok, `libvirt does not refuse ${field} on ${to} (ignored there): ${bare.err}`);
      } else {
        t.notOk(bare.ok, `a bare bus change to ${to} keeps ${field}: libvirt refuses it`);
        t.match(bare.err, /only|not available/i, bare.err);
      }

      const dom = Domain.parse(xml);
      const disk = dom.disks()[0]!;
      t.equal(dom.changeBus(disk, to), true);
      const moved = dom.toXml();
      t.notMatch(moved, attr === undefined ? `<${element}>` : ` ${attr}=`, `${field} is gone`);
      const ok = await define(moved);
      t.ok(ok.ok, `libvirt takes the disk changeBus moved to ${to}: ${ok.err}`);
    });
  }
});
