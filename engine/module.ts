/**
 * The module contract. A module is data (name, schema, capabilities) plus one run() function.
 * Modules whose unit is the guest are built with guestTask (guest-task.ts): they give a plan per
 * guest and an apply step, and the engine's run() owns the check gate, --diff, per-guest failures
 * and the summary. The engine validates arguments against the module's schema
 * (schemas/modules/<name>.schema.json) before anything connects.
 *
 * Held writes: a module that says so (holdsWrites) may, when the runner offers it (ctx.hold),
 * plan on the state earlier tasks will have made and hand its writes to a per-host holder
 * instead of applying them; the runner flushes every host's holders at once before a task that
 * needs the real state, and at the end of each section. So consecutive editing tasks cost one
 * write per host. See engine/runner/held-writes.ts.
 */
import type { Connection } from './connection/types.js';
import type { Vars } from './types.js';

/** A source of facts about a host, gathered at most once per host per run and cached. */
export interface FactSource<F> {
  readonly id: string;
  gather(ctx: FactContext): Promise<F>;
}

export interface FactContext {
  host: string;
  vars: Vars;
  conn: Connection;
}

/** Ansible's diff shape. */
export interface DiffEntry {
  before: string;
  after: string;
  before_header?: string;
  after_header?: string;
}

/**
 * One guest's part of a task's result (`result.guests`). Guests are the unit of failure inside a
 * host, as hosts are in a play: a guest that fails a task (failed, with msg) is reported and left
 * out of the rest of the run (TaskContext.failedGuests); the host and its other guests go on. A
 * guest the task does not apply to is skipped with its reason (skipped, msg), not failed.
 * A module sets its result's own `failed` only for what fails the whole host.
 */
export interface GuestResult {
  guest: string;
  changed: boolean;
  /** One line per change, e.g. "interface 52:54:00:aa:bb:cc: model e1000 -> virtio". */
  changes?: string[];
  failed?: boolean;
  skipped?: boolean;
  /** The change takes effect at the guest's next boot. */
  pending?: boolean;
  msg?: string;
}

export interface ModuleResult {
  changed: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  diff?: DiffEntry[];
  warnings?: string[];
  /** Module-specific data, kept in register and --json (e.g. per-guest changes). */
  [key: string]: unknown;
}

export interface TaskContext {
  host: string;
  /** All variables visible to the task on this host, already merged by precedence. */
  vars: Vars;
  conn: Connection;
  /** Plan only: never change anything. */
  check: boolean;
  /** Produce DiffEntry items for what changes (or would change). */
  diff: boolean;
  verbosity: number;
  /** Local folder of this run (backups, logs), created on first use. */
  runDir: string;
  /** Facts for this host from a source, gathered once per run and cached. */
  facts<F>(source: FactSource<F>): Promise<F>;
  /** Replace the cached facts after a change, so later tasks need not gather again. */
  setFacts<F>(source: FactSource<F>, value: F): void;
  /** Forget cached facts (next facts() call gathers again). */
  invalidateFacts(source: FactSource<unknown>): void;
  warn(message: string): void;
  /**
   * Guests of this host that failed an earlier task of the run: modules leave them out (the
   * engine's equivalent of a failed host leaving the play). Absent outside the runner.
   */
  failedGuests?: ReadonlySet<string>;
  /** Present when the module may hold its writes (see HeldWrites); absent: apply them now. */
  hold?: WriteHold;
  /** Debug output, shown at verbosity >= level. */
  log(message: string, level?: number): void;
  /**
   * What one guest's work is doing now (e.g. "waiting for its first boot from vda"): shown live
   * under the host on a terminal, at -vv in plain output; not kept in the result.
   */
  progress?(guest: string, text: string): void;
}

/** A failure found when held writes were flushed: the guest whose write failed, and which task's changes it carried. */
export interface HeldFailure {
  /** The hold token of the task whose changes the failed write carried (WriteHold.token). */
  token: number;
  guest: string;
  msg: string;
}

/** Writes of one host held back by a module family until the runner flushes them. */
export interface HeldWrites {
  /** Tokens of the tasks whose changes are held. */
  readonly tokens: ReadonlySet<number>;
  /**
   * Makes every held write (each guest's as one transaction: backup, write, read-back, verify,
   * restore on failure) and returns the guests whose write failed, once per task that carried
   * changes for them. Throws for what fails the whole host (a lost connection). Empty afterwards.
   */
  flush(): Promise<HeldFailure[]>;
}

/** What the runner offers a task that may hold its writes. */
export interface WriteHold {
  /** This task's token: held failures name it. */
  token: number;
  /** The host's holder for `key` (one per module family), made by `create` on first use. */
  holder<H extends HeldWrites>(key: string, create: () => H): H;
}

export interface ModuleDef<A = Vars> {
  name: string;
  /** One line, shown in --list-tasks and by unknown-module errors. */
  description: string;
  /** Under --check: 'plan' = the module runs and only plans; 'none' = skipped, as Ansible does. */
  checkMode: 'plan' | 'none';
  /**
   * Whether, with these (rendered) arguments, the module can hold its writes when offered
   * (ctx.hold). A module without it never holds: the runner flushes the host's held writes
   * before it runs, so it sees the real state.
   */
  holdsWrites?(args: A): boolean;
  run(ctx: TaskContext, args: A): Promise<ModuleResult>;
}
