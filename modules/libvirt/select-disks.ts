/**
 * Which disks of a guest a task means: 'all' (every disk with device='disk'), 'boot' (the disk the
 * guest boots from), or a list of target names / source paths (globs allowed).
 */
import { globMatch } from '../../engine/glob.js';
import type { Disk, Domain } from './domain/index.js';

export type DiskSelector = 'all' | 'boot' | string[];

/** A disk as written in messages: its source, else its target. */
export function diskLabel(d: Disk): string {
  return d.sourcePath ?? d.target ?? '(no source)';
}

export function matchesDisk(d: Disk, pattern: string): boolean {
  return (d.target !== undefined && globMatch(pattern, d.target)) || (d.sourcePath !== undefined && globMatch(pattern, d.sourcePath));
}

/** Disks in the order to process them: the boot disk first (it gets the first free target). */
export function selectDisks(dom: Domain, sel: DiskSelector = 'all'): Disk[] {
  const disks = dom.disks().filter((d) => d.device === 'disk');
  const boot = dom.bootDisk();
  const picked =
    sel === 'all' ? disks : sel === 'boot' ? disks.filter((d) => boot && d.el === boot.el) : disks.filter((d) => sel.some((p) => matchesDisk(d, p)));
  return [...picked].sort((a, b) => Number(boot?.el === b.el) - Number(boot?.el === a.el));
}
