/**
 * --json: collects the run and prints one JSON document at the end, shaped like Ansible's json
 * callback (plays -> tasks -> hosts, stats) plus a `virtplay` section. Nothing else reaches
 * stdout; warnings and -v messages go to `out` (stderr under --json).
 */
import { randomUUID } from 'node:crypto';
import type { ModuleResult } from '../module.js';
import { Redactor } from './redact.js';
import type { PlayInfo, Reporter, ReporterOptions, RunSummary, TaskHostResult, TaskInfo } from './reporter.js';

export interface JsonDuration {
  start: string;
  end?: string;
}

export interface JsonTask {
  task: { name: string; id: string; module: string; handler: boolean; duration: JsonDuration };
  hosts: Record<string, Record<string, unknown>>;
}

export interface JsonPlay {
  play: { name: string; id: string; hosts: string[]; duration: JsonDuration };
  tasks: JsonTask[];
}

export interface JsonStats {
  ok: number;
  changed: number;
  unreachable: number;
  failures: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface JsonDocument {
  custom_stats: Record<string, unknown>;
  global_custom_stats: Record<string, unknown>;
  plays: JsonPlay[];
  stats: Record<string, JsonStats>;
  virtplay: {
    exit_code: number;
    duration_ms: number;
    check: boolean;
    diff: boolean;
    transport: RunSummary['transport'];
    /** Per host, the guests that failed a task and were left out of the later ones. */
    failed_guests: NonNullable<RunSummary['failedGuests']>;
    warnings: { msg: string; host?: string }[];
  };
}

export interface JsonReporterOptions extends ReporterOptions {
  /** Where the document goes (default process.stdout). */
  jsonOut?: NodeJS.WritableStream;
}

interface OpenTask {
  json: JsonTask;
  /** Loop items per host, in order, until the host's aggregate result arrives. */
  items: Map<string, Record<string, unknown>[]>;
}

const now = (): string => new Date().toISOString();

export class JsonReporter implements Reporter {
  private readonly redactor: Redactor;
  private readonly plays: JsonPlay[] = [];
  private readonly warnings: { msg: string; host?: string }[] = [];
  private task: OpenTask | undefined;

  constructor(private readonly opts: JsonReporterOptions) {
    this.redactor = new Redactor(opts.secrets ?? []);
  }

  playStart(play: PlayInfo): void {
    this.closePlay();
    this.plays.push({
      play: { name: play.name, id: randomUUID(), hosts: [...play.hosts], duration: { start: now() } },
      tasks: [],
    });
  }

  taskStart(task: TaskInfo): void {
    this.closeTask();
    if (this.plays.length === 0) this.playStart({ name: '', hosts: task.hosts });
    const json: JsonTask = {
      task: { name: task.name, id: randomUUID(), module: task.module, handler: task.handler, duration: { start: now() } },
      hosts: {},
    };
    this.plays.at(-1)!.tasks.push(json);
    this.task = { json, items: new Map() };
  }

  hostResult(task: TaskInfo, r: TaskHostResult): void {
    if (!this.task) this.taskStart(task);
    const open = this.task!;
    const entry = this.entry(task, r);
    if (r.item !== undefined) {
      entry['item'] = this.redactor.value(r.item);
      delete entry['action'];
      delete entry['check'];
      const list = open.items.get(r.host) ?? [];
      list.push(entry);
      open.items.set(r.host, list);
      // Until the aggregate arrives, the host shows the items gathered so far.
      open.json.hosts[r.host] = this.aggregateOf(task, r, list);
      return;
    }
    const items = open.items.get(r.host);
    if (items && !Array.isArray(entry['results'])) entry['results'] = items;
    open.json.hosts[r.host] = entry;
    open.items.delete(r.host);
  }

  taskEnd(_task?: TaskInfo): void {
    this.closeTask();
  }

  warning(message: string, host?: string): void {
    this.warnings.push(host === undefined ? { msg: this.redactor.text(message) } : { msg: this.redactor.text(message), host });
    this.human(`[WARNING]: ${host ? `[${host}] ` : ''}${message}`);
  }

  verbose(message: string, level: number, host?: string): void {
    if (this.opts.verbosity >= level) this.human(host ? `<${host}> ${message}` : message);
  }

  finish(summary: RunSummary): void {
    this.closeTask();
    this.closePlay();
    const stats: Record<string, JsonStats> = {};
    for (const host of Object.keys(summary.stats).sort()) {
      const s = summary.stats[host]!;
      stats[host] = {
        ok: s.ok,
        changed: s.changed,
        unreachable: s.unreachable,
        failures: s.failed,
        skipped: s.skipped,
        rescued: s.rescued,
        ignored: s.ignored,
      };
    }
    const doc: JsonDocument = {
      custom_stats: {},
      global_custom_stats: {},
      plays: this.plays,
      stats,
      virtplay: {
        exit_code: summary.exitCode,
        duration_ms: summary.durationMs,
        check: this.opts.check,
        diff: this.opts.diff,
        transport: summary.transport ?? {},
        failed_guests: summary.failedGuests ?? {},
        warnings: this.warnings,
      },
    };
    const out = this.opts.jsonOut ?? process.stdout;
    out.write(JSON.stringify(this.redactor.value(doc), null, 4) + '\n');
  }

  /** The document as collected so far (tests, embedding). */
  document(): { plays: JsonPlay[] } {
    return { plays: this.plays };
  }

  private entry(task: TaskInfo, r: TaskHostResult): Record<string, unknown> {
    const res: ModuleResult = r.result ?? { changed: false };
    const e: Record<string, unknown> = this.redactor.value({ ...res }) as Record<string, unknown>;
    e['changed'] = res.changed === true;
    delete e['failed'];
    delete e['skipped'];
    delete e['unreachable'];
    if (r.status === 'failed') e['failed'] = true;
    if (r.status === 'skipped') e['skipped'] = true;
    if (r.status === 'unreachable') e['unreachable'] = true;
    if (r.ignored) e['ignored'] = true;
    e['action'] = task.module;
    e['check'] = r.check;
    e['duration_ms'] = r.durationMs;
    return e;
  }

  private aggregateOf(task: TaskInfo, r: TaskHostResult, items: Record<string, unknown>[]): Record<string, unknown> {
    const e: Record<string, unknown> = {
      changed: items.some((i) => i['changed'] === true),
      msg: 'All items completed',
      results: items,
      action: task.module,
      check: r.check,
    };
    if (items.some((i) => i['failed'] === true)) {
      e['failed'] = true;
      e['msg'] = 'One or more items failed';
    } else if (items.length > 0 && items.every((i) => i['skipped'] === true)) {
      e['skipped'] = true;
    }
    return e;
  }

  private closeTask(): void {
    if (!this.task) return;
    this.task.json.task.duration.end = now();
    this.task = undefined;
  }

  private closePlay(): void {
    const play = this.plays.at(-1);
    if (play && play.play.duration.end === undefined) play.play.duration.end = now();
  }

  private human(line: string): void {
    // stdout carries the document alone: human lines go only to a different stream.
    if (this.opts.out === (this.opts.jsonOut ?? process.stdout)) return;
    try {
      this.opts.out.write(this.redactor.text(line) + '\n');
    } catch {
      // best effort
    }
  }
}
