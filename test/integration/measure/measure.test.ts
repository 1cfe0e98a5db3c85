/**
 * guest_io_bench and io_bench_table on the lab's stand-in guest (QEMU TCG, session libvirtd of an
 * unprivileged user), the seed article's three configurations: as defined (IDE disk, e1000 NIC),
 * virtio NIC, virtio NIC and disk (after the stand-in's driver install from its ISO). The modules
 * run with a real Connection (commands run as the session user, as over SSH) and a real guest
 * agent; the conversions between the measurements are done with virsh here, not by virtio_nic /
 * virtio_disk, so that this test does not depend on them. Prints the resulting table.
 */
import t from 'tap';
import { chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '../../../engine/connection/types.js';
import type { FactSource, ModuleResult, TaskContext } from '../../../engine/module.js';
import { guestIoBench } from '../../../modules/measure/guest-io-bench.js';
import { ioBenchTable } from '../../../modules/measure/io-bench-table.js';
import {
  GUEST_OUT,
  GUEST_SCRIPTS,
  SessionVirsh,
  ensureSessionUser,
  moveDiskToVirtio,
  run,
  setNicModel,
  statusFields,
  userDir,
  waitBootVerdict,
} from '../guest/session-lab.js';
import { INSTALL_SCRIPT } from '../../lab/standin.js';

const BOOT_TIMEOUT = 120_000;
const SIZE_MB = Number(process.env.VIRTPLAY_BENCH_MB ?? 16);

if (process.getuid?.() !== 0) {
  t.test('measure on the lab guest', { skip: 'needs root (builds the guest, creates the session user)' }, () => {});
} else {
  await main();
}

async function main(): Promise<void> {
  const build = await run(['bash', join(GUEST_SCRIPTS, 'build.sh')], { timeoutMs: 600_000 });
  if (build.code !== 0) {
    t.fail(`build.sh failed: ${build.stderr}`);
    return;
  }
  const user = await ensureSessionUser('vpmeasure');
  const v = new SessionVirsh(user);
  const work = userDir(user, mkdtempSync(join(tmpdir(), 'virtplay-measure-')));
  const dom = `vpmeasure-${process.pid}`;
  const history = join(work, 'history.json');
  t.teardown(async () => {
    await v.remove(dom);
    rmSync(work, { recursive: true, force: true });
  });

  const img = join(work, 'boot.img');
  const mk = await run(['bash', join(GUEST_SCRIPTS, 'make-disk.sh'), '--marker', dom, img]);
  if (mk.code !== 0) throw new Error(`make-disk.sh: ${mk.stderr}`);
  chownSync(img, user.uid, user.gid);
  const iso = join(work, 'virtio-win-standin.iso');
  copyFileSync(join(GUEST_OUT, 'virtio-win-standin.iso'), iso);
  chownSync(iso, user.uid, user.gid);
  const serial = join(work, 'serial.log');
  const xml = await v.asUser(['bash', join(GUEST_SCRIPTS, 'domain-xml.sh'), dom, img, iso, serial]);
  if (xml.code !== 0) throw new Error(`domain-xml.sh: ${xml.stderr}`);
  await v.define(xml.stdout);

  // A Connection to "the host": every command as the session user, as an SSH login would run it.
  const conn: Connection = {
    host: 'lab-local',
    stats: { connections: 1, commands: 0 },
    async exec(command, opts = {}) {
      this.stats.commands++;
      return v.asUser(['sh', '-c', command], { ...(typeof opts.stdin === 'string' ? { stdin: opts.stdin } : {}), timeoutMs: opts.timeoutMs ?? 600_000 });
    },
    async close() {},
  };
  const warnings: string[] = [];
  const cache = new Map<string, unknown>();
  const ctx: TaskContext = {
    host: 'lab-local',
    vars: { libvirt_uri: 'qemu:///session' },
    conn,
    check: false,
    diff: false,
    verbosity: 0,
    runDir: work,
    async facts<F>(source: FactSource<F>): Promise<F> {
      if (!cache.has(source.id)) cache.set(source.id, await source.gather({ host: 'lab-local', vars: this.vars, conn }));
      return cache.get(source.id) as F;
    },
    setFacts: (s, f) => void cache.set(s.id, f),
    invalidateFacts: (s) => void cache.delete(s.id),
    warn: (m) => void warnings.push(m),
    log: () => {},
  };

  async function boot(): Promise<Record<string, string>> {
    rmSync(serial, { force: true });
    await v.must(['start', dom]);
    const f = statusFields(await waitBootVerdict(serial, BOOT_TIMEOUT));
    await v.guestAgent(dom).waitUp(BOOT_TIMEOUT);
    cache.clear(); // the guest's state changed: gather again, as the runner does after a change
    return f;
  }
  async function stop(): Promise<void> {
    await v.must(['shutdown', dom]);
    if ((await v.waitState(dom, 'shut off', 60_000)) === false) throw new Error(`${dom} did not shut down`);
  }
  const bench = (label: string): Promise<ModuleResult> =>
    guestIoBench.run(ctx, { guests: dom, label, size_mb: SIZE_MB, runs: 5, target_dir: '/boot', history_file: history });

  const results: ModuleResult[] = [];

  t.test('no virtio: IDE disk, e1000 NIC', async (t) => {
    const f = await boot();
    t.equal(f['boot-disk'], 'sda');
    const r = await bench('no virtio');
    results.push(r);
    t.equal(r.changed, false);
    t.notOk(r.failed, String(r.msg));
    const g = (r.guests as Record<string, { runs: number[]; kept: number[]; mean: number; mode: string; os: string }>)[dom]!;
    t.equal(g.runs.length, 5);
    t.equal(g.kept.length, 3);
    t.ok(g.mean > 0);
    t.equal(g.os, 'linux', 'guest-get-osinfo: not mswindows');
    t.equal(g.mode, 'oflag=direct', 'FAT on the boot disk takes O_DIRECT');
    const left = await v.guestAgent(dom).sh('ls -a /boot | grep -c virtplay-io-bench || true');
    t.equal(left.stdout.trim(), '0', 'no test file left in the guest');
  });

  t.test('NIC virtio', async (t) => {
    await stop();
    await v.define(setNicModel(await v.must(['dumpxml', '--inactive', dom]), 'virtio'));
    t.equal((await boot())['nic-driver'], 'virtio_net');
    const r = await bench('NIC virtio');
    results.push(r);
    t.notOk(r.failed, String(r.msg));
    t.match(r.guests, { [dom]: { previous: { label: 'no virtio' } } }, 'compared with the previous record');
  });

  t.test('NIC+disk virtio (after the driver install from the ISO)', async (t) => {
    const inst = await v.guestAgent(dom).sh(INSTALL_SCRIPT);
    // Only part (a) of install.sh matters here (the driver on the boot image). Its exit status is
    // not checked: with no virtio disk attached, its last step (listing bound disks) fails.
    t.match(inst.stdout, /copied virtio_blk\.cpio\.gz to \/boot\/viostor\.gz/, `install.sh: ${inst.stderr}`);
    t.match(inst.stdout, /INITRD initrd\.gz,viostor\.gz|already loads viostor\.gz/);
    await stop();
    await v.define(moveDiskToVirtio(await v.must(['dumpxml', '--inactive', dom]), img, 'vda'));
    t.equal((await boot())['boot-disk'], 'vda');
    const r = await bench('NIC+disk virtio');
    results.push(r);
    t.notOk(r.failed, String(r.msg));
  });

  t.test('Table 1 and the history', async (t) => {
    t.equal(results.length, 3);
    const r = await ioBenchTable.run(ctx, { results });
    t.comment(`\n${String(r.msg)}`);
    const tables = r.tables as { guest: string; columns: { label: string; measured: boolean; kept: number[]; ratio_pct: number }[] }[];
    t.equal(tables.length, 1);
    t.same(
      tables[0]!.columns.map((c) => c.label),
      ['no virtio', 'NIC virtio', 'NIC+disk virtio'],
    );
    t.ok(tables[0]!.columns.every((c) => c.measured && c.kept.length === 3 && c.ratio_pct > 0));
    t.equal(tables[0]!.columns[0]!.ratio_pct, 100);
    t.same(
      tables[0]!.columns.map((c) => (c as unknown as { mean: number }).mean),
      results.map((r) => (r.guests as Record<string, { mean: number }>)[dom]!.mean),
      'the table shows the means the measurements reported',
    );
    t.ok(existsSync(history));
    const h = JSON.parse(readFileSync(history, 'utf8')) as { records: { label: string; guest: string }[] };
    t.same(
      h.records.map((x) => x.label),
      ['no virtio', 'NIC virtio', 'NIC+disk virtio'],
    );
    t.same(warnings, [], 'no warnings');
  });
}
