/**
 * The validators the build compiles ahead of time (engine/playbook/gen-validators.ts ->
 * dist/engine/playbook/validators.generated.cjs) against the same schemas compiled by ajv at run
 * time: one for every shipped schema, and the same verdict, the same errors (with verbose data)
 * and the same type coercion on valid and broken inputs. And the module schemas a playbook is
 * checked against are exactly the modules a run gets.
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { ajvInstance, precompiledName, type Flavour } from '../../../engine/playbook/ajv.js';
import { moduleSchemas, createRegistry } from '../../../engine/module-registry.js';
import { allModules } from '../../../modules/index.js';

const ROOT = join(import.meta.dirname, '../../..');
const GENERATED = join(ROOT, 'dist/engine/playbook/validators.generated.cjs');
const read = (p: string): object => JSON.parse(readFileSync(join(ROOT, p), 'utf8')) as object;

t.test('the schemas a playbook is checked against are the modules of a run', async (t) => {
  const checked = moduleSchemas();
  t.same(checked.names, allModules.map((m) => m.name).sort());
  t.doesNotThrow(() => createRegistry(allModules, checked));
  t.throws(() => createRegistry(allModules.slice(1), checked), /the modules .* and their schemas .* differ/);
});

t.test('precompiled validators', { skip: existsSync(GENERATED) ? false : 'not built (npm run build)' }, async (t) => {
  const generated = createRequire(import.meta.url)(GENERATED) as Record<string, ValidateFunction>;
  const playbooks = readdirSync(join(ROOT, 'playbooks'))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => parse(readFileSync(join(ROOT, 'playbooks', f), 'utf8')) as unknown);
  const cases: [Flavour, string, object, unknown[]][] = [
    [
      'playbook',
      'playbook.schema.json',
      read('schemas/playbook.schema.json'),
      [...playbooks, [], {}, [{ hosts: 3 }], [{ hosts: 'all', tasks: [{ name: 1 }] }], [{ hosts: 'all', tasks: 'x', bogus: true }]],
    ],
    [
      'inventory',
      'inventory.schema.json',
      read('schemas/inventory.schema.json'),
      [{ all: { hosts: { a: null } } }, { all: { hosts: ['a'] } }, { all: { hostz: {} } }, [], { web: { children: { db: { vars: 3 } } } }],
    ],
    ...readdirSync(join(ROOT, 'schemas/modules'))
      .filter((f) => f.endsWith('.schema.json') && !f.startsWith('_'))
      .map((f): [Flavour, string, object, unknown[]] => [
        'coerce',
        f,
        read(`schemas/modules/${f}`),
        [
          {},
          { bogus: 1 },
          { guests: 3 },
          { guests: ['a', 'b'], restart: 'sometimes' },
          { shutdown_timeout: '12' },
          { shutdown_timeout: [1] },
          { driver_ready: 'true' },
          { disk: 'vda', disks: 'all' },
          'x',
          null,
        ],
      ]),
  ];
  t.equal(Object.keys(generated).length, cases.length, 'one precompiled validator per shipped schema');
  for (const [flavour, file, schema, inputs] of cases) {
    const pre = generated[precompiledName(flavour, schema)];
    t.type(pre, 'function', `${file}: precompiled`);
    if (!pre) continue;
    const now = ajvInstance(flavour).compile(schema);
    for (const input of inputs) {
      const a = structuredClone(input);
      const b = structuredClone(input);
      const va = now(a);
      const vb = pre(b);
      t.same([vb, pre.errors ?? null, b], [va, now.errors ?? null, a], `${file}: ${JSON.stringify(input)?.slice(0, 60)}: same verdict, errors and coercion`);
    }
  }
});
