/**
 * Install the virtio storage driver inside a running guest through the QEMU guest agent and
 * confirm that the virtio disk has its driver bound. Windows: the virtio-win folder for its
 * version and architecture, pnputil, guest-get-devices. Other guests (the lab's stand-in): a
 * command from the ISO (`linux/install.sh`) and a check command that prints `bound`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskError } from '../../engine/errors.js';
import type { TaskContext } from '../../engine/module.js';
import { agentCall, guestExec } from '../libvirt/agent.js';
import type { GuestRef } from '../libvirt/power.js';
import {
  driverFolder,
  isWindows,
  parsePnpProblem,
  pnpProblemExec,
  pnputilExec,
  PROBLEM_UNSIGNED,
  unboundAdvice,
  virtioBlkDriver,
  type DeviceInfo,
  type DriverFolder,
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

/** Returns a line describing what was done (or found). Throws TaskError when the driver is not bound. */
export async function installStorageDriver(ctx: TaskContext, uri: string, g: GuestRef, o: InstallOptions): Promise<string> {
  const os = await agentCall<OsInfo>(ctx, uri, g, 'guest-get-osinfo');
  return isWindows(os) ? installWindows(ctx, uri, g, os, o) : installByCommand(ctx, uri, g, os, o);
}

async function installWindows(ctx: TaskContext, uri: string, g: GuestRef, os: OsInfo, o: InstallOptions): Promise<string> {
  const f = driverFolder(os);
  if ('error' in f) throw new TaskError(f.error, g.name);
  const devices = () => agentCall<DeviceInfo[]>(ctx, uri, g, 'guest-get-devices');
  const found = virtioBlkDriver(await devices());
  if (found) return `virtio storage driver already bound (${found['driver-name']} ${found['driver-version'] ?? ''})`.trim();
  const req = pnputilExec(f);
  const r = await guestExec(ctx, uri, g, req.path, req.arg, { timeoutMs: o.timeoutMs });
  // pnputil: 0 installed, 3010 installed (reboot pending), 259 nothing newer to install.
  if (![0, 3010, 259].includes(r.exitcode)) {
    throw new TaskError(`pnputil failed (exit ${r.exitcode}) installing viostor\\${f.version}\\${f.arch}: ${(r.stdout + r.stderr).trim().slice(0, 400)}`, g.name);
  }
  // The NIC became virtio too (virtio_nic): stage its driver from the same folder (best effort).
  const net = pnputilExec(f, 'NetKVM');
  const n = await guestExec(ctx, uri, g, net.path, net.arg, { timeoutMs: o.timeoutMs });
  if (![0, 3010, 259].includes(n.exitcode)) ctx.warn(`${g.name}: NetKVM driver install returned exit ${n.exitcode}; install it from the ISO by hand if the NIC stays without a driver`);
  for (let i = 0; i < 15; i++) {
    const bound = virtioBlkDriver(await devices());
    if (bound) {
      await assertLoaded(ctx, uri, g, f, o);
      return `installed viostor\\${f.version}\\${f.arch}: ${bound['driver-name']} bound to the virtio disk`;
    }
    await sleep(2000);
  }
  throw new TaskError(unboundAdvice(f, o.iso), g.name);
}

/**
 * guest-get-devices lists a device once a driver is associated, even one Windows then refuses to
 * load (unsigned, Code 52). Where PowerShell's Get-PnpDevice exists (Windows 8 / 2012 and later),
 * ask for the device's problem code too.
 */
async function assertLoaded(ctx: TaskContext, uri: string, g: GuestRef, f: DriverFolder, o: InstallOptions): Promise<void> {
  if (['2k8', '2k8R2', 'w7'].includes(f.version)) return;
  const req = pnpProblemExec();
  const r = await guestExec(ctx, uri, g, req.path, req.arg, { timeoutMs: o.timeoutMs });
  const problem = r.exitcode === 0 ? parsePnpProblem(r.stdout) : undefined;
  if (problem === PROBLEM_UNSIGNED) throw new TaskError(unboundAdvice(f, o.iso), g.name);
  if (problem) throw new TaskError(`the virtio disk has a driver but Windows reports device problem code ${problem}; the boot disk was not moved`, g.name);
}

async function installByCommand(ctx: TaskContext, uri: string, g: GuestRef, os: OsInfo, o: InstallOptions): Promise<string> {
  const check = o.checkCommand ?? DEFAULT_CHECK;
  const install = o.installCommand ?? DEFAULT_INSTALL;
  const isBound = async () => {
    const c = await guestExec(ctx, uri, g, check[0]!, check.slice(1), { timeoutMs: o.timeoutMs });
    return c.exitcode === 0 && c.stdout.trim().split('\n').pop() === 'bound';
  };
  if (await isBound()) return 'virtio storage driver already bound';
  const r = await guestExec(ctx, uri, g, install[0]!, install.slice(1), { timeoutMs: o.timeoutMs });
  if (r.exitcode !== 0) {
    throw new TaskError(`the driver install in the guest (${os['pretty-name'] ?? os.id ?? 'unknown OS'}) failed with exit ${r.exitcode}: ${(r.stderr || r.stdout).trim().slice(0, 400)}`, g.name);
  }
  if (!(await isBound())) {
    throw new TaskError('the driver install ran but the virtio disk has no driver bound; the boot disk was not moved', g.name);
  }
  return `driver installed in the guest (${os['pretty-name'] ?? os.id ?? 'unknown OS'}) and bound to the virtio disk`;
}
