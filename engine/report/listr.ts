/**
 * Progress on a terminal with listr2: one task list per playbook task, one subtask per host that
 * completes when the host's result arrives. The runner pushes events, listr2 pulls promises:
 * taskStart builds the list and starts run() without awaiting it, hostResult settles the host's
 * promise, taskEnd awaits the run. When the list is done, the lines that matter (changed and
 * failed hosts with their guest details, diffs, warnings) are printed as plain lines so the
 * scrollback keeps them; the recap is the plain one. Nothing in here may break the run: every
 * rendering error falls back to plain lines.
 */
import { writeSync } from 'node:fs';
import { Listr, ListrLogger, ProcessOutput, type ListrTaskWrapper } from 'listr2';
import { LineFormatter } from './format.js';
import { Redactor } from './redact.js';
import type { PlayInfo, Reporter, ReporterOptions, RunSummary, TaskHostResult, TaskInfo } from './reporter.js';

export interface ListrReporterOptions extends ReporterOptions {
  /** listr2 renderer: 'default' on a terminal (the default); 'simple'/'verbose' for tests or dumb terminals. */
  renderer?: 'default' | 'simple' | 'verbose';
}

/** How a host's subtask ends: its title, and for a failure or skip the message listr2 shows with it. */
type Outcome = { kind: 'done' | 'fail' | 'skip'; title: string; error?: string };

interface HostSlot {
  settle(o: Outcome): void;
  settled: boolean;
  /** The subtask's wrapper once listr2 started it (titles of loop items go there, progress to its output). */
  wrapper?: { title: string; output?: string };
  /** Each guest's latest progress line, shown under the host while it runs. */
  progress: Map<string, string>;
  /** Loop items seen so far, for a host whose aggregate result never comes. */
  items: TaskHostResult[];
}

interface OpenTask {
  task: TaskInfo;
  slots: Map<string, HostSlot>;
  /** Settles when the listr run ends; never rejects. */
  run?: Promise<void>;
  /** Lines to print once the list is done, in arrival order. */
  after: string[];
}

const CURSOR_SHOW = '\u001B[?25h';

/** A host's progress output: each guest's latest line. */
const progressText = (slot: HostSlot): string => [...slot.progress.values()].join('\n');

export class ListrReporter implements Reporter {
  private readonly fmt: LineFormatter;
  private open: OpenTask | undefined;
  private exitGuard = false;

  constructor(private readonly opts: ListrReporterOptions) {
    this.fmt = new LineFormatter(opts, new Redactor(opts.secrets ?? []));
  }

  playStart(play: PlayInfo): Promise<void> {
    return this.closeThen(() => this.write(this.fmt.play(play)));
  }

  async taskStart(task: TaskInfo): Promise<void> {
    await this.close();
    const title = this.fmt.taskTitle(task);
    const open: OpenTask = { task, slots: new Map(), after: [] };
    this.open = open;
    this.fmt.task(task); // per-task state; the banner itself is listr's top-level title
    this.write(['']); // the blank line Ansible puts before every banner
    const subtasks = task.hosts.map((host) => {
      let settle!: (o: Outcome) => void;
      const promise = new Promise<Outcome>((resolve) => (settle = resolve));
      const slot: HostSlot = {
        settled: false,
        items: [],
        progress: new Map(),
        settle: (o) => {
          slot.settled = true;
          settle(o);
        },
      };
      open.slots.set(host, slot);
      return {
        title: host,
        // Every guest's progress line under the host while it runs, gone when it ends.
        rendererOptions: { outputBar: Infinity, persistentOutput: false },
        task: async (_ctx: unknown, st: ListrTaskWrapper<unknown, never, never>): Promise<void> => {
          slot.wrapper = st;
          if (slot.progress.size > 0) st.output = progressText(slot);
          const o = await promise;
          st.title = o.title;
          if (o.kind === 'fail') throw new Error(o.error ?? 'failed');
          if (o.kind === 'skip') st.skip(o.error ?? 'skipped');
        },
      };
    });
    try {
      const stderr = this.opts.out === process.stderr ? process.stdout : process.stderr;
      const logger = new ListrLogger({
        useIcons: true,
        processOutput: new ProcessOutput(guarded(this.opts.out), guarded(stderr)),
      });
      const listr = new Listr(
        [
          {
            title: this.fmt.redactor.text(title),
            task: (_ctx, t) => t.newListr(subtasks, { concurrent: true, exitOnError: false }),
          },
        ],
        {
          renderer: this.opts.renderer ?? 'default',
          fallbackRenderer: 'simple',
          rendererOptions: { logger, collapseSubtasks: false, collapseErrors: false },
          fallbackRendererOptions: { logger },
          exitOnError: false,
          registerSignalListeners: false,
          collectErrors: false,
        } as never,
      );
      this.guardCursor();
      open.run = listr.run().then(
        () => undefined,
        () => undefined,
      );
    } catch (err) {
      // listr2 could not start: this task is reported in plain lines.
      open.run = undefined;
      this.write(this.fmt.banner(title).slice(1));
      this.write([`[WARNING]: progress display unavailable: ${err instanceof Error ? err.message : String(err)}`]);
    }
  }

  hostResult(task: TaskInfo, r: TaskHostResult): void {
    try {
      const open = this.open;
      const all = this.fmt.hostLines(task, r);
      if (!open || !open.run) {
        this.write(all.map((l) => l.text));
        return;
      }
      // The list already shows ok/skipped hosts; the scrollback keeps what matters.
      const lines = all.filter((l) => !l.routine || this.opts.verbosity > 0).map((l) => l.text);
      open.after.push(...lines);
      const slot = open.slots.get(r.host);
      if (!slot || slot.settled) return;
      if (r.item !== undefined) {
        // A loop item: show progress on the host's line; the host settles on the aggregate.
        slot.items.push(r);
        if (slot.wrapper) slot.wrapper.title = `${r.host}: (item=${this.itemLabel(r)}) ${r.status}`;
        return;
      }
      slot.settle(this.outcome(r));
    } catch (err) {
      this.write([`[WARNING]: output error: ${err instanceof Error ? err.message : String(err)}`]);
    }
  }

  /** A guest's progress: one line per guest under its host's line, while the host runs. */
  progress(task: TaskInfo, host: string, guest: string, text: string): void {
    try {
      const slot = this.open?.task === task ? this.open.slots.get(host) : undefined;
      if (!slot || slot.settled) return;
      slot.progress.set(guest, this.fmt.redactor.text(`${guest}: ${text}`));
      if (slot.wrapper) slot.wrapper.output = progressText(slot);
    } catch {
      // progress is best effort: it never breaks the run
    }
  }

  taskEnd(_task?: TaskInfo): Promise<void> {
    return this.close();
  }

  warning(message: string, host?: string): void {
    this.emit(this.fmt.warning(message, host));
  }

  verbose(message: string, level: number, host?: string): void {
    this.emit(this.fmt.verbose(message, level, host));
  }

  finish(summary: RunSummary): Promise<void> {
    return this.closeThen(() => this.write(this.fmt.recap(summary)));
  }

  private outcome(r: TaskHostResult): Outcome {
    const msg = typeof r.result?.msg === 'string' ? firstLine(this.fmt.redactor.text(r.result.msg)) : '';
    const h = r.host;
    switch (r.status) {
      case 'changed':
        return { kind: 'done', title: `${h}: changed` };
      case 'ok':
        return { kind: 'done', title: `${h}: ok` };
      case 'skipped': {
        const reason = typeof r.result?.['skip_reason'] === 'string' ? r.result['skip_reason'] : msg;
        // listr2 shows the skip message in place of the title (its default renderer collapses skips).
        return { kind: 'skip', title: h, error: `${h}: skipped${reason ? ` (${reason})` : ''}` };
      }
      case 'failed':
        return r.ignored
          ? { kind: 'done', title: `${h}: failed (ignored)${msg ? `: ${msg}` : ''}` }
          : { kind: 'fail', title: `${h}: failed`, error: msg || 'failed' };
      case 'unreachable':
        return { kind: 'fail', title: `${h}: unreachable`, error: msg || 'unreachable' };
    }
  }

  private itemLabel(r: TaskHostResult): string {
    const item = this.fmt.redactor.value(r.item);
    return typeof item === 'string' ? item : JSON.stringify(item);
  }

  /** Warnings and -v lines wait while a list is drawn, so they do not tear the display. */
  private emit(lines: string[]): void {
    if (this.open?.run) this.open.after.push(...lines);
    else this.write(lines);
  }

  private async closeThen(then: () => void): Promise<void> {
    await this.close();
    then();
  }

  /** Ends the open task: settles hosts that never reported, waits for listr2, prints the lines. */
  private async close(): Promise<void> {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    for (const [host, slot] of open.slots) {
      if (slot.settled) continue;
      if (slot.items.length === 0) slot.settle({ kind: 'skip', title: host, error: `${host}: no result` });
      else slot.settle(this.outcome(loopStatus(host, slot.items)));
    }
    if (open.run) await open.run;
    this.write(open.after);
  }

  private guardCursor(): void {
    if (this.exitGuard || this.opts.out !== process.stdout) return;
    this.exitGuard = true;
    // listr2 hides the cursor while drawing; an interrupted run must not leave it hidden.
    process.once('exit', () => {
      if (this.open?.run) {
        try {
          writeSync(1, CURSOR_SHOW);
        } catch {
          // nothing to restore on a closed terminal
        }
      }
    });
  }

  private write(lines: string[]): void {
    if (lines.length === 0) return;
    try {
      this.opts.out.write(lines.map((l) => this.fmt.redactor.text(l)).join('\n') + '\n');
    } catch {
      // best effort: a closed terminal does not fail the run
    }
  }
}

/** The overall result of a loop from its items (as the runner aggregates it). */
function loopStatus(host: string, items: TaskHostResult[]): TaskHostResult {
  const has = (s: string): boolean => items.some((i) => i.status === s);
  const status = has('unreachable')
    ? 'unreachable'
    : has('failed')
      ? 'failed'
      : items.every((i) => i.status === 'skipped')
        ? 'skipped'
        : has('changed')
          ? 'changed'
          : 'ok';
  const failed = items.find((i) => i.status === 'failed');
  return {
    host,
    status,
    ignored: items.some((i) => i.ignored),
    check: items[0]?.check ?? false,
    durationMs: items.reduce((n, i) => n + i.durationMs, 0),
    result: {
      changed: has('changed'),
      msg: status === 'failed' ? `One or more items failed${failed?.result.msg ? `: ${failed.result.msg}` : ''}` : 'All items completed',
    },
  };
}

/**
 * A stand-in for a stream that never throws (listr2 draws from a timer, where a throw would be
 * uncaught) and that listr2 may hijack without touching the real stream's `write`.
 */
function guarded(out: NodeJS.WritableStream): NodeJS.WriteStream {
  const tty = out as Partial<NodeJS.WriteStream>;
  const w = {
    isTTY: tty.isTTY === true,
    get columns(): number {
      return tty.columns ?? 80;
    },
    get rows(): number {
      return tty.rows ?? 24;
    },
    write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
      try {
        return out.write(chunk, ...(rest as []));
      } catch {
        return false;
      }
    },
  };
  return w as unknown as NodeJS.WriteStream;
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 120 ? line.slice(0, 117) + '...' : line;
}
