/** Where the package's own files are, from source (tsx) or from dist/ alike. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('virtplay: cannot find the package root (package.json beside schemas/)');
    dir = up;
  }
  return dir;
}

export const packageRoot = findRoot();
export const schemasDir = join(packageRoot, 'schemas');
