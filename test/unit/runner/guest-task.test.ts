/**
 * The engine's guest-task contract (engine/guest-task.ts) on a module of its own, a toy "lamp"
 * per guest, so what is checked is the engine's part: the check gate, --diff, per-guest failure
 * (plan refusals and skips, apply errors), host failures after every guest's apply has ended,
 * the parallel limit, stale facts and the summary.
 */
import t from 'tap';
import { TaskError, UnreachableError } from '../../../engine/errors.js';
import { GuestSkip, guestTask, type GuestPlan } from '../../../engine/guest-task.js';
import type { FactSource, GuestResult, ModuleResult, TaskContext } from '../../../engine/module.js';

interface Lamp {
  name: string;
  on: boolean;
  /** What its plan or apply does wrong, to drive each path. */
  fault?: 'skip' | 'refuse' | 'apply' | 'apply-after-one' | 'lost' | 'bug';
}

interface Args {
  on: boolean;
  parallel?: number;
}

interface LampPlan extends GuestPlan {
  to: boolean;
}

const lampFacts: FactSource<Lamp[]> = { id: 'lamps', gather: async () => [] };

function lampTask(lamps: Lamp[], log: string[]) {
  let running = 0;
  return guestTask<Args, Lamp, LampPlan, GuestResult & { watts: number }>({
    name: 'lamp',
    description: 'a lamp per guest',
    guests: async () => lamps,
    plan(_ctx, l, args) {
      log.push(`plan ${l.name}`);
      if (l.fault === 'skip') throw new GuestSkip('has no lamp');
      if (l.fault === 'refuse') throw new TaskError('its lamp is broken', l.name);
      if (l.on === args.on) return { to: args.on, changes: [], upToDate: `is ${l.on ? 'on' : 'off'} already` };
      const line = `lamp: ${l.on ? 'on' : 'off'} -> ${args.on ? 'on' : 'off'}`;
      return {
        to: args.on,
        changes: [line],
        diff: () => [{ before: String(l.on), after: String(args.on) }],
        ...(l.name === 'warm' ? { warning: 'is hot' } : {}),
      };
    },
    report: (l) => ({ guest: l.name, changed: false, watts: l.on ? 60 : 0 }),
    apply: {
      parallel: (args) => args.parallel ?? 1,
      async each(_ctx, _args, { guest: l, plan, report }) {
        running++;
        log.push(`apply ${l.name} (${running} at once)`);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (l.fault === 'lost') throw new UnreachableError('h1', 'connection lost');
        if (l.fault === 'bug') throw new Error('a bug');
        if (l.fault === 'apply') throw new TaskError('the switch is stuck', l.name);
        report.changes!.push('switch pressed');
        if (l.fault === 'apply-after-one') throw new TaskError('the bulb blew', l.name);
        l.on = plan.to;
        report.changes!.push(`lamp ${plan.to ? 'on' : 'off'}`);
      },
    },
    staleFacts: lampFacts,
    summary: (_ctx, reports) => ({ data: { watts: reports.reduce((n, r) => n + r.watts, 0) } }),
  });
}

function ctxOf(opts: { check?: boolean; diff?: boolean } = {}) {
  const seen = { warnings: [] as string[], invalidated: 0 };
  const ctx = {
    host: 'h1',
    check: opts.check ?? false,
    diff: opts.diff ?? false,
    warn: (m: string) => void seen.warnings.push(m),
    invalidateFacts: () => void seen.invalidated++,
  } as unknown as TaskContext;
  return { ctx, seen };
}

const guests = (r: ModuleResult) => r['guests'] as (GuestResult & { watts: number })[];

t.test('a real run: only guests with changes are applied; results, summary, facts', async (t) => {
  const lamps: Lamp[] = [
    { name: 'a', on: false },
    { name: 'b', on: true },
    { name: 'c', on: false, fault: 'skip' },
    { name: 'd', on: false, fault: 'refuse' },
  ];
  const log: string[] = [];
  const { ctx, seen } = ctxOf();
  const r = await lampTask(lamps, log).run(ctx, { on: true });
  t.same(
    log.filter((l) => l.startsWith('apply')),
    ['apply a (1 at once)'],
    'unchanged, skipped and refused guests are not applied',
  );
  t.same(
    guests(r).map(({ guest, changed, changes, msg, failed, skipped }) => ({ guest, changed, changes, msg, failed, skipped })),
    [
      { guest: 'a', changed: true, changes: ['switch pressed', 'lamp on'], msg: undefined, failed: undefined, skipped: undefined },
      { guest: 'b', changed: false, changes: [], msg: 'is on already', failed: undefined, skipped: undefined },
      { guest: 'c', changed: false, changes: [], msg: 'has no lamp', failed: undefined, skipped: true },
      { guest: 'd', changed: false, changes: [], msg: 'its lamp is broken', failed: true, skipped: undefined },
    ],
    'apply reports what it did; a plan that skips or refuses settles its guest alone',
  );
  t.same(
    guests(r).map((g) => g.watts),
    [0, 60, 0, 0],
    "the module's own report fields are kept",
  );
  t.equal(r.msg, '1 of 4 guest(s) changed, 1 skipped, 1 failed: d: its lamp is broken');
  t.equal(r['watts'], 60, "the summary's data is in the result");
  t.equal(r.changed, true);
  t.equal(seen.invalidated, 1, 'a changed guest makes the stale facts forgotten');
  t.equal(lamps[0]!.on, true);
});

t.test('--check: the plan only, never an apply; --diff made for planned guests only', async (t) => {
  const lamps: Lamp[] = [
    { name: 'a', on: false },
    { name: 'warm', on: false },
    { name: 'b', on: true },
    { name: 'd', on: false, fault: 'refuse' },
  ];
  const log: string[] = [];
  const { ctx, seen } = ctxOf({ check: true, diff: true });
  const r = await lampTask(lamps, log).run(ctx, { on: true });
  t.same(
    log.filter((l) => l.startsWith('apply')),
    [],
    'no apply under --check',
  );
  t.same(
    lamps.map((l) => l.on),
    [false, false, true, false],
    'nothing changed',
  );
  t.same(guests(r)[0]!.changes, ['lamp: off -> on'], "a guest's report shows its planned lines");
  t.equal(r.msg, '2 of 4 guest(s) would change, 1 failed: d: its lamp is broken');
  t.same(r.diff, [
    { before: 'false', after: 'true' },
    { before: 'false', after: 'true' },
  ]);
  t.same(seen.warnings, ['warm: is hot'], "a plan's warning is said once, with its guest");
  t.equal(seen.invalidated, 0, 'no facts forgotten under --check');

  const { ctx: plain } = ctxOf({ check: true });
  t.equal((await lampTask(lamps, []).run(plain, { on: true })).diff, undefined, 'no diff unless asked');
});

t.test('apply errors: a TaskError fails its guest alone; what it did before counts as changed', async (t) => {
  const lamps: Lamp[] = [
    { name: 'a', on: false, fault: 'apply' },
    { name: 'b', on: false, fault: 'apply-after-one' },
    { name: 'c', on: false },
  ];
  const r = await lampTask(lamps, []).run(ctxOf().ctx, { on: true });
  t.same(
    guests(r).map(({ guest, changed, failed, msg }) => ({ guest, changed, failed, msg })),
    [
      { guest: 'a', changed: false, failed: true, msg: 'the switch is stuck' },
      { guest: 'b', changed: true, failed: true, msg: 'the bulb blew' },
      { guest: 'c', changed: true, failed: undefined, msg: undefined },
    ],
  );
  t.equal(r.msg, '2 of 3 guest(s) changed, 2 failed: a: the switch is stuck; b: the bulb blew');
});

for (const fault of ['lost', 'bug'] as const) {
  t.test(`a host failure (${fault}) is thrown once every other guest's apply has ended`, async (t) => {
    const lamps: Lamp[] = [
      { name: 'a', on: false, fault },
      { name: 'b', on: false },
      { name: 'c', on: false },
    ];
    const log: string[] = [];
    await t.rejects(lampTask(lamps, log).run(ctxOf().ctx, { on: true, parallel: 2 }), fault === 'lost' ? UnreachableError : { message: 'a bug' });
    t.same(
      lamps.map((l) => l.on),
      [false, true, true],
      'the other guests were applied to the end',
    );
  });
}

t.test("a plan that throws something not its guest's fails the host", async (t) => {
  const task = guestTask<Args, Lamp, LampPlan, GuestResult>({
    name: 'x',
    description: 'x',
    guests: async () => [{ name: 'a', on: false }],
    plan: () => {
      throw new UnreachableError('h1', 'gone');
    },
    report: (l) => ({ guest: l.name, changed: false }),
    apply: { each: async () => {} },
  });
  await t.rejects(task.run(ctxOf().ctx, { on: true }), UnreachableError);
});

t.test('parallel: at most N guests applied at once', async (t) => {
  const lamps: Lamp[] = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, on: false }));
  const log: string[] = [];
  await lampTask(lamps, log).run(ctxOf().ctx, { on: true, parallel: 2 });
  const most = Math.max(...log.filter((l) => l.startsWith('apply')).map((l) => Number(/\((\d+) at once\)/.exec(l)![1])));
  t.equal(most, 2);
  const one: string[] = [];
  await lampTask(
    lamps.map((l) => ({ ...l, on: false })),
    one,
  ).run(ctxOf().ctx, { on: true });
  t.same(
    one.filter((l) => l.startsWith('apply')).map((l) => l.replace(/ \(.*/, '')),
    ['apply a', 'apply b', 'apply c', 'apply d', 'apply e'],
    'one at a time, in order, by default',
  );
});

t.test('apply all: one call with every guest neither refused nor skipped; preview under --check', async (t) => {
  const calls: string[][] = [];
  const task = guestTask<Args, Lamp, LampPlan, GuestResult>({
    name: 'batch',
    description: 'batch',
    guests: async () => [
      { name: 'a', on: false },
      { name: 'b', on: true },
      { name: 'c', on: false, fault: 'skip' },
    ],
    plan: (_c, l, args) => {
      if (l.fault === 'skip') throw new GuestSkip('no');
      return { to: args.on, changes: l.on === args.on ? [] : ['x'] };
    },
    report: (l) => ({ guest: l.name, changed: false }),
    apply: { all: async (_c, _a, work) => void calls.push(['all', ...work.map((w) => w.guest.name)]) },
    preview: (_c, _a, work) => void calls.push(['preview', ...work.map((w) => w.guest.name)]),
  });
  await task.run(ctxOf().ctx, { on: true });
  await task.run(ctxOf({ check: true }).ctx, { on: true });
  t.same(calls, [
    ['all', 'a', 'b'],
    ['preview', 'a', 'b'],
  ]);
});
