/**
 * The bootstrap's edits of the domain XML, as pure planners: each takes the parsed definition,
 * brings it to the step's declared shape, and returns one line per change (empty: the definition
 * is that shape already). The same planner run again on what libvirt read back must find nothing
 * to do: that is the verification of every define (define-step.ts).
 *   attach   : dummy disk on virtio, driver ISO in a CD-ROM drive, guest agent channel, phase attach
 *   installed: phase installed with its evidence (and what the agent told)
 *   switch   : dummy out, boot disk to virtio vda (virtio_disk's recipe), NICs to virtio (Windows:
 *              together with the disk, never before), on_reboot/on_crash destroy for the first boot
 *   done     : lifecycle actions restored, phase done
 *   rollback : boot disk, NICs and lifecycle actions back as recorded, dummy back, phase attach
 *              (offline: phase inject)
 *   inject   : offline strategy: phase inject with the backup's path
 */
import { TaskError } from '../../engine/errors.js';
import { XElement, type Disk, type Domain } from '../libvirt/domain/index.js';
import { virtioDiskSpec } from '../libvirt/virtio-disk.js';
import { readState, writeState, type BootstrapState } from './state.js';

export const AGENT_CHANNEL = 'org.qemu.guest_agent.0';

export function hasAgentChannel(dom: Domain): boolean {
  return dom.devices('channel').some((c) => c.el.child('target')?.attr('name') === AGENT_CHANNEL);
}

/** The disk the guest boots from. */
export function bootDiskOf(dom: Domain, guest: string): Disk {
  const d = dom.bootDisk();
  if (!d) throw new TaskError('has no boot disk to move to virtio (no disk with device=disk that it boots from)', guest);
  return d;
}

export function findDummy(dom: Domain, s: BootstrapState): Disk | undefined {
  if (!s.dummy) return undefined;
  return dom.disks().find((d) => d.device === 'disk' && d.sourcePath === s.dummy);
}

function findBoot(dom: Domain, s: BootstrapState, guest: string): Disk {
  const boot = dom.disks().find((d) => d.device === 'disk' && d.sourcePath === s.boot);
  if (!boot) throw new TaskError(`its boot disk ${s.boot} is no longer in the definition; the bootstrap cannot go on`, guest);
  return boot;
}

/** Store `next` as the guest's state; one change line when the phase or a recorded fact changed. */
function putState(dom: Domain, next: BootstrapState, changes: string[]): void {
  const before = readState(dom)?.phase;
  if (writeState(dom, next)) changes.push(before === next.phase ? `bootstrap state (${next.phase}) updated` : `bootstrap phase: ${next.phase}`);
}

function addDummy(dom: Domain, s: BootstrapState, changes: string[]): void {
  if (!s.dummy || findDummy(dom, s)) return;
  const d = dom.addDisk({ bus: 'virtio', source: s.dummy, driver: { name: 'qemu', type: 'qcow2' } });
  changes.push(`dummy disk ${s.dummy} attached as virtio ${d.target}`);
}

/** Dummy disk on virtio, the ISO on a CD-ROM drive (added on the machine's bus if needed), the agent channel. */
export function attachPlan(dom: Domain, s: BootstrapState): string[] {
  const changes: string[] = [];
  addDummy(dom, s, changes);
  const cds = dom.disks().filter((d) => d.isCdrom);
  if (!cds.some((d) => d.sourcePath === s.iso)) {
    const empty = cds.find((d) => d.sourcePath === undefined);
    if (empty) {
      dom.insertMedium(empty, s.iso);
      changes.push(`driver ISO ${s.iso} inserted in CD-ROM ${empty.target}`);
    } else {
      const d = dom.addCdrom({ file: s.iso });
      changes.push(`CD-ROM ${d.target} (${d.bus}) added with driver ISO ${s.iso}`);
    }
  }
  if (!hasAgentChannel(dom)) {
    dom.insertDevice(new XElement('channel', { type: 'unix' }, [new XElement('target', { type: 'virtio', name: AGENT_CHANNEL })]));
    changes.push(`guest agent channel ${AGENT_CHANNEL} added (virtio-serial): with the guest tools installed, virtplay can check the driver itself`);
  }
  putState(dom, { ...s, phase: 'attach' }, changes);
  return changes;
}

export function installedPlan(dom: Domain, s: BootstrapState, found: Pick<BootstrapState, 'evidence' | 'os' | 'addresses' | 'nic'>): string[] {
  const changes: string[] = [];
  const { rolledBack: _, ...rest } = s;
  putState(dom, { ...rest, ...found, phase: 'installed' }, changes);
  return changes;
}

function lifecycle(dom: Domain, name: 'on_reboot' | 'on_crash'): string | undefined {
  return dom.root.child(name)?.text.trim() || undefined;
}

function setLifecycle(dom: Domain, name: 'on_reboot' | 'on_crash', value: string, changes: string[]): void {
  const cur = lifecycle(dom, name) ?? 'restart'; // libvirt's default for both
  if (cur === value) return;
  let el = dom.root.child(name);
  if (!el) {
    el = new XElement(name);
    // libvirt's order: on_poweroff, on_reboot, on_crash, right before <pm>/<devices>.
    const before = dom.root.child(name === 'on_reboot' ? 'on_crash' : 'pm') ?? dom.root.child('pm') ?? dom.root.child('devices');
    dom.root.insertBefore(el, before);
  }
  el.text = value;
  changes.push(`${name}: ${cur} -> ${value}`);
}

/**
 * The switch: what the guest was is recorded first (for the rollback), then the boot disk moves
 * to virtio vda with virtio_disk's recipe (targets, stale drive address, controllers, boot order),
 * the NICs become virtio, and a crash or reboot during the first boot ends the domain instead of
 * looping on INACCESSIBLE_BOOT_DEVICE.
 */
export function switchPlan(dom: Domain, s: BootstrapState, guest: string): string[] {
  const changes: string[] = [];
  const boot = findBoot(dom, s, guest);
  const stored = readState(dom);
  // Planning again on the switched definition (the read-back check) keeps what was recorded.
  const next: BootstrapState = stored?.phase === 'switched' ? { ...stored } : { ...s, phase: 'switched' };
  if (stored?.phase !== 'switched') {
    // Recorded once, from the pre-switch definition (a re-plan on the read-back keeps them).
    next.prevBus = boot.bus ?? 'ide';
    next.prevTarget = boot.target ?? '';
    next.prevNics =
      s.nic !== 'keep'
        ? dom
            .interfaces()
            .filter((i) => i.mac && i.model !== 'virtio' && i.type !== 'hostdev')
            .map((i) => `${i.mac}=${i.model ?? ''}`)
            .join(' ')
        : '';
    next.prevOnReboot = lifecycle(dom, 'on_reboot') ?? 'restart';
    next.prevOnCrash = lifecycle(dom, 'on_crash') ?? 'restart';
  }
  const dummy = findDummy(dom, s);
  if (dummy) {
    dom.removeDisk(dummy);
    changes.push(`dummy disk ${dummy.target} detached (its image is kept until the boot from vda is confirmed)`);
  }
  if (dom.bootDisk()?.el !== boot.el) throw new TaskError(`the guest no longer boots from ${s.boot}; the bootstrap cannot go on`, guest);
  changes.push(...virtioDiskSpec.plan(dom, { disks: 'boot' }, undefined as never).map((c) => `boot ${c}`));
  for (const pair of (next.prevNics ?? '').split(' ').filter(Boolean)) {
    const iface = dom.findInterface(pair.slice(0, pair.indexOf('=')));
    if (iface && dom.setInterfaceModel(iface, 'virtio'))
      changes.push(`interface ${iface.mac}: model ${pair.slice(pair.indexOf('=') + 1) || '(hypervisor default)'} -> virtio (with the disk switch)`);
  }
  setLifecycle(dom, 'on_reboot', 'destroy', changes);
  setLifecycle(dom, 'on_crash', 'destroy', changes);
  putState(dom, next, changes);
  return changes;
}

/** After a confirmed first boot: lifecycle actions as they were, phase done. */
export function donePlan(dom: Domain, s: BootstrapState): string[] {
  const changes: string[] = [];
  setLifecycle(dom, 'on_reboot', s.prevOnReboot ?? 'restart', changes);
  setLifecycle(dom, 'on_crash', s.prevOnCrash ?? 'restart', changes);
  putState(dom, { ...s, phase: 'done' }, changes);
  return changes;
}

/**
 * The first boot from vda was not confirmed: the boot disk back on its old bus and target, the
 * NICs back to their old models, lifecycle actions restored, the dummy back (the driver evidence
 * is void: the next run asks for it again), phase attach with the reason.
 */
export function rollbackPlan(dom: Domain, s: BootstrapState, guest: string, reason: string): string[] {
  const changes: string[] = [];
  const boot = findBoot(dom, s, guest);
  const prevBus = s.prevBus ?? 'ide';
  if (boot.bus !== prevBus) {
    const before = `${boot.bus} ${boot.target}`;
    dom.changeBus(boot, prevBus);
    if (s.prevTarget && boot.target !== s.prevTarget && !dom.findDisk(s.prevTarget)) boot.target = s.prevTarget;
    changes.push(`boot disk ${s.boot}: ${before} -> ${prevBus} ${boot.target} (rolled back)`);
    for (const c of dom.removeUnusedControllers()) changes.push(`controller ${c.type} ${c.index} removed (no device uses it)`);
  }
  for (const pair of (s.prevNics ?? '').split(' ').filter(Boolean)) {
    const at = pair.indexOf('=');
    const iface = dom.findInterface(pair.slice(0, at));
    const model = pair.slice(at + 1);
    if (iface && model && dom.setInterfaceModel(iface, model)) changes.push(`interface ${iface.mac}: model virtio -> ${model} (rolled back)`);
  }
  setLifecycle(dom, 'on_reboot', s.prevOnReboot ?? 'restart', changes);
  setLifecycle(dom, 'on_crash', s.prevOnCrash ?? 'restart', changes);
  addDummy(dom, s, changes);
  const { evidence: _e, prevBus: _b, prevTarget: _t, prevNics: _n, prevOnReboot: _r, prevOnCrash: _c, ...kept } = s;
  putState(dom, { ...kept, phase: s.strategy === 'offline' ? 'inject' : 'attach', rolledBack: reason }, changes);
  return changes;
}

/** Offline strategy: the guest is shut off and its backup named; the injection comes next. */
export function injectPlan(dom: Domain, s: BootstrapState): string[] {
  const changes: string[] = [];
  putState(dom, { ...s, phase: 'inject' }, changes);
  return changes;
}
