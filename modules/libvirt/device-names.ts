/**
 * Where a Linux guest names its disks by kernel name (/dev/sda1, /dev/hda2): those names change
 * to /dev/vdX when the disks move to virtio, and a guest that mounts or boots by them fails.
 * Pure: find such references in the text of a config file, skipping comments.
 */
export interface DeviceNameRef {
  file: string;
  line: number;
  device: string;
  text: string;
}

/** Files that name boot and mount devices on common distributions. */
export const DEVICE_NAME_FILES = [
  '/etc/fstab',
  '/etc/default/grub',
  '/boot/grub/grub.cfg',
  '/boot/grub2/grub.cfg',
  '/etc/crypttab',
  '/boot/extlinux/extlinux.conf',
  '/boot/syslinux/syslinux.cfg',
];

const DEV_RE = /\/dev\/(?:sd|hd)[a-z]+\d*/g;

export function findDeviceNameRefs(file: string, text: string): DeviceNameRef[] {
  const out: DeviceNameRef[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '');
    for (const m of line.matchAll(DEV_RE)) out.push({ file, line: i + 1, device: m[0], text: raw.trim() });
  });
  return out;
}

export function advice(ref: DeviceNameRef): string {
  const vd = ref.device.replace(/\/dev\/(?:sd|hd)/, '/dev/vd');
  return `${ref.file}:${ref.line} names ${ref.device}, which becomes ${vd} (or another vdX) on virtio: use UUID= or LABEL= (see blkid) before moving the disk`;
}
