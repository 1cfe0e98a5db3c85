/**
 * The shape shared by every module that edits guest definitions (virtio_nic, virtio_disk,
 * boot_disk, cdrom, virtio_rng), on the engine's guest-task contract (engine/guest-task.ts owns
 * the check gate, --diff, per-guest failures and the summary): read facts once per host, plan
 * per guest on the parsed inactive XML (pure); apply all guests of the host as one batch of
 * transactions (or, when the runner offers it, hold them for one batch with the next editing
 * tasks': held-defines.ts), report pending changes of running guests, and restart them when the
 * task asks (if_needed); under --check, predict the definitions for the run's later tasks.
 * A module may refuse single guests (check): a refused guest is a per-guest failure (not defined,
 * not counted changed, no diff); the task's other guests are planned and applied as usual. A plan
 * that throws fails its guest alone; one that throws GuestSkip skips it with the reason (the task
 * does not apply to that guest, e.g. no disk to boot from). Failed guests leave the run, the host
 * goes on (engine/module.ts GuestResult).
 */
import { changeLine, type Change } from '../../engine/change.js';
import { guestTask, settlePlan, type GuestPlan, type GuestWork } from '../../engine/guest-task.js';
import type { GuestResult, ModuleDef, TaskContext } from '../../engine/module.js';
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
  /** The definition changes as data (engine/change.ts), one per line they give `changes` (a restart's line comes after). */
  planned?: Change[];
  restarted?: boolean;
}

/** A module's verdict on one guest whose plan has changes: refuse it (the reason), or warn. */
export interface GuestCheck {
  refuse?: string;
  warning?: string;
}

export interface EditSpec<A extends EditArgs> {
  name: string;
  description: string;
  /**
   * Mutates the domain toward the declared state; returns what it changed (engine/change.ts; empty:
   * nothing to do). Throws GuestSkip when the task does not apply to the guest, a TaskError when it cannot
   * handle its definition (that guest fails alone).
   */
  plan(dom: Domain, args: A, guest: GuestFacts): Change[];
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

/** One guest's plan on its inactive definition (engine/guest-task.ts GuestPlan). */
export interface EditPlan extends GuestPlan {
  /** The changes as data; `changes` holds their lines. */
  planned?: Change[];
  /** The planned definition (when there are changes), serialized on demand. */
  dom?: Domain;
  newXml?: () => string;
  /** The live configuration still lacks the declared state (even when the definition has it). */
  livePending?: boolean;
}

type EditWork = GuestWork<GuestFacts, EditPlan, GuestReport>;

export function editModule<A extends EditArgs>(spec: EditSpec<A>): ModuleDef<A> {
  return guestTask<A, GuestFacts, EditPlan, GuestReport>({
    name: spec.name,
    description: spec.description,
    // A restart needs the definition written first; otherwise the define can wait for the next tasks'.
    holdsWrites: (args) => args.restart !== 'if_needed',
    async guests(ctx, args) {
      return selectGuests(await ctx.facts(libvirtFacts), args, ctx.failedGuests);
    },
    plan(ctx, g, args) {
      const p = planGuest(spec, g, args);
      const after = p.newXml;
      if (after === undefined) return p;
      // Both sides through the same serializer: the diff shows changes, not quote styles.
      const diff = () => [
        {
          before: definedDomain(g).toXml(),
          after: after(),
          before_header: `${ctx.host}: ${g.name} (defined)`,
          after_header: `${ctx.host}: ${g.name} (planned)`,
        },
      ];
      return { ...p, diff };
    },
    report: (g, p) => ({ guest: g.name, changed: false, changes: [], ...(p.planned?.length && p.refuse === undefined ? { planned: p.planned } : {}) }),
    apply: {
      async all(ctx, args, work) {
        const facts = await ctx.facts(libvirtFacts);
        if (ctx.hold) holdPlans(ctx, facts, spec, args, work);
        else await applyPlans(ctx, facts, spec, args, work);
        markPending(work);
        if (args.restart === 'if_needed') await restartPending(ctx, facts, args, work);
      },
    },
    async preview(ctx, _args, work) {
      predictPlans(ctx, await ctx.facts(libvirtFacts), work);
      markPending(work);
    },
  });
}

/** One guest's plan (pure: no I/O), exported for tests: a plan that throws is settled as the engine does (skip, refusal). */
export function planGuest<A extends EditArgs>(spec: EditSpec<A>, g: GuestFacts, args: A): EditPlan {
  return settlePlan((): EditPlan => {
    const dom = inactiveDomain(g);
    const planned = spec.plan(dom, args, g);
    const changes = planned.map(changeLine);
    const verdict = changes.length > 0 && spec.check ? spec.check(definedDomain(g), dom, args, g) : {};
    const warning = verdict.warning !== undefined ? { warning: verdict.warning } : {};
    if (verdict.refuse !== undefined) return { changes, refuse: verdict.refuse, livePending: false, ...warning };
    const live = liveDomain(g);
    const livePending = live !== undefined && spec.plan(live, args, g).length > 0;
    if (changes.length === 0) return { changes, livePending, upToDate: spec.upToDate(dom, args, g) };
    let xml: string | undefined;
    return { changes, planned, livePending, dom, newXml: () => (xml ??= dom.toXml()), ...warning };
  });
}

/** Pending: a running guest whose definition (now) says something its live config does not. */
function markPending(work: EditWork[]): void {
  for (const { guest, plan, report: r } of work) if (!r.failed && guest.liveXml !== undefined && (r.changed || plan.livePending)) r.pending = true;
}

async function applyPlans<A extends EditArgs>(ctx: TaskContext, facts: LibvirtFacts, spec: EditSpec<A>, args: A, work: EditWork[]): Promise<void> {
  const todo = work.filter((w) => w.plan.newXml !== undefined);
  if (todo.length === 0) return;
  const verified = new Map<GuestFacts, Domain>();
  const outcomes = await defineGuests(
    ctx,
    facts.uri,
    todo.map(({ guest, plan }) => ({
      guest,
      newXml: plan.newXml!(),
      // Everything asked for holds when planning again on what libvirt kept finds nothing to do.
      verify: (readBack) => {
        const dom = Domain.parse(readBack, { validate: false });
        const left = spec.plan(dom, args, guest);
        if (left.length === 0) verified.set(guest, dom); // untouched by the plan: reusable
        return left.map((c) => `still to do: ${changeLine(c)}`);
      },
    })),
  );
  outcomes.forEach((o, i) => {
    const { guest, report: r } = todo[i]!;
    // Keep the cached facts true for the following tasks: no second gather, no second parse.
    const next: GuestFacts = { ...guest, inactiveXml: o.xml };
    const dom = verified.get(guest);
    facts.guests.set(guest.name, o.ok && dom ? rememberParsed(next, dom) : next);
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
function holdPlans<A extends EditArgs>(ctx: TaskContext, facts: LibvirtFacts, spec: EditSpec<A>, args: A, work: EditWork[]): void {
  const hold = ctx.hold!;
  const held = hold.holder(HELD_DEFINES, () => new HeldDefines(ctx, facts));
  for (const { guest, plan } of work)
    if (plan.dom !== undefined) held.add(guest, plan.dom, { token: hold.token, leftover: (dom) => spec.plan(dom, args, guest).map(changeLine) });
  predictPlans(ctx, facts, work);
}

/**
 * Check mode: the following tasks of this run plan on the definitions this task would have
 * made (nothing is written anywhere but the run's fact cache), so a playbook of dependent tasks
 * (virtio_disk, then boot_disk from vda) shows under --check exactly what a real run does.
 */
function predictPlans(ctx: TaskContext, facts: LibvirtFacts, work: EditWork[]): void {
  const predicted = work.filter((w) => w.plan.dom !== undefined);
  if (predicted.length === 0) return;
  for (const { guest, plan } of predicted) facts.guests.set(guest.name, predictedFacts(guest, plan.dom!));
  ctx.setFacts(libvirtFacts, facts);
}

async function restartPending(ctx: TaskContext, facts: LibvirtFacts, args: EditArgs, work: EditWork[]): Promise<void> {
  for (const { guest, report: r } of work) {
    if (!r.pending || r.failed) continue;
    try {
      await shutdownGuest(ctx, facts.uri, guest, { timeoutSec: args.shutdown_timeout ?? 120, force: args.force ?? false });
      await startGuest(ctx, facts.uri, guest);
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
  if (work.some((w) => w.report.restarted)) ctx.invalidateFacts(libvirtFacts);
}
