/**
 * Plain lines, one per event, in the look of Ansible's default callback: for output that is not
 * a terminal (CI logs, pipes). Every line passes through the redactor on its way out.
 */
import { LineFormatter } from './format.js';
import { Redactor } from './redact.js';
import type { PlayInfo, Reporter, ReporterOptions, RunSummary, TaskHostResult, TaskInfo } from './reporter.js';

export class PlainReporter implements Reporter {
  private readonly fmt: LineFormatter;

  constructor(private readonly opts: ReporterOptions) {
    this.fmt = new LineFormatter(opts, new Redactor(opts.secrets ?? []));
  }

  playStart(play: PlayInfo): void {
    this.write(() => this.fmt.play(play));
  }

  taskStart(task: TaskInfo): void {
    this.write(() => this.fmt.task(task));
  }

  hostResult(task: TaskInfo, result: TaskHostResult): void {
    this.write(() => this.fmt.host(task, result));
  }

  taskEnd(_task?: TaskInfo): void {}

  warning(message: string, host?: string): void {
    this.write(() => this.fmt.warning(message, host));
  }

  /** A guest's progress, at -vv: "<host> [guest]: text". */
  progress(_task: TaskInfo, host: string, guest: string, text: string): void {
    this.verbose(`[${guest}] ${text}`, 2, host);
  }

  verbose(message: string, level: number, host?: string): void {
    this.write(() => this.fmt.verbose(message, level, host));
  }

  finish(summary: RunSummary): void {
    this.write(() => this.fmt.recap(summary));
  }

  /** Output problems (a closed pipe, a formatting bug) never break the run. */
  private write(make: () => string[]): void {
    try {
      const lines = make();
      if (lines.length === 0) return;
      this.opts.out.write(lines.map((l) => this.fmt.redactor.text(l)).join('\n') + '\n');
    } catch (err) {
      // Reporting is best effort; the runner's outcome and exit code do not depend on it.
      try {
        this.opts.out.write(`[WARNING]: output error: ${err instanceof Error ? err.message : String(err)}\n`);
      } catch {
        // the stream itself is gone (closed pipe): nothing more to say
      }
    }
  }
}
