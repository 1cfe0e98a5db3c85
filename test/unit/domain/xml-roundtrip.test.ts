import t from 'tap';
import { Domain, DomainXmlError, parseXml, serializeXml } from '../../../modules/libvirt/domain/index.js';

const RICH = `<?xml version="1.0" encoding="UTF-8"?>
<!-- made by hand -->
<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>a &amp; b &lt;c&gt; "q" 'x' G&#xE4;ste &#26085;</name>
  <description>line one
line two</description>
  <metadata>
    <app1:foo xmlns:app1="http://app1.org/app1/">..</app1:foo>
    <vp:state xmlns:vp="https://virtplay.dev/xmlns/virtplay/1" phase="2"/>
  </metadata>
  <memory unit='KiB'>1048576</memory>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/><boot dev='cdrom'/></os>
  <devices>
    <!-- the system disk -->
    <disk type='file' device='disk' snapshot='external'>
      <driver name='qemu' type='qcow2' cache='none' discard='unmap'/>
      <source file='/v/a b&amp;c.qcow2'><seclabel model='dac' relabel='no'/></source>
      <target dev='sda' bus='sata' rotation_rate='1'/>
      <iotune><total_iops_sec>100</total_iops_sec></iotune>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <unknownthing x='1'><child/></unknownthing>
  </devices>
  <qemu:commandline><qemu:arg value='-newarg'/></qemu:commandline>
</domain>`;

t.test('everything survives parse -> toXml', async (t) => {
  const dom = Domain.parse(RICH);
  t.equal(dom.name, `a & b <c> "q" 'x' Gäste 日`, 'entities and character references decoded');
  const out = dom.toXml();
  t.match(out, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<!-- made by hand -->\n<domain /, 'declaration and leading comment kept');
  t.match(out, /<!-- the system disk -->/);
  t.match(out, /<name>a &amp; b &lt;c&gt; &quot;q&quot; &apos;x&apos; Gäste 日<\/name>/);
  t.match(out, /<description>line one\nline two<\/description>/, 'text kept verbatim');
  t.match(out, /<app1:foo xmlns:app1="http:\/\/app1.org\/app1\/">..<\/app1:foo>/, 'foreign metadata kept');
  t.match(out, /<unknownthing x="1">\n\s+<child\/>\n\s+<\/unknownthing>/, 'unknown elements kept');
  t.match(out, /<qemu:commandline>\n\s+<qemu:arg value="-newarg"\/>/, 'namespaced elements kept');
  t.match(out, /<disk type="file" device="disk" snapshot="external">/, 'attribute order kept');
  t.match(out, /<source file="\/v\/a b&amp;c.qcow2">\n\s+<seclabel model="dac" relabel="no"\/>/);
  const again = Domain.parse(out);
  t.equal(again.toXml(), out, 'fixed point');
  t.equal(again.name, dom.name);
  t.equal(again.disks()[0]?.sourceFile, '/v/a b&c.qcow2');
  const order = again.devicesEl.children.map((c) => (c.kind === 'element' ? c.name : c.kind));
  t.same(order, ['comment', 'disk', 'unknownthing'], 'child order kept');
});

t.test('malformed input is a DomainXmlError, not a crash', async (t) => {
  t.throws(() => Domain.parse('<domain><name>x</domain>'), DomainXmlError);
  t.throws(() => Domain.parse(''), DomainXmlError);
  t.throws(() => Domain.parse('<network><name>x</name></network>'), DomainXmlError, 'another root element');
  t.throws(() => parseXml('not xml at all'), DomainXmlError);
});

t.test('serializeXml of a single element', async (t) => {
  const doc = parseXml(`<disk type='file'><target dev='vda' bus='virtio'/></disk>`);
  t.equal(serializeXml(doc.root), '<disk type="file">\n  <target dev="vda" bus="virtio"/>\n</disk>\n');
});
