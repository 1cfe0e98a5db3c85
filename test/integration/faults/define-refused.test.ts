/**
 * Fault 5: `virsh define` refuses the new XML of every guest of a host (the cdrom module with a
 * declared state the schema allows but libvirt rejects: drive hdz on a pc guest, "Only 1 IDE
 * controller is supported"). Exit 2; the host, each guest and libvirt's reason in the message;
 * every definition byte-identical to before; each guest's backup in --run-dir. Declaring a
 * drive libvirt accepts then converges, and one more run changes nothing.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { useLab } from '../../lab/use-lab.js';
import {
  GUESTS,
  describeRun,
  direct,
  hostMessages,
  hostXml,
  stageOf,
  stagesLine,
  tempDir,
  virtplay,
  virtplayPlain,
  writeInventory,
  writePlaybook,
} from './kit.js';

const HOST = 'lab3';

const CDROM = `- name: driver ISO
  hosts: all
  tasks:
    - name: driver ISO attached
      cdrom:
        guests: ["deb0*", "win0*"]
        iso: /var/lib/virtplay/virtio-win.iso
        drive: "{{ drive }}"
`;

t.test('virsh define refuses the new XML', async (t) => {
  await useLab(t, { restoreAfter: true });
  const dir = tempDir(t);
  const runDir = join(dir, 'run');
  const inv = writeInventory(dir, [direct(HOST)]);
  const pb = writePlaybook(dir, 'cdrom.yml', CDROM);
  const before = await hostXml(HOST);

  const r = await virtplay([pb, '-i', inv, '-e', 'drive=hdz', '--run-dir', runDir], dir);
  t.equal(r.code, 2, `exit 2: ${describeRun(r)}`);
  const msg = hostMessages(r.doc, HOST);
  t.equal(r.doc?.stats[HOST]?.failures, 0, `${HOST} did not fail: each guest failed alone`);
  t.same(
    (r.doc as unknown as { virtplay: { failed_guests: Record<string, { guest: string }[]> } }).virtplay.failed_guests[HOST]?.map((g) => g.guest).sort(),
    [...GUESTS].sort(),
    'every guest listed as failed',
  );
  for (const g of GUESTS)
    t.match(msg, new RegExp(`${g}: virsh define refused the new XML: internal error: Only 1 IDE controller is supported`), `${g} and libvirt's reason named`);
  // What a person reads: the plain output names the host, the guest and libvirt's reason, no stack trace.
  const plain = await virtplayPlain([pb, '-i', inv, '-e', 'drive=hdz', '-l', HOST], dir);
  t.equal(plain.code, 2);
  t.match(
    plain.stdout,
    /^ {2}deb01: FAILED - virsh define refused the new XML: internal error: Only 1 IDE controller is supported/m,
    'plain output: guest, reason',
  );
  t.match(
    plain.stdout,
    new RegExp(`^${HOST} +: deb01 \\(task '[^']+'\\): virsh define refused the new XML`, 'm'),
    'plain output: the recap names host and guest',
  );
  t.notMatch(plain.stdout + plain.stderr, /\n\s+at .*:\d+:\d+\)?\n/, 'no stack trace');
  const after = await hostXml(HOST);
  for (const g of GUESTS) t.equal(after.get(g), before.get(g), `${g}: byte-identical`);
  const backups = readdirSync(join(runDir, 'backups', HOST)).sort();
  t.equal(backups.length, GUESTS.length, `one backup per guest: ${backups.join(', ')}`);
  for (const g of GUESTS) {
    const f = backups.find((b) => b.startsWith(`${g}.`));
    t.ok(f, `${g}: backup in --run-dir`);
    if (f) t.equal(readFileSync(join(runDir, 'backups', HOST, f), 'utf8').trimEnd(), before.get(g)!.trimEnd(), `${g}: the backup is the definition`);
  }

  // A drive libvirt accepts: converges; then nothing to do.
  const fixed = await virtplay([pb, '-i', inv, '-e', 'drive=hdd'], dir);
  t.equal(fixed.code, 0, `drive hdd: ${describeRun(fixed)}`);
  const conv = await hostXml(HOST);
  const third = await virtplay([pb, '-i', inv, '-e', 'drive=hdd'], dir);
  t.equal(third.code, 0);
  t.equal(third.doc?.stats[HOST]?.changed, 0, 'a third run changes nothing');
  const stages = new Map(
    GUESTS.map((g) => [
      g,
      [
        { label: 'old', xml: before.get(g)! },
        { label: 'new', xml: conv.get(g)! },
      ],
    ]),
  );
  for (const g of GUESTS) t.equal(stageOf(conv.get(g)!, stages.get(g)!), 'new');
  t.comment(
    `fault 5 [define refused: drive hdz] exit ${r.code}; after the fault ${stagesLine(HOST, after, stages)} (byte-identical, ${backups.length} backups); after the re-run with drive hdd (changed ${fixed.doc?.stats[HOST]?.changed}) ${stagesLine(HOST, conv, stages)}; third run changed ${third.doc?.stats[HOST]?.changed}`,
  );
});
