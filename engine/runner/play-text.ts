/**
 * What Ansible templates at the play level, with the play's vars and the extra vars (no host's
 * own variables): the `hosts:` pattern, and the play's and tasks' names as the output shows them.
 */
import { isTemplate, renderValue } from '../template/render.js';
import type { Play, Vars } from '../types.js';
import { lazyVars } from './lazy-vars.js';

export function playPattern(play: Play, extraVars: Vars): string {
  if (!isTemplate(play.hosts)) return play.hosts;
  const v = renderValue(play.hosts, lazyVars({ ...play.vars, ...extraVars }), { task: `the hosts of play '${play.name}'`, pos: play.pos });
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
