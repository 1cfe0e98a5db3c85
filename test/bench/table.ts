/** The benchmark's results as markdown tables. */
import type { Machine } from './machine.js';
import { median } from './measure.js';
import { perHost } from './sshd-count.js';
import type { ToolRun } from './tools.js';

export type Kind = 'first' | 'no-op';

export interface Cell {
  runs: ToolRun[];
  /** Conversion checked on the lab after the first run of this kind (converted/guests). */
  verified?: string;
}

export interface SizeResult {
  size: string;
  hosts: number;
  guests: number;
  load: string;
  /** Seconds lab-up.sh took to bring this size up (from the previous size). */
  upS?: number;
  /** The lab could not be brought up at this size: why. */
  error?: string;
  cells: Record<Kind, Record<'virtplay' | 'ansible', Cell | undefined>>;
}

export interface Timing {
  label: string;
  runs: number;
  wallS: number;
  cpuS: number;
  maxRssMb: number;
}

export interface Planning {
  guests: number;
  runs: number;
  cpuS: number;
  wallS: number;
  peakRssMb: number;
  rssBeforeMb: number;
  processCpuS: number;
  changes: number;
}

const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
const med = (c: Cell | undefined, k: 'wallS' | 'cpuS' | 'maxRssMb'): number => (c ? median(c.runs.map((r) => r[k])) : NaN);
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}x` : '-');

function ssh(c: Cell | undefined): string {
  if (!c || c.runs.length === 0) return '-';
  const r = c.runs[c.runs.length - 1]!;
  return `${perHost(r.sshd.connections)} / ${perHost(r.sshd.commands)}`;
}

function changed(c: Cell | undefined): string {
  if (!c || c.runs.length === 0) return '-';
  return c.runs.map((r) => String(r.changedTotal)).join(',');
}

export function resultsTable(results: readonly SizeResult[]): string {
  const head = [
    '| size (hosts x guests) | run | n (v/A) | virtplay wall s | Ansible wall s | wall ratio A/v | virtplay CPU s | Ansible CPU s | CPU ratio | virtplay peak RSS MB | Ansible peak RSS MB | virtplay SSH conn / cmds per host | Ansible SSH conn / cmds per host | changed (v; A) |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|',
  ];
  const rows: string[] = [];
  for (const s of results) {
    if (s.error) {
      rows.push(`| ${s.size} (${s.hosts * s.guests} guests) | - | - | lab could not come up: ${s.error.replace(/\|/g, '/')} |||||||||||`);
      continue;
    }
    for (const kind of ['first', 'no-op'] as const) {
      const v = s.cells[kind].virtplay;
      const a = s.cells[kind].ansible;
      rows.push(
        `| ${s.size} (${s.hosts * s.guests} guests) | ${kind} | ${v?.runs.length ?? 0}/${a?.runs.length ?? 0} | ${f(med(v, 'wallS'))} | ${f(med(a, 'wallS'))} | ${ratio(med(a, 'wallS'), med(v, 'wallS'))} | ${f(med(v, 'cpuS'))} | ${f(med(a, 'cpuS'))} | ${ratio(med(a, 'cpuS'), med(v, 'cpuS'))} | ${f(med(v, 'maxRssMb'), 0)} | ${f(med(a, 'maxRssMb'), 0)} | ${ssh(v)} | ${ssh(a)} | ${changed(v)}; ${changed(a)} |`,
      );
    }
  }
  return [...head, ...rows].join('\n');
}

export function timingTable(rows: readonly Timing[]): string {
  return [
    '| command | n | wall s (median) | CPU s | peak RSS MB |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((t) => `| ${t.label} | ${t.runs} | ${f(t.wallS, 3)} | ${f(t.cpuS, 3)} | ${f(t.maxRssMb, 0)} |`),
  ].join('\n');
}

export function machineLine(m: Machine): string {
  return `${m.date} on ${m.cpu}, ${m.nproc} cores (nproc), ${m.memGb} GB, Linux ${m.kernel}, Node ${m.node}; ${m.ansible}, community.libvirt ${m.libvirtCollection}, community.general ${m.generalCollection}; load average at start ${m.load}`;
}

export function verifiedLines(results: readonly SizeResult[]): string[] {
  return results.flatMap((s) =>
    s.error
      ? [`- ${s.size}: the lab could not come up: ${s.error}`]
      : [
          `- ${s.size}: lab-up ${s.upS?.toFixed(1) ?? '?'} s; load average at the start ${s.load}`,
          ...(['virtplay', 'ansible'] as const).map((t) => `  - ${t}: after its first run ${s.cells.first[t]?.verified ?? 'not checked'}`),
        ],
  );
}
