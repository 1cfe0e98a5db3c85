import t from 'tap';
import { execFileSync } from 'node:child_process';
import { shq, shJoin } from '../../engine/shell.js';

t.test('quoted arguments reach the program byte for byte', async (t) => {
  const hostile = ['plain', 'with space', "it's", '$(touch /tmp/x)', '`id`', 'a;b', 'new\nline', 'ünï', '', '-n'];
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${shJoin(hostile)}`]).toString();
  t.same(out.split('\0').slice(0, -1), hostile);
});

t.test('safe words stay unquoted, others are single-quoted', async (t) => {
  t.equal(shq('qemu:///system'), 'qemu:///system');
  t.equal(shq("a'b"), `'a'\\''b'`);
  t.equal(shq(''), "''");
});
