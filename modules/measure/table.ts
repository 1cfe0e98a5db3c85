/**
 * The article's Table 1: one column per configuration, a row per kept run, the mean, and the ratio
 * against the baseline configuration. buildTable computes (pure); renderTable prints.
 */
import { formatRatio, groupThousands } from './format.js';
import { ratioPercent, roundMean, statsFromKept, trimmedStats } from './stats.js';

/**
 * One configuration: its runs (bytes/s), or none when it was not measured. `kept`, when given, are
 * the runs that count, already chosen (a guest_io_bench result, the article's printed table);
 * otherwise they are chosen from `runs` the article's way.
 */
export interface ColumnInput {
  label: string;
  runs?: readonly number[];
  kept?: readonly number[];
}

export interface TableColumn {
  label: string;
  measured: boolean;
  runs: number[];
  kept: number[];
  /** Mean of the kept runs, whole bytes/s (the article's figure). */
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Percent of the baseline's mean, one decimal; null when either side was not measured. */
  ratio_pct: number | null;
  baseline: boolean;
}

export interface BenchTable {
  title: string;
  unit: 'bytes/s';
  baseline: string;
  columns: TableColumn[];
}

export function buildTable(title: string, inputs: readonly ColumnInput[], baselineIndex = 0): BenchTable {
  const base = inputs[baselineIndex];
  if (!base) throw new RangeError(`no configuration at baseline index ${baselineIndex}`);
  const stats = inputs.map((c) =>
    c.kept && c.kept.length > 0 ? statsFromKept(c.kept, c.runs ?? c.kept) : c.runs && c.runs.length > 0 ? trimmedStats(c.runs) : null,
  );
  const baseStats = stats[baselineIndex];
  const columns = inputs.map((c, i): TableColumn => {
    const s = stats[i];
    const isBase = i === baselineIndex;
    return {
      label: c.label,
      measured: s !== null,
      runs: s?.runs ?? [],
      kept: s?.kept ?? [],
      mean: s ? roundMean(s.mean) : null,
      min: s?.min ?? null,
      max: s?.max ?? null,
      // The ratio comes from the unrounded means; for the article's table both ways agree.
      ratio_pct: s && baseStats ? (isBase ? 100 : ratioPercent(s.mean, baseStats.mean)) : null,
      baseline: isBase,
    };
  });
  return { title, unit: 'bytes/s', baseline: base.label, columns };
}

/** Plain text, right-aligned columns, as the article lays it out. */
export function renderTable(t: BenchTable): string {
  const depth = Math.max(0, ...t.columns.map((c) => c.kept.length));
  const rows: string[][] = [['', ...t.columns.map((c) => c.label)]];
  for (let i = 0; i < depth; i++) {
    rows.push([String(i + 1), ...t.columns.map((c) => cell(c.measured, c.kept[i]))]);
  }
  rows.push(['mean', ...t.columns.map((c) => cell(c.measured, c.mean ?? undefined))]);
  rows.push(['ratio', ...t.columns.map((c) => (c.ratio_pct === null ? '-' : formatRatio(c.ratio_pct, c.baseline)))]);
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const lines = rows.map((r) =>
    r
      .map((v, j) => (j === 0 ? v.padEnd(widths[j]!) : v.padStart(widths[j]!)))
      .join('  ')
      .trimEnd(),
  );
  return [`${t.title} (${t.unit}; runs kept after dropping the highest and the lowest)`, ...lines].join('\n');
}

function cell(measured: boolean, v: number | undefined): string {
  if (!measured) return '-';
  return v === undefined ? '' : groupThousands(v);
}
