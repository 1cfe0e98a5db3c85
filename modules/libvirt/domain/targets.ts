/**
 * Disk target names (`hda`, `sdb`, `vdaa`), as virtinst's DeviceDisk names them:
 * num_to_target / target_to_num / get_target_prefix / generate_target.
 */
import { DomainXmlError } from './errors.js';

/** How many targets each prefix allows (virtinst's limits: IDE has 4 slots, floppy 2). */
const MAX_TARGETS: Record<string, number> = { vd: 1024, xvd: 1024, sd: 1024, hd: 4, fd: 2 };

/** 1 -> 'a', 26 -> 'z', 27 -> 'aa', 702 -> 'zz', 703 -> 'aaa' (bijective base 26). */
export function numToTarget(num: number): string {
  if (!Number.isInteger(num) || num < 1) throw new RangeError(`target number must be >= 1, got ${num}`);
  let s = '';
  let n = num;
  while (n > 0) {
    n -= 1;
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

/** 'hda' -> 0, 'vdz' -> 25, 'sdaa' -> 26, 'xvdb' -> 1 (0-based, like virtinst's target_to_num). */
export function targetToNum(target: string): number {
  const m = /^(?:xvd|vd|hd|sd|fd|ubd)([a-z]+)$/.exec(target);
  if (!m?.[1]) throw new RangeError(`not a disk target name: ${JSON.stringify(target)}`);
  let n = 0;
  for (const c of m[1]) n = n * 26 + (c.charCodeAt(0) - 96);
  return n - 1;
}

/** The target prefix libvirt and guests use for a bus: virtio -> vd, ide -> hd, fdc -> fd, else sd. */
export function targetPrefix(bus: string | undefined, device?: string): string {
  if (bus === 'virtio') return 'vd';
  if (bus === 'xen') return 'xvd';
  if (bus === 'fdc' || device === 'floppy') return 'fd';
  if (bus === 'ide') return 'hd';
  return 'sd';
}

/**
 * The first free target name with `prefix`, in order (a, b, ..., z, aa, ...), skipping `used`.
 * Unlike virtinst's generate_target (which prefers a name after the last used one and fills holes
 * only when it runs out), holes are filled first: the disk converted first becomes `vda`.
 */
export function nextFreeTarget(prefix: string, used: Iterable<string | undefined>): string {
  const taken = new Set<string>();
  for (const u of used) if (u) taken.add(u);
  const max = MAX_TARGETS[prefix] ?? 1024;
  for (let i = 1; i <= max; i++) {
    const name = prefix + numToTarget(i);
    if (!taken.has(name)) return name;
  }
  throw new DomainXmlError(`no free disk target name with prefix '${prefix}' (at most ${max})`);
}
