/**
 * The local record of measurements, so a later run can compare: one JSON file per host and guest
 * under $XDG_STATE_HOME/virtplay/measurements/ (default ~/.local/state/...), or one file of the
 * user's choosing for everything. Appending rewrites the file through a temporary file and a
 * rename, so an interrupted run never leaves half a file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What was measured: a disk write, or a TCP transfer into or out of the guest through its NIC. */
export const BENCH_TESTS = ['disk_write', 'network_in', 'network_out'] as const;
export type BenchTest = (typeof BENCH_TESTS)[number];

export interface MeasurementRecord {
  time: string;
  host: string;
  guest: string;
  uuid: string;
  label: string | null;
  test: BenchTest;
  size_mb: number;
  target_dir: string | null;
  os: string;
  mode: string;
  runs: number[];
  kept: number[];
  mean: number;
  min: number;
  max: number;
}

export interface HistoryFile {
  version: 1;
  records: MeasurementRecord[];
}

export function stateHome(env: NodeJS.ProcessEnv = process.env): string {
  const x = env.XDG_STATE_HOME;
  // The XDG spec: a relative path is invalid and must be ignored.
  return x && x.startsWith('/') ? x : join(env.HOME || homedir(), '.local', 'state');
}

/** A name made safe as one path component (inventory host names may hold anything). */
export function pathComponent(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._@:+-]/g, '_');
  return s === '' || s === '.' || s === '..' ? `_${s}` : s;
}

export function defaultHistoryPath(host: string, guest: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateHome(env), 'virtplay', 'measurements', pathComponent(host), `${pathComponent(guest)}.json`);
}

export class HistoryFormatError extends Error {
  override name = 'HistoryFormatError';
}

export async function readHistory(path: string): Promise<HistoryFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, records: [] };
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new HistoryFormatError(`${path} is not JSON (${(e as Error).message})`);
  }
  const h = data as Partial<HistoryFile>;
  if (typeof data !== 'object' || data === null || h.version !== 1 || !Array.isArray(h.records)) {
    throw new HistoryFormatError(`${path} is not a virtplay measurement history (expected {"version": 1, "records": [...]})`);
  }
  return h as HistoryFile;
}

/** The latest earlier record of the same guest, test and size: the same label first, else any. */
export function previousRecord(h: HistoryFile, r: Pick<MeasurementRecord, 'host' | 'guest' | 'test' | 'size_mb' | 'label'>): MeasurementRecord | undefined {
  const same = h.records.filter((p) => p.host === r.host && p.guest === r.guest && p.test === r.test && p.size_mb === r.size_mb);
  return same.filter((p) => p.label === r.label).pop() ?? same.pop();
}

export async function appendHistory(path: string, h: HistoryFile, record: MeasurementRecord): Promise<void> {
  const next: HistoryFile = { version: 1, records: [...h.records, record] };
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}
