/**
 * libvirt's own test domains (test/fixtures/libvirt-qemuxml2argv: the 603 x86 guests of libvirt
 * 9.0's tests/qemuxml2argvdata that this libvirt defines) on one lab host, beside its own guests,
 * and playbooks/linux-virtio.yml over all of them in ONE batch, through the CLI:
 *  - every guest ends converted, unchanged, skipped (with a reason) or failed (with a reason); the
 *    host never fails; a failed guest is left out of the later tasks, the others get every task;
 *  - a converted guest's definition, as libvirt reads it back, shows only the intended edits
 *    (test/helpers/conversion-check.ts) and boots from vda; a failed guest's is byte-identical;
 *  - a second run changes nothing, with the same failed guests;
 *  - a sample of them (every 25th, and the Windows-labelled ones), put back and converted one run
 *    per guest, ends exactly as the batch left it, with the same outcome.
 * The counts per outcome and the wall times of both runs are printed (t.comment) for the notes.
 * The corpus guests are this file's own (lc-*), defined and removed under the exclusive lab lock.
 */
import t from 'tap';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { conversionViolations } from '../../helpers/conversion-check.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { LAB_INVENTORY, LINUX_VIRTIO, ROOT, parseJson, virtplay, type RunJson } from '../modules/cli.js';

const HOST = 'lab4';
const PREFIX = 'lc-';
const DIR = join(ROOT, 'test/fixtures/libvirt-qemuxml2argv');
const NIC_TASK = 'NIC model virtio';
const DISK_TASK = 'disks on the virtio bus (boot disk becomes vda)';
const BOOT_TASK = 'boot from vda';

/** Several virsh commands in one virsh process (it goes on after a failed one). */
async function virshBatch(commands: string[]): Promise<string> {
  const r = await virshAs(HOST, [commands.join(' ; ')]);
  return r.stdout;
}

async function corpusNames(): Promise<string[]> {
  const r = await virshAs(HOST, ['list', '--all', '--name']);
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.startsWith(PREFIX))
    .sort();
}

async function removeAll(): Promise<void> {
  const names = await corpusNames();
  for (let i = 0; i < names.length; i += 200) await virshBatch(names.slice(i, i + 200).map((n) => `undefine ${n}`));
}

/** Every corpus guest's inactive definition, by name (one virsh process per 200 guests). */
async function snapshot(names: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < names.length; i += 200) {
    const part = names.slice(i, i + 200);
    const docs = (await virshBatch(part.map((n) => `dumpxml --inactive ${n}`)))
      .split(/(?<=<\/domain>)\n/)
      .map((x) => x.trim())
      .filter(Boolean);
    for (const xml of docs) out.set(Domain.parse(xml).name!, `${xml}\n`);
  }
  return out;
}

interface Outcome {
  changed: boolean;
  failed?: string;
  skipped: string[];
}

function outcomes(doc: RunJson, names: string[]): Map<string, Outcome> {
  const out = new Map(names.map((n) => [n, { changed: false, skipped: [] } as Outcome]));
  for (const task of doc.plays[0]!.tasks) {
    if (task.task.module === 'device_names_check') continue; // read-only: its guests report checks, not outcomes
    for (const g of task.hosts[HOST]?.guests ?? []) {
      const o = out.get(g.guest);
      if (!o) continue;
      if (g.changed) o.changed = true;
      if (g.failed) o.failed = `${task.task.name}: ${g.msg}`;
      if (g.skipped) o.skipped.push(`${task.task.name}: ${g.msg}`);
    }
  }
  return out;
}

const guestsOf = (doc: RunJson, task: string): string[] =>
  (doc.plays[0]!.tasks.find((x) => x.task.name === task)?.hosts[HOST]?.guests ?? [])
    .map((g) => g.guest)
    .filter((g) => g.startsWith(PREFIX))
    .sort();

t.test("linux-virtio.yml on libvirt's 603 test domains (and two Windows-labelled guests) in one batch on one host", async (t) => {
  // Only this file's own guests (lc-*): the lab's are not read, so no reset.
  const lab = await useLab(t, { fresh: false });
  lab.cleanup(removeAll);
  await removeAll(); // a leftover of an interrupted run

  // The fixtures, renamed lc-<file> without their shared UUID (nor the SMBIOS copy of it, which
  // libvirt would take as the guest's), defined in one virsh process per 200.
  const tmp = mkdtempSync(join(tmpdir(), 'vp-corpus-'));
  chmodSync(tmp, 0o755);
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.xml'))
    .sort();
  t.equal(files.length, 603, 'the corpus');
  const defines: string[] = [];
  for (const f of files) {
    const xml = readFileSync(join(DIR, f), 'utf8')
      .replace(/<name>[^<]*<\/name>/, `<name>${PREFIX}${f.slice(0, -4)}</name>`)
      .replace(/<uuid>[^<]*<\/uuid>\s*/, '')
      .replace(/<entry name='uuid'>[^<]*<\/entry>\s*/, '');
    const path = join(tmp, f);
    writeFileSync(path, xml, { mode: 0o644 });
    defines.push(`define ${path}`);
  }
  // Two of them labelled Windows (libosinfo win2k8r2), so that guests fail in the batch: one with a
  // NIC (refused by the NIC task: NetKVM), one without (the NIC task skips it, the disk task
  // refuses it: viostor). Both must be left out of the later tasks, the 601 others go on.
  const WIN = `<metadata><libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="http://microsoft.com/win/2k8r2"/></libosinfo:libosinfo></metadata>`;
  const windows: [name: string, from: string, task: string][] = [
    [`${PREFIX}zz-windows-nic`, 'net-eth.xml', NIC_TASK],
    [`${PREFIX}zz-windows-no-nic`, 'balloon-device.xml', DISK_TASK],
  ];
  for (const [name, from] of windows) {
    const xml = readFileSync(join(DIR, from), 'utf8')
      .replace(/<name>[^<]*<\/name>/, `<name>${name}</name>${WIN}`)
      .replace(/<uuid>[^<]*<\/uuid>\s*/, '');
    const path = join(tmp, `${name}.xml`);
    writeFileSync(path, xml, { mode: 0o644 });
    defines.push(`define ${path}`);
  }
  const expected = [...files.map((f) => `${PREFIX}${f.slice(0, -4)}`), ...windows.map(([n]) => n)].sort();
  const started = Date.now();
  for (let i = 0; i < defines.length; i += 200) await virshBatch(defines.slice(i, i + 200));
  const names = await corpusNames();
  t.comment(`defined ${names.length} corpus guests on ${HOST} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const missing = expected.filter((n) => !names.includes(n));
  t.same(missing, [], 'the lab libvirt defines every corpus domain');
  // libvirt's own round trip first: defining its dumpxml again is not always a no-op (it renumbers
  // a second virtio console's port once, reorders USB companion controllers); what virtplay's
  // define then shows beyond that is virtplay's.
  const settled = await snapshot(names);
  const redefine: string[] = [];
  for (const [n, xml] of settled) {
    const path = join(tmp, `${n}.settle.xml`);
    writeFileSync(path, xml, { mode: 0o644 });
    redefine.push(`define ${path}`);
  }
  for (let i = 0; i < redefine.length; i += 200) await virshBatch(redefine.slice(i, i + 200));
  const before = await snapshot(names);
  t.equal(before.size, names.length, 'every definition read');

  // First run: one batch.
  const args = [LINUX_VIRTIO, '-i', LAB_INVENTORY, '-l', HOST, '-e', `guests=${PREFIX}*`, '--json'];
  const t0 = Date.now();
  const first = await virtplay(args);
  const firstSec = (Date.now() - t0) / 1000;
  const doc = parseJson(first);
  const failedList = doc.virtplay.failed_guests[HOST] ?? [];
  t.equal(
    first.code,
    failedList.length > 0 ? 2 : 0,
    `exit ${failedList.length > 0 ? 2 : 0} (${failedList.length} failed guests): ${first.stderr.slice(0, 500)}`,
  );
  t.equal(doc.stats[HOST]?.failures, 0, 'the host did not fail');
  const o = outcomes(doc, names);
  t.same(guestsOf(doc, NIC_TASK), names, 'the first task reports every corpus guest (nothing lost)');
  const failed = new Set(failedList.map((g) => g.guest));
  const rest = names.filter((n) => !failed.has(n));
  t.same(guestsOf(doc, BOOT_TASK), rest, 'the last task ran for every guest that did not fail');
  t.same(
    failedList.map((g) => [g.guest, g.task]).sort(),
    windows.map(([n, , task]) => [n, task]).sort(),
    'the Windows-labelled guests failed, each in its task, and no other guest',
  );
  for (const g of failedList)
    t.match(g.msg, /^Windows guest \(libosinfo win2k8r2\) without evidence that its virtio (network|storage) driver/, `${g.guest}: the reason`);
  t.ok(guestsOf(doc, DISK_TASK).includes(`${PREFIX}zz-windows-no-nic`), 'the guest the NIC task skipped reached the disk task');
  const after = await snapshot(names);
  const counts = { converted: 0, unchanged: 0, skippedSomewhere: 0, failed: failed.size };
  const reasons = new Map<string, number>();
  for (const n of names) {
    const x = o.get(n)!;
    if (x.failed) {
      t.equal(after.get(n), before.get(n), `${n}: failed, its definition byte-identical`);
      continue;
    }
    if (x.changed) counts.converted++;
    else counts.unchanged++;
    if (x.skipped.length > 0) counts.skippedSomewhere++;
    for (const s of x.skipped) reasons.set(s.replace(/ \(.*$/, ''), (reasons.get(s.replace(/ \(.*$/, '')) ?? 0) + 1);
    t.same(conversionViolations(before.get(n)!, after.get(n)!), [], `${n}: only the intended edits`);
    if (!x.skipped.some((s) => s.startsWith(BOOT_TASK))) t.equal(Domain.parse(after.get(n)!).bootDisk()?.target, 'vda', `${n}: boots from vda`);
  }
  t.comment(`first run: ${firstSec.toFixed(1)} s wall for ${names.length} guests; outcomes ${JSON.stringify(counts)}`);
  for (const [r, k] of [...reasons].sort((a, b) => b[1] - a[1])) t.comment(`  ${k} x skipped by ${r}`);
  t.ok(counts.converted > 300, `most guests converted (${counts.converted})`);
  t.same(
    guestsOf(doc, DISK_TASK),
    names.filter((n) => n !== `${PREFIX}zz-windows-nic`),
    'the disk task: every guest but the one the NIC task failed',
  );

  // Second run: nothing to change, the same failed guests.
  const t1 = Date.now();
  const second = await virtplay(args);
  const secondSec = (Date.now() - t1) / 1000;
  const doc2 = parseJson(second);
  t.equal(second.code, first.code, 'the same exit code');
  t.equal(doc2.stats[HOST]?.changed, 0, 'changed=0');
  t.same((doc2.virtplay.failed_guests[HOST] ?? []).map((g) => g.guest).sort(), [...failed].sort(), 'the same failed guests');
  t.same(await snapshot(names), after, 'nothing written');
  t.comment(`second run: ${secondSec.toFixed(1)} s wall; transport ${JSON.stringify(doc2.virtplay.transport[HOST])}`);

  // Per guest: a sample (every 25th guest and the two Windows-labelled ones) put back as it was
  // and converted alone, one run each: the same definition as the batch left, the same outcome.
  const sample = [...names.filter((_, i) => i % 25 === 0), ...windows.map(([n]) => n)].filter((n, i, a) => a.indexOf(n) === i);
  const restore = sample.map((n) => {
    const path = join(tmp, `${n}.before.xml`);
    writeFileSync(path, before.get(n)!, { mode: 0o644 });
    return `define ${path}`;
  });
  await virshBatch(restore);
  const t2 = Date.now();
  for (const n of sample) {
    const alone = await virtplay([LINUX_VIRTIO, '-i', LAB_INVENTORY, '-l', HOST, '-e', `guests=${n}`, '--json']);
    t.equal(alone.code, failed.has(n) ? 2 : 0, `${n} alone: exit ${failed.has(n) ? 2 : 0}`);
    t.same(
      parseJson(alone).virtplay.failed_guests[HOST]?.map((g) => g.task) ?? [],
      failedList.filter((g) => g.guest === n).map((g) => g.task),
      `${n} alone: the same failure, if any`,
    );
  }
  const perGuestSec = (Date.now() - t2) / 1000;
  const alone = await snapshot(sample);
  for (const n of sample) t.equal(alone.get(n), after.get(n), `${n} alone: the definition the batch left`);
  t.comment(`per guest: ${sample.length} guests converted one run each in ${perGuestSec.toFixed(1)} s (${(perGuestSec / sample.length).toFixed(2)} s a run)`);
});
