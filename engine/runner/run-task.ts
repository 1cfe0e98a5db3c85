/** One task on one host: when, loop, templating, argument check, the module call, its result. */
import { UnreachableError, VirtplayError } from '../errors.js';
import type { GuestResult, ModuleDef, ModuleResult, TaskContext, FactSource, WriteHold } from '../module.js';
import type { TaskHostResult } from '../report/reporter.js';
import type { Reporter } from '../report/reporter.js';
import { evalCondition, renderValue } from '../template/render.js';
import { validateArgs } from '../playbook/validate-args.js';
import type { Task, Vars } from '../types.js';
import type { HostHolds } from './held-writes.js';
import type { HostState } from './host-state.js';
import type { LazyConnection } from './lazy-connection.js';
import { lazyVars } from './lazy-vars.js';
import { stripOmitted } from './magic-vars.js';

export interface TaskEnv {
  module: ModuleDef;
  check: boolean;
  diff: boolean;
  verbosity: number;
  runDir: string;
  reporter: Reporter;
  conn: LazyConnection;
  /** Where a guest's progress goes (TaskContext.progress). */
  progress?: (guest: string, text: string) => void;
  /** The task runs held (engine/runner/held-writes.ts): the host's holders and the task's token. */
  held?: { holds: HostHolds; token: number };
}

type Outcome = Omit<TaskHostResult, 'host' | 'durationMs' | 'check'>;

export async function runTaskOnHost(task: Task, h: HostState, rawVars: Vars, env: TaskEnv): Promise<TaskHostResult> {
  const vars = lazyVars(rawVars);
  const started = Date.now();
  const check = task.checkMode ?? env.check;
  const where = { task: task.name, pos: task.pos };
  let outcome: Outcome;
  try {
    if (task.loop === undefined) {
      outcome = await runOnce(task, h, vars, env, check);
    } else {
      const items = renderValue(task.loop, vars, where);
      if (!Array.isArray(items)) throw new VirtplayError(`loop of task '${task.name}' must be a list, got ${typeof items}`);
      const results: ModuleResult[] = [];
      for (const [index, item] of items.entries()) {
        const itemVars: Vars = {
          ...rawVars,
          [task.loopVar]: item,
          ansible_loop_var: task.loopVar,
          ...(task.indexVar ? { [task.indexVar]: index, ansible_index_var: task.indexVar } : {}),
        };
        // An item that fails does not stop the others (Ansible); an unreachable host does.
        const r = await runOnce(task, h, lazyVars(itemVars), env, check).catch((err) => {
          if (err instanceof UnreachableError) throw err;
          return errorOutcome(err, env.verbosity);
        });
        const shown = task.loopLabel === undefined ? {} : { _ansible_item_label: renderValue(task.loopLabel, lazyVars(itemVars), where) };
        results.push({
          ...r.result,
          item,
          [task.loopVar]: item,
          ansible_loop_var: task.loopVar,
          ...(task.indexVar ? { [task.indexVar]: index, ansible_index_var: task.indexVar } : {}),
          ...shown,
        });
      }
      outcome = aggregateLoop(results);
    }
  } catch (err) {
    outcome = errorOutcome(err, env.verbosity);
  }
  if (outcome.status === 'failed' && task.ignoreErrors) outcome.ignored = true;
  const failedGuests = guestFailures(outcome.result);
  if (failedGuests.length > 0) {
    outcome.failedGuests = failedGuests;
    if (task.ignoreErrors) outcome.ignored = true;
  }
  return { host: h.name, check, durationMs: Date.now() - started, ...outcome };
}

/** The guests a result (or its loop items' results) reports as failed, each once. */
function guestFailures(result: ModuleResult): GuestResult[] {
  const seen = new Map<string, GuestResult>();
  const collect = (r: unknown): void => {
    const guests = r && typeof r === 'object' ? (r as ModuleResult)['guests'] : undefined;
    if (!Array.isArray(guests)) return;
    for (const g of guests as GuestResult[]) if (g && typeof g.guest === 'string' && g.failed === true && !seen.has(g.guest)) seen.set(g.guest, g);
  };
  collect(result);
  if (Array.isArray(result['results'])) for (const r of result['results']) collect(r);
  return [...seen.values()];
}

async function runOnce(task: Task, h: HostState, vars: Vars, env: TaskEnv, check: boolean): Promise<Outcome> {
  const where = { task: task.name, pos: task.pos };
  if (task.when.length > 0 && !evalCondition(task.when, vars, where)) {
    return {
      status: 'skipped',
      result: { changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: task.when.join(' and ') },
    };
  }
  const args = stripOmitted(renderValue(task.args, vars, { task: task.name, pos: task.argsPos })) as Vars;
  validateArgs(task.module, args, task.argsPos);
  if (check && env.module.checkMode === 'none') {
    return { status: 'skipped', result: { changed: false, skipped: true, msg: `module ${task.module} does not support check mode` } };
  }
  let hold: WriteHold | undefined;
  if (env.held) {
    if (env.module.holdsWrites?.(args) === true) hold = env.held.holds.offer(env.held.token);
    else {
      // This module needs the real state: the writes held so far are made first.
      await env.held.holds.flush();
      if (env.held.holds.broken) throw env.held.holds.broken.error;
    }
  }
  const result = await env.module.run(taskContext(h, vars, env, check, hold), args);
  applyResultConditions(task, vars, result);
  if (result.failed) return { status: 'failed', result };
  if (result.skipped) return { status: 'skipped', result };
  return { status: result.changed ? 'changed' : 'ok', result };
}

/**
 * changed_when, then failed_when (Ansible's order), on the module's result: the registered
 * variable's name already means this result, as in Ansible. failed_when also records its verdict
 * in failed_when_result.
 */
function applyResultConditions(task: Task, vars: Vars, result: ModuleResult): void {
  if (!task.changedWhen && !task.failedWhen) return;
  const cv = task.register ? withVar(vars, task.register, result) : vars;
  if (task.changedWhen) result.changed = evalCondition(task.changedWhen, cv, { task: task.name, pos: task.pos });
  if (task.failedWhen) {
    const failed = evalCondition(task.failedWhen, cv, { task: task.name, pos: task.pos });
    // As Ansible: both keys set, failed false included.
    result.failed_when_result = failed;
    result.failed = failed;
  }
}

/** vars with one more variable, without reading (and so templating) the others. */
function withVar(vars: Vars, name: string, value: unknown): Vars {
  return new Proxy(vars, {
    get: (t, k, r) => (k === name ? value : Reflect.get(t, k, r)),
    has: (t, k) => k === name || Reflect.has(t, k),
    ownKeys: (t) => [...new Set([...Reflect.ownKeys(t), name])],
    getOwnPropertyDescriptor: (t, k) => (k === name ? { value, enumerable: true, configurable: true, writable: true } : Reflect.getOwnPropertyDescriptor(t, k)),
  });
}

function taskContext(h: HostState, vars: Vars, env: TaskEnv, check: boolean, hold: WriteHold | undefined): TaskContext {
  return {
    ...(hold ? { hold } : {}),
    host: h.name,
    vars,
    conn: env.conn,
    check,
    diff: env.diff,
    verbosity: env.verbosity,
    runDir: env.runDir,
    async facts<F>(source: FactSource<F>): Promise<F> {
      if (h.facts.has(source.id)) return h.facts.get(source.id) as F;
      const f = await source.gather({ host: h.name, vars, conn: env.conn });
      h.facts.set(source.id, f);
      return f;
    },
    setFacts(source, value) {
      h.facts.set(source.id, value);
    },
    invalidateFacts(source) {
      h.facts.delete(source.id);
    },
    warn: (m) => env.reporter.warning(m, h.name),
    failedGuests: new Set([...h.failedGuests.keys(), ...(env.held?.holds.failedGuests() ?? [])]),
    log: (m, level = 2) => env.reporter.verbose(m, level, h.name),
    ...(env.progress ? { progress: env.progress } : {}),
  };
}

function aggregateLoop(results: ModuleResult[]): Outcome {
  const changed = results.some((r) => r.changed);
  const failed = results.some((r) => r.failed);
  const allSkipped = results.length > 0 && results.every((r) => r.skipped);
  const result: ModuleResult = { changed, results, msg: failed ? 'One or more items failed' : 'All items completed' };
  if (failed) result.failed = true;
  if (allSkipped) result.skipped = true;
  const status = failed ? 'failed' : allSkipped ? 'skipped' : changed ? 'changed' : 'ok';
  return { status, result };
}

export function errorOutcome(err: unknown, verbosity: number): Outcome {
  if (err instanceof UnreachableError) {
    return { status: 'unreachable', result: { changed: false, unreachable: true, msg: err.message } };
  }
  if (err instanceof VirtplayError) {
    return { status: 'failed', result: { changed: false, failed: true, msg: err.message } };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const result: ModuleResult = { changed: false, failed: true, msg: `internal error: ${e.message}` };
  if (verbosity >= 3 && e.stack) result.exception = e.stack;
  return { status: 'failed', result };
}
