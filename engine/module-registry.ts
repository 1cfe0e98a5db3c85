/**
 * The modules a run may use, each with its argument schema read from schemas/modules/<name>.schema.json.
 * Loading and checking a playbook needs only the schemas (moduleSchemas: no module code is
 * loaded, so --syntax-check and --list-* start fast); a run needs the modules (createRegistry).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError } from './errors.js';
import type { ModuleDef } from './module.js';
import { schemasDir } from './paths.js';

export interface Registry {
  modules: Map<string, ModuleDef>;
  schemas: Map<string, object>;
  names: string[];
}

export interface ModuleSchemas {
  schemas: Map<string, object>;
  names: string[];
}

/** The argument schemas of the shipped modules, by module name (the file names), without loading a module. */
export function moduleSchemas(): ModuleSchemas {
  const schemas = new Map<string, object>();
  for (const f of readdirSync(join(schemasDir, 'modules'))
    .filter((x) => x.endsWith('.schema.json') && !x.startsWith('_'))
    .sort()) {
    schemas.set(f.slice(0, -'.schema.json'.length), JSON.parse(readFileSync(join(schemasDir, 'modules', f), 'utf8')) as object);
  }
  return { schemas, names: [...schemas.keys()] };
}

/**
 * The registry of a run, on the schemas the playbook was checked against (read once: moduleSchemas);
 * its modules must be exactly those the schemas name.
 */
export function createRegistry(defs: readonly ModuleDef[], checked: ModuleSchemas = moduleSchemas()): Registry {
  const modules = new Map(defs.map((m) => [m.name, m]));
  const names = [...modules.keys()].sort();
  if (names.join() !== checked.names.join()) {
    throw new InternalError(`the modules (${names.join(', ')}) and their schemas (${checked.names.join(', ')}) differ`);
  }
  return { modules, schemas: checked.schemas, names };
}
