/**
 * virtio_disk: the selected disks move to the virtio bus the way libvirt accepts it: a vdX target
 * (first free, the boot disk first so it becomes vda), no stale drive address, boot order kept,
 * IDE/SATA/SCSI controllers no device uses anymore removed. CD-ROMs are never moved.
 */
import { editModule, type EditArgs, type EditSpec } from './edit-module.js';
import { changeBus, removeUnusedControllers } from './domain/index.js';
import { diskLabel, selectDisks, type DiskSelector } from './select-disks.js';

export interface VirtioDiskArgs extends EditArgs {
  disks?: DiskSelector;
  remove_unused_controllers?: boolean;
}

/** The pure part (planning on the parsed inactive XML), exported for tests. */
export const virtioDiskSpec: EditSpec<VirtioDiskArgs> = {
  name: 'virtio_disk',
  description: 'move guest disks to the virtio bus (targets vdX, boot disk vda, stale addresses and controllers removed)',
  plan(dom, args) {
    const changes: string[] = [];
    for (const disk of selectDisks(dom, args.disks)) {
      const before = `${disk.bus ?? '?'} ${disk.target ?? '?'}`;
      if (changeBus(dom, disk, 'virtio')) changes.push(`disk ${diskLabel(disk)}: ${before} -> virtio ${disk.target}`);
    }
    if (changes.length > 0 && args.remove_unused_controllers !== false) {
      for (const c of removeUnusedControllers(dom)) changes.push(`controller ${c.type} ${c.index} removed (no device uses it)`);
    }
    return changes;
  },
};

export const virtioDisk = editModule(virtioDiskSpec);
