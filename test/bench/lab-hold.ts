/**
 * Keeping the lab the size the bench measures. lockLab() keeps out tests that change guests, but
 * any test's ensureLab() runs lab-up.sh, which resizes the lab (deb06.. removed, hosts checked over
 * SSH) whatever else runs. lab-up.sh serializes itself with flock(1) on .lab/lock, so the bench
 * takes that same flock around every measured run: a lab-up from elsewhere waits for the run to
 * end, and the bench checks before the run that the lab is still its size.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { labDir, labState, run } from '../lab/lab.js';
import { ROOT } from './tools.js';

export interface Size {
  hosts: number;
  guests: number;
}

/** lab-up.sh for exactly this size (with --reset: every guest back to its Windows-era original). */
export async function labUpSize(size: Size, reset: boolean): Promise<void> {
  const env = { ...process.env, LAB_HOSTS: String(size.hosts), LAB_GUESTS: String(size.guests) };
  const r = await run(['bash', join(ROOT, 'test/lab/lab-up.sh'), ...(reset ? ['--reset'] : [])], { env, timeoutMs: 20 * 60_000 });
  if (r.code !== 0)
    throw new Error(
      `lab-up.sh${reset ? ' --reset' : ''} for ${size.hosts}x${size.guests} failed (${r.code}):\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-20).join('\n')}`,
    );
}

/** Takes lab-up.sh's flock; resolves with the release function once it is held. */
export function holdLabFlock(): Promise<() => Promise<void>> {
  return new Promise((resolveHold, reject) => {
    const child: ChildProcess = spawn('flock', ['-x', join(labDir(), 'lock'), 'sh', '-c', 'echo held; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let held = false;
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!held) reject(new Error(`flock on ${join(labDir(), 'lock')} ended with ${code}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (held || !d.includes('held')) return;
      held = true;
      resolveHold(
        () =>
          new Promise<void>((done) => {
            child.once('close', () => done());
            child.stdin!.end();
          }),
      );
    });
  });
}

export function labIsSize(size: Size): boolean {
  const s = labState();
  return s.mode === 'root' && s.hosts === size.hosts && s.guests === size.guests;
}
