/** Installs the Debian packages of packages.txt that are missing (idempotent, like lab-up.sh). */
import { readFileSync } from 'node:fs';
import { run } from '../lab/lab.js';

export function benchPackages(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** Returns the packages it installed; throws when some are missing and it cannot install them. */
export async function ensurePackages(file: string): Promise<string[]> {
  const wanted = benchPackages(file);
  const q = await run(['dpkg-query', '-W', '-f=${db:Status-Abbrev}${Package}\\n', ...wanted]);
  const installed = new Set(
    q.stdout
      .split('\n')
      .filter((l) => l.startsWith('ii'))
      .map((l) => l.slice(3).trim().replace(/:.*/, '')),
  );
  const missing = wanted.filter((p) => !installed.has(p));
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0)
    throw new Error(`missing Debian packages: ${missing.join(' ')} (run as root, or: sudo apt-get install --no-install-recommends ${missing.join(' ')})`);
  console.error(`bench: installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const up = await run(['apt-get', 'update', '-qq'], { env, timeoutMs: 10 * 60_000 });
  if (up.code !== 0) throw new Error(`apt-get update failed: ${up.stderr.trim()}`);
  const inst = await run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, timeoutMs: 20 * 60_000 });
  if (inst.code !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed: ${inst.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return missing;
}
