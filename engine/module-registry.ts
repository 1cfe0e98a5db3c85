/** The modules a run may use, each with its argument schema read from schemas/modules/<name>.schema.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModuleDef } from './module.js';
import { schemasDir } from './paths.js';

export interface Registry {
  modules: Map<string, ModuleDef>;
  schemas: Map<string, object>;
  names: string[];
}

export function createRegistry(defs: readonly ModuleDef[]): Registry {
  const modules = new Map<string, ModuleDef>();
  const schemas = new Map<string, object>();
  for (const m of defs) {
    modules.set(m.name, m);
    schemas.set(m.name, JSON.parse(readFileSync(join(schemasDir, 'modules', `${m.name}.schema.json`), 'utf8')) as object);
  }
  return { modules, schemas, names: [...modules.keys()].sort() };
}
