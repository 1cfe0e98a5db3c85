/** Which test a guest gets: Windows (PowerShell) or POSIX (sh + dd), from guest-get-osinfo. */
import type { TaskContext } from '../../engine/module.js';
import { AgentUnavailable, agentCall } from '../libvirt/agent.js';
import type { GuestRef } from '../libvirt/power.js';

export type GuestOs = 'linux' | 'windows';

export interface OsInfo {
  id?: string;
  'kernel-name'?: string;
  'pretty-name'?: string;
}

/** qemu-ga reports id "mswindows" on Windows; anything else runs the POSIX test. */
export function osFromInfo(info: OsInfo | undefined): GuestOs {
  if (!info) return 'linux';
  return info.id === 'mswindows' || /windows/i.test(info['kernel-name'] ?? '') ? 'windows' : 'linux';
}

export async function detectGuestOs(ctx: TaskContext, uri: string, g: GuestRef): Promise<GuestOs> {
  try {
    return osFromInfo(await agentCall<OsInfo>(ctx, uri, g, 'guest-get-osinfo'));
  } catch (e) {
    if (e instanceof AgentUnavailable) throw e;
    // Agents older than 2.10 have no guest-get-osinfo; those are Linux ones in practice.
    ctx.log(`guest ${g.name}: guest-get-osinfo failed (${(e as Error).message}); assuming a POSIX guest (set os: windows otherwise)`, 2);
    return 'linux';
  }
}
