/** A whole run: plays in order over the inventory, one connection per host, the summary. */
import { EXIT } from '../errors.js';
import type { ModuleDef } from '../module.js';
import type { Reporter, RunSummary } from '../report/reporter.js';
import type { Inventory, Play, Playbook, Vars } from '../types.js';
import { hostVars } from '../inventory/host-vars.js';
import { selectHosts } from '../inventory/patterns.js';
import { newHostState, type HostState } from './host-state.js';
import { LazyConnection } from './lazy-connection.js';
import { runPlay } from './run-play.js';
import { playPattern } from './play-text.js';
import type { TagFilter } from './tags.js';
import type { Connection } from '../connection/types.js';

export interface RunOptions {
  inventory: Inventory;
  playbook: Playbook;
  /** Hosts allowed by --limit (undefined: all). */
  limitHosts?: Set<string>;
  forks: number;
  check: boolean;
  diff: boolean;
  verbosity: number;
  extraVars: Vars;
  tags: TagFilter;
  modules: Map<string, ModuleDef>;
  reporter: Reporter;
  runDir: string;
  /** Opens the transport of a host from its vars (templated by the caller's connector). */
  connect(host: string, vars: Vars): Promise<Connection>;
  signal?: AbortSignal;
}

export async function runPlaybook(o: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const states = new Map<string, HostState>();
  const conns = new Map<string, LazyConnection>();
  const stateOf = (name: string) => {
    let s = states.get(name);
    if (!s) {
      s = newHostState(name, hostVars(o.inventory, name));
      states.set(name, s);
    }
    return s;
  };
  // One connection per host (and per transport, when a play's connection keyword picks another);
  // the host's own ansible_connection wins over the keyword, as in Ansible.
  const connection = (h: HostState, play?: Play) => {
    const key = play?.connection === undefined ? h.name : `${h.name}\0${play.connection}`;
    let c = conns.get(key);
    if (!c) {
      const keyword = play?.connection === undefined ? {} : { ansible_connection: play.connection };
      c = new LazyConnection(h.name, () => o.connect(h.name, { ...keyword, ...h.inventoryVars, ...o.extraVars }));
      conns.set(key, c);
    }
    return c;
  };
  // The groups magic variable: each group's hosts (children included), in inventory order.
  const groups = Object.fromEntries([...o.inventory.groups.keys()].map((g) => [g, selectHosts(o.inventory, g)]));
  try {
    for (const play of o.playbook.plays) {
      if (o.signal?.aborted) break;
      const names = selectHosts(o.inventory, playPattern(play, o.extraVars)).filter((n) => !o.limitHosts || o.limitHosts.has(n));
      const hosts = names.map(stateOf).filter((h) => !h.failed && !h.unreachable);
      // A batch whose hosts all failed ends the run, as ansible-playbook's break_play.
      const end = await runPlay(play, hosts, {
        modules: o.modules,
        forks: o.forks,
        check: o.check,
        diff: o.diff,
        verbosity: o.verbosity,
        runDir: o.runDir,
        extraVars: o.extraVars,
        tags: o.tags,
        reporter: o.reporter,
        connection,
        signal: o.signal,
        groups,
      });
      if (end === 'stop') break;
    }
  } finally {
    await Promise.allSettled([...conns.values()].map((c) => c.close()));
  }
  const all = [...states.values()];
  const exitCode = o.signal?.aborted
    ? EXIT.INTERRUPTED
    : all.some((h) => h.unreachable)
      ? EXIT.HOST_UNREACHABLE
      : all.some((h) => h.failed || h.failedGuests.size > 0)
        ? EXIT.HOST_FAILED
        : EXIT.OK;
  return {
    stats: Object.fromEntries(all.map((h) => [h.name, h.stats])),
    failedGuests: Object.fromEntries(all.filter((h) => h.failedGuests.size > 0).map((h) => [h.name, [...h.failedGuests.values()]])),
    exitCode,
    durationMs: Date.now() - started,
    transport: transportStats(conns),
  };
}

/** Each host's transport counters (connections, commands, reconnects...), summed over its transports. */
function transportStats(conns: Map<string, LazyConnection>): RunSummary['transport'] {
  const out: Record<string, Record<string, number>> = {};
  for (const [key, c] of conns) {
    const t = (out[key.split('\0')[0]!] ??= {});
    for (const [k, v] of Object.entries(c.stats)) if (typeof v === 'number') t[k] = (t[k] ?? 0) + v;
  }
  return out as RunSummary['transport'];
}
