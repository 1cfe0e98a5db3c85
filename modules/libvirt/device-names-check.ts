/**
 * device_names_check: read-only. For running guests with a guest agent, read the files that name
 * boot and mount devices (guest-file-open/read: no shell needed in the guest) and warn where they
 * use /dev/sdX or /dev/hdX names, which change to /dev/vdX on virtio.
 */
import { TaskError } from '../../engine/errors.js';
import { guestsResult } from '../../engine/guest-summary.js';
import type { ModuleDef, ModuleResult, TaskContext } from '../../engine/module.js';
import { agentCall, agentPing } from './agent.js';
import { advice, DEVICE_NAME_FILES, findDeviceNameRefs, type DeviceNameRef } from './device-names.js';
import { libvirtFacts } from './facts.js';
import type { GuestRef } from './power.js';
import { selectGuests, type GuestSelector } from './select-guests.js';

interface Args extends GuestSelector {
  files?: string[];
}

interface GuestCheck {
  guest: string;
  checked: boolean;
  reason?: string;
  refs: DeviceNameRef[];
}

async function readGuestFile(ctx: TaskContext, uri: string, g: GuestRef, path: string): Promise<string | undefined> {
  let handle: number;
  try {
    handle = await agentCall<number>(ctx, uri, g, 'guest-file-open', { path, mode: 'r' });
  } catch (e) {
    if (e instanceof TaskError) return undefined; // no such file
    throw e;
  }
  const chunks: Buffer[] = [];
  try {
    for (let i = 0; i < 64; i++) {
      const r = await agentCall<{ count: number; 'buf-b64': string; eof: boolean }>(ctx, uri, g, 'guest-file-read', { handle, count: 65536 });
      chunks.push(Buffer.from(r['buf-b64'], 'base64'));
      if (r.eof || r.count === 0) break;
    }
  } finally {
    await agentCall(ctx, uri, g, 'guest-file-close', { handle }).catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export const deviceNamesCheck: ModuleDef<Args> = {
  name: 'device_names_check',
  description: 'warn where a running guest mounts or boots by /dev/sdX or /dev/hdX (names change to vdX on virtio)',
  checkMode: 'plan',
  async run(ctx, args): Promise<ModuleResult> {
    const facts = await ctx.facts(libvirtFacts);
    const checks: GuestCheck[] = [];
    for (const g of selectGuests(facts, args, ctx.failedGuests)) {
      const c: GuestCheck = { guest: g.name, checked: false, refs: [] };
      checks.push(c);
      if (!g.running) {
        c.reason = 'not running: cannot read its files';
        continue;
      }
      if (!(await agentPing(ctx, facts.uri, g, 3))) {
        c.reason = 'no guest agent answers: cannot read its files';
        continue;
      }
      for (const file of args.files ?? DEVICE_NAME_FILES) {
        const text = await readGuestFile(ctx, facts.uri, g, file);
        if (text !== undefined) c.refs.push(...findDeviceNameRefs(file, text));
      }
      c.checked = true;
      for (const ref of c.refs) ctx.warn(`guest ${g.name}: ${advice(ref)}`);
    }
    const flagged = checks.filter((c) => c.refs.length > 0);
    return guestsResult(
      checks.map((c) => ({ guest: c.guest, changed: false, changes: c.refs.map(advice), ...(c.reason ? { msg: c.reason } : {}) })),
      {
        check: ctx.check,
        headline: `${checks.filter((c) => c.checked).length} of ${checks.length} guest(s) checked`,
        clauses: [`${flagged.length} name disks by /dev/sdX or /dev/hdX`],
      },
    );
  },
};
