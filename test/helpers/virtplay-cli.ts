/**
 * The one way the tests run the virtplay command line: the built dist/engine/cli.js (npm test's
 * pretest builds it; coverage maps it back to the sources) as a real process, from the project
 * root, without a shell. Colours are off unless the caller's environment says otherwise; a run
 * that outlives its timeout is killed and reports code -1. The test folders add what is theirs on
 * top (the fault kit's proxies, the engine tests' connection sampling, the bootstrap phases).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonDocument } from '../../engine/report/json.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist', 'engine', 'cli.js');
export const LAB_INVENTORY = join(ROOT, 'examples', 'inventory', 'lab.yml');
export const PLAYBOOKS = join(ROOT, 'playbooks');
export const LINUX_VIRTIO = join(PLAYBOOKS, 'linux-virtio.yml');

export interface CliRun {
  /** The exit code; -1 when the run was killed at its timeout (or could not start). */
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the process, ms. */
  ms: number;
}

export interface CliOptions {
  /** The whole environment of the run (default: this process's, colours off). */
  env?: NodeJS.ProcessEnv;
  /** XDG_STATE_HOME for the run (where it keeps its XML backups), on top of env. */
  stateDir?: string;
  /** Killed after this long (default 2 minutes). */
  timeoutMs?: number;
}

export interface RunningCli {
  child: ChildProcess;
  /** Settles when the process is gone; never rejects. */
  done: Promise<CliRun>;
}

/** Throws a clear error when the CLI was not built. */
export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first with 'npm run build' (npm test's pretest builds too)`);
}

/** `node dist/engine/cli.js ARGS`, started now. */
export function startVirtplay(args: readonly string[], opts: CliOptions = {}): RunningCli {
  requireBuild();
  const t0 = performance.now();
  const env = {
    ...(opts.env ?? { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }),
    ...(opts.stateDir !== undefined ? { XDG_STATE_HOME: opts.stateDir } : {}),
  };
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const done = new Promise<CliRun>((settle) => {
    let code: number | undefined;
    const timer = setTimeout(() => {
      stderr += `\n[timed out after ${timeoutMs} ms]`;
      code = -1;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      stderr += String(err);
      settle({ code: -1, stdout, stderr, ms: performance.now() - t0 });
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      settle({ code: code ?? c ?? -1, stdout, stderr, ms: performance.now() - t0 });
    });
  });
  return { child, done };
}

/** `node dist/engine/cli.js ARGS` to its end; never throws on a non-zero exit. */
export function virtplay(args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
  return startVirtplay(args, opts).done;
}

/** The --json document of a run; throws with the run's output when there is none. */
export function parseJson<T = JsonDocument>(r: { code: number; stdout: string; stderr: string }): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`virtplay --json printed no JSON (exit ${r.code}):\n${r.stdout.slice(0, 2000)}\n${r.stderr.slice(-2000)}`);
  }
}
