/**
 * virtio_rng's plan on every corpus domain: a virtio RNG with the random backend is added where
 * the guest has none (after the last device libvirt orders before it), nothing else moves, a
 * second plan finds nothing; a guest with a virtio RNG already (any backend) is left alone.
 * test/integration/modules/corpus-modules-define.test.ts defines the result on a real libvirt.
 */
import t from 'tap';
import { Domain, DEVICE_ORDER } from '../../../modules/libvirt/domain/index.js';
import { semanticDiff } from '../../helpers/domain-compare.js';
import { virtioRngSpec } from '../../../modules/libvirt/virtio-rng.js';
import { corpusCases, guestFacts, planTwice } from './plan-helpers.js';

const withoutRng = (d: Domain): Domain => {
  const c = d.clone();
  for (const r of c.devices('rng')) r.el.remove();
  return c;
};

let added = 0;
let kept = 0;
for (const c of corpusCases()) {
  t.test(c.label, async (t) => {
    const before = Domain.parse(c.xml);
    const hadVirtio = before.devices('rng').some((r) => ['virtio', 'virtio-transitional', 'virtio-non-transitional'].includes(r.el.attrs.model ?? ''));
    const p = planTwice(virtioRngSpec, c.xml, { backend: '/dev/urandom' });
    t.same(p.again, [], 'planning again gives nothing');
    if (hadVirtio) {
      kept++;
      t.same(p.changes, [], 'a virtio RNG is there already');
      t.same(semanticDiff(before, p.after), [], 'nothing changed');
      return;
    }
    added++;
    t.same(p.changes, ['virtio rng added (backend /dev/urandom)']);
    const rngs = p.after.devices('rng');
    const mine = rngs[rngs.length - 1]!;
    t.same([mine.el.attrs.model, mine.el.child('backend')?.attrs.model, mine.el.child('backend')?.text], ['virtio', 'random', '/dev/urandom']);
    const kinds = p.after.devices().map((d) => d.kind);
    const at = kinds.lastIndexOf('rng');
    const rank = (k: string) => (DEVICE_ORDER.indexOf(k) < 0 ? DEVICE_ORDER.length : DEVICE_ORDER.indexOf(k));
    t.ok(
      kinds.slice(at + 1).every((k) => rank(k) > rank('rng')),
      `in libvirt's device order (${kinds.join(' ')})`,
    );
    t.same(semanticDiff(withoutRng(before), withoutRng(p.after)), [], 'no other device or setting changed');
  });
}

t.test('a backend other than the default, and a guest with a non-virtio-backed RNG', async (t) => {
  const xml =
    "<domain type='kvm'><name>g</name><memory>1</memory><os><type>hvm</type></os><devices><rng model='virtio'><backend model='egd' type='tcp'><source mode='connect' host='1.2.3.4' service='708'/></backend></rng></devices></domain>";
  t.same(virtioRngSpec.plan(Domain.parse(xml), {}, guestFacts(xml)), [], 'a virtio RNG with any backend counts');
  const bare =
    "<domain type='kvm'><name>g</name><memory>1</memory><os><type>hvm</type></os><devices><memballoon model='virtio'/><panic model='isa'/></devices></domain>";
  const dom = Domain.parse(bare);
  t.same(
    virtioRngSpec.plan(dom, { backend: '/dev/hwrng' }, guestFacts(bare)),
    [{ subject: 'virtio rng', op: 'add', note: 'backend /dev/hwrng' }],
    'the change as data',
  );
  t.same(
    dom.devices().map((d) => d.kind),
    ['memballoon', 'rng', 'panic'],
    'between memballoon and panic, as libvirt orders them',
  );
});

t.teardown(() => t.comment(`virtio_rng: added on ${added} corpus domains, ${kept} had a virtio RNG`));
