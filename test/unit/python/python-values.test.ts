/**
 * engine/python against Python itself: str(), repr(), % formatting, json.dumps (to_json,
 * to_nice_json) and PyYAML's yaml.dump (to_yaml, to_nice_yaml), on the cases of
 * test/fixtures/python/*-cases.json, compared with what Python 3.11 and PyYAML 6 gave for them
 * (recorded by test/fixtures/python/record.py; *.python.json). Then the operators, which the
 * differential test against ansible-playbook covers through templates.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pyJson } from '../../../engine/python/json.js';
import { pyAdd, pyCompare, pyCompareChain, pyFormat, pyIn, pyMod, pyMul, pyRepr, pySlice, pyStr, tuple } from '../../../engine/python/values.js';
import { pyYaml } from '../../../engine/python/yaml.js';
import { TemplateError } from '../../../engine/template/errors.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'python');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(DIR, name), 'utf8')) as T;

t.test('str(), repr(), json.dumps of values, as Python', async (t) => {
  const values = load<unknown[]>('values-cases.json');
  const py = load<Record<'str' | 'repr' | 'to_json' | 'to_nice_json', string[]>>('values.python.json');
  values.forEach((v, i) => {
    const name = JSON.stringify(v);
    t.equal(pyStr(v), py.str[i], `str(${name})`);
    t.equal(pyRepr(v), py.repr[i], `repr(${name})`);
    t.equal(pyJson(v), py.to_json[i], `json.dumps(${name})`);
    t.equal(pyJson(v, { indent: 4, sortKeys: true, separators: [',', ': '] }), py.to_nice_json[i], `json.dumps(${name}, indent=4, sort_keys=True)`);
  });
});

t.test('% formatting, as Python', async (t) => {
  const cases = load<{ fmt: string; tuple?: unknown[]; value?: unknown }[]>('format-cases.json');
  const py = load<string[]>('format.python.json');
  cases.forEach((c, i) => t.equal(pyFormat(c.fmt, c.tuple ? tuple(...c.tuple) : c.value), py[i], `${c.fmt} % ${JSON.stringify(c.tuple ?? c.value)}`));
  t.throws(() => pyFormat('%s %s', tuple('a')), TemplateError, 'not enough arguments');
  t.throws(() => pyFormat('%s', tuple('a', 'b')), /not all arguments converted/);
  t.throws(() => pyFormat('%d', 'x'), /real number is required, not str/);
});

t.test("yaml.dump as Ansible's to_yaml and to_nice_yaml call it (PyYAML)", async (t) => {
  const cases = load<unknown[]>('yaml-cases.json');
  const py = load<{ to_yaml: string; to_nice_yaml: string }[]>('yaml.python.json');
  cases.forEach((c, i) => {
    t.equal(pyYaml(c, { indent: 2, flow: null }), py[i]!.to_yaml, `to_yaml of case ${i}`);
    t.equal(pyYaml(c, { indent: 4, flow: false }), py[i]!.to_nice_yaml, `to_nice_yaml of case ${i}`);
  });
});

t.test('operators with Python semantics', async (t) => {
  t.equal(pyCompare({ a: [1] }, '==', { a: [1] }), true, 'dicts compare by value');
  t.equal(pyCompare(1, '==', '1'), false, "1 == '1' is false");
  t.equal(pyCompare(true, '==', 1), true, 'True == 1');
  t.equal(pyCompare([1, 2], '<', [1, 3]), true, 'lists order item by item');
  t.throws(() => pyCompare('a', '<', 1), /'<' not supported between instances of 'str' and 'int'/);
  t.equal(pyCompareChain(1, '<', 2, '<', 3), true);
  t.equal(pyCompareChain(1, '<', 3, '<', 2), false, 'a < b < c is a < b and b < c');
  t.equal(pyIn({ a: 1 }, [{ a: 1 }]), true, 'a dict in a list, by value');
  t.equal(pyIn('3', [3]), false);
  t.throws(() => pyIn(1, 'abc'), /requires string as left operand, not int/);
  t.same(pyAdd([1], [2]), [1, 2]);
  t.throws(() => pyAdd('a', 1), /can only concatenate str \(not "int"\) to str/);
  t.throws(() => pyAdd([1], 'a'), /can only concatenate list \(not "str"\) to list/);
  t.equal(pyMul('ab', 3), 'ababab');
  t.same(pyMul(2, [0]), [0, 0]);
  t.equal(pyMod(-7, 3), 2, "modulo takes the divisor's sign");
  t.throws(() => pyMod(1, 0), /modulo by zero/);
  t.equal(pySlice('virtio-win', null, null, -1), 'niw-oitriv');
  t.same(pySlice([3, 1, 2], 1, null, null), [1, 2]);
  t.equal(pySlice('abc', -2, null, null), 'bc');
  t.throws(() => pySlice('abc', null, null, 0), /slice step cannot be zero/);
  t.equal(pyStr(tuple('x', 5)), "('x', 5)");
  t.equal(pyStr(tuple('x')), "('x',)");
});
