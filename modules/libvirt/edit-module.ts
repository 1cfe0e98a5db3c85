/**
 * The shape shared by every module that edits guest definitions (virtio_nic, virtio_disk,
 * boot_disk, cdrom): read facts once per host, plan per guest on the parsed inactive XML (pure),
 * then in check mode report, else apply all guests of the host as one batch of transactions
 * (or, when the runner offers it, hold them for one batch with the next editing tasks':
 * held-defines.ts), report pending changes of running guests, and restart them when the task
 * asks (if_needed).
 * A module may refuse single guests (check): a refused guest is a per-guest failure (not defined,
 * not counted changed, no diff); the task's other guests are planned and applied as usual. A plan
 * that throws fails its guest alone; one that throws GuestSkip skips it with the reason (the task
 * does not apply to that guest, e.g. no disk to boot from). Failed guests leave the run, the host
 * goes on (engine/module.ts GuestResult).
 */
import { TaskError, VirtplayError } from '../../engine/errors.js';
import { guestsResult } from '../../engine/guest-summary.js';
import type { DiffEntry, GuestResult, ModuleDef, TaskContext } from '../../engine/module.js';
import { defineGuests } from './define-guests.js';
import { HELD_DEFINES, HeldDefines } from './held-defines.js';
import { Domain } from './domain/index.js';
import { definedDomain, inactiveDomain, liveDomain, predictedFacts, rememberParsed } from './parsed.js';
import { libvirtFacts, type GuestFacts, type LibvirtFacts } from './facts.js';
import { shutdownGuest, startGuest } from './power.js';
import { selectGuests, type GuestSelector } from './select-guests.js';

export interface EditArgs extends GuestSelector {
  /** What to do with running guests whose definition now differs from what runs. */
  restart?: 'never' | 'if_needed';
  shutdown_timeout?: number;
  force?: boolean;
}

export interface GuestReport extends GuestResult {
  changes: string[];
  restarted?: boolean;
}

/** Thrown by a plan: the task does not apply to this guest (the message says why); it is skipped, not failed. */
export class GuestSkip extends Error {}

/** A module's verdict on one guest whose plan has changes: refuse it (the reason), or warn. */
export interface GuestCheck {
  refuse?: string;
  warning?: string;
}

export interface EditSpec<A extends EditArgs> {
  name: string;
  description: string;
  /** Mutates the domain toward the declared state; returns one line per change (empty: nothing to do). */
  plan(dom: Domain, args: A, guest: GuestFacts): string[];
  /**
   * Why a guest whose plan has no changes needs none (pyinfra's noop with a reason), read on its
   * unchanged definition: shown per guest at -v, kept in the result's guests (msg).
   */
  upToDate(dom: Domain, args: A, guest: GuestFacts): string;
  /**
   * Called only when the plan has changes, with the definition before and after them: whether
   * this guest may get them. A refusal fails this guest alone. Read both, edit neither: `before`
   * is the guest's shared cached tree.
   */
  check?(before: Domain, after: Domain, args: A, guest: GuestFacts): GuestCheck;
}

export function editModule<A extends EditArgs>(spec: EditSpec<A>): ModuleDef<A> {
  return {
    name: spec.name,
    description: spec.description,
    checkMode: 'plan',
    // A restart needs the definition written first; otherwise the define can wait for the next tasks'.
    holdsWrites: (args) => args.restart !== 'if_needed',
    async run(ctx, args) {
      const facts = await ctx.facts(libvirtFacts);
      const guests = selectGuests(facts, args, ctx.failedGuests);
      const plans = guests.map((g) => planGuest(spec, g, args));
      for (const p of plans) if (p.warning !== undefined) ctx.warn(`${p.guest.name}: ${p.warning}`);
      const reports: GuestReport[] = plans.map((p) =>
        p.refused !== undefined
          ? { guest: p.guest.name, changed: false, changes: [], failed: true, msg: p.refused }
          : p.skipped !== undefined
            ? { guest: p.guest.name, changed: false, changes: [], skipped: true, msg: p.skipped }
            : { guest: p.guest.name, changed: p.changes.length > 0, changes: p.changes, ...(p.unchanged !== undefined ? { msg: p.unchanged } : {}) },
      );
      const diff: DiffEntry[] = ctx.diff
        ? plans.flatMap((p) =>
            p.newXml === undefined
              ? []
              : // Both sides through the same serializer: the diff shows changes, not quote styles.
                [
                  {
                    before: definedDomain(p.guest).toXml(),
                    after: p.newXml(),
                    before_header: `${ctx.host}: ${p.guest.name} (defined)`,
                    after_header: `${ctx.host}: ${p.guest.name} (planned)`,
                  },
                ],
          )
        : [];

      if (ctx.check) predictPlans(ctx, facts, plans);
      else if (ctx.hold) holdPlans(ctx, facts, spec, args, plans);
      else await applyPlans(ctx, facts, spec, args, plans, reports);
      // Pending: a running guest whose definition (now) says something its live config does not.
      plans.forEach((p, i) => {
        const r = reports[i]!;
        if (!r.failed && p.guest.liveXml !== undefined && (r.changed || p.livePending)) r.pending = true;
      });
      if (!ctx.check && args.restart === 'if_needed') await restartPending(ctx, facts, args, plans, reports);

      return guestsResult(reports, { check: ctx.check, diff });
    },
  };
}

export interface GuestPlan {
  guest: GuestFacts;
  /** The changes planned (a refused guest's changes, never applied: for messages only). */
  changes: string[];
  /** The module refused this guest, or its plan failed: why. It has no planned definition. */
  refused?: string;
  /** The task does not apply to this guest: why. */
  skipped?: string;
  /** Nothing to change: why (EditSpec.upToDate). */
  unchanged?: string;
  warning?: string;
  /** The planned definition (when there are changes), serialized on demand. */
  dom?: Domain;
  newXml?: () => string;
  /** The live configuration still lacks the declared state (even when the definition has it). */
  livePending: boolean;
}

/** One guest's plan (pure: no I/O), exported for tests. */
export function planGuest<A extends EditArgs>(spec: EditSpec<A>, g: GuestFacts, args: A): GuestPlan {
  const dom = inactiveDomain(g);
  let changes: string[];
  try {
    changes = spec.plan(dom, args, g);
  } catch (e) {
    // One guest's definition the module cannot handle fails (or skips) that guest, not the host.
    if (e instanceof GuestSkip) return { guest: g, changes: [], skipped: e.message, livePending: false };
    if (e instanceof VirtplayError) return { guest: g, changes: [], refused: e instanceof TaskError ? e.reason : e.message, livePending: false };
    throw e;
  }
  const verdict = changes.length > 0 && spec.check ? spec.check(definedDomain(g), dom, args, g) : {};
  const warning = verdict.warning !== undefined ? { warning: verdict.warning } : {};
  if (verdict.refuse !== undefined) return { guest: g, changes, refused: verdict.refuse, livePending: false, ...warning };
  const live = liveDomain(g);
  const livePending = live !== undefined && spec.plan(live, args, g).length > 0;
  if (changes.length === 0) return { guest: g, changes, livePending, unchanged: spec.upToDate(dom, args, g) };
  let xml: string | undefined;
  return { guest: g, changes, livePending, dom, newXml: () => (xml ??= dom.toXml()), ...warning };
}

async function applyPlans<A extends EditArgs>(
  ctx: TaskContext,
  facts: LibvirtFacts,
  spec: EditSpec<A>,
  args: A,
  plans: GuestPlan[],
  reports: GuestReport[],
): Promise<void> {
  const todo = plans.map((p, i) => ({ p, r: reports[i]! })).filter(({ p }) => p.newXml !== undefined);
  if (todo.length === 0) return;
  const verified = new Map<GuestFacts, Domain>();
  const outcomes = await defineGuests(
    ctx,
    facts.uri,
    todo.map(({ p }) => ({
      guest: p.guest,
      newXml: p.newXml!(),
      // Everything asked for holds when planning again on what libvirt kept finds nothing to do.
      verify: (readBack) => {
        const dom = Domain.parse(readBack, { validate: false });
        const left = spec.plan(dom, args, p.guest);
        if (left.length === 0) verified.set(p.guest, dom); // untouched by the plan: reusable
        return left.map((c) => `still to do: ${c}`);
      },
    })),
  );
  outcomes.forEach((o, i) => {
    const { p, r } = todo[i]!;
    // Keep the cached facts true for the following tasks: no second gather, no second parse.
    const next: GuestFacts = { ...p.guest, inactiveXml: o.xml };
    const dom = verified.get(p.guest);
    facts.guests.set(p.guest.name, o.ok && dom ? rememberParsed(next, dom) : next);
    if (!o.ok) {
      r.failed = true;
      r.changed = false;
      r.msg = o.error;
    }
  });
  ctx.setFacts(libvirtFacts, facts);
}

/**
 * Held writes (engine/module.ts): the planned definitions go to the host's HeldDefines and the
 * following tasks plan on them, as in check mode; the runner defines them all at once later and
 * reports a failed define on every task whose changes it carried.
 */
function holdPlans<A extends EditArgs>(ctx: TaskContext, facts: LibvirtFacts, spec: EditSpec<A>, args: A, plans: GuestPlan[]): void {
  const hold = ctx.hold!;
  const held = hold.holder(HELD_DEFINES, () => new HeldDefines(ctx, facts));
  for (const p of plans) if (p.dom !== undefined) held.add(p.guest, p.dom, { token: hold.token, leftover: (dom) => spec.plan(dom, args, p.guest) });
  predictPlans(ctx, facts, plans);
}

/**
 * Check mode: the following tasks of this run plan on the definitions this task would have
 * made (nothing is written anywhere but the run's fact cache), so a playbook of dependent tasks
 * (virtio_disk, then boot_disk from vda) shows under --check exactly what a real run does.
 */
function predictPlans(ctx: TaskContext, facts: LibvirtFacts, plans: GuestPlan[]): void {
  const predicted = plans.filter((p) => p.dom !== undefined);
  if (predicted.length === 0) return;
  for (const p of predicted) facts.guests.set(p.guest.name, predictedFacts(p.guest, p.dom!));
  ctx.setFacts(libvirtFacts, facts);
}

async function restartPending(ctx: TaskContext, facts: LibvirtFacts, args: EditArgs, plans: GuestPlan[], reports: GuestReport[]): Promise<void> {
  for (const [i, r] of reports.entries()) {
    if (!r.pending || r.failed) continue;
    const g = plans[i]!.guest;
    try {
      await shutdownGuest(ctx, facts.uri, g, { timeoutSec: args.shutdown_timeout ?? 120, force: args.force ?? false });
      await startGuest(ctx, facts.uri, g);
      r.restarted = true;
      r.pending = false;
      r.changed = true;
      r.changes.push('restarted to apply the new definition');
    } catch (e) {
      r.failed = true;
      r.msg = (e as Error).message;
    }
  }
  // Live XML changed: gather again when a later task needs it.
  if (reports.some((r) => r.restarted)) ctx.invalidateFacts(libvirtFacts);
}
