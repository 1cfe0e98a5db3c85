/**
 * The bootstrap tests' runs against the lab: windows-virtio.yml's arguments for one guest, the
 * phase a guest's definition records, a run killed at a phase. Runs go through the shared runner
 * (test/helpers/virtplay-cli.ts).
 */
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { labDir, virshAs } from '../../lab/lab.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { LAB_INVENTORY, requireBuild, ROOT, startVirtplay, virtplay as run, type CliRun } from '../../helpers/virtplay-cli.js';

export { LAB_INVENTORY, ROOT as REPO } from '../../helpers/virtplay-cli.js';
export const PLAYBOOK = join(ROOT, 'playbooks', 'windows-virtio.yml');

export const assertBuilt = requireBuild;

export function bootstrapArgs(host: string, guest: string, iso: string, extra: string[] = []): string[] {
  return [
    PLAYBOOK,
    '-i',
    LAB_INVENTORY,
    '--limit',
    host,
    '-e',
    `guests=${guest}`,
    '-e',
    `virtio_win_iso=${iso}`,
    '-e',
    'agent_timeout=180',
    '-e',
    'shutdown_timeout=90',
    '--run-dir',
    join(labDir(), 'runs'),
    ...extra,
  ];
}

/** A run to its end (default timeout 10 minutes: guests boot under TCG). */
export function virtplay(args: string[], timeoutMs = 10 * 60_000): Promise<CliRun> {
  return run(args, { timeoutMs });
}

/** A run started now, for a test that watches or kills it. */
export function spawnVirtplay(args: string[]): ChildProcess {
  return startVirtplay(args, { timeoutMs: 30 * 60_000 }).child;
}

/** The --json document of a run (throws with the output when it is not JSON). */
export function json(r: CliRun): {
  stats: Record<string, Record<string, number>>;
  plays: { tasks: { task: { name: string }; hosts: Record<string, Record<string, unknown>> }[] }[];
} {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout.slice(0, 2000)}\n${r.stderr.slice(-2000)}`);
  }
}

export const BOOTSTRAP_NS = 'https://virtplay.dev/xmlns/virtplay/bootstrap/1';

/** The bootstrap phase recorded in a guest's inactive definition on a lab host (undefined: none, or no such guest). */
export async function phaseOf(host: string, guest: string): Promise<string | undefined> {
  const r = await virshAs(host, ['dumpxml', '--inactive', guest]);
  return r.code === 0 ? Domain.parse(r.stdout).getMetadataAttrs(BOOTSTRAP_NS)?.phase : undefined;
}

/**
 * Start a run and SIGKILL it the moment the guest's phase becomes `at` (or any of `at`: a phase
 * that lasts only one define, such as the offline strategy's `installed`, can be missed between
 * two polls; the next one then counts); true when it was killed (not finished first).
 */
export async function runKilledAt(args: string[], host: string, guest: string, at: string | readonly string[]): Promise<boolean> {
  const phases = typeof at === 'string' ? [at] : at;
  const child = spawnVirtplay(args);
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let killed = false;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    if (phases.includes((await phaseOf(host, guest)) ?? '')) {
      child.kill('SIGKILL');
      killed = true;
      break;
    }
    await sleep(150);
  }
  await exited;
  return killed;
}

/** A guest's result from the bootstrap task ('storage bootstrap ...') of a --json run. */
export interface BootstrapGuestResult {
  guest: string;
  phase?: string;
  waiting?: boolean;
  failed?: boolean;
  rolled_back?: boolean;
  msg?: string;
  changes: string[];
}

export function bootstrapResult(stdout: string, host: string, guest: string): BootstrapGuestResult {
  const doc = JSON.parse(stdout) as { plays: { tasks: { task: { name: string }; hosts: Record<string, { guests?: BootstrapGuestResult[] }> }[] }[] };
  const task = doc.plays[0]!.tasks.find((x) => x.task.name.startsWith('storage bootstrap'))!;
  return task.hosts[host]!.guests!.find((g) => g.guest === guest)!;
}
