/**
 * A mutable inventory under construction, with Ansible's InventoryData rules: implicit groups
 * 'all' and 'ungrouped', hosts remember the first source that named them (inventory_file /
 * inventory_dir host vars), group cycles refused, and reconcile() hangs parentless groups under
 * 'all' and puts hosts that belong to no other group into 'ungrouped'.
 */
import path from 'node:path';
import type { Inventory, InventoryGroup, InventoryHost, Vars } from '../types.js';

export class InventoryBuilder {
  readonly hosts = new Map<string, InventoryHost>();
  readonly groups = new Map<string, InventoryGroup>();
  readonly sources: string[] = [];
  /** The source being parsed (absolute path, or the host list text): inventory_file of new hosts. */
  currentSource: string | undefined;

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string): InventoryGroup {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, vars: {}, children: [], hosts: [] };
      this.groups.set(name, g);
    }
    return g;
  }

  /** Adds the host (first sight sets inventory_file/inventory_dir from currentSource) to a group. */
  addHost(name: string, group: string | undefined): InventoryHost {
    const source = this.currentSource;
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, groups: [] };
      this.hosts.set(name, h);
      h.vars.inventory_file = source ?? null;
      h.vars.inventory_dir = source && path.isAbsolute(source) ? path.dirname(source) : null;
    }
    if (group) {
      const g = this.addGroup(group);
      if (!g.hosts.includes(name)) g.hosts.push(name);
      if (group !== 'all' && !h.groups.includes(group)) h.groups.push(group);
    }
    return h;
  }

  /**
   * Makes `child` a child group of `parent`. Returns the cycle (e.g. ['a', 'b', 'a']) instead of
   * adding the edge when the edge would close one; the caller reports it with a position.
   */
  addChild(parent: string, child: string): string[] | undefined {
    const p = this.addGroup(parent);
    this.addGroup(child);
    if (p.children.includes(child)) return undefined;
    const back = this.pathDown(child, parent);
    if (back) return [parent, ...back];
    p.children.push(child);
    return undefined;
  }

  /** A path of child links from `from` down to `to` (inclusive), if any. */
  private pathDown(from: string, to: string, seen = new Set<string>()): string[] | undefined {
    if (from === to) return [from];
    if (seen.has(from)) return undefined;
    seen.add(from);
    for (const c of this.groups.get(from)?.children ?? []) {
      const rest = this.pathDown(c, to, seen);
      if (rest) return [from, ...rest];
    }
    return undefined;
  }

  setGroupVars(group: string, vars: Vars): void {
    Object.assign(this.addGroup(group).vars, vars);
  }

  setHostVars(host: string, vars: Vars): void {
    const h = this.hosts.get(host);
    if (h) Object.assign(h.vars, vars);
  }

  /** Ansible's reconcile_inventory: parentless groups go under 'all'; lone hosts into 'ungrouped'. */
  reconcile(): void {
    const hasParent = new Set<string>();
    for (const g of this.groups.values()) for (const c of g.children) hasParent.add(c);
    const all = this.groups.get('all')!;
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && !hasParent.has(g.name)) all.children.push(g.name);
    }
    const ungrouped = this.groups.get('ungrouped')!;
    for (const h of this.hosts.values()) {
      const others = h.groups.filter((g) => g !== 'ungrouped');
      if (others.length > 0 && h.groups.includes('ungrouped')) {
        h.groups = others;
        ungrouped.hosts = ungrouped.hosts.filter((n) => n !== h.name);
      } else if (h.groups.length === 0) {
        h.groups.push('ungrouped');
        ungrouped.hosts.push(h.name);
      }
    }
  }

  toInventory(): Inventory {
    return { source: this.sources.join(', '), hosts: this.hosts, groups: this.groups };
  }
}
