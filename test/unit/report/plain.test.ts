import t from 'tap';
import { PlainReporter } from '../../../engine/report/plain.js';
import { secretValues } from '../../../engine/report/redact.js';
import { drive, isoTask, SECRET, StringStream, summary } from './events.js';

async function run(verbosity: number, color = false, diff = true): Promise<string> {
  const out = new StringStream();
  await drive(new PlainReporter({ verbosity, diff, check: false, color, out }));
  return out.text;
}

const RECAP = [
  'PLAY RECAP *********************************************************************',
  'h1                         : ok=3    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
  'h2                         : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=1   ',
  'h3                         : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0   ',
  'h4                         : ok=0    changed=0    unreachable=0    failed=0    skipped=2    rescued=0    ignored=0   ',
  '',
  'Playbook run took 0 days, 0 hours, 0 minutes, 2.35 seconds',
];

t.test('the whole run in Ansible default callback lines', async (t) => {
  const text = await run(0);
  t.equal(
    text,
    [
      '',
      'PLAY [Convert guests to virtio] ************************************************',
      '',
      'TASK [Make NICs virtio] ********************************************************',
      '--- before: win7 (inactive XML)',
      '+++ after: win7 (inactive XML)',
      '@@ -3,7 +3,7 @@',
      '   <devices>',
      '     <interface type="user">',
      '       <mac address="52:54:00:00:00:01"/>',
      '-      <model type="e1000"/>',
      '+      <model type="virtio"/>',
      '     </interface>',
      '   </devices>',
      ' </domain>',
      '',
      'changed: [h1]',
      '  win7: nic 52:54:00:00:00:01: model e1000 -> virtio (pending: takes effect at next boot)',
      'fatal: [h2]: FAILED! => {"changed": false, "msg": "virsh define failed for w2k8: unsupported configuration"}',
      '...ignoring',
      'fatal: [h3]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect to the host via ssh: connect ECONNREFUSED 127.0.0.1:2203", "unreachable": true}',
      'skipping: [h4]',
      '[WARNING]: [h1] guest win7 names /dev/sda in /etc/fstab (key ********)',
      '',
      'TASK [Attach ISOs] *************************************************************',
      'changed: [h1] => (item=virtio-win.iso)',
      'ok: [h1] => (item=drivers.iso)',
      "ok: [h2] => (item={'iso': 'virtio-win.iso', 'bus': 'sata'})",
      'skipping: [h4]',
      '',
      'RUNNING HANDLER [restart guests] ***********************************************',
      'changed: [h1]',
      '',
      ...RECAP,
      '',
    ].join('\n'),
  );
  for (const line of text.split('\n')) if (line.endsWith('*')) t.equal(line.length, 80, `banner is 80 columns: ${line}`);
});

t.test('-v adds the result JSON, every guest and the transport figures', async (t) => {
  const lines = (await run(1)).split('\n');
  t.ok(
    lines.includes(
      'changed: [h1] => {"changed": true, "guests": [{"changed": true, "changes": ["nic 52:54:00:00:00:01: model e1000 -> virtio"], "guest": "win7", "pending": true}, ' +
        '{"changed": false, "changes": [], "guest": "deb12", "msg": "already virtio"}], "invocation": {"module_args": {"guests": "all", "ssh_key_passphrase": "********"}}}',
    ),
    'JSON of the changed host, sorted keys, no diff, secret masked',
  );
  t.ok(lines.includes('  deb12: ok - already virtio'), 'unchanged guest shown at -v');
  t.ok(lines.includes('skipping: [h4] => {"changed": false, "false_condition": "is_kvm", "skip_reason": "Conditional result was False"}'));
  t.ok(lines.includes('changed: [h1] => (item=virtio-win.iso) => {"changed": true, "item": "virtio-win.iso", "msg": "attached"}'));
  t.notOk(
    lines.some((l) => l.startsWith('<h1>')),
    'a level-3 message stays hidden at -v',
  );
  t.same(lines.slice(-6), [
    'Transport per host (SSH connections, remote commands):',
    'h1                         : connections=1    commands=7',
    'h2                         : connections=1    commands=3',
    'h3                         : connections=0    commands=0',
    'h4                         : connections=1    commands=1',
    '',
  ]);
});

t.test('-vvv: indented JSON with the diff, verbose messages, secrets still masked', async (t) => {
  const text = await run(3);
  t.match(text, /changed: \[h1\] => \{\n {4}"changed": true,\n {4}"diff": \[/);
  t.ok(text.includes('<h1> <exec> ssh-keygen -P ********'));
  t.notOk(text.includes(SECRET));
});

t.test('no secret in any output at any verbosity, with or without color', async (t) => {
  for (const v of [0, 1, 2, 3, 4]) {
    for (const color of [false, true]) {
      const text = await run(v, color);
      t.notOk(text.includes(SECRET), `v=${v} color=${color}`);
    }
  }
});

t.test('secrets passed up front are masked even before any result shows them', async (t) => {
  const out = new StringStream();
  const secrets = secretValues({ ansible_password: 's3cr3t-pw', nested: { api_token: 'tok-123456' }, harmless: 'x' });
  t.same(secrets.sort(), ['s3cr3t-pw', 'tok-123456']);
  const r = new PlainReporter({ verbosity: 4, diff: false, check: false, color: false, out, secrets });
  r.warning('login with s3cr3t-pw failed');
  r.verbose('curl -H "Authorization: tok-123456"', 4, 'h1');
  t.equal(out.text, '[WARNING]: login with ******** failed\n<h1> curl -H "Authorization: ********"\n');
});

t.test('colors as Ansible: recap host and non-zero counts, padding kept visible', async (t) => {
  const text = await run(0, true);
  const recap = text.split('\n').filter((l) => l.includes(' : ') && l.includes('ok='));
  t.equal(recap.length, 4);
  t.equal(
    recap[0],
    '\x1b[33mh1\x1b[39m                         : \x1b[32mok=3   \x1b[39m \x1b[33mchanged=3   \x1b[39m unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
  );
  // eslint-disable-next-line no-control-regex -- the colour codes are what this test checks
  t.match(recap[2], /^\x1b\[31mh3\x1b\[39m {25}: ok=0 {4}changed=0 {4}\x1b\[91munreachable=1 {3}\x1b\[39m/);
  // eslint-disable-next-line no-control-regex -- the colour codes are what this test checks
  t.match(recap[3], /\x1b\[36mskipped=2 {3}\x1b\[39m/);
  t.ok(text.includes('\x1b[33mchanged: [h1]\x1b[39m'));
  t.ok(text.includes('\x1b[31m-      <model type="e1000"/>\x1b[39m'));
  t.ok(text.includes('\x1b[32m+      <model type="virtio"/>\x1b[39m'));
  t.ok(text.includes('\x1b[36m@@ -3,7 +3,7 @@\x1b[39m'));
  t.ok(text.includes('\x1b[36m...ignoring\x1b[39m'));
  t.ok(text.includes('\x1b[91mfatal: [h3]: UNREACHABLE!'));
  t.ok(text.includes('\x1b[95m[WARNING]:'));
});

t.test('without --diff no diff is printed', async (t) => {
  const text = await run(0, false, false);
  t.notOk(text.includes('--- before'));
  t.ok(text.includes('changed: [h1]\n  win7: nic'));
});

t.test('a loop reported only as its aggregate still prints one line per item', async (t) => {
  const out = new StringStream();
  const r = new PlainReporter({ verbosity: 0, diff: false, check: false, color: false, out });
  await r.taskStart(isoTask);
  await r.hostResult(isoTask, {
    host: 'h1',
    status: 'failed',
    ignored: true,
    check: false,
    durationMs: 3,
    result: {
      changed: true,
      failed: true,
      msg: 'One or more items failed',
      results: [
        { changed: true, item: 'a.iso' },
        { changed: false, failed: true, msg: 'no such file', item: 'b.iso' },
        { changed: false, skipped: true, item: { name: "it's" } },
      ],
    },
  });
  t.equal(
    out.text,
    [
      '',
      'TASK [Attach ISOs] *************************************************************',
      'changed: [h1] => (item=a.iso)',
      'failed: [h1] (item=b.iso) => {"changed": false, "item": "b.iso", "msg": "no such file"}',
      `skipping: [h1] => (item={'name': "it's"}) `,
      '...ignoring',
      '',
    ].join('\n'),
  );
});

t.test('a play without hosts, a long banner, a run of a minute and more', async (t) => {
  const out = new StringStream();
  const r = new PlainReporter({ verbosity: 0, diff: false, check: false, color: false, out });
  r.playStart({ name: '', hosts: [] });
  r.taskStart({ name: 'x'.repeat(90), module: 'debug', handler: false, hosts: [] });
  r.finish({ ...summary, stats: {}, durationMs: 90061_500 });
  t.equal(
    out.text,
    [
      '',
      'PLAY ***************************************************************************',
      'skipping: no hosts matched',
      '',
      `TASK [${'x'.repeat(90)}] ***`,
      '',
      'PLAY RECAP *********************************************************************',
      '',
      'Playbook run took 1 days, 1 hours, 1 minutes, 1.50 seconds',
      '',
    ].join('\n'),
  );
});

t.test('a broken output stream never breaks the run', async (t) => {
  const out = new StringStream();
  out.write = () => {
    throw new Error('EPIPE');
  };
  const r = new PlainReporter({ verbosity: 0, diff: true, check: false, color: false, out });
  await t.resolves(drive(r));
});

t.test("a guest's progress is a -vv line naming host and guest", async (t) => {
  const task = { name: 'bootstrap', module: 'virtio_bootstrap', handler: false, hosts: ['h1'] };
  for (const verbosity of [1, 2]) {
    const out = new StringStream();
    const r = new PlainReporter({ verbosity, diff: false, check: false, color: false, out });
    r.progress(task, 'h1', 'win1', 'on vda: waiting for its first boot');
    if (verbosity < 2) t.equal(out.text, '', 'not at -v');
    else t.match(out.text, /h1.*\[win1\] on vda: waiting for its first boot/, 'at -vv');
  }
});
