/**
 * The bootstrap's edits of the domain XML, pure: attach (dummy virtio disk + driver ISO + state),
 * switch (dummy out, boot disk to virtio vda, unused controllers out, boot order kept).
 */
import { TaskError } from '../../engine/errors.js';
import { changeBus, removeUnusedControllers, type Disk, type Domain } from '../libvirt/domain/index.js';
import { readState, writeState, type BootstrapState, type Phase } from './state.js';

export const AGENT_CHANNEL = 'org.qemu.guest_agent.0';

export function hasAgentChannel(dom: Domain): boolean {
  return dom.devices('channel').some((c) => c.el.child('target')?.attr('name') === AGENT_CHANNEL);
}

/** The disk the guest boots from, which must be a file (the dummy goes next to it). */
export function bootDiskOf(dom: Domain, guest: string): Disk {
  const d = dom.bootDisk();
  if (!d) throw new TaskError('has no boot disk to move to virtio (no disk with device=disk that it boots from)', guest);
  return d;
}

export function findDummy(dom: Domain, s: BootstrapState): Disk | undefined {
  return dom.disks().find((d) => d.device === 'disk' && d.sourcePath === s.dummy);
}

/** Dummy disk on virtio and the ISO on a CD-ROM drive (added on the machine's bus if needed). */
export function attachStep(dom: Domain, s: BootstrapState): string[] {
  const changes: string[] = [];
  if (!findDummy(dom, s)) {
    const d = dom.addDisk({ bus: 'virtio', source: s.dummy, driver: { name: 'qemu', type: 'qcow2' } });
    changes.push(`dummy disk ${s.dummy} attached as virtio ${d.target}`);
  }
  const cds = dom.disks().filter((d) => d.isCdrom);
  const holding = cds.find((d) => d.sourcePath === s.iso);
  if (!holding) {
    const empty = cds.find((d) => d.sourcePath === undefined);
    if (empty) {
      dom.insertMedium(empty, s.iso);
      changes.push(`driver ISO ${s.iso} inserted in CD-ROM ${empty.target}`);
    } else {
      const d = dom.addCdrom({ file: s.iso });
      changes.push(`CD-ROM ${d.target} (${d.bus}) added with driver ISO ${s.iso}`);
    }
  }
  setPhase(dom, s, 'attach', changes);
  return changes;
}

/** Boot disk to virtio as vda (the dummy leaves first, freeing vda), the boot order kept. */
export function switchStep(dom: Domain, s: BootstrapState, guest: string): string[] {
  const changes: string[] = [];
  const dummy = findDummy(dom, s);
  if (dummy) {
    dom.removeDisk(dummy);
    changes.push(`dummy disk ${dummy.target} detached`);
  }
  const boot = dom.disks().find((d) => d.device === 'disk' && d.sourcePath === s.boot);
  if (!boot) throw new TaskError(`its boot disk ${s.boot} is no longer in the definition; the bootstrap cannot go on`, guest);
  const before = `${boot.bus} ${boot.target}`;
  if (changeBus(dom, boot, 'virtio')) changes.push(`boot disk ${s.boot}: ${before} -> virtio ${boot.target}`);
  for (const c of removeUnusedControllers(dom)) changes.push(`controller ${c.type} ${c.index} removed (no device uses it)`);
  setPhase(dom, s, 'switched', changes);
  return changes;
}

export function setPhase(dom: Domain, s: BootstrapState, phase: Phase, changes: string[]): void {
  const cur = readState(dom);
  if (cur?.phase === phase && cur.dummy === s.dummy) return;
  s.phase = phase;
  writeState(dom, s);
  changes.push(`bootstrap phase: ${phase}`);
}
