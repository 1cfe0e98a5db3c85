/**
 * What every benchmark module does with a guest's figures: append them to the local history (with
 * the ratio to the previous record of the same guest, test and size) and say them in one line.
 */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { TaskContext } from '../../engine/module.js';
import { formatRate, formatRatio } from './format.js';
import type { GuestBenchResult } from './guest-io-bench.js';
import type { BenchTest } from './history.js';
import type { WriteRun } from './linux-bench.js';
import { appendHistory, defaultHistoryPath, HistoryFormatError, previousRecord, readHistory, type MeasurementRecord } from './history.js';
import { ratioPercent, roundMean, trimmedStats } from './stats.js';

/** A guest's result from its runs (at least one). */
export function benchResult(
  test: BenchTest,
  os: GuestBenchResult['os'],
  sizeMb: number,
  targetDir: string | null,
  done: readonly WriteRun[],
): GuestBenchResult {
  // Whole bytes/s from the start, so that the mean here and in io_bench_table's table agree.
  const s = trimmedStats(done.map((r) => Math.round(r.bytes_per_sec)));
  const last = done[done.length - 1] as WriteRun;
  return {
    test,
    os,
    size_mb: sizeMb,
    target_dir: targetDir,
    runs: s.runs,
    kept: s.kept,
    mean: roundMean(s.mean),
    min: s.min,
    max: s.max,
    mode: last.mode,
    timing: last.timing,
    seconds: done.map((r) => r.seconds),
  };
}

export async function recordMeasurement(
  ctx: TaskContext,
  g: { name: string; uuid: string },
  a: { label: string | null; historyFile: string | undefined },
  r: GuestBenchResult,
): Promise<void> {
  const path = a.historyFile ? expandPath(a.historyFile) : defaultHistoryPath(ctx.host, g.name);
  const rec: MeasurementRecord = {
    time: new Date().toISOString(),
    host: ctx.host,
    guest: g.name,
    uuid: g.uuid,
    label: a.label,
    test: r.test,
    size_mb: r.size_mb,
    target_dir: r.target_dir,
    os: r.os,
    mode: r.mode,
    runs: r.runs,
    kept: r.kept,
    mean: r.mean,
    min: r.min,
    max: r.max,
  };
  try {
    const h = await readHistory(path);
    const prev = previousRecord(h, rec);
    if (prev && prev.mean > 0) r.previous = { time: prev.time, label: prev.label, mean: prev.mean, ratio_pct: ratioPercent(r.mean, prev.mean) };
    await appendHistory(path, h, rec);
    r.history_file = path;
  } catch (e) {
    // The measurement stands; only its record is lost (and a damaged file is left as it is).
    const why = e instanceof HistoryFormatError ? e.message : `${path}: ${(e as Error).message}`;
    ctx.warn(`guest ${g.name}: measurement not recorded: ${why}`);
  }
}

function expandPath(p: string): string {
  const home = p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
  return isAbsolute(home) ? home : resolve(home);
}

export function benchSummary(name: string, r: GuestBenchResult): string {
  const prev = r.previous ? `; ${formatRatio(r.previous.ratio_pct)} of ${r.previous.label ?? 'the previous run'} (${r.previous.time})` : '';
  const what =
    r.os === 'host'
      ? r.test === 'disk_write'
        ? `written on the host in ${r.target_dir ?? '?'}`
        : "sent over the host's loopback"
      : r.test === 'disk_write'
        ? 'written'
        : r.test === 'network_in'
          ? 'sent into the guest'
          : 'sent out of the guest';
  return (
    `${name}: ${r.size_mb} MiB ${what} ${r.runs.length}x (${r.mode}): mean of ${r.kept.length} ${formatRate(r.mean)} ` +
    `(${r.mean} bytes/s; min ${formatRate(r.min)}, max ${formatRate(r.max)})${prev}`
  );
}
