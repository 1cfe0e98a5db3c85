/**
 * Ansible's magic variables that a play's tasks see, above every other variable (Ansible merges
 * them last): the play's hosts, `groups`, check and diff mode, verbosity, the tags asked for,
 * the interpreter running the playbook (Node here), `hostvars` (each host's
 * variables, read when used), `omit` (an argument whose value is it is left out), and
 * `ansible_host` defaulting to the inventory name.
 */
import type { Play, Vars } from '../types.js';
import type { HostState } from './host-state.js';

/** Ansible's omit placeholder; one per run, as Ansible makes one per run. */
export const OMIT = `__omit_place_holder__${Math.random().toString(16).slice(2, 14)}`;

export interface MagicEnv {
  check: boolean;
  diff: boolean;
  verbosity: number;
  groups?: Record<string, string[]>;
  /** --tags and --skip-tags (ansible_run_tags, ansible_skip_tags). */
  tags?: { tags: string[]; skipTags: string[] };
}

/** The variables every host of one task shares, computed once per task. */
export function playMagic(play: Play, active: readonly HostState[], all: readonly HostState[], env: MagicEnv): Vars {
  const names = active.map((x) => x.name);
  return {
    ansible_play_name: play.name,
    ansible_play_hosts: names,
    ansible_play_batch: names,
    play_hosts: names,
    ansible_play_hosts_all: all.map((x) => x.name),
    ansible_check_mode: env.check,
    ansible_diff_mode: env.diff,
    ansible_verbosity: env.verbosity,
    ansible_run_tags: env.tags && env.tags.tags.length > 0 ? [...env.tags.tags] : ['all'],
    ansible_skip_tags: env.tags ? [...env.tags.skipTags] : [],
    // the interpreter running the playbook: for virtplay, Node's (README: deliberate differences)
    ansible_playbook_python: process.execPath,
    hostvars: hostVars(all),
    groups: env.groups ?? { all: all.map((x) => x.name) },
    omit: OMIT,
  };
}

/** One host's magic variables: the play's, and its ansible_host (the inventory name when not set). */
export function magicVars(h: HostState, shared: Vars): Vars {
  return { ...shared, ansible_host: h.inventoryVars.ansible_host ?? h.name };
}

/** hostvars[name]: that host's inventory variables and its registered results and facts. */
function hostVars(all: readonly HostState[]): Vars {
  const byName = new Map(all.map((x) => [x.name, x]));
  const view = (x: HostState): Vars => ({ ...x.inventoryVars, ansible_host: x.inventoryVars.ansible_host ?? x.name, ...x.registered });
  return new Proxy({} as Vars, {
    get: (_t, k) => (typeof k === 'string' && byName.has(k) ? view(byName.get(k)!) : undefined),
    has: (_t, k) => typeof k === 'string' && byName.has(k),
    ownKeys: () => [...byName.keys()],
    getOwnPropertyDescriptor: (_t, k) =>
      typeof k === 'string' && byName.has(k) ? { value: view(byName.get(k)!), enumerable: true, configurable: true, writable: false } : undefined,
  });
}

/** Arguments after templating: a key whose value is the omit placeholder is left out, at any depth. */
export function stripOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(stripOmitted);
  if (value === null || typeof value !== 'object') return value;
  const out: Vars = {};
  for (const [k, v] of Object.entries(value)) if (v !== OMIT) out[k] = stripOmitted(v);
  return out;
}
