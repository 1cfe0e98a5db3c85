/**
 * Differential test against ansible-playbook: each playbook of test/fixtures/ansible/ runs through
 * virtplay's CLI (localhost, local connection) and its output must be what ansible-playbook 2.14
 * printed for it (recorded by test/fixtures/ansible/record.sh, committed: NAME.ansible.txt and
 * NAME.ansible.rc), line for line, with the same exit code. virtplay's own last line ("Playbook run
 * took ...", Ansible prints it only with its timer callback) is left out of the comparison.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'ansible');
const CLI = join(ROOT, 'dist', 'engine', 'cli.js');

const normalise = (text: string): string[] => text.replace(/\nPlaybook run took .*\n?$/, '\n').trimEnd().split('\n');

const playbooks = readdirSync(DIR).filter((f) => f.endsWith('.yml')).sort();
t.ok(playbooks.length >= 3, `${playbooks.length} recorded playbooks (${readFileSync(join(DIR, 'VERSION'), 'utf8').trim()})`);
let lines = 0;
let same = 0;
for (const f of playbooks) {
  const name = f.slice(0, -4);
  t.test(f, async (t) => {
    const want = normalise(readFileSync(join(DIR, `${name}.ansible.txt`), 'utf8'));
    const wantRc = Number(readFileSync(join(DIR, `${name}.ansible.rc`), 'utf8').trim());
    const r = spawnSync(process.execPath, [CLI, '-i', 'localhost,', '-e', 'ansible_connection=local', join(DIR, f)], {
      cwd: DIR,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TERM: 'dumb' },
    });
    const got = normalise(r.stdout);
    lines += want.length;
    same += want.filter((l, i) => got[i] === l).length;
    t.same(got, want, `${f}: the output of ansible-playbook`);
    t.equal(r.status, wantRc, `${f}: exit code ${wantRc}`);
  });
}
t.teardown(() => {
  // The agreement, for the closing notes: lines of ansible-playbook's output matched exactly.
  console.log(`# ansible differential: ${same}/${lines} lines agree over ${playbooks.length} playbooks`);
});
