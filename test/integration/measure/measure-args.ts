/**
 * The CLI arguments of playbooks/measure-virtio.yml on one lab host's stand-in guest, CI-sized
 * (4 MiB): its driver is installed first (drivers_ready=true), the history goes beside the guest
 * (its charts too), and the output is --json. EXTRA goes after runs=RUNS.
 */
import { join } from 'node:path';
import type { Standin } from '../../lab/standin.js';
import { LAB_INVENTORY, REPO } from '../bootstrap/cli.js';

export function measureArgs(host: string, s: Pick<Standin, 'name' | 'dir'>, runs: number, extra: readonly string[] = []): string[] {
  return [
    join(REPO, 'playbooks', 'measure-virtio.yml'),
    '-i',
    LAB_INVENTORY,
    '--limit',
    host,
    '-e',
    `guests=${s.name}`,
    '-e',
    'drivers_ready=true',
    '-e',
    'size_mb=4',
    '-e',
    `runs=${runs}`,
    ...extra,
    '-e',
    `history_file=${join(s.dir, 'history.json')}`,
    '--json',
  ];
}
