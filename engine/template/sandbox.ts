/**
 * The safety and strictness layer over nunjucks, installed once on its runtime:
 * - member lookup sees only data: own properties, Python-style methods of str/dict/list and a
 *   few non-mutating JS methods; never `constructor`, `__proto__`, `prototype` or any member of a
 *   function, so `''.constructor.constructor('return process')()` cannot reach Function;
 * - a missing variable or attribute is an Undefined (see undefined.ts), never a silent '';
 * - truth tests follow Python (empty list/dict/string are false) and fail on Undefined.
 * nunjucks' runtime is a shared module object; virtplay is its only user in the process.
 */
import nunjucks from 'nunjucks';
import { Undefined, fail, need } from './undefined.js';

type Fn = (...args: unknown[]) => unknown;
const internals = nunjucks as unknown as { runtime: Record<string, Fn>; nodes: unknown; parser: { parse: Fn }; compiler: { Compiler: { prototype: Record<string, Fn> } } };
const runtime = internals.runtime;

const BLOCKED = new Set(['constructor', 'prototype', 'caller', 'callee', 'arguments']);

const STRING_METHODS = new Set([
  'includes', 'startsWith', 'endsWith', 'trim', 'trimStart', 'trimEnd', 'toUpperCase', 'toLowerCase',
  'split', 'slice', 'substring', 'indexOf', 'lastIndexOf', 'replaceAll', 'charAt', 'at', 'concat',
  'padStart', 'padEnd', 'normalize',
]);
const ARRAY_METHODS = new Set(['includes', 'indexOf', 'lastIndexOf', 'slice', 'join', 'concat', 'at', 'flat']);

function pyStrip(s: string, chars: unknown, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) return left && right ? s.trim() : left ? s.trimStart() : s.trimEnd();
  const set = String(chars);
  let a = 0;
  let b = s.length;
  while (left && a < b && set.includes(s[a]!)) a++;
  while (right && b > a && set.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** Python's str/dict/list methods that playbooks use (`x.startswith('a')`, `d.items()`). */
function pyMethod(obj: unknown, key: string): Fn | undefined {
  if (typeof obj === 'string') {
    const s = obj;
    switch (key) {
      case 'upper': return () => s.toUpperCase();
      case 'lower': return () => s.toLowerCase();
      case 'startswith': return (p) => (Array.isArray(p) ? p.some((x) => s.startsWith(String(x))) : s.startsWith(String(p)));
      case 'endswith': return (p) => (Array.isArray(p) ? p.some((x) => s.endsWith(String(x))) : s.endsWith(String(p)));
      case 'strip': return (c) => pyStrip(s, c, true, true);
      case 'lstrip': return (c) => pyStrip(s, c, true, false);
      case 'rstrip': return (c) => pyStrip(s, c, false, true);
      case 'split': return (sep, max) => {
        const parts = sep === undefined || sep === null ? s.trim().split(/\s+/).filter(Boolean) : s.split(String(sep));
        if (typeof max === 'number' && max >= 0 && parts.length > max + 1) {
          return [...parts.slice(0, max), parts.slice(max).join(sep === undefined || sep === null ? ' ' : String(sep))];
        }
        return parts;
      };
      case 'replace': return (a, b) => s.split(String(a)).join(String(b));
      case 'splitlines': return () => s.split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== '');
      case 'title': return () => s.replace(/\w\S*/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
      case 'capitalize': return () => (s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s);
      case 'find': return (x) => s.indexOf(String(x));
      case 'count': return (x) => (String(x) ? s.split(String(x)).length - 1 : s.length + 1);
      case 'join': return (items) => (need(items) as unknown[]).map(String).join(s);
      case 'isdigit': return () => /^\d+$/.test(s);
      default: return undefined;
    }
  }
  if (Array.isArray(obj)) {
    switch (key) {
      case 'index': return (x) => obj.indexOf(x);
      case 'count': return (x) => obj.filter((y) => y === x).length;
      default: return undefined;
    }
  }
  if (obj !== null && typeof obj === 'object') {
    const o = obj as Record<string, unknown>;
    switch (key) {
      case 'keys': return () => Object.keys(o);
      case 'values': return () => Object.values(o);
      case 'items': return () => Object.entries(o);
      case 'get': return (k, d) => (Object.hasOwn(o, String(k)) ? o[String(k)] : (d ?? null));
      default: return undefined;
    }
  }
  return undefined;
}

export function typeWord(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'dict';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** Member lookup for `a.b` and `a['b']` in templates: data only. */
export function memberLookup(obj: unknown, val: unknown): unknown {
  if (obj instanceof Undefined) return obj;
  const key = String(val);
  const missing = (why: string) => new Undefined(key, why, false);
  if (obj === undefined || obj === null) return missing(`'NoneType' object has no attribute '${key}'`);
  if (typeof obj === 'function' || BLOCKED.has(key) || key.startsWith('__')) {
    return missing(`access to '${key}' is not allowed in templates`);
  }
  if (typeof obj === 'object' || typeof obj === 'string') {
    if (Array.isArray(obj) && typeof val === 'number' && Number.isInteger(val) && val < 0) {
      return val + obj.length >= 0 ? obj[val + obj.length] : missing(`list index ${val} out of range`);
    }
    if (Object.hasOwn(Object(obj) as object, key)) {
      const v = (obj as Record<string, unknown>)[key];
      if (typeof v === 'function') return (...args: unknown[]) => (v as Fn).apply(obj, args);
      return v === undefined ? missing(`'${typeWord(obj)}' object has no attribute '${key}'`) : v;
    }
    const py = pyMethod(obj, key);
    if (py) return py;
    const safe = typeof obj === 'string' ? STRING_METHODS.has(key) : Array.isArray(obj) && ARRAY_METHODS.has(key);
    if (safe) {
      const m = (obj as unknown as Record<string, Fn>)[key]!;
      return (...args: unknown[]) => m.apply(obj, args);
    }
  }
  return missing(`'${typeWord(obj)}' object has no attribute '${key}'`);
}

/** Python truthiness; using an Undefined in a truth test is an error. */
export function truthy(v: unknown): boolean {
  if (v instanceof Undefined) fail(v);
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/** Give a missing attribute the dotted name it was written with ("'r' has no attribute 'x'"). */
function named(v: unknown, target: string, key: string): unknown {
  if (v instanceof Undefined && !v.named) {
    const name = target ? `${target}.${key}` : key;
    const detail = v.detail.startsWith('access to') ? v.detail : `'${target || 'value'}' has no attribute '${key}'`;
    return new Undefined(name, detail);
  }
  return v;
}

let installed = false;

/** Patch the nunjucks runtime and parser (once per process). */
export function installSandbox(): void {
  if (installed) return;
  installed = true;
  const origLookup = runtime.contextOrFrameLookup!;
  runtime.memberLookup = memberLookup;
  runtime.contextOrFrameLookup = function (context: unknown, frame: unknown, name: unknown) {
    const v = origLookup.call(this, context, frame, name);
    if (v !== undefined) return v;
    const ctx = context as { ctx: Record<string, unknown>; env: { globals: Record<string, unknown> } };
    const n = String(name);
    if (Object.hasOwn(ctx.ctx, n) || Object.hasOwn(ctx.env.globals, n)) return v;
    switch (n) {
      case 'True': return true;
      case 'False': return false;
      case 'None': return null;
      default: return new Undefined(n, `undefined variable '${n}'`);
    }
  };
  const origCallWrap = runtime.callWrap!;
  runtime.callWrap = function (obj: unknown, name: unknown, context: unknown, args: unknown) {
    if (obj instanceof Undefined) fail(obj);
    return origCallWrap.call(this, obj, name, context, args);
  };
  const origIn = runtime.inOperator!;
  runtime.inOperator = (key: unknown, container: unknown) => origIn(need(key), need(container));
  const origFrom = runtime.fromIterator!;
  runtime.fromIterator = (arr: unknown) => origFrom(need(arr));
  const origSuppress = runtime.suppressValue!;
  runtime.suppressValue = (val: unknown, autoescape: unknown) => origSuppress(need(val), autoescape);
  installTransform();
}

// ---------- AST rewrite: Python truthiness for if/not/and/or, names for missing attributes ----------
type AstNode = { typename: string; lineno: number; colno: number; fields: string[]; [k: string]: unknown };
const N = internals.nodes as Record<string, new (...args: unknown[]) => AstNode>;

function call(fn: string, args: AstNode[], at: AstNode): AstNode {
  return new N.FunCall!(at.lineno, at.colno, new N.Symbol!(at.lineno, at.colno, fn), new N.NodeList!(at.lineno, at.colno, args));
}

function literal(value: string, at: AstNode): AstNode {
  return new N.Literal!(at.lineno, at.colno, value);
}

/** The source-like text of a lookup target (`result.stdout`), or '' if it is not a plain path. */
function pathText(node: AstNode): string {
  if (node.typename === 'Symbol') return String(node.value);
  if (node.typename === 'FunCall' && (node.name as AstNode).value === '__vp_named') {
    return pathText((node.args as { children: AstNode[] }).children[0]!);
  }
  if (node.typename === 'LookupVal') {
    const base = pathText(node.target as AstNode);
    const val = node.val as AstNode;
    if (!base) return '';
    if (val.typename === 'Literal') return typeof val.value === 'number' ? `${base}[${val.value}]` : `${base}.${String(val.value)}`;
    return `${base}[...]`;
  }
  return '';
}

function rewrite(node: unknown): unknown {
  if (!node || typeof node !== 'object' || !('typename' in node)) return node;
  const n = node as AstNode;
  if (Array.isArray(n.children)) n.children = (n.children as unknown[]).map(rewrite);
  for (const f of n.fields) {
    if (f === 'children') continue;
    const v = n[f];
    if (Array.isArray(v)) n[f] = v.map(rewrite);
    else n[f] = rewrite(v);
  }
  switch (n.typename) {
    case 'If':
    case 'IfAsync':
    case 'InlineIf':
      n.cond = call('__vp_truthy', [n.cond as AstNode], n);
      return n;
    case 'Not':
      n.target = call('__vp_truthy', [n.target as AstNode], n);
      return n;
    case 'And':
      // Python: a and b -> b if a else a (the operand itself, not a boolean)
      return new N.InlineIf!(n.lineno, n.colno, call('__vp_truthy', [n.left as AstNode], n), n.right, n.left);
    case 'Or':
      return new N.InlineIf!(n.lineno, n.colno, call('__vp_truthy', [n.left as AstNode], n), n.left, n.right);
    case 'LookupVal': {
      const val = n.val as AstNode;
      const key = val.typename === 'Literal' ? String(val.value) : '';
      if (!key) return n;
      return call('__vp_named', [n, literal(pathText(n.target as AstNode), n), literal(key, n)], n);
    }
    default:
      return n;
  }
}

function installTransform(): void {
  const parser = internals.parser;
  const origParse = parser.parse;
  parser.parse = (...args: unknown[]) => rewrite(origParse(...args));
  installTestArgs();
}

/**
 * nunjucks compiles a test's arguments without commas between them, so `v is version('2.10', '>=')`
 * or `s is match('a', ignorecase=true)` is a syntax error in the generated code; compile them as
 * the argument list they are (nunjucks' own _compileAggregate, without brackets).
 */
function installTestArgs(): void {
  const proto = internals.compiler.Compiler.prototype;
  proto.compileIs = function (this: Record<string, Fn>, ...a: unknown[]) {
    const [node, frame] = a as [{ left: unknown; right: { name?: { value: string }; value?: string; args?: unknown } }, unknown];
    const right = node.right.name ? node.right.name.value : node.right.value;
    this._emit!(`env.getTest(${JSON.stringify(right)}).call(context, `);
    this.compile!(node.left, frame);
    if (node.right.args) {
      this._emit!(',');
      this._compileAggregate!(node.right.args, frame, '', '');
    }
    this._emit!(') === true');
  } as Fn;
}

/** Globals the rewritten templates call. */
export const sandboxGlobals: Record<string, Fn> = {
  __vp_truthy: truthy,
  __vp_named: (v, target, key) => named(v, String(target), String(key)),
};
