/**
 * domain_state: guests running, shut off, or restarted. Shutdown is the ACPI power button with a
 * deadline; a guest that ignores it fails the task with what to do, and is powered off only when
 * the task says force: true.
 */
import { guestsResult } from '../../engine/guest-summary.js';
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
      const plan = planState(args.state, g.running);
      const r: GuestReport = { guest: g.name, changed: plan.actions.length > 0, changes: plan.actions.map((a) => `${a}${a === 'shut down' ? ' (ACPI)' : ''}`) };
      if (plan.unchanged !== undefined) r.msg = plan.unchanged;
      reports.push(r);
      if (ctx.check || plan.actions.length === 0) continue;
      let done = 0;
      try {
        if (plan.actions.includes('shut down')) {
          const how = await shutdownGuest(ctx, facts.uri, g, stop);
          done++;
          if (how === 'forced') r.changes.push('powered off after the ACPI deadline (force)');
        }
        if (plan.actions.includes('start')) await startGuest(ctx, facts.uri, g);
      } catch (e) {
        r.failed = true;
        r.changed = done > 0; // a restart whose start failed did shut the guest down
        r.msg = (e as Error).message;
      }
    }
    if (!ctx.check && reports.some((r) => r.changed)) ctx.invalidateFacts(libvirtFacts);
    const changed = reports.filter((r) => r.changed && !r.failed).length;
    return guestsResult(reports, { check: ctx.check, headline: `${changed} of ${reports.length} guest(s) ${ctx.check ? 'would change' : 'changed'} state` });
  },
};

/** What reaching STATE takes from a guest that runs or not, or why it takes nothing. */
function planState(state: Args['state'], running: boolean): { actions: ('shut down' | 'start')[]; unchanged?: string } {
  if (state === 'restarted') return { actions: running ? ['shut down', 'start'] : ['start'] };
  if (state === 'running') return running ? { actions: [], unchanged: 'running already' } : { actions: ['start'] };
  return running ? { actions: ['shut down'] } : { actions: [], unchanged: 'shut off already' };
}
