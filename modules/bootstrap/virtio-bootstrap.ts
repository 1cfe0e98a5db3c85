/**
 * virtio_bootstrap: the seed article's dummy-disk procedure as a resumable state machine per guest
 * (phases in <metadata>, see state.ts). A Windows guest cannot install its virtio storage driver
 * before a virtio disk exists, and must not boot from virtio before the driver is in; so:
 *   attach    : dummy image (qemu-img, never over an existing file) + driver ISO + agent channel
 *               defined; hot-plugged into a running guest, else the guest is booted
 *   (evidence): the guest agent installs the driver and confirms it is loaded (Code 0), or the
 *               operator confirms it (driver_installed: true); else the guest waits, with the steps
 *   installed : graceful shutdown; switch: boot disk to virtio vda, NIC to virtio (Windows: now,
 *               not before), on_reboot/on_crash destroy
 *   switched  : first boot from vda confirmed -> done (lifecycle restored, dummy image deleted),
 *               or not -> the pre-switch definition back (boot disk on its old bus), started again
 *               when it ran before, the task failed saying what happened
 * Every definition change goes through defineStep (backup, define, read back, verify, restore);
 * every step reads the state first, so a run killed between any two remote commands resumes.
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { TaskError } from '../../engine/errors.js';
import { guestTask, type GuestPlan } from '../../engine/guest-task.js';
import type { GuestResult, TaskContext } from '../../engine/module.js';
import { agentPing, waitForAgent } from '../libvirt/agent.js';
import { Domain } from '../libvirt/domain/index.js';
import { libvirtFacts, type GuestFacts } from '../libvirt/facts.js';
import { domState, shutdownGuest, startGuest } from '../libvirt/power.js';
import { selectGuests, type GuestSelector } from '../libvirt/select-guests.js';
import { createImageCommand, removeFileCommand, setLifecycleLiveCommand } from '../libvirt/virsh.js';
import { defineStep, planStepDiff, type Planner } from './define-step.js';
import { installStorageDriver, type InstallOutcome } from './driver-install.js';
import { confirmFirstBoot } from './first-boot.js';
import { attachLive } from './live-attach.js';
import { readState, type BootstrapState } from './state.js';
import { attachPlan, bootDiskOf, donePlan, hasAgentChannel, installedPlan, rollbackPlan, switchPlan } from './steps.js';
import { folderFromDefinition, manualInstallSteps, type DriverFolder } from './windows-drivers.js';
import { backupPath, bootImage, dropBackup, offlineSteps, restoreAfterFailedBoot, runOffline } from './offline/offline-strategy.js';

export interface BootstrapArgs extends GuestSelector {
  virtio_win_iso: string;
  /** Guests of the host bootstrapped at once (default 2). */
  parallel?: number;
  /** dummy_disk (default): the article's procedure; offline: drivers injected into the shut-off guest's disk (offline/). */
  strategy?: 'dummy_disk' | 'offline';
  backup_dir?: string;
  offline_inject_command?: string[];
  offline_check_command?: string[];
  dummy_size_mb?: number;
  dummy_dir?: string;
  start_guest?: boolean;
  agent_timeout?: number;
  install_timeout?: number;
  shutdown_timeout?: number;
  force?: boolean;
  /** The operator installed the driver by hand (no agent): go on to the switch. */
  driver_installed?: boolean;
  /** A running guest that cannot get the dummy disk live: restart it (if_needed) or wait (never). */
  restart?: 'never' | 'if_needed';
  /** Without an agent, the first boot from vda counts as confirmed when the guest stays up this long. */
  confirm_seconds?: number;
  guest_install_command?: string[];
  guest_check_command?: string[];
}

/** One guest's result (engine/module.ts GuestResult) with where its bootstrap stands. */
interface BootstrapReport extends GuestResult {
  changes: string[];
  phase: string;
  /** Waits for an outside step (the driver install by an operator, a start): msg says which. */
  waiting?: boolean;
  rolled_back?: boolean;
}

/** A guest's bootstrap plan: the steps from where it stands (its state, new when it has none). */
interface BootstrapPlan extends GuestPlan {
  phase: string;
  state?: BootstrapState;
  /** The state is new: nothing of the bootstrap is on the host yet. */
  fresh?: boolean;
}

export const virtioBootstrap = guestTask<BootstrapArgs, GuestFacts, BootstrapPlan, BootstrapReport>({
  name: 'virtio_bootstrap',
  description:
    "move a guest's IDE/SATA boot disk to virtio vda safely: dummy virtio disk and driver install (guest agent or operator), or offline injection (strategy: offline); switch, first boot confirmed or rolled back",
  async guests(ctx, args) {
    return selectGuests(await ctx.facts(libvirtFacts), args, ctx.failedGuests);
  },
  plan: (ctx, g, args) => planBootstrap(ctx.host, g, args),
  report: (g, plan) => ({ guest: g.name, changed: false, changes: [], phase: plan.phase ?? '' }),
  apply: {
    // Each guest's state machine is independent: `parallel` of them at a time (each may boot a VM).
    parallel: (args) => args.parallel ?? 2,
    async each(ctx, args, { guest, plan, report }) {
      await bootstrapGuest(ctx, (await ctx.facts(libvirtFacts)).uri, guest, args, report, plan.state!, plan.fresh === true);
    },
  },
  staleFacts: libvirtFacts,
  summary(ctx, reports) {
    for (const r of reports) if (r.waiting) ctx.warn(`${r.guest}: ${r.msg}`);
    const done = reports.filter((r) => r.phase === 'done');
    const waiting = reports.filter((r) => r.waiting);
    return {
      headline: `${done.length} of ${reports.length} guest(s) boot from virtio`,
      clauses: waiting.length ? [`${waiting.length} waiting for the driver`] : [],
      data: { done_guests: done.map((r) => r.guest) },
    };
  },
});

/** Where a guest's bootstrap stands and the steps from there, read from its definition (no I/O). */
function planBootstrap(host: string, g: GuestFacts, args: BootstrapArgs): BootstrapPlan {
  const dom = Domain.parse(g.inactiveXml);
  let s = readState(dom);
  let fresh = false;
  if (!s) {
    const boot = bootDiskOf(dom, g.name);
    if (boot.bus === 'virtio') return { phase: 'done', changes: [], upToDate: 'boots from a virtio disk already' };
    s = args.strategy === 'offline' ? newOfflineState(dom, args, g) : newState(boot.sourcePath, args, g);
    fresh = true;
  }
  if (s.phase === 'done') return { phase: 'done', changes: [], upToDate: 'boots from virtio vda already (bootstrapped)' };
  const { changes, next } = s.strategy === 'offline' ? offlineSteps(g, s) : dummyDiskSteps(g, s, args);
  const diff = () => {
    const planned = next ? planStepDiff(host, g, next).diff : undefined;
    return planned ? [planned] : [];
  };
  return { phase: s.phase, state: s, fresh, changes, diff };
}

/** What a guest's bootstrap is doing in each phase, for the live progress line. */
const PHASE_TEXT: Partial<Record<BootstrapState['phase'], string>> = {
  inject: 'offline: injecting the virtio storage driver into its disk',
  attach: 'dummy virtio disk and driver ISO attached: waiting for the driver install',
  installed: 'virtio storage driver in: moving the boot disk to virtio vda',
  switched: 'on vda: waiting for its first boot to be confirmed',
  done: 'boots from virtio vda',
};

async function bootstrapGuest(
  ctx: TaskContext,
  uri: string,
  guest: GuestFacts,
  args: BootstrapArgs,
  r: BootstrapReport,
  from: BootstrapState,
  isNew: boolean,
): Promise<void> {
  let g = guest;
  let s = from;
  let fresh = isNew;
  const ref = { name: g.name, uuid: g.uuid };
  const step = async (planner: Planner) => {
    const res = await defineStep(ctx, uri, g, planner);
    g = res.guest;
    r.changes.push(...res.changes);
    const next = readState(Domain.parse(g.inactiveXml));
    if (!next) throw new TaskError('the bootstrap state is missing from the definition after a define', g.name);
    s = next;
  };
  const running = async () => (await domState(ctx, uri, ref)) === 'running';

  for (;;) {
    r.phase = s.phase;
    ctx.progress?.(g.name, PHASE_TEXT[s.phase as BootstrapState['phase']] ?? s.phase);
    switch (s.phase as BootstrapState['phase']) {
      case 'inject': {
        if (s.rolledBack && !r.changes.length) ctx.warn(`${g.name}: its last switch to vda was rolled back (${s.rolledBack}); injecting again`);
        await runOffline(ctx, uri, args, r, { step, state: () => s!, guest: () => g }, fresh);
        fresh = false;
        break;
      }
      case 'attach': {
        if (s.rolledBack && !r.changes.length)
          ctx.warn(`${g.name}: its last switch to vda was rolled back (${s.rolledBack}); the driver must be shown to be in again`);
        // The image first: if it cannot be made (disk full, permissions), the definition is untouched.
        await ensureDummyImage(ctx, s, args, g.name, r);
        const wasUp = await running();
        // A boot virtplay is about to make is recorded, so that a run killed while the guest boots
        // resumes waiting for its agent instead of finding it silent.
        const cur: BootstrapState = !wasUp && args.start_guest !== false ? { ...s, bootedAt: new Date().toISOString() } : s;
        await step((dom) => attachPlan(dom, cur));
        let started = false;
        if (wasUp) {
          const live = await attachLive(ctx, uri, g, s);
          r.changes.push(...live.done);
          if (live.channelLater) ctx.warn(`${g.name}: the guest agent channel could not be hot-plugged; it is there from the next boot`);
          if (live.missing.length > 0) {
            if (args.restart !== 'if_needed') {
              return wait(
                r,
                `the running guest does not see the attach step yet: ${live.missing.join('; ')}. It must be restarted (restart: if_needed does that). ${manual(g, s)}`,
              );
            }
            const how = await shutdownGuest(ctx, uri, ref, { timeoutSec: args.shutdown_timeout ?? 120, force: args.force ?? false });
            await startGuest(ctx, uri, ref);
            started = true;
            r.changes.push(
              `restarted (${how === 'forced' ? 'powered off after the ACPI deadline' : 'ACPI shutdown'}) so that it sees the dummy disk and the ISO`,
            );
          }
        } else {
          if (args.start_guest === false) return wait(r, `start the guest so that it finds the dummy virtio disk. ${manual(g, s)}`);
          await startGuest(ctx, uri, ref);
          started = true;
          r.changes.push('started with the dummy virtio disk and the driver ISO');
        }
        // A guest we just booted gets agent_timeout to bring its agent up; one already up answers now or not at all.
        const agentMs = (args.agent_timeout ?? 300) * 1000;
        const sinceBoot = s.bootedAt ? Math.max(0, Date.now() - Date.parse(s.bootedAt)) : Infinity;
        const agentUp = started
          ? await waitForAgent(ctx, uri, ref, agentMs)
          : sinceBoot < agentMs
            ? await waitForAgent(ctx, uri, ref, agentMs - sinceBoot)
            : await agentPing(ctx, uri, ref, 5);
        let found: InstallOutcome | undefined;
        if (agentUp) {
          found = await installStorageDriver(ctx, uri, ref, {
            iso: s.iso,
            timeoutMs: (args.install_timeout ?? 300) * 1000,
            ...(args.guest_install_command ? { installCommand: args.guest_install_command } : {}),
            ...(args.guest_check_command ? { checkCommand: args.guest_check_command } : {}),
          });
          r.changes.push(found.line);
        } else if (!args.driver_installed) {
          const why = started ? `no QEMU guest agent answered within ${args.agent_timeout ?? 300} s` : 'no QEMU guest agent answers';
          return wait(r, `${why}. ${manual(g, s)}`);
        }
        const evidence: Pick<BootstrapState, 'evidence' | 'os' | 'addresses' | 'nic'> = found
          ? { evidence: 'agent', os: found.os, nic: found.nicReady ? 'switch' : 'keep', ...(found.addresses ? { addresses: found.addresses } : {}) }
          : { evidence: 'operator' };
        if (!found) r.changes.push('driver confirmed by the operator (driver_installed: true)');
        const at: BootstrapState = s;
        await step((dom) => installedPlan(dom, at, evidence));
        break;
      }
      case 'installed': {
        if (await running()) {
          const how = await shutdownGuest(ctx, uri, ref, { timeoutSec: args.shutdown_timeout ?? 120, force: args.force ?? false });
          r.changes.push(how === 'forced' ? 'powered off after the ACPI deadline (force)' : 'shut down (ACPI)');
        }
        const at: BootstrapState = s;
        await step((dom) => switchPlan(dom, at, g.name));
        break;
      }
      case 'switched': {
        const at: BootstrapState = s;
        const verdict = await confirmFirstBoot(ctx, uri, ref, {
          agent: at.evidence === 'agent' && hasAgentChannel(Domain.parse(g.inactiveXml)),
          agentTimeoutSec: args.agent_timeout ?? 300,
          upSeconds: args.confirm_seconds ?? 180,
        });
        if (!verdict.ok) return rollBack(ctx, uri, g, at, verdict.why, args, r, step);
        r.changes.push(`first boot from vda confirmed: ${verdict.how}`);
        await step((dom) => donePlan(dom, at));
        await restoreLiveLifecycle(ctx, uri, g, at);
        if (at.dummy) {
          const rm = await ctx.conn.exec(removeFileCommand(at.dummy));
          if (rm.code !== 0) ctx.warn(`${g.name}: could not delete the dummy image ${at.dummy}: ${rm.stderr.trim()}`);
          else r.changes.push(`dummy image ${at.dummy} deleted`);
        }
        await dropBackup(ctx, g, at, r);
        const windows = at.os === 'mswindows' || definitionFolder(g) !== undefined;
        r.msg = nicNote(at, windows);
        if (windows && r.msg) ctx.warn(`${g.name}: ${r.msg}`);
        break;
      }
      case 'done':
        return;
    }
  }
}

/** The first boot was not confirmed: the pre-switch definition back, the guest as it was, the task failed. */
async function rollBack(
  ctx: TaskContext,
  uri: string,
  g: GuestFacts,
  s: BootstrapState,
  why: string,
  args: BootstrapArgs,
  r: BootstrapReport,
  step: (p: Planner) => Promise<void>,
): Promise<never> {
  const ref = { name: g.name, uuid: g.uuid };
  // A guest hanging in its failed boot is powered off: it never came up from vda.
  if ((await domState(ctx, uri, ref)) === 'running') await shutdownGuest(ctx, uri, ref, { timeoutSec: 5, force: true });
  const offline = s.strategy === 'offline';
  const disk = offline ? await restoreAfterFailedBoot(ctx, s) : '';
  await step((dom) => rollbackPlan(dom, s, g.name, why));
  r.rolled_back = true;
  r.phase = offline ? 'inject' : 'attach';
  let started = '';
  if (s.wasRunning) {
    await startGuest(ctx, uri, ref);
    started = ' and started again';
    r.changes.push('started from its old boot disk');
  }
  if (offline) {
    throw new TaskError(
      `${why}. Rolled back: the boot disk is on ${s.prevBus ?? 'ide'} ${s.prevTarget ?? ''} again, ${disk}${started}; the bootstrap is back at 'inject'. ` +
        `Backups of every definition: ${ctx.runDir}/backups`,
      g.name,
    );
  }
  throw new TaskError(
    `${why}. Rolled back: the boot disk is on ${s.prevBus ?? 'ide'} ${s.prevTarget ?? ''} again (drivers kept in the guest)${started}; ` +
      `the bootstrap is back at 'attach' and asks again for evidence that the driver loads. ` +
      `${args.driver_installed ? 'The operator confirmation (driver_installed) was not borne out by the boot. ' : ''}Backups of every definition: ${ctx.runDir}/backups`,
    g.name,
  );
}

async function restoreLiveLifecycle(ctx: TaskContext, uri: string, g: GuestFacts, s: BootstrapState): Promise<void> {
  for (const [type, prev] of [
    ['reboot', s.prevOnReboot],
    ['crash', s.prevOnCrash],
  ] as const) {
    const action = prev === 'destroy' ? 'destroy' : 'restart';
    if (action === 'destroy') continue;
    const res = await ctx.conn.exec(setLifecycleLiveCommand(uri, g.uuid, type, action));
    if (res.code !== 0)
      ctx.warn(`${g.name}: on_${type} is ${action} again in the definition, but the running guest keeps destroy until its next start (${res.stderr.trim()})`);
  }
}

function nicNote(s: BootstrapState, windows: boolean): string | undefined {
  if (!s.prevNics) return s.nic === 'keep' ? 'the NIC kept its model (NetKVM was not staged): convert it with virtio_nic once NetKVM is installed' : undefined;
  if (!windows) return 'the NIC is virtio now (MAC kept)';
  const had = s.addresses ? `: the old adapter had ${s.addresses}` : ' (no agent to say which addresses it had)';
  return `the NIC is virtio now, a new adapter to Windows: a static address set on the old adapter must be set again on the new one${had}`;
}

/** What the dummy-disk procedure will do from the guest's phase (its plan's lines), and the next define's planner (pure). */
function dummyDiskSteps(g: GuestFacts, s: BootstrapState, args: BootstrapArgs): { changes: string[]; next?: Planner } {
  const steps: Record<BootstrapState['phase'], string[]> = {
    attach: [
      'create the dummy image; attach it on virtio with the driver ISO and the guest agent channel; hot-plug or start the guest',
      args.driver_installed
        ? 'driver confirmed by the operator'
        : 'install the virtio storage driver through the guest agent (Code 0 required), or wait for the operator',
      'shut down; boot disk to virtio vda, NIC to virtio, on_reboot/on_crash destroy',
      'first boot from vda confirmed (else rolled back); lifecycle restored; dummy deleted',
    ],
    installed: [
      'shut down; boot disk to virtio vda, NIC to virtio, on_reboot/on_crash destroy',
      'first boot from vda confirmed (else rolled back); lifecycle restored; dummy deleted',
    ],
    switched: ['first boot from vda confirmed (else rolled back); lifecycle restored; dummy deleted'],
    inject: [], // the offline strategy's phase: offlineSteps
    done: [],
  };
  const next: Planner | undefined =
    s.phase === 'attach'
      ? (dom) => attachPlan(dom, s)
      : s.phase === 'installed'
        ? (dom) => switchPlan(dom, s, g.name)
        : s.phase === 'switched'
          ? (dom) => donePlan(dom, s)
          : undefined;
  return { changes: steps[s.phase as BootstrapState['phase']], ...(next ? { next } : {}) };
}

function newState(bootFile: string | undefined, args: BootstrapArgs, g: GuestFacts): BootstrapState {
  if (!bootFile && !args.dummy_dir) throw new TaskError('its boot disk is not a file; set dummy_dir for the dummy image', g.name);
  const token = randomBytes(4).toString('hex');
  const dir = args.dummy_dir ?? dirname(bootFile!);
  const stem = bootFile ? basename(bootFile).replace(/\.[^.]*$/, '') : g.name.replace(/[^\w.-]+/g, '_');
  return { phase: 'attach', dummy: join(dir, `${stem}.virtplay-dummy-${token}.qcow2`), boot: bootFile ?? '', iso: args.virtio_win_iso, wasRunning: g.running };
}

function newOfflineState(dom: Domain, args: BootstrapArgs, g: GuestFacts): BootstrapState {
  const disk = bootImage(dom, g.name);
  const backup = backupPath(disk.path, args.backup_dir, randomBytes(4).toString('hex'));
  return { phase: 'inject', strategy: 'offline', dummy: '', boot: disk.path, backup, iso: args.virtio_win_iso, wasRunning: g.running };
}

async function ensureDummyImage(ctx: TaskContext, s: BootstrapState, args: BootstrapArgs, guest: string, r: BootstrapReport): Promise<void> {
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

/** The virtio-win folder the definition implies (virt-install's libosinfo id in <metadata>, <os><type arch>). */
function definitionFolder(g: GuestFacts): DriverFolder | undefined {
  const dom = Domain.parse(g.inactiveXml);
  const osId = dom
    .metadataElement('http://libosinfo.org/xmlns/libvirt/domain/1.0')
    ?.elements()
    .find((e) => e.localName === 'os')
    ?.attr('id');
  return folderFromDefinition(osId, dom.root.child('os')?.child('type')?.attr('arch'));
}

function manual(g: GuestFacts, s: BootstrapState): string {
  return manualInstallSteps(s.iso, definitionFolder(g));
}
