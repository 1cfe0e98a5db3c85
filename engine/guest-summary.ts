/**
 * The one-line summary of a task's per-guest results ("2 of 3 guest(s) changed, 1 failed: ..."),
 * shared by the modules that report guests and by the runner when it settles held writes.
 */
import type { GuestResult } from './module.js';

export function guestSummary(guests: readonly GuestResult[], check: boolean): string {
  const failed = guests.filter((r) => r.failed);
  const changed = guests.filter((r) => r.changed);
  const pending = guests.filter((r) => r.pending);
  const skipped = guests.filter((r) => r.skipped);
  return [
    `${changed.length} of ${guests.length} guest(s) ${check ? 'would change' : 'changed'}`,
    pending.length ? `${pending.length} pending until the next boot` : '',
    skipped.length ? `${skipped.length} skipped` : '',
    failed.length ? `${failed.length} failed: ${failed.map((f) => `${f.guest}: ${f.msg}`).join('; ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}
