/**
 * Install the virtio storage driver inside a running guest through the QEMU guest agent and
 * confirm that Windows loaded it for the virtio (dummy) disk. Windows: the virtio-win folder for
 * its version and architecture, found on the ISO first (a missing folder is its own error), pnputil
 * (viostor installed; NetKVM and vioserial staged, so the NIC can become virtio with the disk),
 * guest-get-devices, then the device's problem code (WMI on every version, Get-PnpDevice on 8/2012
 * and later): Code 52 is the signing trap, and the boot disk is not switched while it stands.
 * Other guests (the lab's Linux stand-in): a command from the ISO (`linux/install.sh`) and a check
 * command that prints `bound`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskError } from '../../engine/errors.js';
import type { TaskContext } from '../../engine/module.js';
import { agentCall, guestExec } from '../libvirt/agent.js';
import type { GuestRef } from '../libvirt/power.js';
import {
  adapterAddresses,
  driverFolder,
  findOnIsoExec,
  infPath,
  isWindows,
  missingFolderMessage,
  parseDriveLetter,
  parseProblemCode,
  pnputilExec,
  pnputilOk,
  problemCodeExec,
  PROBLEM_UNSIGNED,
  signingTrapMessage,
  virtioBlkDriver,
  type DeviceInfo,
  type DriverFolder,
  type DriverName,
  type ExecRequest,
  type NetInterface,
  type OsInfo,
} from './windows-drivers.js';

/** The stand-in ISO's convention: mount the CD, run linux/install.sh or linux/check.sh. */
const mountCd = "grep -qs ' /media/cdrom ' /proc/mounts || { mkdir -p /media/cdrom; mount -t iso9660 -o ro /dev/sr0 /media/cdrom; }";
export const DEFAULT_INSTALL = ['/bin/sh', '-c', `${mountCd}; exec sh /media/cdrom/linux/install.sh`];
export const DEFAULT_CHECK = ['/bin/sh', '-c', `${mountCd}; exec sh /media/cdrom/linux/check.sh`];

export interface InstallOptions {
  iso: string;
  installCommand?: string[];
  checkCommand?: string[];
  timeoutMs: number;
}

export interface InstallOutcome {
  /** One line for the report: what was done or found. */
  line: string;
  /** guest-get-osinfo's id. */
  os: string;
  windows: boolean;
  /** Windows: the NIC may become virtio with the disk (NetKVM staged). */
  nicReady: boolean;
  /** Addresses on the guest's adapters before the switch (Windows), for the report. */
  addresses?: string;
}

/** Throws TaskError (with what to do) when the driver is not installed and loaded. */
export async function installStorageDriver(ctx: TaskContext, uri: string, g: GuestRef, o: InstallOptions): Promise<InstallOutcome> {
  const os = await agentCall<OsInfo>(ctx, uri, g, 'guest-get-osinfo');
  return isWindows(os) ? installWindows(ctx, uri, g, os, o) : installByCommand(ctx, uri, g, os, o);
}

async function installWindows(ctx: TaskContext, uri: string, g: GuestRef, os: OsInfo, o: InstallOptions): Promise<InstallOutcome> {
  const f = driverFolder(os);
  if ('error' in f) throw new TaskError(f.error, g.name);
  const exec = (req: ExecRequest) => guestExec(ctx, uri, g, req.path, req.arg, { timeoutMs: o.timeoutMs });
  const drive = async (driver: DriverName) => parseDriveLetter((await exec(findOnIsoExec(infPath(driver, f)))).stdout);
  const devices = () => agentCall<DeviceInfo[]>(ctx, uri, g, 'guest-get-devices');
  const done: string[] = [];

  const storDrive = await drive('viostor');
  if (!storDrive) throw new TaskError(missingFolderMessage(f, o.iso), g.name);
  if (!virtioBlkDriver(await devices())) {
    const r = await exec(pnputilExec(f, storDrive, 'viostor', 'install'));
    if (!pnputilOk(r.exitcode)) {
      throw new TaskError(
        `pnputil failed (exit ${r.exitcode}) installing ${infPath('viostor', f)}: ${(r.stdout + r.stderr).trim().slice(0, 400)}; the boot disk was not moved`,
        g.name,
      );
    }
    done.push(`installed ${storDrive}:\\${infPath('viostor', f)}`);
  }
  // NetKVM and vioserial staged in the driver store: the NIC becomes virtio only with the disk switch.
  let nicReady = true;
  for (const driver of ['NetKVM', 'vioserial'] as const) {
    const at = await drive(driver);
    const r = at ? await exec(pnputilExec(f, at, driver, 'stage')) : undefined;
    if (r && pnputilOk(r.exitcode)) done.push(`staged ${driver}`);
    else {
      if (driver === 'NetKVM') nicReady = false;
      ctx.warn(
        `${g.name}: ${driver} for Windows ${f.version} ${f.arch} ${at ? `could not be staged (pnputil exit ${r?.exitcode})` : 'is not on the ISO'}${driver === 'NetKVM' ? ': the NIC keeps its model' : ''}`,
      );
    }
  }
  let bound: DeviceInfo | undefined;
  for (let i = 0; i < 15 && !(bound = virtioBlkDriver(await devices())); i++) await sleep(2000);
  if (!bound) {
    throw new TaskError(
      `pnputil installed ${infPath('viostor', f)} but Windows associated no driver with the virtio disk within 30 s; the boot disk was not moved`,
      g.name,
    );
  }
  const problem = await problemCode(ctx, uri, g, f, o.timeoutMs);
  if (problem === PROBLEM_UNSIGNED) throw new TaskError(signingTrapMessage(f, o.iso), g.name);
  if (problem === undefined)
    throw new TaskError("Windows did not report the virtio disk's device status (WMI / Get-PnpDevice); the boot disk was not moved", g.name);
  if (problem !== 0)
    throw new TaskError(
      `the virtio disk has the driver ${bound['driver-name']} but Windows reports device problem Code ${problem}; the boot disk was not moved`,
      g.name,
    );

  let addresses: string | undefined;
  try {
    addresses = adapterAddresses(await agentCall<NetInterface[]>(ctx, uri, g, 'guest-network-get-interfaces')) || undefined;
  } catch (e) {
    ctx.log(`${g.name}: guest-network-get-interfaces: ${(e as Error).message}`, 1);
  }
  const line = `${done.length ? done.join(', ') : 'viostor already installed'}; ${bound['driver-name']} loaded for the virtio disk (Code 0, Windows ${f.version} ${f.arch})`;
  return { line, os: os.id ?? 'mswindows', windows: true, nicReady, ...(addresses ? { addresses } : {}) };
}

/** The virtio disk's problem code: Get-PnpDevice where it exists (falling back to WMI), else WMI. */
async function problemCode(ctx: TaskContext, uri: string, g: GuestRef, f: DriverFolder, timeoutMs: number): Promise<number | undefined> {
  const ask = async (ff: DriverFolder) => {
    const req = problemCodeExec(ff);
    const r = await guestExec(ctx, uri, g, req.path, req.arg, { timeoutMs });
    return r.exitcode === 0 ? parseProblemCode(ff, r.stdout) : undefined;
  };
  return (await ask(f)) ?? (f.hasGetPnpDevice ? ask({ ...f, hasGetPnpDevice: false }) : undefined);
}

async function installByCommand(ctx: TaskContext, uri: string, g: GuestRef, os: OsInfo, o: InstallOptions): Promise<InstallOutcome> {
  const check = o.checkCommand ?? DEFAULT_CHECK;
  const install = o.installCommand ?? DEFAULT_INSTALL;
  const name = os['pretty-name'] ?? os.id ?? 'unknown OS';
  const outcome = (line: string): InstallOutcome => ({ line, os: os.id ?? 'unknown', windows: false, nicReady: true });
  const isBound = async () => {
    const c = await guestExec(ctx, uri, g, check[0]!, check.slice(1), { timeoutMs: o.timeoutMs });
    return c.exitcode === 0 && c.stdout.trim().split('\n').pop() === 'bound';
  };
  if (await isBound()) return outcome('virtio storage driver already bound');
  const r = await guestExec(ctx, uri, g, install[0]!, install.slice(1), { timeoutMs: o.timeoutMs });
  if (r.exitcode !== 0) {
    throw new TaskError(`the driver install in the guest (${name}) failed with exit ${r.exitcode}: ${(r.stderr || r.stdout).trim().slice(0, 400)}`, g.name);
  }
  if (!(await isBound())) throw new TaskError('the driver install ran but the virtio disk has no driver bound; the boot disk was not moved', g.name);
  return outcome(`driver installed in the guest (${name}) and bound to the virtio disk`);
}
