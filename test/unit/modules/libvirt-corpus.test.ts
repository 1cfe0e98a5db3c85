/**
 * linux-virtio.yml's three editing modules, planned guest by guest (no libvirt) on libvirt's own
 * test domains (test/fixtures/libvirt-qemuxml2argv, 603 x86 guests libvirt 9.0 defines): each
 * guest ends converted, unchanged, skipped (with a reason) or failed (with a reason), never an
 * exception; a failed guest goes no further (the engine leaves it out of the later tasks);
 * the conversion touches only what it means to (test/helpers/conversion-check.ts); planning the
 * result again changes nothing. The same corpus runs as one batch on the lab in
 * test/integration/corpus/libvirt-corpus.test.ts.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planGuest, type EditArgs, type EditSpec } from '../../../modules/libvirt/edit-module.js';
import { virtioNicSpec } from '../../../modules/libvirt/virtio-nic.js';
import { virtioDiskSpec } from '../../../modules/libvirt/virtio-disk.js';
import { bootDiskSpec } from '../../../modules/libvirt/boot-disk.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { conversionViolations } from '../../helpers/conversion-check.js';
import { guestFacts } from './plan-helpers.js';

const DIR = join(import.meta.dirname, '../../fixtures/libvirt-qemuxml2argv');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.xml'))
  .sort();

/** linux-virtio.yml's editing tasks, in order, with the playbook's arguments. */
const TASKS: [string, EditSpec<EditArgs>, EditArgs][] = [
  ['virtio_nic', virtioNicSpec as EditSpec<EditArgs>, {}],
  ['virtio_disk', virtioDiskSpec as EditSpec<EditArgs>, { disks: 'all' } as EditArgs],
  ['boot_disk', bootDiskSpec as EditSpec<EditArgs>, { disk: 'vda' } as EditArgs],
];

interface Outcome {
  xml: string;
  changed: string[];
  skipped: string[];
  failed?: string;
}

/** The tasks on one guest as the engine runs them: a failed guest stops, a skipped task is passed. */
function pipeline(name: string, xml: string): Outcome {
  const o: Outcome = { xml, changed: [], skipped: [] };
  for (const [task, spec, args] of TASKS) {
    const p = planGuest(spec, { ...guestFacts(o.xml), name }, args);
    if (p.refuse !== undefined) {
      o.failed = `${task}: ${p.refuse}`;
      return o;
    }
    if (p.skip !== undefined) o.skipped.push(`${task}: ${p.skip}`);
    if (p.changes.length > 0) {
      o.changed.push(...p.changes.map((c) => `${task}: ${c}`));
      o.xml = p.dom!.toXml();
    }
  }
  return o;
}

t.test('the corpus is there', async (t) => {
  t.equal(files.length, 603);
});

const counts = { converted: 0, unchanged: 0, skipped: 0, failed: 0 };
const reasons = new Map<string, number>();

t.test('every guest: converted, unchanged, skipped or failed with a reason; only the intended edits; a second pass plans nothing', async (t) => {
  for (const f of files) {
    const name = `vpc-${f.slice(0, -4)}`;
    const xml = readFileSync(join(DIR, f), 'utf8');
    let o: Outcome;
    try {
      o = pipeline(name, xml);
    } catch (e) {
      t.fail(`${f}: the plan threw ${(e as Error).stack}`);
      continue;
    }
    for (const s of o.skipped) reasons.set(`skipped ${s.replace(/\(.*$/, '')}`, (reasons.get(`skipped ${s.replace(/\(.*$/, '')}`) ?? 0) + 1);
    if (o.failed !== undefined) {
      counts.failed++;
      reasons.set(`failed ${o.failed.slice(0, 90)}`, (reasons.get(`failed ${o.failed.slice(0, 90)}`) ?? 0) + 1);
      t.ok(o.failed.length > 'boot_disk: '.length + 10, `${f}: failed with a reason: ${o.failed}`);
      continue;
    }
    if (o.skipped.length > 0) counts.skipped++;
    if (o.changed.length > 0) counts.converted++;
    else if (o.skipped.length === 0) counts.unchanged++;
    t.same(conversionViolations(xml, o.xml), [], `${f}: only the intended edits`);
    const again = pipeline(name, o.xml);
    t.same([again.failed, again.changed], [undefined, []], `${f}: a second pass plans nothing`);
    if (!o.skipped.some((s) => s.startsWith('boot_disk'))) t.equal(Domain.parse(o.xml).bootDisk()?.target, 'vda', `${f}: boots from vda`);
  }
  t.comment(`outcomes per guest (a guest skipped by one task may be converted by another): ${JSON.stringify(counts)}`);
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1])) t.comment(`${n} x ${r}`);
  t.ok(counts.converted > 300, `most guests convert (${counts.converted})`);
});
