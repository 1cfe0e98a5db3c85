/**
 * Ansible's INI inventory: `[group]` host lines (`name[:port] key=value ...`, split like Python's
 * shlex with `#` comments, values through literal_eval), `[group:vars]` (`key=value`, one per line,
 * the whole rest of the line is the value, literal_eval'd), `[group:children]`; lines before any
 * section are ungrouped hosts; `#` and `;` start comment lines. `[g:vars]` for a group declared
 * nowhere is an error, as in Ansible; a `[g:children]` entry naming a group no section declares
 * creates that group empty.
 */
import { InputError } from '../errors.js';
import type { SourcePos } from '../errors.js';
import { HostPatternError, expandHostPattern } from './host-range.js';
import type { InventoryBuilder } from './inventory-data.js';
import { iniValue } from './py-literal.js';
import { ShlexError, shlexSplit } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  kind: 'vars' | 'children';
  pos: SourcePos;
  /** For 'children': the parent groups that named it, each where it was named. */
  parents: Array<{ group: string; pos: SourcePos }>;
}

export function parseIniInventory(text: string, file: string, b: InventoryBuilder): void {
  const lines = text.split(/\r\n|\n|\r/);
  const pending = new Map<string, Pending>();
  const declared = new Set<string>(b.groups.keys());
  let group = 'ungrouped';
  let state = 'hosts';

  const link = (parent: string, child: string, pos: SourcePos): void => {
    const cycle = b.addChild(parent, child);
    if (cycle) throw new InputError(`group cycle: ${cycle.join(' -> ')}`, pos);
  };
  const resolvePending = (name: string): void => {
    const p = pending.get(name);
    if (!p) return;
    pending.delete(name);
    for (const parent of p.parents) link(parent.group, name, parent.pos);
  };

  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (!line || line[0] === '#' || line[0] === ';') return;
    const pos = (col0 = 0): SourcePos => ({ file, line: lineNo, col: indent + col0 + 1 });

    const m = SECTION.exec(line);
    if (m) {
      const name = m[1]!;
      const kind = m[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'children' && kind !== 'vars') {
        throw new InputError(
          `section [${name}:${kind}] has unknown type '${kind}' (expected [${name}], [${name}:vars] or [${name}:children])`,
          pos(name.length + 2),
        );
      }
      group = name;
      state = kind;
      if (kind === 'vars') {
        if (!declared.has(name) && !pending.has(name)) pending.set(name, { kind: 'vars', pos: pos(), parents: [] });
      } else {
        declared.add(name);
        const p = pending.get(name);
        if (p?.kind === 'vars') pending.delete(name);
        else resolvePending(name);
      }
      b.addGroup(name);
      return;
    }
    if (line.startsWith('[') && (line.endsWith(']') || !line.includes(']'))) {
      throw new InputError(
        `invalid section header '${line}': expected [group], [group:vars] or [group:children] ` + `(a group name has no spaces, ':' or ']')`,
        pos(),
      );
    }

    if (state === 'hosts') {
      parseHostLine(line, group, pos, b);
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) throw new InputError(`expected key=value in [${group}:vars], got '${line}'`, pos());
      const key = line.slice(0, eq).trim();
      if (!key) throw new InputError(`a variable name is missing before '=' in [${group}:vars]`, pos());
      b.setGroupVars(group, { [key]: iniValue(line.slice(eq + 1).trim()) });
    } else {
      const gm = GROUP_NAME.exec(line);
      if (!gm) throw new InputError(`expected a group name in [${group}:children], got '${line}'`, pos());
      const child = gm[1]!;
      if (declared.has(child)) {
        link(group, child, pos());
      } else {
        const p = pending.get(child) ?? { kind: 'children' as const, pos: pos(), parents: [] };
        if (p.kind === 'vars') {
          p.kind = 'children';
          p.pos = pos();
        }
        p.parents.push({ group, pos: pos() });
        pending.set(child, p);
      }
    }
  });

  for (const [name, p] of pending) {
    if (p.kind === 'vars') {
      throw new InputError(`section [${name}:vars] is for group '${name}', which no [${name}] or [${name}:children] section declares`, p.pos);
    }
  }
  // A child group that no section declares is created empty (as the usa/northeast example of
  // Ansible's inventory guide reads; ansible-core's ini plugin itself rejects it).
  for (const name of [...pending.keys()]) resolvePending(name);
}

function parseHostLine(line: string, group: string, pos: (col0?: number) => SourcePos, b: InventoryBuilder): void {
  let tokens;
  try {
    tokens = shlexSplit(line);
  } catch (e) {
    if (e instanceof ShlexError) throw new InputError(`cannot parse host line: ${e.message.toLowerCase()}`, pos(e.index));
    throw e;
  }
  const first = tokens[0];
  if (!first) return; // only a comment after shlex
  if (first.value === '---') {
    throw new InputError(`'---' is not a host name: is this a YAML file? (name it .yml or .yaml)`, pos(first.start));
  }
  let expanded;
  try {
    expanded = expandHostPattern(first.value);
  } catch (e) {
    if (e instanceof HostPatternError) throw new InputError(e.message, pos(first.start));
    throw e;
  }
  const vars: Record<string, unknown> = {};
  for (const t of tokens.slice(1)) {
    const eq = t.value.indexOf('=');
    if (eq < 0) throw new InputError(`expected key=value host variable after the host name, got '${t.value}'`, pos(t.start));
    if (eq === 0) throw new InputError(`a variable name is missing before '=' in '${t.value}'`, pos(t.start));
    vars[t.value.slice(0, eq)] = iniValue(t.value.slice(eq + 1));
  }
  for (const h of expanded.names) {
    b.addHost(h, group);
    if (expanded.port !== undefined) b.setHostVars(h, { ansible_port: expanded.port });
    b.setHostVars(h, vars);
  }
}
