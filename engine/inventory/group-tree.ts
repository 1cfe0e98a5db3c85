/**
 * Reading the group tree: a group's hosts (with its descendants') in inventory order, a host's
 * groups with all their ancestors, and each group's depth (longest path from 'all') for variable
 * precedence.
 */
import type { Inventory } from '../types.js';

/**
 * The hosts of a group and of all its descendants, in inventory order (the order in which the
 * sources first named them), without duplicates. Ansible walks the groups breadth first instead,
 * which gives the same order for usual inventories and an order that depends on the group layout
 * otherwise; the file order is the one users read.
 */
export function groupHosts(inv: Inventory, name: string): string[] {
  if (!inv.groups.has(name)) return [];
  const members = new Set<string>();
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const g = inv.groups.get(stack.pop()!);
    if (!g || seen.has(g.name)) continue;
    seen.add(g.name);
    for (const h of g.hosts) members.add(h);
    stack.push(...g.children);
  }
  return [...inv.hosts.keys()].filter((h) => members.has(h));
}

/** Child -> parents. */
export function parentMap(inv: Inventory): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const g of inv.groups.values()) {
    for (const c of g.children) {
      const list = parents.get(c) ?? [];
      list.push(g.name);
      parents.set(c, list);
    }
  }
  return parents;
}

/** Every group the host belongs to: its direct groups, their ancestors, and 'all'. */
export function hostGroups(inv: Inventory, host: string, parents = parentMap(inv)): string[] {
  const out = new Set<string>(['all']);
  const stack = [...(inv.hosts.get(host)?.groups ?? [])];
  while (stack.length > 0) {
    const g = stack.pop()!;
    if (out.has(g)) continue;
    out.add(g);
    for (const p of parents.get(g) ?? []) if (!out.has(p)) stack.push(p);
  }
  return [...out];
}

/** Longest path from 'all' to each group ('all' is 0), Ansible's Group.depth. */
export function groupDepths(inv: Inventory, parents = parentMap(inv)): Map<string, number> {
  const depth = new Map<string, number>();
  const visit = (g: string, stack: Set<string>): number => {
    const known = depth.get(g);
    if (known !== undefined) return known;
    if (g === 'all' || stack.has(g)) return 0;
    stack.add(g);
    let d = 0;
    for (const p of parents.get(g) ?? []) d = Math.max(d, visit(p, stack) + 1);
    stack.delete(g);
    depth.set(g, d);
    return d;
  };
  depth.set('all', 0);
  for (const g of inv.groups.keys()) visit(g, new Set());
  return depth;
}
