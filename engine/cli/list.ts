/** --list-hosts and --list-tasks, in ansible-playbook's layout. */
import type { Inventory, Playbook } from '../types.js';
import { selectHosts } from '../inventory/patterns.js';
import { shouldRunTask, type TagFilter } from '../runner/tags.js';

export function listHosts(pb: Playbook, inv: Inventory, limit: Set<string> | undefined): string {
  const out = [`\nplaybook: ${pb.file}`];
  pb.plays.forEach((play, i) => {
    const hosts = selectHosts(inv, play.hosts).filter((h) => !limit || limit.has(h));
    out.push('', `  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${play.tags.join(', ')}]`);
    out.push(`    pattern: ['${play.hosts}']`, `    hosts (${hosts.length}):`);
    for (const h of hosts) out.push(`      ${h}`);
  });
  return out.join('\n') + '\n';
}

export function listTasks(pb: Playbook, tags: TagFilter): string {
  const out = [`\nplaybook: ${pb.file}`];
  pb.plays.forEach((play, i) => {
    out.push('', `  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${play.tags.join(', ')}]`, '    tasks:');
    for (const t of play.tasks) {
      const all = [...play.tags, ...t.tags];
      if (shouldRunTask(all, tags)) out.push(`      ${t.name}\tTAGS: [${t.tags.join(', ')}]`);
    }
  });
  return out.join('\n') + '\n';
}
