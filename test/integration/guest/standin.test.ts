/**
 * The lab's stand-in guest boots for real (QEMU TCG, session libvirtd of an unprivileged user) and
 * behaves like Windows where the virtio bootstrap needs it: boots from IDE, does not boot from a
 * virtio disk until the driver install from the ISO (through the guest agent) has run, then does;
 * shuts down on ACPI/agent request, or ignores it in the ignore_acpi variant.
 */
import t from 'tap';
import { copyFileSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GUEST_OUT,
  GUEST_SCRIPTS,
  SessionVirsh,
  ensureSessionUser,
  moveDiskToVirtio,
  readSerial,
  removeDisk,
  run,
  setNicModel,
  sleep,
  statusFields,
  statusLines,
  userDir,
  waitBootVerdict,
} from './session-lab.js';
import { CHECK_SCRIPT, INSTALL_SCRIPT } from '../../lab/standin.js';

const BOOT_TIMEOUT = 90_000;

if (process.getuid?.() !== 0) {
  t.plan(0, 'needs root (builds the guest, creates the session user)');
} else {
  await main();
}

async function main(): Promise<void> {
  const buildCold = await timed(() => run(['bash', join(GUEST_SCRIPTS, 'build.sh')], { timeoutMs: 600_000 }));
  if (buildCold.value.code !== 0) {
    t.fail(`build.sh failed: ${buildCold.value.stderr}`);
    return;
  }
  const buildCached = await timed(() => run(['bash', join(GUEST_SCRIPTS, 'build.sh')]));

  t.test('build.sh is idempotent: a second run does nothing', async (t) => {
    t.equal(buildCached.value.code, 0);
    t.match(buildCached.value.stderr, /up to date/);
    t.ok(buildCached.ms < 5000, `cached build took ${buildCached.ms} ms`);
  });

  const user = await ensureSessionUser('vpguest');
  const v = new SessionVirsh(user);
  const work = userDir(user, mkdtempSync(join(tmpdir(), 'virtplay-standin-')));
  const iso = join(work, 'virtio-win-standin.iso');
  copyFileSync(join(GUEST_OUT, 'virtio-win-standin.iso'), iso);
  chownSync(iso, user.uid, user.gid);
  const tag = `${process.pid}`;
  const domains: string[] = [];
  const times: Record<string, number> = {};
  t.teardown(async () => {
    for (const d of domains) await v.remove(d);
    rmSync(work, { recursive: true, force: true });
    writeFileSync(join(GUEST_OUT, 'boot-times.json'), JSON.stringify({ buildColdMs: buildCold.ms, buildCachedMs: buildCached.ms, ...times }, null, 2) + '\n');
    t.comment(`build: first run ${buildCold.ms} ms, cached ${buildCached.ms} ms; boot (start -> agent answers): ${JSON.stringify(times)}`);
  });

  /** A fresh boot disk for one guest, owned by the session user. */
  async function disk(name: string, ...opts: string[]): Promise<string> {
    const path = join(work, `${name}.img`);
    const r = await run(['bash', join(GUEST_SCRIPTS, 'make-disk.sh'), ...opts, path]);
    if (r.code !== 0) throw new Error(`make-disk.sh: ${r.stderr}`);
    chownSync(path, user.uid, user.gid);
    return path;
  }

  /** The Windows-era definition, printed by domain-xml.sh (virt-install) as the session user. */
  async function domainXml(name: string, img: string, cdrom: string, serial: string, ...opts: string[]): Promise<string> {
    const r = await v.asUser(['bash', join(GUEST_SCRIPTS, 'domain-xml.sh'), ...opts, name, img, cdrom, serial]);
    if (r.code !== 0) throw new Error(`domain-xml.sh: ${r.stderr}`);
    return r.stdout;
  }

  async function defineNew(name: string, xml: string): Promise<void> {
    domains.push(name);
    await v.define(xml);
  }

  /** Start; wait for the boot verdict on the serial console. */
  async function boot(dom: string, serial: string): Promise<{ verdict: string; startedAt: number }> {
    rmSync(serial, { force: true });
    const startedAt = Date.now();
    await v.must(['start', dom]);
    return { verdict: await waitBootVerdict(serial, BOOT_TIMEOUT), startedAt };
  }

  t.test('(a) boots from IDE; the agent answers; ACPI shutdown powers it off', async (t) => {
    const dom = `vpstandin-a-${tag}`;
    const serial = join(work, 'a.log');
    const marker = `marker-a-${tag}`;
    const img = await disk('a', '--marker', marker);
    const xml = await domainXml(dom, img, '-', serial);
    t.match(xml, /<domain type="qemu">/);
    t.match(xml, /machine="pc"/);
    t.match(xml, /<features>\s*<acpi\/>/);
    t.match(xml, /<target dev="hda" bus="ide"\/>/);
    t.match(xml, /<model type="e1000"\/>/);
    t.match(xml, /<serial type="file">\s*<source path="[^"]+a\.log" append="on"\/>/, 'serial log appended across boots');
    t.match(xml, /<target type="virtio" name="org\.qemu\.guest_agent\.0"\/>/);
    t.notMatch(xml, /device="cdrom"/, 'no CD-ROM by default');
    await defineNew(dom, xml);

    const { verdict, startedAt } = await boot(dom, serial);
    const f = statusFields(verdict);
    t.equal(f['boot-disk'], 'sda', 'libata names the IDE disk sda');
    t.equal(f.marker, marker);
    t.equal(f['nic-driver'], 'e1000');
    t.equal(f.drivers, 'none', 'no extra driver archive on the boot image');
    await v.guestAgent(dom).waitUp(BOOT_TIMEOUT);
    times.ideBootMs = Date.now() - startedAt;
    times.ideGuestUptimeAtStatusS = Number(f.uptime);

    t.same(await v.guestAgent(dom).call({ execute: 'guest-ping' }), {});
    const os = (await v.guestAgent(dom).call({ execute: 'guest-get-osinfo' })) as Record<string, string>;
    t.equal(os.id, 'virtplay-standin');
    t.match(os['kernel-release'], /^6\.1\.0-\d+-/);
    const ex = await v.guestAgent(dom).sh('cat /run/virtplay/boot-disk; echo err >&2; exit 3');
    t.same(ex, { exitcode: 3, stdout: 'sda\n', stderr: 'err\n' }, 'guest-exec runs /bin/sh with captured output');

    await v.must(['shutdown', '--mode', 'acpi', dom]);
    const off = await v.waitState(dom, 'shut off', 30_000);
    t.not(off, false, 'ACPI power button stops the guest');
    times.acpiShutdownMs = off === false ? -1 : off;
    const lines = statusLines(readSerial(serial));
    t.ok(lines.includes('shutdown-request source=acpi action=poweroff'), 'acpid saw the power button');
    t.ok(
      lines.some((l) => l.startsWith('shutdown boot-disk=clean')),
      'boot partition unmounted cleanly',
    );
  });

  t.test('(b) moved to virtio vda without the driver: NO-BOOT-DISK, then powered off', async (t) => {
    const dom = `vpstandin-b-${tag}`;
    const serial = join(work, 'b.log');
    const img = await disk('b', '--cmdline', 'virtplay.rootwait=5');
    await defineNew(dom, await domainXml(dom, img, '-', serial));
    const moved = moveDiskToVirtio(await v.must(['dumpxml', '--inactive', dom]), img);
    await v.define(moved);
    const now = await v.must(['dumpxml', '--inactive', dom]);
    t.match(now, /<target dev='vda' bus='virtio'\/>/);

    const { verdict } = await boot(dom, serial);
    t.equal(verdict, 'NO-BOOT-DISK');
    t.not(await v.waitState(dom, 'shut off', 30_000), false, 'the guest powers itself off');
    // Read after the power-off: the detail line follows the verdict line on the console.
    t.match(readSerial(serial), /no-boot-disk seen=\S* drivers=none/);
  });

  t.test('(c) driver install from the ISO through the agent, then it boots from vda', async (t) => {
    const dom = `vpstandin-c-${tag}`;
    const serial = join(work, 'c.log');
    const marker = `marker-c-${tag}`;
    const img = await disk('c', '--marker', marker);
    const dummy = join(work, 'c-dummy.qcow2');
    const q = await run(['qemu-img', 'create', '-q', '-f', 'qcow2', dummy, '64M']);
    t.equal(q.code, 0, 'dummy disk created');
    chownSync(dummy, user.uid, user.gid);
    const xml = await domainXml(dom, img, iso, serial, '--extra-disk', `path=${dummy},bus=virtio,format=qcow2`);
    t.match(xml, /<target dev="vda" bus="virtio"\/>/, 'dummy disk on virtio');
    t.match(xml, /device="cdrom"[\s\S]*?<target dev="hd." bus="ide"\/>/, 'driver ISO on an IDE CD-ROM');
    await defineNew(dom, xml);

    const first = await boot(dom, serial);
    t.equal(statusFields(first.verdict)['boot-disk'], 'sda');
    await v.guestAgent(dom).waitUp(BOOT_TIMEOUT);
    times.ideWithDummyAndIsoBootMs = Date.now() - first.startedAt;

    t.equal((await v.guestAgent(dom).sh(CHECK_SCRIPT)).stdout, 'unbound\n', 'dummy virtio disk has no driver yet');
    const inst = await v.guestAgent(dom).sh(INSTALL_SCRIPT);
    t.equal(inst.exitcode, 0, `install.sh: ${inst.stderr}`);
    t.match(inst.stdout, /copied virtio_blk\.cpio\.gz to \/boot\/viostor\.gz/);
    t.match(inst.stdout, /INITRD initrd\.gz,viostor\.gz/);
    t.match(inst.stdout, /bound devices: virtio\d/);
    t.equal((await v.guestAgent(dom).sh(CHECK_SCRIPT)).stdout, 'bound\n');
    const again = await v.guestAgent(dom).sh(INSTALL_SCRIPT);
    t.match(again.stdout, /already loads viostor\.gz/, 'install.sh is idempotent');

    await v.must(['shutdown', dom]);
    const off = await v.waitState(dom, 'shut off', 30_000);
    t.not(off, false, 'graceful shutdown (virsh shutdown: agent first)');
    times.agentShutdownMs = off === false ? -1 : off;
    t.ok(statusLines(readSerial(serial)).includes('shutdown-request source=agent action=poweroff'));

    let next = await v.must(['dumpxml', '--inactive', dom]);
    next = removeDisk(next, dummy);
    next = moveDiskToVirtio(next, img, 'vda');
    next = setNicModel(next, 'virtio');
    await v.define(next);

    const second = await boot(dom, serial);
    const f = statusFields(second.verdict);
    t.equal(f['boot-disk'], 'vda', 'boots from the virtio disk');
    t.equal(f.marker, marker, 'marker intact');
    t.equal(f['nic-driver'], 'virtio_net');
    t.equal(f.drivers, 'virtio_blk', 'the installed driver archive was loaded by syslinux');
    await v.guestAgent(dom).waitUp(BOOT_TIMEOUT);
    times.vdaBootMs = Date.now() - second.startedAt;
    times.vdaGuestUptimeAtStatusS = Number(f.uptime);
    const cfg = await v.guestAgent(dom).sh('cat /boot/syslinux.cfg');
    t.match(cfg.stdout, /^\s*INITRD initrd\.gz,viostor\.gz$/m);
    await v.must(['shutdown', dom]);
    t.not(await v.waitState(dom, 'shut off', 30_000), false);
  });

  t.test('(e) q35 with a SATA boot disk and an rtl8139 NIC boots too (ahci, 8139cp)', async (t) => {
    const dom = `vpstandin-e-${tag}`;
    const serial = join(work, 'e.log');
    const img = await disk('e');
    const xml = await domainXml(dom, img, iso, serial, '--machine', 'q35', '--disk-bus', 'sata', '--nic-model', 'rtl8139');
    t.match(xml, /machine="q35"/);
    t.match(xml, /device="cdrom"[\s\S]*?bus="sata"/, 'CD-ROM on SATA on q35');
    await defineNew(dom, xml);
    const { verdict, startedAt } = await boot(dom, serial);
    const f = statusFields(verdict);
    t.equal(f['boot-disk'], 'sda');
    t.match(f['nic-driver'] ?? '', /^8139(cp|too)$/);
    await v.guestAgent(dom).waitUp(BOOT_TIMEOUT);
    times.q35SataBootMs = Date.now() - startedAt;
    t.equal((await v.guestAgent(dom).sh(CHECK_SCRIPT)).stdout, 'unbound\n', 'ISO readable from the SATA CD-ROM');
    await v.must(['destroy', dom]);
  });

  t.test('(d) the ignore_acpi variant does not stop within 20 s of virsh shutdown', async (t) => {
    const dom = `vpstandin-d-${tag}`;
    const serial = join(work, 'd.log');
    const img = await disk('d', '--ignore-acpi');
    await defineNew(dom, await domainXml(dom, img, '-', serial));
    const { verdict, startedAt } = await boot(dom, serial);
    t.equal(statusFields(verdict).acpi, 'ignore');
    await v.guestAgent(dom).waitUp(BOOT_TIMEOUT);
    times.ignoreAcpiBootMs = Date.now() - startedAt;

    await v.must(['shutdown', '--mode', 'acpi', dom]);
    await v.must(['shutdown', dom]);
    t.equal(await v.waitState(dom, 'shut off', 20_000), false, 'still running 20 s later');
    t.equal(await v.state(dom), 'running');
    await sleep(500);
    const lines = statusLines(readSerial(serial));
    t.ok(lines.includes('shutdown-request source=acpi action=poweroff ignored'));
    t.ok(lines.includes('shutdown-request source=agent action=poweroff ignored'));
    await v.must(['destroy', dom]);
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - t0 };
}
