/**
 * Moving a disk to another bus, as virtinst's DeviceDisk.change_bus does it, plus the controller
 * clean-up virt-xml leaves out:
 *  - no-op when the disk is on that bus already;
 *  - the old `<address>` is dropped (a `type='drive'` address is invalid on virtio: libvirt's
 *    "virtio disk cannot have an address of type 'drive'"), libvirt assigns a fresh one;
 *  - a new target name only when the prefix changes (ide hd -> virtio vd; sata -> scsi keeps sdX),
 *    the first free one in order;
 *  - `<boot order>` stays on the disk (it is a child of the disk, never touched);
 *  - fields only some buses accept are dropped when the disk leaves those buses.
 */
import type { Domain } from './domain.js';
import type { Controller, Disk } from './devices.js';
import { nextFreeTarget, targetPrefix } from './targets.js';
import { isBuiltinController } from './machine.js';
import { DomainXmlError } from './errors.js';

/**
 * Disk fields libvirt accepts on some buses only, as [element, attribute, buses]. Each row quotes
 * the message libvirt (9.0, Debian 12) refuses the field with on another bus;
 * test/integration/libvirt/bus-only-fields.test.ts proves every row against the lab's libvirt
 * (accepted on its bus, refused after a bare bus change, accepted after changeBus).
 */
export const BUS_ONLY_ATTRS: readonly [element: string, attr: string, buses: readonly string[]][] = [
  // "removable is only valid for usb disks" (libvirt 9.0's parser; later ones take scsi too)
  ['target', 'removable', ['usb', 'scsi']],
  // "rotation rate is only valid for SCSI/IDE/SATA bus" (qemu_command.c)
  ['target', 'rotation_rate', ['ide', 'sata', 'scsi']],
  // "queues attribute in disk driver element is only supported by virtio-blk" (qemu_validate.c)
  ['driver', 'queues', ['virtio']],
  // libvirt 9.0 does not refuse it elsewhere, but passes it to virtio-blk only: meaningless off virtio
  ['driver', 'queue_size', ['virtio']],
  // "IOThreads not available for bus ide target hda" (qemuValidateDomainDeviceDefDiskIOThreads)
  ['driver', 'iothread', ['virtio']],
  // "CHS translation mode can only be set for 'ide' bus not '...'" (virDomainDiskDefValidate); the
  // geometry itself is valid on other buses (virtio-blk, scsi-hd and ide-hd take cyls/heads/secs)
  ['geometry', 'trans', ['ide']],
];
/** Disk child elements libvirt accepts on some buses only, as [element, buses]. */
export const BUS_ONLY_ELEMENTS: readonly [element: string, buses: readonly string[]][] = [
  // "Only ide and scsi disk support wwn" (virDomainDiskDefValidate)
  ['wwn', ['ide', 'scsi']],
  // "Only scsi disk supports vendor and product" (virDomainDiskDefValidate)
  ['vendor', ['scsi']],
  ['product', ['scsi']],
];

/** Disk buses whose controllers removeUnusedControllers manages. */
const MANAGED_CONTROLLERS = ['ide', 'sata', 'scsi'];

export function changeBus(dom: Domain, disk: Disk, bus: string): boolean {
  if (disk.bus === bus) return false;
  if (bus === 'virtio' && (disk.isCdrom || disk.isFloppy)) {
    throw new DomainXmlError(`a ${disk.device} drive cannot be on the virtio bus (${disk.target ?? 'no target'})`, dom.name);
  }
  const oldPrefix = targetPrefix(disk.bus, disk.device);
  disk.bus = bus;
  disk.address = undefined;
  for (const [element, attr, buses] of BUS_ONLY_ATTRS) {
    if (!buses.includes(bus)) disk.el.child(element)?.setAttr(attr, undefined);
  }
  for (const [element, buses] of BUS_ONLY_ELEMENTS) {
    if (!buses.includes(bus)) disk.el.removeChildren(element);
  }
  const prefix = targetPrefix(bus, disk.device);
  if (prefix !== oldPrefix || !disk.target) {
    const used = dom
      .disks()
      .filter((d) => d.el !== disk.el)
      .map((d) => d.target);
    disk.target = nextFreeTarget(prefix, used);
  }
  return true;
}

/** Controller (type, index) pairs some device uses; `type:*` when a device may use any index. */
export function usedControllers(dom: Domain): Set<string> {
  const used = new Set<string>();
  const mark = (type: string, addr: Record<string, string> | undefined) => {
    if (addr?.type === 'drive') used.add(`${type}:${Number(addr.controller ?? 0)}`);
    else used.add(`${type}:*`); // libvirt picks the controller itself: any of them may be it
  };
  for (const d of dom.disks()) {
    const bus = d.bus;
    if (bus && MANAGED_CONTROLLERS.includes(bus)) mark(bus, d.address);
    if (bus === 'fdc' || (!bus && d.isFloppy)) mark('fdc', d.address);
  }
  for (const h of dom.devices('hostdev')) {
    const t = h.el.attr('type');
    if (t === 'scsi' || h.address?.type === 'drive') mark('scsi', h.address);
  }
  return used;
}

/**
 * Remove IDE, SATA and SCSI controllers that no disk or host device uses anymore, except the
 * machine's built-in one (IDE 0 on i440fx, SATA 0 on q35): libvirt lists those always and adds
 * them back on define, so removing them would only make every plan show a phantom change.
 * Returns the removed controllers.
 */
export function removeUnusedControllers(dom: Domain): Controller[] {
  const used = usedControllers(dom);
  const family = dom.machineFamily;
  const removed: Controller[] = [];
  for (const c of dom.controllers()) {
    const type = c.type;
    if (!type || !MANAGED_CONTROLLERS.includes(type)) continue;
    if (isBuiltinController(family, type, c.index)) continue;
    if (used.has(`${type}:${c.index}`) || used.has(`${type}:*`)) continue;
    c.el.remove();
    removed.push(c);
  }
  return removed;
}
