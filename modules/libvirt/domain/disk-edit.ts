/**
 * Adding, removing and changing media of disks and drives. New elements follow libvirt's own
 * child order (driver, source, target, readonly, serial, boot) and get the first free target
 * name of their bus when none is given.
 */
import type { Domain } from './domain.js';
import { Disk } from './devices.js';
import type { DiskDevice } from './devices.js';
import { XElement } from './xml-node.js';
import { nextFreeTarget, targetPrefix } from './targets.js';
import { defaultCdromBus } from './machine.js';

export interface NewDisk {
  device?: DiskDevice;
  bus: string;
  /** Target name; the first free one of the bus's prefix when omitted. */
  target?: string;
  /** `@type` of the disk: 'file' (default) or 'block'. */
  type?: 'file' | 'block';
  /** Path of the file or block device; omitted for an empty drive. */
  source?: string;
  driver?: { name?: string; type?: string; cache?: string };
  readonly?: boolean;
  serial?: string;
  bootOrder?: number;
}

export interface NewCdrom {
  /** ISO path; omitted for an empty drive. */
  file?: string;
  /** Bus; IDE on i440fx, SATA on q35 when omitted. */
  bus?: string;
  target?: string;
  bootOrder?: number;
}

export function addDisk(dom: Domain, spec: NewDisk): Disk {
  const device = spec.device ?? 'disk';
  const type = spec.type ?? 'file';
  const el = new XElement('disk', { type, device });
  if (spec.driver && Object.keys(spec.driver).length > 0) {
    const drv = new XElement('driver');
    for (const [k, v] of Object.entries(spec.driver)) if (v !== undefined) drv.setAttr(k, v);
    el.append(drv);
  }
  if (spec.source !== undefined) el.append(new XElement('source', { [type === 'block' ? 'dev' : 'file']: spec.source }));
  const target =
    spec.target ??
    nextFreeTarget(
      targetPrefix(spec.bus, device),
      dom.disks().map((d) => d.target),
    );
  el.append(new XElement('target', { dev: target, bus: spec.bus }));
  if (spec.readonly) el.append(new XElement('readonly'));
  if (spec.serial !== undefined) el.append(new XElement('serial')).text = spec.serial;
  if (spec.bootOrder !== undefined) el.append(new XElement('boot', { order: String(spec.bootOrder) }));
  dom.insertDevice(el);
  return new Disk(el);
}

/** A read-only CD-ROM drive, with a raw ISO in it when `file` is given. */
export function addCdrom(dom: Domain, spec: NewCdrom): Disk {
  return addDisk(dom, {
    device: 'cdrom',
    bus: spec.bus ?? defaultCdromBus(dom.machineFamily),
    ...(spec.target !== undefined ? { target: spec.target } : {}),
    ...(spec.file !== undefined ? { source: spec.file, driver: { name: 'qemu', type: 'raw' } } : {}),
    readonly: true,
    ...(spec.bootOrder !== undefined ? { bootOrder: spec.bootOrder } : {}),
  });
}

export function insertMedium(drive: Disk, file: string): boolean {
  if (drive.type === 'file' && drive.sourceFile === file && drive.el.elements('source').length === 1) return false;
  drive.setSourceFile(file);
  if (!drive.el.child('driver')) drive.el.insertBefore(new XElement('driver', { name: 'qemu', type: 'raw' }), drive.el.children[0]);
  if (drive.isCdrom) drive.readonly = true;
  return true;
}

export function eject(drive: Disk): boolean {
  if (!drive.el.child('source')) return false;
  drive.clearSource();
  return true;
}
