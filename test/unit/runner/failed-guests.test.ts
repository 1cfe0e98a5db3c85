/**
 * Guests as the unit of failure (engine/module.ts GuestResult), through runPlaybook with a module
 * that reports guests: a guest that fails a task is left out of the later tasks (the module is
 * told through ctx.failedGuests), the host and its other guests go on, the recap and --json list
 * it, the exit code is 2; ignore_errors keeps it in; a skipped guest is not a failure.
 */
import t from 'tap';
import type { ModuleDef, ModuleResult, GuestResult } from '../../../engine/module.js';
import { fakePlay } from '../../helpers/fake-play.js';

const GUESTS = ['g1', 'g2', 'g3'];

/** Which guests each task (by its `id` argument) was given, per host. */
let seen: Record<string, string[]> = {};

interface ProbeArgs {
  id: string;
  fail?: string[];
  skip?: string[];
}

const probe: ModuleDef<ProbeArgs> = {
  name: 'probe',
  description: 'reports one result per guest of the host (test module)',
  checkMode: 'plan',
  async run(ctx, args) {
    const guests = GUESTS.filter((g) => !ctx.failedGuests?.has(g));
    seen[`${args.id}@${ctx.host}`] = guests;
    const results: GuestResult[] = guests.map((g) =>
      args.fail?.includes(g)
        ? { guest: g, changed: false, failed: true, msg: `${g} cannot` }
        : args.skip?.includes(g)
          ? { guest: g, changed: false, skipped: true, msg: 'does not apply' }
          : { guest: g, changed: true, changes: ['x'] },
    );
    const r: ModuleResult = { changed: results.some((x) => x.changed), msg: `${guests.length} guest(s)`, guests: results };
    return r;
  },
};

const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, fail: { type: 'array', items: { type: 'string' } }, skip: { type: 'array', items: { type: 'string' } } },
  required: ['id'],
  additionalProperties: false,
};

async function play(yaml: string) {
  seen = {};
  return fakePlay(yaml, { modules: [{ def: probe, schema: SCHEMA }], forks: 2 });
}

t.test('a failed guest leaves the run; the host and its other guests go on; exit 2', async (t) => {
  const r = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      probe: { id: a, fail: [g2] }
    - name: second
      probe: { id: b }
    - name: third
      probe: { id: c, fail: [g3] }
    - name: fourth
      probe: { id: d }
`);
  t.equal(r.code, 2, 'exit 2 (HOST_FAILED), as for a failed host');
  for (const h of ['h1', 'h2']) {
    t.same(seen[`a@${h}`], ['g1', 'g2', 'g3']);
    t.same(seen[`b@${h}`], ['g1', 'g3'], `${h}: g2 left out after failing`);
    t.same(seen[`d@${h}`], ['g1'], `${h}: g3 left out too, g1 goes on to the end`);
    t.match(r.doc.stats[h], { failures: 0, ok: 4 }, `${h}: the host itself did not fail`);
  }
  t.same(
    r.doc.virtplay.failed_guests['h1'],
    [
      { guest: 'g2', task: 'first', msg: 'g2 cannot' },
      { guest: 'g3', task: 'third', msg: 'g3 cannot' },
    ],
    '--json: guest, task, message per host',
  );
  t.match(r.text, /^ {2}g2: FAILED - g2 cannot$/m, 'the task line names the guest and why');
  t.match(
    r.text,
    /^Failed guests \(left out of the later tasks; the other guests went on\):\nh1 +: g2 \(task 'first'\): g2 cannot\nh1 +: g3 \(task 'third'\): g3 cannot\nh2 +: g2/m,
    'the recap lists them',
  );
});

t.test('ignore_errors keeps a failed guest in (counted ignored); a skipped guest is no failure', async (t) => {
  const r = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      probe: { id: a, fail: [g2], skip: [g3] }
      ignore_errors: true
    - name: second
      probe: { id: b, skip: [g1] }
`);
  t.equal(r.code, 0, 'nothing failed for good');
  t.same(seen['b@h1'], ['g1', 'g2', 'g3'], 'every guest still in');
  t.match(r.doc.stats['h1'], { ignored: 1, failures: 0 });
  t.same(r.doc.virtplay.failed_guests, {});
  t.match(r.text, /^ {2}g3: skipped - does not apply$/m);
  t.match(r.text, /^ {2}g2: FAILED - g2 cannot\n(?: {2}g3: skipped - does not apply\n)?\.\.\.ignoring$/m, 'the failed guest, then ...ignoring');
  t.notMatch(r.text, /Failed guests/);
});
