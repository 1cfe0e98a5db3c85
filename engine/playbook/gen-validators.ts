/**
 * Build step (`npm run build`, after tsc): compiles the shipped schemas ahead of time with ajv's
 * standalone code, so that a start-up of virtplay loads no ajv (engine/playbook/ajv.ts). Writes
 * dist/engine/playbook/validators.generated.cjs: one export per schema, named by flavour and a
 * hash of the schema's JSON (a schema edited after the build is compiled at run time instead).
 *   node dist/engine/playbook/gen-validators.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleSchemas } from '../module-registry.js';
import { schemasDir } from '../paths.js';
import { ajvInstance, precompiledName, type Flavour } from './ajv.js';

const require = createRequire(import.meta.url);
const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: import('ajv').Ajv, refs: Record<string, string>) => string }).default;

const read = (file: string): object => JSON.parse(readFileSync(file, 'utf8')) as object;
const byFlavour: Record<Flavour, object[]> = {
  playbook: [read(join(schemasDir, 'playbook.schema.json'))],
  inventory: [read(join(schemasDir, 'inventory.schema.json'))],
  coerce: [...moduleSchemas().schemas.values()],
};

const parts: string[] = ['"use strict";'];
let count = 0;
for (const [flavour, schemas] of Object.entries(byFlavour) as [Flavour, object[]][]) {
  // One ajv per flavour (its options are baked into the code), each schema under its export name.
  const ajv = ajvInstance(flavour, { code: { source: true } });
  const refs: Record<string, string> = {};
  for (const schema of schemas) {
    const name = precompiledName(flavour, schema);
    ajv.addSchema(schema, name);
    refs[name] = name;
    count++;
  }
  // Each flavour's code in its own function scope: the generated helper names would clash.
  parts.push(`(function () {\nconst exports = module.exports;\n${standaloneCode(ajv, refs).replace(/^"use strict";/, '')}\n})();`);
}
const out = join(dirname(fileURLToPath(import.meta.url)), 'validators.generated.cjs');
writeFileSync(out, `${parts.join('\n')}\n`);
process.stdout.write(`gen-validators: ${count} schemas compiled ahead of time -> ${out}\n`);
