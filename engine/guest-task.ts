/**
 * The engine's contract for a module whose unit is the guest (pyinfra's operations: facts in, a
 * plan per guest, effects only outside --check). A module says which guests (`guests`), what each
 * needs (`plan`: reads only, never changes anything, since it runs under --check too; nothing to
 * do is no changes and the reason) and how to make it (`apply`). The engine owns the rest:
 *   - the check gate: under --check no apply runs; `preview` may tell the run's later tasks what
 *     would be (it writes nothing but the run's own caches);
 *   - --diff: each planned guest's entries, made only when asked;
 *   - per-guest failure: a TaskError from one guest's plan or apply fails that guest alone (so does
 *     any input error its plan finds in that guest's definition); a GuestSkip skips it with its
 *     reason; anything else (the connection lost) fails the host, once every other guest's apply
 *     has ended (a guest is never abandoned half-way);
 *   - per-guest results and the task's summary (guest-summary.ts).
 * Changes to guest definitions take the modules' one verified define path (apply's business:
 * the engine knows no libvirt).
 */
import pLimit from 'p-limit';
import { InternalError, InterruptedError, TaskError, UnreachableError, VirtplayError } from './errors.js';
import { guestsResult, type GuestsResultOptions } from './guest-summary.js';
import type { DiffEntry, FactSource, GuestResult, ModuleDef, ModuleResult, TaskContext } from './module.js';

/** Thrown by a plan: the task does not apply to this guest (the message says why); it is skipped, not failed. */
export class GuestSkip extends Error {}

/** A module's plan for one guest. */
export interface GuestPlan {
  /** One line per change planned (empty: nothing to do). */
  changes: string[];
  /** Nothing to do: why (pyinfra's noop with a reason), the guest's msg, shown at -v. */
  upToDate?: string;
  /** The module refuses this guest (the reason): it fails alone, nothing of it is applied. */
  refuse?: string;
  /** The task does not apply to this guest (the reason): skipped, not failed. */
  skip?: string;
  /** Said once for the guest, whatever the mode. */
  warning?: string;
  /** Its entries under --diff, made only then. */
  diff?(): DiffEntry[];
}

export interface GuestWork<G, P extends GuestPlan, R extends GuestResult> {
  guest: G;
  plan: P;
  report: R;
}

/** Apply one guest at a time (at most `parallel` at once). The guest's report starts with no changes: apply adds what it did. */
export interface ApplyEach<A, G, P extends GuestPlan, R extends GuestResult> {
  each(ctx: TaskContext, args: A, work: GuestWork<G, P, R>): Promise<void>;
  /** Guests of the host applied at once (default 1). */
  parallel?(args: A): number;
}

/** Apply every guest of the host at once (one batch of defines). Reports start as the plans: apply marks what failed. */
export interface ApplyAll<A, G, P extends GuestPlan, R extends GuestResult> {
  all(ctx: TaskContext, args: A, work: GuestWork<G, P, R>[]): Promise<void>;
}

export interface GuestTask<A, G extends { name: string }, P extends GuestPlan, R extends GuestResult> {
  name: string;
  description: string;
  holdsWrites?(args: A): boolean;
  /** The guests this task is for, on this host (failed guests of the run left out). */
  guests(ctx: TaskContext, args: A): Promise<G[]>;
  plan(ctx: TaskContext, guest: G, args: A): P | Promise<P>;
  /** A guest's report before any apply (its module's own fields, e.g. a phase). */
  report(guest: G, plan: P): R;
  /**
   * Outside --check: each receives every guest with planned changes; all receives every guest
   * neither refused nor skipped (it may act on unchanged ones, e.g. restart a pending guest).
   */
  apply: ApplyEach<A, G, P, R> | ApplyAll<A, G, P, R>;
  /** Under --check instead of apply (the same guests as `all`): what the run's later tasks should see. */
  preview?(ctx: TaskContext, args: A, work: GuestWork<G, P, R>[]): void | Promise<void>;
  /** Facts that a changed guest makes stale: forgotten after an apply that changed one. */
  staleFacts?: FactSource<unknown>;
  /** The summary's own parts (headline, clauses, result keys); may warn once per guest. */
  summary?(ctx: TaskContext, reports: R[]): Omit<GuestsResultOptions, 'check' | 'diff'>;
}

/** A plan's error that concerns its guest alone (what it cannot handle in that definition): why; else undefined. */
function planFailure(e: unknown): string | undefined {
  if (e instanceof TaskError) return e.reason;
  const hostWide = e instanceof UnreachableError || e instanceof InterruptedError || e instanceof InternalError;
  return e instanceof VirtplayError && !hostWide ? e.message : undefined;
}

/** A plan's outcome when it throws: the guest skipped (GuestSkip) or refused (its own failure); else rethrown. */
function thrownPlan(e: unknown): GuestPlan {
  if (e instanceof GuestSkip) return { changes: [], skip: e.message };
  const why = planFailure(e);
  if (why === undefined) throw e;
  return { changes: [], refuse: why };
}

/** Runs a synchronous plan as the engine does: a throw that concerns the guest alone becomes its skip or refusal. */
export function settlePlan<P extends GuestPlan>(plan: () => P): P | GuestPlan {
  try {
    return plan();
  } catch (e) {
    return thrownPlan(e);
  }
}

async function planOne<A, G extends { name: string }, P extends GuestPlan>(spec: GuestTask<A, G, P, GuestResult>, ctx: TaskContext, g: G, args: A): Promise<P> {
  try {
    return await spec.plan(ctx, g, args);
  } catch (e) {
    return thrownPlan(e) as P;
  }
}

export function guestTask<A, G extends { name: string }, P extends GuestPlan, R extends GuestResult>(spec: GuestTask<A, G, P, R>): ModuleDef<A> {
  return {
    name: spec.name,
    description: spec.description,
    checkMode: 'plan',
    ...(spec.holdsWrites ? { holdsWrites: spec.holdsWrites } : {}),
    async run(ctx, args): Promise<ModuleResult> {
      const guests = await spec.guests(ctx, args);
      const plans = await Promise.all(guests.map((g) => planOne(spec as GuestTask<A, G, P, GuestResult>, ctx, g, args)));
      const work: GuestWork<G, P, R>[] = guests.map((guest, i) => {
        const plan = plans[i]!;
        if (plan.warning !== undefined) ctx.warn(`${guest.name}: ${plan.warning}`);
        const base = plan.refuse !== undefined ? { failed: true, msg: plan.refuse } : plan.skip !== undefined ? { skipped: true, msg: plan.skip } : {};
        const own = spec.report(guest, plan);
        const report = {
          ...own,
          guest: guest.name,
          changed: base.msg === undefined && plan.changes.length > 0,
          changes: base.msg === undefined ? [...plan.changes] : [],
          ...(plan.upToDate !== undefined && plan.changes.length === 0 ? { msg: plan.upToDate } : {}),
          ...base,
        } as R;
        return { guest, plan, report };
      });
      const active = work.filter((w) => !w.report.failed && !w.report.skipped);
      const diff = ctx.diff ? active.flatMap((w) => w.plan.diff?.() ?? []) : [];

      if (ctx.check) await spec.preview?.(ctx, args, active);
      else if ('all' in spec.apply) await spec.apply.all(ctx, args, active);
      else await applyEach(ctx, args, spec.apply, active);

      if (!ctx.check && spec.staleFacts && work.some((w) => w.report.changed)) ctx.invalidateFacts(spec.staleFacts);
      const reports = work.map((w) => w.report);
      return guestsResult(reports, { ...spec.summary?.(ctx, reports), check: ctx.check, diff });
    },
  };
}

async function applyEach<A, G, P extends GuestPlan, R extends GuestResult>(
  ctx: TaskContext,
  args: A,
  apply: ApplyEach<A, G, P, R>,
  active: GuestWork<G, P, R>[],
): Promise<void> {
  const limit = pLimit(Math.max(1, apply.parallel?.(args) ?? 1));
  const settled = await Promise.allSettled(
    active
      .filter((w) => w.plan.changes.length > 0)
      .map((w) =>
        limit(async () => {
          const r = w.report;
          r.changes = [];
          try {
            await apply.each(ctx, args, w);
          } catch (e) {
            if (!(e instanceof TaskError)) throw e;
            r.failed = true;
            r.msg = e.reason;
          } finally {
            // What it did counts, also when it then failed (a restart whose start failed did shut down).
            r.changed = (r.changes ?? []).length > 0;
          }
        }),
      ),
  );
  // What fails the host (the connection lost, ...) is thrown once every guest's apply has ended.
  const hostFailure = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (hostFailure) throw hostFailure.reason;
}
