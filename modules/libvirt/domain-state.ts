/**
 * domain_state: guests running, shut off, or restarted. Shutdown is the ACPI power button with a
 * deadline; a guest that ignores it fails the task with what to do, and is powered off only when
 * the task says force: true.
 */
import type { ModuleDef, ModuleResult } from '../../engine/module.js';
import { libvirtFacts } from './facts.js';
import type { GuestReport } from './edit-module.js';
import { shutdownGuest, startGuest } from './power.js';
import { selectGuests, type GuestSelector } from './select-guests.js';

interface Args extends GuestSelector {
  state: 'running' | 'shut_off' | 'restarted';
  shutdown_timeout?: number;
  force?: boolean;
}

export const domainState: ModuleDef<Args> = {
  name: 'domain_state',
  description: 'start, shut down (ACPI, with a deadline) or restart guests',
  checkMode: 'plan',
  async run(ctx, args): Promise<ModuleResult> {
    const facts = await ctx.facts(libvirtFacts);
    const reports: GuestReport[] = [];
    const stop = { timeoutSec: args.shutdown_timeout ?? 120, force: args.force ?? false };
    for (const g of selectGuests(facts, args, ctx.failedGuests)) {
      const actions =
        args.state === 'restarted'
          ? g.running
            ? ['shut down', 'start']
            : ['start']
          : args.state === 'running'
            ? g.running
              ? []
              : ['start']
            : g.running
              ? ['shut down']
              : [];
      const r: GuestReport = { guest: g.name, changed: actions.length > 0, changes: actions.map((a) => `${a}${a === 'shut down' ? ' (ACPI)' : ''}`) };
      reports.push(r);
      if (ctx.check || actions.length === 0) continue;
      try {
        if (actions.includes('shut down')) {
          const how = await shutdownGuest(ctx, facts.uri, g, stop);
          if (how === 'forced') r.changes.push('powered off after the ACPI deadline (force)');
        }
        if (actions.includes('start')) await startGuest(ctx, facts.uri, g);
      } catch (e) {
        r.failed = true;
        r.msg = (e as Error).message;
      }
    }
    if (!ctx.check && reports.some((r) => r.changed)) ctx.invalidateFacts(libvirtFacts);
    const failed = reports.filter((r) => r.failed);
    const changed = reports.filter((r) => r.changed && !r.failed);
    const result: ModuleResult = {
      changed: changed.length > 0,
      msg:
        `${changed.length} of ${reports.length} guest(s) ${ctx.check ? 'would change' : 'changed'} state` +
        (failed.length ? `; ${failed.map((f) => f.msg).join('; ')}` : ''),
      guests: reports,
    };
    return result; // failed guests fail alone (engine/module.ts GuestResult)
  },
};
