/**
 * Turns registered guest_io_bench / host_io_bench results (one per configuration and test; a
 * looped task's register holds one per item in `results`) into the article's tables: one per
 * guest, test (the disk path, the network path) and size, one column per configuration that
 * measured that test, in the order given (a '-' where it did not measure that guest). A
 * configuration without any figures (skipped under --check, or not measured) is in no table but
 * named in `empty`; one its task's condition skipped (a direction not asked for) is left out. Pure.
 */
import { TaskError } from '../../engine/errors.js';
import { BENCH_TESTS, type BenchTest } from './history.js';
import { buildTable, type BenchTable, type ColumnInput } from './table.js';

export interface GuestTable extends BenchTable {
  guest: string;
  test: BenchTest;
  size_mb: number;
  /** A history file its figures were appended to (charts go beside it). */
  history_file?: string;
}

interface Measurement {
  label: string;
  test: BenchTest;
  size_mb: number;
  guests: Record<string, { runs?: number[]; kept?: number[]; size_mb?: number; history_file?: string }>;
}

export interface Collected {
  tables: GuestTable[];
  /** Configurations that carried no figures (skipped under --check, failed, or not run), by label. */
  empty: string[];
}

/**
 * baseline: a configuration's label, or an index among each table's columns (default 0: each
 * table's first column; with one test, the columns are the results in order). A table without
 * that column takes its first.
 */
export function collectTables(results: readonly unknown[], labels?: readonly string[], baseline: string | number = 0): Collected {
  if (labels && labels.length !== results.length) {
    throw new TaskError(`labels has ${labels.length} entries but results has ${results.length}: give one label per result`);
  }
  const configs = results.map((r, i) => ({ label: labels?.[i] ?? labelOf(r) ?? `configuration ${i + 1}`, items: measurements(r, i) }));
  if (typeof baseline === 'string' ? !configs.some((c) => c.label === baseline) : baseline >= configs.length) {
    throw new TaskError(`baseline ${JSON.stringify(baseline)} is not one of the configurations (${configs.map((c) => c.label).join(', ')})`);
  }
  // Tables in first-seen order: guest, then test, then size.
  const keys: { guest: string; test: BenchTest; size: number }[] = [];
  for (const c of configs) {
    for (const m of c.items) {
      for (const [guest, g] of Object.entries(m.guests)) {
        const size = g.size_mb ?? m.size_mb;
        if (!keys.some((k) => k.guest === guest && k.test === m.test && k.size === size)) keys.push({ guest, test: m.test, size });
      }
    }
  }
  const tables = keys.map(({ guest, test, size }): GuestTable => {
    let historyFile: string | undefined;
    const inTable = configs.filter((c) => c.items.some((m) => m.test === test));
    const columns: ColumnInput[] = inTable.map((c) => {
      const m = c.items.find((it) => it.test === test && (it.guests[guest]?.size_mb ?? it.size_mb) === size && it.guests[guest]);
      const g = m?.guests[guest];
      historyFile ??= g?.history_file;
      return { label: c.label, ...(g?.runs ? { runs: g.runs } : {}), ...(g?.kept ? { kept: g.kept } : {}) };
    });
    const at = typeof baseline === 'string' ? columns.findIndex((c) => c.label === baseline) : baseline;
    const baseIndex = at >= 0 && at < columns.length ? at : 0;
    return {
      guest,
      test,
      size_mb: size,
      ...(historyFile ? { history_file: historyFile } : {}),
      ...buildTable(`${guest}: ${size} MiB ${TEST_TITLES[test]}`, columns, baseIndex),
    };
  });
  const empty = configs.filter((c, i) => !skippedByCondition(results[i]) && c.items.every((m) => Object.keys(m.guests).length === 0));
  return { tables, empty: empty.map((c) => c.label) };
}

const TEST_TITLES: Record<BenchTest, string> = {
  disk_write: 'written',
  network_in: 'sent into the guest over TCP (network)',
  network_out: 'sent out of the guest over TCP (network)',
};

/** A register whose task (or every loop item) was skipped by its `when`. */
function skippedByCondition(r: unknown): boolean {
  const o = asObject(r);
  if (!o) return false;
  if (Array.isArray(o.results) && o.results.length > 0) return o.results.every(skippedByCondition);
  return o.skipped === true && o.skip_reason === 'Conditional result was False';
}

function labelOf(r: unknown): string | undefined {
  const o = asObject(r);
  if (!o) return undefined;
  if (typeof o.label === 'string') return o.label;
  if (Array.isArray(o.results)) return o.results.map(labelOf).find((l) => l !== undefined);
  return undefined;
}

/** The guest_io_bench results inside one registered value (a loop's register holds several). */
function measurements(r: unknown, index: number): Measurement[] {
  const o = asObject(r);
  if (!o) throw new TaskError(`results[${index}] is not a registered guest_io_bench result (got ${r === null ? 'null' : typeof r})`);
  if (Array.isArray(o.results) && o.guests === undefined) return o.results.flatMap((item) => measurements(item, index));
  if (o.skipped === true || o.guests === undefined) return [];
  const guests = asObject(o.guests);
  if (!guests) throw new TaskError(`results[${index}].guests is not a mapping of guest names to figures`);
  const out: Measurement['guests'] = {};
  for (const [name, g] of Object.entries(guests)) {
    const go = asObject(g);
    const runs = numbers(go?.runs);
    const kept = numbers(go?.kept);
    if (!runs && !kept) throw new TaskError(`results[${index}].guests.${name} has no runs`);
    out[name] = {
      ...(runs ? { runs } : {}),
      ...(kept ? { kept } : {}),
      ...(typeof go?.size_mb === 'number' ? { size_mb: go.size_mb } : {}),
      ...(typeof go?.history_file === 'string' ? { history_file: go.history_file } : {}),
    };
  }
  const test = BENCH_TESTS.find((x) => x === o.test) ?? 'disk_write';
  return [{ label: typeof o.label === 'string' ? o.label : '', test, size_mb: typeof o.size_mb === 'number' ? o.size_mb : 0, guests: out }];
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  if (typeof v === 'string') {
    // A register rendered to text as JSON (a templating engine without native types) still works.
    try {
      return asObject(JSON.parse(v));
    } catch {
      return undefined;
    }
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function numbers(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : undefined;
}
