/**
 * The module tests' view of a --json run against the lab: per task, host and guest, the change
 * lines and the diffs. Runs go through the shared runner (test/helpers/virtplay-cli.ts).
 */
import { join } from 'node:path';
import type { GuestReport } from '../../../modules/libvirt/edit-module.js';
import { parseJson as parseDoc, ROOT, virtplay as run, type CliRun } from '../../helpers/virtplay-cli.js';

export { LAB_INVENTORY, LINUX_VIRTIO, ROOT } from '../../helpers/virtplay-cli.js';
export const FIXTURES = join(ROOT, 'test/fixtures/modules');

export function virtplay(args: string[]): Promise<CliRun> {
  return run(args, { timeoutMs: 300_000 });
}

/** What each libvirt edit module reports per guest (the module's own type). */
export type GuestOut = GuestReport;

export interface DiffOut {
  before: string;
  after: string;
  before_header?: string;
  after_header?: string;
}

export interface HostOut {
  changed: boolean;
  failed?: boolean;
  msg?: string;
  guests?: GuestOut[];
  diff?: DiffOut[];
}

export interface RunJson {
  plays: { tasks: { task: { name: string; module: string }; hosts: Record<string, HostOut> }[] }[];
  stats: Record<string, { ok: number; changed: number; failures: number; unreachable: number; ignored?: number }>;
  virtplay: {
    failed_guests: Record<string, { guest: string; task: string; msg: string }[]>;
    transport: Record<string, { connections: number; commands: number }>;
  };
}

export function parseJson(r: CliRun): RunJson {
  return parseDoc<RunJson>(r);
}

/** "task|host|guest" -> change lines, for every guest report in the run. */
export function changeLines(doc: RunJson): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const play of doc.plays) {
    for (const task of play.tasks) {
      for (const [host, res] of Object.entries(task.hosts)) {
        for (const g of res.guests ?? []) out.set(`${task.task.name}|${host}|${g.guest}`, g.changes);
      }
    }
  }
  return out;
}

/** "host|guest" -> the planned XML of the LAST diff naming that guest (what the run would leave). */
export function lastPlannedXml(doc: RunJson): Map<string, string> {
  const out = new Map<string, string>();
  for (const play of doc.plays) {
    for (const task of play.tasks) {
      for (const res of Object.values(task.hosts)) {
        for (const d of res.diff ?? []) {
          const m = /^(\S+): (.+) \(planned\)$/.exec(d.after_header ?? '');
          if (m) out.set(`${m[1]}|${m[2]}`, d.after);
        }
      }
    }
  }
  return out;
}
