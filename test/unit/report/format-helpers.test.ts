import t from 'tap';
import { makeColors, shouldUseColor, visibleLength } from '../../../engine/report/colors.js';
import { diffLines } from '../../../engine/report/diff-text.js';
import { resultJson as pyJson } from '../../../engine/python/json.js';
import { pyStr } from '../../../engine/python/values.js';
import { MASK, redact, Redactor } from '../../../engine/report/redact.js';

const plain = makeColors(false);

t.test('diffs in difflib unified format (what ansible-playbook --diff prints)', async (t) => {
  // Expected texts are Python difflib.unified_diff output for the same inputs (n=3).
  t.same(diffLines([{ before: '', after: 'x\n' }], plain), ['--- before', '+++ after', '@@ -0,0 +1 @@', '+x', '']);
  t.same(diffLines([{ before: 'a\nb\nc\n', after: 'a\nc\n', before_header: 'g1', after_header: 'g1' }], plain), [
    '--- before: g1',
    '+++ after: g1',
    '@@ -1,3 +1,2 @@',
    ' a',
    '-b',
    ' c',
    '',
  ]);
  const long = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  t.same(diffLines([{ before: long, after: long.replace('line 3\n', 'line three\n').replace('line 18\n', 'line eighteen\n') }], plain), [
    '--- before',
    '+++ after',
    '@@ -1,6 +1,6 @@',
    ' line 1',
    ' line 2',
    '-line 3',
    '+line three',
    ' line 4',
    ' line 5',
    ' line 6',
    '@@ -15,6 +15,6 @@',
    ' line 15',
    ' line 16',
    ' line 17',
    '-line 18',
    '+line eighteen',
    ' line 19',
    ' line 20',
    '',
  ]);
  t.same(diffLines([{ before: 'a', after: 'b' }], plain), [
    '--- before',
    '+++ after',
    '@@ -1 +1 @@',
    '-a',
    '\\ No newline at end of file',
    '+b',
    '\\ No newline at end of file',
    '',
  ]);
  t.same(diffLines([{ before: 'same\n', after: 'same\n' }], plain), [], 'no change, no diff');
  const colored = diffLines([{ before: 'a\n', after: 'b\n' }], makeColors(true));
  t.same(colored, ['\x1b[31m--- before\x1b[39m', '\x1b[32m+++ after\x1b[39m', '\x1b[36m@@ -1 +1 @@\x1b[39m', '\x1b[31m-a\x1b[39m', '\x1b[32m+b\x1b[39m', '']);
});

t.test('JSON as Python json.dumps(sort_keys=True) prints it', async (t) => {
  t.equal(pyJson({ b: 1, a: [true, null, 'ü"'], c: {} }), '{"a": [true, null, "ü\\""], "b": 1, "c": {}}');
  t.equal(pyJson({ b: { d: [] }, a: 1 }, 4), '{\n    "a": 1,\n    "b": {\n        "d": []\n    }\n}');
  t.equal(pyJson({ x: undefined, y: 2 }), '{"y": 2}');
  t.equal(pyStr('plain'), 'plain');
  t.equal(pyStr({ name: 'vda', n: 1, ok: true, none: null, l: ['x'] }), "{'name': 'vda', 'n': 1, 'ok': True, 'none': None, 'l': ['x']}");
});

t.test('redaction masks secret keys deeply and their values wherever they appear', async (t) => {
  const input = {
    ansible_password: 'p4ssw0rd!',
    args: { ssh_key_passphrase: 'hunter2', api_token: ['tok-1234'], client_secret: { v: 'zzzz1' } },
    private_key: '-----BEGIN-----',
    msg: 'ssh-keygen -P hunter2 failed with p4ssw0rd!',
    list: [{ become_pass: 'short' }],
    empty_password: '',
    n: 5,
  };
  const out = redact(input);
  t.same(out, {
    ansible_password: MASK,
    args: { ssh_key_passphrase: MASK, api_token: MASK, client_secret: MASK },
    private_key: MASK,
    msg: `ssh-keygen -P ${MASK} failed with ${MASK}`,
    list: [{ become_pass: MASK }],
    empty_password: '',
    n: 5,
  });
  t.equal(input.args.ssh_key_passphrase, 'hunter2', 'the input is not changed');
  const r = new Redactor(['abcd']);
  r.learnFrom({ token: 'T0K3N' });
  t.equal(r.text('abcd T0K3N abc'), `${MASK} ${MASK} abc`);
  const cyc: Record<string, unknown> = { a: 1 };
  cyc['self'] = cyc;
  t.same(redact(cyc), { a: 1, self: '[circular]' });
});

t.test('color decision: terminal, NO_COLOR, FORCE_COLOR', async (t) => {
  t.equal(shouldUseColor(true, {}), true);
  t.equal(shouldUseColor(false, {}), false);
  t.equal(shouldUseColor(true, { NO_COLOR: '1' }), false);
  t.equal(shouldUseColor(true, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count');
  t.equal(shouldUseColor(false, { FORCE_COLOR: '1' }), true);
  t.equal(shouldUseColor(false, { FORCE_COLOR: '' }), true);
  t.equal(shouldUseColor(true, { FORCE_COLOR: '0' }), false);
  t.equal(shouldUseColor(false, { FORCE_COLOR: '1', NO_COLOR: '1' }), true, 'FORCE_COLOR wins');
  t.equal(visibleLength('\x1b[31mhé\x1b[39m'), 2);
});
