import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExtraVars } from '../../../engine/cli/extra-vars.js';
import { InputError, OptionsError } from '../../../engine/errors.js';

t.test('key=value, quoting, JSON, YAML files; later -e wins', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vp-ev-'));
  writeFileSync(join(dir, 'v.yml'), 'iso: /isos/virtio-win.iso\nn: 3\n');
  t.same(parseExtraVars(['a=1 b="two words" c=\'x y\'']), { a: '1', b: 'two words', c: 'x y' });
  t.same(parseExtraVars(['{"n": 2, "l": [1, 2]}']), { n: 2, l: [1, 2] });
  t.same(parseExtraVars([`@${join(dir, 'v.yml')}`, 'n=4']), { iso: '/isos/virtio-win.iso', n: '4' });
});

t.test('bad -e values are option errors (exit 5), bad YAML files input errors with position', async (t) => {
  t.throws(() => parseExtraVars(['novalue']), OptionsError);
  t.throws(() => parseExtraVars(['a="open']), OptionsError);
  t.throws(() => parseExtraVars(['{"a": ']), OptionsError);
  t.throws(() => parseExtraVars(['@/nonexistent/vars.yml']), { message: /cannot read/ });
  const dir = mkdtempSync(join(tmpdir(), 'vp-ev-'));
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'a: 1\na: 2\n');
  const err = (() => {
    try {
      parseExtraVars([`@${bad}`]);
    } catch (e) {
      return e;
    }
  })();
  t.type(err, InputError);
  t.match((err as Error).message, `${bad}:2:1`);
});
