/**
 * virtio_disk: the selected disks move to the virtio bus the way libvirt accepts it: a vdX target
 * (first free, the boot disk first so it becomes vda), no stale drive address, boot order kept,
 * IDE/SATA/SCSI controllers no device uses anymore removed. CD-ROMs are never moved.
 * A guest known to be Windows is refused unless its virtio storage driver is known to be in
 * (guest-os.ts: the bootstrap's evidence, or driver_ready: true).
 */
import type { Change } from '../../engine/change.js';
import { editModule, type EditArgs, type EditSpec } from './edit-module.js';
import type { Disk, Domain } from './domain/index.js';
import { diskLabel, selectDisks, type DiskSelector } from './select-disks.js';
import { virtioStorageGuard } from './guest-os.js';

export interface VirtioDiskArgs extends EditArgs {
  disks?: DiskSelector;
  remove_unused_controllers?: boolean;
  /** The guest's virtio storage driver is installed (the operator says so): no Windows guard. */
  driver_ready?: boolean;
}

/** The pure part (planning on the parsed inactive XML), exported for tests. */
export const virtioDiskSpec: EditSpec<VirtioDiskArgs> = {
  name: 'virtio_disk',
  description: 'move guest disks to the virtio bus (targets vdX, boot disk vda, stale addresses and controllers removed)',
  plan(dom, args) {
    const changes: Change[] = [];
    const boot = dom.bootDisk();
    for (const disk of selectDisks(dom, args.disks)) {
      const before = `${disk.bus ?? '?'} ${disk.target ?? '?'}`;
      if (!dom.changeBus(disk, 'virtio')) {
        // Already virtio: the boot disk still takes vda, so that boot_disk (disk: vda) converges.
        if (disk.el === boot?.el && disk.target !== 'vda') {
          const swapped = takeVda(dom, disk);
          if (swapped) changes.push({ subject: `disk ${diskLabel(disk)}`, op: 'set', from: `virtio ${before.split(' ')[1]}`, to: 'virtio vda', note: swapped });
        }
        continue;
      }
      const swapped = disk.el === boot?.el ? takeVda(dom, disk) : undefined;
      changes.push({ subject: `disk ${diskLabel(disk)}`, op: 'set', from: before, to: `virtio ${disk.target}`, ...(swapped ? { note: swapped } : {}) });
    }
    if (changes.length > 0 && args.remove_unused_controllers !== false) {
      for (const c of dom.removeUnusedControllers()) changes.push({ subject: `controller ${c.type} ${c.index}`, op: 'remove', note: 'no device uses it' });
    }
    return changes;
  },
  upToDate: () => 'the selected disks are on virtio already (the boot disk as vda)',
  check(before, after, args) {
    const boot = before.bootDisk();
    const bootMoves = boot !== undefined && boot.bus !== 'virtio' && after.bootDisk()?.bus === 'virtio';
    return virtioStorageGuard(before, { driverReady: args.driver_ready, bootDisk: bootMoves, action: 'moves its disks to virtio' });
  },
};

/**
 * The boot disk moved to virtio gets vda even when another virtio disk holds it: libvirt keeps
 * the disks of a bus sorted by target, and <os><boot dev='hd'> boots the first one, so a boot
 * disk left at vdb would hand the boot to the data disk. The other disk takes the freed name;
 * inside a Linux guest, virtio disks are named by probe order, not by these targets.
 */
/** What the boot disk taking vda did (a change's note), or undefined when it has it or cannot take it. */
function takeVda(dom: Domain, boot: Disk): string | undefined {
  if (boot.target === 'vda') return undefined;
  const holder = dom.disks().find((d) => d.el !== boot.el && d.target === 'vda');
  if (!holder) {
    // vda is free (the disks were vdb, vdc...): the boot disk takes it, the others keep theirs.
    if (boot.bus !== 'virtio') return undefined;
    boot.target = 'vda';
    return 'the boot disk takes the free vda';
  }
  const freed = boot.target!;
  holder.target = freed;
  boot.target = 'vda';
  return `the boot disk takes vda; disk ${diskLabel(holder)}: vda -> ${freed}`;
}

export const virtioDisk = editModule(virtioDiskSpec);
