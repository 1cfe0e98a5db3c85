/** --list-hosts and --list-tasks, in ansible-playbook's layout. */
import type { Inventory, Playbook, Vars } from '../types.js';
import { selectHosts } from '../inventory/patterns.js';
import { playPattern, shownName } from '../runner/play-text.js';
import { shouldRunTask, type TagFilter } from '../runner/tags.js';

/**
 * "  play #1 (pattern): name\tTAGS: [a,b]": the play's own tags joined without spaces, as
 * ansible-playbook prints them (from a Python set, so in hash order; sorted here).
 */
function playLine(i: number, pattern: string, name: string, tags: readonly string[]): string {
  return `  play #${i + 1} (${pattern}): ${name}\tTAGS: [${[...new Set(tags)].sort().join(',')}]`;
}

export function listHosts(pb: Playbook, name: string, inv: Inventory, limit: Set<string> | undefined, extraVars: Vars = {}): string {
  const out = [`\nplaybook: ${name}`];
  pb.plays.forEach((play, i) => {
    const pattern = playPattern(play, extraVars);
    const hosts = selectHosts(inv, pattern).filter((h) => !limit || limit.has(h));
    out.push('', playLine(i, pattern, shownName(play.name, play.vars, extraVars), play.tags));
    out.push(`    pattern: ['${pattern}']`, `    hosts (${hosts.length}):`);
    for (const h of hosts) out.push(`      ${h}`);
  });
  return out.join('\n') + '\n';
}

export function listTasks(pb: Playbook, name: string, tags: TagFilter, extraVars: Vars = {}): string {
  const out = [`\nplaybook: ${name}`];
  pb.plays.forEach((play, i) => {
    // The play's name is templated; the tasks' names are listed as written (Ansible's).
    out.push('', playLine(i, playPattern(play, extraVars), shownName(play.name, play.vars, extraVars), play.tags), '    tasks:');
    for (const t of play.tasks) {
      // A task's tags: its own and the play's, sorted, once each (Ansible's).
      const all = [...new Set([...play.tags, ...t.tags])].sort();
      if (shouldRunTask(all, tags)) out.push(`      ${t.name}\tTAGS: [${all.join(', ')}]`);
    }
  });
  return out.join('\n') + '\n';
}
