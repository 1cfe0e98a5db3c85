/**
 * Play and task keywords of the runner, through runPlaybook with a small test module (the SSH and
 * libvirt parts are not involved; the differential test runs serial and run_once against
 * ansible-playbook's recorded output): serial's batches as Ansible cuts them, the play keyword
 * `connection` (below the host's own ansible_connection), the `diff` keyword of a task and of a
 * play, and a failing run_once task failing its whole batch.
 */
import t from 'tap';
import type { ModuleDef } from '../../../engine/module.js';
import { serialBatches } from '../../../engine/runner/serial.js';
import { fakePlay } from '../../helpers/fake-play.js';

/** Which hosts ran each task (by its id), in order. */
let ran: string[] = [];

const probe: ModuleDef<{ id: string; fail?: boolean }> = {
  name: 'probe',
  description: 'runs one command on the host, changes something and describes it as a diff (test module)',
  checkMode: 'plan',
  async run(ctx, args) {
    ran.push(`${args.id}@${ctx.host}`);
    ctx.progress?.('g1', `working on ${args.id}`);
    await ctx.conn.exec('true');
    if (args.fail) return { changed: false, failed: true, msg: 'probe failed' };
    return {
      changed: true,
      msg: 'changed',
      ...(ctx.diff ? { diff: [{ before: 'old\n', after: 'new\n', before_header: args.id, after_header: args.id }] } : {}),
    };
  },
};
const SCHEMA = { type: 'object', properties: { id: { type: 'string' }, fail: { type: 'boolean' } }, required: ['id'], additionalProperties: false };

async function play(yaml: string, opts: { diff?: boolean; hostVars?: string; verbosity?: number } = {}) {
  ran = [];
  return fakePlay(yaml, {
    modules: [{ def: probe, schema: SCHEMA }],
    hosts: ['h1', 'h2', 'h3', 'h4', 'h5'],
    diff: opts.diff ?? false,
    verbosity: opts.verbosity ?? 0,
    ...(opts.hostVars !== undefined ? { firstHostVars: opts.hostVars } : {}),
  });
}

t.test("serial's batches, as ansible-playbook's _get_serialized_batches", async (t) => {
  const hosts = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  t.same(serialBatches(hosts(4), [1, '50%']), [[1], [2, 3], [4]], 'the last value repeats; 50% of 4 is 2');
  t.same(serialBatches(hosts(10), ['30%']), [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
  t.same(serialBatches(hosts(5), [1, 0]), [[1], [2, 3, 4, 5]], '0 takes the hosts left');
  t.same(serialBatches(hosts(3), ['1%']), [[1], [2], [3]], 'a percentage gives at least one host');
  t.same(serialBatches(hosts(3), [5]), [[1, 2, 3]]);
  t.same(serialBatches(hosts(3), undefined), [[1, 2, 3]], 'no serial: one batch');
  t.same(serialBatches([], [2]), [], 'no hosts: no batch');
});

t.test('serial runs the whole play per batch; a batch whose hosts all fail ends the run', async (t) => {
  const r = await play(`
- hosts: all
  gather_facts: false
  vars:
    rest: "{{ share }}"
    share: "{{ '40%' }}"
  serial: [2, "{{ rest }}"]
  tasks:
    - { name: a, probe: { id: a } }
    - { name: b, probe: { id: b, fail: "{{ inventory_hostname in ['h3', 'h4'] }}" } }
    - { name: c, probe: { id: c } }
- hosts: all
  gather_facts: false
  tasks:
    - { name: d, probe: { id: d } }
`);
  t.same(
    ran,
    ['a@h1', 'a@h2', 'b@h1', 'b@h2', 'c@h1', 'c@h2', 'a@h3', 'a@h4', 'b@h3', 'b@h4'],
    'batch [h1 h2] ran the play; [h3 h4] (40%, through a chain of play vars) failed whole; h5 and the next play never ran',
  );
  t.equal(r.text.match(/^PLAY \[all\]/gm)?.length, 2, 'the play banner once per batch that ran');
  t.equal(r.code, 2);
});

t.test('a serial value that is neither a count nor a percentage stops the run with exit 6', async (t) => {
  await t.rejects(
    play(`
- name: odd serial
  hosts: all
  gather_facts: false
  serial: "{{ 'some' }}"
  tasks:
    - { name: a, probe: { id: a } }
`),
    { exitCode: 6, message: /play\.yml:2:3: serial of play 'odd serial': "some" is neither a count nor a percentage/ },
  );
  t.same(ran, [], 'no task ran');
});

t.test('a failing run_once task fails every host of its batch', async (t) => {
  const r = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - { name: once, probe: { id: once, fail: true }, run_once: true }
    - { name: after, probe: { id: after } }
`);
  t.same(ran, ['once@h1'], 'ran on the first host only; no host goes on');
  t.match(r.text, /^h1 +: ok=0 +changed=0 +unreachable=0 +failed=1/m, 'the failure is counted on the host that ran it');
  t.match(r.text, /^h2 +: ok=0 +changed=0 +unreachable=0 +failed=0/m, 'and not again on the others');
  t.equal(r.code, 2);
});

t.test("the play keyword connection, below the host's own ansible_connection", async (t) => {
  const r = await play(
    `
- hosts: h1:h2
  connection: local
  gather_facts: false
  tasks:
    - { name: a, probe: { id: a } }
- hosts: h2
  gather_facts: false
  tasks:
    - { name: b, probe: { id: b } }
`,
    { hostVars: '      ansible_connection: ssh\n' },
  );
  t.equal(r.code, 0);
  t.same(
    r.connects.sort((a, b) => `${a.host}${a.ansible_connection}`.localeCompare(`${b.host}${b.ansible_connection}`)),
    [
      { host: 'h1', ansible_connection: 'ssh' },
      { host: 'h2', ansible_connection: 'local' },
      { host: 'h2', ansible_connection: undefined },
    ],
    "h1's own ssh wins over the keyword; h2 connects locally in the first play and as by default in the second",
  );
  t.same(r.transport['h2'], { connections: 2, commands: 0, reconnects: 0 }, "--json's transport sums a host's connections, every counter kept");
});

t.test('the diff keyword shows or hides a diff whatever --diff says', async (t) => {
  const shown = await play(`
- hosts: h1
  gather_facts: false
  tasks:
    - { name: with, probe: { id: with }, diff: true }
    - { name: without, probe: { id: without } }
`);
  t.match(shown.text, /^--- before: with\n\+\+\+ after: with\n@@ -1 \+1 @@\n-old\n\+new$/m, 'diff: true shows it without --diff');
  t.notMatch(shown.text, /before: without/, 'the other task shows none');
  const hidden = await play(
    `
- hosts: h1
  gather_facts: false
  diff: false
  tasks:
    - { name: quiet, probe: { id: quiet } }
    - { name: loud, probe: { id: loud }, diff: true }
`,
    { diff: true },
  );
  t.notMatch(hidden.text, /before: quiet/, "the play's diff: false hides it under --diff");
  t.match(hidden.text, /before: loud/, "a task's own diff: true wins over its play's");
});

t.test("a module's per-guest progress reaches the reporter with its host (plain: at -vv)", async (t) => {
  const yaml = `
- hosts: h1
  gather_facts: false
  tasks:
    - { name: a, probe: { id: a } }
`;
  t.match((await play(yaml, { verbosity: 2 })).text, /h1.*\[g1\] working on a/);
  t.notMatch((await play(yaml)).text, /working on/, 'not at -v0');
});
