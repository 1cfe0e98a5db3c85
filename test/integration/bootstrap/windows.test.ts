/**
 * The Windows branch of playbooks/windows-virtio.yml against the stand-in's Windows personality
 * (test/lab/guest/: an agent that answers as QEMU's Windows agent does, pnputil / wmic /
 * Get-PnpDevice backed by the stand-in's real driver install), on real libvirt with booting guests:
 *   - with an agent: one run to done, the NIC switched only with the disk, the static address noted
 *   - a running guest gets the dummy disk hot-plugged and Windows sees it
 *   - an unsigned driver (Code 52) stops before the switch, on 2008 R2 (WMI) and 2016 (Get-PnpDevice)
 *   - a driver folder missing on the ISO has its own message
 *   - no agent: the channel is added, the guest waits with the steps, the operator confirms, done
 *   - a switch confirmed without the driver fails its first boot and is rolled back automatically
 */
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { guestXml, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import {
  buildStandin,
  defineStandin,
  installDriverOffline,
  labAgent,
  removeStandin,
  serialLines,
  type Standin,
  type StandinOptions,
} from '../../lab/standin.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { assertBuilt, bootstrapArgs, json, virtplay, bootstrapResult as resultOf } from './cli.js';

const HOST = 'lab1';
const NS = 'https://virtplay.dev/xmlns/virtplay/bootstrap/1';

const bootstrapResult = (stdout: string, guest: string) => resultOf(stdout, HOST, guest);

async function state(s: Standin): Promise<{ dom: Domain; attrs: Record<string, string> }> {
  const dom = Domain.parse(await guestXml(HOST, s.name));
  return { dom, attrs: dom.getMetadataAttrs(NS) ?? {} };
}

const bootDisk = (dom: Domain, s: Standin) => dom.disks().find((d) => d.sourcePath === s.disk);
const bootLines = (s: Standin) => serialLines(s).filter((l) => / boot-disk=\S+ marker=/.test(l));

async function withGuest(t: Test, name: string, opts: StandinOptions, fn: (s: Standin) => Promise<void>): Promise<void> {
  assertBuilt();
  await buildStandin();
  const lab = await useLab(t, { host: HOST });
  const s = await defineStandin(HOST, name, opts);
  lab.cleanup(() => removeStandin(s));
  await fn(s);
  t.end();
}

const args = (s: Standin, extra: string[] = []) => [...bootstrapArgs(HOST, s.name, s.iso, ['-e', 'agent_timeout=90', ...extra]), '--json'];

t.test('Windows Server 2008 R2 with its agent: one run to done, the NIC with the disk, the static address noted', (t) =>
  withGuest(t, 'vpw2k8r2', { personality: 'win2k8r2' }, async (s) => {
    const started = Date.now();
    const r = await virtplay(args(s));
    t.comment(`2008 R2 with agent, one run: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    t.equal(r.code, 0, r.stderr.slice(-2000));
    const g = bootstrapResult(r.stdout, s.name);
    t.equal(g.phase, 'done');
    t.ok(
      g.changes.some((c) => /installed D:\\viostor\\2k8R2\\amd64\\viostor\.inf/.test(c)),
      'viostor installed from the 2k8R2 folder by pnputil',
    );
    t.ok(
      g.changes.some((c) => /staged NetKVM, staged vioserial/.test(c)),
      'NetKVM and vioserial staged before the switch',
    );
    t.ok(
      g.changes.some((c) => /Code 0, Windows 2k8R2 amd64/.test(c)),
      'the device status read through WMI',
    );
    t.ok(g.changes.some((c) => /first boot from vda confirmed: the guest agent answered/.test(c)));
    t.match(g.msg, /static address .* must be set again .*10\.0\.2\.15\/24/, "the old adapter's static address is named");
    const boots = bootLines(s);
    t.ok(boots.length >= 2, `two boots: ${boots.join(' | ')}`);
    t.ok(
      boots.filter((l) => !/boot-disk=vda/.test(l)).every((l) => /nic-driver=e1000/.test(l)),
      'while the boot disk was on IDE the NIC stayed e1000 (network kept for the install phase)',
    );
    t.match(boots.at(-1), /boot-disk=vda .*nic-driver=virtio_net/, 'boots from vda with the virtio NIC');
    const { dom, attrs } = await state(s);
    t.equal(attrs.phase, 'done');
    t.equal(attrs.os, 'mswindows');
    t.equal(dom.root.child('on_reboot')?.text, 'restart', 'on_reboot restored after the confirmed boot');
    const again = await virtplay(args(s));
    t.equal(json(again).stats[HOST]?.changed, 0, 'a second run changes nothing');
  }),
);

t.test('a running Windows Server 2016: the dummy disk is hot-plugged; its unsigned driver (Code 52) stops the bootstrap before the switch', (t) =>
  withGuest(t, 'vpw2k16', { personality: 'win2k16', iso: 'unsigned', cdrom: true }, async (s) => {
    t.equal((await virshAs(HOST, ['start', s.name])).code, 0);
    t.ok(await labAgent(s).answers(90), 'the agent answers before the run');
    const r = await virtplay(args(s));
    t.equal(r.code, 2, 'the task fails');
    const g = bootstrapResult(r.stdout, s.name);
    t.ok(g.changes.includes('dummy disk hot-plugged into the running guest'), 'hot-plugged, no restart');
    t.notOk(
      g.changes.some((c) => /restarted|started/.test(c)),
      'the guest was neither started nor restarted',
    );
    t.match(g.msg, /Code 52/);
    t.match(g.msg, /viostor\\2k16\\amd64/);
    t.match(g.msg, /test signing .* does not make it load an unsigned one/);
    t.match(g.msg, /boot disk was not moved/);
    const { dom, attrs } = await state(s);
    t.equal(bootDisk(dom, s)?.bus, 'ide', 'boot disk still on IDE');
    t.equal(attrs.phase, 'attach');
    t.ok(
      dom.interfaces().every((i) => i.model === 'e1000'),
      'NIC untouched',
    );
    t.equal((await virshAs(HOST, ['domstate', s.name])).stdout.trim(), 'running', 'the guest keeps running');
  }),
);

t.test('Windows Server 2008 R2 with an unsigned driver: Code 52 read through WMI, no switch', (t) =>
  withGuest(t, 'vpw2k8uns', { personality: 'win2k8r2', iso: 'unsigned' }, async (s) => {
    const r = await virtplay(args(s));
    t.equal(r.code, 2);
    const g = bootstrapResult(r.stdout, s.name);
    t.match(g.msg, /Code 52/);
    t.match(g.msg, /KB4474419/, 'the SHA-2 update is named for 2008 R2');
    t.match(g.msg, /F8/);
    const { dom, attrs } = await state(s);
    t.equal(bootDisk(dom, s)?.bus, 'ide');
    t.equal(attrs.phase, 'attach');
    t.notOk(
      serialLines(s).some((l) => /NO-BOOT-DISK/.test(l)),
      'never booted without its driver',
    );
  }),
);

t.test('the driver folder missing on the ISO has its own message', (t) =>
  withGuest(t, 'vpw2k8nof', { personality: 'win2k8r2', iso: 'nofolder' }, async (s) => {
    const r = await virtplay(args(s));
    t.equal(r.code, 2);
    const g = bootstrapResult(r.stdout, s.name);
    t.match(g.msg, /has no viostor\\2k8R2\\amd64\\viostor\.inf/);
    t.notMatch(g.msg, /Code 52|sign/i, 'not reported as the signing trap');
    t.notOk(
      g.changes.some((c) => /installed/.test(c)),
      'nothing installed',
    );
    t.equal(bootDisk((await state(s)).dom, s)?.bus, 'ide');
  }),
);

t.test('no agent: the channel is added, the guest waits with the steps, the operator confirms, done from vda', (t) =>
  withGuest(t, 'vpw2k8noag', { personality: 'win2k8r2', agent: false, guestTools: false }, async (s) => {
    const before = await guestXml(HOST, s.name);
    const check = await virtplay([...args(s), '--check', '--diff']);
    t.equal(check.code, 0, check.stderr.slice(-2000));
    const planned = json(check).plays[0]!.tasks[0]!.hosts[HOST] as { diff?: { after: string }[] };
    t.match(planned.diff?.[0]?.after, /virtplay-dummy-[0-9a-f]{8}\.qcow2/, "--check --diff shows the next step's XML");
    t.match(planned.diff?.[0]?.after, /org\.qemu\.guest_agent\.0/);
    t.equal(await guestXml(HOST, s.name), before, 'check mode changed nothing');

    const t0 = Date.now();
    const first = await virtplay(args(s, ['-e', 'agent_timeout=20']));
    t.equal(first.code, 0, 'waiting is not a failure');
    const w = bootstrapResult(first.stdout, s.name);
    t.equal(w.waiting, true);
    t.ok(
      w.changes.some((c) => /guest agent channel org\.qemu\.guest_agent\.0 added/.test(c)),
      'the agent channel is added at attach',
    );
    for (const folder of ['viostor', 'NetKVM', 'vioserial']) t.match(w.msg, new RegExp(`${folder}\\\\2k8R2\\\\amd64`), `names ${folder}\\2k8R2\\amd64`);
    t.match(w.msg, /qemu-ga-x86_64\.msi/);
    t.match(w.msg, /run the playbook again/);
    t.match(w.msg, /-e driver_installed=true/);
    t.equal(bootDisk((await state(s)).dom, s)?.bus, 'ide', 'boot disk untouched while waiting');

    const second = await virtplay(args(s, ['-e', 'agent_timeout=20']));
    t.equal(json(second).stats[HOST]?.changed, 0, 'waiting again changes nothing');
    t.equal(bootstrapResult(second.stdout, s.name).waiting, true);

    // The operator installs viostor by hand (here: on the shut-off guest's disk, what Device Manager does).
    await virshAs(HOST, ['destroy', s.name]);
    await installDriverOffline(s);
    const third = await virtplay(args(s, ['-e', 'agent_timeout=20', '-e', 'driver_installed=true', '-e', 'confirm_seconds=40']));
    t.comment(`no agent, attach -> waiting -> operator -> done: ${((Date.now() - t0) / 1000).toFixed(1)} s in three runs`);
    t.equal(third.code, 0, third.stderr.slice(-2000));
    const d = bootstrapResult(third.stdout, s.name);
    t.equal(d.phase, 'done');
    t.ok(d.changes.includes('driver confirmed by the operator (driver_installed: true)'));
    t.ok(d.changes.some((c) => /confirmed: the guest stayed up for 40 s/.test(c)));
    t.match(d.msg, /no agent to say which addresses it had/);
    t.match(bootLines(s).at(-1), /boot-disk=vda/, 'boots from vda');
    t.notOk(serialLines(s).some((l) => /NO-BOOT-DISK/.test(l)));
  }),
);

t.test('a switch the boot does not bear out is rolled back: the guest boots again from its old disk', (t) =>
  withGuest(t, 'vpw2k8rb', { personality: 'win2k8r2', agent: false, guestTools: false, cdrom: true }, async (s) => {
    t.equal((await virshAs(HOST, ['start', s.name])).code, 0);
    for (let i = 0; i < 90 && bootLines(s).length === 0; i++) await sleep(1000);
    t.equal(bootLines(s).length, 1, 'the guest is up before the run');
    const t0 = Date.now();
    // The operator claims a driver that is not there.
    const r = await virtplay(args(s, ['-e', 'agent_timeout=20', '-e', 'driver_installed=true', '-e', 'confirm_seconds=90']));
    t.comment(`forced switch and automatic rollback: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    t.equal(r.code, 2, 'the task fails');
    const g = bootstrapResult(r.stdout, s.name);
    t.equal(g.rolled_back, true);
    t.match(g.msg, /stopped .* first boot from vda/);
    t.match(g.msg, /Rolled back: the boot disk is on ide hda again/);
    t.match(g.msg, /started again/);
    t.ok(
      serialLines(s).some((l) => /NO-BOOT-DISK/.test(l)),
      'the boot from vda really failed',
    );
    const { dom, attrs } = await state(s);
    t.equal(bootDisk(dom, s)?.bus, 'ide');
    t.equal(bootDisk(dom, s)?.target, 'hda');
    t.ok(
      dom.interfaces().every((i) => i.model === 'e1000'),
      'NIC model rolled back',
    );
    t.equal(dom.root.child('on_reboot')?.text, 'restart', 'lifecycle restored');
    t.equal(attrs.phase, 'attach');
    t.match(attrs.rolled_back, /stopped/);
    let up = '';
    for (let i = 0; i < 60 && !up; i++) {
      up = bootLines(s).filter((l) => !/boot-disk=vda/.test(l)).length >= 2 ? 'yes' : '';
      await sleep(1000);
    }
    t.ok(up, `the guest boots again from its old disk: ${bootLines(s).join(' | ')}`);
  }),
);
