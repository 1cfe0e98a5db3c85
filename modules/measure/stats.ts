/**
 * The seed article's statistics: N runs, the highest and the lowest dropped, the mean of the rest.
 * Pure functions, no I/O.
 */

export interface RunStats {
  /** Every run, in the order measured (bytes/s). */
  runs: number[];
  /** The runs that count, ascending: all but one lowest and one highest (all of them below 3 runs). */
  kept: number[];
  /** Mean of the kept runs, not rounded. */
  mean: number;
  /** Lowest and highest of all runs (the dropped ones included). */
  min: number;
  max: number;
}

/** Drop one highest and one lowest run (when there are at least 3) and average the rest. */
export function trimmedStats(runs: readonly number[]): RunStats {
  if (runs.length === 0) throw new RangeError('no runs to summarise');
  if (runs.some((r) => !Number.isFinite(r) || r < 0)) throw new RangeError(`runs must be finite and not negative: ${runs.join(', ')}`);
  const sorted = [...runs].sort((a, b) => a - b);
  const kept = sorted.length >= 3 ? sorted.slice(1, -1) : sorted;
  const mean = kept.reduce((s, v) => s + v, 0) / kept.length;
  return { runs: [...runs], kept, mean, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

/** A mean as the article prints it: a whole number of bytes/s, rounded half up. */
export function roundMean(mean: number): number {
  return Math.round(mean);
}

/** value / baseline in percent, rounded to one decimal (the article's "177.1%"). */
export function ratioPercent(value: number, baseline: number): number {
  if (!(baseline > 0)) throw new RangeError('the baseline mean must be above 0');
  return Math.round((value / baseline) * 1000) / 10;
}

/**
 * Stats from runs already trimmed (the article prints only the kept runs; a registered result
 * carries them too). `runs`, when given, supplies min/max over every run.
 */
export function statsFromKept(kept: readonly number[], runs: readonly number[] = kept): RunStats {
  if (kept.length === 0) throw new RangeError('no kept runs to summarise');
  const all = [...runs, ...kept];
  if (all.some((r) => !Number.isFinite(r) || r < 0)) throw new RangeError(`runs must be finite and not negative: ${all.join(', ')}`);
  const sortedKept = [...kept].sort((a, b) => a - b);
  return {
    runs: [...runs],
    kept: sortedKept,
    mean: sortedKept.reduce((s, v) => s + v, 0) / sortedKept.length,
    min: Math.min(...all),
    max: Math.max(...all),
  };
}
