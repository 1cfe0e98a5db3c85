/**
 * device_names_check on a running stand-in guest: a /dev/sda name written into the guest's
 * /etc/fstab (through the agent) is reported with file:line; a guest that is not running is
 * reported as not checked; nothing changes.
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { guestXml, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { buildStandin, defineStandin, removeStandin, labAgent } from '../../lab/standin.js';
import { assertBuilt, json, LAB_INVENTORY, virtplay } from '../bootstrap/cli.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = 'lab2';

t.test('device_names_check warns about /dev/sdX in a running guest’s fstab', async (t) => {
  assertBuilt();
  await buildStandin();
  const lab = await useLab(t, { host: HOST });
  const s = await defineStandin(HOST, 'vpnames');
  lab.cleanup(() => removeStandin(s));
  t.equal((await virshAs(HOST, ['start', s.name])).code, 0);
  t.ok(await labAgent(s).answers(120), 'the agent answers');
  const fstab = '# kernel names below\nproc /proc proc defaults 0 0\n/dev/sda1 /boot vfat defaults 0 2\n';
  const w = await labAgent(s).raw({ execute: 'guest-exec', arguments: { path: '/bin/sh', arg: ['-c', `printf '%s' '${fstab}' > /etc/fstab`] } });
  t.equal(w.code, 0, 'fstab written in the guest');
  await sleep(500);
  const before = await guestXml(HOST, s.name);

  const dir = mkdtempSync(join(tmpdir(), 'vp-names-'));
  const pb = join(dir, 'check.yml');
  writeFileSync(pb, `- hosts: ${HOST}\n  tasks:\n    - name: names\n      device_names_check:\n        guests: [${s.name}, deb01]\n`);
  const r = await virtplay([pb, '-i', LAB_INVENTORY, '--json']);
  t.equal(r.code, 0, r.stderr);
  const res = json(r).plays[0]!.tasks[0]!.hosts[HOST]!;
  t.equal(res.changed, false, 'read-only');
  const guests = res.guests as { guest: string; changes: string[]; msg?: string }[];
  const mine = guests.find((g) => g.guest === s.name)!;
  t.same(mine.changes.length, 1);
  t.match(mine.changes[0], '/etc/fstab:3 names /dev/sda1, which becomes /dev/vda1');
  t.match(guests.find((g) => g.guest === 'deb01')?.msg, /not running/);
  t.match(r.stderr + JSON.stringify(res), /\/etc\/fstab:3 names \/dev\/sda1/, 'the warning is shown');
  t.equal(await guestXml(HOST, s.name), before, 'nothing changed');
});
