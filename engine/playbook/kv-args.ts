/**
 * Ansible's short form of module arguments: `virtio_nic: guests=win10 restart=if_needed`.
 * Split on whitespace outside quotes and outside `{{ }}` / `{% %}`; every word must be key=value.
 * Unquoted values are read as YAML scalars (5 -> 5, yes -> true), as Ansible's argument spec
 * would convert them; quoted values stay strings.
 */
import { parse as parseScalar } from 'yaml';

export class KvError extends Error {}

function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const two = s.slice(i, i + 2);
    if (quote) {
      cur += c;
      if (c === '\\' && i + 1 < s.length) cur += s[++i];
      else if (c === quote) quote = undefined;
    } else if (two === '{{' || two === '{%') {
      depth++;
      cur += two;
      i++;
    } else if (depth > 0 && (two === '}}' || two === '%}')) {
      depth--;
      cur += two;
      i++;
    } else if (depth === 0 && /\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
    } else {
      if ((c === '"' || c === "'") && depth === 0) quote = c;
      cur += c;
    }
  }
  if (quote) throw new KvError(`unterminated ${quote} quote`);
  if (cur) out.push(cur);
  return out;
}

function unquote(v: string): string {
  const q = v[0];
  if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) {
    const inner = v.slice(1, -1);
    return q === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner.replace(/\\'/g, "'");
  }
  return v.replace(/(["'])((?:\\.|(?!\1).)*)\1/g, '$2');
}

/**
 * `typed: false` keeps every value a string, as ansible-playbook does for `-e key=value`.
 */
export function parseKvArgs(s: string, opts: { typed?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const w of words(s.trim())) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new KvError(`expected key=value, got '${w}'`);
    const key = w.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new KvError(`'${key}' is not a valid name (letters, digits and _, not starting with a digit)`);
    if (key in out) throw new KvError(`argument '${key}' given twice`);
    const raw = w.slice(eq + 1);
    if (opts.typed === false || raw.startsWith('"') || raw.startsWith("'") || /\{\{|\{%/.test(raw)) out[key] = unquote(raw);
    else {
      try {
        out[key] = raw === '' ? '' : parseScalar(raw, { version: '1.1' });
      } catch {
        out[key] = raw;
      }
    }
  }
  return out;
}
