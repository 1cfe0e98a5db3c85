/**
 * Held writes, the runner's side (the contract is in engine/module.ts). Consecutive tasks whose
 * modules can hold their writes run as a "held run": each plans on the state the earlier ones
 * will have made and hands its writes to its host's holders; nothing is reported yet. The run
 * ends before a task that needs the real state, after a task whose result later tasks may read
 * (register), after a task that failed a host, and at the end of each section. Then every
 * host's holders are flushed (one write per host and module family), each task is reported in
 * order with what its writes became, and the hosts' records are kept as if each task had
 * applied its own writes:
 * - a guest whose write failed fails on every task whose changes that write carried;
 * - a flush that fails the whole host (a lost connection) fails it on the first task whose
 *   writes it held; the later tasks of the run do not show that host, as after any failure.
 */
import { guestSummary } from '../guest-summary.js';
import type { GuestResult, HeldFailure, HeldWrites, ModuleDef, WriteHold } from '../module.js';
import type { Reporter, TaskHostResult, TaskInfo } from '../report/reporter.js';
import type { Task } from '../types.js';
import type { HostState } from './host-state.js';

/** One host's holders and what their flushes left to report. */
export class HostHolds {
  private readonly holders = new Map<string, HeldWrites>();
  private readonly failures: HeldFailure[] = [];
  /** A flush failed the whole host: why, and the first task whose writes it held. */
  broken?: { error: unknown; token: number };

  /** What a task with this token is offered. */
  offer(token: number): WriteHold {
    return {
      token,
      holder: <H extends HeldWrites>(key: string, create: () => H): H => {
        let h = this.holders.get(key);
        if (!h) this.holders.set(key, (h = create()));
        return h as H;
      },
    };
  }

  /** Guests whose held write failed (they leave the tasks that run before the held run is reported). */
  failedGuests(): string[] {
    return this.failures.map((f) => f.guest);
  }

  get pending(): boolean {
    return [...this.holders.values()].some((h) => h.tokens.size > 0);
  }

  /** Makes every held write of the host, holder after holder; never throws (see broken). */
  async flush(): Promise<void> {
    for (const h of this.holders.values()) {
      if (h.tokens.size === 0 || this.broken) continue;
      const first = Math.min(...h.tokens);
      try {
        this.failures.push(...(await h.flush()));
      } catch (error) {
        this.broken = { error, token: first };
      }
    }
  }

  /**
   * A held task's result as its writes made it, or undefined when the host failed at an earlier
   * task's writes (it left the play there). `failed(err)` is how the runner reports an error.
   */
  settle(
    token: number,
    r: TaskHostResult,
    ignoreErrors: boolean,
    failed: (err: unknown) => Pick<TaskHostResult, 'status' | 'result'>,
  ): TaskHostResult | undefined {
    if (this.broken && token > this.broken.token) return undefined;
    if (this.broken && token === this.broken.token) {
      const { failedGuests: _none, ...rest } = r;
      const out: TaskHostResult = { ...rest, ...failed(this.broken.error) };
      if (out.status === 'failed' && ignoreErrors) out.ignored = true;
      return out;
    }
    const mine = this.failures.filter((f) => f.token === token);
    if (mine.length === 0) return r;
    const guests = Array.isArray(r.result['guests']) ? (r.result['guests'] as GuestResult[]) : [];
    for (const f of mine) {
      const g = guests.find((x) => x.guest === f.guest);
      if (!g) continue;
      g.failed = true;
      g.changed = false;
      g.pending = false;
      g.msg = f.msg;
    }
    const result = { ...r.result, changed: guests.some((g) => g.changed), msg: guestSummary(guests, { check: false }) };
    const status = r.status === 'changed' && !result.changed ? 'ok' : r.status;
    const out: TaskHostResult = { ...r, status, result, failedGuests: guests.filter((g) => g.failed) };
    if (ignoreErrors) out.ignored = true;
    return out;
  }
}

/** A task whose report waits for the held run's flush. */
interface HeldTask {
  task: Task;
  info: TaskInfo;
  token: number;
  results: { h: HostState; r: TaskHostResult }[];
  /** Warnings and debug lines the task gave while it ran, shown under its banner. */
  said: ((r: Reporter) => void)[];
}

/** The tasks of one held run and each host's holders. */
export class HeldRun {
  private tasks: HeldTask[] = [];
  private readonly holds = new Map<HostState, HostHolds>();
  private nextToken = 0;

  /**
   * Whether this section task may run held: a module that can hold, in a real run, without
   * keywords that read its result as it comes. (Handlers never run held.)
   */
  static accepts(task: Task, module: ModuleDef | undefined, check: boolean): boolean {
    return module?.holdsWrites !== undefined && !(task.checkMode ?? check) && task.loop === undefined && !task.runOnce && !task.changedWhen && !task.failedWhen;
  }

  get empty(): boolean {
    return this.tasks.length === 0;
  }

  /** Starts a held task: its token, and a reporter that keeps what it says for its banner. */
  begin(task: Task, info: TaskInfo, reporter: Reporter): { token: number; reporter: Reporter; done(h: HostState, r: TaskHostResult): void } {
    const held: HeldTask = { task, info, token: this.nextToken++, results: [], said: [] };
    this.tasks.push(held);
    // The reporter itself for everything else (its methods live on its prototype: no spread).
    const quiet: Reporter = Object.assign(Object.create(reporter) as Reporter, {
      warning: (m: string, host?: string) => void held.said.push((r) => r.warning(m, host)),
      verbose: (m: string, level: number, host?: string) => void held.said.push((r) => r.verbose(m, level, host)),
    });
    return { token: held.token, reporter: quiet, done: (h, r) => void held.results.push({ h, r }) };
  }

  hostHolds(h: HostState): HostHolds {
    let hh = this.holds.get(h);
    if (!hh) this.holds.set(h, (hh = new HostHolds()));
    return hh;
  }

  /** The run must end after the task just held: its result is read by later tasks, or a host failed. */
  mustEnd(task: Task): boolean {
    const last = this.tasks[this.tasks.length - 1];
    if (task.register) return true;
    if ([...this.holds.values()].some((hh) => hh.broken)) return true;
    return last?.results.some(({ r }) => r.status === 'failed' || r.status === 'unreachable') ?? false;
  }

  /**
   * Flushes every host (`limit` at a time), then reports each held task in order, keeping each
   * host's record through `keep`. Afterwards the run is empty.
   */
  async settle(
    reporter: Reporter,
    limit: <T>(fn: () => Promise<T>) => Promise<T>,
    failed: (err: unknown) => Pick<TaskHostResult, 'status' | 'result'>,
    keep: (task: Task, h: HostState, r: TaskHostResult) => void,
  ): Promise<void> {
    if (this.tasks.length === 0) return;
    await Promise.all([...this.holds.values()].filter((hh) => hh.pending).map((hh) => limit(() => hh.flush())));
    const tasks = this.tasks;
    this.tasks = [];
    for (const t of tasks) {
      await reporter.taskStart(t.info);
      for (const say of t.said) say(reporter);
      for (const { h, r } of t.results) {
        const settled = this.holds.has(h) ? this.holds.get(h)!.settle(t.token, r, t.task.ignoreErrors === true, failed) : r;
        if (!settled) continue;
        keep(t.task, h, settled);
        await reporter.hostResult(t.info, settled);
      }
      await reporter.taskEnd(t.info);
    }
    this.holds.clear();
  }
}
