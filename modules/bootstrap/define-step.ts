/**
 * One bootstrap step on the verified define path every module uses (define-guests.ts): plan on
 * the guest's current definition, back it up, define the new XML on stdin (only if the definition
 * is still the one planned on), read it back, plan again on the read-back (must find nothing), and
 * restore the backup when it does not hold.
 */
import { TaskError } from '../../engine/errors.js';
import type { DiffEntry, TaskContext } from '../../engine/module.js';
import { defineGuests } from '../libvirt/define-guests.js';
import { Domain } from '../libvirt/domain/index.js';
import type { GuestFacts } from '../libvirt/facts.js';

export type Planner = (dom: Domain) => string[];

export interface StepResult {
  guest: GuestFacts;
  changes: string[];
}

/** Plans `planner` on g's definition; applies it when it changes something. Returns the guest's facts after. */
export async function defineStep(ctx: TaskContext, uri: string, g: GuestFacts, planner: Planner): Promise<StepResult> {
  const dom = Domain.parse(g.inactiveXml);
  const changes = planner(dom);
  if (changes.length === 0) return { guest: g, changes };
  const [o] = await defineGuests(ctx, uri, [
    {
      guest: g,
      newXml: dom.toXml(),
      verify: (readBack) => planner(Domain.parse(readBack, { validate: false })).map((c) => `still to do: ${c}`),
    },
  ]);
  if (!o?.ok) throw new TaskError(o?.error ?? 'define failed', g.name);
  return { guest: { ...g, inactiveXml: o.xml }, changes };
}

/** Check mode: the XML diff of the step that would run next, without applying it. */
export function planStepDiff(host: string, g: GuestFacts, planner: Planner): { changes: string[]; diff?: DiffEntry } {
  const before = Domain.parse(g.inactiveXml);
  const after = before.clone();
  const changes = planner(after);
  if (changes.length === 0) return { changes };
  return {
    changes,
    diff: {
      before: before.toXml(),
      after: after.toXml(),
      before_header: `${host}: ${g.name} (defined)`,
      after_header: `${host}: ${g.name} (next bootstrap step)`,
    },
  };
}
