/**
 * The bootstrap's wall time on one lab host (issue 15): windows-virtio.yml on 1 stand-in guest,
 * then on 4 with `parallel: 1` (one after another) and with `parallel: 4` (side by side), each from
 * freshly defined guests (IDE/e1000, agent), in one run of this script so the figures compare.
 * Each TCG guest needs about a core of this machine while it boots.
 * Standalone: node --import=tsx test/bench/bootstrap-wall.ts (root, lab up); npm run bench runs it
 * too (BENCH_BOOTSTRAP=0 leaves it out).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { labDir, withHostLock } from '../lab/lab.js';
import { buildStandin, defineStandin, removeStandin, type Standin } from '../lab/standin.js';
import { measure } from './measure.js';
import { CLI, ROOT } from './tools.js';

const HOST = 'lab1';

export interface BootstrapWall {
  label: string;
  guests: number;
  parallel: number;
  wallS: number;
  cpuS: number;
}

async function once(guests: number, parallel: number): Promise<BootstrapWall> {
  const list: Standin[] = [];
  try {
    for (let i = 1; i <= guests; i++) list.push(await defineStandin(HOST, `vpbench${i}`, { marker: `bench-${i}` }));
    const argv = [
      process.execPath,
      CLI,
      join(ROOT, 'playbooks', 'windows-virtio.yml'),
      '-i',
      join(ROOT, 'examples', 'inventory', 'lab.yml'),
      '--limit',
      HOST,
      '-e',
      'guests=vpbench*',
      '-e',
      `virtio_win_iso=${list[0]!.iso}`,
      '-e',
      `parallel=${parallel}`,
      '--run-dir',
      join(labDir(), 'runs'),
    ];
    const m = await measure(argv, { timeoutMs: 30 * 60_000 });
    if (m.code !== 0) throw new Error(`bootstrap of ${guests} guest(s), parallel ${parallel}, exited ${m.code}: ${m.stderr.slice(-1000)}`);
    return { label: `${guests} guest${guests > 1 ? 's' : ''}, parallel ${parallel}`, guests, parallel, wallS: m.wallS, cpuS: m.cpuS };
  } finally {
    for (const s of list) await removeStandin(s);
  }
}

export async function bootstrapWall(log: (m: string) => void = () => {}): Promise<BootstrapWall[]> {
  await buildStandin();
  return withHostLock(HOST, async () => {
    const out: BootstrapWall[] = [];
    for (const [g, p] of [
      [1, 1],
      [4, 1],
      [4, 4],
      [4, 2],
    ] as const) {
      log(`bootstrap: ${g} guest(s), parallel ${p}`);
      out.push(await once(g, p));
    }
    return out;
  });
}

export function bootstrapTable(rows: readonly BootstrapWall[]): string {
  const one = rows.find((r) => r.guests === 1)?.wallS ?? NaN;
  const lines = ['| run | wall | control CPU | wall / one guest |', '|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.label} | ${r.wallS.toFixed(1)} s | ${r.cpuS.toFixed(1)} s | ${(r.wallS / one).toFixed(2)}x |`);
  const par = rows.find((r) => r.guests === 4 && r.parallel === 4);
  if (par)
    lines.push(
      '',
      `Target (issue 15): 4 guests in <= 2.5x the wall of one: ${(par.wallS / one).toFixed(2)}x with parallel 4, ${par.wallS / one <= 2.5 ? 'met' : 'missed'}.`,
    );
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await bootstrapWall((m) => process.stderr.write(`${m}\n`));
  process.stdout.write(`${bootstrapTable(rows)}\n`);
}
