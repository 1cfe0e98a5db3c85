/**
 * The real lab: lab hosts reachable with OpenSSH's own client through the lab sshd, each with its
 * own session libvirt holding Windows-era guests (machine pc, IDE disk, e1000/rtl8139 NICs), four
 * labelled Debian (deb01..deb04) and one Windows (win05), and a reset that restores them. Fails (never skips) when the lab cannot come up.
 */
import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { guestOs } from '../../../modules/libvirt/guest-os.js';
import {
  ensureLab,
  guestNames,
  guestXml,
  labDir,
  labGuestNames,
  labHosts,
  labLinuxGuests,
  labSshArgs,
  labWindowsGuests,
  originalGuestXml,
  resetLab,
  restoreLabHost,
  run,
  sshdCommandsPerUser,
  sshdConnectionsPerHost,
  sshdLogLines,
  virshAs,
} from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';

interface Attrs {
  [k: string]: unknown;
}
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['disk', 'interface'].includes(name),
});

interface GuestShape {
  type: string;
  machine: string;
  disks: { device: string; bus: string; dev: string }[];
  nics: string[];
}

function shape(xml: string): GuestShape {
  const d = (parser.parse(xml) as { domain: Attrs }).domain as {
    type: string;
    os: { type: { machine: string } };
    devices: { disk?: { device: string; target: { bus: string; dev: string } }[]; interface?: { model?: { type: string } }[] };
  };
  return {
    type: d.type,
    machine: d.os.type.machine,
    disks: (d.devices.disk ?? []).map((x) => ({ device: x.device, bus: x.target.bus, dev: x.target.dev })),
    nics: (d.devices.interface ?? []).map((x) => x.model?.type ?? '(none)'),
  };
}

const HOSTS = 4;
const GUESTS = 5;

t.before(async () => {
  await ensureLab({ hosts: HOSTS, guests: GUESTS });
});

t.test('the lab runs as root: lab users behind the lab sshd', async (t) => {
  t.equal(process.getuid?.(), 0, 'integration tests run as root (CI does); an ordinary user gets the local lab only');
  t.equal(labHosts().length, HOSTS);
});

t.test("OpenSSH's client lists every lab host's guests over the lab sshd", async (t) => {
  // The lock keeps tests that change guests away while this one lists them; other tests' SSH
  // connections may still land in the log, so only this test's own ones are counted: its clients
  // connect from a loopback source address of their own (ssh -b; all of 127/8 is local).
  await useLab(t, { hosts: HOSTS, guests: GUESTS, fresh: false });
  const source = `127.99.${(process.pid >> 8) & 255}.${process.pid & 255 || 1}`;
  const mark = sshdLogLines().length;
  const want = labGuestNames();
  t.same(want, ['deb01', 'deb02', 'deb03', 'deb04', 'win05']);
  for (const h of labHosts()) {
    const ssh = ['ssh', '-b', source, ...labSshArgs(h.name)];
    const res = await run([...ssh, 'virsh', '-c', 'qemu:///session', 'list', '--all', '--name']);
    t.equal(res.code, 0, `${h.name}: ssh + virsh list: ${res.stderr}`);
    t.same(res.stdout.split('\n').filter(Boolean).sort(), want, `${h.name} has deb01..win05`);
    const env = await run([...ssh, 'printf', '%s', '"$XDG_RUNTIME_DIR"']);
    t.equal(env.stdout, h.runtimeDir, `${h.name}: sshd hands the session its own runtime dir`);
  }
  const lines = sshdLogLines()
    .slice(mark)
    .filter((l) => l.includes(` from ${source} port `));
  const conns = sshdConnectionsPerHost(lines);
  const cmds = sshdCommandsPerUser(lines);
  for (const h of labHosts()) {
    t.equal(conns.get(h.address), 2, `sshd log: 2 connections on ${h.address}`);
    t.equal(cmds.get(h.user), 2, `sshd log: 2 commands for ${h.user}`);
  }
});

t.test('a host key that is not in known_hosts is refused by OpenSSH', async (t) => {
  const args = labSshArgs(1).map((a) => (a.startsWith('UserKnownHostsFile=') ? 'UserKnownHostsFile=/dev/null' : a));
  const res = await run(['ssh', ...args, 'true']);
  t.not(res.code, 0);
  t.match(res.stderr, /Host key verification failed/);
});

t.test('every guest is Windows-era: machine pc, IDE boot disk hda, e1000/rtl8139 NICs', async (t) => {
  // Tests that convert guests may leave them converted: this is about the guests as lab-up.sh made them.
  await useLab(t, { hosts: HOSTS, guests: GUESTS });
  const models = new Set<string>();
  let cdroms = 0;
  for (const h of labHosts()) {
    for (const g of labGuestNames()) {
      const s = shape(await guestXml(h.name, g));
      t.equal(s.type, 'qemu', `${h.name}/${g}: TCG`);
      t.match(s.machine, /^pc(-i440fx-[\d.]+)?$/, `${h.name}/${g}: machine pc`);
      const disk = s.disks.filter((d) => d.device === 'disk');
      t.same(disk, [{ device: 'disk', bus: 'ide', dev: 'hda' }], `${h.name}/${g}: one IDE disk hda`);
      cdroms += s.disks.filter((d) => d.device === 'cdrom' && d.bus === 'ide').length;
      t.ok(s.nics.length >= 1, `${h.name}/${g}: has a NIC`);
      for (const m of s.nics) {
        t.ok(m === 'e1000' || m === 'rtl8139', `${h.name}/${g}: NIC model ${m}`);
        models.add(m);
      }
    }
  }
  t.same([...models].sort(), ['e1000', 'rtl8139'], 'both NIC models occur');
  t.equal(cdroms, 2 * HOSTS, 'deb02 and deb04 have an empty IDE CD-ROM');
});

t.test('each host: Linux-labelled guests deb01..deb04 and exactly one Windows-labelled guest win05', async (t) => {
  await useLab(t, { hosts: HOSTS, guests: GUESTS, fresh: false });
  for (const h of labHosts()) {
    const families = new Map<string, string[]>();
    for (const g of labGuestNames()) {
      const os = guestOs(Domain.parse(await guestXml(h.name, g)));
      families.set(os.family, [...(families.get(os.family) ?? []), g]);
      if (os.family === 'windows') t.equal(os.libosinfoId, 'http://microsoft.com/win/2k8r2', `${h.name}/${g}: libosinfo win2k8r2`);
      else t.equal(os.libosinfoId, 'http://debian.org/debian/11', `${h.name}/${g}: libosinfo debian11`);
    }
    t.same(Object.fromEntries(families), { linux: labLinuxGuests(), windows: labWindowsGuests() }, `${h.name}: deb01..deb04 Linux, win05 Windows`);
  }
  t.same(labWindowsGuests(), ['win05']);
});

t.test('reset restores a changed guest, stops a running one and removes a stranger', async (t) => {
  await useLab(t, { hosts: HOSTS, guests: GUESTS, fresh: false }); // the reset below is the subject
  const original = originalGuestXml(1, 'deb01');
  const changed = original.replace(/<model type='(e1000|rtl8139)'\/>/g, "<model type='virtio'/>");
  t.not(changed, original);
  let res = await virshAs(1, ['define', '/dev/stdin'], changed);
  t.equal(res.code, 0, res.stderr);
  t.same(shape(await guestXml(1, 'deb01')).nics, ['virtio'], 'changed on the host');

  res = await virshAs(2, ['start', 'deb02']);
  t.equal(res.code, 0, res.stderr);

  const stranger = originalGuestXml(3, 'deb03')
    .replace(/<name>deb03<\/name>/, '<name>stranger</name>')
    .replace(/<uuid>[^<]*<\/uuid>/, '')
    .replace(/<mac address='[^']*'\/>/g, '');
  res = await virshAs(3, ['define', '/dev/stdin'], stranger);
  t.equal(res.code, 0, res.stderr);
  t.ok((await guestNames(3)).includes('stranger'));

  const t0 = performance.now();
  await resetLab();
  t.comment(`resetLab() took ${Math.round(performance.now() - t0)} ms`);

  t.equal(await guestXml(1, 'deb01'), original, 'deb01 is its original XML again, byte for byte');
  t.equal((await virshAs(2, ['domstate', 'deb02'])).stdout.trim(), 'shut off', 'deb02 stopped');
  t.same(await guestNames(3), labGuestNames(), 'the stranger is gone');
  for (const h of labHosts()) {
    t.same(await guestNames(h.name), labGuestNames(), `${h.name}: deb01..win05 after reset`);
    res = await virshAs(h.name, ['list', '--name']);
    t.equal(res.stdout.trim(), '', `${h.name}: nothing running after reset`);
  }
});

t.test('a second lab-up is fast and changes nothing', async (t) => {
  const before = await guestXml(4, 'win05');
  const t0 = performance.now();
  const res = await run(['bash', new URL('../../lab/lab-up.sh', import.meta.url).pathname], {
    env: { ...process.env, LAB_HOSTS: String(HOSTS), LAB_GUESTS: String(GUESTS) },
  });
  t.equal(res.code, 0, res.stderr);
  t.comment(`lab-up when already up: ${Math.round(performance.now() - t0)} ms`);
  t.match(res.stdout, /4 hosts .* port 2222/);
  t.equal(await guestXml(4, 'win05'), before);
});

t.test('restoreLabHost puts back a changed guest on one host and leaves the others as they are', async (t) => {
  await useLab(t, { host: 'lab2', fresh: false }); // restoreLabHost below is the subject
  const original = originalGuestXml(2, 'deb01');
  const changed = original.replace(/<model type='(e1000|rtl8139)'\/>/g, "<model type='virtio'/>");
  t.not(changed, original);
  const res = await virshAs(2, ['define', '/dev/stdin'], changed);
  t.equal(res.code, 0, res.stderr);
  const other = await guestXml(1, 'deb01');
  await restoreLabHost('lab2');
  t.equal(await guestXml(2, 'deb01'), original, 'lab2/deb01: its original XML again, byte for byte');
  for (const g of labGuestNames()) t.equal(await guestXml(2, g), originalGuestXml(2, g), `lab2/${g}: original`);
  t.equal(await guestXml(1, 'deb01'), other, 'lab1 untouched');
});

t.test('useLab: cleanups run under the lock, newest first, all of them; the lock goes also when one fails', async (t) => {
  const lockDir = join(labDir(), 'test.host-lab3.lock');
  let teardown: (() => unknown) | undefined;
  const lab = await useLab({ teardown: (fn) => void (teardown = fn) }, { host: 'lab3', fresh: false });
  t.equal(lab.state.hosts, HOSTS, 'the lab as it is');
  t.ok(existsSync(lockDir), 'lab3 is locked');
  const seen: string[] = [];
  lab.cleanup(() => seen.push(`first, locked=${existsSync(lockDir)}`));
  lab.cleanup(() => {
    seen.push(`second, locked=${existsSync(lockDir)}`);
    throw new Error('second cleanup failed');
  });
  lab.cleanup(async () => void seen.push(`third, locked=${existsSync(lockDir)}`));
  t.type(teardown, 'function', 'one teardown registered');
  await t.rejects(Promise.resolve().then(teardown), /second cleanup failed/, "a failed cleanup's error is the teardown's");
  t.same(seen, ['third, locked=true', 'second, locked=true', 'first, locked=true'], 'newest first, every one, all under the lock');
  t.notOk(existsSync(lockDir), 'and then the lock was released');
});
