/**
 * loadInventory(-i sources): each source is an inventory file (YAML or INI, told apart as
 * Ansible's plugins do), a directory (its files, sorted, recursively; hidden files, host_vars/,
 * group_vars/ and Ansible's ignored extensions skipped), or, when no such path exists and it has a
 * comma, a host list ("h1,h2,"). Sources merge in order; group_vars/ and host_vars/ beside each
 * source are read after all sources are parsed.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, OptionsError } from '../errors.js';
import type { Inventory } from '../types.js';
import { parseYaml } from '../yaml/parse.js';
import type { ParsedYaml } from '../yaml/parse.js';
import { HostPatternError, expandHostPattern } from './host-range.js';
import { parseIniInventory } from './ini-inventory.js';
import { InventoryBuilder } from './inventory-data.js';
import { loadVarsDirs } from './vars-dirs.js';
import { loadYamlInventory, looksLikeYamlInventory } from './yaml-inventory.js';

/** Ansible's INVENTORY_IGNORE_EXTS for files inside an inventory directory (note: .ini too). */
const IGNORED_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];
const IGNORED_NAMES = new Set(['host_vars', 'group_vars', 'vars_plugins']);
const YAML_EXTS = new Set(['.yml', '.yaml', '.json']);

export function isIgnoredInDirectory(name: string): boolean {
  return name.startsWith('.') || IGNORED_NAMES.has(name) || IGNORED_EXTS.some((e) => name.endsWith(e));
}

async function statOrUndefined(p: string) {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}

async function directoryFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (isIgnoredInDirectory(name)) continue;
    const full = path.join(dir, name);
    const s = await statOrUndefined(full);
    if (s?.isDirectory()) out.push(...(await directoryFiles(full)));
    else if (s?.isFile()) out.push(full);
  }
  return out;
}

/** Parses one inventory file into the builder, picking YAML or INI as Ansible's plugins would. */
export async function loadInventoryFile(file: string, b: InventoryBuilder): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new OptionsError(`cannot read the inventory ${file}: ${(e as Error).message}`);
  }
  if (YAML_EXTS.has(path.extname(file).toLowerCase())) {
    loadYamlInventory(parseYaml(text, file), b);
    return;
  }
  if (path.extname(file).toLowerCase() !== '.ini') {
    let parsed: ParsedYaml | undefined;
    try {
      parsed = parseYaml(text, file);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
    if (parsed?.doc.contents && looksLikeYamlInventory(parsed.doc.toJS({ maxAliasCount: 1000 }))) {
      loadYamlInventory(parsed, b);
      return;
    }
  }
  parseIniInventory(text, file, b);
}

function loadHostList(list: string, b: InventoryBuilder): void {
  for (const item of list.split(',')) {
    const h = item.trim();
    if (!h) continue;
    let expanded;
    try {
      expanded = expandHostPattern(h);
    } catch (e) {
      if (e instanceof HostPatternError) throw new OptionsError(`inventory host list '${list}': ${e.message}`);
      throw e;
    }
    for (const name of expanded.names) {
      b.addHost(name, 'ungrouped');
      if (expanded.port !== undefined) b.setHostVars(name, { ansible_port: expanded.port });
    }
  }
}

export async function loadInventory(paths: string[]): Promise<Inventory> {
  const b = new InventoryBuilder();
  const varsDirs: string[] = [];
  for (const p of paths) {
    const s = await statOrUndefined(p);
    if (!s) {
      if (p.includes(',')) {
        b.currentSource = p;
        loadHostList(p, b);
        b.sources.push(p);
        continue;
      }
      throw new OptionsError(`the inventory ${p} could not be found (expected a file, a directory, or a comma-separated host list such as 'host1,host2,')`);
    }
    const abs = path.resolve(p);
    b.sources.push(p);
    if (s.isDirectory()) {
      for (const f of await directoryFiles(abs)) {
        b.currentSource = f;
        await loadInventoryFile(path.join(p, path.relative(abs, f)), b);
      }
      varsDirs.push(abs);
    } else {
      b.currentSource = abs;
      await loadInventoryFile(p, b);
      varsDirs.push(path.dirname(abs));
    }
  }
  b.currentSource = undefined;
  b.reconcile();
  const inv = b.toInventory();
  for (const dir of new Set(varsDirs)) await loadVarsDirs(dir, inv, 'inventory');
  return inv;
}
