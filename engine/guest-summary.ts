/**
 * A task's result from its per-guest results: the one summary line ("2 of 3 guest(s) changed,
 * 1 failed: ...") and result shape of every module that reports guests (the editing modules,
 * domain_state, virtio_bootstrap, device_names_check), and of the runner when it settles held
 * writes. A module says what is its own (a headline that counts what it is for, extra clauses,
 * its own result keys); the counting, the order of the clauses and the shape are the engine's.
 */
import type { DiffEntry, GuestResult, ModuleResult } from './module.js';

export interface SummaryOptions {
  check: boolean;
  /** Replaces the first clause ("N of M guest(s) changed"), e.g. "1 of 2 guest(s) boot from virtio". */
  headline?: string;
  /** Clauses of the module's own, after the headline (e.g. "1 waiting for the driver"). */
  clauses?: string[];
}

export function guestSummary(guests: readonly GuestResult[], opts: SummaryOptions): string {
  const failed = guests.filter((r) => r.failed);
  const changed = guests.filter((r) => r.changed);
  const pending = guests.filter((r) => r.pending);
  const skipped = guests.filter((r) => r.skipped);
  return [
    opts.headline ?? `${changed.length} of ${guests.length} guest(s) ${opts.check ? 'would change' : 'changed'}`,
    ...(opts.clauses ?? []),
    pending.length ? `${pending.length} pending until the next boot` : '',
    skipped.length ? `${skipped.length} skipped` : '',
    failed.length ? `${failed.length} failed: ${failed.map((f) => `${f.guest}: ${f.msg}`).join('; ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

export interface GuestsResultOptions extends SummaryOptions {
  /** Ansible's diff entries (shown under --diff). */
  diff?: DiffEntry[];
  /** Result keys of the module's own, kept in register and --json. */
  data?: Record<string, unknown>;
}

/**
 * The task's result: changed when a guest changed (a guest that failed after changing something
 * counts: its change happened), the summary, `guests`. Failed guests fail alone, so the result
 * itself never fails here: a module throws for what fails the whole host.
 */
export function guestsResult(guests: readonly GuestResult[], opts: GuestsResultOptions): ModuleResult {
  const result: ModuleResult = { ...opts.data, changed: guests.some((g) => g.changed), msg: guestSummary(guests, opts), guests };
  if (opts.diff !== undefined && opts.diff.length > 0) result.diff = opts.diff;
  return result;
}
