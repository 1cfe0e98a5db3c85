/** What the numbers were measured on: date, CPU, cores, memory, load, Node, Ansible. */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { run } from '../lab/lab.js';

export interface Machine {
  date: string;
  cpu: string;
  nproc: number;
  memGb: number;
  kernel: string;
  node: string;
  ansible: string;
  libvirtCollection: string;
  generalCollection: string;
  load: string;
}

const COLLECTIONS = '/usr/lib/python3/dist-packages/ansible_collections/community';

function collectionVersion(name: string): string {
  const file = `${COLLECTIONS}/${name}/MANIFEST.json`;
  if (!existsSync(file)) return '?';
  return (JSON.parse(readFileSync(file, 'utf8')) as { collection_info?: { version?: string } }).collection_info?.version ?? '?';
}

export function loadNow(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export async function describeMachine(): Promise<Machine> {
  const ansible = await run(['ansible', '--version']);
  const deb = await run(['dpkg-query', '-W', '-f=${Version}', 'ansible']);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: cpus()[0]?.model.trim() ?? '?',
    nproc: availableParallelism(),
    memGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    ansible: `${ansible.stdout.split('\n')[0]?.trim() ?? '?'} (Debian ansible ${deb.stdout.trim() || '?'})`,
    libvirtCollection: collectionVersion('libvirt'),
    generalCollection: collectionVersion('general'),
    load: loadNow(),
  };
}
