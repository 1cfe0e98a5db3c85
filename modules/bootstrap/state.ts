/**
 * The bootstrap's memory of a guest, kept in the domain XML's <metadata> under virtplay's
 * namespace (no local state file: any control machine can resume):
 *   attach    - the dummy image exists (named with a random token, so it can never be someone
 *               else's file) and it and the driver ISO are in the definition
 *   installed - the guest's virtio storage driver is known to be installed and bound
 *   switched  - the boot disk is on virtio (vda), the dummy disk is out of the definition
 *   done      - the guest booted from vda; nothing left to do
 */
import type { Domain } from '../libvirt/domain/index.js';

export type Phase = 'attach' | 'installed' | 'switched' | 'done';
const PHASES: Phase[] = ['attach', 'installed', 'switched', 'done'];

export interface BootstrapState {
  phase: Phase;
  /** Path of the dummy image virtplay created (or is about to create). */
  dummy: string;
  /** Source path of the boot disk being moved. */
  boot: string;
  iso: string;
}

const LOCAL = 'bootstrap';
const NS = 'https://virtplay.dev/xmlns/virtplay/bootstrap/1';

export function readState(dom: Domain): BootstrapState | undefined {
  const a = dom.getMetadataAttrs(NS);
  if (!a || !PHASES.includes(a.phase as Phase) || !a.dummy || !a.boot) return undefined;
  return { phase: a.phase as Phase, dummy: a.dummy, boot: a.boot, iso: a.iso ?? '' };
}

export function writeState(dom: Domain, s: BootstrapState): void {
  dom.setMetadataAttrs({ phase: s.phase, dummy: s.dummy, boot: s.boot, iso: s.iso }, NS, 'virtplay', LOCAL);
}
