/**
 * Typed views of device elements. A view holds the element itself: reading a field reads the XML,
 * setting it edits the XML in place, so nothing the view does not know about is ever lost.
 * Field <-> XML path, one line each (virtinst's XMLProperty style).
 */
import { XElement } from './xml-node.js';
import { xattrs, xbool, xint, xstr } from './xml-path.js';

/** A device's guest-side address (`<address type='pci' bus='0x00' slot='0x03' .../>`). */
export type DeviceAddress = Record<string, string> & { type?: string };

const F = {
  address: xattrs('address'),
  alias: xstr('alias/@name'),
  bootOrder: xint('boot/@order'),

  diskType: xstr('@type'),
  device: xstr('@device'),
  bus: xstr('target/@bus'),
  target: xstr('target/@dev'),
  driverName: xstr('driver/@name'),
  driverType: xstr('driver/@type'),
  readonly: xbool('readonly'),
  shareable: xbool('shareable'),
  serial: xstr('serial'),
  sourceFile: xstr('source/@file'),
  sourceDev: xstr('source/@dev'),
  sourceDir: xstr('source/@dir'),
  sourcePool: xstr('source/@pool'),
  sourceVolume: xstr('source/@volume'),
  sourceProtocol: xstr('source/@protocol'),
  sourceName: xstr('source/@name'),

  ifaceType: xstr('@type'),
  model: xstr('model/@type'),
  mac: xstr('mac/@address'),
  source: xattrs('source'),

  ctrlType: xstr('@type'),
  index: xint('@index'),
  ctrlModel: xstr('@model'),
} as const;

/** Any element under `<devices>`. */
export class Device {
  constructor(readonly el: XElement) {}

  /** The element name: disk, interface, controller, channel, serial, ... */
  get kind(): string {
    return this.el.name;
  }
  get address(): DeviceAddress | undefined {
    return F.address.get(this.el);
  }
  set address(v: DeviceAddress | undefined) {
    F.address.set(this.el, v);
  }
  get alias(): string | undefined {
    return F.alias.get(this.el);
  }
  /** Per-device boot order (`<boot order='N'/>`), undefined when the device has none. */
  get bootOrder(): number | undefined {
    return F.bootOrder.get(this.el);
  }
  set bootOrder(v: number | undefined) {
    F.bootOrder.set(this.el, v);
  }
}

export type DiskDevice = 'disk' | 'cdrom' | 'floppy' | 'lun';

/** `<disk>`: virtinst's DeviceDisk. */
export class Disk extends Device {
  /** `@type`: file, block, dir, volume, network, nvme, vhostuser. */
  get type(): string | undefined {
    return F.diskType.get(this.el);
  }
  set type(v: string | undefined) {
    F.diskType.set(this.el, v);
  }
  /** `@device`, 'disk' when absent (libvirt's default). */
  get device(): string {
    return F.device.get(this.el) ?? 'disk';
  }
  set device(v: string) {
    F.device.set(this.el, v);
  }
  get bus(): string | undefined {
    return F.bus.get(this.el);
  }
  set bus(v: string | undefined) {
    F.bus.set(this.el, v);
  }
  /** `target/@dev`: hda, sdb, vda... */
  get target(): string | undefined {
    return F.target.get(this.el);
  }
  set target(v: string | undefined) {
    F.target.set(this.el, v);
  }
  get driverName(): string | undefined {
    return F.driverName.get(this.el);
  }
  set driverName(v: string | undefined) {
    F.driverName.set(this.el, v);
  }
  get driverType(): string | undefined {
    return F.driverType.get(this.el);
  }
  set driverType(v: string | undefined) {
    F.driverType.set(this.el, v);
  }
  get readonly(): boolean {
    return F.readonly.get(this.el) ?? false;
  }
  set readonly(v: boolean) {
    F.readonly.set(this.el, v);
  }
  get shareable(): boolean {
    return F.shareable.get(this.el) ?? false;
  }
  set shareable(v: boolean) {
    F.shareable.set(this.el, v);
  }
  get serial(): string | undefined {
    return F.serial.get(this.el);
  }
  set serial(v: string | undefined) {
    F.serial.set(this.el, v);
  }
  get sourceFile(): string | undefined {
    return F.sourceFile.get(this.el);
  }
  set sourceFile(v: string | undefined) {
    F.sourceFile.set(this.el, v);
  }
  get sourceDev(): string | undefined {
    return F.sourceDev.get(this.el);
  }
  set sourceDev(v: string | undefined) {
    F.sourceDev.set(this.el, v);
  }
  get sourcePool(): string | undefined {
    return F.sourcePool.get(this.el);
  }
  get sourceVolume(): string | undefined {
    return F.sourceVolume.get(this.el);
  }
  get sourceProtocol(): string | undefined {
    return F.sourceProtocol.get(this.el);
  }
  get sourceName(): string | undefined {
    return F.sourceName.get(this.el);
  }

  /**
   * One string naming the disk's storage, whatever its type: the file, block device or
   * directory path, `pool/volume` for volumes, `protocol://name` for network disks
   * (virtinst's get_source_path, without the host part). Undefined for an empty drive.
   */
  get sourcePath(): string | undefined {
    const file = F.sourceFile.get(this.el) ?? F.sourceDev.get(this.el) ?? F.sourceDir.get(this.el);
    if (file !== undefined) return file;
    const vol = F.sourceVolume.get(this.el);
    if (vol !== undefined) return `${F.sourcePool.get(this.el) ?? ''}/${vol}`;
    const name = F.sourceName.get(this.el);
    if (name !== undefined) return `${F.sourceProtocol.get(this.el) ?? 'network'}://${name}`;
    return undefined;
  }

  /** True for a CD-ROM or floppy drive with no medium. */
  get isEmpty(): boolean {
    return this.sourcePath === undefined;
  }
  get isCdrom(): boolean {
    return this.device === 'cdrom';
  }
  get isFloppy(): boolean {
    return this.device === 'floppy';
  }

  /** Replace the whole `<source>` by `<source file=PATH/>` (type becomes 'file'). */
  setSourceFile(path: string): void {
    this.el.removeChildren('source');
    const src = new XElement('source', { file: path });
    const driver = this.el.child('driver');
    if (driver) this.el.insertAfter(src, driver);
    else this.el.insertBefore(src, this.el.children[0]);
    this.type = 'file';
  }

  /** Remove the medium (`<source>`), keeping the drive. */
  clearSource(): void {
    this.el.removeChildren('source');
  }
}

/** `<interface>`. */
export class Interface extends Device {
  /** `@type`: network, bridge, user, direct, ... */
  get type(): string | undefined {
    return F.ifaceType.get(this.el);
  }
  set type(v: string | undefined) {
    F.ifaceType.set(this.el, v);
  }
  /** `model/@type`: virtio, e1000, rtl8139, ne2k_pci... */
  get model(): string | undefined {
    return F.model.get(this.el);
  }
  set model(v: string | undefined) {
    F.model.set(this.el, v);
  }
  get mac(): string | undefined {
    return F.mac.get(this.el);
  }
  set mac(v: string | undefined) {
    F.mac.set(this.el, v);
  }
  /** Every attribute of `<source>` (network, bridge, dev, mode...). */
  get source(): Record<string, string> | undefined {
    return F.source.get(this.el);
  }
  set source(v: Record<string, string> | undefined) {
    F.source.set(this.el, v);
  }
}

/** `<controller>`. */
export class Controller extends Device {
  /** ide, sata, scsi, fdc, usb, pci, virtio-serial, ccid, xenbus, isa. */
  get type(): string | undefined {
    return F.ctrlType.get(this.el);
  }
  /** `@index`, 0 when absent (libvirt's default for all but pci, which it numbers itself). */
  get index(): number {
    return F.index.get(this.el) ?? 0;
  }
  set index(v: number) {
    F.index.set(this.el, v);
  }
  get model(): string | undefined {
    return F.ctrlModel.get(this.el);
  }
  set model(v: string | undefined) {
    F.ctrlModel.set(this.el, v);
  }
}
