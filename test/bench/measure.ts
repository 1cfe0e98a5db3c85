/**
 * One measured run of a control process: wall time (our clock around the child), CPU seconds
 * (user + sys of the child and every descendant it waited for, from GNU time) and peak RSS (the
 * largest single process of that tree, GNU time's %M).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../lab/lab.js';

export interface Measured {
  wallS: number;
  userS: number;
  sysS: number;
  cpuS: number;
  maxRssMb: number;
  code: number;
  stdout: string;
  stderr: string;
}

export async function measure(argv: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'vpbench-time-'));
  const out = join(dir, 'time');
  try {
    const t0 = performance.now();
    const res = await run(['/usr/bin/time', '-o', out, '-f', '%e %U %S %M', ...argv], { env: opts.env, timeoutMs: opts.timeoutMs ?? 30 * 60_000 });
    const wallS = (performance.now() - t0) / 1000;
    // GNU time writes "Command exited with non-zero status N" before the format line.
    const last = readFileSync(out, 'utf8').trim().split('\n').pop() ?? '';
    const [, user, sys, rssKb] = last.split(' ').map(Number);
    if (user === undefined || sys === undefined || rssKb === undefined || [user, sys, rssKb].some(Number.isNaN)) {
      throw new Error(`cannot read GNU time's output for ${argv.join(' ')}: ${last}`);
    }
    return { wallS, userS: user, sysS: sys, cpuS: user + sys, maxRssMb: rssKb / 1024, code: res.code, stdout: res.stdout, stderr: res.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
