/**
 * Which hosts a run reaches, through the built CLI against the real lab: an unreachable host
 * (exit 4) does not stop the others; a host key missing from the given known_hosts is refused with
 * its fingerprint, and accepted and recorded with --accept-new-host-keys; --limit patterns select
 * the right hosts (and only their guests change); a limit matching nothing is exit 5.
 */
import t, { type Test } from 'tap';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir, labHosts, labKnownHostsPath, labSshArgs, originalGuestXml, resetLab, run, sshdConnectionsPerHost } from '../../lab/lab.js';
import {
  FIXTURES,
  LAB_INVENTORY,
  PLAYBOOKS,
  changedGuests,
  guestOf,
  heldConnections,
  holdLab,
  nicsOf,
  ownSshdLines,
  recapLine,
  snapshotLab,
  startTrap,
  sshdMark,
  sshdSince,
  taskResult,
  virtplay,
  virtplayJson,
} from './virtplay-cli.js';

const PLAYBOOK = join(PLAYBOOKS, 'virtio-nic.yml');
/** Every guest's NIC, the Windows-labelled one's too: the NetKVM guard is linux-virtio.test.ts's. */
const READY = ['-e', 'driver_ready=true'];
const TASK = 'NIC model virtio';
const ALL = ['lab1', 'lab2', 'lab3', 'lab4'];

let tmp: string;

t.before(async () => {
  tmp = await holdLab(t, 'virtplay-hosts-it-');
});

/** Asserts which lab hosts had their guests converted: the others are still as lab-up defined them. */
async function assertConverted(t: Test, hosts: string[]): Promise<void> {
  const snap = await snapshotLab();
  for (const h of labHosts()) {
    for (const [g, xml] of snap.get(h.name)!) {
      if (hosts.includes(h.name)) {
        t.ok(
          nicsOf(xml).every((n) => n.model === 'virtio'),
          `${h.name}/${g}: converted`,
        );
      } else {
        t.equal(guestOf(snap, h.name, g), originalGuestXml(h.name, g), `${h.name}/${g}: untouched`);
      }
    }
  }
}

t.test('an unreachable host: exit 4, the other hosts finish and are converted', async (t) => {
  // The guests as first defined: holdLab reset the lab.
  const res = await virtplay([PLAYBOOK, ...READY, '-i', join(FIXTURES, 'unreachable.yml')]);
  t.equal(res.code, 4, 'exit 4: a host was unreachable');
  const out = res.stdout + res.stderr;
  t.match(out, /fatal: \[ghost\]: UNREACHABLE!.*ghost.*127\.0\.1\.250:2222/, 'the message names the host and its address');
  t.notMatch(out, /\n\s+at .*\(.*\.js:\d+:\d+\)/, 'no stack trace');
  t.match(recapLine(res.stdout, 'ghost'), /ok=0 changed=0 unreachable=1 failed=0/);
  for (const h of ALL) t.match(recapLine(res.stdout, h), /ok=1 changed=1 unreachable=0 failed=0/, `${h} finished`);
  await assertConverted(t, ALL);
});

t.test('a host key missing from the known_hosts file is refused; accept-new records it', async (t) => {
  const inventory = join(FIXTURES, 'lab-no-known-hosts.yml');
  const lab2 = labHosts().find((h) => h.name === 'lab2')!;
  const name = `[${lab2.address}]:${lab2.port}`;
  const keygen = await run(['ssh-keygen', '-lf', join(labDir(), 'ssh_host_ed25519_key.pub')]);
  t.equal(keygen.code, 0, keygen.stderr);
  const fingerprint = /SHA256:\S+/.exec(keygen.stdout)?.[0] ?? '';
  t.match(fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/, `the lab host key's fingerprint (${fingerprint})`);

  // Every lab host but lab2, hashed as OpenSSH's HashKnownHosts writes them.
  const known = join(tmp, 'known_hosts');
  writeFileSync(
    known,
    readFileSync(labKnownHostsPath(), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith(`${name} `))
      .join('\n') + '\n',
  );
  const hash = await run(['ssh-keygen', '-H', '-f', known]);
  t.equal(hash.code, 0, hash.stderr);
  rmSync(`${known}.old`, { force: true });
  const before = readFileSync(known, 'utf8');
  t.notMatch(before, /127\.0\.1\./, 'entries are hashed');

  let res = await virtplay([PLAYBOOK, ...READY, '-i', inventory, '--check', '--known-hosts', known]);
  t.equal(res.code, 4, 'refused: exit 4');
  const out = res.stdout + res.stderr;
  t.match(out, /fatal: \[lab2\]: UNREACHABLE!/);
  t.match(out, `host key for ${name} is not known`);
  t.ok(out.includes(fingerprint), 'the message carries the SHA256 fingerprint of the offered key');
  t.match(out, '--accept-new-host-keys', 'and says how to accept it');
  for (const h of ['lab1', 'lab3', 'lab4']) t.match(recapLine(res.stdout, h), /ok=1 changed=0 unreachable=0/, `${h} (hashed entry) connects`);
  t.match(recapLine(res.stdout, 'lab2'), /unreachable=1/);
  t.equal(readFileSync(known, 'utf8'), before, 'the known_hosts file is not touched without accept-new');

  res = await virtplay([PLAYBOOK, ...READY, '-i', inventory, '--check', '--known-hosts', known, '--accept-new-host-keys', '--limit', 'lab2']);
  t.equal(res.code, 0, `accept-new connects: ${res.stderr}`);
  t.match(res.stderr, /lab2: permanently added the host key/);
  const found = await run(['ssh-keygen', '-F', name, '-f', known]);
  t.equal(found.code, 0, `ssh-keygen -F finds ${name} in the file`);
  const pub = readFileSync(join(labDir(), 'ssh_host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  t.ok(found.stdout.includes(pub), 'with the host key the server offered');
  t.ok(readFileSync(known, 'utf8').startsWith(before), 'the earlier entries are kept');

  // OpenSSH's own client accepts the entry virtplay wrote (StrictHostKeyChecking=yes).
  const args = labSshArgs('lab2').map((a) => (a.startsWith('UserKnownHostsFile=') ? `UserKnownHostsFile=${known}` : a));
  const ssh = await run(['ssh', ...args, 'true']);
  t.equal(ssh.code, 0, `ssh with the written known_hosts: ${ssh.stderr}`);

  res = await virtplay([PLAYBOOK, ...READY, '-i', inventory, '--check', '--known-hosts', known]);
  t.equal(res.code, 0, `every host known now: ${res.stderr}`);
});

const LIMITS: [string, string[]][] = [
  ['lab1', ['lab1']],
  ['lab1:lab3', ['lab1', 'lab3']],
  ['lab:!lab2', ['lab1', 'lab3', 'lab4']],
  ['lab[0]', ['lab1']],
  ['lab*', ['lab1', 'lab2', 'lab3', 'lab4']],
];

for (const [limit, hosts] of LIMITS) {
  t.test(`--limit '${limit}' runs on ${hosts.join(', ')} only`, async (t) => {
    await resetLab();
    const mark = sshdMark();
    const res = await virtplayJson([PLAYBOOK, ...READY, '-i', LAB_INVENTORY, '--limit', limit]);
    t.equal(res.code, 0, res.stderr);
    t.same(res.doc.plays[0]?.play.hosts, hosts, 'play hosts');
    t.same(Object.keys(res.doc.stats).sort(), hosts, 'stats hosts');
    t.same(Object.keys(res.doc.virtplay.transport).sort(), hosts, 'hosts connected to (--json transport)');
    for (const h of hosts) t.ok(changedGuests(taskResult(res.doc, TASK, h)).length > 0, `${h}: guests changed`);
    const addresses = labHosts()
      .filter((h) => hosts.includes(h.name))
      .map((h) => h.address);
    t.same([...heldConnections(res).keys()].sort(), addresses, 'the process connected to exactly these hosts');
    const conns = sshdConnectionsPerHost(ownSshdLines(sshdSince(mark), res).own);
    t.same([...conns.keys()].sort(), addresses, 'sshd saw exactly these hosts (its log)');
    await assertConverted(t, hosts);
  });
}

t.test('a --limit that matches nothing: exit 1 (as ansible-playbook), nothing connects', async (t) => {
  const trap = await startTrap(); // every lab host's port points here: a connection would be counted
  t.teardown(() => trap.close());
  for (const limit of ['nosuchhost', 'lab:&nosuchgroup', 'lab[9]']) {
    const res = await virtplay([PLAYBOOK, ...READY, '-i', LAB_INVENTORY, '--limit', limit, '-e', `ansible_port=${trap.port}`]);
    t.equal(res.code, 1, `--limit '${limit}': exit 1`);
    t.match(res.stderr, /^ERROR! /, 'one error line');
    t.ok(res.stderr.includes(limit), `the message names the pattern: ${res.stderr.trim()}`);
    t.equal(res.stdout, '', 'no play output');
  }
  t.equal(trap.connections(), 0, 'no connection was made');
});
