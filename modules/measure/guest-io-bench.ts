/**
 * guest_io_bench: the seed article's benchmark, measured for each selected running guest through
 * the QEMU guest agent. N runs (default 5), the highest and the lowest dropped, the mean of the
 * rest; results appended to a local history so a later run can compare. `test`:
 *   disk_write   a synced/direct write of size_mb MiB inside the guest (the disk path)
 *   network_in   size_mb MiB sent by the host to the guest over TCP through the guest's NIC (the
 *                article's direction: it wrote to a share on the guest); network_out the other way
 * Changes nothing on the guest's definition (changed: false), but writes (and removes) a temporary
 * file in the guest, or opens a port on the host for a moment, so it does not run under --check
 * (checkMode 'none').
 */
import { TaskError } from '../../engine/errors.js';
import type { ModuleDef, ModuleResult, TaskContext } from '../../engine/module.js';
import { AgentUnavailable, agentPing, guestExec, waitForAgent } from '../libvirt/agent.js';
import { libvirtFacts, libvirtUri, type GuestFacts } from '../libvirt/facts.js';
import { selectGuests, type GuestSelector } from '../libvirt/select-guests.js';
import { benchResult, benchSummary, recordMeasurement } from './bench-record.js';
import { formatRate } from './format.js';
import { detectGuestOs, type GuestOs } from './guest-os.js';
import type { BenchTest } from './history.js';
import { linuxBenchArgv, parseLinuxBench, type ParsedRun, type WriteRun } from './linux-bench.js';
import { guestNetRun } from './net-run.js';
import { parseWindowsBench, windowsBenchArgv } from './windows-bench.js';

/** Numbers may arrive as numeric strings (-e key=value); the schema has checked their form. */
type Int = number | string;

export interface GuestIoBenchArgs extends GuestSelector {
  test?: BenchTest;
  size_mb?: Int;
  runs?: Int;
  target_dir?: string;
  label?: string;
  os?: 'auto' | GuestOs;
  timeout?: Int;
  agent_timeout?: Int;
  record?: boolean;
  history_file?: string;
  host_address?: string;
  bind_address?: string;
  port?: Int;
  connect_timeout?: Int;
}

interface Settings {
  test: BenchTest;
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
  hostAddress: string;
  bindAddress: string;
  port: number;
  connectTimeoutSec: number;
}

const int = (v: Int | undefined, dflt: number): number => (v === undefined || v === '' ? dflt : Math.trunc(Number(v)));

export function settings(a: GuestIoBenchArgs): Settings {
  return {
    test: a.test ?? 'disk_write',
    sizeMb: int(a.size_mb, DEFAULTS.size_mb),
    runs: int(a.runs, DEFAULTS.runs),
    label: a.label ?? null,
    targetDir: a.target_dir || undefined,
    os: a.os ?? 'auto',
    timeoutMs: int(a.timeout, DEFAULTS.timeout) * 1000,
    agentTimeoutMs: int(a.agent_timeout, DEFAULTS.agent_timeout) * 1000,
    record: a.record !== false,
    historyFile: a.history_file || undefined,
    hostAddress: a.host_address ?? '',
    bindAddress: a.bind_address || DEFAULTS.bind_address,
    port: int(a.port, 0),
    connectTimeoutSec: int(a.connect_timeout, DEFAULTS.connect_timeout),
  };
}

/** Per guest, in the result (and in register / --json). */
export interface GuestBenchResult {
  test: BenchTest;
  /** 'host': host_io_bench's bare-host figures, kept under the guest whose storage they measure. */
  os: GuestOs | 'host';
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

const DEFAULTS = { size_mb: 100, runs: 5, target_dir_linux: '/var/tmp', timeout: 600, agent_timeout: 120, bind_address: '0.0.0.0', connect_timeout: 30 };

export const guestIoBench: ModuleDef<GuestIoBenchArgs> = {
  name: 'guest_io_bench',
  description: "measure disk writes in running guests, or TCP through their NIC, through the guest agent (the seed article's benchmark)",
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
    const lines = Object.entries(guests).map(([name, r]) => benchSummary(name, r));
    const result: ModuleResult = { changed: false, label: set.label, test: set.test, size_mb: set.sizeMb, guests, unmeasured };
    if (failures.length > 0) {
      return { ...result, failed: true, msg: [...failures, ...lines].join('\n') };
    }
    if (selected.length > 0 && lines.length === 0) {
      return {
        ...result,
        failed: true,
        msg: `no guest could be measured: ${Object.entries(unmeasured)
          .map(([n, w]) => `${n}: ${w}`)
          .join('; ')}`,
      };
    }
    return { ...result, msg: lines.length > 0 ? lines.join('\n') : 'no guests selected' };
  },
};

async function measureGuest(ctx: TaskContext, uri: string, g: GuestFacts, a: Settings): Promise<GuestBenchResult> {
  const os = a.os === 'auto' ? await detectGuestOs(ctx, uri, g) : a.os;
  const network = a.test !== 'disk_write';
  const targetDir = network ? undefined : (a.targetDir ?? (os === 'windows' ? undefined : DEFAULTS.target_dir_linux));
  const done: WriteRun[] = [];
  for (let i = 0; i < a.runs; i++) {
    const run = network ? await netRun(ctx, uri, g, os, a) : await diskRun(ctx, uri, g, os, a, targetDir, i === 0);
    ctx.log(
      `guest ${g.name}: run ${i + 1}/${a.runs}: ${formatRate(run.bytes_per_sec)} (${run.seconds} s, ${network ? a.test : `${run.mode}, ${run.timing}`})`,
      1,
    );
    done.push(run);
  }
  const result = benchResult(a.test, os, a.sizeMb, targetDir ?? null, done);
  if (a.record) await recordMeasurement(ctx, g, a, result);
  return result;
}

/** One TCP transfer through the guest's NIC (network_in / network_out). */
function netRun(ctx: TaskContext, uri: string, g: GuestFacts, os: GuestOs, a: Settings): Promise<WriteRun> {
  return guestNetRun(ctx, uri, g, os, {
    sizeMb: a.sizeMb,
    direction: a.test === 'network_in' ? 'in' : 'out',
    hostAddress: a.hostAddress,
    bind: a.bindAddress,
    port: a.port,
    connectTimeoutSec: a.connectTimeoutSec,
    timeoutMs: a.timeoutMs,
  });
}

/** One disk write in the guest; the first run warns when O_DIRECT was refused. */
async function diskRun(
  ctx: TaskContext,
  uri: string,
  g: GuestFacts,
  os: GuestOs,
  a: Settings,
  targetDir: string | undefined,
  first: boolean,
): Promise<WriteRun> {
  const argv = os === 'windows' ? windowsBenchArgv(targetDir, a.sizeMb) : linuxBenchArgv(targetDir as string, a.sizeMb);
  const r = await guestExec(ctx, uri, g, argv.path, argv.args, { timeoutMs: a.timeoutMs });
  const parsed: ParsedRun = os === 'windows' ? parseWindowsBench(r.stdout, r.stderr, r.exitcode) : parseLinuxBench(r.stdout + r.stderr, a.sizeMb);
  if (!parsed.ok) throw new TaskError(`${parsed.error} (writing ${a.sizeMb} MiB in ${targetDir ?? 'the temporary folder'})`, g.name);
  if (first && parsed.refused.includes('oflag=direct')) {
    ctx.warn(
      `guest ${g.name}: ${targetDir} refused O_DIRECT (ramfs or an older tmpfs?); measured with ${parsed.run.mode}, ` +
        'which may measure memory rather than a disk: set target_dir to a folder on the disk under test',
    );
  }
  return parsed.run;
}
