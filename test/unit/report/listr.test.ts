import t, { type Test } from 'tap';
import { ListrReporter } from '../../../engine/report/listr.js';
import { drive, FakeTty, SECRET, StringStream } from './events.js';

/** Without ANSI sequences, listr2's icons and the carriage work of the default renderer. */
function strip(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** A fake terminal to draw on; listr2 checks process.stdout before it draws on any stream, so that says it is one too. */
function terminal(t: Test): FakeTty {
  const was = process.stdout.isTTY;
  process.stdout.isTTY = true;
  t.teardown(() => {
    process.stdout.isTTY = was;
  });
  return new FakeTty();
}

const SUMMARY_NIC = [
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
  '[WARNING]: [h1] guest win7 names /dev/sda in /etc/fstab (key ********)',
].join('\n');

const RECAP_TAIL = [
  'PLAY RECAP *********************************************************************',
  'h1                         : ok=3    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
  'h2                         : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=1   ',
  'h3                         : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0   ',
  'h4                         : ok=0    changed=0    unreachable=0    failed=0    skipped=2    rescued=0    ignored=0   ',
  '',
  'Playbook run took 0 days, 0 hours, 0 minutes, 2.35 seconds',
  '',
].join('\n');

t.test('simple renderer: host titles, then the summary lines that matter, then the recap', async (t) => {
  const out = new FakeTty();
  await drive(new ListrReporter({ verbosity: 0, diff: true, check: false, color: false, out, renderer: 'simple' }));
  const text = strip(out.text);
  t.match(text, /h1: changed\n/);
  t.match(text, /h2: failed \(ignored\): virsh define failed for w2k8: unsupported configuration\n/);
  t.match(text, /h3: unreachable \[FAILED: Failed to connect to the host via ssh/);
  t.match(text, /h4 \[SKIPPED: h4: skipped \(Conditional result was False\)\]/);
  t.match(text, /TASK \[Make NICs virtio\]\n/);
  t.match(text, /RUNNING HANDLER \[restart guests\]\n/);
  // The summary comes after the list of its task and before the next task.
  const nic = text.indexOf(SUMMARY_NIC);
  t.ok(nic > text.indexOf('h1: changed'), 'NIC task summary printed after its list');
  t.ok(nic < text.indexOf('TASK [Attach ISOs]'), 'and before the next task');
  t.ok(text.includes('TASK [Attach ISOs]\n') && text.includes('changed: [h1] => (item=virtio-win.iso)\n'));
  t.notOk(text.includes('ok: [h1] => (item=drivers.iso)'), 'ok lines stay in the list at -v0');
  t.notOk(text.includes('skipping: [h4]'), 'skipping lines stay in the list at -v0');
  t.ok(text.endsWith(RECAP_TAIL), 'the plain recap closes the output');
  t.notOk(out.text.includes(SECRET));
});

t.test('default renderer on a terminal: final frame kept, summary after it', async (t) => {
  const out = terminal(t);
  await drive(new ListrReporter({ verbosity: 1, diff: true, check: false, color: false, out }));
  t.ok(out.text.includes('\x1b[?25l'), 'listr2 hid the cursor while drawing');
  t.ok(out.text.includes('\x1b[?25h'), 'and showed it again');
  const text = strip(out.text);
  t.match(text, /TASK \[Make NICs virtio\]\n {2}\S+ h1: changed\n {2}\S+ h2: failed \(ignored\): virsh define failed/);
  t.match(text, /\S+ h4: skipped \(Conditional result was False\)/);
  const [diff, rest] = SUMMARY_NIC.split('\nchanged: [h1]\n');
  t.ok(text.includes(diff! + '\nchanged: [h1] => {"changed": true, "guests": '), 'diff, then the host line with its JSON at -v');
  t.ok(text.includes('  deb12: ok - already virtio\n' + rest!.split('\n').slice(1, -1).join('\n')), 'every guest, then the failures');
  t.ok(text.includes('ok: [h1] => (item=drivers.iso) => {"changed": false, "item": "drivers.iso", "msg": "already attached"}'), '-v keeps ok lines');
  t.ok(text.includes('Transport per host (SSH connections, remote commands):'));
  t.notOk(out.text.includes(SECRET));
});

t.test('hosts that never report end the task instead of hanging it', async (t) => {
  const out = new StringStream();
  const r = new ListrReporter({ verbosity: 0, diff: false, check: false, color: false, out, renderer: 'simple' });
  const task = { name: 'quiet', module: 'm', handler: false, hosts: ['a', 'b', 'c'] };
  await r.taskStart(task);
  await r.hostResult(task, { host: 'b', status: 'failed', item: 'x', result: { changed: false, msg: 'nope' }, check: false, durationMs: 1 });
  await r.hostResult(task, { host: 'c', status: 'changed', item: 'y', result: { changed: true }, check: false, durationMs: 1 });
  await r.taskEnd(task);
  const text = strip(out.text);
  t.match(text, /a \[SKIPPED: a: no result\]/);
  t.match(text, /b: failed \[FAILED: One or more items failed: nope\]/);
  t.match(text, /c: changed/);
  t.match(text, /failed: \[b\] \(item=x\) => \{"changed": false, "item": "x", "msg": "nope"\}/);
});

t.test('an output stream that throws never breaks the run', async (t) => {
  const out = terminal(t);
  out.write = () => {
    throw new Error('EIO');
  };
  await t.resolves(drive(new ListrReporter({ verbosity: 3, diff: true, check: false, color: true, out })));
});

t.test("a guest's progress: one live line per guest under its host, gone when the host ends", async (t) => {
  const out = terminal(t);
  const r = new ListrReporter({ verbosity: 0, diff: false, check: false, color: false, out });
  const task = { name: 'bootstrap', module: 'virtio_bootstrap', handler: false, hosts: ['h1', 'h2'] };
  r.progress(task, 'h1', 'win1', 'early, before listr2 started the host');
  await r.taskStart(task);
  r.progress(task, 'h1', 'win1', 'waiting for the driver install');
  r.progress(task, 'h1', 'win2', 'on vda: waiting for its first boot');
  r.progress(task, 'h2', 'win3', 'boots from virtio vda');
  await new Promise((done) => setTimeout(done, 250)); // a few of the renderer's frames
  const during = strip(out.text);
  t.match(
    during,
    /h1\n\s+\S* ?win1: waiting for the driver install\n\s+\S* ?win2: on vda: waiting for its first boot/,
    "both guests' lines under h1, the latest text of each",
  );
  t.match(during, /win3: boots from virtio vda/, "h2's guest under h2");
  await r.hostResult(task, { host: 'h1', status: 'changed', result: { changed: true }, check: false, durationMs: 1 });
  await r.hostResult(task, { host: 'h2', status: 'ok', result: { changed: false }, check: false, durationMs: 1 });
  r.progress(task, 'h1', 'win1', 'after the end: not shown');
  await r.taskEnd(task);
  const text = strip(out.text);
  t.notMatch(text, /after the end/, 'progress after the host ended is dropped');
  const last = text.slice(text.lastIndexOf('TASK [bootstrap]'));
  t.notMatch(last, /win1:|win2:/, 'the final frame keeps the hosts, not the progress lines');
});
