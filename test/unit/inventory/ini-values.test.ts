// INI values go through Python's ast.literal_eval (as Ansible does); host lines are split like shlex.
import t from 'tap';
import path from 'node:path';
import { hostVars } from '../../../engine/inventory/host-vars.js';
import { loadInventory } from '../../../engine/inventory/load.js';
import { iniValue, pyLiteral } from '../../../engine/inventory/py-literal.js';
import { shlexSplit } from '../../../engine/inventory/shlex.js';

t.test('literal_eval', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['42', 42],
    ['-7', -7],
    ['0x1F', 31],
    ['0o17', 15],
    ['1_000', 1000],
    ['3.5', 3.5],
    ['1e3', 1000],
    ['True', true],
    ['False', false],
    ['None', null],
    ["'quoted'", 'quoted'],
    ['"dq \\"x\\" \\n"', 'dq "x" \n'],
    ["r'a\\b'", 'a\\b'],
    ["'a' 'b'", 'ab'],
    ['[1, "two", [3]]', [1, 'two', [3]]],
    ['(1, 2)', [1, 2]],
    ['(1,)', [1]],
    ['(5)', 5],
    ['1, 2', [1, 2]],
    ['{"a": 1, \'b\': [True]}', { a: 1, b: [true] }],
    ['{1, 2, 2}', [1, 2]],
    ['23 # trailing comment', 23],
    ['[]', []],
    ['{}', {}],
  ];
  for (const [src, v] of cases) t.same(pyLiteral(src), { ok: true, value: v }, src);
  for (const s of ['FALSE', 'true', 'yes', '/dev/sda', '07', 'foo bar', '1+2j', 'qemu:///system', "'unclosed", '[1, 2', 'a=b', '']) {
    t.same(pyLiteral(s), { ok: false }, `not a literal: ${s}`);
    t.equal(iniValue(s), s);
  }
});

t.test('shlex splitting with comments and quotes', async (t) => {
  t.same(
    shlexSplit('h1 a=1 b="x y" c=\'p q\' # comment').map((x) => x.value),
    ['h1', 'a=1', 'b=x y', 'c=p q'],
  );
  t.same(
    shlexSplit('h1 pw=abc#def').map((x) => x.value),
    ['h1', 'pw=abc'],
    '# starts a comment inside a word, as shlex',
  );
  t.same(
    shlexSplit('h1 a=x\\ y').map((x) => x.value),
    ['h1', 'a=x y'],
  );
  t.same(
    shlexSplit('  h1   a=1').map((x) => x.start),
    [2, 7],
  );
});

t.test('INI host values and :vars values end to end', async (t) => {
  const dir = t.testdir({
    'inv.ini': `[g]
h1 int=5 str="'5'" flag=True lower=true path=/dev/sda list="[1, 2]" spaced="two words" ansible_host=192.0.2.5
[g:vars]
falsy=FALSE
num=8080
quoted="8080"
text=hello world # not a comment here
dict={'k': 'v'}
uri=qemu+ssh://root@host/system
empty=
`,
  });
  const inv = await loadInventory([path.join(dir, 'inv.ini')]);
  const v = hostVars(inv, 'h1');
  t.equal(v.int, 5);
  t.equal(v.str, '5', 'quote a number to keep it a string');
  t.equal(v.flag, true);
  t.equal(v.lower, 'true', 'lowercase true is not a Python literal: a string, as in Ansible');
  t.equal(v.path, '/dev/sda');
  t.same(v.list, [1, 2]);
  t.equal(v.spaced, 'two words');
  t.equal(v.ansible_host, '192.0.2.5');
  t.equal(v.falsy, 'FALSE', 'the documented example: var=FALSE is the string FALSE');
  t.equal(v.num, 8080);
  t.equal(v.quoted, '8080');
  t.equal(v.text, 'hello world # not a comment here', ':vars take the whole rest of the line');
  t.same(v.dict, { k: 'v' });
  t.equal(v.uri, 'qemu+ssh://root@host/system');
  t.equal(v.empty, '');
});
