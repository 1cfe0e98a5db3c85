/**
 * What the runner tells the outside world. Implementations: plain lines (not a TTY, CI logs),
 * listr2 progress (a TTY), JSON (--json: collected, printed on stdout at the end).
 * The runner awaits every call, in order.
 */
import type { GuestResult, ModuleResult } from '../module.js';
import type { HostStats, HostStatus } from '../types.js';

export interface PlayInfo {
  name: string;
  /** Hosts the play runs on, after --limit. */
  hosts: string[];
}

export interface TaskInfo {
  name: string;
  module: string;
  handler: boolean;
  /** Hosts the task starts on (hosts that failed or were unreachable earlier are gone). */
  hosts: string[];
  /** The task's diff keyword (its own or its play's): shows or hides its diff whatever --diff says. */
  diff?: boolean;
}

export interface TaskHostResult {
  host: string;
  status: HostStatus;
  result: ModuleResult;
  /**
   * Present for a loop item's own result. For a loop task the runner reports each item
   * (item set), then once more for the host without `item`: the task's overall result, whose
   * `result.results` holds the items' results (reporters fill it from the items when absent).
   */
  item?: unknown;
  /** The task failed but has ignore_errors. */
  ignored?: boolean;
  /**
   * Guests that failed this task (from `result.guests`, loop items included): the host goes on
   * without them. With ignore_errors they stay in (ignored is then set).
   */
  failedGuests?: GuestResult[];
  /** The result comes from check mode. */
  check: boolean;
  durationMs: number;
}

/** A guest that failed a task and was left out of the rest of the run. */
export interface FailedGuest {
  guest: string;
  task: string;
  msg: string;
}

export interface RunSummary {
  stats: Record<string, HostStats>;
  /** Per host, the guests that failed (hosts without any are absent). */
  failedGuests?: Record<string, FailedGuest[]>;
  exitCode: number;
  durationMs: number;
  /** Transport figures per host: SSH connections and remote commands. */
  transport: Record<string, { connections: number; commands: number }>;
}

export interface Reporter {
  playStart(play: PlayInfo): Promise<void> | void;
  taskStart(task: TaskInfo): Promise<void> | void;
  hostResult(task: TaskInfo, result: TaskHostResult): Promise<void> | void;
  taskEnd(task: TaskInfo): Promise<void> | void;
  /** Reporters print `result.warnings` themselves: do not forward those here too. */
  warning(message: string, host?: string): void;
  /** Shown at -v and more. */
  verbose(message: string, level: number, host?: string): void;
  /** A guest's work in progress (TaskContext.progress); reporters that show none leave it out. */
  progress?(task: TaskInfo, host: string, guest: string, text: string): void;
  /** Prints the PLAY RECAP (or, for JSON, the whole document). */
  finish(summary: RunSummary): Promise<void> | void;
}

export interface ReporterOptions {
  verbosity: number;
  diff: boolean;
  check: boolean;
  color: boolean;
  /** Where human output goes (stderr under --json, else stdout). */
  out: NodeJS.WritableStream;
  /**
   * Secret values known up front (e.g. from `secretValues(vars)` of engine/report/redact.ts):
   * masked wherever they appear. Values under secret-looking keys are masked anyway.
   */
  secrets?: string[];
}
