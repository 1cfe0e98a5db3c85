/**
 * The bootstrap's memory of a guest, kept in the domain XML's <metadata> under virtplay's
 * namespace (no local state file: any control machine can resume):
 *   attach    - the dummy image exists (named with a random token, so it can never be someone
 *               else's file) and it, the driver ISO and the agent channel are in the definition;
 *               the guest waits for its virtio storage driver
 *   installed - the driver is known to be in: bound and loaded (the agent checked), or the
 *               operator said so (driver_installed: true)
 *   switched  - boot disk on virtio vda (and, for Windows, the NIC on virtio), the dummy out of
 *               the definition (its image kept until the boot is confirmed), on_reboot/on_crash
 *               set to destroy for the first boot; what it was before is recorded for the rollback
 *   done      - the first boot from vda was confirmed; lifecycle actions restored, dummy deleted
 * The offline strategy (offline/offline-strategy.ts) has `inject` instead of `attach`: the guest
 * is shut off, the backup copy of its boot disk is `backup`, and the drivers go into its disk
 * offline; `installed` then means they were read back from it (evidence `offline`).
 * A first boot that is not confirmed rolls the guest back to `attach` (`inject`: with its disk
 * restored from the backup) with `rolled_back` saying why.
 */
import type { Domain } from '../libvirt/domain/index.js';
import { BOOTSTRAP_NS } from '../libvirt/bootstrap-metadata.js';

export type Phase = 'attach' | 'inject' | 'installed' | 'switched' | 'done';
const PHASES: readonly Phase[] = ['attach', 'inject', 'installed', 'switched', 'done'];

export interface BootstrapState {
  phase: Phase;
  /** 'offline': drivers injected into the shut-off guest's disk; else the dummy-disk procedure. */
  strategy?: 'offline';
  /** Path of the dummy image virtplay created (or is about to create); '' for the offline strategy. */
  dummy: string;
  /** Offline: the copy of the boot disk made before the injection (the rollback's source). */
  backup?: string;
  /** Offline: what libguestfs inspection found, e.g. "Windows Server 2016 Standard (windows 10.0, x86_64, win2k16)". */
  identity?: string;
  /** Source path of the boot disk being moved. */
  boot: string;
  iso: string;
  /** The guest agent's guest-get-osinfo id (mswindows on Windows), once an agent answered. */
  os?: string;
  /** What showed the driver is in: 'agent' (bound and loaded), 'operator' (driver_installed) or 'offline' (injected and read back from the disk). */
  evidence?: 'agent' | 'operator' | 'offline';
  /** Before the switch: the boot disk's bus and target, NIC models by MAC, lifecycle actions. */
  prevBus?: string;
  prevTarget?: string;
  /** "mac=model mac=model" */
  prevNics?: string;
  prevOnReboot?: string;
  prevOnCrash?: string;
  /** The guest ran when it was switched (a rollback starts it again). */
  wasRunning?: boolean;
  /** Addresses the guest's old NIC had (agent), "name: addr/prefix, ...". */
  addresses?: string;
  /** Why the last switch was rolled back. */
  rolledBack?: string;
  /** When virtplay last booted the guest for the driver install (ISO time): a resumed run gives its agent the rest of agent_timeout. */
  bootedAt?: string;
  /** 'keep': the NIC keeps its model at the switch (NetKVM could not be staged). */
  nic?: 'switch' | 'keep';
}

const FIELDS: [keyof BootstrapState, string][] = [
  ['phase', 'phase'],
  ['strategy', 'strategy'],
  ['dummy', 'dummy'],
  ['backup', 'backup'],
  ['identity', 'identity'],
  ['boot', 'boot'],
  ['iso', 'iso'],
  ['os', 'os'],
  ['evidence', 'evidence'],
  ['prevBus', 'prev_bus'],
  ['prevTarget', 'prev_target'],
  ['prevNics', 'prev_nics'],
  ['prevOnReboot', 'prev_on_reboot'],
  ['prevOnCrash', 'prev_on_crash'],
  ['wasRunning', 'was_running'],
  ['addresses', 'addresses'],
  ['rolledBack', 'rolled_back'],
  ['nic', 'nic'],
  ['bootedAt', 'booted_at'],
];

export function readState(dom: Domain): BootstrapState | undefined {
  const a = dom.getMetadataAttrs(BOOTSTRAP_NS);
  if (!a || !PHASES.includes(a.phase as Phase) || !a.boot || (!a.dummy && a.strategy !== 'offline')) return undefined;
  const s: Record<string, unknown> = {};
  for (const [key, attr] of FIELDS) {
    const v = a[attr];
    if (v === undefined || v === '') continue;
    s[key] = key === 'wasRunning' ? v === 'yes' : v;
  }
  s.iso ??= '';
  s.dummy ??= '';
  return s as unknown as BootstrapState;
}

/** Writes the state; true when the stored attributes changed. */
export function writeState(dom: Domain, s: BootstrapState): boolean {
  const want: Record<string, string> = {};
  for (const [key, attr] of FIELDS) {
    const v = s[key];
    if (v === undefined || v === '') continue;
    want[attr] = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
  }
  const cur = dom.getMetadataAttrs(BOOTSTRAP_NS) ?? {};
  if (Object.keys(cur).length === Object.keys(want).length && Object.entries(want).every(([k, v]) => cur[k] === v)) return false;
  dom.removeMetadata(BOOTSTRAP_NS);
  dom.setMetadataAttrs(want, BOOTSTRAP_NS, 'virtplay', 'bootstrap');
  return true;
}
