/**
 * Picks the reporter for a run: --json -> JsonReporter (document on stdout, human lines on
 * `out`), a terminal -> ListrReporter (listr2 loaded on demand), anything else -> PlainReporter.
 */
import { shouldUseColor } from './colors.js';
import { JsonReporter } from './json.js';
import { PlainReporter } from './plain.js';
import type { Reporter, ReporterOptions } from './reporter.js';

export interface CreateReporterOptions extends Omit<ReporterOptions, 'color'> {
  json: boolean;
  /** Whether `out` is a terminal (the CLI passes `process.stdout.isTTY === true`). */
  tty: boolean;
  /**
   * Leave undefined to decide from the environment: on only for a terminal and without NO_COLOR;
   * FORCE_COLOR forces it (FORCE_COLOR=0 forces it off). A boolean overrides that decision.
   */
  color?: boolean;
  /** The JSON document's stream under --json (default process.stdout). */
  jsonOut?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

/** listr2 is loaded only for a terminal: CI logs, --json and the benchmark never pay for it. */
export async function createReporter(opts: CreateReporterOptions): Promise<Reporter> {
  const color = opts.color ?? shouldUseColor(opts.tty, opts.env ?? process.env);
  const base: ReporterOptions = {
    verbosity: opts.verbosity,
    diff: opts.diff,
    check: opts.check,
    color,
    out: opts.out,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
  };
  if (opts.json) return new JsonReporter({ ...base, color: false, ...(opts.jsonOut ? { jsonOut: opts.jsonOut } : {}) });
  if (opts.tty) return new (await import('./listr.js')).ListrReporter(base);
  return new PlainReporter(base);
}
