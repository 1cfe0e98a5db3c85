/** The libvirt domain XML model: one import for modules. */
export { Domain, DEVICE_ORDER } from './domain.js';
export { Device, Disk, Interface, Controller } from './devices.js';
export type { DeviceAddress, DiskDevice } from './devices.js';
export type { NewDisk, NewCdrom } from './disk-edit.js';
export { BUS_ONLY_ATTRS, BUS_ONLY_ELEMENTS } from './change-bus.js';
export { numToTarget, targetToNum, targetPrefix, nextFreeTarget } from './targets.js';
export { machineFamily, isBuiltinController, defaultCdromBus } from './machine.js';
export type { MachineFamily } from './machine.js';
export { VIRTPLAY_NS, VIRTPLAY_PREFIX } from './metadata.js';
export { DomainXmlError } from './errors.js';
export { XElement, XText, XComment, XPi, XDocument } from './xml-node.js';
export type { XNode } from './xml-node.js';
export { parseXml, serializeXml } from './xml-io.js';
export { xstr, xint, xbool, xyesno, xattrs } from './xml-path.js';
export type { Binding } from './xml-path.js';
