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
import { createRequire } from 'node:module';
import type { Options, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

export type Flavour = 'playbook' | 'coerce' | 'inventory';

export const AJV_OPTIONS: Record<Flavour, Options> = {
  playbook: { allErrors: true, verbose: true, strict: false, allowUnionTypes: true },
  coerce: { allErrors: true, verbose: true, strict: false, allowUnionTypes: true, coerceTypes: true },
  inventory: { allErrors: true, verbose: true, strict: true, allowUnionTypes: true },
};

/** The name a precompiled validator is exported under: flavour and a hash of the schema's JSON. */
export function precompiledName(flavour: Flavour, schema: object): string {
  return `${flavour}_${createHash('sha1').update(JSON.stringify(schema)).digest('hex')}`;
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
  if (Object.keys(extra).length > 0) return new Ajv({ ...AJV_OPTIONS[flavour], ...extra });
  return (instances[flavour] ??= new Ajv(AJV_OPTIONS[flavour]));
}

/** The validator of a schema: precompiled when the build made one for exactly this schema, else compiled now. */
export function compileSchema(flavour: Flavour, schema: object): ValidateFunction {
  return lookup(precompiledName(flavour, schema)) ?? ajvInstance(flavour).compile(schema);
}
