/**
 * Turns registered guest_io_bench results (one per configuration; a looped task's register holds
 * one per item in `results`) into the article's tables: one per guest and size, one column per
 * configuration in the order given. Pure.
 */
import { TaskError } from '../../engine/errors.js';
import { buildTable, type BenchTable, type ColumnInput } from './table.js';

export interface GuestTable extends BenchTable {
  guest: string;
  size_mb: number;
}

interface Measurement {
  label: string;
  size_mb: number;
  guests: Record<string, { runs?: number[]; kept?: number[]; size_mb?: number }>;
}

export interface Collected {
  tables: GuestTable[];
  /** Configurations that carried no figures (skipped under --check, failed, or not run), by label. */
  empty: string[];
}

/** baseline: a configuration's label or its index among `results` (default: the first). */
export function collectTables(results: readonly unknown[], labels?: readonly string[], baseline: string | number = 0): Collected {
  if (labels && labels.length !== results.length) {
    throw new TaskError(`labels has ${labels.length} entries but results has ${results.length}: give one label per result`);
  }
  const configs = results.map((r, i) => ({ label: labels?.[i] ?? labelOf(r) ?? `configuration ${i + 1}`, items: measurements(r, i) }));
  const baseIndex = typeof baseline === 'number' ? baseline : configs.findIndex((c) => c.label === baseline);
  if (baseIndex < 0 || baseIndex >= configs.length) {
    throw new TaskError(`baseline ${JSON.stringify(baseline)} is not one of the configurations (${configs.map((c) => c.label).join(', ')})`);
  }
  // Rows of tables in first-seen order: guest, then size.
  const keys: { guest: string; size: number }[] = [];
  for (const c of configs) {
    for (const m of c.items) {
      for (const [guest, g] of Object.entries(m.guests)) {
        const size = g.size_mb ?? m.size_mb;
        if (!keys.some((k) => k.guest === guest && k.size === size)) keys.push({ guest, size });
      }
    }
  }
  const tables = keys.map(({ guest, size }): GuestTable => {
    const columns: ColumnInput[] = configs.map((c) => {
      const m = c.items.find((it) => (it.guests[guest]?.size_mb ?? it.size_mb) === size && it.guests[guest]);
      const g = m?.guests[guest];
      return { label: c.label, ...(g?.runs ? { runs: g.runs } : {}), ...(g?.kept ? { kept: g.kept } : {}) };
    });
    return { guest, size_mb: size, ...buildTable(`${guest}: ${size} MiB written`, columns, baseIndex) };
  });
  return { tables, empty: configs.filter((c) => c.items.every((m) => Object.keys(m.guests).length === 0)).map((c) => c.label) };
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
    out[name] = { ...(runs ? { runs } : {}), ...(kept ? { kept } : {}), ...(typeof go?.size_mb === 'number' ? { size_mb: go.size_mb } : {}) };
  }
  return [{ label: typeof o.label === 'string' ? o.label : '', size_mb: typeof o.size_mb === 'number' ? o.size_mb : 0, guests: out }];
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
