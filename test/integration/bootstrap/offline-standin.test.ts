/**
 * virtio_bootstrap strategy: offline on the bootable stand-in guest (issue 12): its driver goes
 * into the shut-off guest's boot partition through libguestfs (offline_inject_command:
 * test/lab/guest/offline-inject.sh), and real boots show the outcome:
 *   - converted: the guest boots from vda with virtio_blk, the backup is gone
 *   - an injection failing half-way: the disk is byte for byte what it was, the definition
 *     untouched, and the guest still boots from its IDE disk
 *   - an "injection" that puts nothing in: the first boot from vda fails (no boot disk), and the
 *     definition and the disk are rolled back automatically (phase inject)
 *   - killed as the phase becomes inject, installed, switched: each re-run resumes, the last converges
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { guestXml, labDir, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { buildStandin, defineStandin, removeStandin, serialLines, type Standin } from '../../lab/standin.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { assertBuilt, BOOTSTRAP_NS, bootstrapResult, json, LAB_INVENTORY, REPO, runKilledAt, virtplay } from './cli.js';

const HOST = 'lab3';
const PLAYBOOK = join(REPO, 'test', 'fixtures', 'playbooks', 'offline-standin.yml');
const SCRIPT = join(REPO, 'test', 'lab', 'guest', 'offline-inject.sh');
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const bootLines = (s: Standin) => serialLines(s).filter((l) => / boot-disk=\S+ marker=/.test(l));

function args(s: Standin, inject: string[] = ['bash', SCRIPT, 'inject']): string[] {
  const vars = { guests: s.name, virtio_win_iso: s.iso, inject, check: ['bash', SCRIPT, 'check'] };
  return [PLAYBOOK, '-i', LAB_INVENTORY, '--limit', HOST, '-e', JSON.stringify(vars), '--run-dir', join(labDir(), 'runs')];
}

async function attrs(s: Standin): Promise<Record<string, string>> {
  return Domain.parse(await guestXml(HOST, s.name)).getMetadataAttrs(BOOTSTRAP_NS) ?? {};
}

const result = (stdout: string, guest: string) => bootstrapResult(stdout, HOST, guest);

async function waitBoot(s: Standin, count: number, seconds = 120): Promise<string | undefined> {
  for (let i = 0; i < seconds; i++) {
    const b = bootLines(s);
    if (b.length >= count) return b.at(-1);
    await sleep(1000);
  }
  return undefined;
}

t.test('offline strategy on the stand-in guest', async (t) => {
  assertBuilt();
  await buildStandin();
  await useLab(t, { host: HOST });
  t.test('converted offline, it boots from vda', async (t) => {
    const s = await defineStandin(HOST, 'vpoffsa', { marker: 'offline-converted', agent: false });
    t.teardown(() => removeStandin(s));
    const r = await virtplay([...args(s), '--json']);
    t.equal(r.code, 0, r.stderr.slice(-2000));
    const g = result(r.stdout, s.name);
    t.equal(g.phase, 'done');
    t.ok(
      g.changes.some((c) => /driver injected offline by offline_inject_command \(offline_check_command confirmed it\)/.test(c)),
      g.changes.join('\n'),
    );
    const dom = Domain.parse(await guestXml(HOST, s.name));
    t.equal(dom.disks().find((d) => d.sourcePath === s.disk)?.target, 'vda');
    t.equal((await attrs(s)).evidence, 'offline');
    t.match(bootLines(s).at(-1), /boot-disk=vda marker=offline-converted .*drivers=virtio_blk/, 'booted from vda with the injected driver');
    t.same(
      readdirSync(s.dir).filter((f) => f.includes('virtplay-backup')),
      [],
      'backup deleted',
    );
  });

  t.test('an injection failing half-way leaves the disk as it was, booting from IDE', async (t) => {
    const s = await defineStandin(HOST, 'vpoffsb', { marker: 'offline-half', agent: false });
    t.teardown(() => removeStandin(s));
    const before = sha(s.disk);
    const xml = await guestXml(HOST, s.name);
    const r = await virtplay([...args(s, ['bash', SCRIPT, 'inject', '--fail-after-copy']), '--json']);
    t.equal(r.code, 2);
    const g = result(r.stdout, s.name);
    t.match(g.msg, /offline_inject_command exited 9: .*failing on purpose.* the boot disk was restored from /);
    t.equal(sha(s.disk), before, 'disk restored byte for byte');
    const after = Domain.parse(await guestXml(HOST, s.name));
    t.equal(after.disks().find((d) => d.sourcePath === s.disk)?.bus, 'ide');
    t.not(await guestXml(HOST, s.name), xml, 'only the phase was recorded');
    t.equal((await attrs(s)).phase, 'inject');
    t.equal((await virshAs(HOST, ['start', s.name])).code, 0);
    t.match(await waitBoot(s, 1), /boot-disk=sda marker=offline-half/, 'still boots from its IDE disk');
  });

  t.test('nothing injected: the first boot from vda fails and is rolled back with the disk', async (t) => {
    const s = await defineStandin(HOST, 'vpoffsc', { marker: 'offline-noop', agent: false });
    t.teardown(() => removeStandin(s));
    const before = sha(s.disk);
    const r = await virtplay([...args(s, ['true']), '-e', '{"check": ["true"]}', '--json']);
    t.equal(r.code, 2);
    const g = result(r.stdout, s.name);
    t.equal(g.rolled_back, true);
    t.match(g.msg, /the guest stopped .* into its first boot from vda.*Rolled back: the boot disk is on ide hda again, the boot disk restored from /);
    t.ok(
      serialLines(s).some((l) => /NO-BOOT-DISK/.test(l)),
      'the guest really found no boot disk on vda',
    );
    const dom = Domain.parse(await guestXml(HOST, s.name));
    t.equal(dom.disks().find((d) => d.sourcePath === s.disk)?.bus, 'ide');
    t.equal((await attrs(s)).phase, 'inject');
    t.equal(sha(s.disk), before, 'disk as before');
  });

  t.test('killed at every phase boundary, it resumes and converges', async (t) => {
    const s = await defineStandin(HOST, 'vpoffsk', { marker: 'offline-killed', agent: false });
    t.teardown(() => removeStandin(s));
    // `installed` lasts one define here (the guest is off already): a run not caught there is killed at `switched`.
    for (const at of [['inject'], ['installed', 'switched'], ['switched']]) {
      t.ok(await runKilledAt(args(s), HOST, s.name, at), `run killed as the phase became '${at.join("' or '")}'`);
      t.ok(readdirSync(s.dir).filter((f) => f.includes('virtplay-backup') && !f.endsWith('.part')).length <= 1, 'at most one backup');
    }
    let last = await virtplay([...args(s), '--json']);
    // A step of a killed run can still hold the disk's lock for a moment: the run waits for it.
    t.equal(last.code, 0, last.stderr.slice(-2000));
    t.equal((await attrs(s)).phase, 'done');
    last = await virtplay([...args(s), '--json']);
    t.equal(json(last).stats[HOST]!.changed, 0, 'then nothing to do');
    const boots = bootLines(s);
    t.match(boots.at(-1), /boot-disk=vda marker=offline-killed .*drivers=virtio_blk/);
    t.ok(
      boots.filter((l) => /boot-disk=vda/.test(l)).every((l) => /drivers=virtio_blk/.test(l)),
      'never booted from vda without the driver',
    );
    t.same(
      readdirSync(s.dir).filter((f) => f.includes('virtplay-backup')),
      [],
      'no backup left',
    );
  });
});
