/**
 * group_vars/ and host_vars/ beside an inventory source or a playbook, found as Ansible's
 * host_group_vars plugin finds them: `<dir>/group_vars/<group>` with no extension, `.yml`, `.yaml`
 * or `.json`, or a directory of such files (recursively, sorted, hidden and `~` files skipped).
 * Only groups and hosts that exist in the inventory are read. Host vars merge into host.vars
 * (inventory < host_vars/ beside the inventory < host_vars/ beside the playbook); group vars go
 * to group.fileVars, which host-vars.ts ranks as Ansible does.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { Inventory, Vars } from '../types.js';
import { parseYaml } from '../yaml/parse.js';
import { describeValue } from '../yaml/schema-errors.js';

export type VarsSide = 'inventory' | 'playbook';

const EXTS = ['', '.yml', '.yaml', '.json'];

async function kind(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

async function dirFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const full = path.join(dir, name);
    const ext = path.extname(name);
    const k = await kind(full);
    if (k === 'dir' && !ext) out.push(...(await dirFiles(full)));
    else if (k === 'file' && EXTS.includes(ext)) out.push(full);
  }
  return out;
}

/** The files holding vars for `name` under `base` (e.g. base = inventory/group_vars). */
export async function findVarsFiles(base: string, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const ext of EXTS) {
    const full = path.join(base, name + ext);
    const k = await kind(full);
    if (k === undefined) continue;
    found.push(...(k === 'dir' ? await dirFiles(full) : [full]));
    break; // the first of name, name.yml, name.yaml, name.json that exists, as Ansible
  }
  return found;
}

/** Reads one vars file: a mapping of variable names (an empty file is no variables). */
export async function readVarsFile(file: string): Promise<Vars> {
  const parsed = parseYaml(await readFile(file, 'utf8'), file);
  if (parsed.doc.contents === null) return {};
  const data = parsed.doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Date) {
    const r = parsed.doc.contents.range;
    const lp = r ? parsed.lineCounter.linePos(r[0]) : undefined;
    throw new InputError(`a vars file must be a mapping of variable names to values, got ${describeValue(data)}`, {
      file,
      line: lp?.line,
      col: lp?.col,
    });
  }
  return data as Vars;
}

async function readAll(files: string[]): Promise<Vars> {
  const out: Vars = {};
  for (const f of files) Object.assign(out, await readVarsFile(f));
  return out;
}

/**
 * Loads `<dir>/group_vars/` and `<dir>/host_vars/` into the inventory (mutating it). The loader
 * calls it for each inventory source's directory; the runner calls it with side 'playbook' for
 * the playbook's directory. Returns the inventory for chaining.
 */
export async function loadVarsDirs(dir: string, inventory: Inventory, side: VarsSide = 'playbook'): Promise<Inventory> {
  const gdir = path.join(dir, 'group_vars');
  if ((await kind(gdir)) === 'dir') {
    for (const g of inventory.groups.values()) {
      const files = await findVarsFiles(gdir, g.name);
      if (files.length === 0) continue;
      g.fileVars ??= { inventory: {}, playbook: {} };
      Object.assign(g.fileVars[side], await readAll(files));
    }
  }
  const hdir = path.join(dir, 'host_vars');
  if ((await kind(hdir)) === 'dir') {
    for (const h of inventory.hosts.values()) {
      const files = await findVarsFiles(hdir, h.name);
      if (files.length > 0) Object.assign(h.vars, await readAll(files));
    }
  }
  return inventory;
}
