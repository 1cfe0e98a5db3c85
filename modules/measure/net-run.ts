/**
 * One network run through a guest's NIC: the host's endpoint listens, the guest's client connects
 * (guest-exec), and the receiving end times the transfer (the guest for data into it, the host for
 * data out of it); both ends must agree on the byte count. A run
 * that fails ends both ends: the endpoint is killed when the guest gave up, and the wait for the
 * guest stops when the endpoint gave up (no connection: a firewall, or the wrong address).
 */
import { TaskError } from '../../engine/errors.js';
import type { TaskContext } from '../../engine/module.js';
import { guestExec } from '../libvirt/agent.js';
import type { GuestFacts } from '../libvirt/facts.js';
import type { GuestOs } from './guest-os.js';
import { makeRun, type WriteRun } from './linux-bench.js';
import { linuxNetArgv, parseGuestNet, windowsNetArgv, type NetDirection } from './net-guest.js';
import { startEndpoint, stopEndpoint, transferRun, type EndpointParse } from './net-host.js';

export interface NetRunSettings {
  sizeMb: number;
  direction: NetDirection;
  /** '' = the guest's default gateway. */
  hostAddress: string;
  bind: string;
  port: number;
  connectTimeoutSec: number;
  timeoutMs: number;
}

export async function guestNetRun(ctx: TaskContext, uri: string, g: GuestFacts, os: GuestOs, s: NetRunSettings): Promise<WriteRun> {
  const bytes = Math.trunc(s.sizeMb) * 1048576;
  const transferSec = Math.ceil(s.timeoutMs / 1000);
  const ep = startEndpoint(
    ctx,
    { direction: s.direction, bind: s.bind, port: s.port, bytes, acceptTimeoutSec: s.connectTimeoutSec, transferTimeoutSec: transferSec },
    g.name,
  );
  const { port, pid } = await ep.port.catch((e: unknown) => {
    throw e instanceof TaskError && s.port !== 0 ? new TaskError(`${e.message} (choose another port, or port 0 for any free one)`, g.name) : e;
  });
  const argv =
    os === 'windows'
      ? windowsNetArgv(s.hostAddress, port, s.sizeMb, s.direction)
      : linuxNetArgv(s.hostAddress, port, s.sizeMb, s.direction, s.connectTimeoutSec + transferSec);
  const stopGuest = new AbortController();
  let hostEnd: EndpointParse | undefined;
  const hostDone = ep.result.then((r) => {
    hostEnd = r;
    if (!r.ok) stopGuest.abort();
    return r;
  });
  const where = `${s.hostAddress || 'its default gateway'}:${port}`;
  let guestOut: Awaited<ReturnType<typeof guestExec>>;
  try {
    guestOut = await guestExec(ctx, uri, g, argv.path, argv.args, { timeoutMs: (s.connectTimeoutSec + transferSec + 30) * 1000, signal: stopGuest.signal });
  } catch (e) {
    if (hostEnd && !hostEnd.ok) throw new TaskError(hostMessage(hostEnd, where, s), g.name);
    await stopEndpoint(ctx, pid);
    throw e;
  }
  const guest = parseGuestNet(guestOut.stdout, guestOut.stderr, guestOut.exitcode);
  const guestBytesOk = guest.ok && (s.direction === 'out' || guest.guest.bytes === bytes);
  if (!guestBytesOk) {
    // The guest gave up (refused, no route, reset): the endpoint need not wait for its timeout.
    if (!hostEnd) await stopEndpoint(ctx, pid);
    const why = guest.ok
      ? `the guest received ${guest.guest.bytes} of ${bytes} bytes from ${guest.guest.host}:${port}${guestOut.stderr.trim() ? `: ${guestOut.stderr.trim().split('\n')[0]}` : ''}`
      : guest.error;
    throw new TaskError(`network ${s.direction === 'in' ? 'into' : 'out of'} the guest: ${why}`, g.name);
  }
  const host = await hostDone;
  if (!host.ok) throw new TaskError(hostMessage(host, where, s), g.name);
  if (host.transfer.bytes !== bytes) throw new TaskError(`the host counted ${host.transfer.bytes} of ${bytes} bytes`, g.name);
  if (s.direction === 'out' || !guest.ok) return transferRun(host.transfer);
  if (!(guest.guest.seconds > 0)) {
    throw new TaskError(`the transfer finished within the guest clock's resolution (${guest.guest.clock}): raise size_mb`, g.name);
  }
  return makeRun(bytes, guest.guest.seconds, 'tcp', guest.guest.clock);
}

function hostMessage(r: Extract<EndpointParse, { ok: false }>, where: string, s: NetRunSettings): string {
  if (r.kind === 'accept') {
    return (
      `the guest did not connect to the host at ${where} within ${s.connectTimeoutSec} s: a firewall on the host ` +
      `dropping it (open the port, and set port), or the guest's route to the host goes elsewhere (set host_address)`
    );
  }
  return `the host's end of the transfer: ${r.error}`;
}
