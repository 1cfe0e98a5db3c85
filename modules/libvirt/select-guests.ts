/** Which guests of a host a task means: names and globs (default every guest), minus exclusions. */
import { TaskError } from '../../engine/errors.js';
import { globMatch, isGlob } from '../../engine/glob.js';
import type { GuestFacts, LibvirtFacts } from './facts.js';

export interface GuestSelector {
  /** Guest names or globs; a string is one pattern. Default: every guest; an empty list: none. */
  guests?: string | string[];
  /** Guest names or globs to leave alone. */
  exclude?: string | string[];
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The guests a task means, in the host's order. `failed`: guests that failed an earlier task of
 * the run (TaskContext.failedGuests): left out, even when named.
 */
export function selectGuests(facts: LibvirtFacts, sel: GuestSelector, failed?: ReadonlySet<string>): GuestFacts[] {
  const want = list(sel.guests);
  const exclude = list(sel.exclude);
  // A plain name (not a glob) that is not on the host is an error: the user meant a real guest.
  const missing = want.filter((p) => !isGlob(p) && !facts.guests.has(p));
  if (missing.length > 0) {
    const known = [...facts.guests.keys()];
    throw new TaskError(
      `no guest named ${missing.map((m) => JSON.stringify(m)).join(', ')} on this host (libvirt ${facts.uri}; guests: ${known.length ? known.join(', ') : 'none'})`,
    );
  }
  return [...facts.guests.values()].filter(
    (g) => !failed?.has(g.name) && (sel.guests === undefined || want.some((p) => globMatch(p, g.name))) && !exclude.some((p) => globMatch(p, g.name)),
  );
}
