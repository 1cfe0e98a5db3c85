/**
 * virtio_bootstrap with `strategy: offline`: virt-v2v's conversion of a shut-off Windows guest,
 * resumable through the same phases in <metadata> (state.ts) as the dummy-disk procedure:
 *   (none)    preflight on the host, nothing written and the guest not touched: the tools
 *             (guestfish, hivex, qemu-img; a missing one is named with its Debian package),
 *             libguestfs inspection of the boot disk (read-only, safe while the guest runs), the
 *             virtio-win folder for that Windows and viostor in it on the ISO (windows-inject.ts)
 *   inject    the guest shut down (ACPI, `force` after the deadline), the phase recorded with the
 *             backup's path; the boot disk copied to the backup (complete or absent, never half),
 *             or, when a backup exists (a resumed run), the disk restored from it first; then the
 *             drivers and registry keys written and read back in one libguestfs session.
 *             A failed or unverified injection restores the disk from the backup.
 *   installed evidence 'offline'; then the switch, the first boot and its confirmation are the
 *             shared steps (steps.ts, first-boot.ts): a first boot that is not confirmed puts the
 *             definition back AND the disk back from the backup, phase inject again.
 *   done      the backup deleted.
 */
import { TaskError } from '../../../engine/errors.js';
import type { TaskContext } from '../../../engine/module.js';
import { Domain } from '../../libvirt/domain/index.js';
import type { GuestFacts } from '../../libvirt/facts.js';
import { domState, shutdownGuest, startGuest } from '../../libvirt/power.js';
import type { Planner } from '../define-step.js';
import type { BootstrapState } from '../state.js';
import { bootDiskOf, injectPlan, installedPlan, switchPlan } from '../steps.js';
import { backupCommand, dropBackupCommand, hookCommand, injectCommand, marked, offlineToolsCommand, preflightCommand, restoreCommand } from './host-script.js';
import { describe, parsePreflight, planWindowsInjection, verifyInjection, type Injection } from './windows-inject.js';

export interface OfflineArgs {
  virtio_win_iso: string;
  backup_dir?: string;
  /** A host command that injects the driver into the shut-off guest's disk instead of the built-in Windows injection (guests libguestfs does not see as Windows). */
  offline_inject_command?: string[];
  /** A host command whose exit status 0 shows the injected driver is in the disk. */
  offline_check_command?: string[];
  shutdown_timeout?: number;
  force?: boolean;
}

export interface OfflineReport {
  changes: string[];
  phase: string;
}

export interface OfflineStepper {
  step: (p: Planner) => Promise<void>;
  state: () => BootstrapState;
  guest: () => GuestFacts;
}

/** The boot disk as a file the host can copy: path and image format. */
export function bootImage(dom: Domain, guest: string): { path: string; format: string } {
  const boot = bootDiskOf(dom, guest);
  if (boot.type !== 'file' || !boot.sourcePath) {
    throw new TaskError(
      `its boot disk is ${boot.type ?? 'not a file'} (${boot.sourcePath ?? 'no source'}): the offline strategy copies and edits disk image files only`,
      guest,
    );
  }
  return { path: boot.sourcePath, format: boot.driverType ?? 'raw' };
}

export function backupPath(disk: string, dir: string | undefined, token: string): string {
  const base = disk.slice(disk.lastIndexOf('/') + 1);
  const folder = dir ?? disk.slice(0, disk.lastIndexOf('/'));
  return `${folder}/${base}.virtplay-backup-${token}`;
}

/** The host's tools for the offline conversion; a TaskError naming the missing ones and their Debian packages. */
export async function checkOfflineTools(ctx: Pick<TaskContext, 'conn'>, guest: string): Promise<void> {
  const tools = await ctx.conn.exec(offlineToolsCommand());
  const missing = (marked(tools.stdout, 'MISSING')[0] ?? '').split(' ').filter(Boolean);
  if (tools.code !== 0 || missing.length > 0) {
    const pk = [...new Set(missing.map((m) => m.slice(m.indexOf('=') + 1)))];
    throw new TaskError(
      `the host lacks ${missing.map((m) => m.slice(0, m.indexOf('='))).join(', ') || 'the offline tools'} for the offline conversion: install the Debian packages ${pk.join(' ')} ` +
        `(apt-get install --no-install-recommends ${pk.join(' ')}). Nothing was changed.`,
      guest,
    );
  }
}

/** Tools and inspection, before anything is written or the guest is shut down. */
async function preflight(
  ctx: TaskContext,
  guest: string,
  disk: { path: string; format: string },
  iso: string,
): Promise<{ injection: Injection; identity: string; root: string }> {
  await checkOfflineTools(ctx, guest);
  const pre = await ctx.conn.exec(preflightCommand(disk.path, disk.format, iso), { timeoutMs: 20 * 60_000 });
  if (pre.code !== 0) throw new TaskError(`libguestfs could not inspect ${disk.path} or read ${iso}: ${lastLines(pre.stderr)}. Nothing was changed.`, guest);
  const p = parsePreflight(pre.stdout);
  const win = p.roots.filter((r) => r.type === 'windows');
  if (win.length !== 1) {
    const found = p.roots.map(describe).join('; ') || 'no operating system';
    throw new TaskError(
      `libguestfs finds ${win.length === 0 ? 'no Windows' : 'several Windows installations'} on ${disk.path} (${found}): the offline strategy converts one Windows per disk; use the default strategy (dummy_disk). Nothing was changed.`,
      guest,
    );
  }
  const root = win[0]!;
  const injection = planWindowsInjection(root, p.isoFiles, iso);
  if ('error' in injection) throw new TaskError(`${injection.error}`, guest);
  return { injection, identity: describe(root), root: root.root };
}

function lastLines(s: string): string {
  return s.trim().split('\n').slice(-3).join(' / ') || 'no message';
}

/** Preflight, shutdown, backup, injection and read-back; ends with the phase `installed` recorded, or throws a TaskError with the disk restored. */
export async function runOffline(ctx: TaskContext, uri: string, args: OfflineArgs, r: OfflineReport, st: OfflineStepper, fresh: boolean): Promise<void> {
  const g = st.guest();
  const ref = { name: g.name, uuid: g.uuid };
  const dom = Domain.parse(g.inactiveXml);
  let s = st.state();
  const disk = bootImage(dom, g.name);
  const hook = args.offline_inject_command;
  const pre = hook ? undefined : await preflight(ctx, g.name, disk, args.virtio_win_iso);
  for (const w of pre?.injection.warnings ?? []) ctx.warn(`${g.name}: ${w}`);
  if ((await domState(ctx, uri, ref)) === 'running') {
    const how = await shutdownGuest(ctx, uri, ref, { timeoutSec: args.shutdown_timeout ?? 120, force: args.force ?? false });
    r.changes.push(how === 'forced' ? 'powered off after the ACPI deadline (force)' : 'shut down (ACPI) for the offline injection');
  }
  if (fresh) {
    const next: BootstrapState = { ...s, identity: pre?.identity ?? 'offline_inject_command' };
    await st.step((d) => injectPlan(d, next));
    s = st.state();
  }
  const backup = s.backup!;
  // A backup that exists is complete (made under another name, then renamed). Its presence means
  // an earlier injection may have started: the disk goes back to it before writing again.
  const made = await ctx.conn.exec(backupCommand(disk.path, backup), { timeoutMs: 6 * 60 * 60_000 });
  if (made.code !== 0) throw new TaskError(`could not back up the boot disk to ${backup}: ${lastLines(made.stderr)}. The disk was not changed.`, g.name);
  if (marked(made.stdout, 'BACKUP-EXISTS').length > 0) {
    const back = await ctx.conn.exec(restoreCommand(disk.path, backup), { timeoutMs: 6 * 60 * 60_000 });
    if (back.code !== 0)
      throw new TaskError(`could not restore ${disk.path} from its backup ${backup} before injecting again: ${lastLines(back.stderr)}`, g.name);
    r.changes.push(`boot disk restored from the backup ${backup} (an earlier injection was interrupted)`);
  } else r.changes.push(`boot disk backed up to ${backup}`);
  const problems = pre ? await injectWindows(ctx, disk, args.virtio_win_iso, pre) : await injectByHook(ctx, g.name, disk, args);
  if (problems.length > 0) {
    const back = await ctx.conn.exec(restoreCommand(disk.path, backup), { timeoutMs: 6 * 60 * 60_000 });
    const restored =
      back.code === 0
        ? `the boot disk was restored from ${backup}`
        : `restoring the boot disk from ${backup} FAILED (${lastLines(back.stderr)}): restore it by hand before starting the guest`;
    if (back.code === 0 && s.wasRunning) await startGuest(ctx, uri, ref);
    throw new TaskError(
      `the offline injection into ${disk.path} did not hold: ${problems.slice(0, 5).join('; ')}. ${restored}${back.code === 0 && s.wasRunning ? ' and the guest started again' : ''}; its devices are unchanged (the definition records phase 'inject').`,
      g.name,
    );
  }
  if (pre) {
    const f = pre.injection.folder;
    r.changes.push(
      `drivers injected offline for ${pre.identity}: ${pre.injection.drivers.join(', ')} from ${f.version}\\${f.arch} to %SystemRoot%\\Drivers\\VirtIO, ` +
        `viostor.sys to system32\\drivers, viostor a boot-start service bound to PCI 1AF4:1001/1042 (read back from the disk)`,
    );
  } else r.changes.push(`driver injected offline by offline_inject_command${args.offline_check_command ? ' (offline_check_command confirmed it)' : ''}`);
  const at = s;
  const found: Pick<BootstrapState, 'evidence' | 'os' | 'nic'> = pre
    ? { evidence: 'offline', os: 'mswindows', nic: pre.injection.netkvm ? 'switch' : 'keep' }
    : { evidence: 'offline', nic: 'switch' };
  await st.step((d) => installedPlan(d, at, found));
}

async function injectWindows(
  ctx: TaskContext,
  disk: { path: string; format: string },
  iso: string,
  pre: { injection: Injection; root: string },
): Promise<string[]> {
  const inj = await ctx.conn.exec(injectCommand(disk.path, disk.format, iso, pre.root), { stdin: pre.injection.spec, timeoutMs: 30 * 60_000 });
  return inj.code === 0 ? verifyInjection(inj.stdout, pre.injection.expect) : [`libguestfs failed: ${lastLines(inj.stderr)}`];
}

/** offline_inject_command, then offline_check_command, with the disk, its format, the ISO and the guest's name in the environment. */
async function injectByHook(ctx: TaskContext, guest: string, disk: { path: string; format: string }, args: OfflineArgs): Promise<string[]> {
  const inj = await ctx.conn.exec(hookCommand(disk.path, disk.format, args.virtio_win_iso, guest, args.offline_inject_command!), { timeoutMs: 30 * 60_000 });
  if (inj.code !== 0) return [`offline_inject_command exited ${inj.code ?? inj.signal}: ${lastLines(inj.stderr || inj.stdout)}`];
  if (!args.offline_check_command) return [];
  const chk = await ctx.conn.exec(hookCommand(disk.path, disk.format, args.virtio_win_iso, guest, args.offline_check_command), { timeoutMs: 30 * 60_000 });
  return chk.code === 0 ? [] : [`offline_check_command exited ${chk.code ?? chk.signal}: ${lastLines(chk.stderr || chk.stdout)}`];
}

/** After a first boot that was not confirmed: the disk back from its backup (the guest is off). */
export async function restoreAfterFailedBoot(ctx: TaskContext, s: BootstrapState): Promise<string> {
  if (!s.backup) return 'no backup was recorded';
  const back = await ctx.conn.exec(restoreCommand(s.boot, s.backup), { timeoutMs: 6 * 60 * 60_000 });
  return back.code === 0
    ? `the boot disk restored from ${s.backup}`
    : `restoring the boot disk from ${s.backup} FAILED (${lastLines(back.stderr)}): restore it by hand`;
}

export async function dropBackup(ctx: TaskContext, g: GuestFacts, s: BootstrapState, r: OfflineReport): Promise<void> {
  if (!s.backup) return;
  const rm = await ctx.conn.exec(dropBackupCommand(s.backup));
  if (rm.code !== 0) ctx.warn(`${g.name}: could not delete the backup ${s.backup}: ${rm.stderr.trim()}`);
  else r.changes.push(`backup ${s.backup} deleted`);
}

/** What the offline strategy will do from the guest's phase (its plan's lines), and the next define's planner (pure). */
export function offlineSteps(g: GuestFacts, s: BootstrapState): { changes: string[]; next?: Planner } {
  const steps: Partial<Record<BootstrapState['phase'], string[]>> = {
    inject: [
      'preflight on the host (tools, libguestfs inspection, the virtio-win folder on the ISO); shut down; back up the boot disk',
      'inject viostor, NetKVM and vioserial offline (files and registry, read back); on failure restore the disk',
      'boot disk to virtio vda, NIC to virtio, on_reboot/on_crash destroy',
      'first boot from vda confirmed (else definition and disk rolled back); backup deleted',
    ],
    installed: [
      'boot disk to virtio vda, NIC to virtio, on_reboot/on_crash destroy',
      'first boot from vda confirmed (else definition and disk rolled back); backup deleted',
    ],
    switched: ['first boot from vda confirmed (else definition and disk rolled back); backup deleted'],
  };
  const next: Planner | undefined = s.phase === 'inject' ? (d) => injectPlan(d, s) : s.phase === 'installed' ? (d) => switchPlan(d, s, g.name) : undefined;
  return { changes: steps[s.phase] ?? [], ...(next ? { next } : {}) };
}
