/**
 * The checker for a guest that linux-virtio.yml's modules converted (virtio_nic, virtio_disk,
 * boot_disk): only the intended edits happened. Returns one line per violation ([] = clean):
 *  - every disk is still there (matched by its source, not its target) with the same body; only
 *    its bus (to virtio), target, address, boot order and the fields libvirt allows on the old
 *    bus only changed;
 *  - CD-ROMs and floppies, every other device, and everything outside <devices> but the boot
 *    entries are unchanged (semantically: domain/compare.ts);
 *  - NICs keep their MAC, source and address; a model changes only to virtio;
 *  - only IDE/SATA/SCSI controllers go, and only those no device uses any more;
 *  - the guest boots from the same disk as before (when it booted from a disk).
 */
import { BUS_ONLY_ATTRS, BUS_ONLY_ELEMENTS, Domain, serializeXml } from '../../modules/libvirt/domain/index.js';
import { semanticDiff } from './domain-compare.js';
import type { Disk, XElement } from '../../modules/libvirt/domain/index.js';
import { VIRTIO_NIC_MODELS } from '../../modules/libvirt/virtio-nic.js';

/** A disk without what a bus change may rewrite: bus, target, address, boot order, bus-only fields. */
function diskBody(disk: Disk): string {
  const el = disk.el.clone();
  el.child('target')?.setAttr('bus', undefined).setAttr('dev', undefined);
  el.removeChildren('address');
  el.removeChildren('boot');
  for (const [element, attr] of BUS_ONLY_ATTRS) el.child(element)?.setAttr(attr, undefined);
  for (const [element] of BUS_ONLY_ELEMENTS) el.removeChildren(element);
  return serializeXml(el);
}

/** Each disk's identity across a bus change: its body, numbered when several are identical. */
function diskKeys(dom: Domain): Map<XElement, string> {
  const seen = new Map<string, number>();
  const out = new Map<XElement, string>();
  for (const d of dom.disks()) {
    const body = diskBody(d);
    const n = seen.get(body) ?? 0;
    seen.set(body, n + 1);
    out.set(d.el, `${body}#${n}`);
  }
  return out;
}

/** A short name for a disk in messages. */
const label = (key: string): string => (key.match(/<source [^>]*>/)?.[0] ?? key.slice(0, 80)).replace(/\s+/g, ' ');

/**
 * The domain with what the three modules may change taken out: the disks (compared apart, by
 * body), NIC models, IDE/SATA/SCSI controllers (checked apart), every boot entry; the other
 * controllers sorted (libvirt does not keep the order of controllers sharing a type and index),
 * and the multifunction flag of PCI addresses (libvirt sets it on a slot where it put a moved disk).
 */
function strip(dom: Domain): Domain {
  const d = dom.clone();
  for (const disk of d.disks()) {
    if (disk.device === 'disk') disk.el.remove();
    else disk.bootOrder = undefined;
  }
  for (const nic of d.interfaces()) nic.model = undefined;
  const controllers = d.controllers();
  for (const c of controllers) c.el.remove();
  const keep = controllers.filter((c) => !['ide', 'sata', 'scsi'].includes(c.type ?? '')).sort((a, b) => serializeXml(a.el).localeCompare(serializeXml(b.el)));
  for (const c of keep) d.devicesEl.append(c.el);
  for (const dev of d.devices()) {
    dev.bootOrder = undefined;
    dev.el.child('address')?.setAttr('multifunction', undefined);
  }
  d.osBoot = [];
  return d;
}

export function conversionViolations(beforeXml: string, afterXml: string): string[] {
  const before = Domain.parse(beforeXml);
  const after = Domain.parse(afterXml);
  const out: string[] = [];
  const bk = diskKeys(before);
  const ak = diskKeys(after);
  const byKey = new Map(after.disks().map((disk) => [ak.get(disk.el)!, disk]));
  for (const disk of before.disks()) {
    const key = bk.get(disk.el)!;
    const a = byKey.get(key);
    if (!a) {
      out.push(`${disk.device} ${label(key)} (${disk.target}): gone or changed`);
      continue;
    }
    if (a.bus !== disk.bus && a.bus !== 'virtio') out.push(`disk ${label(key)}: bus ${disk.bus} -> ${a.bus} (only virtio is intended)`);
    if (disk.device !== 'disk' && a.bus !== disk.bus) out.push(`${disk.device} ${label(key)}: moved`);
  }
  if (ak.size !== bk.size) out.push(`disks: ${bk.size} before, ${ak.size} after`);
  const macs = (dom: Domain) => dom.interfaces().map((i) => i.mac ?? '');
  if (macs(before).join() !== macs(after).join()) out.push(`NIC MACs: ${macs(before).join()} -> ${macs(after).join()}`);
  before.interfaces().forEach((nic, i) => {
    const a = after.interfaces()[i];
    if (a && a.model !== nic.model && !VIRTIO_NIC_MODELS.has(a.model ?? '')) out.push(`NIC ${nic.mac}: model ${nic.model} -> ${a.model}`);
  });
  const ctrl = (dom: Domain) => new Map(dom.controllers().map((c) => [`${c.type}:${c.index}`, serializeXml(c.el)]));
  const cb = ctrl(before);
  const ca = ctrl(after);
  const used = after.usedControllers();
  for (const [id, xml] of cb) {
    const type = id.split(':')[0]!;
    if (!ca.has(id)) {
      if (!['ide', 'sata', 'scsi'].includes(type)) out.push(`controller ${id} removed`);
      else if (used.has(id) || used.has(`${type}:*`)) out.push(`controller ${id} removed while a device uses it`);
    } else if (ca.get(id) !== xml && ['ide', 'sata', 'scsi'].includes(type)) out.push(`controller ${id} changed`);
  }
  for (const id of ca.keys()) if (!cb.has(id) && ['ide', 'sata', 'scsi'].includes(id.split(':')[0]!)) out.push(`controller ${id} added`);
  const bootBefore = before.bootDisk();
  if (bootBefore) {
    const want = bk.get(bootBefore.el);
    const got = after.bootDisk();
    if (!got || ak.get(got.el) !== want) out.push(`boots from ${got ? label(ak.get(got.el)!) : 'no disk'}, not ${label(want!)}`);
  }
  out.push(...semanticDiff(strip(before), strip(after)).map((l) => `outside the intended edits: ${l}`));
  return out;
}
