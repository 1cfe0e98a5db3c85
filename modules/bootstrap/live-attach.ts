/**
 * A running guest sees the attach step only when it reaches its live configuration: the dummy
 * disk is hot-plugged (virtio-blk hot-plugs on PCI), the ISO inserted into a CD-ROM drive the
 * guest already has, the agent channel hot-plugged. What cannot be done live is returned, so the
 * caller restarts the guest (restart: if_needed) or waits saying that it must be restarted.
 */
import type { TaskContext } from '../../engine/module.js';
import { Domain, serializeXml } from '../libvirt/domain/index.js';
import type { GuestFacts } from '../libvirt/facts.js';
import { attachDeviceLiveCommand, changeMediaLiveCommand, liveXmlCommand } from '../libvirt/virsh.js';
import type { BootstrapState } from './state.js';
import { AGENT_CHANNEL, findDummy, hasAgentChannel } from './steps.js';

export interface LiveAttach {
  /** Lines for the report. */
  done: string[];
  /** What only a restart brings (the dummy disk or the ISO: the operator needs both). */
  missing: string[];
  /** The agent channel could not be hot-plugged (it comes with the next boot; not blocking). */
  channelLater: boolean;
}

export async function attachLive(ctx: TaskContext, uri: string, g: GuestFacts, s: BootstrapState): Promise<LiveAttach> {
  const out: LiveAttach = { done: [], missing: [], channelLater: false };
  const read = await ctx.conn.exec(liveXmlCommand(uri, g.uuid));
  if (read.code !== 0) {
    out.missing.push(`the running configuration could not be read (${read.stderr.trim()})`);
    return out;
  }
  const live = Domain.parse(read.stdout, { validate: false });
  const defined = Domain.parse(g.inactiveXml, { validate: false });

  if (!findDummy(live, s)) {
    const el = findDummy(defined, s)?.el.clone();
    el?.removeChildren('address'); // the slot the definition got may be taken live: libvirt picks one
    const r = el ? await ctx.conn.exec(attachDeviceLiveCommand(uri, g.uuid), { stdin: Buffer.from(serializeXml(el)) }) : undefined;
    if (r?.code === 0) out.done.push(`dummy disk hot-plugged into the running guest`);
    else out.missing.push(`the dummy disk could not be hot-plugged (${r?.stderr.trim() || 'not in the definition'})`);
  }
  if (!live.disks().some((d) => d.isCdrom && d.sourcePath === s.iso)) {
    const target = defined.disks().find((d) => d.isCdrom && d.sourcePath === s.iso)?.target;
    const drive = live.disks().find((d) => d.isCdrom && d.target === target);
    const r = drive && target ? await ctx.conn.exec(changeMediaLiveCommand(uri, g.uuid, target, s.iso)) : undefined;
    if (r?.code === 0) out.done.push(`driver ISO inserted into the running guest's CD-ROM ${target}`);
    else
      out.missing.push(
        drive ? `the driver ISO could not be inserted live (${r?.stderr.trim()})` : 'the new CD-ROM drive for the driver ISO cannot be hot-plugged',
      );
  }
  if (!hasAgentChannel(live) && hasAgentChannel(defined)) {
    const el = defined
      .devices('channel')
      .find((c) => c.el.child('target')?.attr('name') === AGENT_CHANNEL)!
      .el.clone();
    el.removeChildren('address');
    const r = await ctx.conn.exec(attachDeviceLiveCommand(uri, g.uuid), { stdin: Buffer.from(serializeXml(el)) });
    if (r.code === 0) out.done.push('guest agent channel hot-plugged');
    else out.channelLater = true;
  }
  return out;
}
