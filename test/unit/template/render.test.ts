import t from 'tap';
import { EXIT, InputError } from '../../../engine/errors.js';
import { TemplateError, UndefinedVariableError } from '../../../engine/template/errors.js';
import { evalCondition, renderValue } from '../../../engine/template/render.js';

const where = { task: 'Attach ISO', pos: { file: 'site.yml', line: 12, col: 9 } };
const vars = {
  guests: ['win10', 'win11'],
  count: 3,
  name: 'Win10-Pro',
  enabled: true,
  nothing: null,
  empty: [],
  host: {
    disks: [
      { dev: 'hda', bus: 'ide' },
      { dev: 'vdb', bus: 'virtio' },
    ],
    items: 'own key',
  },
  res: { changed: true, failed: false },
  skipped_res: { changed: false, skipped: true },
};
const r = (v: unknown) => renderValue(v, vars, where);

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

t.test('a lone {{ expr }} keeps the native type', async (t) => {
  t.same(r('{{ guests }}'), ['win10', 'win11']);
  t.equal(r('{{ count }}'), 3);
  t.equal(r('{{ count * 2 + 1 }}'), 7);
  t.equal(r('{{ enabled }}'), true);
  t.equal(r('{{ nothing }}'), null);
  t.same(r('{{ host.disks[0] }}'), { dev: 'hda', bus: 'ide' });
  t.equal(r('{{- count -}}'), 3);
  t.same(r("{{ {'a': {'b': 1} } }}"), { a: { b: 1 } }, 'a dict literal is one expression');
});

t.test('anything else renders to a string; objects and lists recursively', async (t) => {
  t.equal(r('n={{ count }}'), 'n=3');
  t.equal(r(' {{ count }}'), ' 3', 'whitespace around makes it a string');
  t.equal(r('{{ count }}{{ count }}'), '33');
  t.equal(r('{% if enabled %}yes{% endif %}'), 'yes');
  t.equal(r('plain'), 'plain');
  t.same(r({ a: ['{{ count }}', 'x{{ name }}'], b: 5, c: { d: '{{ enabled }}' } }), { a: [3, 'xWin10-Pro'], b: 5, c: { d: true } });
  const input = { a: '{{ count }}' };
  r(input);
  t.same(input, { a: '{{ count }}' }, 'input is not modified');
});

t.test('Ansible filters', async (t) => {
  t.equal(r('{{ missing | default("x") }}'), 'x');
  t.equal(r('{{ missing | d(5) }}'), 5);
  t.equal(r('{{ "" | default("x", true) }}'), 'x');
  t.equal(r('{{ "yes" | bool }}'), true);
  t.equal(r('{{ "off" | bool }}'), false);
  t.equal(r('{{ "42" | int + 1 }}'), 43);
  t.equal(r('{{ "abc" | int }}'), 0);
  t.equal(r('{{ 5 | string }}'), '5');
  t.equal(r('{{ name | lower }}'), 'win10-pro');
  t.equal(r('{{ name | upper }}'), 'WIN10-PRO');
  t.equal(r('{{ guests | length }}'), 2);
  t.equal(r('{{ guests | join(",") }}'), 'win10,win11');
  t.same(r('{{ host.disks | map(attribute="dev") | list }}'), ['hda', 'vdb']);
  t.same(r('{{ guests | map("upper") | list }}'), ['WIN10', 'WIN11']);
  t.same(r('{{ host.disks | selectattr("bus", "equalto", "ide") | map(attribute="dev") | list }}'), ['hda']);
  t.same(r('{{ host.disks | rejectattr("bus", "equalto", "ide") | map(attribute="dev") | list }}'), ['vdb']);
  t.same(r('{{ guests | select("match", "win1[01]$") | list }}'), ['win10', 'win11']);
  t.same(r('{{ guests | reject("search", "11") | list }}'), ['win10']);
  t.equal(r('{{ guests | to_json }}'), '["win10", "win11"]', 'json.dumps separators, as Ansible');
  t.same(r('{{ \'{"a": [1]}\' | from_json }}'), { a: [1] });
  t.equal(r('{{ {"a": 1} | to_yaml }}'), '{a: 1}\n', 'PyYAML: a mapping of scalars in flow style');
  t.equal(r('{{ name | regex_replace("^Win(\\d+).*$", "w\\1") }}'), 'w10');
  t.equal(r('{{ name | regex_search("\\d+") }}'), '10');
  t.equal(r('{{ name | regex_search("xyz") }}'), null);
  t.equal(r('{{ "/srv/iso/virtio-win.iso" | basename }}'), 'virtio-win.iso');
  t.equal(r('{{ "/srv/iso/virtio-win.iso" | dirname }}'), '/srv/iso');
  t.same(r('{{ {"a": 1, "n": {"x": 1} } | combine({"b": 2, "n": {"y": 2} }, recursive=true) }}'), { a: 1, b: 2, n: { x: 1, y: 2 } });
  t.same(r('{{ {"a": 1} | dict2items }}'), [{ key: 'a', value: 1 }]);
  t.same(r('{{ [{"key": "a", "value": 1}] | items2dict }}'), { a: 1 });
  t.same(r('{{ [3, 1, 3, 2] | unique }}'), [3, 1, 2]);
  t.same(r('{{ [3, 1, 2] | sort }}'), [1, 2, 3]);
  t.same(r('{{ [3, 1, 2] | sort(reverse=true) }}'), [3, 2, 1]);
  t.equal(r('{{ guests | first }}'), 'win10');
  t.equal(r('{{ guests | last }}'), 'win11');
  t.equal(r('{{ [3, 1, 2] | min }}'), 1);
  t.equal(r('{{ [3, 1, 2] | max }}'), 3);
  t.same(r('{{ "ab" | list }}'), ['a', 'b']);
  t.equal(r('{{ "it\'s" | quote }}'), `'it'\\''s'`);
});

t.test('Python-style methods and Jinja literals', async (t) => {
  t.equal(r('{{ name.startswith("Win") }}'), true);
  t.equal(r('{{ name.lower() }}'), 'win10-pro');
  t.same(r('{{ "a,b".split(",") }}'), ['a', 'b']);
  t.same(r('{{ {"a": 1}.items() | list }}'), [['a', 1]]);
  t.equal(r('{{ host.items }}'), 'own key', 'a key of the data wins over the method name');
  t.equal(r('{{ guests[-1] }}'), 'win11');
  t.same([r('{{ True }}'), r('{{ False }}'), r('{{ None }}')], [true, false, null]);
  t.equal(r('{{ empty or "fallback" }}'), 'fallback', 'Python truthiness: [] is false');
  t.same(r('{{ guests and count }}'), 3, 'and returns the operand');
});

t.test('undefined variables are errors naming the variable, the task and the position', async (t) => {
  const e = thrown(() => r('{{ virtio_win_iso }}'));
  t.type(e, UndefinedVariableError);
  t.type(e, InputError);
  t.equal((e as InputError).exitCode, EXIT.BAD_INPUT);
  t.equal(e.message, "site.yml:12:9: undefined variable 'virtio_win_iso' in task 'Attach ISO'");
  t.equal((e as UndefinedVariableError).variable, 'virtio_win_iso');
  t.match(thrown(() => r('path={{ virtio_win_iso }}')).message, /undefined variable 'virtio_win_iso'/);
  t.match(thrown(() => r('{{ virtio_win_iso.path }}')).message, /undefined variable 'virtio_win_iso'/);
  t.match(thrown(() => r('{{ host.nic }}')).message, /'host' has no attribute 'nic'/);
  t.match(thrown(() => r('{{ host.disks[0].model }}')).message, /'host.disks\[0\]' has no attribute 'model'/);
  t.match(thrown(() => r('{{ missing | lower }}')).message, /undefined variable 'missing'/);
  t.match(thrown(() => r('{{ missing + 1 }}')).message, /undefined variable 'missing'/);
  t.match(thrown(() => r('{% for g in missing %}{{ g }}{% endfor %}')).message, /undefined variable 'missing'/);
  t.match(thrown(() => r('{% if missing %}x{% endif %}')).message, /undefined variable 'missing'/);
  t.match(thrown(() => r('{{ "a" in missing }}')).message, /undefined variable 'missing'/);
  t.match(thrown(() => r('{{ missing() }}')).message, /undefined variable 'missing'/);
  t.equal(r('{{ missing is defined }}'), false);
  t.equal(r('{{ host.nic is defined }}'), false);
  t.equal(r('{{ missing.deeper is undefined }}'), true);
});

t.test('template syntax errors name the position and what is wrong', async (t) => {
  const e = thrown(() => r('{{ guests | join(",") '));
  t.type(e, TemplateError);
  t.match(e.message, /^site\.yml:12:9: template syntax error: .+ in task 'Attach ISO'$/);
  const e2 = thrown(() => r('{{ count + }}'));
  t.match(e2.message, /^site\.yml:12:9: template syntax error: unexpected token: \}\} \(template line 1, column 12\)/);
  t.match(thrown(() => r('{{ guests | no_such_filter }}')).message, /filter not found: no_such_filter/);
});

t.test('conditions: Ansible when semantics', async (t) => {
  const c = (...e: string[]) => evalCondition(e, vars, where);
  t.equal(c('count > 2'), true);
  t.equal(c('count > 2', 'name == "x"'), false, 'a list is AND');
  t.equal(c('missing is defined'), false);
  t.equal(c('missing is not defined'), true);
  t.equal(c('missing is undefined'), true);
  t.equal(c('"win10" in guests'), true);
  t.equal(c('"win12" not in guests'), true);
  t.equal(c('enabled and not empty'), true);
  t.equal(c('empty or nothing'), false);
  t.equal(c('nothing is none'), true);
  t.equal(c('name is string and count is number and host is mapping and guests is iterable'), true);
  t.equal(c('name is match("Win")'), true);
  t.equal(c('name is match("10")'), false, 'match anchors at the start');
  t.equal(c('name is search("10")'), true);
  t.equal(c('count is equalto(3)'), true);
  t.equal(c('"win10" is in(guests)'), true);
  t.equal(c('enabled is truthy', 'empty is falsy'), true);
  t.equal(c('res is changed', 'res is succeeded', 'res is not failed', 'res is not skipped'), true);
  t.equal(c('skipped_res is skipped'), true);
  t.equal(c('guests | length == 2'), true);
  t.equal(c('{{ enabled }}'), true, 'braces are tolerated');
  t.equal(evalCondition(['true'], {}, {}), true);
  t.equal(evalCondition([], {}, {}), true);
  const e = thrown(() => c('virtio_win_iso'));
  t.equal(e.message, "site.yml:12:9: undefined variable 'virtio_win_iso' in task 'Attach ISO'");
  t.match(thrown(() => c('not virtio_win_iso')).message, /undefined variable 'virtio_win_iso'/);
  t.match(thrown(() => c('count ==')).message, /template syntax error/);
});

t.test('templates cannot reach Node internals', async (t) => {
  const g = globalThis as Record<string, unknown>;
  const attempts = [
    "{{ ''.constructor.constructor('globalThis.__pwned = 1; return process')() }}",
    "{{ [].constructor.constructor('globalThis.__pwned = 2')() }}",
    "{{ range.constructor('globalThis.__pwned = 3')() }}",
    "{{ cycler.constructor('globalThis.__pwned = 4')() }}",
    "{{ ''['__proto__']['constructor']['constructor']('globalThis.__pwned = 5')() }}",
    '{{ name.__proto__ }}',
    '{{ host.constructor }}',
    "{{ ''.big.call }}",
    '{{ joiner.apply }}',
    "{% set f = ''.constructor %}{{ f.constructor('globalThis.__pwned = 6')() }}",
  ];
  for (const a of attempts) {
    const e = thrown(() => r(a));
    t.type(e, InputError, a);
  }
  t.equal(g.__pwned, undefined, 'no attempt ran code');
  t.notOk(String(thrown(() => r(attempts[0])).message).includes('process'), 'no process object leaked into the message');
});

t.test('native types survive when rendering many times (compiled once, cached)', async (t) => {
  // speed is measured by test/bench/template-engines.ts, not asserted here
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const out = renderValue({ a: '{{ count + 1 }}', b: 'x-{{ name }}' }, { ...vars, count: i }, where) as { a: unknown; b: unknown };
    if (out.a !== i + 1 || typeof out.b !== 'string') seen.add(JSON.stringify(out));
  }
  t.same([...seen], [], 'every render gave a number and a string');
});
