/**
 * guest_io_bench: the seed article's benchmark, measured inside each selected running guest through
 * the QEMU guest agent. N runs (default 5) of a synced/direct disk write, the highest and the lowest
 * dropped, the mean of the rest; results appended to a local history so a later run can compare.
 * Changes nothing on the guest's definition (changed: false), but writes (and removes) a temporary
 * file in the guest, so it does not run under --check (checkMode 'none').
 */
import { isAbsolute, resolve } from 'node:path';
import { homedir } from 'node:os';
import { TaskError } from '../../engine/errors.js';
import type { ModuleDef, ModuleResult, TaskContext } from '../../engine/module.js';
import { AgentUnavailable, agentPing, guestExec, waitForAgent } from '../libvirt/agent.js';
import { libvirtFacts, libvirtUri, type GuestFacts } from '../libvirt/facts.js';
import { selectGuests, type GuestSelector } from '../libvirt/select-guests.js';
import { formatRate, formatRatio } from './format.js';
import { detectGuestOs, type GuestOs } from './guest-os.js';
import { appendHistory, defaultHistoryPath, HistoryFormatError, previousRecord, readHistory, type MeasurementRecord } from './history.js';
import { linuxBenchArgv, parseLinuxBench, type ParsedRun, type WriteRun } from './linux-bench.js';
import { ratioPercent, roundMean, trimmedStats } from './stats.js';
import { parseWindowsBench, windowsBenchArgv } from './windows-bench.js';

/** Numbers may arrive as numeric strings (-e key=value); the schema has checked their form. */
type Int = number | string;

export interface GuestIoBenchArgs extends GuestSelector {
  size_mb?: Int;
  runs?: Int;
  target_dir?: string;
  label?: string;
  os?: 'auto' | GuestOs;
  timeout?: Int;
  agent_timeout?: Int;
  record?: boolean;
  history_file?: string;
}

interface Settings {
  sizeMb: number;
  runs: number;
  label: string | null;
  /** undefined: the OS's default folder. */
  targetDir: string | undefined;
  os: 'auto' | GuestOs;
  timeoutMs: number;
  agentTimeoutMs: number;
  record: boolean;
  historyFile: string | undefined;
}

const int = (v: Int | undefined, dflt: number): number => (v === undefined || v === '' ? dflt : Math.trunc(Number(v)));

export function settings(a: GuestIoBenchArgs): Settings {
  return {
    sizeMb: int(a.size_mb, DEFAULTS.size_mb),
    runs: int(a.runs, DEFAULTS.runs),
    label: a.label ?? null,
    targetDir: a.target_dir || undefined,
    os: a.os ?? 'auto',
    timeoutMs: int(a.timeout, DEFAULTS.timeout) * 1000,
    agentTimeoutMs: int(a.agent_timeout, DEFAULTS.agent_timeout) * 1000,
    record: a.record !== false,
    historyFile: a.history_file || undefined,
  };
}

/** Per guest, in the result (and in register / --json). */
export interface GuestBenchResult {
  test: 'disk_write';
  os: GuestOs;
  size_mb: number;
  target_dir: string | null;
  /** bytes/s of every run, in the order measured. */
  runs: number[];
  kept: number[];
  /** Mean of the kept runs, whole bytes/s. */
  mean: number;
  min: number;
  max: number;
  mode: string;
  timing: WriteRun['timing'];
  seconds: number[];
  previous?: { time: string; label: string | null; mean: number; ratio_pct: number };
  history_file?: string;
}

const DEFAULTS = { size_mb: 100, runs: 5, target_dir_linux: '/var/tmp', timeout: 600, agent_timeout: 120 };

export const guestIoBench: ModuleDef<GuestIoBenchArgs> = {
  name: 'guest_io_bench',
  description: "measure disk write throughput inside running guests through the guest agent (the seed article's benchmark)",
  // It writes a temporary file in each guest: not a read-only action, so --check skips it (Ansible's way).
  checkMode: 'none',
  async run(ctx, args) {
    const facts = await ctx.facts(libvirtFacts);
    const uri = libvirtUri(ctx.vars);
    const selected = selectGuests(facts, args, ctx.failedGuests);
    const set = settings(args);
    if (set.runs < 3) ctx.warn(`guest_io_bench: ${set.runs} run(s): fewer than 3, so no highest/lowest run is dropped`);
    const guests: Record<string, GuestBenchResult> = {};
    const unmeasured: Record<string, string> = {};
    const failures: string[] = [];
    // One guest after the other: guests of one host measured at once would share its disk and CPUs.
    for (const g of selected) {
      if (!g.running) {
        unmeasured[g.name] = 'not running';
        continue;
      }
      try {
        const up = set.agentTimeoutMs > 0 ? await waitForAgent(ctx, uri, g, set.agentTimeoutMs) : await agentPing(ctx, uri, g);
        if (!up) {
          unmeasured[g.name] = `the QEMU guest agent does not answer${set.agentTimeoutMs > 0 ? ` (waited ${set.agentTimeoutMs / 1000} s)` : ''}`;
          continue;
        }
        guests[g.name] = await measureGuest(ctx, uri, g, set);
      } catch (e) {
        if (e instanceof AgentUnavailable) unmeasured[g.name] = e.message;
        else if (e instanceof TaskError) failures.push(e.message);
        else throw e;
      }
    }
    for (const [name, why] of Object.entries(unmeasured)) ctx.warn(`guest ${name} not measured: ${why}`);
    const lines = Object.entries(guests).map(([name, r]) => summary(name, r));
    const result: ModuleResult = { changed: false, label: set.label, test: 'disk_write', size_mb: set.sizeMb, guests, unmeasured };
    if (failures.length > 0) {
      return { ...result, failed: true, msg: [...failures, ...lines].join('\n') };
    }
    if (selected.length > 0 && lines.length === 0) {
      return { ...result, failed: true, msg: `no guest could be measured: ${Object.entries(unmeasured).map(([n, w]) => `${n}: ${w}`).join('; ')}` };
    }
    return { ...result, msg: lines.length > 0 ? lines.join('\n') : 'no guests selected' };
  },
};

async function measureGuest(ctx: TaskContext, uri: string, g: GuestFacts, a: Settings): Promise<GuestBenchResult> {
  const os = a.os === 'auto' ? await detectGuestOs(ctx, uri, g) : a.os;
  const targetDir = a.targetDir ?? (os === 'windows' ? undefined : DEFAULTS.target_dir_linux);
  const done: WriteRun[] = [];
  for (let i = 0; i < a.runs; i++) {
    const argv = os === 'windows' ? windowsBenchArgv(targetDir, a.sizeMb) : linuxBenchArgv(targetDir as string, a.sizeMb);
    const r = await guestExec(ctx, uri, g, argv.path, argv.args, { timeoutMs: a.timeoutMs });
    const parsed: ParsedRun = os === 'windows' ? parseWindowsBench(r.stdout, r.stderr, r.exitcode) : parseLinuxBench(r.stdout + r.stderr, a.sizeMb);
    if (!parsed.ok) throw new TaskError(`${parsed.error} (writing ${a.sizeMb} MiB in ${targetDir ?? 'the temporary folder'})`, g.name);
    if (i === 0 && parsed.refused.includes('oflag=direct')) {
      ctx.warn(
        `guest ${g.name}: ${targetDir} refused O_DIRECT (ramfs or an older tmpfs?); measured with ${parsed.run.mode}, ` +
          'which may measure memory rather than a disk: set target_dir to a folder on the disk under test',
      );
    }
    ctx.log(`guest ${g.name}: run ${i + 1}/${a.runs}: ${formatRate(parsed.run.bytes_per_sec)} (${parsed.run.seconds} s, ${parsed.run.mode}, ${parsed.run.timing})`, 1);
    done.push(parsed.run);
  }
  // Whole bytes/s from the start, so that the mean here and in io_bench_table's table agree.
  const s = trimmedStats(done.map((r) => Math.round(r.bytes_per_sec)));
  const last = done[done.length - 1] as WriteRun;
  const result: GuestBenchResult = {
    test: 'disk_write',
    os,
    size_mb: a.sizeMb,
    target_dir: targetDir ?? null,
    runs: s.runs,
    kept: s.kept,
    mean: roundMean(s.mean),
    min: s.min,
    max: s.max,
    mode: last.mode,
    timing: last.timing,
    seconds: done.map((r) => r.seconds),
  };
  if (a.record) await record(ctx, g, a, result);
  return result;
}

async function record(ctx: TaskContext, g: GuestFacts, a: Settings, r: GuestBenchResult): Promise<void> {
  const path = a.historyFile ? expandPath(a.historyFile) : defaultHistoryPath(ctx.host, g.name);
  const rec: MeasurementRecord = {
    time: new Date().toISOString(),
    host: ctx.host,
    guest: g.name,
    uuid: g.uuid,
    label: a.label,
    test: 'disk_write',
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

function summary(name: string, r: GuestBenchResult): string {
  const prev = r.previous ? `; ${formatRatio(r.previous.ratio_pct)} of ${r.previous.label ?? 'the previous run'} (${r.previous.time})` : '';
  return (
    `${name}: ${r.size_mb} MiB written ${r.runs.length}x (${r.mode}): mean of ${r.kept.length} ${formatRate(r.mean)} ` +
    `(${r.mean} bytes/s; min ${formatRate(r.min)}, max ${formatRate(r.max)})${prev}`
  );
}
