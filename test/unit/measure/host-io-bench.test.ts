/**
 * host_io_bench on this machine as "the host" (a local connection: the same command lines as over
 * SSH): the disk write in the folder of each guest's image, one measurement per folder, the
 * loopback transfer, and the guests it cannot measure. The libvirt facts are given, not gathered.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLocal } from '../../../engine/connection/local.js';
import type { FactSource, TaskContext } from '../../../engine/module.js';
import type { GuestFacts, LibvirtFacts } from '../../../modules/libvirt/facts.js';
import type { GuestBenchResult } from '../../../modules/measure/guest-io-bench.js';
import { diskFolder, hostIoBench } from '../../../modules/measure/host-io-bench.js';

const domain = (name: string, disk: string) => `<domain type='kvm'><name>${name}</name><uuid>00000000-0000-4000-8000-00000000000${name.length}</uuid><devices>
  <disk type='file' device='cdrom'><source file='/isos/virtio-win.iso'/><target dev='hdc' bus='ide'/></disk>
  ${disk}
</devices></domain>`;

function guest(name: string, disk: string): GuestFacts {
  return { name, uuid: `00000000-0000-4000-8000-00000000000${name.length}`, running: false, inactiveXml: domain(name, disk) };
}

function context(dir: string, guests: GuestFacts[]): { ctx: TaskContext; warnings: string[]; commands: () => number } {
  const conn = openLocal('kvm1');
  const facts: LibvirtFacts = { uri: 'qemu:///system', guests: new Map(guests.map((g) => [g.name, g])) };
  const warnings: string[] = [];
  const ctx = {
    host: 'kvm1',
    vars: { libvirt_uri: 'qemu:///system' },
    conn,
    check: false,
    diff: false,
    verbosity: 0,
    runDir: dir,
    facts: async <F>(_s: FactSource<F>) => facts as F,
    setFacts: () => {},
    invalidateFacts: () => {},
    warn: (m: string) => warnings.push(m),
    log: () => {},
  } as TaskContext;
  return { ctx, warnings, commands: () => conn.stats.commands };
}

t.test('disk_write: in the folder of each guest image, once per folder', async (t) => {
  const dir = t.testdir({ pool: {}, other: {} });
  const g1 = guest('a', `<disk type='file' device='disk'><source file='${join(dir, 'pool', 'a.qcow2')}'/><target dev='hda' bus='ide'/></disk>`);
  const g2 = guest('bb', `<disk type='file' device='disk'><source file='${join(dir, 'pool', 'b.img')}'/><target dev='vda' bus='virtio'/></disk>`);
  const g3 = guest('ccc', `<disk type='block' device='disk'><source dev='/dev/vg0/ccc'/><target dev='vda' bus='virtio'/></disk>`);
  t.equal(diskFolder(g1), join(dir, 'pool'));
  t.equal(diskFolder(g3), undefined, 'a block device has no folder');
  const { ctx, warnings, commands } = context(dir, [g1, g2, g3]);
  const history = join(dir, 'history.json');
  const r = await hostIoBench.run(ctx, { size_mb: 2, runs: 3, history_file: history });
  t.equal(r.changed, false);
  t.equal(r.label, 'bare host');
  const guests = r.guests as Record<string, GuestBenchResult>;
  t.same(Object.keys(guests), ['a', 'bb']);
  t.match(guests.a, { test: 'disk_write', os: 'host', size_mb: 2, target_dir: join(dir, 'pool') });
  t.equal(guests.a!.runs.length, 3);
  t.ok(guests.a!.mean > 0);
  t.same(guests.bb!.runs, guests.a!.runs, 'the same folder: one measurement for both guests');
  t.equal(commands(), 3, 'three runs in all, not six');
  t.match(r.unmeasured, { ccc: /not an image file .*set host_dir/ });
  t.match(warnings, [/guest ccc: bare host not measured/]);
  t.match(r.msg, /a: 2 MiB written on the host in .*pool 3x/);
  const h = JSON.parse(readFileSync(history, 'utf8')) as { records: { guest: string; label: string; test: string; os: string }[] };
  t.same(
    h.records.map((x) => [x.guest, x.label, x.test, x.os]),
    [
      ['a', 'bare host', 'disk_write', 'host'],
      ['bb', 'bare host', 'disk_write', 'host'],
    ],
  );
  const forced = await hostIoBench.run(context(dir, [g3]).ctx, { size_mb: 1, runs: 1, host_dir: join(dir, 'other'), record: false });
  t.match((forced.guests as Record<string, GuestBenchResult>).ccc, { target_dir: join(dir, 'other') }, 'host_dir for storage without a folder');
  const missing = hostIoBench.run(context(dir, [g1]).ctx, { size_mb: 1, runs: 1, host_dir: join(dir, 'nope'), record: false });
  await t.rejects(missing, { name: 'TaskError', message: /bare host: dd failed .*nope/ });
});

t.test('network: the host loopback, both directions', async (t) => {
  const dir = t.testdir({});
  const g = guest('a', `<disk type='file' device='disk'><source file='/x/a.img'/><target dev='hda' bus='ide'/></disk>`);
  for (const test of ['network_in', 'network_out'] as const) {
    const r = await hostIoBench.run(context(dir, [g]).ctx, { test, size_mb: 4, runs: 3, record: false });
    t.match((r.guests as Record<string, GuestBenchResult>).a, { test, os: 'host', mode: 'tcp', target_dir: null });
    t.match(r.msg, new RegExp(`4 MiB sent over the host's loopback 3x`));
  }
});
