/**
 * cdrom: a CD-ROM drive with the given ISO (the virtio-win driver ISO), an empty drive, or no such
 * drive. A drive is added where the guest has none, on a bus its machine supports (IDE on pc,
 * SATA on q35). The drive is the one named by `drive` (target), else the one holding the ISO,
 * else the first CD-ROM drive.
 */
import { TaskError } from '../../engine/errors.js';
import type { Disk, Domain } from './domain/index.js';
import { editModule, type EditArgs, type EditSpec } from './edit-module.js';

export interface CdromArgs extends EditArgs {
  /** present: the ISO is in a drive; ejected: the drive is empty; absent: no such drive. */
  state?: 'present' | 'ejected' | 'absent';
  iso?: string;
  drive?: string;
  bus?: 'ide' | 'sata' | 'scsi' | 'usb';
}

function pickDrive(dom: Domain, args: CdromArgs, guest: string): Disk | undefined {
  const drives = dom.disks().filter((d) => d.isCdrom);
  if (args.drive !== undefined) {
    // A target some other device holds: adding a drive there would give two devices one name.
    const other = dom.disks().find((d) => d.target === args.drive && !d.isCdrom);
    if (other) throw new TaskError(`${args.drive} is a ${other.device} (${other.sourcePath ?? 'no source'}), not a CD-ROM drive: name another drive`, guest);
    return drives.find((d) => d.target === args.drive);
  }
  return drives.find((d) => args.iso !== undefined && d.sourcePath === args.iso) ?? drives[0];
}

/** The pure part (planning on the parsed inactive XML), exported for tests. */
export const cdromSpec: EditSpec<CdromArgs> = {
  name: 'cdrom',
  description: 'attach, change or eject an ISO on a CD-ROM drive (adding the drive where needed)',
  plan(dom, args, guest) {
    const state = args.state ?? 'present';
    const drive = pickDrive(dom, args, guest.name);
    if (state === 'present') {
      if (args.iso === undefined) throw new TaskError("state 'present' needs an iso", guest.name);
      if (!drive) {
        const d = dom.addCdrom({ file: args.iso, ...(args.bus ? { bus: args.bus } : {}), ...(args.drive ? { target: args.drive } : {}) });
        return [{ subject: `CD-ROM drive ${d.target} (${d.bus})`, op: 'add', to: args.iso }];
      }
      const before = drive.sourcePath;
      return dom.insertMedium(drive, args.iso) ? [{ subject: `CD-ROM ${drive.target}`, op: 'set', from: before ?? '(empty)', to: args.iso }] : [];
    }
    if (!drive) return [];
    if (state === 'ejected') {
      if (args.iso !== undefined && drive.sourcePath !== args.iso) return [];
      const before = drive.sourcePath;
      return dom.eject(drive) ? [{ subject: `CD-ROM ${drive.target}`, op: 'set', from: before ?? '(empty)', to: '(empty)' }] : [];
    }
    // absent: with an iso, only the drive holding it goes; without, the named (or first) drive.
    if (args.iso !== undefined && drive.sourcePath !== args.iso) return [];
    dom.removeDisk(drive);
    return [{ subject: `CD-ROM drive ${drive.target}`, op: 'remove' }];
  },
  upToDate(dom, args, guest) {
    const drive = pickDrive(dom, args, guest.name);
    const state = args.state ?? 'present';
    if (state === 'present') return `CD-ROM ${drive?.target ?? '?'} holds ${args.iso ?? '?'} already`;
    const which = args.iso !== undefined ? `no CD-ROM drive holds ${args.iso}` : args.drive !== undefined ? `no CD-ROM drive ${args.drive}` : 'no CD-ROM drive';
    if (!drive || (args.iso !== undefined && drive.sourcePath !== args.iso)) return which;
    return `CD-ROM ${drive.target} is empty already`;
  },
};

export const cdrom = editModule(cdromSpec);
