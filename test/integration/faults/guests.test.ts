/**
 * Faults in and around a guest, on real stand-in guests of lab1:
 *  4. a running guest that ignores the ACPI power button: domain_state shut_off with
 *     shutdown_timeout 10 fails (exit 2) saying so and what to do, the guest still runs (no forced
 *     power-off); with force: true it is powered off and the result says so;
 *  6. the disk full when virtio_bootstrap creates its dummy image (dummy_dir on a full 256 KiB
 *     tmpfs): exit 2 with qemu-img's reason, the definition unchanged, nothing left in the folder;
 *     after freeing space a re-run attaches the dummy disk and, with start_guest: false, waits for
 *     the operator; one more run changes nothing.
 */
import t from 'tap';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { guestXml, labHost, run, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { buildStandin, defineStandin, removeStandin, serialLines } from '../../lab/standin.js';
import { describeRun, direct, hostMessages, hostResult, stageOf, tempDir, virtplay, writeInventory, writePlaybook } from './kit.js';

const HOST = 'lab1';

const STOP = `- name: stop
  hosts: all
  tasks:
    - name: guest shut off
      domain_state:
        guests: "{{ guest }}"
        state: shut_off
        shutdown_timeout: 10
        force: "{{ force | default(false) }}"
`;

const BOOTSTRAP = `- name: bootstrap
  hosts: all
  tasks:
    - name: dummy virtio disk
      virtio_bootstrap:
        guests: "{{ guest }}"
        virtio_win_iso: "{{ iso }}"
        dummy_dir: "{{ dummy_dir }}"
        start_guest: false
`;

async function domstate(guest: string): Promise<string> {
  return (await virshAs(HOST, ['domstate', guest])).stdout.trim();
}

t.before(async () => {
  await buildStandin();
});

t.test('a guest that ignores the ACPI shutdown', async (t) => {
  const lab = await useLab(t);
  const dir = tempDir(t);
  const inv = writeInventory(dir, [direct(HOST)]);
  const pb = writePlaybook(dir, 'stop.yml', STOP);
  const s = await defineStandin(HOST, 'vpfault-acpi', { ignoreAcpi: true });
  lab.cleanup(() => removeStandin(s));
  const before = await guestXml(HOST, s.name);
  const started = await virshAs(HOST, ['start', s.name]);
  t.equal(started.code, 0, started.stderr);
  // Up: its init reported the boot (and that it will ignore ACPI).
  const deadline = Date.now() + 120_000;
  while (!serialLines(s).some((l) => /boot-disk=/.test(l)) && Date.now() < deadline) await sleep(250);
  const boot = serialLines(s).find((l) => /boot-disk=/.test(l));
  t.match(boot, /acpi=ignore/, `booted: ${boot}`);

  const r = await virtplay([pb, '-i', inv, '-e', `guest=${s.name}`], dir);
  t.equal(r.code, 2, `exit 2: ${describeRun(r)}`);
  const msg = hostMessages(r.doc, HOST);
  // The summary names the guest once: "1 failed: <guest>: did not shut down ...".
  t.match(msg, new RegExp(`failed: ${s.name}: did not shut down within 10 s of the ACPI power button`), 'says it did not shut down in 10 s');
  t.match(msg, /raise shutdown_timeout, or set force: true/, 'says what to do');
  t.ok(r.ms >= 10_000, `waited the 10 s (${Math.round(r.ms)} ms)`);
  // Not much longer either: the ACPI button returns at once (plain `virsh shutdown` asks the agent first and blocks 60 s).
  t.ok(r.ms < 25_000, `gave up soon after the deadline (${Math.round(r.ms)} ms)`);
  t.ok(
    serialLines(s).some((l) => /shutdown-request source=acpi .*ignored/.test(l)),
    'the guest got the ACPI request and ignored it',
  );
  t.equal(await domstate(s.name), 'running', 'still running: no forced power-off');
  t.equal(await guestXml(HOST, s.name), before, 'definition untouched');

  const f = await virtplay([pb, '-i', inv, '-e', `guest=${s.name}`, '-e', '{"force": true}'], dir);
  t.equal(f.code, 0, `force: exit 0: ${describeRun(f)}`);
  const guests = (hostResult(f.doc, 'guest shut off', HOST)?.['guests'] ?? []) as { guest: string; changes: string[] }[];
  t.match(guests[0]?.changes.join('; '), /powered off after the ACPI deadline \(force\)/, 'the result says forced');
  t.match(f.stderr, /ignored the ACPI shutdown for 10 s: powering it off \(force: true\)/, 'a warning says so too');
  t.equal(await domstate(s.name), 'shut off', 'powered off');
  const again = await virtplay([pb, '-i', inv, '-e', `guest=${s.name}`], dir);
  t.equal(again.code, 0);
  t.equal(again.doc?.stats[HOST]?.changed, 0, 'a re-run changes nothing');
  t.equal(await guestXml(HOST, s.name), before, 'definition still untouched');
  t.comment(
    `fault 4 [guest ignores ACPI, shutdown_timeout 10] exit ${r.code} after ${Math.round(r.ms)} ms, guest still running, definition old (unchanged); force: true -> exit ${f.code}, powered off (forced), definition old (domain_state does not define); re-run changed ${again.doc?.stats[HOST]?.changed}`,
  );
});

t.test('the disk full when creating the dummy image', async (t) => {
  const lab = await useLab(t);
  const dir = tempDir(t);
  const h = labHost(HOST);
  const inv = writeInventory(dir, [direct(HOST)]);
  const pb = writePlaybook(dir, 'bootstrap.yml', BOOTSTRAP);
  const s = await defineStandin(HOST, 'vpfault-full');
  lab.cleanup(() => removeStandin(s));

  // A full 256 KiB tmpfs the lab user owns.
  const mnt = mkdtempSync('/tmp/vp-faults-full-');
  chmodSync(mnt, 0o755);
  const m = await run(['mount', '-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tmpfs', mnt]);
  t.equal(m.code, 0, `mount: ${m.stderr}`);
  t.teardown(async () => {
    await run(['umount', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  chownSync(mnt, h.uid, h.uid);
  await run(['dd', 'if=/dev/zero', `of=${mnt}/fill`, 'bs=4k']); // until ENOSPC
  const df = await run(['df', '-k', '--output=avail', mnt]);
  t.equal(df.stdout.trim().split('\n')[1]?.trim(), '0', 'the folder is full');

  const before = await guestXml(HOST, s.name);
  const args = [pb, '-i', inv, '-e', `guest=${s.name}`, '-e', `iso=${s.iso}`, '-e', `dummy_dir=${mnt}`];
  const r = await virtplay(args, dir);
  t.equal(r.code, 2, `exit 2: ${describeRun(r)}`);
  const msg = hostMessages(r.doc, HOST);
  t.match(msg, new RegExp(`${s.name}: could not create the dummy image ${mnt}/`), 'names the guest and the image');
  t.match(msg, /qemu-img: .*No space left on device/, "qemu-img's reason");
  t.equal(await guestXml(HOST, s.name), before, 'the definition is byte-identical');
  t.same(readdirSync(mnt), ['fill'], 'nothing left in the folder');

  rmSync(`${mnt}/fill`);
  const again = await virtplay(args, dir);
  t.equal(again.code, 0, `after freeing space: ${describeRun(again)}`);
  const res = hostResult(again.doc, 'dummy virtio disk', HOST);
  t.match(res?.['msg'], /waiting for the driver/, 'waits for the operator');
  t.match(again.stderr, /waiting for the virtio storage driver: start the guest so that it finds the dummy virtio disk/, 'the waiting message');
  const images = readdirSync(mnt);
  t.equal(images.length, 1, `one dummy image: ${images.join(', ')}`);
  t.match(images[0], /\.virtplay-dummy-[0-9a-f]{8}\.qcow2$/);
  const after = await guestXml(HOST, s.name);
  const dom = Domain.parse(after);
  t.ok(
    dom.disks().some((d) => d.bus === 'virtio' && d.sourceFile === `${mnt}/${images[0]}`),
    'the dummy disk is attached on virtio',
  );
  t.ok(
    dom.disks().some((d) => d.device === 'cdrom' && d.sourceFile === s.iso),
    'the driver ISO is attached',
  );
  t.equal(await domstate(s.name), 'shut off', 'not started (start_guest: false)');
  const third = await virtplay(args, dir);
  t.equal(third.code, 0);
  t.equal(third.doc?.stats[HOST]?.changed, 0, 'one more run changes nothing');
  t.equal(await guestXml(HOST, s.name), after, 'and leaves the definition as it was');
  t.same(readdirSync(mnt), images, 'no second image');
  const stages = [
    { label: 'old', xml: before },
    { label: 'new (dummy attached)', xml: after },
  ];
  t.comment(
    `fault 6 [dummy_dir full] exit ${r.code}, definition ${stageOf(before, stages)} (byte-identical), folder empty; after freeing space exit ${again.code}, definition ${stageOf(after, stages)}, waiting for the operator; third run changed ${third.doc?.stats[HOST]?.changed}`,
  );
});
