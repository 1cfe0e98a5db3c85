/**
 * The performance targets of issue 15, checked against one bench run's figures: each line says
 * the figure, the target, and met, missed, or not measured (and why).
 */
import type { BootstrapWall } from './bootstrap-wall.js';
import { median } from './measure.js';
import type { Cell, Planning, SizeResult, Timing } from './table.js';

const wall = (c: Cell | undefined): number => (c && c.runs.length > 0 ? median(c.runs.map((r) => r.wallS)) : NaN);
/** The largest per-host count of the last run of a cell (every host must meet the target). */
const worst = (c: Cell | undefined, k: 'connections' | 'commands'): number => (c && c.runs.length > 0 ? Math.max(...c.runs[c.runs.length - 1]!.sshd[k]) : NaN);

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED';
}

function line(what: string, figure: string, target: string, ok: boolean | undefined, why = ''): string {
  return `- ${what}: ${figure} (target ${target}): **${verdict(ok)}**${why ? ` (${why})` : ''}`;
}

const has = (x: number): boolean => Number.isFinite(x);

export function targetLines(
  results: readonly SizeResult[],
  starts: readonly Timing[],
  plans: readonly Planning[],
  boot: readonly BootstrapWall[] | undefined,
): string[] {
  const out: string[] = [];
  const size = (s: string) => results.find((r) => r.size === s && r.error === undefined);
  const ten = size('10x10');
  for (const kind of ['first', 'no-op'] as const) {
    const vp = ten?.cells[kind].virtplay;
    const an = ten?.cells[kind].ansible;
    const x = wall(an) / wall(vp);
    const need = kind === 'first' ? 45 : 80;
    const cmds = kind === 'first' ? 2 : 1;
    out.push(
      line(
        `10x10 ${kind}, Ansible/virtplay wall`,
        has(x) ? `${x.toFixed(1)}x` : '-',
        `>= ${need}x`,
        has(x) ? x >= need : undefined,
        ten ? '' : '10x10 not in BENCH_SIZES',
      ),
    );
    const c = worst(vp, 'commands');
    const k = worst(vp, 'connections');
    out.push(
      line(
        `10x10 ${kind}, virtplay per host`,
        has(c) ? `${k} connection(s), ${c} command(s)` : '-',
        `1 connection, ${cmds} command(s)`,
        has(c) ? k === 1 && c <= cmds : undefined,
      ),
    );
  }
  const big = size('50x10');
  const ratio = wall(big?.cells['no-op'].virtplay) / wall(ten?.cells['no-op'].virtplay);
  const bigWhy = results.find((r) => r.size === '50x10')?.error ?? (big ? '' : '50x10 not in BENCH_SIZES');
  out.push(line('50x10 no-op wall / 10x10 no-op wall', has(ratio) ? `${ratio.toFixed(2)}x` : '-', '<= 2.5x', has(ratio) ? ratio <= 2.5 : undefined, bigWhy));
  for (const target of [
    { guests: 1000, cpuS: 0.5, rssMb: 150 },
    { guests: 10_000, cpuS: 5, rssMb: 600 },
  ]) {
    const p = plans.find((x) => x.guests === target.guests);
    const n = target.guests.toLocaleString('en');
    const why = p ? '' : `${target.guests} not in BENCH_PLAN_SIZES`;
    out.push(line(`planning ${n} guests, CPU`, p ? `${p.cpuS.toFixed(2)} s` : '-', `<= ${target.cpuS} s`, p ? p.cpuS <= target.cpuS : undefined, why));
    out.push(
      line(
        `planning ${n} guests, peak RSS`,
        p ? `${p.peakRssMb.toFixed(0)} MB` : '-',
        `<= ${target.rssMb} MB`,
        p ? p.peakRssMb <= target.rssMb : undefined,
        why,
      ),
    );
  }
  const start = (label: string) => starts.find((s) => s.label.includes(label));
  const version = start('virtplay --version');
  const syntax = start('virtplay --syntax-check');
  out.push(line('`virtplay --version`', version ? `${version.wallS.toFixed(3)} s` : '-', '<= 0.12 s', version ? version.wallS <= 0.12 : undefined));
  out.push(
    line('`virtplay --syntax-check` of linux-virtio.yml', syntax ? `${syntax.wallS.toFixed(3)} s` : '-', '<= 0.2 s', syntax ? syntax.wallS <= 0.2 : undefined),
  );
  const one = boot?.find((b) => b.guests === 1);
  const four = boot?.filter((b) => b.guests === 4 && b.parallel > 1).sort((a, b) => a.wallS - b.wallS)[0];
  const bx = four && one ? four.wallS / one.wallS : NaN;
  out.push(
    line(
      '4 stand-ins bootstrapped on one host / one',
      has(bx) ? `${bx.toFixed(2)}x (${four!.label})` : '-',
      '<= 2.5x',
      has(bx) ? bx <= 2.5 : undefined,
      boot ? '' : 'BENCH_BOOTSTRAP=0',
    ),
  );
  return out;
}
