/**
 * JSON Schema validators, compiled once per schema. Three flavours, each with its own ajv options:
 *  - playbook:  the playbook schema (every error, with data and schema, for messages);
 *  - coerce:    module arguments at run time: scalars are converted to the type the schema asks for,
 *               as Ansible's argument spec does (`-e timeout=120` gives the string "120"; an integer
 *               argument gets 120, a boolean "true"/"false" a boolean), in place;
 *  - inventory: the YAML inventory schema (strict).
 * The build compiles the shipped schemas ahead of time (gen-validators.ts -> validators.generated.cjs
 * beside this file in dist/): a start-up then loads no ajv at all. A schema without a precompiled
 * validator (run from source, a changed schema file) is compiled here with ajv, loaded on demand.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Options, ValidateFunction } from 'ajv';
import { schemasDir } from '../paths.js';

const require = createRequire(import.meta.url);

export type Flavour = 'playbook' | 'coerce' | 'inventory';

export const AJV_OPTIONS: Record<Flavour, Options> = {
  playbook: { allErrors: true, verbose: true, strict: false, allowUnionTypes: true },
  coerce: { allErrors: true, verbose: true, strict: false, allowUnionTypes: true, coerceTypes: true },
  inventory: { allErrors: true, verbose: true, strict: true, allowUnionTypes: true },
};

let shared: object[] | undefined;

/**
 * The schemas other schemas refer to by $ref (schemas/modules/_*.schema.json, e.g. the guest
 * selection every guest module shares); they name no module. Each has its file name as $id.
 */
export function sharedSchemas(): object[] {
  const dir = join(schemasDir, 'modules');
  return (shared ??= readdirSync(dir)
    .filter((f) => f.startsWith('_') && f.endsWith('.schema.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as object));
}

/**
 * The name a precompiled validator is exported under: flavour and a hash of the schema's JSON and
 * of the shared schemas it may refer to (an edit to either after the build compiles it anew).
 */
export function precompiledName(flavour: Flavour, schema: object): string {
  return `${flavour}_${createHash('sha1')
    .update(JSON.stringify([schema, sharedSchemas()]))
    .digest('hex')}`;
}

/** The precompiled validators (undefined: not looked up yet; null: none beside this file). */
let precompiled: Record<string, ValidateFunction> | null | undefined;

function lookup(name: string): ValidateFunction | undefined {
  if (precompiled === undefined) {
    try {
      precompiled = require('./validators.generated.cjs') as Record<string, ValidateFunction>;
    } catch {
      precompiled = null;
    }
  }
  return precompiled?.[name];
}

const instances: Partial<Record<Flavour, import('ajv').Ajv>> = {};

/** An ajv instance of that flavour (loads ajv): for compiling at run time and for the generator. */
export function ajvInstance(flavour: Flavour, extra: Options = {}): import('ajv').Ajv {
  const { Ajv } = require('ajv') as typeof import('ajv');
  const make = (options: Options) => new Ajv(options).addSchema(sharedSchemas());
  if (Object.keys(extra).length > 0) return make({ ...AJV_OPTIONS[flavour], ...extra });
  return (instances[flavour] ??= make(AJV_OPTIONS[flavour]));
}

/** The validator of a schema: precompiled when the build made one for exactly this schema, else compiled now. */
export function compileSchema(flavour: Flavour, schema: object): ValidateFunction {
  return lookup(precompiledName(flavour, schema)) ?? ajvInstance(flavour).compile(schema);
}
