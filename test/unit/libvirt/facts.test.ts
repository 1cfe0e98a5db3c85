import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseFacts } from '../../../modules/libvirt/facts.js';
import { MARK, splitMarked } from '../../../modules/libvirt/virsh.js';

// Recorded from a real session libvirtd: sh -c "$(gatherFactsCommand('qemu:///session'))".
const recorded = readFileSync(new URL('../../fixtures/virsh/facts-one-guest.txt', import.meta.url), 'utf8');

t.test('recorded virsh output parses into one shut-off guest with its full XML', async (t) => {
  const f = parseFacts('qemu:///session', recorded);
  t.equal(f.guests.size, 1);
  const g = f.guests.get('t1');
  t.ok(g, 'guest t1 present');
  t.equal(g?.uuid, '2450ff3f-1613-420f-bf18-3a55093b5d45');
  t.equal(g?.running, false);
  t.match(g?.inactiveXml, /^<domain type='qemu'>/);
  t.match(g?.inactiveXml, /<\/domain>$/);
  t.notOk(g?.liveXml);
});

t.test('markers are found with or without a line break after them', async (t) => {
  const u = '0a0b0c0d-0000-4000-8000-000000000001';
  const out = `${MARK}-begin${MARK}-inactive ${u}<domain><name>a&amp;b</name></domain>\n${MARK}-live ${u}\n<domain><name>a&amp;b</name><x/></domain>\n${MARK}-end\n`;
  const secs = splitMarked(out);
  t.same(
    secs.map((s) => s.kind),
    ['begin', 'inactive', 'live', 'end'],
  );
  const f = parseFacts('qemu:///system', out);
  const g = f.guests.get('a&b');
  t.equal(g?.running, true, 'a live XML means the guest is active');
  t.equal(g?.liveXml, '<domain><name>a&amp;b</name><x/></domain>');
});

t.test('a guest that vanished between list and dumpxml is left out', async (t) => {
  const u = '0a0b0c0d-0000-4000-8000-000000000002';
  const f = parseFacts('qemu:///system', `${MARK}-begin\n${MARK}-inactive ${u}\n${MARK}-end\n`);
  t.equal(f.guests.size, 0);
});

t.test("the name is <domain>'s first child, decoded as the XML reader decodes it", async (t) => {
  const u = '0a0b0c0d-0000-4000-8000-000000000003';
  const doc = (xml: string) => `${MARK}-begin\n${MARK}-inactive ${u}\n${xml}\n${MARK}-end\n`;
  const f = parseFacts(
    'qemu:///system',
    doc(`<domain type='kvm'>\n  <name>vp-&#x65E5;&#26412;-&lt;x&gt;</name>\n  <metadata><name>other</name></metadata>\n</domain>`),
  );
  t.same([...f.guests.keys()], ['vp-日本-<x>']);
  t.throws(
    () => parseFacts('qemu:///system', doc(`<domain type='kvm'>\n  <uuid>${u}</uuid>\n  <name>late</name>\n</domain>`)),
    /does not begin with <domain><name>/,
    'a document libvirt would not write is refused, not guessed at',
  );
});
