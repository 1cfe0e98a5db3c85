import t from 'tap';
import { JsonReporter, type JsonDocument } from '../../../engine/report/json.js';
import { drive, SECRET, StringStream } from './events.js';

async function run(verbosity = 0, check = false): Promise<{ doc: JsonDocument; raw: string; human: string }> {
  const out = new StringStream();
  const jsonOut = new StringStream();
  await drive(new JsonReporter({ verbosity, diff: true, check, color: false, out, jsonOut }));
  return { doc: JSON.parse(jsonOut.text) as JsonDocument, raw: jsonOut.text, human: out.text };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

t.test('one JSON document shaped like Ansible json callback', async (t) => {
  const { doc, raw } = await run();
  t.equal(raw.trim().split('\n').at(-1), '}', 'the document is all there is');
  t.same(Object.keys(doc).sort(), ['custom_stats', 'global_custom_stats', 'plays', 'stats', 'virtplay']);
  t.equal(doc.plays.length, 1);
  const play = doc.plays[0]!;
  t.equal(play.play.name, 'Convert guests to virtio');
  t.match(play.play.id, UUID);
  t.match(play.play.duration.start, ISO);
  t.match(play.play.duration.end, ISO);
  t.same(
    play.tasks.map((x) => [x.task.name, x.task.module, x.task.handler]),
    [
      ['Make NICs virtio', 'virtio_nic', false],
      ['Attach ISOs', 'cdrom', false],
      ['restart guests', 'guest_power', true],
    ],
  );
  for (const x of play.tasks) {
    t.match(x.task.id, UUID);
    t.match(x.task.duration.start, ISO);
    t.match(x.task.duration.end, ISO);
  }
  const nic = play.tasks[0]!.hosts;
  t.same(Object.keys(nic), ['h1', 'h2', 'h3', 'h4']);
  t.match(nic['h1'], { changed: true, action: 'virtio_nic', check: false, guests: [{ guest: 'win7', changed: true, pending: true }, { guest: 'deb12' }] });
  t.equal((nic['h1']!['diff'] as { after: string }[])[0]!.after.includes('virtio'), true, 'the diff is kept');
  t.notOk('failed' in nic['h1']!);
  t.match(nic['h2'], { changed: false, failed: true, ignored: true, msg: /virsh define failed/ });
  t.match(nic['h3'], { changed: false, unreachable: true, msg: /ECONNREFUSED/ });
  t.match(nic['h4'], { changed: false, skipped: true, skip_reason: 'Conditional result was False' });
  const iso = play.tasks[1]!.hosts;
  t.match(iso['h1'], {
    changed: true,
    results: [
      { changed: true, item: 'virtio-win.iso' },
      { changed: false, item: 'drivers.iso' },
    ],
  });
  t.match(
    iso['h2'],
    { changed: false, results: [{ changed: false, item: { iso: 'virtio-win.iso', bus: 'sata' } }] },
    'items fill results when the aggregate has none',
  );
  t.same(doc.stats, {
    h1: { ok: 3, changed: 3, unreachable: 0, failures: 0, skipped: 0, rescued: 0, ignored: 0 },
    h2: { ok: 1, changed: 0, unreachable: 0, failures: 0, skipped: 0, rescued: 0, ignored: 1 },
    h3: { ok: 0, changed: 0, unreachable: 1, failures: 0, skipped: 0, rescued: 0, ignored: 0 },
    h4: { ok: 0, changed: 0, unreachable: 0, failures: 0, skipped: 2, rescued: 0, ignored: 0 },
  });
  t.match(doc.virtplay, { exit_code: 4, duration_ms: 2345, check: false, diff: true, transport: { h1: { connections: 1, commands: 7 } } });
  t.same(doc.virtplay.warnings, [{ msg: 'guest win7 names /dev/sda in /etc/fstab (key ********)', host: 'h1' }]);
});

t.test('secrets never reach the document nor the human stream', async (t) => {
  const { raw, human, doc } = await run(4);
  t.notOk(raw.includes(SECRET));
  t.notOk(human.includes(SECRET));
  t.same((doc.plays[0]!.tasks[0]!.hosts['h1']!['invocation'] as { module_args: unknown }).module_args, { guests: 'all', ssh_key_passphrase: '********' });
});

t.test('human lines go to the other stream, never into stdout with the document', async (t) => {
  const { human } = await run(3);
  t.equal(human, '[WARNING]: [h1] guest win7 names /dev/sda in /etc/fstab (key ********)\n<h1> <exec> ssh-keygen -P ********\n');
  const same = new StringStream();
  const r = new JsonReporter({ verbosity: 3, diff: false, check: true, color: false, out: same, jsonOut: same });
  r.warning('to be dropped');
  r.finish({ stats: {}, exitCode: 0, durationMs: 1, transport: {} });
  const doc = JSON.parse(same.text) as JsonDocument;
  t.equal(doc.virtplay.check, true);
  t.same(doc.plays, []);
  t.same(doc.virtplay.warnings, [{ msg: 'to be dropped' }], 'the warning stays in the document');
});

t.test('a loop reported item by item without an aggregate still gets its results', async (t) => {
  const jsonOut = new StringStream();
  const r = new JsonReporter({ verbosity: 0, diff: false, check: false, color: false, out: new StringStream(), jsonOut });
  const task = { name: 'loop', module: 'm', handler: false, hosts: ['a'] };
  r.taskStart(task);
  r.hostResult(task, { host: 'a', status: 'changed', item: 1, result: { changed: true }, check: false, durationMs: 1 });
  r.hostResult(task, { host: 'a', status: 'failed', item: 2, result: { changed: false, failed: true, msg: 'bad' }, check: false, durationMs: 1 });
  r.taskEnd(task);
  r.finish({ stats: {}, exitCode: 2, durationMs: 1, transport: {} });
  const doc = JSON.parse(jsonOut.text) as JsonDocument;
  t.equal(doc.plays[0]!.play.name, '', 'an implicit play holds a task reported without playStart');
  t.match(doc.plays[0]!.tasks[0]!.hosts['a'], {
    changed: true,
    failed: true,
    msg: 'One or more items failed',
    results: [
      { item: 1, changed: true },
      { item: 2, failed: true, msg: 'bad' },
    ],
  });
});
