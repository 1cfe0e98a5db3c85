/**
 * io_bench_table: the seed article's Table 1 from registered guest_io_bench / host_io_bench results
 * of several configurations: per guest, path (disk, network) and size, one column per
 * configuration, the kept runs, the mean and the ratio against the baseline. The text goes to msg;
 * the figures to `tables` (register, --json); an SVG bar chart per table is written beside the
 * measurement history (or in chart_dir), its path in the table's `chart` and in msg. Under
 * --check nothing is written.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ModuleDef, TaskContext } from '../../engine/module.js';
import { barChartSvg } from './chart.js';
import { collectTables, type GuestTable } from './collect-results.js';
import { defaultHistoryPath, pathComponent } from './history.js';
import { renderTable } from './table.js';

export interface IoBenchTableArgs {
  results: unknown[];
  labels?: string[];
  baseline?: string | number;
  charts?: boolean;
  chart_dir?: string;
}

export const ioBenchTable: ModuleDef<IoBenchTableArgs> = {
  name: 'io_bench_table',
  description: "print the seed article's Table 1 (runs, mean, ratio to the baseline) from registered guest_io_bench results, and chart it (SVG)",
  checkMode: 'plan',
  // It changes nothing on any host (its charts are local files, not written under --check).
  async run(ctx, args) {
    const { tables, empty } = collectTables(args.results, args.labels, args.baseline ?? 0);
    const notes = empty.length > 0 ? [`no figures for: ${empty.join(', ')} (skipped, e.g. under --check, or not measured)`] : [];
    if (tables.length === 0) return { changed: false, msg: ['no measurements to tabulate', ...notes].join('\n'), tables };
    const charted: (GuestTable & { chart?: string })[] = tables;
    if (args.charts !== false && !ctx.check) {
      for (const t of charted) t.chart = await writeChart(ctx, t, args.chart_dir);
    }
    const text = charted.map((t) => renderTable(t) + (t.chart ? `\nchart: ${t.chart}` : ''));
    return { changed: false, msg: [...text, ...notes].join('\n\n'), tables: charted, charts: charted.flatMap((t) => (t.chart ? [t.chart] : [])) };
  },
};

/** `<guest>.<test>.<size>MiB.svg`, replaced whole (a temporary file renamed). */
async function writeChart(ctx: TaskContext, t: GuestTable, chartDir: string | undefined): Promise<string> {
  const dir = chartDir ? resolve(chartDir) : dirname(t.history_file ?? defaultHistoryPath(ctx.host, t.guest));
  const path = join(dir, `${pathComponent(t.guest)}.${t.test}.${t.size_mb}MiB.svg`);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, barChartSvg(t), { mode: 0o644 });
  await rename(tmp, path);
  return path;
}
