/**
 * playbooks/virtio-nic.yml through the built CLI against the real lab (4 hosts x 5 guests over the
 * lab sshd): --check and --check --diff change nothing but plan exactly the non-virtio NICs; the
 * first run converts exactly those and nothing else; the second run changes nothing and runs one
 * remote command per host over one connection (no `virsh define`). Fails when the lab cannot start.
 */
import t from 'tap';
import { join } from 'node:path';
import { semanticDiff } from '../../helpers/domain-compare.js';
import { labHosts, sshdCommandsPerUser, sshdConnectionsPerHost } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import {
  LAB_INVENTORY,
  PLAYBOOKS,
  changedGuests,
  cleanupCli,
  guestOf,
  guestsNeedingNic,
  newerSources,
  nicsOf,
  heldConnections,
  nonVirtioNics,
  ownSshdLines,
  recapLine,
  requireBuild,
  snapshotLab,
  sshdMark,
  sshdSince,
  taskResult,
  virtplay,
  virtplayJson,
  type LabSnapshot,
} from './virtplay-cli.js';

const PLAYBOOK = join(PLAYBOOKS, 'virtio-nic.yml');
/** Every guest's NIC, the Windows-labelled one's too: the NetKVM guard is linux-virtio.test.ts's. */
const READY = ['-e', 'driver_ready=true'];
const TASK = 'NIC model virtio';

let original: LabSnapshot;
let need: Map<string, string[]>;
let nicTotal = 0;

t.before(async () => {
  requireBuild();
  const stale = newerSources();
  if (stale.length > 0) t.comment(`WARNING: dist/ is older than ${stale.length} source file(s) (e.g. ${stale[0]}): run 'npm run build'`);
  const waited = performance.now();
  const lab = await useLab(t, { hosts: 4, guests: 5 });
  t.comment(`waited ${Math.round(performance.now() - waited)} ms for the lab (its lock, the reset)`);
  lab.cleanup(cleanupCli);
  original = await snapshotLab();
  need = guestsNeedingNic(original);
  for (const guests of original.values()) for (const xml of guests.values()) nicTotal += nonVirtioNics(xml).length;
});

t.test('the reset lab has guests with non-virtio NICs on every host', async (t) => {
  t.equal(labHosts().length, 4);
  for (const h of labHosts()) t.ok((need.get(h.name) ?? []).length > 0, `${h.name}: ${need.get(h.name)?.join(', ')}`);
  t.ok(nicTotal > 0);
});

t.test('--check plans the non-virtio NICs and changes nothing on the hosts', async (t) => {
  const res = await virtplayJson([PLAYBOOK, ...READY, '-i', LAB_INVENTORY, '--check']);
  t.equal(res.code, 0, res.stderr);
  t.equal(res.doc.virtplay.check, true);
  for (const h of labHosts()) {
    const r = taskResult(res.doc, TASK, h.name);
    t.same(changedGuests(r), need.get(h.name), `${h.name}: would change exactly the guests with a non-virtio NIC`);
    t.equal(r?.['check'], true);
    t.match(String(r?.['msg']), `${need.get(h.name)?.length} of 5 guest(s) would change`);
    t.equal(res.doc.stats[h.name]?.changed, 1, `${h.name}: stats changed=1 (one task changed)`);
  }
  const after = await snapshotLab();
  for (const h of labHosts()) {
    for (const [g, xml] of original.get(h.name)!) t.equal(guestOf(after, h.name, g), xml, `${h.name}/${g}: XML byte-identical after --check`);
  }
});

t.test('--check --diff shows the model lines and changes nothing', async (t) => {
  const res = await virtplay([PLAYBOOK, ...READY, '-i', LAB_INVENTORY, '--check', '--diff']);
  t.equal(res.code, 0, res.stderr);
  const minus = res.stdout.split('\n').filter((l) => /^-\s*<model type="(e1000|rtl8139)"\/>$/.test(l));
  const plus = res.stdout.split('\n').filter((l) => /^\+\s*<model type="virtio"\/>$/.test(l));
  t.equal(plus.length, nicTotal, `one '+ <model type="virtio"/>' line per non-virtio NIC (${nicTotal})`);
  t.equal(minus.length, nicTotal, 'one removed model line per non-virtio NIC');
  const otherChanges = res.stdout.split('\n').filter((l) => /^[-+]\s/.test(l) && !/<model type=/.test(l));
  t.same(otherChanges, [], 'the diff changes no other line');
  for (const h of labHosts()) {
    for (const g of need.get(h.name) ?? []) t.match(res.stdout, `--- before: ${h.name}: ${g}`, `the diff names ${h.name}/${g}`);
    t.match(recapLine(res.stdout, h.name), /ok=1 changed=1 unreachable=0 failed=0/, `${h.name}: recap reports the change`);
  }
  const after = await snapshotLab();
  for (const h of labHosts()) {
    for (const [g, xml] of original.get(h.name)!) t.equal(guestOf(after, h.name, g), xml, `${h.name}/${g}: XML byte-identical after --check --diff`);
  }
});

let converted: LabSnapshot;

t.test('first run converts exactly the non-virtio NICs, keeps MACs, changes nothing else', async (t) => {
  const res = await virtplayJson([PLAYBOOK, ...READY, '-i', LAB_INVENTORY, '-vv']);
  t.equal(res.code, 0, res.stderr);
  t.equal(res.doc.virtplay.exit_code, 0);
  for (const h of labHosts()) {
    const want = need.get(h.name) ?? [];
    const r = taskResult(res.doc, TASK, h.name);
    t.same(changedGuests(r), want, `${h.name}: changed guests = guests with a non-virtio NIC (${want.length})`);
    t.match(String(r?.['msg']), `${want.length} of 5 guest(s) changed`);
    t.equal(res.doc.stats[h.name]?.changed, want.length > 0 ? 1 : 0);
    t.equal(res.doc.stats[h.name]?.failures, 0);
    t.match(res.stderr, `<${h.name}> virsh define of ${want.length} guest(s) in one command`, `${h.name}: one batched define (-vv)`);
  }
  converted = await snapshotLab();
  for (const h of labHosts()) {
    for (const [g, before] of original.get(h.name)!) {
      const after = guestOf(converted, h.name, g);
      const nb = nicsOf(before);
      const na = nicsOf(after);
      t.same(
        na.map((n) => n.model),
        nb.map(() => 'virtio'),
        `${h.name}/${g}: every NIC virtio`,
      );
      t.same(
        na.map((n) => n.mac),
        nb.map((n) => n.mac),
        `${h.name}/${g}: MACs unchanged, same order`,
      );
      const diffs = semanticDiff(before, after);
      const modelDiff = /^domain\/devices\[1\]\/interface\[\d+\]\/model\[1\]\/@type: "(e1000|rtl8139)" != "virtio"$/;
      t.same(
        diffs.filter((d) => !modelDiff.test(d)),
        [],
        `${h.name}/${g}: nothing but NIC models differs`,
      );
      t.equal(diffs.length, nonVirtioNics(before).length, `${h.name}/${g}: one model difference per non-virtio NIC`);
    }
  }
});

t.test('second run: changed=0, one connection and one remote command per host, no define', async (t) => {
  const mark = sshdMark();
  const res = await virtplayJson([PLAYBOOK, ...READY, '-i', LAB_INVENTORY, '-vv']);
  t.equal(res.code, 0, res.stderr);
  const { own, others } = ownSshdLines(sshdSince(mark), res);
  if (others > 0) t.comment(`${others} other connection(s) reached the lab sshd meanwhile (other tests)`);
  const conns = sshdConnectionsPerHost(own);
  const cmds = sshdCommandsPerUser(own);
  const held = heldConnections(res);
  for (const h of labHosts()) {
    t.equal(res.doc.stats[h.name]?.changed, 0, `${h.name}: changed=0`);
    t.same(changedGuests(taskResult(res.doc, TASK, h.name)), [], `${h.name}: no guest changed`);
    t.same(res.doc.virtplay.transport[h.name], { connections: 1, commands: 1, reconnects: 0 }, `${h.name}: --json transport 1 connection, 1 command`);
    t.equal(held.get(h.address), 1, `${h.name}: the process held one connection to ${h.address}`);
    t.equal(conns.get(h.address), 1, `${h.name}: sshd log: one connection on ${h.address}`);
    t.equal(cmds.get(h.user), 1, `${h.name}: sshd log: one session (command) for ${h.user}`);
  }
  t.notMatch(res.stderr, /virsh define/, 'no virsh define (-vv logs every define)');
  const again = await snapshotLab();
  for (const h of labHosts()) {
    for (const [g, xml] of converted.get(h.name)!) t.equal(guestOf(again, h.name, g), xml, `${h.name}/${g}: XML byte-identical`);
  }
});
