/**
 * What every module owes, checked over all of them (as ESLint's build checks every rule): a
 * description, its argument schema in schemas/modules/ with a description, a row in the README's
 * modules table, and tests that use it (a test file, or a playbook under test/fixtures, naming it). Adding a module
 * without one of them fails here, naming what is missing; a made-up module shows the check can fail.
 */
import t from 'tap';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { allModules } from '../../modules/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ts|yml|yaml)$/.test(e)) out.push(p);
  }
  return out;
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
// test files, and the playbooks tests run (test/fixtures: the differential test's, ...)
const TESTS = [...files(join(ROOT, 'test', 'unit')), ...files(join(ROOT, 'test', 'integration')), ...files(join(ROOT, 'test', 'fixtures'))]
  .filter((f) => !f.endsWith('module-obligations.test.ts'))
  .map((f) => readFileSync(f, 'utf8'));

/** What a module named `name` lacks (empty: nothing). */
function missing(name: string, description: string | undefined): string[] {
  const out: string[] = [];
  if (!description) out.push('a description');
  const schemaFile = join(ROOT, 'schemas', 'modules', `${name}.schema.json`);
  if (!existsSync(schemaFile)) out.push(`its schema schemas/modules/${name}.schema.json`);
  else if (!(JSON.parse(readFileSync(schemaFile, 'utf8')) as { description?: string }).description) out.push('a description in its schema');
  const row = README.split('\n').some((l) => l.startsWith('| ') && l.split('|')[1]!.includes(`\`${name}\``));
  if (!row) out.push("a row in the README's modules table");
  const word = new RegExp(`\\b${name}\\b`);
  if (!TESTS.some((text) => word.test(text))) out.push('a test that uses it');
  return out;
}

t.test('every module has its description, schema, README row and tests', async (t) => {
  t.ok(allModules.length >= 15, `${allModules.length} modules`);
  for (const m of allModules) t.same(missing(m.name, m.description), [], m.name);
});

t.test('a module without them is named with what it lacks', async (t) => {
  t.same(missing('virtio_widget', ''), [
    'a description',
    'its schema schemas/modules/virtio_widget.schema.json',
    "a row in the README's modules table",
    'a test that uses it',
  ]);
});
