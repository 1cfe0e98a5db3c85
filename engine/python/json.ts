/**
 * Python's json.dumps, as Ansible's to_json and to_nice_json call it (separators ', ' and ': ',
 * ',' between items when indenting, non-ASCII escaped as \uXXXX by default, keys in their order or
 * sorted) and as its callbacks print results (sorted, ensure_ascii off; resultJson). Keys whose
 * value is undefined or a function are left out, as JSON.stringify leaves them.
 */
import { TemplateError } from '../template/errors.js';
import { need } from '../template/undefined.js';
import { pyNumber } from './values.js';

export interface JsonStyle {
  indent?: number;
  sortKeys?: boolean;
  /** [item separator, key separator]; Python's default is [', ', ': '], or [',', ': '] with an indent. */
  separators?: [string, string];
  ensureAscii?: boolean;
}

function quote(s: string, ascii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || (ascii && c > 0x7e)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return pyNumber(n);
}

export function pyJson(value: unknown, style: JsonStyle = {}): string {
  const ascii = style.ensureAscii ?? true;
  const indent = style.indent;
  const [itemSep, keySep] = style.separators ?? (indent === undefined ? [', ', ': '] : [',', ': ']);
  const walk = (v: unknown, depth: number): string => {
    need(v);
    if (v === null || v === undefined || typeof v === 'function' || typeof v === 'symbol') return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return num(v);
    if (typeof v === 'string' || v instanceof String) return quote(String(v), ascii);
    if (typeof v === 'bigint') return String(v);
    if (typeof v !== 'object') throw new TemplateError(`Object of type ${typeof v} is not JSON serializable`);
    const entries: [string | undefined, unknown][] = Array.isArray(v)
      ? v.map((x) => [undefined, x])
      : Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol');
    if (!Array.isArray(v) && style.sortKeys) entries.sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
    const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return open + close;
    const items = entries.map(([k, x]) => (k === undefined ? '' : quote(k, ascii) + keySep) + walk(x, depth + 1));
    if (indent === undefined) return open + items.join(itemSep) + close;
    const inner = '\n' + ' '.repeat(indent * (depth + 1));
    return open + inner + items.join(itemSep.trimEnd() + inner) + '\n' + ' '.repeat(indent * depth) + close;
  };
  return walk(value, 0);
}

/** A task result as Ansible's callbacks print it: keys sorted, non-ASCII kept, indented or on one line. */
export function resultJson(value: unknown, indent?: number): string {
  return pyJson(value, { indent, sortKeys: true, ensureAscii: false });
}
