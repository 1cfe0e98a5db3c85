/**
 * The layering rules of eslint.config.js can fail: a file under engine/ that imports a module, or
 * that exits the process, is an error; the same code in the command line (engine/cli/) or under
 * modules/ is not (npm test runs `eslint .` over the whole tree).
 */
import t from 'tap';
import { ESLint } from 'eslint';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function messages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

t.test('engine/ never imports modules/', async (t) => {
  const code = "import { libvirtFacts } from '../../modules/libvirt/facts.js';\nexport const f = libvirtFacts;\n";
  t.match(await messages('engine/runner/example.ts', code), [/^no-restricted-imports: .*engine\/ knows no module/]);
  t.same(await messages('modules/builtin/example.ts', code.replace('../../modules/libvirt', '../libvirt')), [], 'a module may import another');
});

t.test('only the command line exits the process', async (t) => {
  const code = 'export function stop(): void {\n  process.exit(2);\n}\n';
  t.match(await messages('engine/runner/example.ts', code), [/^no-restricted-syntax: Only the command line/]);
  t.match(await messages('modules/libvirt/example.ts', code), [/^no-restricted-syntax: Only the command line/]);
  t.same(await messages('engine/cli/example.ts', code), [], 'engine/cli/ is the command line');
});
