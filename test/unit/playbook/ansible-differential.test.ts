/**
 * Differential test against ansible-playbook: each case of test/fixtures/ansible/cases.txt (a
 * playbook there and extra arguments) runs through virtplay's CLI (localhost, local connection)
 * and its output must be what ansible-playbook 2.14 printed for it (recorded by
 * test/fixtures/ansible/record.sh, committed: CASE.ansible.txt and CASE.ansible.rc), line for line,
 * with the same exit code (the exit code alone for a case marked !), except where the README lists
 * a deliberate difference (exit code 6 for what ansible-playbook calls a parser error, 4). virtplay's own last line ("Playbook run
 * took ...", Ansible prints it only with its timer callback) is left out of the comparison.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'ansible');
const CLI = join(ROOT, 'dist', 'engine', 'cli.js');

// A play's TAGS in a listing: ansible-playbook prints a Python set, in hash order; compare them sorted.
const sortPlayTags = (line: string): string =>
  line.replace(/^( {2}play #\d+ .*\tTAGS: \[)([^\]]*)\]$/, (_m, head: string, tags: string) => `${head}${tags.split(',').sort().join(',')}]`);
const normalise = (text: string): string[] =>
  text
    .replace(/\nPlaybook run took .*\n?$/, '\n')
    .trimEnd()
    .split('\n')
    .map(sortPlayTags);

const cases = readFileSync(join(DIR, 'cases.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => {
    const [name, playbook, ...args] = l.trim().split(/\s+/);
    return { name: name!.replace(/!$/, ''), codeOnly: name!.endsWith('!'), playbook: playbook!, args };
  });
t.ok(cases.length >= 5, `${cases.length} recorded cases (${readFileSync(join(DIR, 'VERSION'), 'utf8').trim()})`);
let lines = 0;
let same = 0;
for (const c of cases) {
  t.test(c.name, async (t) => {
    const want = normalise(readFileSync(join(DIR, `${c.name}.ansible.txt`), 'utf8'));
    const recorded = Number(readFileSync(join(DIR, `${c.name}.ansible.rc`), 'utf8').trim());
    // README "Exit codes": ansible-playbook's parser error (4) is virtplay's 6.
    const wantRc = recorded === 4 ? 6 : recorded;
    // The playbook as ansible-playbook was given it (relative: the listings print it as given).
    const r = spawnSync(process.execPath, [CLI, '-i', 'localhost,', '-e', 'ansible_connection=local', c.playbook, ...c.args], {
      cwd: DIR,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TERM: 'dumb', VIRTPLAY_DIFF_VAR: 'hello' },
    });
    const got = normalise(r.stdout);
    if (!c.codeOnly) {
      lines += want.length;
      same += want.filter((l, i) => got[i] === l).length;
      t.same(got, want, `${c.name}: the output of ansible-playbook ${c.args.join(' ')}`);
    }
    t.equal(r.status, wantRc, `${c.name}: exit code ${wantRc}`);
  });
}
t.teardown(() => {
  // The agreement, for the closing notes: lines of ansible-playbook's output matched exactly.
  console.log(`# ansible differential: ${same}/${lines} lines agree over ${cases.length} cases`);
});
