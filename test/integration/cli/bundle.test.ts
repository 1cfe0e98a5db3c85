/**
 * The command users run is the bundle (package.json "bin": dist/bin/virtplay.js, made by
 * esbuild.config.mjs); the other tests run dist/engine/cli.js, the same code unbundled, so that
 * coverage maps to the sources. Here the two must answer alike: every playbook's checks and
 * listings, bad input (schema errors with file:line:col, exit codes), a real run on the local
 * connection, a check run with --diff on a lab host (the diff library loads at run time). The
 * demo (test/integration/lab) runs the bundle on the lab for real, the Windows path included.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useLab } from '../../lab/use-lab.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'dist', 'bin', 'virtplay.js');
const UNBUNDLED = join(ROOT, 'dist', 'engine', 'cli.js');
const INVENTORY = join(ROOT, 'examples', 'inventory', 'lab.yml');

interface Out {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cli: string, args: string[]): Out {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Both builds on the same arguments: the same exit code and output (times masked). */
function same(t: Test, args: string[], what: string): Out {
  const mask = (s: string) => s.replace(/\d+(\.\d+)?\s?(ms|s|seconds)\b/g, 'T').replace(/"(start|end|duration|elapsed[a-z_]*)": ?[^,}\n]+/g, '"$1": T');
  const b = run(BUNDLE, args);
  const u = run(UNBUNDLED, args);
  t.same(
    { status: b.status, stdout: mask(b.stdout), stderr: mask(b.stderr) },
    { status: u.status, stdout: mask(u.stdout), stderr: mask(u.stderr) },
    `${what}: the bundle answers as the unbundled build`,
  );
  return b;
}

t.test('the bundle is what package.json names, and is complete', async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
  t.equal(pkg.bin.virtplay, 'dist/bin/virtplay.js', 'package.json "bin" is the bundle');
  t.ok(existsSync(BUNDLE), 'dist/bin/virtplay.js is built (npm run build)');
  t.match(readFileSync(BUNDLE, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'it starts with the node shebang');
  t.equal(
    readFileSync(join(ROOT, 'dist', 'bin', 'validators.generated.cjs'), 'utf8'),
    readFileSync(join(ROOT, 'dist', 'engine', 'playbook', 'validators.generated.cjs'), 'utf8'),
    'the precompiled validators sit beside the bundle',
  );
  const chunks = readdirSync(join(ROOT, 'dist', 'bin')).filter((f) => f.endsWith('.js'));
  t.ok(chunks.length > 1, `the parts only some commands need are separate chunks (${chunks.length} files)`);
  const v = run(BUNDLE, ['--version']);
  t.equal(v.status, 0, '--version exits 0');
  t.equal(v.stdout.trim(), pkg.version, '--version prints the package version');
});

t.test('every playbook: --syntax-check, --list-tasks, --list-hosts', async (t) => {
  const books = readdirSync(join(ROOT, 'playbooks')).filter((f) => f.endsWith('.yml'));
  t.ok(books.length >= 4, 'the playbooks are there');
  for (const b of books) {
    for (const mode of ['--syntax-check', '--list-tasks', '--list-hosts']) {
      const out = same(t, [join('playbooks', b), '-i', INVENTORY, mode], `${b} ${mode}`);
      t.equal(out.status, 0, `${b} ${mode} exits 0`);
    }
  }
  same(t, ['--help'], '--help');
});

t.test('bad input: the same clear error and exit code', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vp-bundle-'));
  const schemaError = join(dir, 'schema-error.yml');
  writeFileSync(
    schemaError,
    '- hosts: all\n  tasks:\n    - name: a guest module with a wrong argument\n      virtio_nic:\n        guests: "*"\n        restart: sometimes\n',
  );
  const yamlError = join(dir, 'yaml-error.yml');
  writeFileSync(yamlError, '- hosts: all\n  tasks: [\n');
  const a = same(t, [schemaError, '-i', 'localhost,', '--syntax-check'], 'a module argument the schema refuses');
  t.equal(a.status, 6, 'exit 6, invalid playbook (README "Exit codes")');
  t.match(a.stderr, `${schemaError}:6:`, 'the error names file:line');
  t.notMatch(a.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
  const y = same(t, [yamlError, '-i', 'localhost,', '--syntax-check'], 'a YAML syntax error');
  t.equal(y.status, 6, 'exit 6');
  t.match(y.stderr, yamlError, 'and names the file');
  const e = same(t, [join('playbooks', 'linux-virtio.yml'), '-i', INVENTORY, '-e', 'word', '--syntax-check'], 'an -e word that is not key=value');
  t.equal(e.status, 5, 'exit 5');
});

t.test('a real run on the local connection', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vp-bundle-'));
  const pb = join(dir, 'facts.yml');
  writeFileSync(
    pb,
    [
      '- hosts: all',
      '  gather_facts: false',
      '  tasks:',
      '    - name: a fact',
      '      set_fact:',
      '        answer: "{{ [1, 2] + [3] }}"',
      '    - name: show it',
      '      debug:',
      '        msg: "{{ answer | to_json }} {{ \'%05.1f\' % 3.14159 }}"',
      '    - name: check it',
      '      assert:',
      '        that: answer | length == 3',
      '',
    ].join('\n'),
  );
  const plain = same(t, [pb, '-i', 'localhost,', '--diff', '--run-dir', join(dir, 'run')], 'a playbook of set_fact, debug and assert');
  t.equal(plain.status, 0, 'it exits 0');
  t.match(plain.stdout, '[1, 2, 3] 003.1', 'templates render (list +, to_json, % formatting)');
  t.match(plain.stdout, /ok=3\s+changed=0/, 'the recap counts the three tasks');
  const json = run(BUNDLE, [pb, '-i', 'localhost,', '--json', '--run-dir', join(dir, 'run2')]);
  t.equal(json.status, 0, '--json exits 0');
  const doc = JSON.parse(json.stdout) as { stats: Record<string, { ok: number }> };
  t.equal(doc.stats.localhost?.ok, 3, '--json: three ok tasks on localhost');
});

t.test('a check run with --diff on a lab host', async (t) => {
  await useLab(t, { host: 'lab1' }); // the guests as first defined: IDE/e1000, so there is a diff to print
  const args = [join('playbooks', 'linux-virtio.yml'), '-i', INVENTORY, '-l', 'lab1', '--check', '--diff'];
  const out = same(t, args, 'linux-virtio.yml --check --diff on lab1');
  t.ok(out.status === 0 || out.status === 2, `it ran to its recap (exit ${out.status}: 2 when the guard refuses a Windows guest)`);
  t.match(out.stdout, /^--- before: lab1: \S+ \(defined\)$/m, 'it printed a domain XML diff');
  t.match(out.stdout, /^lab1 +: ok=\d+/m, 'and the recap');
});
