/**
 * playbooks/measure-virtio.yml on the stand-in's Windows Server 2016 personality: the agent that
 * answers is winqga (as QEMU's Windows guest agent), the disk and network tests go through
 * powershell.exe -EncodedCommand (windows-bench.ts, net-guest.ts), the default folder is the
 * agent's temporary folder and the host's address is Windows' default gateway; after the NIC
 * switch the new virtio adapter gets its address by DHCP, as Windows' new adapter does. viostor
 * is installed first (offline, as an operator would in Device Manager), so the disk switch is safe;
 * the playbook's driver_ready stands for that. CI-sized: 4 MiB, 3 runs.
 */
import t from 'tap';
import { guestXml, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { buildStandin, defineStandin, installDriverOffline, removeStandin, serialLines } from '../../lab/standin.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { assertBuilt, json, virtplay } from '../bootstrap/cli.js';
import { measureArgs } from './measure-args.js';

const HOST = 'lab2';

t.test('measure-virtio.yml on a Windows Server 2016 stand-in: PowerShell through winqga', async (t) => {
  assertBuilt();
  await buildStandin();
  const lab = await useLab(t, { host: HOST });
  const s = await defineStandin(HOST, 'vpmeasurewin', { personality: 'win2k16', cdrom: true, marker: 'measured-win' });
  lab.cleanup(() => removeStandin(s));
  await installDriverOffline(s);
  t.equal((await virshAs(HOST, ['start', s.name])).code, 0);

  const r = await virtplay(measureArgs(HOST, s, 3), 20 * 60_000);
  const tasks = json(r).plays[0]!.tasks;
  const failed = tasks.flatMap((x) => {
    const h = x.hosts[HOST];
    return h?.failed ? [`${x.task.name}: ${JSON.stringify((h.results as { msg?: string }[] | undefined)?.map((i) => i.msg) ?? h.msg)}`] : [];
  });
  t.equal(r.code, 0, `${failed.join('\n')}\n${r.stderr.slice(-3000)}`);
  const table = tasks.find((x) => x.task.name === 'Table 1')?.hosts[HOST];
  t.comment(String(table?.msg ?? ''));
  type Col = { label: string; mean: number | null; kept: number[] };
  const tables = (table?.tables ?? []) as { test: string; columns: Col[] }[];
  t.same(
    tables.map((x) => x.test),
    ['disk_write', 'network_in', 'network_out'],
  );
  for (const tb of tables) {
    t.same(
      tb.columns.map((c) => c.label),
      ['no virtio', 'NIC virtio', 'NIC+disk virtio', 'bare host'],
      `${tb.test}: four columns`,
    );
    for (const c of tb.columns) t.ok((c.mean ?? 0) > 0 && c.kept.length === 1, `${tb.test}, ${c.label}: measured`);
  }
  type G = { os: string; mode: string; timing: string; target_dir: string | null };
  const first = (name: string) =>
    ((tasks.find((x) => x.task.name === name)?.hosts[HOST]?.results as { guests: Record<string, G> }[] | undefined) ?? [])[0]?.guests[s.name];
  t.match(
    first('no virtio: disk'),
    { os: 'windows', mode: 'writethrough', timing: 'stopwatch', target_dir: null },
    "PowerShell's write test in the agent's temporary folder",
  );
  t.match(first('no virtio: network into the guest'), { os: 'windows', mode: 'tcp', timing: 'stopwatch' }, "into the guest: .NET's Stopwatch");
  t.match(first('NIC+disk virtio: network out of the guest'), { os: 'windows', mode: 'tcp', timing: 'host' });
  const boots = serialLines(s).filter((l) => l.includes('boot-disk='));
  t.match(boots[0], /boot-disk=sda .*nic-driver=e1000 .*personality=win2k16/, 'measured first on IDE and e1000');
  t.match(boots[boots.length - 1], /boot-disk=vda .*nic-driver=virtio_net/, 'and last on virtio: the new adapter reached the host too');
  const dom = Domain.parse(await guestXml(HOST, s.name));
  t.equal(dom.disks().find((d) => d.sourcePath === s.disk)?.bus, 'virtio');
});
