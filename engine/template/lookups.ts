/**
 * Ansible's lookup() and query()/q() for the lookups that read nothing but the control machine's
 * environment and files: env, file, first_found, vars, items/list. lookup joins several values
 * with ',' (wantlist=True: the list); query always gives the list. A file is looked for as Ansible
 * does beside a playbook: PLAYBOOK_DIR/files/NAME, then PLAYBOOK_DIR/NAME, then the current folder.
 * Lookups that run commands or reach the network (pipe, url, ...) are refused by name.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { TemplateError } from './errors.js';
import { splitKw } from './kwargs.js';
import { templateVars } from './sandbox.js';
import { Undefined, need } from './undefined.js';

type Vars = Record<string, unknown>;
type Lookup = (terms: unknown[], kw: Record<string, unknown>, vars: Vars) => unknown[];

const flatten = (terms: unknown[]): unknown[] => terms.flatMap((t) => (Array.isArray(t) ? flatten(t) : [t]));

function candidates(name: string, vars: Vars): string[] {
  if (isAbsolute(name)) return [name];
  const dir = typeof vars.playbook_dir === 'string' ? vars.playbook_dir : undefined;
  return [...(dir ? [join(dir, 'files', name), join(dir, name)] : []), resolve(name)];
}

const findFile = (name: string, vars: Vars): string | undefined => candidates(name, vars).find((p) => existsSync(p) && statSync(p).isFile());

const LOOKUPS: Record<string, Lookup> = {
  env: (terms, kw) => terms.map((t) => process.env[String(t)] ?? (kw.default !== undefined ? kw.default : '')),
  file: (terms, kw, vars) =>
    terms.map((t) => {
      const path = findFile(String(t), vars);
      if (!path) throw new TemplateError(`could not locate file in lookup: ${String(t)}`);
      const text = readFileSync(path, 'utf8');
      const rstrip = kw.rstrip === undefined ? true : Boolean(kw.rstrip);
      const lstrip = Boolean(kw.lstrip);
      return lstrip ? (rstrip ? text.trim() : text.trimStart()) : rstrip ? text.trimEnd() : text;
    }),
  first_found: (terms, kw, vars) => {
    const names: string[] = [];
    const paths: string[] = [];
    for (const t of flatten(terms)) {
      if (t !== null && typeof t === 'object') {
        const o = t as { files?: unknown; paths?: unknown };
        names.push(...flatten([o.files ?? []]).flatMap((f) => String(f).split(/[,;]/)));
        paths.push(...flatten([o.paths ?? []]).flatMap((p) => String(p).split(/[,;]/)));
      } else names.push(String(t));
    }
    for (const f of names.map((n) => n.trim()).filter(Boolean)) {
      const found = paths.length > 0 ? paths.map((p) => join(p, f)).find((p) => findFile(p, vars)) : f;
      const path = found === undefined ? undefined : findFile(found, vars);
      if (path) return [path];
    }
    if (kw.skip === true || kw.errors === 'ignore') return [];
    throw new TemplateError(`No file was found when using first_found (${names.join(', ')})`);
  },
  vars: (terms, kw, vars) =>
    terms.map((t) => {
      const v = vars[String(t)];
      if (v === undefined || v instanceof Undefined) {
        if (kw.default !== undefined) return kw.default;
        throw new TemplateError(`No variable found with this name: ${String(t)}`);
      }
      return v;
    }),
  items: (terms) => flatten(terms),
  list: (terms) => terms,
};

const REFUSED = new Set(['pipe', 'url', 'password', 'template', 'fileglob', 'lines', 'csvfile', 'ini', 'dig', 'community.general.dig']);

function run(self: unknown, name: unknown, rest: unknown[]): { values: unknown[]; kw: Record<string, unknown> } {
  const { args, kw } = splitKw(rest);
  const n = String(need(name)).replace(/^ansible\.builtin\./, '');
  const vars = templateVars(self) as Vars;
  const fn = LOOKUPS[n];
  if (!fn) {
    if (REFUSED.has(n))
      throw new TemplateError(`lookup '${n}' is not available in virtplay (it would run commands, reach the network or read templates on the control machine)`);
    throw new TemplateError(`lookup plugin (${n}) not found; virtplay has: ${Object.keys(LOOKUPS).join(', ')}`);
  }
  return {
    values: fn(
      args.map((a) => need(a)),
      kw,
      vars,
    ),
    kw,
  };
}

/** lookup('env', 'HOME'): one value, several joined with ',' (wantlist=True: the list). */
export function lookup(this: unknown, name: unknown, ...rest: unknown[]): unknown {
  const { values, kw } = run(this, name, rest);
  if (kw.wantlist === true) return values;
  return values.length === 1 ? values[0] : values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
}

/** query('env', 'A', 'B') / q(...): always the list. */
export function query(this: unknown, name: unknown, ...rest: unknown[]): unknown[] {
  return run(this, name, rest).values;
}
