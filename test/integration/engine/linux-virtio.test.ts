/**
 * playbooks/linux-virtio.yml through the built CLI against the real lab: the first run makes every
 * NIC virtio, every non-CD-ROM disk of the Linux-labelled guests virtio with the boot disk vda, and
 * leaves the CD-ROMs alone; the NIC task refuses each host's Windows-labelled guest (win05: the
 * Windows guard, NetKVM), which then fails alone: the later tasks leave it out, the others go on,
 * the recap and --json list it, exit 2; the three editing tasks' writes are one define batch per
 * host (two remote commands with the facts);
 * the re-run changes nothing with one remote command per host (wall time,
 * connections and commands are reported with t.comment for the closing note); with
 * `-e driver_ready=true` the Windows-labelled guests convert too. Also: handlers and register/when, `-e @file`,
 * `--tags`, `--list-hosts`, `--list-tasks`, `--syntax-check` on the real playbooks.
 */
import t, { type Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  labGuestNames,
  labHosts,
  labLinuxGuests,
  labWindowsGuests,
  originalGuestXml,
  resetLab,
  sshdCommandsPerUser,
  sshdConnectionsPerHost,
} from '../../lab/lab.js';
import {
  FIXTURES,
  LAB_INVENTORY,
  PLAYBOOKS,
  cdromBlocks,
  changedGuests,
  disksOf,
  guestOf,
  heldConnections,
  holdLab,
  nicsOf,
  osBootOf,
  ownSshdLines,
  startTrap,
  snapshotLab,
  sshdMark,
  sshdSince,
  taskResult,
  virtplay,
  virtplay as virtplayRaw,
  virtplayJson,
  type CliRun,
  type LabSnapshot,
} from './virtplay-cli.js';
import type { JsonDocument } from '../../../engine/report/json.js';

const PLAYBOOK = join(PLAYBOOKS, 'linux-virtio.yml');
const NIC_TASK = 'NIC model virtio';
const DISK_TASK = 'disks on the virtio bus (boot disk becomes vda)';
const BOOT_TASK = 'boot from vda';

let tmp: string;

t.before(async () => {
  tmp = await holdLab(t, 'virtplay-linux-it-');
});

interface Measured {
  run: CliRun & { doc: JsonDocument };
  sshdConnections: Map<string, number>;
  sshdCommands: Map<string, number>;
}

async function measuredRun(t: Test, args: string[]): Promise<Measured> {
  const mark = sshdMark();
  const run = await virtplayJson(args);
  const { own, others } = ownSshdLines(sshdSince(mark), run);
  if (others > 0) t.comment(`${others} other connection(s) reached the lab sshd meanwhile (other tests)`);
  const held = heldConnections(run);
  for (const h of labHosts()) t.equal(held.get(h.address), 1, `${h.name}: the process held one connection to ${h.address}`);
  return { run, sshdConnections: sshdConnectionsPerHost(own), sshdCommands: sshdCommandsPerUser(own) };
}

function figures(label: string, m: Measured): string {
  const perHost = labHosts().map((h) => {
    const tr = m.run.doc.virtplay.transport[h.name];
    return `${h.name} json ${tr?.connections}conn/${tr?.commands}cmd sshd ${m.sshdConnections.get(h.address) ?? 0}conn/${m.sshdCommands.get(h.user) ?? 0}cmd`;
  });
  return `${label}: wall ${Math.round(m.run.ms)} ms (engine ${m.run.doc.virtplay.duration_ms} ms); ${perHost.join('; ')}`;
}

let original: LabSnapshot;
let converted: LabSnapshot;

/** The guests a libvirt module's result reports as failed, with their messages. */
function failedGuests(result: Record<string, unknown> | undefined): [string, string][] {
  const guests = (result?.['guests'] ?? []) as { guest: string; failed?: boolean; msg?: string }[];
  return guests.filter((g) => g.failed).map((g) => [g.guest, g.msg ?? '']);
}

const REFUSAL =
  /^Windows guest \(libosinfo win2k8r2\) without evidence that its virtio network driver \(NetKVM\) is installed: a virtio NIC would have no driver and cut the guest off the network\. Use playbooks\/windows-virtio\.yml \(virtio_bootstrap\), or set driver_ready: true/;

/** What linux-virtio.yml makes of a guest: every NIC virtio, every non-CD-ROM disk virtio, the old boot disk vda and booted first. */
function assertConverted(t: Test, id: string, before: string, after: string): void {
  t.ok(
    nicsOf(after).every((n) => n.model === 'virtio'),
    `${id}: every NIC virtio`,
  );
  t.same(
    nicsOf(after).map((n) => n.mac),
    nicsOf(before).map((n) => n.mac),
    `${id}: MACs kept`,
  );
  const disks = disksOf(after).filter((d) => d.device !== 'cdrom');
  t.ok(disks.length > 0 && disks.every((d) => d.bus === 'virtio' && /^vd[a-z]+$/.test(d.dev)), `${id}: every non-CD-ROM disk virtio`);
  t.same(
    disks.filter((d) => d.addressType === 'drive'),
    [],
    `${id}: no <address type='drive'> on a virtio disk`,
  );
  const bootBefore = disksOf(before).find((d) => d.device === 'disk');
  const vda = disks.find((d) => d.dev === 'vda');
  t.equal(vda?.source, bootBefore?.source, `${id}: the old boot disk (${bootBefore?.bus} ${bootBefore?.dev}) is vda`);
  const byOrder = disksOf(after)
    .filter((d) => d.bootOrder !== undefined)
    .sort((a, b) => a.bootOrder! - b.bootOrder!);
  if (byOrder.length > 0) t.equal(byOrder[0]?.dev, 'vda', `${id}: boot order 1 is vda`);
  else {
    t.equal(osBootOf(after)[0] ?? 'hd', 'hd', `${id}: boots from hd first`);
    t.equal(disksOf(after).find((d) => d.device === 'disk')?.dev, 'vda', `${id}: vda is the first hard disk`);
  }
  t.same(cdromBlocks(after), cdromBlocks(before), `${id}: CD-ROMs untouched (${cdromBlocks(before).length})`);
}

t.test('linux-virtio.yml first run: virtio NIC, virtio disks, boot disk vda, CD-ROMs untouched; the Windows-labelled guest refused', async (t) => {
  original = await snapshotLab(); // as first defined: holdLab reset the lab
  const m = await measuredRun(t, [PLAYBOOK, '-i', LAB_INVENTORY]);
  t.equal(m.run.code, 2, 'exit 2: a guest failed on every host (its Windows-labelled guest)');
  t.comment(figures('linux-virtio.yml first run on the 4x5 lab', m));
  const linux = labLinuxGuests();
  const windows = labWindowsGuests();
  t.same(windows, ['win05'], 'one Windows-labelled guest per host');
  for (const h of labHosts()) {
    const nic = taskResult(m.run.doc, NIC_TASK, h.name);
    t.same(changedGuests(nic), linux, `${h.name}: the Linux-labelled guests' NICs changed`);
    t.not(nic?.['failed'], true, `${h.name}: the NIC task did not fail the host`);
    const refused = failedGuests(nic);
    t.same(
      refused.map(([g]) => g),
      windows,
      `${h.name}: win05 refused by the NIC task`,
    );
    for (const [, msg] of refused) t.match(msg, REFUSAL, `${h.name}: the reason, per guest`);
    t.match(nic?.['msg'], /^4 of 5 guest\(s\) changed, 1 failed: win05: Windows guest \(libosinfo win2k8r2\)/, `${h.name}: the task's message names the guest`);
    const disk = taskResult(m.run.doc, DISK_TASK, h.name);
    t.same(((disk?.['guests'] ?? []) as { guest: string }[]).map((g) => g.guest).sort(), linux, `${h.name}: the disk task leaves the failed guest out`);
    t.same(changedGuests(disk), linux, `${h.name}: the Linux-labelled guests' disks changed`);
    const boot = taskResult(m.run.doc, BOOT_TASK, h.name);
    t.same(((boot?.['guests'] ?? []) as { guest: string }[]).map((g) => g.guest).sort(), linux, `${h.name}: boot from vda runs for the other guests`);
    t.same(changedGuests(boot), [], `${h.name}: boot from vda: nothing more to do once hda became vda`);
    t.match(m.run.doc.stats[h.name], { failures: 0, ignored: 0 }, `${h.name}: the host did not fail`);
    t.same(
      m.run.doc.virtplay.failed_guests[h.name]?.map((g) => [g.guest, g.task]),
      [['win05', NIC_TASK]],
      `${h.name}: --json failed_guests`,
    );
    t.equal(m.run.doc.virtplay.transport[h.name]?.connections, 1, `${h.name}: one connection (--json)`);
    t.equal(m.sshdConnections.get(h.address), 1, `${h.name}: one connection (sshd log)`);
    t.equal(m.sshdCommands.get(h.user), m.run.doc.virtplay.transport[h.name]?.commands, `${h.name}: sshd log and --json agree on the commands`);
    t.equal(
      m.run.doc.virtplay.transport[h.name]?.commands,
      2,
      `${h.name}: two remote commands, the facts and one define batch for the three editing tasks (held writes)`,
    );
  }
  converted = await snapshotLab();
  for (const h of labHosts()) {
    for (const g of linux) assertConverted(t, `${h.name}/${g}`, guestOf(original, h.name, g), guestOf(converted, h.name, g));
    for (const g of windows) t.equal(guestOf(converted, h.name, g), guestOf(original, h.name, g), `${h.name}/${g}: untouched (IDE disk, e1000)`);
  }
  t.ok(
    [...original.values()].some((gs) => [...gs.values()].some((x) => cdromBlocks(x).length > 0)),
    'the lab has CD-ROMs to leave alone',
  );
});

t.test('linux-virtio.yml re-run: changed=0, one connection and one remote command per host; the refusal again', async (t) => {
  const m = await measuredRun(t, [PLAYBOOK, '-i', LAB_INVENTORY]);
  t.equal(m.run.code, 2, 'exit 2: win05 is refused again');
  t.comment(figures('linux-virtio.yml re-run on the 4x5 lab', m));
  for (const h of labHosts()) {
    t.equal(m.run.doc.stats[h.name]?.changed, 0, `${h.name}: changed=0`);
    for (const task of [NIC_TASK, DISK_TASK, BOOT_TASK]) t.same(changedGuests(taskResult(m.run.doc, task, h.name)), [], `${h.name}: ${task}: nothing`);
    t.same(
      failedGuests(taskResult(m.run.doc, NIC_TASK, h.name)).map(([g]) => g),
      labWindowsGuests(),
      `${h.name}: win05 refused`,
    );
    t.same(m.run.doc.virtplay.transport[h.name], { connections: 1, commands: 1, reconnects: 0 }, `${h.name}: 1 connection, 1 command (--json)`);
    t.equal(m.sshdConnections.get(h.address), 1, `${h.name}: 1 connection (sshd log)`);
    t.equal(m.sshdCommands.get(h.user), 1, `${h.name}: 1 command (sshd log)`);
  }
  const again = await snapshotLab();
  for (const h of labHosts()) {
    for (const [g, xml] of converted.get(h.name)!) t.equal(guestOf(again, h.name, g), xml, `${h.name}/${g}: XML byte-identical`);
  }
});

t.test('linux-virtio.yml -e driver_ready=true: the Windows-labelled guests convert too; a re-run changes nothing', async (t) => {
  const m = await measuredRun(t, [PLAYBOOK, '-i', LAB_INVENTORY, '-e', 'driver_ready=true']);
  t.equal(m.run.code, 0, m.run.stderr);
  for (const h of labHosts()) {
    t.same(changedGuests(taskResult(m.run.doc, DISK_TASK, h.name)), labWindowsGuests(), `${h.name}: win05's disks changed`);
    t.same(changedGuests(taskResult(m.run.doc, BOOT_TASK, h.name)), [], `${h.name}: boot from vda: nothing more to do`);
    t.equal(m.run.doc.stats[h.name]?.failures, 0);
  }
  const all = await snapshotLab();
  for (const h of labHosts()) for (const g of labGuestNames()) assertConverted(t, `${h.name}/${g}`, guestOf(original, h.name, g), guestOf(all, h.name, g));
  const re = await measuredRun(t, [PLAYBOOK, '-i', LAB_INVENTORY, '-e', 'driver_ready=true']);
  t.equal(re.run.code, 0, re.run.stderr);
  for (const h of labHosts()) {
    t.equal(re.run.doc.stats[h.name]?.changed, 0, `${h.name}: changed=0`);
    for (const task of [NIC_TASK, DISK_TASK, BOOT_TASK]) t.same(changedGuests(taskResult(re.run.doc, task, h.name)), [], `${h.name}: ${task}: nothing`);
    t.same(re.run.doc.virtplay.transport[h.name], { connections: 1, commands: 1, reconnects: 0 }, `${h.name}: 1 connection, 1 command (--json)`);
  }
});

t.test('handlers run where virtio_nic changed; register/when branch on the result', async (t) => {
  const playbook = join(FIXTURES, 'handlers-register.yml');
  await resetLab();
  // lab2 first, alone: it changes, its handler runs.
  // The Linux-labelled guests: virtio_nic refuses the Windows-labelled one (NetKVM).
  const only = ['-e', JSON.stringify({ guests: labLinuxGuests() })];
  const first = await virtplay([playbook, '-i', LAB_INVENTORY, '--limit', 'lab2', ...only]);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, /RUNNING HANDLER \[NIC changed\] \*+\nok: \[lab2\]/);
  // Then lab1 (changes) with lab2 (already virtio).
  const res = await virtplayJson([playbook, '-i', LAB_INVENTORY, '--limit', 'lab1:lab2', ...only]);
  t.equal(res.code, 0, res.stderr);
  const tasks = res.doc.plays[0]!.tasks;
  t.same(
    tasks.map((x) => [x.task.name, x.task.handler]),
    [
      ['NIC model virtio', false],
      ['report the converted guests', false],
      ['report nothing to do', false],
      ['NIC changed', true],
    ],
  );
  t.equal(taskResult(res.doc, 'NIC model virtio', 'lab1')?.['changed'], true);
  t.equal(taskResult(res.doc, 'NIC model virtio', 'lab2')?.['changed'], false);
  t.equal(
    taskResult(res.doc, 'report the converted guests', 'lab1')?.['msg'],
    `converted on lab1: ${labLinuxGuests().join(',')}`,
    'the registered result reaches a template',
  );
  t.equal(taskResult(res.doc, 'report the converted guests', 'lab2')?.['skipped'], true, 'when: nic.changed skips lab2');
  t.equal(taskResult(res.doc, 'report nothing to do', 'lab1')?.['skipped'], true, 'when: not nic.changed skips lab1');
  t.equal(taskResult(res.doc, 'report nothing to do', 'lab2')?.['msg'], 'nothing to convert on lab2');
  t.same(Object.keys(tasks[3]!.hosts), ['lab1'], 'the handler ran on lab1 only');
  t.equal(taskResult(res.doc, 'NIC changed', 'lab1')?.['msg'], 'handler: lab1 has new NICs');
  t.same(res.doc.stats['lab1'], { ok: 3, changed: 1, unreachable: 0, failures: 0, skipped: 1, rescued: 0, ignored: 0 });
  t.same(res.doc.stats['lab2'], { ok: 2, changed: 0, unreachable: 0, failures: 0, skipped: 1, rescued: 0, ignored: 0 });
});

t.test('-e @file and --tags nic: only the NICs of the named guests change', async (t) => {
  await resetLab();
  const vars = join(tmp, 'guests-deb01-deb03.yml');
  writeFileSync(vars, '# Extra vars for `-e @file`: convert only these guests.\nguests:\n  - deb01\n  - deb03\n');
  const res = await virtplayJson([PLAYBOOK, '-i', LAB_INVENTORY, '-e', `@${vars}`, '--tags', 'nic', '--limit', 'lab1']);
  t.equal(res.code, 0, res.stderr);
  t.same(
    res.doc.plays[0]!.tasks.map((x) => x.task.name),
    [NIC_TASK],
    '--tags nic: the NIC task alone',
  );
  t.same(changedGuests(taskResult(res.doc, NIC_TASK, 'lab1')), ['deb01', 'deb03'], 'the guests named in the vars file');
  const snap = await snapshotLab();
  for (const h of labHosts()) {
    for (const g of labGuestNames()) {
      const after = guestOf(snap, h.name, g);
      const before = originalGuestXml(h.name, g);
      if (h.name === 'lab1' && (g === 'deb01' || g === 'deb03')) {
        t.ok(
          nicsOf(after).every((n) => n.model === 'virtio'),
          `lab1/${g}: NIC virtio`,
        );
        t.same(disksOf(after), disksOf(before), `lab1/${g}: disks untouched (--tags nic)`);
      } else {
        t.equal(after, before, `${h.name}/${g}: untouched`);
      }
    }
  }
});

t.test('--list-hosts, --list-tasks, --syntax-check on the real playbooks', async (t) => {
  // Every lab host's port is pointed at a silent trap: any connection attempt would be counted.
  const trap = await startTrap();
  t.teardown(() => trap.close());
  const virtplay = (args: string[]) => virtplayRaw([...args, '-e', `ansible_port=${trap.port}`]);
  let res = await virtplay([PLAYBOOK, '-i', LAB_INVENTORY, '--list-hosts']);
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /hosts \(4\):\n\s+lab1\n\s+lab2\n\s+lab3\n\s+lab4\n/);
  res = await virtplay([PLAYBOOK, '-i', LAB_INVENTORY, '--list-hosts', '--limit', 'lab:!lab2']);
  t.match(res.stdout, /hosts \(3\):\n\s+lab1\n\s+lab3\n\s+lab4\n/);

  res = await virtplay([PLAYBOOK, '-i', LAB_INVENTORY, '--list-tasks']);
  t.equal(res.code, 0, res.stderr);
  t.match(
    res.stdout,
    /NIC model virtio\tTAGS: \[nic\]\n\s+disks on the virtio bus \(boot disk becomes vda\)\tTAGS: \[disk\]\n\s+boot from vda\tTAGS: \[boot, disk\]/,
  );
  res = await virtplay([PLAYBOOK, '-i', LAB_INVENTORY, '--list-tasks', '--tags', 'nic']);
  t.match(res.stdout, /NIC model virtio/);
  t.notMatch(res.stdout, /^\s+(disks on the virtio bus|boot from vda)\t/m, '--tags nic lists the NIC task alone');
  res = await virtplay([PLAYBOOK, '-i', LAB_INVENTORY, '--list-tasks', '--skip-tags', 'disk']);
  t.match(res.stdout, /NIC model virtio/);
  t.notMatch(res.stdout, /^\s+(disks on the virtio bus|boot from vda)\t/m, '--skip-tags disk leaves the NIC task');

  for (const name of ['virtio-nic.yml', 'linux-virtio.yml']) {
    res = await virtplay([join(PLAYBOOKS, name), '-i', LAB_INVENTORY, '--syntax-check']);
    t.equal(res.code, 0, `${name}: ${res.stderr}`);
    t.match(res.stdout, `playbook: ${join(PLAYBOOKS, name)}`);
  }
  // A broken copy: exit 6, the position of the mistake named.
  const broken = join(tmp, 'broken.yml');
  writeFileSync(broken, readFileSync(PLAYBOOK, 'utf8').replace('virtio_disk:', 'virtio_disks:'));
  res = await virtplay([broken, '-i', LAB_INVENTORY, '--syntax-check']);
  t.equal(res.code, 6, 'invalid playbook: exit 6');
  const line =
    readFileSync(broken, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('virtio_disks:')) + 1;
  t.match(res.stderr, new RegExp(`^ERROR! ${broken.replace(/[.]/g, '\\.')}:${line}:\\d+: .*virtio_disks`), 'names file:line:col and the unknown module');
  t.notMatch(res.stderr, /\n\s+at /, 'no stack trace');
  t.equal(trap.connections(), 0, 'listing and syntax checks connect to no host');

  // The trap does catch a run that connects: the SSH handshake times out on it (exit 4).
  res = await virtplay([PLAYBOOK, '-i', LAB_INVENTORY, '--check', '--limit', 'lab1', '--timeout', '1']);
  t.equal(res.code, 4, 'a real run against the trap is unreachable');
  t.equal(trap.connections(), 1, 'and the trap counted its connection');
});
