/**
 * The Windows guard of virtio_disk and boot_disk on the real lab (lab2), through
 * playbooks/linux-virtio.yml and the CLI: the host's Windows-labelled guest (win05, libosinfo
 * win2k8r2) is refused in the same task that converts its Linux-labelled guests (deb01..deb04),
 * under --check, --diff and for real (exit 2, the reason per guest, no diff and no define for it;
 * the guest fails alone: boot_disk leaves it out and runs for the others, the recap lists it);
 * the playbook runs with --tags disk (its NIC task, which refuses win05 first for NetKVM, is
 * linux-virtio.test.ts's);
 * a Windows-labelled guest whose bootstrap metadata says phase=installed converts; a guest whose
 * definition names no OS converts with a warning saying so; -e driver_ready=true converts win05.
 */
import t from 'tap';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { BOOTSTRAP_NS } from '../../../modules/libvirt/bootstrap-metadata.js';
import { guestXml, labLinuxGuests, originalGuestXml, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { changeLines, LAB_INVENTORY, LINUX_VIRTIO, parseJson, virtplay, type HostOut, type RunJson } from './cli.js';

const HOST = 'lab2';
const DISK_TASK = 'disks on the virtio bus (boot disk becomes vda)';
const BOOT_TASK = 'boot from vda';
const WIN = 'win05';
const NOOS = 'vpguard-noos';
const WIN_INSTALLED = 'vpguard-win-installed';
const REFUSAL =
  'Windows guest (libosinfo win2k8r2) without evidence that its virtio storage driver (viostor) is installed: moving its boot disk to virtio would leave it unbootable (INACCESSIBLE_BOOT_DEVICE). Use playbooks/windows-virtio.yml (virtio_bootstrap), or set driver_ready: true if you installed the driver yourself';
const WARNING = `${NOOS}: its OS was not checked (no libosinfo id in its definition)`;

/** A new guest of lab2 made from one of its lab guests' original XML: new name, UUID, MACs, disk path. */
async function defineFrom(base: string, name: string, edit: (d: Domain) => void): Promise<void> {
  const dom = Domain.parse(originalGuestXml(HOST, base));
  dom.name = name;
  dom.root.child('uuid')?.remove();
  for (const i of dom.interfaces()) i.el.child('mac')?.remove();
  for (const d of dom.disks()) if (d.sourcePath) d.setSourceFile(`/nonexistent/${name}.qcow2`);
  edit(dom);
  const r = await virshAs(HOST, ['define', '/dev/stdin'], dom.toXml());
  if (r.code !== 0) throw new Error(`virsh define ${name}: ${r.stderr}`);
}

const all = (): string[] => [...labLinuxGuests(), WIN, NOOS, WIN_INSTALLED];
const run = (extra: string[] = []) =>
  virtplay([LINUX_VIRTIO, '-i', LAB_INVENTORY, '-l', HOST, '--tags', 'disk', '-e', JSON.stringify({ guests: all() }), ...extra]);
const hostOf = (doc: RunJson, task: string): HostOut | undefined => doc.plays[0]!.tasks.find((x) => x.task.name === task)?.hosts[HOST];
const changed = (h: HostOut | undefined) =>
  (h?.guests ?? [])
    .filter((g) => g.changed)
    .map((g) => g.guest)
    .sort();
const refused = (h: HostOut | undefined) => (h?.guests ?? []).filter((g) => g.failed).map((g) => [g.guest, g.msg]);
const warnings = (doc: RunJson) => (doc as unknown as { virtplay: { warnings: { msg: string; host?: string }[] } }).virtplay.warnings ?? [];

async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const g of all()) out.set(g, await guestXml(HOST, g));
  return out;
}

t.before(async () => {
  const lab = await useLab(t, { restoreAfter: true });
  lab.cleanup(async () => {
    for (const g of [NOOS, WIN_INSTALLED]) await virshAs(HOST, ['undefine', g]);
  });
  // deb01's hardware without the libosinfo metadata: nothing says which OS it runs.
  await defineFrom('deb01', NOOS, (d) => void d.root.child('metadata')?.remove());
  // win05's definition (libosinfo win2k8r2) with the bootstrap's record that viostor is in.
  await defineFrom(WIN, WIN_INSTALLED, (d) => void d.setMetadataAttrs({ phase: 'installed', os: 'mswindows' }, BOOTSTRAP_NS, 'vpboot', 'bootstrap'));
});

t.test('--check --diff: win05 refused, the others planned, nothing written', async (t) => {
  const before = await snapshot();
  const r = await run(['--check', '--diff', '--json']);
  t.equal(r.code, 2, 'exit 2: a guest failed on lab2');
  const doc = parseJson(r);
  const disk = hostOf(doc, DISK_TASK);
  t.not(disk?.failed, true, 'the task does not fail the host');
  t.same(changed(disk), [...labLinuxGuests(), WIN_INSTALLED, NOOS].sort(), 'the Linux-labelled, the installed and the unknown guests would change');
  t.same(refused(disk), [[WIN, REFUSAL]], 'win05 alone refused, with the reason');
  const headers = (disk?.diff ?? []).map((d) => d.after_header);
  t.same(
    headers.sort(),
    [...labLinuxGuests(), NOOS, WIN_INSTALLED].map((g) => `${HOST}: ${g} (planned)`).sort(),
    '--diff: a diff for each converted guest, none for win05',
  );
  t.match(disk?.msg, new RegExp(`^6 of 7 guest\\(s\\) would change, 1 failed: ${WIN}: Windows guest \\(libosinfo win2k8r2\\)`));
  t.same(
    warnings(doc)
      .filter((w) => w.msg.startsWith(`${NOOS}:`))
      .map((w) => [w.host, w.msg.slice(0, WARNING.length)]),
    [[HOST, WARNING]],
    'the unknown-OS guest: one warning, naming why',
  );
  const boot = hostOf(doc, BOOT_TASK);
  t.same(
    (boot?.guests ?? []).map((g) => g.guest).sort(),
    [...labLinuxGuests(), NOOS, WIN_INSTALLED].sort(),
    'boot_disk runs for every guest but the refused one, which the engine left out (on the predicted XML)',
  );
  t.same(changed(boot), [], 'boot from vda: nothing more to do once hda became vda');
  t.same(doc.virtplay.failed_guests[HOST], [{ guest: WIN, task: DISK_TASK, msg: REFUSAL }], '--json failed_guests: the guest, the task, the reason');
  t.match(doc.stats[HOST], { failures: 0 }, 'the host did not fail');
  t.same(await snapshot(), before, 'check mode wrote nothing');

  // The plain output a person reads: the refusal per guest, the warning, and no win05 diff.
  const plain = await run(['--check', '--diff']);
  t.equal(plain.code, 2);
  t.match(plain.stdout, `${WIN}: FAILED - ${REFUSAL}`, 'plain: the refusal with the guest name');
  t.match(plain.stdout + plain.stderr, `[WARNING]: [${HOST}] ${WARNING}`, 'plain: the warning');
  t.notMatch(plain.stdout, new RegExp(`\\+\\+\\+ ${HOST}: ${WIN} \\(planned\\)[\\s\\S]*hda`), 'plain: no disk diff for win05');
  t.match(
    plain.stdout,
    /PLAY RECAP[\s\S]*lab2\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0\s+skipped=\d+\s+rescued=0\s+ignored=0/,
    'recap: the host did not fail',
  );
  t.match(
    plain.stdout,
    `Failed guests (left out of the later tasks; the other guests went on):\nlab2                       : ${WIN} (task '${DISK_TASK}'): ${REFUSAL}`,
    'recap: the failed guest, its task and why',
  );
});

t.test('the real run: the same refusal; the others converted in the same task; a re-run changes nothing', async (t) => {
  const before = await snapshot();
  const r = await run(['--json']);
  t.equal(r.code, 2, 'exit 2');
  const doc = parseJson(r);
  const disk = hostOf(doc, DISK_TASK);
  t.same(refused(disk), [[WIN, REFUSAL]]);
  t.same(changed(disk), [...labLinuxGuests(), WIN_INSTALLED, NOOS].sort());
  t.ok(
    warnings(doc).some((w) => w.msg.startsWith(WARNING)),
    'the warning again',
  );
  const after = await snapshot();
  for (const g of [...labLinuxGuests(), NOOS, WIN_INSTALLED]) {
    const dom = Domain.parse(after.get(g)!);
    t.equal(dom.bootDisk()?.target, 'vda', `${g}: boots from vda`);
    t.ok(
      dom
        .disks()
        .filter((d) => d.device === 'disk')
        .every((d) => d.bus === 'virtio'),
      `${g}: disks on virtio`,
    );
  }
  const w = Domain.parse(after.get(WIN)!);
  const w0 = Domain.parse(before.get(WIN)!);
  t.same(
    w.disks().map((d) => [d.device, d.bus, d.target]),
    w0.disks().map((d) => [d.device, d.bus, d.target]),
    'win05: disks untouched (IDE hda)',
  );
  t.same(
    w.interfaces().map((i) => i.model),
    w0.interfaces().map((i) => i.model),
    'win05: its NICs untouched (the NIC task is not in --tags disk)',
  );
  t.equal(Domain.parse(after.get(WIN_INSTALLED)!).getMetadataAttrs(BOOTSTRAP_NS)?.phase, 'installed', "the bootstrap's record kept");

  const again = await run(['--json']);
  t.equal(again.code, 2, 're-run: win05 refused again');
  const doc2 = parseJson(again);
  t.equal(doc2.stats[HOST]?.changed, 0, 'changed=0');
  t.ok(
    [...changeLines(doc2).values()].every((l) => l.length === 0),
    'no guest reports a change',
  );
  t.same(refused(hostOf(doc2, DISK_TASK)), [[WIN, REFUSAL]]);
  t.same(await snapshot(), after, 'nothing written');
});

t.test('driver_ready: true converts the Windows-labelled guest', async (t) => {
  const r = await run(['--json', '-e', 'driver_ready=true']);
  t.equal(r.code, 0, r.stderr);
  const doc = parseJson(r);
  t.same(changed(hostOf(doc, DISK_TASK)), [WIN]);
  t.same(refused(hostOf(doc, DISK_TASK)), []);
  t.same(changed(hostOf(doc, BOOT_TASK)), [], 'boot from vda: nothing more to do');
  const dom = Domain.parse(await guestXml(HOST, WIN));
  t.equal(dom.bootDisk()?.target, 'vda');
  t.equal(dom.findDisk('vda')?.bus, 'virtio');
  const again = await run(['--json']);
  t.equal(again.code, 0, 'and without driver_ready nothing is left to refuse: the guard judges changes only');
  t.equal(parseJson(again).stats[HOST]?.changed, 0);
});
