/**
 * useLab(t): how a test file holds the lab. One call takes the lock, brings the lab up, puts the
 * guests back as lab-up.sh first defined them, and registers one teardown that runs the test's own
 * cleanups (newest first; one that fails does not stop the others, and its error is the
 * teardown's), then restores the guests when asked, and only then releases the lock. The order is the point: a cleanup that runs after the release races
 * the next test file that takes the lock.
 *
 *   const lab = await useLab(t);                    // the whole lab, exclusive, from the originals
 *   const lab = await useLab(t, { host: 'lab3' });  // one host, exclusive; other hosts' tests run
 *   lab.cleanup(() => virshAs(HOST, ['undefine', name]));
 */
import type { Test } from 'tap';
import { ensureLab, lockLab, lockLabHost, resetLab, restoreLabHost, type LabOptions, type LabState } from './lab.js';

export interface UseLabOptions extends LabOptions {
  /**
   * Exclusive use of this one host, shared use of the lab (lockLabHost): for tests that touch only
   * that host. Without it: exclusive use of the whole lab (lockLab).
   */
  host?: string;
  /**
   * Start from the guests as lab-up.sh first defined them (default true): resetLab() for the whole
   * lab (guests stopped, strangers undefined), restoreLabHost(host) for one host. False: the test
   * brings its own guests and does not read the lab's.
   */
  fresh?: boolean;
  /** Put the guests back once more when the test ends, before the lock goes (default false). */
  restoreAfter?: boolean;
}

export interface LabUse {
  state: LabState;
  /** Runs FN when the test ends, while the lock is still held; the last registered runs first. */
  cleanup(fn: () => unknown): void;
}

export async function useLab(t: Pick<Test, 'teardown'>, opts: UseLabOptions = {}): Promise<LabUse> {
  const { host, fresh = true, restoreAfter = false, ...size } = opts;
  const restore = () => (host === undefined ? resetLab() : restoreLabHost(host));
  // A resize takes lockLab() (lab.ts labUp): under a host lock, a reader of the lab, it would wait
  // for itself. So one host's tests bring the lab up first; whole-lab tests do it under their lock.
  const state = host === undefined ? undefined : await ensureLab(size);
  const release = host === undefined ? await lockLab() : await lockLabHost(host);
  const cleanups: (() => unknown)[] = [];
  t.teardown(async () => {
    const errors: unknown[] = [];
    try {
      for (const fn of cleanups.reverse())
        await Promise.resolve()
          .then(fn)
          .catch((e: unknown) => void errors.push(e));
      if (restoreAfter) await restore();
    } finally {
      release();
    }
    if (errors.length > 0) throw errors[0];
  });
  const held = state ?? (await ensureLab(size));
  if (fresh) await restore();
  return { state: held, cleanup: (fn) => void cleanups.push(fn) };
}
