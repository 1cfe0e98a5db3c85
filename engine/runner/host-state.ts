/** Everything the runner keeps about one host for the whole run. */
import type { Connection } from '../connection/types.js';
import type { FailedGuest } from '../report/reporter.js';
import type { HostStats, Vars } from '../types.js';

export interface HostState {
  name: string;
  /** Inventory vars by precedence (group all < groups < host). */
  inventoryVars: Vars;
  /** Registered results and set facts, for later tasks. */
  registered: Vars;
  facts: Map<string, unknown>;
  conn?: Connection;
  /** Set once the host failed (without ignore_errors) or was unreachable: no more tasks run. */
  failed: boolean;
  unreachable: boolean;
  /** Guests that failed a task (not ignored), by name: left out of every later task of the run. */
  failedGuests: Map<string, FailedGuest>;
  /** Handlers notified in the current play. */
  notified: Set<string>;
  stats: HostStats;
}

export function newHostState(name: string, inventoryVars: Vars): HostState {
  return {
    name,
    inventoryVars,
    registered: {},
    facts: new Map(),
    failed: false,
    unreachable: false,
    failedGuests: new Map(),
    notified: new Set(),
    stats: { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
  };
}

/** Ansible's precedence, lowest first: inventory < play vars < task vars < registered < extra vars. */
export function taskVars(h: HostState, playVars: Vars, extraVars: Vars, taskLevel: Vars = {}): Vars {
  return { ...h.inventoryVars, ...playVars, ...taskLevel, ...h.registered, ...extraVars };
}
