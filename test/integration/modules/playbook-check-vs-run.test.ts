/**
 * playbooks/linux-virtio.yml (virtio NIC, virtio disks, boot from vda) over every guest of the
 * lab, through the CLI:
 *  - `--check --diff` changes nothing and prints, per task and guest, the changes and a diff;
 *  - the real run then makes exactly the changes the check run printed, and every guest's real
 *    inactive XML equals (semantically) the "after" of the check run's last diff for it;
 *  - a second run reports changed=0 and runs one remote command per host (the facts), no define.
 * Each host's Windows-labelled guest (win05) is refused by the NIC task (the Windows guard:
 * NetKVM) in every one of these runs alike and then left out of the later tasks (exit 2, the host
 * not failed); with `-e driver_ready=true` it is planned too, boot_disk included.
 */
import t from 'tap';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { semanticDiff } from '../../helpers/domain-compare.js';
import { guestXml, labGuestNames, labHosts, labWindowsGuests, sshdCommandsPerUser, sshdLogLines } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { changeLines, LAB_INVENTORY, LINUX_VIRTIO, lastPlannedXml, parseJson, virtplay } from './cli.js';

async function allXml(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const h of labHosts()) for (const g of labGuestNames()) out.set(`${h.name}|${g}`, await guestXml(h.name, g));
  return out;
}

t.before(async () => {
  await useLab(t);
});

const DISK_TASK = 'disks on the virtio bus (boot disk becomes vda)';
const NIC_TASK = 'NIC model virtio';
const REFUSAL = /^Windows guest \(libosinfo win2k8r2\) without evidence that its virtio network driver \(NetKVM\) is installed/;

/** "task|host|guest" -> msg, for the guests a run's tasks refused or failed. */
function failedLines(doc: ReturnType<typeof parseJson>): Map<string, string> {
  const out = new Map<string, string>();
  for (const play of doc.plays) {
    for (const task of play.tasks) {
      for (const [host, res] of Object.entries(task.hosts)) {
        for (const g of (res.guests ?? []) as { guest: string; failed?: boolean; msg?: string }[])
          if (g.failed) out.set(`${task.task.name}|${host}|${g.guest}`, g.msg ?? '');
      }
    }
  }
  return out;
}

t.test('check --diff, then the real run, then a second run', async (t) => {
  const original = await allXml();
  t.equal(original.size, 20, '4 hosts x 5 guests');
  const windows = new Set(labWindowsGuests());
  t.same([...windows], ['win05']);
  const refusedKeys = labHosts().flatMap((h) => [...windows].map((g) => `${NIC_TASK}|${h.name}|${g}`));

  // 1. check mode
  const check = await virtplay([LINUX_VIRTIO, '-i', LAB_INVENTORY, '--check', '--diff', '--json']);
  t.equal(check.code, 2, `check run exits 2 (the Windows guard) ${check.stderr}`);
  const checkDoc = parseJson(check);
  const planned = changeLines(checkDoc);
  const plannedXml = lastPlannedXml(checkDoc);
  const checkRefused = failedLines(checkDoc);
  t.same([...checkRefused.keys()].sort(), refusedKeys.sort(), 'check: the NIC task refuses win05 on every host, nothing else fails');
  for (const msg of checkRefused.values()) t.match(msg, REFUSAL);
  t.same(await allXml(), original, 'the check run changed no guest (byte for byte)');
  for (const key of original.keys()) {
    const [host, guest] = key.split('|');
    const lines = [...planned].filter(([k]) => k.endsWith(`|${host}|${guest}`)).flatMap(([, v]) => v);
    if (windows.has(guest!)) {
      t.same(lines, [], `${key}: check plans nothing for the refused guest`);
      t.notOk(plannedXml.has(key), `${key}: no diff for it`);
      t.notOk(
        [...planned.keys()].some((k) => k.startsWith(`${DISK_TASK}|${host}|${guest}`)),
        `${key}: the disk task left it out`,
      );
      continue;
    }
    t.ok(
      lines.some((l) => /^interface .*: model (e1000|rtl8139) -> virtio$/.test(l)),
      `${key}: check plans the NIC change`,
    );
    t.ok(
      lines.some((l) => /^disk .*: ide hda -> virtio vda$/.test(l)),
      `${key}: check plans hda -> vda`,
    );
    t.ok(plannedXml.has(key), `${key}: check printed a diff`);
  }
  for (const h of labHosts())
    t.equal(
      planned.get(`boot from vda|${h.name}|deb01`)?.length,
      0,
      `${h.name}: boot from vda still planned for the others: nothing more to do once hda became vda (planned on the predicted XML, no error)`,
    );
  const diffHeaders = checkDoc.plays
    .flatMap((p) => p.tasks.filter((x) => x.task.name === DISK_TASK))
    .flatMap((x) => Object.values(x.hosts))
    .flatMap((r) => (r.diff ?? []).map((d) => d.after_header ?? ''));
  t.notOk(
    diffHeaders.some((h) => / win05 \(planned\)$/.test(h)),
    'the disk task prints no diff for the refused guest',
  );

  // 2. the real run
  const real = await virtplay([LINUX_VIRTIO, '-i', LAB_INVENTORY, '--json']);
  t.equal(real.code, 2, `real run exits 2 (the Windows guard) ${real.stderr}`);
  const realDoc = parseJson(real);
  const made = changeLines(realDoc);
  t.same(Object.fromEntries(made), Object.fromEntries(planned), 'the real run made exactly the changes the check run printed');
  t.same(Object.fromEntries(failedLines(realDoc)), Object.fromEntries(checkRefused), 'and refused the same guests with the same reasons');
  const after = await allXml();
  for (const [key, xml] of after) {
    t.same(
      semanticDiff(plannedXml.get(key) ?? original.get(key)!, xml),
      [],
      `${key}: the real XML equals the check diff's "after" (the refused guest: its original)`,
    );
    const dom = Domain.parse(xml);
    if (windows.has(key.split('|')[1]!)) {
      t.equal(dom.findDisk('hda')?.bus, 'ide', `${key}: its boot disk is still IDE hda`);
      t.equal(dom.findDisk('vda'), undefined, `${key}: no vda`);
    } else {
      t.equal(dom.findDisk('vda')?.bus, 'virtio', `${key}: vda on virtio`);
      t.equal(dom.bootDisk()?.target, 'vda', `${key}: boots from vda`);
    }
    t.same(
      dom.interfaces().map((i) => i.mac),
      Domain.parse(original.get(key)!)
        .interfaces()
        .map((i) => i.mac),
      `${key}: MACs kept`,
    );
  }
  for (const [host, s] of Object.entries(realDoc.stats))
    t.ok(s.changed > 0 && s.failures === 0 && s.ignored === 0, `${host}: changed, the host not failed (the guest failed alone)`);
  t.same(
    Object.keys(realDoc.virtplay.failed_guests).sort(),
    labHosts()
      .map((h) => h.name)
      .sort(),
    '--json: a failed guest on every host',
  );

  // 3. second run: nothing to do, no define
  const mark = sshdLogLines().length;
  const again = await virtplay([LINUX_VIRTIO, '-i', LAB_INVENTORY, '--json']);
  t.equal(again.code, 2, 'second run exits 2 (win05 refused again)');
  const againDoc = parseJson(again);
  t.same(Object.fromEntries(failedLines(againDoc)), Object.fromEntries(checkRefused), 'the same refusals');
  for (const [host, s] of Object.entries(againDoc.stats)) t.equal(s.changed, 0, `${host}: changed=0`);
  t.ok(
    [...changeLines(againDoc).values()].every((l) => l.length === 0),
    'no guest reports a change',
  );
  const cmds = sshdCommandsPerUser(sshdLogLines().slice(mark));
  t.comment(`second run, remote commands per host: ${JSON.stringify(Object.fromEntries(cmds))}`);
  for (const h of labHosts()) t.equal(cmds.get(h.user), 1, `${h.name}: one remote command (the facts gather), so no virsh define`);
  t.same(await allXml(), after, 'the second run changed no guest (byte for byte)');

  // 4. driver_ready: the Windows-labelled guests are planned too, boot_disk on the predicted XML
  const ready = await virtplay([LINUX_VIRTIO, '-i', LAB_INVENTORY, '--check', '--diff', '--json', '-e', 'driver_ready=true']);
  t.equal(ready.code, 0, `check run with driver_ready=true exits 0 ${ready.stderr}`);
  const readyPlanned = changeLines(parseJson(ready));
  for (const h of labHosts()) {
    for (const g of windows) {
      t.ok(
        readyPlanned.get(`${DISK_TASK}|${h.name}|${g}`)?.some((l) => /^disk .*: ide hda -> virtio vda$/.test(l)),
        `${h.name}|${g}: driver_ready: check plans hda -> vda`,
      );
      t.equal(
        readyPlanned.get(`boot from vda|${h.name}|${g}`)?.length,
        0,
        `${h.name}|${g}: boot from vda: nothing more to do once hda became vda (planned on the predicted XML, no error)`,
      );
    }
    t.equal(readyPlanned.get(`boot from vda|${h.name}|deb01`)?.length, 0, `${h.name}|deb01: boot from vda: nothing to do`);
  }
});
