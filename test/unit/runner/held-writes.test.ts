/**
 * Held writes (engine/runner/held-writes.ts) through runPlaybook with a test module that can hold
 * its writes: consecutive tasks make one write per host, each task is still reported with its own
 * changes and in order; a task that needs the real state, a registered result, the end of a
 * section and check mode each behave as when every task wrote its own; a write that fails is
 * reported on every task whose changes it carried; a write that loses the host fails it on the
 * first of those tasks.
 */
import t from 'tap';
import { UnreachableError } from '../../../engine/errors.js';
import type { GuestResult, HeldFailure, HeldWrites, ModuleDef } from '../../../engine/module.js';
import { fakePlay } from '../../helpers/fake-play.js';

const GUESTS = ['g1', 'g2', 'g3'];

/** Per host: what each guest has had written, in order (task ids). */
let store: Record<string, Record<string, string[]>> = {};
/** Per host: the writes made (each flush or direct write is one). */
let writes: Record<string, number> = {};
/** Per task@host: the host's store as the task saw it when it ran. */
let saw: Record<string, string> = {};
/** At a flush: the guest whose write fails, or the host whose connection is lost. */
let failGuest: string | undefined;
let loseHost: string | undefined;

function write(host: string, items: { guest: string; id: string }[]): void {
  writes[host] = (writes[host] ?? 0) + 1;
  for (const it of items) ((store[host] ??= {})[it.guest] ??= []).push(it.id);
}

class FakeHolder implements HeldWrites {
  readonly tokens = new Set<number>();
  private items: { token: number; guest: string; id: string }[] = [];
  constructor(private readonly host: string) {}
  add(token: number, guest: string, id: string): void {
    this.tokens.add(token);
    this.items.push({ token, guest, id });
  }
  async flush(): Promise<HeldFailure[]> {
    const items = this.items;
    this.items = [];
    this.tokens.clear();
    if (loseHost === this.host) throw new UnreachableError(this.host, 'connection lost while running a command');
    const failing = items.filter((i) => i.guest === failGuest);
    write(
      this.host,
      items.filter((i) => i.guest !== failGuest),
    );
    return [...new Set(failing.map((i) => i.token))].map((token) => ({ token, guest: failGuest!, msg: 'the write was refused' }));
  }
}

interface EditArgs {
  id: string;
  /** The guests this task changes. */
  change?: string[];
  /** Needs the real state (never holds). */
  direct?: boolean;
  warn?: string;
}

const edit: ModuleDef<EditArgs> = {
  name: 'edit',
  description: 'changes the guests it names, holding its writes when offered (test module)',
  checkMode: 'plan',
  holdsWrites: (args) => args.direct !== true,
  async run(ctx, args) {
    saw[`${args.id}@${ctx.host}`] = JSON.stringify(store[ctx.host] ?? {});
    if (args.warn) ctx.warn(args.warn);
    const guests = GUESTS.filter((g) => !ctx.failedGuests?.has(g));
    const changed = guests.filter((g) => args.change?.includes(g));
    if (!ctx.check && changed.length > 0) {
      if (ctx.hold) {
        const hold = ctx.hold;
        const holder = hold.holder('fake', () => new FakeHolder(ctx.host));
        for (const g of changed) holder.add(hold.token, g, args.id);
      } else {
        write(
          ctx.host,
          changed.map((guest) => ({ guest, id: args.id })),
        );
      }
    }
    const results: GuestResult[] = guests.map((g) => ({ guest: g, changed: changed.includes(g), changes: changed.includes(g) ? [`${g}: ${args.id}`] : [] }));
    return { changed: changed.length > 0, msg: `${changed.length} of ${guests.length} guest(s) changed`, guests: results };
  },
};
const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, change: { type: 'array', items: { type: 'string' } }, direct: { type: 'boolean' }, warn: { type: 'string' } },
  required: ['id'],
  additionalProperties: false,
};

async function play(yaml: string, o: { check?: boolean } = {}) {
  store = {};
  writes = {};
  saw = {};
  return fakePlay(yaml, { modules: [{ def: edit, schema: SCHEMA }], ...o });
}

/** The task banners and host lines of the plain output, in order. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^(TASK|changed|ok|failed|fatal| {2}g\d)/.test(l))
    .map((l) => l.replace(/\*+$/, '').trim());
}

t.test('consecutive tasks: one write per host, each task reported with its own changes, in order', async (t) => {
  const r = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: a, edit: { id: a, change: [g1, g2] } }
    - { name: b, edit: { id: b, change: [g2], warn: "b says" } }
    - { name: c, edit: { id: c } }
`);
  t.equal(r.code, 0);
  t.same(writes, { h1: 1, h2: 1 }, 'one write per host for the three tasks');
  t.same(store['h1'], { g1: ['a'], g2: ['a', 'b'] }, 'every change made, in task order');
  t.same(saw['b@h1'], '{}', 'b planned before anything was written (on what a will have made)');
  t.same(
    lines(r.text).filter((l) => !l.startsWith('g')),
    ['TASK [a]', 'changed: [h1]', 'changed: [h2]', 'TASK [b]', 'changed: [h1]', 'changed: [h2]', 'TASK [c]', 'ok: [h1]', 'ok: [h2]'],
  );
  t.match(r.text, /TASK \[b\][^\n]*\n[^]*?b says[^]*?TASK \[c\]/, "b's warning is shown under b's banner");
  t.match(r.doc.stats['h1'], { ok: 3, changed: 2, failures: 0 });
});

t.test('a task that needs the real state gets the writes made before it; the held run goes on after it', async (t) => {
  const r = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: a, edit: { id: a, change: [g1] } }
    - { name: real, edit: { id: real, direct: true, change: [g3] } }
    - { name: b, edit: { id: b, change: [g2] } }
    - { name: c, edit: { id: c, change: [g2] } }
`);
  t.equal(r.code, 0);
  t.same(saw['real@h1'], JSON.stringify({ g1: ['a'] }), "the direct task saw a's write made");
  t.same(writes, { h1: 3, h2: 3 }, "a's flush, real's own write, then b and c together");
  t.same(store['h2'], { g1: ['a'], g3: ['real'], g2: ['b', 'c'] });
});

t.test('a registered result ends the held run: the next task reads it as written', async (t) => {
  const r = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: a, edit: { id: a, change: [g1] }, register: ra }
    - { name: b, edit: { id: b, change: [g2] }, when: ra is changed }
    - { name: c, edit: { id: c, change: [g3] } }
`);
  t.equal(r.code, 0);
  t.same(writes, { h1: 2, h2: 2 }, 'a alone, then b and c');
  t.same(store['h1'], { g1: ['a'], g2: ['b'], g3: ['c'] }, 'b ran: it saw ra changed');
});

t.test('each section (pre_tasks, tasks, post_tasks) writes before its handlers run', async (t) => {
  const r = await play(`
- hosts: all
  gather_facts: false
  pre_tasks:
    - { name: p, edit: { id: p, change: [g1] }, notify: h }
  tasks:
    - { name: a, edit: { id: a, change: [g2] } }
  handlers:
    - { name: h, edit: { id: h, direct: true } }
`);
  t.equal(r.code, 0);
  t.same(saw['h@h1'], JSON.stringify({ g1: ['p'] }), "the handler saw the pre_task's write");
  t.same(writes, { h1: 2, h2: 2 }, 'one write per section');
});

t.test('a write that fails fails its guest on every task whose changes it carried, and no other', async (t) => {
  failGuest = 'g2';
  t.teardown(() => void (failGuest = undefined));
  const r = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: a, edit: { id: a, change: [g1, g2] } }
    - { name: b, edit: { id: b, change: [g2, g3] } }
    - { name: c, edit: { id: c, change: [g1] } }
    - { name: d, edit: { id: d, change: [g2] } }
    - { name: real, edit: { id: real, change: [g1, g2], direct: true } }
    - { name: e, edit: { id: e, change: [g2] } }
`);
  t.equal(r.code, 2, 'a failed guest: exit 2');
  t.same(store['h1'], { g1: ['a', 'c', 'real'], g3: ['b'] }, "the other guests' changes were made");
  t.same(
    r.doc.virtplay.failed_guests['h1'],
    [{ guest: 'g2', task: 'a', msg: 'the write was refused' }],
    'g2 failed at a, the first task that carried its change',
  );
  const tasks = r.doc.plays[0]!.tasks;
  const g2 = (task: number) => (tasks[task]!.hosts['h1']!.guests as GuestResult[]).find((g) => g.guest === 'g2');
  t.match(g2(0), { failed: true, changed: false, msg: 'the write was refused' }, 'a: g2 failed');
  t.match(g2(1), { failed: true, changed: false }, 'b: g2 failed too (it carried a change for g2)');
  t.match(g2(2), { changed: false }, 'c: g2 unchanged');
  t.notOk(g2(2)?.failed, 'c carried no change for g2: not failed there');
  t.match(g2(3), { failed: true }, 'd: g2 failed too (its change was in the same write)');
  t.equal(g2(4), undefined, 'the direct task after the write left g2 out');
  t.equal(g2(5), undefined, 'so did the next held task');
  t.match(tasks[0]!.hosts['h1'], { changed: true, msg: /1 of 3 guest\(s\) changed, 1 failed: g2: the write was refused/ }, "a's summary counts g2 as failed");
  t.match(r.doc.stats['h1'], { failures: 0 }, 'the host itself did not fail');
});

t.test('a write that loses the host fails it on the first task that held writes; the other host goes on', async (t) => {
  loseHost = 'h2';
  t.teardown(() => void (loseHost = undefined));
  const r = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: a, edit: { id: a } }
    - { name: b, edit: { id: b, change: [g1] } }
    - { name: c, edit: { id: c, change: [g2] } }
    - { name: d, edit: { id: d, change: [g3], direct: true } }
`);
  t.equal(r.code, 4, 'unreachable: exit 4');
  const tasks = r.doc.plays[0]!.tasks;
  t.match(tasks[0]!.hosts['h2'], { changed: false }, 'a held nothing on h2: ok');
  t.match(tasks[1]!.hosts['h2'], { unreachable: true, msg: /connection lost/ }, 'b: h2 unreachable');
  t.equal(tasks[2]!.hosts['h2'], undefined, 'c: h2 left the play at b');
  t.equal(saw['d@h2'], undefined, 'd never ran on h2');
  t.same(store['h1'], { g1: ['b'], g2: ['c'], g3: ['d'] }, 'h1 converged');
  t.match(r.doc.stats['h2'], { unreachable: 1 });
});

t.test('check mode holds nothing and writes nothing', async (t) => {
  const r = await play(
    `
- hosts: all
  gather_facts: false
  tasks:
    - { name: a, edit: { id: a, change: [g1] } }
    - { name: b, edit: { id: b, change: [g2] } }
`,
    { check: true },
  );
  t.equal(r.code, 0);
  t.same(writes, {}, 'no write');
  t.match(r.doc.stats['h1'], { changed: 2 }, 'both would change');
});
