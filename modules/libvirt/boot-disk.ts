/**
 * boot_disk: declare the disk the guest boots from, by target (vda) or source path. The guest
 * keeps its way of saying it: per-device `<boot order>` (the disk gets order 1, the others keep
 * their relative order behind it) or `<os><boot dev>` ('hd' first, the disk first among disks,
 * since libvirt gives the 'hd' boot index to the first disk). Never both: libvirt refuses that.
 * A guest known to be Windows that boots from a non-virtio disk is not switched to a virtio one
 * unless its virtio storage driver is known to be in (guest-os.ts, or driver_ready: true).
 * A guest with no disk at all (diskless, CD-ROM only) is skipped with that reason; one whose disks
 * do not match fails alone (required: false makes it a no-op).
 */
import type { Change } from '../../engine/change.js';
import { TaskError } from '../../engine/errors.js';
import type { Domain, Disk, Interface } from './domain/index.js';
import { GuestSkip } from '../../engine/guest-task.js';
import { editModule, type EditArgs, type EditSpec } from './edit-module.js';
import { diskLabel, matchesDisk } from './select-disks.js';
import { virtioStorageGuard } from './guest-os.js';

export interface BootDiskArgs extends EditArgs {
  /** Target name (vda) or source path (glob allowed) of the disk to boot from. */
  disk: string;
  /** Fail (instead of reporting 'not found') when a guest has no such disk. Default true. */
  required?: boolean;
  /** The guest's virtio storage driver is installed (the operator says so): no Windows guard. */
  driver_ready?: boolean;
}

/** The pure part (planning on the parsed inactive XML), exported for tests. */
export const bootDiskSpec: EditSpec<BootDiskArgs> = {
  name: 'boot_disk',
  description: 'declare which disk a guest boots from (per-device boot order or <os><boot>, as the guest uses)',
  plan(dom, args, guest) {
    const disks = dom.disks().filter((d) => d.device === 'disk');
    // Diskless (network boot) and CD-ROM-only guests: the task does not apply to them.
    if (disks.length === 0)
      throw new GuestSkip(`has no disk to boot from (${dom.disks().length > 0 ? 'CD-ROM or floppy only' : 'diskless: network boot or none'})`);
    const disk = disks.find((d) => matchesDisk(d, args.disk));
    if (!disk) {
      if (args.required === false) return [];
      const have = disks.map((d) => `${d.target} (${diskLabel(d)})`);
      throw new TaskError(`has no disk matching ${JSON.stringify(args.disk)} to boot from; its disks: ${have.join(', ') || 'none'}`, guest.name);
    }
    return dom.usesDeviceBootOrder() ? byDeviceOrder(dom, disk) : byOsBoot(dom, disk);
  },
  upToDate(dom, args) {
    const disk = dom.disks().find((d) => d.device === 'disk' && matchesDisk(d, args.disk));
    return disk ? `boots from ${disk.target} (${diskLabel(disk)}) already` : `has no disk matching ${JSON.stringify(args.disk)} (required: false)`;
  },
  check(before, after, args) {
    const from = before.bootDisk();
    const to = after.bootDisk();
    // Only a switch from a non-virtio boot disk (or none) to a virtio one needs the driver.
    if (to?.bus !== 'virtio' || from?.bus === 'virtio') return {};
    return virtioStorageGuard(before, { driverReady: args.driver_ready, bootDisk: true, action: 'switches its boot to a virtio disk' });
  },
};

export const bootDisk = editModule(bootDiskSpec);

function byDeviceOrder(dom: Domain, disk: Disk): Change[] {
  const ordered = dom
    .devices()
    .filter((d) => d.bootOrder !== undefined)
    .sort((a, b) => a.bootOrder! - b.bootOrder!);
  if (ordered[0]?.el === disk.el) return [];
  const rest = ordered.filter((d) => d.el !== disk.el);
  disk.bootOrder = 1;
  rest.forEach((d, i) => (d.bootOrder = i + 2));
  return [{ subject: 'boot order', op: 'set', to: `${disk.target} (${diskLabel(disk)}) first, ${rest.length} other boot device(s) after it` }];
}

/**
 * With <os><boot dev='hd'>, libvirt gives the hd boot index to the first disk of its disk list,
 * which it keeps sorted by target within a bus: so the declared disk must already be that first
 * disk. When it is not, moving XML elements would not survive libvirt's sorting; the guest is
 * switched to per-device boot order instead (the disk first, then the devices its <os><boot>
 * list named, in that order), never leaving both forms.
 */
function byOsBoot(dom: Domain, disk: Disk): Change[] {
  const boot = dom.osBoot;
  const firstDisk = dom.disks().find((d) => d.device === 'disk');
  if (firstDisk?.el === disk.el) {
    if (boot[0] === 'hd') return [];
    dom.osBoot = ['hd', ...boot.filter((b) => b !== 'hd')];
    return [{ subject: '<os><boot>', op: 'set', from: boot.join(',') || '(default)', to: dom.osBoot.join(',') }];
  }
  const order: (Disk | Interface)[] = [disk];
  for (const dev of boot.length > 0 ? boot : ['hd']) {
    const d =
      dev === 'cdrom'
        ? dom.disks().find((x) => x.isCdrom)
        : dev === 'fd'
          ? dom.disks().find((x) => x.isFloppy)
          : dev === 'network'
            ? dom.interfaces()[0]
            : undefined;
    if (d && !order.some((o) => o.el === d.el)) order.push(d);
  }
  dom.osBoot = [];
  order.forEach((d, i) => (d.bootOrder = i + 1));
  return [
    {
      subject: 'boot',
      op: 'set',
      from: `<os><boot dev=${boot.join(',') || 'hd'}>`,
      to: `per-device boot order: ${disk.target} (${diskLabel(disk)}) first`,
      note: "libvirt boots the first disk of its own order for 'hd'",
    },
  ];
}
