/**
 * The lines of Ansible's default stdout callback, as pure strings: banners, one line per host
 * result, diffs, warnings, the PLAY RECAP. Shared by the plain and the listr reporters.
 * Lines come back unredacted only where they hold no result data; callers pass every line
 * through `redactor.text()` before writing it.
 */
import type { GuestResult, ModuleResult } from '../module.js';
import type { HostStats } from '../types.js';
import { makeColors, visibleLength, type Colors } from './colors.js';
import { diffLines } from './diff-text.js';
import { resultJson } from '../python/json.js';
import { pyStr } from '../python/values.js';
import { Redactor } from './redact.js';
import type { PlayInfo, RunSummary, TaskHostResult, TaskInfo } from './reporter.js';

/** Ansible's banner width without a terminal: 79 columns of text and stars, plus the space. */
export const BANNER_COLUMNS = 79;
/** Ansible pads the host name of a recap line to this width. */
export const RECAP_HOST_WIDTH = 26;

/** One output line; `routine` marks an ok/skipping status line with nothing else in it. */
export interface HostLine {
  text: string;
  routine: boolean;
}

export interface FormatOptions {
  verbosity: number;
  diff: boolean;
  color: boolean;
}

/** The per-guest results a module put in `result.guests` (engine/module.ts GuestResult). */
export function guestsOf(result: ModuleResult): GuestResult[] {
  const g = result['guests'];
  if (!Array.isArray(g)) return [];
  return g.filter((x): x is GuestResult => !!x && typeof x === 'object' && typeof (x as GuestResult).guest === 'string');
}

export class LineFormatter {
  readonly c: Colors;
  /** Hosts that reported loop items in the current task. */
  private itemHosts = new Set<string>();

  constructor(
    private readonly opts: FormatOptions,
    readonly redactor: Redactor = new Redactor(),
  ) {
    this.c = makeColors(opts.color);
  }

  banner(msg: string, color?: (s: string) => string): string[] {
    const m = msg.trim();
    const line = `${m} ${'*'.repeat(Math.max(3, BANNER_COLUMNS - visibleLength(m)))}`;
    return ['', color ? color(line) : line];
  }

  play(play: PlayInfo): string[] {
    const name = play.name.trim();
    const lines = this.banner(name ? `PLAY [${name}]` : 'PLAY');
    if (play.hosts.length === 0) lines.push(this.c.cyan('skipping: no hosts matched'));
    return lines;
  }

  /** The TASK banner; also starts the formatter's per-task state. */
  task(task: TaskInfo): string[] {
    this.itemHosts = new Set();
    return this.banner(this.taskTitle(task));
  }

  taskTitle(task: TaskInfo): string {
    return `${task.handler ? 'RUNNING HANDLER' : 'TASK'} [${task.name.trim()}]`;
  }

  /** True when this result is the aggregate of a loop whose items were already reported. */
  isLoopAggregate(r: TaskHostResult): boolean {
    return r.item === undefined && this.itemHosts.has(r.host);
  }

  /** The lines Ansible prints for one host's (or one loop item's) result. */
  host(task: TaskInfo, r: TaskHostResult): string[] {
    return this.hostLines(task, r).map((l) => l.text);
  }

  /**
   * The same lines, each marked when it is a plain `ok:`/`skipping:` status line that a
   * progress display already shows (diffs, warnings, guest details and failures are not).
   */
  hostLines(task: TaskInfo, r: TaskHostResult): HostLine[] {
    const res = r.result ?? { changed: false };
    this.redactor.learnFrom(res);
    this.redactor.learnFrom(r.item);
    if (r.item === undefined && !this.itemHosts.has(r.host) && Array.isArray(res['results'])) {
      // A loop's aggregate whose items were not reported one by one: report them now, in order.
      const out: HostLine[] = [];
      for (const x of res['results'] as unknown[]) {
        if (!x || typeof x !== 'object') continue;
        const ir = x as ModuleResult;
        const status = ir.failed ? 'failed' : ir.skipped ? 'skipped' : ir.changed ? 'changed' : 'ok';
        out.push(...this.hostLines(task, { ...r, status, result: ir, item: ir['item'] ?? null, ignored: false }));
      }
      return [...out, ...this.hostLines(task, r)];
    }
    const c = this.c;
    const h = `[${r.host}]`;
    const isItem = r.item !== undefined;
    if (isItem) this.itemHosts.add(r.host);
    const aggregate = this.isLoopAggregate(r);
    const out: HostLine[] = [];
    const detail = (lines: string[]): void => {
      for (const text of lines) out.push({ text, routine: false });
    };

    if ((task.diff ?? this.opts.diff) && !aggregate && Array.isArray(res.diff) && (res.changed || r.status === 'changed')) {
      detail(diffLines(this.redactor.value(res.diff), c));
    }
    for (const w of Array.isArray(res.warnings) ? res.warnings : []) detail(this.warning(String(w)));

    // loop_control.label replaces the item in the output (Ansible's _ansible_item_label).
    const label = isItem ? pyStr(this.redactor.value('_ansible_item_label' in res ? res['_ansible_item_label'] : r.item)) : '';
    // debug's results are shown at every verbosity (Ansible's _ansible_verbose_always).
    const v = this.opts.verbosity > 0 || res['_ansible_verbose_always'] === true;
    const dump = (): string => this.dump(task, r);
    switch (r.status) {
      case 'ok':
      case 'changed': {
        if (aggregate) break;
        const color = r.status === 'changed' ? c.yellow : c.green;
        let msg = `${r.status}: ${h}`;
        if (isItem) msg += ` => (item=${label})`;
        if (v) msg += ` => ${dump()}`;
        out.push({ text: color(msg), routine: r.status === 'ok' });
        break;
      }
      case 'skipped': {
        const text = isItem ? `skipping: ${h} => (item=${label}) ` : `skipping: ${h}`;
        out.push({ text: c.cyan(text + (v ? ` => ${dump()}` : '')), routine: true });
        break;
      }
      case 'failed': {
        if (isItem) detail([c.red(`failed: ${h} (item=${label}) => ${dump()}`)]);
        else if (!aggregate) detail([c.red(`fatal: ${h}: FAILED! => ${dump()}`)]);
        if (r.ignored && !isItem) detail([c.cyan('...ignoring')]);
        break;
      }
      case 'unreachable': {
        detail([c.redBright(`fatal: ${h}: UNREACHABLE! => ${dump()}`)]);
        if (r.ignored && !isItem) detail([c.cyan('...ignoring')]);
        break;
      }
    }
    if (!aggregate) detail(this.guests(res));
    // Failed guests of a task with ignore_errors stay in the run: say so, as Ansible does for a host.
    if (!aggregate && r.ignored && r.status !== 'failed' && r.status !== 'unreachable' && r.failedGuests?.length) detail([c.cyan('...ignoring')]);
    return out;
  }

  /** Failed guests, skipped ones with their reason, changed guests' changes, one short line each; every guest at -v. */
  guests(res: ModuleResult): string[] {
    const c = this.c;
    const out: string[] = [];
    const all = this.opts.verbosity > 0;
    for (const g of this.redactor.value(guestsOf(res))) {
      if (g.failed) {
        out.push(c.red(`  ${g.guest}: FAILED - ${g.msg ?? 'failed'}`));
        continue;
      }
      if (g.skipped) {
        out.push(c.cyan(`  ${g.guest}: skipped - ${g.msg ?? 'does not apply'}`));
        continue;
      }
      const pending = g.pending ? ' (pending: takes effect at next boot)' : '';
      const changes = Array.isArray(g.changes) ? g.changes : [];
      if (g.changed) {
        if (changes.length === 0) out.push(c.yellow(`  ${g.guest}: changed${g.msg ? ` - ${g.msg}` : ''}${pending}`));
        for (const ch of changes) out.push(c.yellow(`  ${g.guest}: ${ch}${pending}`));
        if (all && g.msg && changes.length > 0) out.push(c.yellow(`  ${g.guest}: ${g.msg}`));
      } else if (all) {
        out.push(c.green(`  ${g.guest}: ok${g.msg ? ` - ${g.msg}` : ''}${pending}`));
      } else if (g.pending) {
        out.push(c.yellow(`  ${g.guest}: pending changes take effect at next boot`));
      }
    }
    return out;
  }

  /** The result as Ansible dumps it after `=>` (sorted keys, no diff below -vvv, redacted; indented at -vvv and for debug). */
  dump(task: TaskInfo, r: TaskHostResult): string {
    const res: Record<string, unknown> = { ...(r.result ?? {}) };
    const always = res['_ansible_verbose_always'] === true;
    for (const k of Object.keys(res)) if (k.startsWith('_ansible')) delete res[k];
    delete res['failed'];
    delete res['skipped'];
    if (this.isLoopAggregate(r)) delete res['results'];
    if (this.opts.verbosity < 3) delete res['diff'];
    res['changed'] = res['changed'] === true;
    if (r.status === 'unreachable') res['unreachable'] = true;
    if (r.item !== undefined) res['item'] = r.item;
    if (task.module === 'debug') cleanDebug(res);
    return resultJson(this.redactor.value(res), this.opts.verbosity > 2 || always ? 4 : undefined);
  }

  warning(message: string, host?: string): string[] {
    const text = host ? `[WARNING]: [${host}] ${message}` : `[WARNING]: ${message}`;
    return text.split('\n').map((l) => this.c.magentaBright(l));
  }

  verbose(message: string, level: number, host?: string): string[] {
    if (this.opts.verbosity < level) return [];
    const text = host ? `<${host}> ${message}` : message;
    return text.split('\n').map((l) => this.c.blue(l));
  }

  recap(summary: RunSummary): string[] {
    const c = this.c;
    const out = this.banner('PLAY RECAP');
    const num = (lead: string, n: number, color: (s: string) => string): string => {
      const s = `${lead}=${String(n).padEnd(4)}`;
      return n !== 0 && this.opts.color ? color(s) : s;
    };
    for (const host of Object.keys(summary.stats).sort()) {
      const t: HostStats = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...summary.stats[host] };
      const hc = t.failed !== 0 || t.unreachable !== 0 || summary.failedGuests?.[host] ? c.red(host) : t.changed !== 0 ? c.yellow(host) : c.green(host);
      out.push(
        `${padVisible(hc, RECAP_HOST_WIDTH)} : ${num('ok', t.ok, c.green)} ${num('changed', t.changed, c.yellow)} ` +
          `${num('unreachable', t.unreachable, c.redBright)} ${num('failed', t.failed, c.red)} ` +
          `${num('skipped', t.skipped, c.cyan)} ${num('rescued', t.rescued, c.green)} ${num('ignored', t.ignored, c.magentaBright)}`,
      );
    }
    const withFailed = Object.keys(summary.failedGuests ?? {}).sort();
    if (withFailed.length > 0) {
      out.push('', 'Failed guests (left out of the later tasks; the other guests went on):');
      for (const host of withFailed) {
        for (const g of summary.failedGuests![host]!) out.push(c.red(`${host.padEnd(RECAP_HOST_WIDTH)} : ${g.guest} (task '${g.task.trim()}'): ${g.msg}`));
      }
    }
    out.push('');
    out.push(durationLine(summary.durationMs));
    if (this.opts.verbosity > 0) {
      const hosts = Object.keys(summary.transport ?? {}).sort();
      if (hosts.length > 0) out.push('Transport per host (SSH connections, remote commands):');
      for (const host of hosts) {
        const tr = summary.transport[host]!;
        out.push(`${host.padEnd(RECAP_HOST_WIDTH)} : connections=${String(tr.connections).padEnd(4)} commands=${tr.commands}`);
      }
    }
    return out;
  }
}

function padVisible(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

/** Like Ansible's timer callback, with the seconds to 1/100. */
export function durationLine(ms: number): string {
  const total = Math.max(0, ms) / 1000;
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = (total % 60).toFixed(2);
  return `Playbook run took ${days} days, ${hours} hours, ${minutes} minutes, ${seconds} seconds`;
}

/**
 * What Ansible's callbacks keep of a debug result (CallbackBase._clean_results): with msg, the msg
 * alone (and exception, warnings, deprecations); with var, everything but its bookkeeping keys.
 */
function cleanDebug(res: Record<string, unknown>): void {
  if ('msg' in res) {
    for (const k of Object.keys(res)) if (!['msg', 'exception', 'warnings', 'deprecations'].includes(k)) delete res[k];
  } else {
    for (const k of ['changed', 'failed', 'skipped', 'invocation', 'skip_reason']) delete res[k];
  }
}
