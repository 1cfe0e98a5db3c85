/**
 * Ansible's linear strategy: each task runs on every active host (up to --forks at a time) and
 * the next task starts when all hosts are done. A failed or unreachable host leaves the play;
 * the others go on. Notified handlers run at the end of each section (pre_tasks, tasks,
 * post_tasks), as in Ansible. With `serial`, the whole play runs on one batch of hosts after
 * another; a batch whose hosts all fail ends the run (runPlay says 'stop'), as ansible-playbook's.
 * A run_once task runs on the batch's first host and its result is registered for all of them.
 * Consecutive tasks whose modules can hold their writes run held (held-writes.ts): one write per
 * host for all of them, each task still reported with its own changes.
 */
import pLimit from 'p-limit';
import { InputError } from '../errors.js';
import type { ModuleDef } from '../module.js';
import type { Reporter, TaskHostResult, TaskInfo } from '../report/reporter.js';
import type { Play, Task, Vars } from '../types.js';
import { HeldRun } from './held-writes.js';
import { type HostState, taskVars } from './host-state.js';
import { magicVars, playMagic } from './magic-vars.js';
import { playValue, shownName } from './play-text.js';
import type { LazyConnection } from './lazy-connection.js';
import { errorOutcome, runTaskOnHost } from './run-task.js';
import { serialBatches } from './serial.js';
import { shouldRunTask, type TagFilter } from './tags.js';

export interface PlayEnv {
  modules: Map<string, ModuleDef>;
  forks: number;
  check: boolean;
  diff: boolean;
  verbosity: number;
  runDir: string;
  extraVars: Vars;
  tags: TagFilter;
  reporter: Reporter;
  connection(h: HostState, play?: Play): LazyConnection;
  signal?: AbortSignal;
  /** Every host of the play (for ansible_play_hosts_all and hostvars); default: the task's hosts. */
  allHosts?: HostState[];
  /** The groups magic variable: group name to its hosts. */
  groups?: Record<string, string[]>;
  /** The serial batch being run (ansible_play_batch: its hosts that have not failed). */
  batch?: HostState[];
}

export async function runPlay(play: Play, hosts: HostState[], playEnv: PlayEnv): Promise<'stop' | 'next'> {
  const env: PlayEnv = { ...playEnv, allHosts: hosts };
  const name = shownName(play.name, play.vars, env.extraVars);
  const batches = serialBatches(
    hosts,
    play.serial?.map((v) => serialValue(v, play, env)),
  );
  // no host: the banner alone, as ansible-playbook prints it before "no hosts matched"
  if (batches.length === 0) await env.reporter.playStart({ name, hosts: [] });
  for (const batch of batches) {
    await env.reporter.playStart({ name, hosts: batch.map((h) => h.name) });
    await runBatch(play, batch, env);
    if (env.signal?.aborted) return 'stop';
    if (batch.length > 0 && active(batch).length === 0) return 'stop';
  }
  return 'next';
}

/** One serial value, templated: a count or a percentage, else the play stops here with exit 6. */
function serialValue(v: number | string, play: Play, env: PlayEnv): number | string {
  const value = playValue(play, v, env.extraVars, 'the serial');
  if (typeof value === 'number' ? Number.isInteger(value) : /^\s*-?\d+%?\s*$/.test(String(value))) return value as number | string;
  throw new InputError(`serial of play '${play.name}': ${JSON.stringify(value)} is neither a count nor a percentage`, play.pos);
}

async function runBatch(play: Play, batch: HostState[], playEnv: PlayEnv): Promise<void> {
  const env: PlayEnv = { ...playEnv, batch };
  for (const h of batch) h.notified.clear();
  const held = new HeldRun();
  let start = 0;
  for (const end of play.sectionEnds) {
    for (const task of play.tasks.slice(start, end)) {
      if (!shouldRunTask([...play.tags, ...task.tags], env.tags)) continue;
      if (env.signal?.aborted) break;
      if (HeldRun.accepts(task, env.modules.get(task.module), env.check)) {
        await runTaskOnHosts(task, false, active(batch), play, env, held);
        if (held.mustEnd(task)) await settle(held, env);
      } else {
        await settle(held, env);
        await runTaskOnHosts(task, false, active(batch), play, env);
      }
    }
    // Writes already planned are made even when the run is interrupted: they belong to tasks that ran.
    await settle(held, env);
    if (env.signal?.aborted) return;
    start = end;
    await runHandlers(play, batch, env);
    if (env.signal?.aborted) return;
  }
}

/** Ends a held run: its writes made, its tasks reported in order. */
async function settle(held: HeldRun, env: PlayEnv): Promise<void> {
  if (held.empty) return;
  await held.settle(env.reporter, pLimit(Math.max(1, env.forks)), (err) => errorOutcome(err, env.verbosity), record);
}

/** Notified handlers, in the order they are defined, on the hosts that notified them (by name or listen); then forgotten. */
async function runHandlers(play: Play, hosts: HostState[], env: PlayEnv): Promise<void> {
  for (const handler of play.handlers) {
    if (env.signal?.aborted) return;
    const notifiedBy = active(hosts).filter((h) => h.notified.has(handler.name) || handler.listen.some((l) => h.notified.has(l)));
    if (notifiedBy.length > 0) await runTaskOnHosts(handler, true, notifiedBy, play, env);
  }
  for (const h of hosts) h.notified.clear();
}

function active(hosts: HostState[]): HostState[] {
  return hosts.filter((h) => !h.failed && !h.unreachable);
}

/** One task on its hosts; a held task (held given) is reported when its held run ends. */
async function runTaskOnHosts(task: Task, handler: boolean, batch: HostState[], play: Play, env: PlayEnv, held?: HeldRun): Promise<void> {
  if (batch.length === 0) return;
  // run_once: the first host runs it; the others get its result registered (below)
  const hosts = task.runOnce ? batch.slice(0, 1) : batch;
  const info: TaskInfo = {
    name: shownName(task.name, { ...play.vars, ...task.vars }, env.extraVars),
    module: task.module,
    handler,
    hosts: hosts.map((h) => h.name),
  };
  if (task.diff !== undefined) info.diff = task.diff;
  const heldTask = held?.begin(task, info, env.reporter);
  if (!heldTask) await env.reporter.taskStart(info);
  const module = env.modules.get(task.module);
  if (!module) throw new Error(`module ${task.module} vanished after validation`); // loader guarantees it
  const limit = pLimit(Math.max(1, env.forks));
  const playHosts = env.allHosts ?? batch;
  const shared = playMagic(play, active(env.batch ?? playHosts), playHosts, { ...env, diff: task.diff ?? env.diff });
  const magic = (h: HostState): Vars => magicVars(h, shared);
  // Results are reported in completion order, like Ansible's free output within one task.
  let reporting = Promise.resolve();
  await Promise.all(
    hosts.map((h) =>
      limit(async () => {
        const vars = { ...taskVars(h, play.vars, env.extraVars, task.vars ?? {}), ...magic(h) };
        const r = await runTaskOnHost(task, h, vars, {
          module,
          check: env.check,
          diff: task.diff ?? env.diff,
          verbosity: env.verbosity,
          runDir: env.runDir,
          reporter: heldTask?.reporter ?? env.reporter,
          conn: env.connection(h, play),
          ...(heldTask
            ? { held: { holds: held!.hostHolds(h), token: heldTask.token } }
            : { progress: (guest: string, text: string) => env.reporter.progress?.(info, h.name, guest, text) }),
        });
        if (heldTask) {
          // Reported when the held run ends; its failed guests leave the next tasks now.
          keepFailedGuests(task, h, r);
          heldTask.done(h, r);
          return;
        }
        record(task, h, r);
        if (task.runOnce) shareRunOnce(task, h, batch.slice(1), r);
        reporting = reporting.then(() => env.reporter.hostResult(info, r));
        await reporting;
      }),
    ),
  );
  if (!heldTask) await env.reporter.taskEnd(info);
}

/**
 * What Ansible gives the other hosts of the batch after a run_once task: the registered result and
 * the facts; a failure that is not ignored fails them all (counted once, on the host that ran).
 */
function shareRunOnce(task: Task, ran: HostState, others: HostState[], r: TaskHostResult): void {
  for (const h of others) {
    if (task.register) h.registered[task.register] = ran.registered[task.register];
    keepFacts(h, r);
    if (r.status === 'failed' && !r.ignored) h.failed = true;
  }
}

/** The facts a result sets (set_fact's ansible_facts) become the host's variables, unless it failed. */
function keepFacts(h: HostState, r: TaskHostResult): void {
  const facts = r.result.ansible_facts;
  if (facts && typeof facts === 'object' && r.status !== 'failed') Object.assign(h.registered, facts);
}

/** Failed guests leave the run; the host and its other guests go on (see GuestResult). */
function keepFailedGuests(task: Task, h: HostState, r: TaskHostResult): void {
  if (!r.failedGuests?.length || r.ignored) return;
  for (const g of r.failedGuests) if (!h.failedGuests.has(g.guest)) h.failedGuests.set(g.guest, { guest: g.guest, task: task.name, msg: g.msg ?? 'failed' });
}

function record(task: Task, h: HostState, r: TaskHostResult): void {
  // A registered result that ran always says whether it failed (Ansible's TaskExecutor); a skipped one does not.
  if (task.register) h.registered[task.register] = r.status === 'skipped' ? r.result : { ...r.result, failed: r.result.failed ?? r.status === 'failed' };
  if (r.failedGuests?.length && r.ignored && r.status !== 'failed') h.stats.ignored++;
  keepFailedGuests(task, h, r);
  keepFacts(h, r);
  switch (r.status) {
    case 'unreachable':
      h.unreachable = true;
      h.stats.unreachable++;
      return;
    case 'failed':
      if (r.ignored) {
        // Ansible counts an ignored failure as ok too (and as changed when it changed).
        h.stats.ignored++;
        h.stats.ok++;
        if (r.result.changed === true) h.stats.changed++;
      } else {
        h.failed = true;
        h.stats.failed++;
      }
      return;
    case 'skipped':
      h.stats.skipped++;
      return;
    case 'changed':
      h.stats.changed++;
      h.stats.ok++;
      for (const n of task.notify) h.notified.add(n);
      return;
    case 'ok':
      h.stats.ok++;
      return;
  }
}
