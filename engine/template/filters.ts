/**
 * The Ansible filters playbooks use, on top of nunjucks' own. Every filter but default/d and
 * mandatory fails on an Undefined input, naming the variable (Ansible's strict undefined).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { shq } from '../shell.js';
import { TemplateError } from './errors.js';
import { splitKw } from './kwargs.js';
import { pyJson } from '../python/json.js';
import type { JsonStyle } from '../python/json.js';
import { isMapping, pyEq, pyFormat, pyIn, pyStr, pyType, tuple } from '../python/values.js';
import { pyYaml } from '../python/yaml.js';
import type { YamlStyle } from '../python/yaml.js';
import { pyRegex, pyReplacement } from './regex.js';
import { memberLookup, truthy } from './sandbox.js';
import { Undefined, fail, need } from './undefined.js';

type Fn = (...args: unknown[]) => unknown;
export type TestLookup = (name: string) => Fn;

/** Anything iterable as a list: lists, strings (characters), mappings (keys). */
export function toList(v: unknown): unknown[] {
  need(v);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return Object.keys(v);
  if (v === null || v === undefined) return [];
  throw new TemplateError(`expected a list, got ${typeof v}`);
}

/** a.b.c (Jinja's attribute= argument; numbers index lists). */
function attr(item: unknown, path: unknown): unknown {
  let cur = item;
  for (const part of String(path).split('.')) cur = memberLookup(cur, /^\d+$/.test(part) ? Number(part) : part);
  return cur;
}

function compare(a: unknown, b: unknown, caseSensitive = false): number {
  let x = a;
  let y = b;
  if (!caseSensitive && typeof x === 'string' && typeof y === 'string') {
    x = x.toLowerCase();
    y = y.toLowerCase();
  }
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
}

/** Ansible's bool filter (to_bool): None and booleans as they are; 'yes', 'on', '1', 'true' (any case) and 1 are true. */
function toBool(v: unknown): boolean | null {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1;
  if (typeof v === 'string') return ['yes', 'on', '1', 'true'].includes(v.toLowerCase());
  return false;
}

function toInt(v: unknown, dflt: unknown = 0, base: unknown = 10): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Math.trunc(v);
  const s = String(v).trim();
  const n = Number(base) === 10 ? Number(s) : parseInt(s, Number(base));
  return Number.isFinite(n) ? Math.trunc(n) : Number(dflt);
}

const LIST_MERGES = ['replace', 'keep', 'append', 'prepend', 'append_rp', 'prepend_rp'];

/** Ansible's merge_hash: dicts merged when recursive, lists as list_merge says. */
function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>, recursive: boolean, listMerge: string): Record<string, unknown> {
  if (!LIST_MERGES.includes(listMerge))
    throw new TemplateError(`merge_hash: 'list_merge' argument can only be equal to ${LIST_MERGES.map((m) => `'${m}'`).join(', ')}`);
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (!(k in out)) out[k] = v;
    else if (isMapping(prev) && isMapping(v)) out[k] = recursive ? deepMerge(prev, v, true, listMerge) : v;
    else if (Array.isArray(prev) && Array.isArray(v)) {
      const notInB = prev.filter((x) => !v.some((y) => pyEq(x, y)));
      const merged: Record<string, unknown[]> = {
        replace: v,
        keep: prev,
        append: [...prev, ...v],
        prepend: [...v, ...prev],
        append_rp: [...notInB, ...v],
        prepend_rp: [...v, ...notInB],
      };
      out[k] = merged[listMerge];
    } else out[k] = v;
  }
  return out;
}

function uniq(items: unknown[]): unknown[] {
  const seen: unknown[] = [];
  for (const i of items) if (!seen.some((s) => pyEq(s, i))) seen.push(i);
  return seen;
}

/** yaml.dump keyword arguments a playbook may pass (indent, default_flow_style). */
function yamlStyle(kw: Record<string, unknown>, dflt: YamlStyle): YamlStyle {
  const style: YamlStyle = { ...dflt };
  if (kw.indent !== undefined) style.indent = Number(kw.indent);
  if (kw.default_flow_style !== undefined) style.flow = kw.default_flow_style === null ? null : truthy(kw.default_flow_style);
  return style;
}

/** json.dumps keyword arguments a playbook may pass (indent, sort_keys, ensure_ascii, separators). */
function jsonStyle(kw: Record<string, unknown>, dflt: JsonStyle): JsonStyle {
  const style: JsonStyle = { ...dflt };
  if (kw.indent !== undefined) style.indent = Number(kw.indent);
  if (kw.sort_keys !== undefined) style.sortKeys = truthy(kw.sort_keys);
  if (kw.ensure_ascii !== undefined) style.ensureAscii = truthy(kw.ensure_ascii);
  if (Array.isArray(kw.separators) && kw.separators.length === 2) style.separators = [String(kw.separators[0]), String(kw.separators[1])];
  return style;
}

/** select/reject/selectattr/rejectattr: `items | select('match', '^a')`, `| selectattr('x')`. */
function selector(tests: TestLookup, byAttr: boolean, keep: boolean): Fn {
  return (value: unknown, ...rest: unknown[]) => {
    const { args } = splitKw(rest);
    const [a, testName, ...testArgs] = byAttr ? args : [undefined, ...args];
    return toList(value).filter((item) => {
      const v = byAttr ? attr(item, a) : item;
      const ok = testName === undefined ? truthy(v) : tests(String(testName))(v, ...testArgs) === true;
      return ok === keep;
    });
  };
}

export function makeFilters(tests: TestLookup, filterByName: (name: string) => Fn): Record<string, Fn> {
  const f: Record<string, Fn> = {
    default: (v, d = '', bool = false) => {
      const { args, kw } = splitKw([d, bool]);
      const dflt = args[0] ?? '';
      const boolean = kw.boolean ?? args[1] ?? false;
      if (v instanceof Undefined || v === undefined) return dflt;
      return boolean && !truthy(v) ? dflt : v;
    },
    mandatory: (v, msg) => {
      if (v instanceof Undefined) throw new TemplateError(msg !== undefined ? String(msg) : `mandatory variable '${v.name}' not defined`);
      return v;
    },
    bool: (v) => toBool(v),
    int: (v, ...rest) => {
      const { args, kw } = splitKw(rest);
      return toInt(v, kw.default ?? args[0] ?? 0, kw.base ?? args[1] ?? 10);
    },
    float: (v, d = 0) => {
      const n = Number(v);
      return Number.isFinite(n) ? n : Number(d);
    },
    string: (v) => pyStr(v),
    lower: (v) => String(v).toLowerCase(),
    upper: (v) => String(v).toUpperCase(),
    length: (v) => (isMapping(v) ? Object.keys(v).length : toList(v).length),
    join: (v, ...rest) => {
      const { args, kw } = splitKw(rest);
      const items = kw.attribute !== undefined ? toList(v).map((i) => attr(i, kw.attribute)) : toList(v);
      return items.map(pyStr).join(pyStr(kw.d ?? args[0] ?? ''));
    },
    map: (v, ...rest) => {
      const { args, kw } = splitKw(rest);
      if (kw.attribute !== undefined) {
        return toList(v).map((i) => {
          const r = attr(i, kw.attribute);
          return r instanceof Undefined && 'default' in kw ? kw.default : r;
        });
      }
      const [name, ...fargs] = args;
      if (name === undefined) throw new TemplateError("map needs a filter name or attribute='...'");
      const filter = filterByName(String(name));
      return toList(v).map((i) => filter(i, ...fargs));
    },
    list: (v) => [...toList(v)],
    to_json: (v, ...rest) => pyJson(v, jsonStyle(splitKw(rest).kw, {})),
    to_nice_json: (v, ...rest) => pyJson(v, jsonStyle(splitKw(rest).kw, { indent: 4, sortKeys: true, separators: [',', ': '] })),
    to_yaml: (v, ...rest) => pyYaml(v, yamlStyle(splitKw(rest).kw, { indent: 2, flow: null })),
    to_nice_yaml: (v, ...rest) => pyYaml(v, yamlStyle(splitKw(rest).kw, { indent: 4, flow: false })),
    from_json: (v) => {
      try {
        return JSON.parse(String(v));
      } catch (err) {
        throw new TemplateError(`from_json: ${(err as Error).message}`);
      }
    },
    regex_replace: (v, pattern, repl = '', ...rest) => {
      const { kw } = splitKw(rest);
      return String(v).replace(pyRegex(pattern, kw, true), pyReplacement(repl));
    },
    regex_search: (v, pattern, ...rest) => {
      const { args, kw } = splitKw(rest);
      const m = pyRegex(pattern, kw).exec(String(v));
      if (!m) return null;
      if (args.length === 0) return m[0];
      return args.map((g) => {
        const s = String(g);
        const num = /^\\(\d+)$/.exec(s);
        const name = /^\\g<(\w+)>$/.exec(s);
        return num ? m[Number(num[1])] : name ? m.groups?.[name[1]!] : undefined;
      });
    },
    regex_findall: (v, pattern, ...rest) => {
      const { kw } = splitKw(rest);
      return [...String(v).matchAll(pyRegex(pattern, kw, true))].map((m) => (m.length > 2 ? m.slice(1) : (m[1] ?? m[0])));
    },
    basename: (v) => posix.basename(String(v)),
    dirname: (v) => posix.dirname(String(v)),
    quote: (v) => shq(String(v)),
    combine: (v, ...rest) => {
      const { args, kw } = splitKw(rest);
      const dicts = [v, ...args].flatMap((d) => (Array.isArray(d) ? d : [d]));
      return dicts.reduce<Record<string, unknown>>((acc, d) => {
        if (!isMapping(need(d))) throw new TemplateError(`combine expects mappings, got ${JSON.stringify(d)}`);
        return deepMerge(acc, d, Boolean(kw.recursive), String(kw.list_merge ?? 'replace'));
      }, {});
    },
    dict2items: (v, ...rest) => {
      const { kw } = splitKw(rest);
      if (!isMapping(v)) throw new TemplateError(`dict2items expects a mapping, got ${JSON.stringify(v)}`);
      return Object.entries(v).map(([k, val]) => ({ [String(kw.key_name ?? 'key')]: k, [String(kw.value_name ?? 'value')]: val }));
    },
    items2dict: (v, ...rest) => {
      const { kw } = splitKw(rest);
      const kn = String(kw.key_name ?? 'key');
      const vn = String(kw.value_name ?? 'value');
      return Object.fromEntries(toList(v).map((i) => [String(need(attr(i, kn))), attr(i, vn)]));
    },
    unique: (v) => uniq(toList(v)),
    first: (v) => {
      const l = toList(v);
      return l.length ? l[0] : new Undefined('first', 'first of an empty list');
    },
    last: (v) => {
      const l = toList(v);
      return l.length ? l[l.length - 1] : new Undefined('last', 'last of an empty list');
    },
    min: (v, ...rest) => {
      const { kw } = splitKw(rest);
      const key = (i: unknown) => (kw.attribute !== undefined ? attr(i, kw.attribute) : i);
      const l = toList(v);
      return l.length ? l.reduce((a, b) => (compare(key(b), key(a), Boolean(kw.case_sensitive)) < 0 ? b : a)) : new Undefined('min', 'min of an empty list');
    },
    max: (v, ...rest) => {
      const { kw } = splitKw(rest);
      const key = (i: unknown) => (kw.attribute !== undefined ? attr(i, kw.attribute) : i);
      const l = toList(v);
      return l.length ? l.reduce((a, b) => (compare(key(b), key(a), Boolean(kw.case_sensitive)) > 0 ? b : a)) : new Undefined('max', 'max of an empty list');
    },
    sort: (v, ...rest) => {
      const { args, kw } = splitKw(rest);
      const reverse = Boolean(kw.reverse ?? args[0] ?? false);
      const cs = Boolean(kw.case_sensitive ?? args[1] ?? false);
      const a = kw.attribute ?? args[2];
      const key = (i: unknown) => (a !== undefined ? attr(i, a) : i);
      const out = [...toList(v)].sort((x, y) => compare(key(x), key(y), cs));
      return reverse ? out.reverse() : out;
    },
    flatten: (v, ...rest) => {
      const { args, kw } = splitKw(rest);
      const levels = kw.levels ?? args[0];
      // Ansible's flatten drops None (and the strings 'None' and 'null') unless skip_nulls=False.
      const out = toList(v).flat(levels === undefined || levels === null ? Infinity : Number(levels));
      return kw.skip_nulls === false ? out : out.filter((x) => x !== null && x !== 'None' && x !== 'null');
    },
    difference: (a, b) => {
      const other = toList(b);
      return uniq(toList(a).filter((x) => !pyIn(x, other)));
    },
    intersect: (a, b) => {
      const other = toList(b);
      return uniq(toList(a).filter((x) => pyIn(x, other)));
    },
    union: (a, b) => uniq([...toList(a), ...toList(b)]),
    ternary: (v, yes, no, none) => (v === null && none !== undefined ? none : truthy(v) ? yes : no),
    split: (v, sep) => (sep === undefined ? String(v).trim().split(/\s+/) : String(v).split(String(sep))),
    b64encode: (v) => Buffer.from(String(v), 'utf8').toString('base64'),
    b64decode: (v) => Buffer.from(String(v), 'base64').toString('utf8'),
    // Python's re.escape: every character but letters, digits and _ escaped.
    regex_escape: (v) => String(v).replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`),
    from_yaml: (v) => {
      try {
        return parseYaml(String(v));
      } catch (err) {
        throw new TemplateError(`from_yaml: ${(err as Error).message.split('\n')[0]}`);
      }
    },
    // Ansible's: unique(a + b) without what both hold, in that order.
    symmetric_difference: (a, b) => {
      const mine = toList(a);
      const other = toList(b);
      const both = mine.filter((x) => pyIn(x, other));
      return uniq([...mine, ...other]).filter((x) => !pyIn(x, both));
    },
    zip: (v, ...rest) => {
      const lists = [toList(v), ...splitKw(rest).args.map(toList)];
      const n = Math.min(...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
    },
    zip_longest: (v, ...rest) => {
      const { args, kw } = splitKw(rest);
      const lists = [toList(v), ...args.map(toList)];
      const n = Math.max(...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : (kw.fillvalue ?? null))));
    },
    product: (v, ...rest) => {
      const lists = [toList(v), ...splitKw(rest).args.map(toList)];
      return lists.reduce<unknown[][]>((acc, l) => acc.flatMap((p) => l.map((x) => [...p, x])), [[]]);
    },
    // Python's os.path.splitext: the extension from the last dot of the last component (not a leading one).
    splitext: (v) => {
      const p = String(v);
      const base = p.slice(p.lastIndexOf('/') + 1);
      const dot = base.lastIndexOf('.');
      if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return [p, ''];
      const cut = p.length - base.length + dot;
      return [p.slice(0, cut), p.slice(cut)];
    },
    hash: (v, algo = 'sha1') => createHash(String(algo)).update(String(v)).digest('hex'),
    checksum: (v) => createHash('sha1').update(String(v)).digest('hex'),
    urlsplit: (v, query) => {
      const parts = urlParts(String(v));
      if (query === undefined) return parts;
      if (!(String(query) in parts)) throw new TemplateError(`urlsplit: unknown URL component: ${String(query)}`);
      return parts[String(query)];
    },
    type_debug: (v) => pyType(v),
    // Jinja's format: printf-style, positional arguments or keyword arguments
    format: (v, ...rest) => {
      const { args, kw } = splitKw(rest);
      return pyFormat(pyStr(v), Object.keys(kw).length > 0 ? kw : tuple(...args));
    },
  };
  f.d = f.default!;
  f.count = f.length!;
  f.select = selector(tests, false, true);
  f.reject = selector(tests, false, false);
  f.selectattr = selector(tests, true, true);
  f.rejectattr = selector(tests, true, false);
  return f;
}

/** Python's urllib.parse.urlsplit, as Ansible's urlsplit filter gives it (a mapping). */
function urlParts(url: string): Record<string, unknown> {
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(url) ?? [];
  const netloc = m[2] ?? '';
  const at = netloc.lastIndexOf('@');
  const userinfo = at >= 0 ? netloc.slice(0, at) : '';
  const hostport = at >= 0 ? netloc.slice(at + 1) : netloc;
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
  const host = hp?.[1] ?? '';
  return {
    scheme: (m[1] ?? '').toLowerCase(),
    netloc,
    path: m[3] ?? '',
    query: m[4] ?? '',
    fragment: m[5] ?? '',
    username: at >= 0 ? userinfo.split(':')[0] : null,
    password: at >= 0 && userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : null,
    hostname: host ? host.replace(/^\[|\]$/g, '').toLowerCase() : null,
    port: hp?.[2] ? Number(hp[2]) : null,
  };
}

/** Wrap a filter so an Undefined input fails with the variable's name. */
export function strict(fn: Fn): Fn {
  return function (this: unknown, value: unknown, ...rest: unknown[]) {
    if (value instanceof Undefined) fail(value);
    return fn.call(this, value, ...rest);
  };
}
