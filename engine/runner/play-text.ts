/**
 * What Ansible templates at the play level, with the play's vars and the extra vars (no host's
 * own variables): the `hosts:` pattern, `serial`, and the play's and tasks' names as the output
 * shows them.
 */
import { isTemplate, renderValue } from '../template/render.js';
import type { Play, Vars } from '../types.js';
import { lazyVars } from './lazy-vars.js';

/** A value of the play's keywords, templated (`what` names it in errors). */
export function playValue(play: Play, value: unknown, extraVars: Vars, what: string): unknown {
  if (!isTemplate(value)) return value;
  return renderValue(value, lazyVars({ ...play.vars, ...extraVars }), { task: `${what} of play '${play.name}'`, pos: play.pos });
}

export function playPattern(play: Play, extraVars: Vars): string {
  const v = playValue(play, play.hosts, extraVars, 'the hosts');
  return Array.isArray(v) ? v.map(String).join(',') : String(v);
}

/** A name as the output shows it: templated where it can be, as written where it cannot (Ansible's). */
export function shownName(name: string, playVars: Vars, extraVars: Vars): string {
  if (!isTemplate(name)) return name;
  try {
    return String(renderValue(name, lazyVars({ ...playVars, ...extraVars })));
  } catch {
    return name;
  }
}
