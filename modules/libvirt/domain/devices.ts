/**
 * Typed views of device elements. A view holds the element itself: reading a field reads the XML,
 * setting it edits the XML in place, so nothing the view does not know about is ever lost.
 * Each field is declared once, as one line binding it to its XML path (virtinst's XMLProperty
 * style): `withFields` (fields.ts) turns the table into accessors on the class and into its type.
 */
import { XElement } from './xml-node.js';
import { read, ro, rw, withFields } from './fields.js';
import { xattrs, xbool, xint, xstr } from './xml-path.js';

/** A device's guest-side address (`<address type='pci' bus='0x00' slot='0x03' .../>`). */
export type DeviceAddress = Record<string, string> & { type?: string };

/** Any element under `<devices>`. */
export const Device = withFields(
  class Device {
    constructor(readonly el: XElement) {}
    /** The element name: disk, interface, controller, channel, serial, ... */
    get kind(): string {
      return this.el.name;
    }
  },
  {
    address: rw<DeviceAddress>(xattrs('address')),
    alias: ro(xstr('alias/@name')),
    /** Per-device boot order (`<boot order='N'/>`), undefined when the device has none. */
    bootOrder: rw(xint('boot/@order')),
  },
);
export type Device = InstanceType<typeof Device>;

export type DiskDevice = 'disk' | 'cdrom' | 'floppy' | 'lun';

const SOURCE = {
  file: xstr('source/@file'),
  dev: xstr('source/@dev'),
  dir: xstr('source/@dir'),
  pool: xstr('source/@pool'),
  volume: xstr('source/@volume'),
  protocol: xstr('source/@protocol'),
  name: xstr('source/@name'),
};

/** `<disk>`'s fields, declared before the class so that its own methods read the same declarations. */
const DISK_FIELDS = {
  /** `@type`: file, block, dir, volume, network, nvme, vhostuser. */
  type: rw(xstr('@type')),
  /** `@device`, 'disk' when absent (libvirt's default). */
  device: rw(xstr('@device'), 'disk'),
  bus: rw(xstr('target/@bus')),
  /** `target/@dev`: hda, sdb, vda... */
  target: rw(xstr('target/@dev')),
  driverName: rw(xstr('driver/@name')),
  driverType: rw(xstr('driver/@type')),
  readonly: rw(xbool('readonly'), false),
  shareable: rw(xbool('shareable'), false),
  serial: rw(xstr('serial')),
  sourceFile: rw(SOURCE.file),
  sourceDev: rw(SOURCE.dev),
  sourcePool: ro(SOURCE.pool),
  sourceVolume: ro(SOURCE.volume),
  sourceProtocol: ro(SOURCE.protocol),
  sourceName: ro(SOURCE.name),
};

/** `<disk>`: virtinst's DeviceDisk. */
export const Disk = withFields(
  class Disk extends Device {
    /**
     * One string naming the disk's storage, whatever its type: the file, block device or
     * directory path, `pool/volume` for volumes, `protocol://name` for network disks
     * (virtinst's get_source_path, without the host part). Undefined for an empty drive.
     */
    get sourcePath(): string | undefined {
      const file = SOURCE.file.get(this.el) ?? SOURCE.dev.get(this.el) ?? SOURCE.dir.get(this.el);
      if (file !== undefined) return file;
      const vol = SOURCE.volume.get(this.el);
      if (vol !== undefined) return `${SOURCE.pool.get(this.el) ?? ''}/${vol}`;
      const name = SOURCE.name.get(this.el);
      if (name !== undefined) return `${SOURCE.protocol.get(this.el) ?? 'network'}://${name}`;
      return undefined;
    }

    /** True for a CD-ROM or floppy drive with no medium. */
    get isEmpty(): boolean {
      return this.sourcePath === undefined;
    }
    get isCdrom(): boolean {
      return read(DISK_FIELDS.device, this.el) === 'cdrom';
    }
    get isFloppy(): boolean {
      return read(DISK_FIELDS.device, this.el) === 'floppy';
    }

    /** Replace the whole `<source>` by `<source file=PATH/>` (type becomes 'file'). */
    setSourceFile(path: string): void {
      this.el.removeChildren('source');
      const src = new XElement('source', { file: path });
      const driver = this.el.child('driver');
      if (driver) this.el.insertAfter(src, driver);
      else this.el.insertBefore(src, this.el.children[0]);
      DISK_FIELDS.type.binding.set(this.el, 'file');
    }

    /** Remove the medium (`<source>`), keeping the drive. */
    clearSource(): void {
      this.el.removeChildren('source');
    }
  },
  DISK_FIELDS,
);
export type Disk = InstanceType<typeof Disk>;

/** `<interface>`. */
export const Interface = withFields(class Interface extends Device {}, {
  /** `@type`: network, bridge, user, direct, ... */
  type: rw(xstr('@type')),
  /** `model/@type`: virtio, e1000, rtl8139, ne2k_pci... */
  model: rw(xstr('model/@type')),
  mac: rw(xstr('mac/@address')),
  /** Every attribute of `<source>` (network, bridge, dev, mode...). */
  source: rw(xattrs('source')),
});
export type Interface = InstanceType<typeof Interface>;

/** `<controller>`. */
export const Controller = withFields(class Controller extends Device {}, {
  /** ide, sata, scsi, fdc, usb, pci, virtio-serial, ccid, xenbus, isa. */
  type: ro(xstr('@type')),
  /** `@index`, 0 when absent (libvirt's default for all but pci, which it numbers itself). */
  index: rw(xint('@index'), 0),
  model: rw(xstr('@model')),
});
export type Controller = InstanceType<typeof Controller>;
