/** Jinja/Ansible tests: `x is defined`, `r is changed`, `name is match('^win')`. */
import { TemplateError } from './errors.js';
import { splitKw } from './kwargs.js';
import { pyRegex } from './regex.js';
import { truthy } from './sandbox.js';
import { isMapping, pyCompare, pyIn } from '../python/values.js';
import { Undefined, need } from './undefined.js';

type Fn = (...args: unknown[]) => unknown;

function result(v: unknown): Record<string, unknown> {
  const r = need(v);
  if (!isMapping(r)) return {};
  return r;
}

function contains(container: unknown, item: unknown): boolean {
  const c = need(container);
  if (typeof c === 'string' && typeof item !== 'string') return false;
  return Array.isArray(c) || typeof c === 'string' || isMapping(c) ? pyIn(item, c) : false;
}

const failed = (v: unknown) => result(v).failed === true;

/** LooseVersion's parts: numbers and words, "2.14.0rc1" -> [2, 14, 0, 'rc', 1]. */
function versionParts(v: unknown): (number | string)[] {
  return (String(v).match(/\d+|[a-z]+/gi) ?? []).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function versionCmp(a: unknown, b: unknown): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p < q ? -1 : 1;
    return String(p) < String(q) ? -1 : 1;
  }
  return 0;
}

const VERSION_OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  lt: (c) => c < 0,
  '<=': (c) => c <= 0,
  le: (c) => c <= 0,
  '>': (c) => c > 0,
  gt: (c) => c > 0,
  '>=': (c) => c >= 0,
  ge: (c) => c >= 0,
  '==': (c) => c === 0,
  '=': (c) => c === 0,
  eq: (c) => c === 0,
  '!=': (c) => c !== 0,
  '<>': (c) => c !== 0,
  ne: (c) => c !== 0,
};

/** Ansible's version test (loose versions): `'2.14.1' is version('2.10', '>=')`, operator default ==. */
function versionTest(v: unknown, other: unknown, rest: unknown[]): boolean {
  const { args, kw } = splitKw(rest);
  const op = String(kw.operator ?? args[0] ?? 'eq');
  const check = VERSION_OPS[op];
  if (!check) throw new TemplateError(`version: invalid operator type (${op})`);
  return check(versionCmp(v, other));
}

export const tests: Record<string, Fn> = {
  defined: (v) => !(v instanceof Undefined) && v !== undefined,
  undefined: (v) => v instanceof Undefined || v === undefined,
  none: (v) => need(v) === null,
  string: (v) => typeof need(v) === 'string',
  number: (v) => typeof need(v) === 'number',
  integer: (v) => Number.isInteger(need(v)),
  float: (v) => typeof need(v) === 'number' && !Number.isInteger(v),
  boolean: (v) => typeof need(v) === 'boolean',
  mapping: (v) => isMapping(need(v)),
  iterable: (v) => Array.isArray(need(v)) || typeof v === 'string' || isMapping(v),
  sequence: (v) => Array.isArray(need(v)) || typeof v === 'string',
  match: (v, p, ...rest) => new RegExp(`^(?:${pyRegex(p, splitKw(rest).kw).source})`, pyRegex(p, splitKw(rest).kw).flags).test(String(need(v))),
  search: (v, p, ...rest) => pyRegex(p, splitKw(rest).kw).test(String(need(v))),
  regex: (v, p, ...rest) => {
    const { kw } = splitKw(rest);
    return kw.match_type === 'match' ? tests.match!(v, p, { __keywords: true, ...kw }) === true : pyRegex(p, kw).test(String(need(v)));
  },
  equalto: (v, o) => pyCompare(v, '==', o),
  eq: (v, o) => pyCompare(v, '==', o),
  ne: (v, o) => pyCompare(v, '!=', o),
  lt: (v, o) => pyCompare(v, '<', o),
  le: (v, o) => pyCompare(v, '<=', o),
  gt: (v, o) => pyCompare(v, '>', o),
  ge: (v, o) => pyCompare(v, '>=', o),
  in: (v, c) => contains(c, need(v)),
  contains: (c, v) => contains(c, v),
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
  succeeded: (v) => !failed(v),
  success: (v) => !failed(v),
  failed: (v) => failed(v),
  failure: (v) => failed(v),
  changed: (v) => result(v).changed === true,
  change: (v) => result(v).changed === true,
  skipped: (v) => result(v).skipped === true,
  skip: (v) => result(v).skipped === true,
  odd: (v) => Math.abs(need(v) as number) % 2 === 1,
  even: (v) => (need(v) as number) % 2 === 0,
  divisibleby: (v, n) => (need(v) as number) % (n as number) === 0,
  lower: (v) => String(need(v)) === String(v).toLowerCase(),
  upper: (v) => String(need(v)) === String(v).toUpperCase(),
  version: (v, other, ...rest) => versionTest(need(v), other, rest),
  version_compare: (v, other, ...rest) => versionTest(need(v), other, rest),
  all: (v) => (need(v) as unknown[]).every((x) => truthy(x)),
  any: (v) => (need(v) as unknown[]).some((x) => truthy(x)),
  subset: (a, b) => (need(a) as unknown[]).every((x) => contains(b, x)),
  superset: (a, b) => (need(b) as unknown[]).every((x) => contains(a, x)),
};
