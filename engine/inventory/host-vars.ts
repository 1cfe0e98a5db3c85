/**
 * The variables of one host, merged with Ansible's precedence (lowest first):
 *   1. group 'all' vars from the inventory source
 *   2. every other group's inventory-source vars, groups sorted by (depth, ansible_group_priority,
 *      name): parents before children, a higher priority later, then alphabetically
 *   3. group_vars/all beside the inventory, 4. group_vars/all beside the playbook
 *   5. group_vars/<group> beside the inventory (same group order), 6. beside the playbook
 *   7. host vars: inventory source < host_vars/ beside the inventory < beside the playbook
 *   8. magic vars: inventory_hostname, inventory_hostname_short, group_names (sorted, without
 *      'all'; an ungrouped host has ['ungrouped'], as in Ansible), groups (every group -> its hosts)
 * inventory_file and inventory_dir are host vars set where the host was first seen.
 *
 * Connection vars the runner reads from the result (this module does not connect):
 *   ansible_host                  address to connect to (default: the inventory name)
 *   ansible_port                  SSH port (default 22; `host:2222` in the inventory sets it)
 *   ansible_user                  remote user (default: --user, else the local user)
 *   ansible_ssh_private_key_file  private key file (default: --private-key, else the agent/defaults)
 *   ansible_connection            'ssh' (default) or 'local' (run on the control machine)
 *   libvirt_uri                   the libvirt URI the libvirt modules use: default qemu:///system
 */
import type { Inventory, Vars } from '../types.js';
import { groupDepths, groupHosts, hostGroups, parentMap } from './group-tree.js';

export const DEFAULT_LIBVIRT_URI = 'qemu:///system';

interface TreeCache {
  parents: Map<string, string[]>;
  depths: Map<string, number>;
  groupsDict: Record<string, string[]>;
}
const cache = new WeakMap<Inventory, TreeCache>();

/** Structure-derived data, computed once per inventory object (the group tree does not change after loading). */
function tree(inv: Inventory): TreeCache {
  let t = cache.get(inv);
  if (!t) {
    const parents = parentMap(inv);
    const groupsDict: Record<string, string[]> = {};
    for (const g of inv.groups.keys()) groupsDict[g] = Object.freeze(groupHosts(inv, g)) as string[];
    Object.freeze(groupsDict);
    t = { parents, depths: groupDepths(inv, parents), groupsDict };
    cache.set(inv, t);
  }
  return t;
}

function priority(inv: Inventory, group: string): number {
  const p = Number(inv.groups.get(group)?.vars.ansible_group_priority ?? 1);
  return Number.isFinite(p) ? Math.trunc(p) : 1;
}

/** The host's groups (without 'all'), in the order their vars apply. */
export function sortedHostGroups(inv: Inventory, host: string): string[] {
  const t = tree(inv);
  return hostGroups(inv, host, t.parents)
    .filter((g) => g !== 'all')
    .sort((a, b) => (t.depths.get(a) ?? 0) - (t.depths.get(b) ?? 0) || priority(inv, a) - priority(inv, b) || (a < b ? -1 : a > b ? 1 : 0));
}

function isIpAddress(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || (name.includes(':') && /^[0-9a-fA-F:.%\w]+$/.test(name));
}

export function hostVars(inv: Inventory, host: string): Vars {
  const h = inv.hosts.get(host);
  if (!h) throw new Error(`hostVars: no host '${host}' in the inventory`);
  const groups = sortedHostGroups(inv, host);
  const all = inv.groups.get('all');
  const layers: Array<Vars | undefined> = [
    all?.vars,
    ...groups.map((g) => inv.groups.get(g)?.vars),
    all?.fileVars?.inventory,
    all?.fileVars?.playbook,
    ...groups.map((g) => inv.groups.get(g)?.fileVars?.inventory),
    ...groups.map((g) => inv.groups.get(g)?.fileVars?.playbook),
    h.vars,
  ];
  const out: Vars = {};
  for (const l of layers) if (l) Object.assign(out, structuredClone(l));
  out.libvirt_uri ??= DEFAULT_LIBVIRT_URI;
  out.inventory_hostname = host;
  out.inventory_hostname_short = isIpAddress(host) ? host : host.split('.')[0];
  out.group_names = [...groups].sort();
  out.groups = tree(inv).groupsDict; // shared and frozen: the same for every host
  return out;
}
