/**
 * The definitions that editing tasks hold back for one host (engine/module.ts HeldWrites): each
 * guest's latest planned definition and, per task, how to check that libvirt kept its changes.
 * A flush defines them all through defineGuests (backup of the definition the first task planned
 * on, one define command with its stale checks, read-back, verify, restore on failure) and leaves
 * the fact cache on what libvirt now holds.
 */
import type { HeldFailure, HeldWrites, TaskContext } from '../../engine/module.js';
import { defineGuests } from './define-guests.js';
import { Domain } from './domain/index.js';
import { libvirtFacts, type GuestFacts, type LibvirtFacts } from './facts.js';
import { rememberParsed } from './parsed.js';

/** One task's changes to a guest: its plan, to run again on what libvirt kept. */
export interface HeldCheck {
  token: number;
  /** The task's plan on a copy of a definition: the changes it still finds (empty: all there). */
  leftover(dom: Domain): string[];
}

interface HeldGuest {
  /** The facts the first task planned on: what the host holds until the flush. */
  original: GuestFacts;
  /** The latest planned definition. */
  dom: Domain;
  checks: HeldCheck[];
}

export const HELD_DEFINES = 'libvirt-define';

export class HeldDefines implements HeldWrites {
  private readonly guests = new Map<string, HeldGuest>();

  /** ctx: the first holding task's context (its connection, run folder, log); facts: the host's cache. */
  constructor(
    private readonly ctx: TaskContext,
    private readonly facts: LibvirtFacts,
  ) {}

  get tokens(): ReadonlySet<number> {
    return new Set([...this.guests.values()].flatMap((g) => g.checks.map((c) => c.token)));
  }

  /** A task's planned definition of a guest; `current` is what the task planned on. */
  add(current: GuestFacts, dom: Domain, check: HeldCheck): void {
    const g = this.guests.get(current.name);
    if (g) {
      g.dom = dom;
      g.checks.push(check);
    } else {
      this.guests.set(current.name, { original: current, dom, checks: [check] });
    }
  }

  async flush(): Promise<HeldFailure[]> {
    const guests = [...this.guests.values()];
    this.guests.clear();
    if (guests.length === 0) return [];
    const verified = new Map<string, Domain>();
    const outcomes = await defineGuests(
      this.ctx,
      this.facts.uri,
      guests.map((g) => ({
        guest: g.original,
        newXml: g.dom.toXml(),
        // Each task's changes hold when its plan finds on the read-back no more than it finds on
        // the definition sent (a later task may undo an earlier one's change, as when applied one
        // by one).
        verify: (readBack) => {
          const back = Domain.parse(readBack, { validate: false });
          const problems = g.checks.flatMap((c) => {
            const sent = new Set(c.leftover(g.dom.clone()));
            return c.leftover(back.clone()).filter((x) => !sent.has(x));
          });
          if (problems.length === 0) verified.set(g.original.name, back);
          return problems.map((c) => `still to do: ${c}`);
        },
      })),
    );
    const failures: HeldFailure[] = [];
    outcomes.forEach((o, i) => {
      const g = guests[i]!;
      const next: GuestFacts = { ...g.original, inactiveXml: o.xml };
      const dom = verified.get(g.original.name);
      this.facts.guests.set(g.original.name, o.ok && dom ? rememberParsed(next, dom) : next);
      if (!o.ok)
        for (const token of new Set(g.checks.map((c) => c.token))) failures.push({ token, guest: g.original.name, msg: o.error ?? 'the define failed' });
    });
    this.ctx.setFacts(libvirtFacts, this.facts);
    return failures;
  }
}
