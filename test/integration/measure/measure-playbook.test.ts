/**
 * playbooks/measure-virtio.yml end to end through the CLI on the lab's stand-in guest, CI-sized
 * (4 MiB, 5 runs): baseline (IDE, e1000), NIC virtio, NIC+disk virtio, each conversion applied by
 * the modules with restart: if_needed, and the bare host; on the disk path and on the network path
 * (TCP into and out of the guest through its NIC, user-mode networking: the guest reaches the host
 * at its gateway 10.0.2.2); the article's Table 1 with ratios and an SVG chart per table; nothing
 * left listening on the host or in the guest. The stand-in gets its "driver" installed first (from
 * the driver ISO, through the agent), like a Windows guest after the bootstrap's install step, so
 * moving its disk to virtio is safe.
 */
import t from 'tap';
import { guestXml, labHost, run, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { buildStandin, defineStandin, INSTALL_SCRIPT, labAgent, removeStandin, serialLines } from '../../lab/standin.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { assertBuilt, json, LAB_INVENTORY, REPO, virtplay } from '../bootstrap/cli.js';
import { measureArgs } from './measure-args.js';
import { join } from 'node:path';

const HOST = 'lab2';

/** TCP sockets of the lab user's processes in LISTEN (ss -e shows their owner's uid). */
async function hostListeners(): Promise<string[]> {
  const r = await run(['ss', '-Htlne']);
  return r.stdout.split('\n').filter((l) => new RegExp(`\\buid:${labHost(HOST).uid}\\b`).test(l));
}

t.test('measure-virtio.yml: Table 1 for the stand-in guest, measured on the lab', async (t) => {
  assertBuilt();
  await buildStandin();
  const lab = await useLab(t, { host: HOST });
  // Labelled as what it runs (the default stand-in is Debian with Debian's qemu-ga): a
  // Windows-labelled guest's disks are not moved to virtio without the bootstrap's evidence or
  // driver_ready (the Windows guard), which measure-virtio.yml does not pass to virtio_disk.
  const s = await defineStandin(HOST, 'vpmeasurepb', { marker: 'measured', osVariant: 'debian11' });
  lab.cleanup(() => removeStandin(s));
  // The driver ISO in a CD-ROM drive, the guest up, the "driver" installed (disk still on IDE).
  t.equal((await virshAs(HOST, ['attach-disk', s.name, s.iso, 'hdc', '--type', 'cdrom', '--mode', 'readonly', '--config'])).code, 0);
  t.equal((await virshAs(HOST, ['start', s.name])).code, 0);
  t.ok(await labAgent(s).answers(180), 'the agent answers');
  const inst = await labAgent(s).sh(INSTALL_SCRIPT);
  t.equal(inst.exitcode, 0, `driver installed: ${inst.stdout}${inst.stderr}`);

  const started = Date.now();
  const r = await virtplay(measureArgs(HOST, s, 5, ['-e', 'target_dir=/boot']), 20 * 60_000);
  t.equal(r.code, 0, r.stderr.slice(-3000));
  const doc = json(r);
  const tasks = doc.plays[0]!.tasks;
  const table = tasks.find((x) => x.task.name === 'Table 1')?.hosts[HOST];
  t.ok(table, 'the table task ran');
  const text = String(table?.msg ?? '');
  t.comment(`measure-virtio.yml took ${((Date.now() - started) / 1000).toFixed(0)} s on the lab\n${text}`);
  for (const col of ['no virtio', 'NIC virtio', 'NIC+disk virtio', 'bare host']) t.match(text, col, `column ${col}`);
  t.match(text, /ratio\s+100%/, 'the baseline is 100%');
  t.match(text, /ratio\s+100%\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%/, "a ratio per column, the article's way (one decimal)");
  type Col = { label: string; mean?: number; kept?: number[]; measured: boolean };
  const tables = (table?.tables ?? []) as { test: string; title: string; chart?: string; columns: Col[] }[];
  t.same(
    tables.map((x) => x.test),
    ['disk_write', 'network_in', 'network_out'],
    'a table for the disk path and one per network direction',
  );
  for (const tb of tables) {
    t.same(
      tb.columns.map((c) => c.label),
      ['no virtio', 'NIC virtio', 'NIC+disk virtio', 'bare host'],
      `${tb.title}: the article's four columns`,
    );
    for (const c of tb.columns) {
      t.equal(c.kept?.length, 3, `${tb.title}, ${c.label}: 3 kept runs of 5`);
      t.ok((c.mean ?? 0) > 0, `${tb.title}, ${c.label}: a mean in bytes/s`);
    }
    t.ok(tb.chart && existsSync(tb.chart), `${tb.title}: chart ${tb.chart}`);
    t.equal(tb.chart ? join(tb.chart, '..') : '', s.dir, 'beside the history');
    const svg = tb.chart ? readFileSync(tb.chart, 'utf8') : '';
    t.equal((svg.match(/<rect x=/g) ?? []).length, 4, 'a bar per configuration');
    t.match(text, `chart: ${tb.chart}`, 'its path in the output');
  }
  // The network runs went through the guest's NIC, e1000 first and virtio_net after the switch.
  const runsOf = (name: string) => tasks.find((x) => x.task.name === name)?.hosts[HOST];
  type Net = { results?: { guests?: Record<string, { mode: string; timing: string }> }[] } | undefined;
  const netIn = runsOf('no virtio: network into the guest') as Net;
  t.match(netIn?.results?.[0]?.guests?.[s.name], { mode: 'tcp', timing: 'uptime' }, "into the guest: timed by the guest (BusyBox's date has no %N)");
  const netOut = runsOf('no virtio: network out of the guest') as Net;
  t.match(netOut?.results?.[0]?.guests?.[s.name], { mode: 'tcp', timing: 'host' }, 'out of the guest: timed by the host');
  const bootLines = serialLines(s).filter((l) => l.includes('boot-disk='));
  t.match(bootLines[0], /nic-driver=e1000/, 'measured first through e1000');
  // Nothing left listening: on the host (the lab user's sockets) and in the guest (/proc/net/tcp).
  t.same(await hostListeners(), [], 'no socket of the lab user listens on the host');
  const guestTcp = await labAgent(s).sh("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == \"0A\"' | wc -l; ps | grep -c '[n]c '");
  t.same(guestTcp.stdout.trim().split(/\s+/), ['0', '0'], 'no listener and no client left in the guest');
  // The network test's failures, on the converted guest: clear errors naming host and guest,
  // Ansible's exit code 2, and still nothing left listening.
  const netBench = (extra: string[]) =>
    virtplay(
      [join(REPO, 'test', 'fixtures', 'playbooks', 'net-bench.yml'), '-i', LAB_INVENTORY, '--limit', HOST, '-e', `guests=${s.name}`, ...extra],
      5 * 60_000,
    );
  const ok = await netBench(['-e', 'test=network_out']);
  t.equal(ok.code, 0, `the fixture itself measures: ${ok.stdout.slice(-500)}`);
  const dropped = await netBench(['-e', 'host_address=10.0.2.99', '-e', 'connect_timeout=5']);
  t.equal(dropped.code, 2, 'no connection (an address nothing answers for, as behind a dropping firewall): exit 2');
  t.match(
    dropped.stdout,
    new RegExp(`${HOST}.*${s.name}[\\s\\S]*did not connect to the host at 10\\.0\\.2\\.99:\\d+ within 5 s: a firewall on the host`),
    dropped.stdout.slice(-1500),
  );
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
  const port = (taken.address() as { port: number }).port;
  const busy = await netBench(['-e', `port=${port}`]);
  taken.close();
  t.equal(busy.code, 2, 'a port that is taken: exit 2');
  t.match(
    busy.stdout,
    new RegExp(`cannot listen on 0\\.0\\.0\\.0:${port}: Address already in use \\(choose another port, or port 0 for any free one\\)`),
    busy.stdout.slice(-1500),
  );
  t.same(await hostListeners(), [], 'after the failures too, nothing of the lab user listens on the host');

  const dom = Domain.parse(await guestXml(HOST, s.name));
  t.equal(dom.disks().find((d) => d.sourcePath === s.disk)?.target, 'vda', 'converted: the boot disk is vda');
  t.match(
    serialLines(s)
      .filter((l) => l.includes('boot-disk='))
      .pop(),
    /boot-disk=vda marker=measured nic-driver=virtio_net/,
    'and the guest booted from it',
  );
});
