/**
 * domain_state: guests running, shut off, or restarted. Shutdown is the ACPI power button with a
 * deadline; a guest that ignores it fails the task with what to do, and is powered off only when
 * the task says force: true.
 */
import { guestTask, type GuestPlan } from '../../engine/guest-task.js';
import type { GuestResult } from '../../engine/module.js';
import { libvirtFacts, type GuestFacts } from './facts.js';
import { shutdownGuest, startGuest } from './power.js';
import { selectGuests, type GuestSelector } from './select-guests.js';

interface Args extends GuestSelector {
  state: 'running' | 'shut_off' | 'restarted';
  shutdown_timeout?: number;
  force?: boolean;
}

type Action = 'shut down' | 'start';

interface StatePlan extends GuestPlan {
  actions: Action[];
}

const LINE: Record<Action, string> = { 'shut down': 'shut down (ACPI)', start: 'start' };

export const domainState = guestTask<Args, GuestFacts, StatePlan, GuestResult>({
  name: 'domain_state',
  description: 'start, shut down (ACPI, with a deadline) or restart guests',
  async guests(ctx, args) {
    return selectGuests(await ctx.facts(libvirtFacts), args, ctx.failedGuests);
  },
  plan: (_ctx, g, args) => planState(args.state, g.running),
  report: (g) => ({ guest: g.name, changed: false }),
  apply: {
    async each(ctx, args, { guest: g, plan, report: r }) {
      const { uri } = await ctx.facts(libvirtFacts);
      if (plan.actions.includes('shut down')) {
        const how = await shutdownGuest(ctx, uri, g, { timeoutSec: args.shutdown_timeout ?? 120, force: args.force ?? false });
        r.changes!.push(LINE['shut down']);
        if (how === 'forced') r.changes!.push('powered off after the ACPI deadline (force)');
      }
      if (plan.actions.includes('start')) {
        await startGuest(ctx, uri, g);
        r.changes!.push(LINE.start);
      }
    },
  },
  staleFacts: libvirtFacts,
  summary(ctx, reports) {
    const changed = reports.filter((r) => r.changed && !r.failed).length;
    return { headline: `${changed} of ${reports.length} guest(s) ${ctx.check ? 'would change' : 'changed'} state` };
  },
});

/** What reaching STATE takes from a guest that runs or not, or why it takes nothing (pure). */
export function planState(state: Args['state'], running: boolean): StatePlan {
  const actions: Action[] =
    state === 'restarted' ? (running ? ['shut down', 'start'] : ['start']) : state === 'running' ? (running ? [] : ['start']) : running ? ['shut down'] : [];
  const plan: StatePlan = { actions, changes: actions.map((a) => LINE[a]) };
  if (actions.length === 0) plan.upToDate = state === 'running' ? 'running already' : 'shut off already';
  return plan;
}
