/**
 * virtio_bootstrap: the seed article's dummy-disk procedure as a resumable state machine per guest
 * (phases in <metadata>, see state.ts). A Windows guest cannot install its virtio storage driver
 * before a virtio disk exists, and must not boot from virtio before the driver is in; so:
 *   attach  : dummy image (qemu-img, never over an existing file; made before the definition
 *             names it, so a failure leaves the guest as it was) on virtio + driver ISO, boot
 *   install : through the guest agent, install the driver and confirm it is bound
 *             (no agent: stop in a waiting state that says what the operator must do)
 *   switch  : graceful shutdown, dummy out, boot disk to virtio vda, delete only our dummy image
 *   confirm : boot, agent ping -> done
 * Every step reads the state first, so a run killed between any two remote commands resumes.
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { TaskError } from '../../engine/errors.js';
import type { ModuleDef, ModuleResult, TaskContext } from '../../engine/module.js';
import { waitForAgent } from '../libvirt/agent.js';
import { defineGuests } from '../libvirt/define-guests.js';
import { Domain } from '../libvirt/domain/index.js';
import type { GuestReport } from '../libvirt/edit-module.js';
import { libvirtFacts, type GuestFacts } from '../libvirt/facts.js';
import { domState, shutdownGuest, startGuest } from '../libvirt/power.js';
import { selectGuests, type GuestSelector } from '../libvirt/select-guests.js';
import { createImageCommand, removeFileCommand } from '../libvirt/virsh.js';
import { installStorageDriver } from './driver-install.js';
import { readState, type BootstrapState } from './state.js';
import { folderFromLibosinfo, manualInstallSteps } from './windows-drivers.js';
import { attachStep, bootDiskOf, hasAgentChannel, setPhase, switchStep } from './xml-steps.js';

interface Args extends GuestSelector {
  virtio_win_iso: string;
  dummy_size_mb?: number;
  dummy_dir?: string;
  start_guest?: boolean;
  agent_timeout?: number;
  install_timeout?: number;
  shutdown_timeout?: number;
  force?: boolean;
  guest_install_command?: string[];
  guest_check_command?: string[];
}

interface BootstrapReport extends GuestReport {
  phase: string;
  waiting?: boolean;
}

export const virtioBootstrap: ModuleDef<Args> = {
  name: 'virtio_bootstrap',
  description: "move a guest's IDE/SATA boot disk to virtio vda safely: dummy virtio disk, driver install via the guest agent, switch",
  checkMode: 'plan',
  async run(ctx, args): Promise<ModuleResult> {
    const facts = await ctx.facts(libvirtFacts);
    const reports: BootstrapReport[] = [];
    for (const g of selectGuests(facts, args)) {
      const r: BootstrapReport = { guest: g.name, changed: false, changes: [], phase: '' };
      reports.push(r);
      try {
        await bootstrapGuest(ctx, facts.uri, g, args, r);
      } catch (e) {
        if (!(e instanceof TaskError)) throw e;
        r.failed = true;
        r.msg = e.message;
      }
      r.changed = r.changes.length > 0;
    }
    if (!ctx.check && reports.some((r) => r.changed)) ctx.invalidateFacts(libvirtFacts);
    for (const r of reports) if (r.waiting) ctx.warn(`${r.guest}: ${r.msg}`);
    const failed = reports.filter((r) => r.failed);
    const waiting = reports.filter((r) => r.waiting);
    const result: ModuleResult = {
      changed: reports.some((r) => r.changed),
      msg: [
        `${reports.filter((r) => r.phase === 'done').length} of ${reports.length} guest(s) boot from virtio`,
        waiting.length ? `${waiting.length} waiting for the driver` : '',
        failed.length ? `${failed.length} failed: ${failed.map((f) => f.msg).join('; ')}` : '',
      ]
        .filter(Boolean)
        .join(', '),
      guests: reports,
      done_guests: reports.filter((r) => r.phase === 'done').map((r) => r.guest),
    };
    if (failed.length > 0) result.failed = true;
    return result;
  },
};

async function bootstrapGuest(ctx: TaskContext, uri: string, g: GuestFacts, args: Args, r: BootstrapReport): Promise<void> {
  let dom = Domain.parse(g.inactiveXml);
  let s = readState(dom);
  if (!s) {
    const boot = bootDiskOf(dom, g.name);
    if (boot.bus === 'virtio') {
      r.phase = 'done';
      r.msg = 'boots from a virtio disk already';
      return;
    }
    s = newState(boot.sourceFile, args, g.name);
  }
  if (s.phase === 'done') {
    r.phase = 'done';
    return;
  }
  if (ctx.check) {
    r.phase = s.phase;
    r.changes.push(...plannedSteps(s));
    return;
  }
  const state = s;
  const ref = { name: g.name, uuid: g.uuid };
  const define = async (changes: string[]) => {
    if (changes.length === 0) return;
    const [o] = await defineGuests(ctx, uri, [{ guest: { ...g }, newXml: dom.toXml(), verify: () => [] }]);
    if (!o?.ok) throw new TaskError(o?.error ?? 'define failed', g.name);
    g.inactiveXml = o.xml;
    dom = Domain.parse(o.xml);
    r.changes.push(...changes);
  };
  const running = async () => (await domState(ctx, uri, ref)) === 'running';
  const agentTimeoutMs = (args.agent_timeout ?? 300) * 1000;

  for (;;) {
    r.phase = state.phase;
    switch (state.phase) {
      case 'attach': {
        // The image first: if it cannot be made (disk full, permissions), the definition is untouched.
        await ensureDummyImage(ctx, state, args, g.name, r);
        await define(attachStep(dom, state));
        if (!(await running())) {
          if (args.start_guest === false) return wait(r, `start the guest so that it finds the dummy virtio disk, then run again. ${manual(dom, state)}`);
          await startGuest(ctx, uri, ref);
          r.changes.push('started with the dummy virtio disk and the driver ISO');
        }
        if (!hasAgentChannel(dom)) return wait(r, `no QEMU guest agent channel in its definition. ${manual(dom, state)}`);
        if (!(await waitForAgent(ctx, uri, ref, agentTimeoutMs))) {
          return wait(r, `no QEMU guest agent answered within ${args.agent_timeout ?? 300} s. ${manual(dom, state)}`);
        }
        const done = await installStorageDriver(ctx, uri, ref, {
          iso: state.iso,
          timeoutMs: (args.install_timeout ?? 300) * 1000,
          ...(args.guest_install_command ? { installCommand: args.guest_install_command } : {}),
          ...(args.guest_check_command ? { checkCommand: args.guest_check_command } : {}),
        });
        const changes = [done];
        setPhase(dom, state, 'installed', changes);
        await define(changes);
        break;
      }
      case 'installed': {
        if (await running()) {
          const how = await shutdownGuest(ctx, uri, ref, { timeoutSec: args.shutdown_timeout ?? 120, force: args.force ?? false });
          r.changes.push(how === 'forced' ? 'powered off after the ACPI deadline (force)' : 'shut down (ACPI)');
        }
        await define(switchStep(dom, state, g.name));
        break;
      }
      case 'switched': {
        const rm = await ctx.conn.exec(removeFileCommand(state.dummy));
        if (rm.code !== 0) throw new TaskError(`could not delete the dummy image ${state.dummy}: ${rm.stderr.trim()}`, g.name);
        if (!(await running())) {
          await startGuest(ctx, uri, ref);
          r.changes.push('started from the virtio boot disk');
        }
        if (hasAgentChannel(dom) && !(await waitForAgent(ctx, uri, ref, agentTimeoutMs))) {
          throw new TaskError(
            `runs from its virtio boot disk but no guest agent answered within ${args.agent_timeout ?? 300} s: it may not have booted. ` +
              `The previous definitions are backed up under ${ctx.runDir}/backups; run again to check once more`,
            g.name,
          );
        }
        const changes: string[] = [];
        setPhase(dom, state, 'done', changes);
        await define(changes);
        break;
      }
      case 'done':
        return;
    }
  }
}

function newState(bootFile: string | undefined, args: Args, guest: string): BootstrapState {
  if (!bootFile && !args.dummy_dir) throw new TaskError('its boot disk is not a file; set dummy_dir for the dummy image', guest);
  const token = randomBytes(4).toString('hex');
  const dir = args.dummy_dir ?? dirname(bootFile!);
  const stem = bootFile ? basename(bootFile).replace(/\.[^.]*$/, '') : guest.replace(/[^\w.-]+/g, '_');
  return { phase: 'attach', dummy: join(dir, `${stem}.virtplay-dummy-${token}.qcow2`), boot: bootFile ?? '', iso: args.virtio_win_iso };
}

async function ensureDummyImage(ctx: TaskContext, s: BootstrapState, args: Args, guest: string, r: BootstrapReport): Promise<void> {
  const res = await ctx.conn.exec(createImageCommand(s.dummy, (args.dummy_size_mb ?? 64) * 1024 * 1024));
  // Exists: ours. Its name carries a fresh random token, or the one the definition recorded after we made it.
  if (res.code === 17) return;
  if (res.code !== 0) throw new TaskError(`could not create the dummy image ${s.dummy}: ${res.stderr.trim() || `exit ${res.code}`}`, guest);
  r.changes.push(`dummy image ${s.dummy} created (${args.dummy_size_mb ?? 64} MiB)`);
}

function wait(r: BootstrapReport, msg: string): void {
  r.waiting = true;
  r.msg = `waiting for the virtio storage driver: ${msg}`;
}

function manual(dom: Domain, s: BootstrapState): string {
  // virt-install records the OS in <metadata><libosinfo:libosinfo><libosinfo:os id=.../>.
  const osId = dom.metadataElement('http://libosinfo.org/xmlns/libvirt/domain/1.0')?.elements().find((e) => e.localName === 'os')?.attr('id');
  return manualInstallSteps(s.iso, folderFromLibosinfo(osId));
}

function plannedSteps(s: BootstrapState): string[] {
  const steps = {
    attach: ['attach a dummy virtio disk and the driver ISO, start the guest', 'install the virtio storage driver through the guest agent', 'shut down, move the boot disk to virtio vda, delete the dummy', 'start from vda and confirm'],
    installed: ['shut down, move the boot disk to virtio vda, delete the dummy', 'start from vda and confirm'],
    switched: ['delete the dummy image, start from vda and confirm'],
    done: [],
  } as const;
  return [...steps[s.phase]];
}
