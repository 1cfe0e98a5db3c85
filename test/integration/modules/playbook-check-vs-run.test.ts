/**
 * playbooks/linux-virtio.yml (virtio NIC, virtio disks, boot from vda) over every guest of the
 * lab, through the CLI:
 *  - `--check --diff` changes nothing and prints, per task and guest, the changes and a diff;
 *  - the real run then makes exactly the changes the check run printed, and every guest's real
 *    inactive XML equals (semantically) the "after" of the check run's last diff for it;
 *  - a second run reports changed=0 and runs one remote command per host (the facts), no define.
 */
import t from 'tap';
import { Domain, semanticDiff } from '../../../modules/libvirt/domain/index.js';
import { ensureLab, guestXml, labGuestNames, labHosts, lockLab, resetLab, sshdCommandsPerUser, sshdLogLines } from '../../lab/lab.js';
import { changeLines, LAB_INVENTORY, LINUX_VIRTIO, lastPlannedXml, parseJson, virtplay } from './cli.js';

async function allXml(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const h of labHosts()) for (const g of labGuestNames()) out.set(`${h.name}|${g}`, await guestXml(h.name, g));
  return out;
}

t.before(async () => {
  await ensureLab();
  const release = await lockLab();
  t.teardown(release);
  await resetLab();
});

t.test('check --diff, then the real run, then a second run', async (t) => {
  const original = await allXml();
  t.equal(original.size, 20, '4 hosts x 5 guests');

  // 1. check mode
  const check = await virtplay([LINUX_VIRTIO, '-i', LAB_INVENTORY, '--check', '--diff', '--json']);
  t.equal(check.code, 0, `check run exits 0 ${check.stderr}`);
  const checkDoc = parseJson(check);
  const planned = changeLines(checkDoc);
  const plannedXml = lastPlannedXml(checkDoc);
  t.same(await allXml(), original, 'the check run changed no guest (byte for byte)');
  for (const key of original.keys()) {
    const [host, guest] = key.split('|');
    const lines = [...planned].filter(([k]) => k.endsWith(`|${host}|${guest}`)).flatMap(([, v]) => v);
    t.ok(lines.some((l) => /^interface .*: model (e1000|rtl8139) -> virtio$/.test(l)), `${key}: check plans the NIC change`);
    t.ok(lines.some((l) => /^disk .*: ide hda -> virtio vda$/.test(l)), `${key}: check plans hda -> vda`);
    t.ok(plannedXml.has(key), `${key}: check printed a diff`);
  }
  t.equal(planned.get(`boot from vda|lab1|win01`)?.length, 0, 'boot from vda: nothing more to do once hda became vda (planned on the predicted XML, no error)');

  // 2. the real run
  const real = await virtplay([LINUX_VIRTIO, '-i', LAB_INVENTORY, '--json']);
  t.equal(real.code, 0, `real run exits 0 ${real.stderr}`);
  const realDoc = parseJson(real);
  const made = changeLines(realDoc);
  t.same(Object.fromEntries(made), Object.fromEntries(planned), 'the real run made exactly the changes the check run printed');
  const after = await allXml();
  for (const [key, xml] of after) {
    t.same(semanticDiff(plannedXml.get(key) ?? '<domain/>', xml), [], `${key}: the real XML equals the check diff's "after"`);
    const dom = Domain.parse(xml);
    t.equal(dom.findDisk('vda')?.bus, 'virtio', `${key}: vda on virtio`);
    t.equal(dom.bootDisk()?.target, 'vda', `${key}: boots from vda`);
    t.same(dom.interfaces().map((i) => i.mac), Domain.parse(original.get(key)!).interfaces().map((i) => i.mac), `${key}: MACs kept`);
  }
  for (const [host, s] of Object.entries(realDoc.stats)) t.ok(s.changed > 0 && s.failures === 0, `${host}: changed, no failure`);

  // 3. second run: nothing to do, no define
  const mark = sshdLogLines().length;
  const again = await virtplay([LINUX_VIRTIO, '-i', LAB_INVENTORY, '--json']);
  t.equal(again.code, 0, 'second run exits 0');
  const againDoc = parseJson(again);
  for (const [host, s] of Object.entries(againDoc.stats)) t.equal(s.changed, 0, `${host}: changed=0`);
  t.ok([...changeLines(againDoc).values()].every((l) => l.length === 0), 'no guest reports a change');
  const cmds = sshdCommandsPerUser(sshdLogLines().slice(mark));
  t.comment(`second run, remote commands per host: ${JSON.stringify(Object.fromEntries(cmds))}`);
  for (const h of labHosts()) t.equal(cmds.get(h.user), 1, `${h.name}: one remote command (the facts gather), so no virsh define`);
  t.same(await allXml(), after, 'the second run changed no guest (byte for byte)');
});
