/**
 * The define transaction on a real libvirt: a definition that changed since it was read is never
 * overwritten; a definition libvirt refuses leaves the guest exactly as it was; a read-back that
 * fails verification is restored from the backup; two batches at once are serialized by the lock.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineGuests } from '../../../modules/libvirt/define-guests.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { libvirtFacts } from '../../../modules/libvirt/facts.js';
import { guestXml, labHost, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { labContext } from './lab-context.js';

const HOST = 'lab3';

t.test('define transaction', async (t) => {
  const lab = await useLab(t, { restoreAfter: true });
  const { ctx, conn } = await labContext(HOST);
  lab.cleanup(() => conn.close());
  const facts = await ctx.facts(libvirtFacts);
  const g1 = facts.guests.get('deb01')!;
  const g2 = facts.guests.get('deb02')!;

  await t.test('a guest changed since it was read is reported stale and not overwritten', async (t) => {
    const theirs = g1.inactiveXml
      .replace(/<memory unit='KiB'>\d+<\/memory>/, "<memory unit='KiB'>393216</memory>")
      .replace(/<currentMemory unit='KiB'>\d+<\/currentMemory>/, "<currentMemory unit='KiB'>393216</currentMemory>");
    t.not(theirs, g1.inactiveXml);
    const def = await virshAs(HOST, ['define', '/dev/stdin'], theirs);
    t.equal(def.code, 0, def.stderr);
    const before = await guestXml(HOST, 'deb01');
    const ours = Domain.parse(g1.inactiveXml);
    ours.setInterfaceModel(ours.interfaces()[0]!, 'virtio');
    const [o] = await defineGuests(ctx, facts.uri, [{ guest: g1, newXml: ours.toXml(), verify: () => [] }]);
    t.equal(o?.ok, false);
    t.equal(o?.stale, true);
    t.match(o?.error, /changed since virtplay read it/);
    t.equal(await guestXml(HOST, 'deb01'), before, 'the other writer’s definition is intact');
    t.match(readFileSync(o!.backupFile, 'utf8'), /<domain/, 'a backup was still written first');
  });

  await t.test('a definition libvirt refuses leaves the guest byte-identical', async (t) => {
    const before = await guestXml(HOST, 'deb02');
    const bad = Domain.parse(g2.inactiveXml);
    const disk = bad.disks().find((d) => d.device === 'disk')!;
    disk.bus = 'virtio'; // the stale <address type='drive'> stays: libvirt must refuse it (virt-xml's bug)
    const [o] = await defineGuests(ctx, facts.uri, [{ guest: g2, newXml: bad.toXml(), verify: () => [] }]);
    t.equal(o?.ok, false);
    t.match(o?.error, /virsh define refused the new XML: .*drive/);
    t.equal(await guestXml(HOST, 'deb02'), before);
  });

  await t.test('a read-back that fails verification is restored from the backup', async (t) => {
    const fresh = (await ctx.facts(libvirtFacts)).guests.get('deb03')!;
    const before = await guestXml(HOST, 'deb03');
    const dom = Domain.parse(fresh.inactiveXml);
    dom.setInterfaceModel(dom.interfaces()[0]!, 'virtio');
    const [o] = await defineGuests(ctx, facts.uri, [{ guest: fresh, newXml: dom.toXml(), verify: () => ['pretend libvirt dropped something'] }]);
    t.equal(o?.ok, false);
    t.equal(o?.restored, true);
    t.match(o?.error, /previous definition was restored/);
    t.equal(await guestXml(HOST, 'deb03'), before, 'back to exactly the old definition');
  });

  await t.test('two batches at once on one host are serialized and both land', async (t) => {
    ctx.invalidateFacts(libvirtFacts);
    const f = await ctx.facts(libvirtFacts);
    const edits = ['deb04', 'win05'].map((name) => {
      const g = f.guests.get(name)!;
      const d = Domain.parse(g.inactiveXml);
      for (const nic of d.interfaces()) d.setInterfaceModel(nic, 'virtio');
      return { guest: g, newXml: d.toXml(), verify: () => [] };
    });
    const [a, b] = await Promise.all(edits.map((e) => defineGuests(ctx, f.uri, [e])));
    t.equal(a?.[0]?.ok, true);
    t.equal(b?.[0]?.ok, true);
    for (const name of ['deb04', 'win05']) {
      t.ok(
        Domain.parse(await guestXml(HOST, name))
          .interfaces()
          .every((i) => i.model === 'virtio'),
        `${name} converted`,
      );
    }
  });
  await t.test('while another run holds the host lock, nothing is defined; then it lands', async (t) => {
    const h = labHost(HOST);
    const lockFile = `${h.runtimeDir}/virtplay-${h.uid}.lock`;
    // Another "run": holds the lock until its stdin closes.
    const holder = spawn('runuser', ['-u', h.user, '--', 'flock', '-x', lockFile, 'cat'], { stdio: ['pipe', 'ignore', 'ignore'] });
    t.teardown(() => void holder.kill());
    await sleep(500);
    ctx.invalidateFacts(libvirtFacts);
    const f = await ctx.facts(libvirtFacts);
    const g = f.guests.get('deb01')!;
    const d = Domain.parse(g.inactiveXml);
    d.setInterfaceModel(d.interfaces()[0]!, 'rtl8139');
    const pending = defineGuests(ctx, f.uri, [{ guest: g, newXml: d.toXml(), verify: () => [] }]);
    await sleep(1500);
    t.equal(
      Domain.parse(await guestXml(HOST, 'deb01')).interfaces()[0]?.model,
      Domain.parse(g.inactiveXml).interfaces()[0]?.model,
      'not defined while the lock is held',
    );
    holder.stdin.end();
    const [o] = await pending;
    t.equal(o?.ok, true, o?.error ?? 'defined');
    t.equal(Domain.parse(await guestXml(HOST, 'deb01')).interfaces()[0]?.model, 'rtl8139', 'defined once the lock was released');
  });
});
