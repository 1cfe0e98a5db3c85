/**
 * host_io_bench: the article's fourth column, the bare host. The same measurement as
 * guest_io_bench, made on the KVM host itself over the task's SSH connection, and reported under
 * each selected guest so that io_bench_table puts it beside that guest's configurations:
 *   disk_write   size_mb MiB written (O_DIRECT, else synced) in the folder that holds the guest's
 *                first disk image (host_dir overrides): the storage under the guest's disk
 *   network_in / network_out   size_mb MiB over the host's loopback (its own TCP stack, no guest:
 *                the ceiling a guest's NIC is measured against)
 * Guests whose storage shares a folder share one measurement. Writes (and removes) a temporary
 * file on the host, so it does not run under --check.
 */
import { dirname } from 'node:path';
import { TaskError } from '../../engine/errors.js';
import type { ModuleDef, ModuleResult, TaskContext } from '../../engine/module.js';
import { shJoin } from '../../engine/shell.js';
import { libvirtFacts, type GuestFacts } from '../libvirt/facts.js';
import { inactiveDomain } from '../libvirt/parsed.js';
import { selectGuests } from '../libvirt/select-guests.js';
import { benchResult, benchSummary, recordMeasurement } from './bench-record.js';
import { formatRate } from './format.js';
import { settings, type GuestBenchResult, type GuestIoBenchArgs } from './guest-io-bench.js';
import { linuxBenchArgv, parseLinuxBench, type WriteRun } from './linux-bench.js';
import { startEndpoint, transferRun } from './net-host.js';

export interface HostIoBenchArgs extends Omit<GuestIoBenchArgs, 'target_dir' | 'os' | 'agent_timeout' | 'host_address'> {
  host_dir?: string;
}

export const hostIoBench: ModuleDef<HostIoBenchArgs> = {
  name: 'host_io_bench',
  description: "the article's bare-host column: guest_io_bench's measurement on the KVM host (the storage under each guest's disk, or the host's loopback)",
  checkMode: 'none',
  async run(ctx, args) {
    const facts = await ctx.facts(libvirtFacts);
    const selected = selectGuests(facts, args, ctx.failedGuests);
    const set = { ...settings(args), label: args.label ?? 'bare host' };
    const guests: Record<string, GuestBenchResult> = {};
    const unmeasured: Record<string, string> = {};
    // One measurement per folder (disk) or per host (network), shared by the guests it stands for.
    const measured = new Map<string, WriteRun[]>();
    for (const g of selected) {
      const where = set.test === 'disk_write' ? args.host_dir || diskFolder(g) : 'loopback';
      if (where === undefined) {
        unmeasured[g.name] = 'its first disk is not an image file (a block device, volume or network disk): set host_dir to a folder on that storage';
        continue;
      }
      let runs = measured.get(where);
      if (!runs) {
        runs = [];
        for (let i = 0; i < set.runs; i++) {
          const run = set.test === 'disk_write' ? await diskRun(ctx, where, set.sizeMb, set.timeoutMs) : await loopbackRun(ctx, set);
          ctx.log(`host: run ${i + 1}/${set.runs} (${where}): ${formatRate(run.bytes_per_sec)} (${run.seconds} s, ${run.mode})`, 1);
          runs.push(run);
        }
        measured.set(where, runs);
      }
      const r = benchResult(set.test, 'host', set.sizeMb, set.test === 'disk_write' ? where : null, runs);
      if (set.record) await recordMeasurement(ctx, g, set, r);
      guests[g.name] = r;
    }
    for (const [name, why] of Object.entries(unmeasured)) ctx.warn(`guest ${name}: bare host not measured: ${why}`);
    const lines = Object.entries(guests).map(([name, r]) => benchSummary(name, r));
    const result: ModuleResult = { changed: false, label: set.label, test: set.test, size_mb: set.sizeMb, guests, unmeasured };
    return { ...result, msg: lines.length > 0 ? lines.join('\n') : selected.length > 0 ? 'nothing measured' : 'no guests selected' };
  },
};

/** The folder of the guest's first disk (not a CD-ROM) whose source is a file. */
export function diskFolder(g: GuestFacts): string | undefined {
  const disk = inactiveDomain(g)
    .disks()
    .find((d) => d.device === 'disk' && d.sourcePath !== undefined);
  return disk?.sourceFile !== undefined ? dirname(disk.sourceFile) : undefined;
}

async function diskRun(ctx: TaskContext, folder: string, sizeMb: number, timeoutMs: number): Promise<WriteRun> {
  // The guest's Linux write test, run by the host's sh.
  const argv = linuxBenchArgv(folder, sizeMb);
  const r = await ctx.conn.exec(shJoin([argv.path, ...argv.args]), { timeoutMs });
  const parsed = parseLinuxBench(r.stdout + r.stderr, sizeMb);
  if (!parsed.ok) throw new TaskError(`bare host: ${parsed.error} (writing ${sizeMb} MiB in ${folder} on the host)`);
  return parsed.run;
}

async function loopbackRun(ctx: TaskContext, set: ReturnType<typeof settings>): Promise<WriteRun> {
  const ep = startEndpoint(ctx, {
    direction: set.test === 'network_in' ? 'loopback-in' : 'loopback-out',
    bind: '127.0.0.1',
    port: set.port,
    bytes: Math.trunc(set.sizeMb) * 1048576,
    acceptTimeoutSec: set.connectTimeoutSec,
    transferTimeoutSec: Math.ceil(set.timeoutMs / 1000),
  });
  await ep.port;
  const r = await ep.result;
  if (!r.ok) throw new TaskError(`bare host: the loopback transfer failed: ${r.error}`);
  return transferRun(r.transfer);
}
