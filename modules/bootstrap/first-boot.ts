/**
 * The first boot from vda after the switch, confirmed or rolled back. The switched definition has
 * on_reboot/on_crash = destroy, so a Windows that crashes with INACCESSIBLE_BOOT_DEVICE (and would
 * restart into the same crash forever) ends the domain instead. Confirmed means: the guest agent
 * answers (when the driver's evidence came from it), or, without an agent, the guest stays up for
 * confirm_seconds. Anything else is a failed boot: the caller rolls the definition back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskContext } from '../../engine/module.js';
import { agentPing } from '../libvirt/agent.js';
import { domState, startGuest, type GuestRef } from '../libvirt/power.js';

export interface ConfirmOptions {
  /** Wait for the guest agent (true) or for the guest to stay up (false). */
  agent: boolean;
  agentTimeoutSec: number;
  upSeconds: number;
  pollMs?: number;
}

export type BootVerdict = { ok: true; how: string } | { ok: false; why: string };

export async function confirmFirstBoot(ctx: TaskContext, uri: string, g: GuestRef, o: ConfirmOptions): Promise<BootVerdict> {
  if ((await domState(ctx, uri, g)) !== 'running') await startGuest(ctx, uri, g);
  const started = Date.now();
  const limit = (o.agent ? o.agentTimeoutSec : o.upSeconds) * 1000;
  for (;;) {
    const state = await domState(ctx, uri, g);
    if (state !== 'running') {
      return {
        ok: false,
        why: `the guest stopped (${state}) ${Math.round((Date.now() - started) / 1000)} s into its first boot from vda: it crashed or rebooted (on_reboot/on_crash were destroy for this boot), as Windows does without a working boot driver (INACCESSIBLE_BOOT_DEVICE, 0x7B)`,
      };
    }
    if (o.agent && (await agentPing(ctx, uri, g, 2)))
      return { ok: true, how: `the guest agent answered ${Math.round((Date.now() - started) / 1000)} s after the start` };
    if (Date.now() - started >= limit) {
      if (!o.agent) return { ok: true, how: `the guest stayed up for ${o.upSeconds} s (no guest agent to ask)` };
      return { ok: false, why: `no guest agent answered within ${o.agentTimeoutSec} s of its first boot from vda (it answered before the switch)` };
    }
    await sleep(o.pollMs ?? 2000);
  }
}
