/**
 * Ansible's YAML inventory: top-level groups (usually `all`), each with `hosts` (host pattern ->
 * vars or empty), `vars`, and `children` (nested groups, same shape). Validated against
 * schemas/inventory.schema.json; every error names file:line:col.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { InputError } from '../errors.js';
import { schemasDir } from '../paths.js';
import { compileSchema } from '../playbook/ajv.js';
import type { Vars } from '../types.js';
import { parseYaml } from '../yaml/parse.js';
import type { ParsedYaml } from '../yaml/parse.js';
import { yamlPathPos } from '../yaml/positions.js';
import type { YamlPath } from '../yaml/positions.js';
import { schemaErrorsToInputError } from '../yaml/schema-errors.js';
import { HostPatternError, expandHostPattern } from './host-range.js';
import type { InventoryBuilder } from './inventory-data.js';

let validate: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!validate) {
    const schema = JSON.parse(readFileSync(path.join(schemasDir, 'inventory.schema.json'), 'utf8')) as object;
    validate = compileSchema('inventory', schema);
  }
  return validate;
}

/** "hosts of group 'web'", "host 'h1' in group 'web'", ... from a path in the document. */
export function describeInventoryPath(p: YamlPath): string {
  if (p.length === 0) return 'the inventory';
  let group = String(p[0]);
  for (let i = 1; i < p.length; i++) {
    const seg = String(p[i]);
    const last = i === p.length - 1;
    if (seg === 'children') {
      if (last) return `children of group '${group}'`;
      group = String(p[++i]);
    } else if (seg === 'hosts') {
      if (last) return `hosts of group '${group}'`;
      const host = String(p[i + 1]);
      return i + 1 === p.length - 1 ? `host '${host}' in group '${group}'` : `variables of host '${host}'`;
    } else if (seg === 'vars') {
      return `vars of group '${group}'`;
    } else {
      return `group '${group}'`;
    }
  }
  return `group '${group}'`;
}

type GroupData = {
  hosts?: Record<string, Vars | null> | string | null;
  vars?: Vars | null;
  children?: Record<string, GroupData | null> | string | null;
} | null;

/** True when parsed YAML looks like a YAML inventory (a mapping whose values are mappings or empty). */
export function looksLikeYamlInventory(data: unknown): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  return Object.values(data).every((v) => v === null || (typeof v === 'object' && !Array.isArray(v)));
}

export function loadYamlInventory(parsed: ParsedYaml, b: InventoryBuilder): void {
  const { doc, lineCounter, file } = parsed;
  if (doc.contents === null) return; // an empty file is an empty inventory
  const data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  const v = validator();
  if (!v(data)) throw schemaErrorsToInputError(v.errors ?? [], { file, doc, lineCounter, describe: describeInventoryPath });
  const at = (p: YamlPath, key = false) => ({ file, ...yamlPathPos(doc, lineCounter, p, key) });

  const addChildren = (name: string, value: NonNullable<GroupData>['children'], p: YamlPath): void => {
    const children = typeof value === 'string' ? { [value]: null } : (value ?? {});
    for (const [child, cg] of Object.entries(children)) {
      const cp = [...p, 'children', child];
      parseGroup(child, cg, cp);
      const cycle = b.addChild(name, child);
      if (cycle) throw new InputError(`group cycle: ${cycle.join(' -> ')}`, at(cp, true));
    }
  };
  const addHosts = (name: string, value: NonNullable<GroupData>['hosts'], p: YamlPath): void => {
    const hosts = typeof value === 'string' ? { [value]: null } : (value ?? {});
    for (const [pattern, hv] of Object.entries(hosts)) {
      let expanded;
      try {
        expanded = expandHostPattern(pattern);
      } catch (e) {
        if (e instanceof HostPatternError) throw new InputError(e.message, at([...p, 'hosts', pattern], true));
        throw e;
      }
      for (const h of expanded.names) {
        b.addHost(h, name);
        if (expanded.port !== undefined) b.setHostVars(h, { ansible_port: expanded.port });
        if (hv) b.setHostVars(h, hv);
      }
    }
  };
  function parseGroup(name: string, g: GroupData, p: YamlPath): void {
    b.addGroup(name);
    if (!g) return;
    for (const key of Object.keys(g) as Array<keyof NonNullable<GroupData>>) {
      if (key === 'vars' && g.vars) b.setGroupVars(name, g.vars);
      if (key === 'children') addChildren(name, g.children, p);
      if (key === 'hosts') addHosts(name, g.hosts, p);
    }
  }
  for (const [name, g] of Object.entries(data as Record<string, GroupData>)) parseGroup(name, g, [name]);
}

export function parseYamlInventoryText(text: string, file: string, b: InventoryBuilder): void {
  loadYamlInventory(parseYaml(text, file), b);
}
