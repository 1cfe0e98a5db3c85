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
