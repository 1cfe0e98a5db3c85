/** The corpus checker (test/helpers/conversion-check.ts) sees each kind of unintended edit. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Domain, XElement } from '../../../modules/libvirt/domain/index.js';
import { conversionViolations } from '../../helpers/conversion-check.js';

const xml = readFileSync(join(import.meta.dirname, '../../fixtures/libvirt-qemuxml2argv/boot-order.xml'), 'utf8');
const edit = (f: (d: Domain) => void): string => {
  const d = Domain.parse(xml);
  f(d);
  return d.toXml();
};

t.test('a clean bus change passes; each unintended edit is named', async (t) => {
  const disk = (d: Domain) => d.disks().find((x) => x.device === 'disk')!;
  t.same(
    conversionViolations(
      xml,
      edit((d) => d.changeBus(disk(d), 'virtio')),
    ),
    [],
    'the disk moved to virtio: clean',
  );
  t.match(
    conversionViolations(
      xml,
      edit((d) => d.changeBus(disk(d), 'sata')),
    ),
    [/bus ide -> sata/],
    'another bus than virtio',
  );
  t.match(
    conversionViolations(
      xml,
      edit(
        (d) =>
          void d
            .disks()
            .find((x) => x.device === 'cdrom')!
            .el.remove(),
      ),
    ),
    [/gone/],
    'a CD-ROM removed',
  );
  t.match(
    conversionViolations(
      xml,
      edit((d) => void disk(d).el.append(new XElement('shareable'))),
    ),
    [/gone or changed/],
    'a disk body changed',
  );
  t.match(conversionViolations(xml, xml.replace('219100</memory>', '219200</memory>')), [/outside the intended edits/], 'memory changed');
  t.match(
    conversionViolations(
      xml,
      edit((d) => void (d.interfaces()[0]!.mac = '52:54:00:00:00:99')),
    ),
    [/NIC MACs/],
    'a MAC changed',
  );
  t.match(
    conversionViolations(
      xml,
      edit((d) => void (d.interfaces()[0]!.model = 'e1000')),
    ),
    [/model .* -> e1000/],
    'a NIC model changed to something else than virtio',
  );
  t.same(
    conversionViolations(
      xml,
      edit((d) => void (d.interfaces()[0]!.model = 'virtio')),
    ),
    [],
    'a NIC model changed to virtio: clean',
  );
  t.match(
    conversionViolations(
      xml,
      edit((d) => {
        const [hda, , vda] = d.disks();
        hda!.bootOrder = 3;
        vda!.bootOrder = undefined;
      }),
    ),
    [/^boots from /],
    'the boot moved to another disk',
  );
  t.match(
    conversionViolations(
      xml,
      edit((d) => void d.controllers('ide')[0]!.el.remove()),
    ),
    [/controller ide:0 removed while a device uses it/],
    'a controller in use removed',
  );
});
