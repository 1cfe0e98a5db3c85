/** The built CLI masks secret-named variables' values in every output form, even -vvv and --json. */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { virtplay } from '../../helpers/virtplay-cli.js';

t.test('secret values never reach the output', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vp-secrets-'));
  const pb = join(dir, 'pb.yml');
  writeFileSync(pb, '- hosts: all\n  tasks:\n    - name: show\n      debug:\n        msg: "pw is {{ db_password }}, key at {{ key_file }}"\n');
  for (const extra of [[], ['-vvv'], ['--json']]) {
    const r = await virtplay([pb, '-i', 'localhost,', '-e', 'db_password=hunter2', '-e', 'key_file=/keys/id_x', ...extra]);
    t.equal(r.code, 0, `exit 0 ${extra.join(' ')}`);
    const out = r.stdout + r.stderr;
    t.notMatch(out, 'hunter2', `the password is masked ${extra.join(' ')}`);
    t.match(out, '********', 'and shown as the mask');
    if (extra[0] !== undefined) t.match(out, '/keys/id_x', 'a plain value still shows');
  }
});
