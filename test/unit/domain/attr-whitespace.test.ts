import t from 'tap';
import { Domain } from '../../../modules/libvirt/domain/index.js';

const xml = `<domain type='qemu'><name>g</name><devices>
  <disk type='file' device='cdrom'><source file='/isos/a&#9;b&#10;c.iso'/><target dev='hdc' bus='ide'/></disk>
</devices></domain>`;

t.test('tab, newline and CR in attribute values survive a round trip as character references', async (t) => {
  const d = Domain.parse(xml);
  t.equal(d.disks()[0]?.sourcePath, '/isos/a\tb\nc.iso', 'decoded on parse');
  const out = d.toXml();
  t.match(out, 'file="/isos/a&#9;b&#10;c.iso"', 'written as references (an XML parser would turn literal ones into spaces)');
  t.equal(Domain.parse(out).disks()[0]?.sourcePath, '/isos/a\tb\nc.iso', 'and read back the same');
  const added = Domain.parse(xml);
  added.addCdrom({ file: '/tmp/x\ry.iso' });
  t.match(added.toXml(), 'file="/tmp/x&#13;y.iso"');
});
