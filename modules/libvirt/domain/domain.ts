/**
 * The libvirt domain XML as an object model: typed fields bound to XML paths, device views, and
 * short verbs (changeBus, removeUnusedControllers, addDisk, insertMedium, eject, setInterfaceModel).
 * Everything the model does not manage stays in the tree untouched and in order. The verbs are the
 * one editing API: change-bus.ts, disk-edit.ts and metadata.ts hold their bodies and are not
 * exported from index.ts.
 */
import { XDocument, XElement } from './xml-node.js';
import { parseXml, serializeXml } from './xml-io.js';
import { xstr } from './xml-path.js';
import { defineFields, ro, rw, type FieldValues } from './fields.js';
import { Controller, Device, Disk, Interface } from './devices.js';
import { machineFamily } from './machine.js';
import type { MachineFamily } from './machine.js';
import { DomainXmlError } from './errors.js';
import * as md from './metadata.js';
import { changeBus, removeUnusedControllers, usedControllers } from './change-bus.js';
import { addCdrom, addDisk, eject, insertMedium } from './disk-edit.js';
import type { NewCdrom, NewDisk } from './disk-edit.js';

/** The domain's own fields, each declared once (fields.ts): accessors of the same names on Domain. */
const DOMAIN_FIELDS = {
  /** `domain/@type`: qemu, kvm, ... */
  type: rw(xstr('@type')),
  name: rw(xstr('name')),
  uuid: ro(xstr('uuid')),
  title: ro(xstr('title')),
  description: ro(xstr('description')),
  /** `os/type/@machine`: 'pc', 'pc-i440fx-7.2', 'q35', 'pc-q35-7.2', ... */
  machine: rw(xstr('os/type/@machine')),
  arch: ro(xstr('os/type/@arch')),
  /** `os/type` text: hvm, linux (xen pv), exe. */
  osType: ro(xstr('os/type')),
};

const OS_BEFORE_BOOT = ['type', 'firmware', 'loader', 'nvram', 'kernel', 'initrd', 'cmdline', 'dtb'];

/** libvirt's order of device kinds inside `<devices>` (domain_conf.c's formatter). */
export const DEVICE_ORDER = [
  'emulator',
  'disk',
  'controller',
  'lease',
  'filesystem',
  'interface',
  'smartcard',
  'serial',
  'parallel',
  'console',
  'channel',
  'input',
  'tpm',
  'graphics',
  'sound',
  'audio',
  'video',
  'hostdev',
  'redirdev',
  'redirfilter',
  'hub',
  'watchdog',
  'memballoon',
  'rng',
  'panic',
  'shmem',
  'memory',
  'iommu',
  'vsock',
  'crypto',
];

// The class's type gets the declared fields by this merged interface; defineFields (below the class) adds them.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Domain extends FieldValues<typeof DOMAIN_FIELDS> {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Domain {
  private constructor(readonly doc: XDocument) {
    if (doc.root.name !== 'domain') {
      throw new DomainXmlError(`expected a <domain> document, found <${doc.root.name}>`);
    }
  }

  /**
   * Parse libvirt domain XML; malformed XML or another root element throws DomainXmlError.
   * `validate: false` skips the well-formedness pass (about a third of the time) for XML that
   * libvirt itself printed (virsh dumpxml); the parser still fails on what it cannot read.
   */
  static parse(xml: string, opts: { validate?: boolean } = {}): Domain {
    return new Domain(parseXml(xml, opts));
  }

  /** Pretty-printed XML (two-space indent), everything unmanaged kept in order. */
  toXml(): string {
    return serializeXml(this.doc);
  }

  clone(): Domain {
    return new Domain(this.doc.clone());
  }

  get root(): XElement {
    return this.doc.root;
  }

  /** The root element: what the declared fields read and write. */
  get el(): XElement {
    return this.doc.root;
  }

  get machineFamily(): MachineFamily {
    return machineFamily(this.machine);
  }

  /** `<os><boot dev=.../>` entries in order: 'hd', 'cdrom', 'network', 'fd'. */
  get osBoot(): string[] {
    const os = this.root.child('os');
    return os ? os.elements('boot').map((b) => b.attr('dev') ?? '') : [];
  }

  /** Replace the `<os><boot>` entries (an empty list removes them), placed after `<os><type>`. */
  set osBoot(devs: string[]) {
    const os = this.root.child('os') ?? this.root.append(new XElement('os'));
    const existing = os.elements('boot');
    const fresh = devs.map((d) => new XElement('boot', { dev: d }));
    const first = existing[0];
    if (first) {
      for (const b of fresh) os.insertBefore(b, first);
    } else {
      // libvirt's order: type, loader, nvram, kernel, initrd, cmdline, dtb, then boot entries
      let anchor = os
        .elements()
        .filter((e) => OS_BEFORE_BOOT.includes(e.name))
        .pop();
      for (const b of fresh) {
        if (anchor) anchor = os.insertAfter(b, anchor);
        else anchor = os.insertBefore(b, os.children[0]);
      }
    }
    for (const b of existing) b.remove();
  }

  /** True when some device carries a per-device `<boot order>` (libvirt then forbids `<os><boot>`). */
  usesDeviceBootOrder(): boolean {
    return this.devices().some((d) => d.bootOrder !== undefined);
  }

  /**
   * The disk the guest boots from: the one with the lowest per-device boot order when any device
   * has one (undefined if that device is not a disk); otherwise, when `<os><boot>` lists 'hd' or
   * lists nothing (libvirt's default), the first disk with device='disk' (libvirt gives it the
   * boot index of 'hd').
   */
  bootDisk(): Disk | undefined {
    if (this.usesDeviceBootOrder()) {
      const ordered = this.devices().filter((d) => d.bootOrder !== undefined);
      ordered.sort((a, b) => (a.bootOrder ?? 0) - (b.bootOrder ?? 0));
      const firstDisk = ordered.find((d) => d instanceof Disk && d.device === 'disk');
      return firstDisk as Disk | undefined;
    }
    const boot = this.osBoot;
    if (boot.length > 0 && !boot.includes('hd')) return undefined;
    return this.disks().find((d) => d.device === 'disk');
  }

  // --- devices ------------------------------------------------------------------------------
  /** The `<devices>` element (created when missing). */
  get devicesEl(): XElement {
    return this.root.child('devices') ?? this.root.append(new XElement('devices'));
  }

  /** Every device (or those of one kind: 'disk', 'channel', ...), typed views where the model has one. */
  devices(kind?: string): Device[] {
    const devs = this.root.child('devices');
    if (!devs) return [];
    return devs
      .elements(kind)
      .filter((e) => e.name !== 'emulator')
      .map(wrapDevice);
  }

  disks(): Disk[] {
    return this.devices('disk') as Disk[];
  }
  interfaces(): Interface[] {
    return this.devices('interface') as Interface[];
  }
  controllers(type?: string): Controller[] {
    const all = this.devices('controller') as Controller[];
    return type === undefined ? all : all.filter((c) => c.type === type);
  }

  findDisk(target: string): Disk | undefined {
    return this.disks().find((d) => d.target === target);
  }
  findInterface(mac: string): Interface | undefined {
    const m = mac.toLowerCase();
    return this.interfaces().find((i) => i.mac?.toLowerCase() === m);
  }

  /** Insert a device element after the last of its kind, else where libvirt's order puts it. */
  insertDevice(el: XElement): XElement {
    const devs = this.devicesEl;
    const rank = (n: string) => {
      const i = DEVICE_ORDER.indexOf(n);
      return i < 0 ? DEVICE_ORDER.length : i;
    };
    const mine = rank(el.name);
    let anchor: XElement | undefined;
    for (const e of devs.elements()) if (rank(e.name) <= mine) anchor = e;
    if (anchor) return devs.insertAfter(el, anchor);
    return devs.insertBefore(el, devs.children[0]);
  }

  // --- verbs (see change-bus.ts and disk-edit.ts) --------------------------------------------
  /** Move a disk to another bus, virtinst-style; false when it is on that bus already. */
  changeBus(disk: Disk, bus: string): boolean {
    return changeBus(this, disk, bus);
  }
  /** Remove IDE/SATA/SCSI controllers no device uses (never the machine's built-in one). */
  removeUnusedControllers(): Controller[] {
    return removeUnusedControllers(this);
  }
  /** Controller (type, index) pairs some device uses; `type:*` when a device may use any index. */
  usedControllers(): Set<string> {
    return usedControllers(this);
  }
  addDisk(spec: NewDisk): Disk {
    return addDisk(this, spec);
  }
  addCdrom(spec: NewCdrom = {}): Disk {
    return addCdrom(this, spec);
  }
  removeDisk(disk: Disk): void {
    disk.el.remove();
  }
  /** Put a medium (ISO) into a CD-ROM or floppy drive; false when that file is in already. */
  insertMedium(drive: Disk, file: string): boolean {
    return insertMedium(drive, file);
  }
  /** Remove the medium, keeping the drive; false when it was empty. */
  eject(drive: Disk): boolean {
    return eject(drive);
  }

  /**
   * Change a NIC's model keeping its MAC and its address (a PCI address valid for e1000/rtl8139
   * is valid for virtio-net too); false when it has that model already.
   */
  setInterfaceModel(iface: Interface, model: string): boolean {
    if (iface.model === model) return false;
    iface.model = model;
    return true;
  }

  // --- metadata -----------------------------------------------------------------------------
  metadataElement(ns: string): XElement | undefined {
    return md.findMetadata(this.root, ns);
  }
  getMetadataAttrs(ns: string = md.VIRTPLAY_NS): Record<string, string> | undefined {
    return md.readMetadataAttrs(this.root, ns);
  }
  setMetadataAttrs(attrs: Record<string, string | number | boolean>, ns: string = md.VIRTPLAY_NS, prefix?: string, localName?: string): XElement {
    return md.writeMetadataAttrs(this.root, ns, attrs, prefix, localName);
  }
  getMetadataJson(ns: string = md.VIRTPLAY_NS): unknown {
    return md.readMetadataJson(this.root, ns);
  }
  setMetadataJson(value: unknown, ns: string = md.VIRTPLAY_NS, prefix?: string, localName?: string): XElement {
    return md.writeMetadataJson(this.root, ns, value, prefix, localName);
  }
  removeMetadata(ns: string = md.VIRTPLAY_NS): boolean {
    return md.removeMetadata(this.root, ns);
  }
}

function wrapDevice(el: XElement): Device {
  switch (el.name) {
    case 'disk':
      return new Disk(el);
    case 'interface':
      return new Interface(el);
    case 'controller':
      return new Controller(el);
    default:
      return new Device(el);
  }
}
defineFields(Domain, DOMAIN_FIELDS);
