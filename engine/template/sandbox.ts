/**
 * The safety and strictness layer over nunjucks, installed once on its runtime:
 * - member lookup sees only data: own properties, Python-style methods of str/dict/list and a
 *   few non-mutating JS methods; never `constructor`, `__proto__`, `prototype` or any member of a
 *   function, so `''.constructor.constructor('return process')()` cannot reach Function;
 * - a missing variable or attribute is an Undefined (see undefined.ts), never a silent '';
 * - truth tests follow Python (empty list/dict/string are false) and fail on Undefined;
 * - operators, comparisons, `in`, output, tuples, slices and dict keys follow Python (the
 *   functions are in engine/python/values.ts; the AST is rewritten to call them).
 * nunjucks' runtime is a shared module object; virtplay is its only user in the process.
 */
import nunjucks from 'nunjucks';
import { keyOf, pyAdd, pyCompareChain, pyConcat, pyDiv, pyFloorDiv, pyIn, pyMod, pyMul, pyOutput, pySlice, pySub, pyType, tuple } from '../python/values.js';
import { installStringLiterals } from './string-literals.js';
import { Undefined, fail, need } from './undefined.js';

type Fn = (...args: unknown[]) => unknown;
const internals = nunjucks as unknown as {
  runtime: Record<string, Fn>;
  nodes: unknown;
  lexer: Record<string, string>;
  parser: { parse: Fn; Parser: { prototype: Record<string, Fn> } };
  compiler: { Compiler: { prototype: Record<string, Fn> } };
};
const runtime = internals.runtime;

/**
 * The key under which a render's variables are passed (see render.ts): nunjucks copies a context
 * object key by key at every render, which would read (and so template) every lazy variable;
 * behind this one key the variables are read only when a template names them.
 */
export const VARS = '__vp_vars';

/** The variables a template was rendered with (for lookup('vars', ...)); `context` is nunjucks' this. */
export function templateVars(context: unknown): Record<string, unknown> {
  const ctx = (context as { ctx?: Record<string, unknown> } | undefined)?.ctx ?? {};
  return (ctx[VARS] as Record<string, unknown> | undefined) ?? ctx;
}

const BLOCKED = new Set(['constructor', 'prototype', 'caller', 'callee', 'arguments']);

const STRING_METHODS = new Set([
  'includes',
  'startsWith',
  'endsWith',
  'trim',
  'trimStart',
  'trimEnd',
  'toUpperCase',
  'toLowerCase',
  'split',
  'slice',
  'substring',
  'indexOf',
  'lastIndexOf',
  'replaceAll',
  'charAt',
  'at',
  'concat',
  'padStart',
  'padEnd',
  'normalize',
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
      case 'upper':
        return () => s.toUpperCase();
      case 'lower':
        return () => s.toLowerCase();
      case 'startswith':
        return (p) => (Array.isArray(p) ? p.some((x) => s.startsWith(String(x))) : s.startsWith(String(p)));
      case 'endswith':
        return (p) => (Array.isArray(p) ? p.some((x) => s.endsWith(String(x))) : s.endsWith(String(p)));
      case 'strip':
        return (c) => pyStrip(s, c, true, true);
      case 'lstrip':
        return (c) => pyStrip(s, c, true, false);
      case 'rstrip':
        return (c) => pyStrip(s, c, false, true);
      case 'split':
        return (sep, max) => {
          const parts = sep === undefined || sep === null ? s.trim().split(/\s+/).filter(Boolean) : s.split(String(sep));
          if (typeof max === 'number' && max >= 0 && parts.length > max + 1) {
            return [...parts.slice(0, max), parts.slice(max).join(sep === undefined || sep === null ? ' ' : String(sep))];
          }
          return parts;
        };
      case 'replace':
        return (a, b) => s.split(String(a)).join(String(b));
      case 'splitlines':
        return () => s.split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== '');
      case 'title':
        return () => s.replace(/\w\S*/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
      case 'capitalize':
        return () => (s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s);
      case 'find':
        return (x) => s.indexOf(String(x));
      case 'count':
        return (x) => (String(x) ? s.split(String(x)).length - 1 : s.length + 1);
      case 'join':
        return (items) => (need(items) as unknown[]).map(String).join(s);
      case 'isdigit':
        return () => /^\d+$/.test(s);
      default:
        return undefined;
    }
  }
  if (Array.isArray(obj)) {
    switch (key) {
      case 'index':
        return (x) => obj.indexOf(x);
      case 'count':
        return (x) => obj.filter((y) => y === x).length;
      default:
        return undefined;
    }
  }
  if (obj !== null && typeof obj === 'object') {
    const o = obj as Record<string, unknown>;
    switch (key) {
      case 'keys':
        return () => Object.keys(o);
      case 'values':
        return () => Object.values(o);
      case 'items':
        return () => Object.entries(o);
      case 'get':
        return (k, d) => (Object.hasOwn(o, String(k)) ? o[String(k)] : (d ?? null));
      default:
        return undefined;
    }
  }
  return undefined;
}

/** Member lookup for `a.b` and `a['b']` in templates: data only. */
export function memberLookup(obj: unknown, val: unknown): unknown {
  if (obj instanceof Undefined) return obj;
  // a dict key written True, None or 1 is stored as Python prints it
  const key = typeof val === 'string' ? val : keyOf(val);
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
      return v === undefined ? missing(`'${pyType(obj)}' object has no attribute '${key}'`) : v;
    }
    const py = pyMethod(obj, key);
    if (py) return py;
    const safe = typeof obj === 'string' ? STRING_METHODS.has(key) : Array.isArray(obj) && ARRAY_METHODS.has(key);
    if (safe) {
      const m = (obj as unknown as Record<string, Fn>)[key]!;
      return (...args: unknown[]) => m.apply(obj, args);
    }
  }
  return missing(`'${pyType(obj)}' object has no attribute '${key}'`);
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
  runtime.memberLookup = memberLookup;
  runtime.contextOrFrameLookup = (context: unknown, frame: unknown, name: unknown) => {
    const n = String(name);
    const f = (frame as { lookup(name: string): unknown }).lookup(n);
    if (f !== undefined) return f;
    const ctx = context as { ctx: Record<string, unknown>; env: { globals: Record<string, unknown> } };
    const vars = ctx.ctx[VARS] as Record<string, unknown> | undefined;
    if (vars !== undefined && n in vars) return vars[n];
    if (Object.hasOwn(ctx.ctx, n)) return ctx.ctx[n];
    if (Object.hasOwn(ctx.env.globals, n)) return ctx.env.globals[n];
    switch (n) {
      case 'True':
        return true;
      case 'False':
        return false;
      case 'None':
        return null;
      default:
        return new Undefined(n, `undefined variable '${n}'`);
    }
  };
  const origCallWrap = runtime.callWrap!;
  runtime.callWrap = function (obj: unknown, name: unknown, context: unknown, args: unknown) {
    if (obj instanceof Undefined) fail(obj);
    return origCallWrap.call(this, obj, name, context, args);
  };
  runtime.inOperator = pyIn;
  const origFrom = runtime.fromIterator!;
  runtime.fromIterator = (arr: unknown) => origFrom(need(arr));
  // output is Python's str() (True, None as nothing, ['a']); autoescape is off
  runtime.suppressValue = (val: unknown) => pyOutput(need(val));
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
    case 'Compare': {
      const ops = n.ops as AstNode[];
      return call('__vp_compare', [n.expr as AstNode, ...ops.flatMap((o) => [literal(String(o.type), o), o.expr as AstNode])], n);
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'FloorDiv':
    case 'Mod':
      return call(`__vp_${n.typename.toLowerCase()}`, [n.left as AstNode, n.right as AstNode], n);
    case 'Concat':
      return call('__vp_concat', [n.left as AstNode, n.right as AstNode], n);
    case 'Group': {
      // (a, b) is a tuple; (a) is a's value
      const items = n.children as AstNode[];
      return items.length === 1 ? n : call('__vp_tuple', items, n);
    }
    case 'Dict':
      // {key: v}: the key is an expression, as in Jinja (a name is that variable's value); not in
      // keyword arguments (f(name=v)), which nunjucks parses as a Dict's subclass
      for (const pair of n.children as AstNode[]) {
        const key = pair.key as AstNode;
        if (!(key.typename === 'Literal' && typeof key.value === 'string')) pair.key = call('__vp_key', [key], key);
      }
      return n;
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
  installSubscripts();
  installDictKeys();
  installStringLiterals(internals.lexer as unknown as { lex(src: string): unknown });
}

type ParserThis = {
  peekToken(): { type: string; value: string; lineno: number; colno: number } | null;
  nextToken(): { type: string; value: string; lineno: number; colno: number };
  parseExpression(): AstNode;
  parseSignature(): AstNode;
  fail(msg: string, lineno?: number, colno?: number): never;
};

/** `x[i]`, and Python's slices `x[a:b]`, `x[::-1]` (nunjucks knows only the index). */
function subscript(p: ParserThis, target: AstNode): AstNode {
  const open = p.nextToken();
  const parts: (AstNode | undefined)[] = [undefined];
  for (;;) {
    const tok = p.peekToken();
    if (!tok) p.fail('unexpected end of template in a subscript', open.lineno, open.colno);
    if (tok.type === internals.lexer.TOKEN_RIGHT_BRACKET) {
      p.nextToken();
      break;
    }
    if (tok.type === internals.lexer.TOKEN_COLON) {
      p.nextToken();
      parts.push(undefined);
      if (parts.length > 3) p.fail('invalid slice: too many colons', tok.lineno, tok.colno);
      continue;
    }
    if (parts[parts.length - 1] !== undefined) p.fail('invalid index: expected ] or :', tok.lineno, tok.colno);
    parts[parts.length - 1] = p.parseExpression();
  }
  if (parts.length === 1) {
    if (!parts[0]) p.fail('invalid index: nothing between [ and ]', open.lineno, open.colno);
    return new N.LookupVal!(open.lineno, open.colno, target, parts[0]);
  }
  const none = (): AstNode => new N.Literal!(open.lineno, open.colno, null);
  return call('__vp_slice', [target, parts[0] ?? none(), parts[1] ?? none(), parts[2] ?? none()], open as unknown as AstNode);
}

function installSubscripts(): void {
  const lexer = internals.lexer;
  internals.parser.Parser.prototype.parsePostfix = function (this: ParserThis, node0: unknown) {
    let node = node0 as AstNode;
    for (let tok = this.peekToken(); tok; tok = this.peekToken()) {
      if (tok.type === lexer.TOKEN_LEFT_PAREN) node = new N.FunCall!(tok.lineno, tok.colno, node, this.parseSignature());
      else if (tok.type === lexer.TOKEN_LEFT_BRACKET) node = subscript(this, node);
      else if (tok.type === lexer.TOKEN_OPERATOR && tok.value === '.') {
        this.nextToken();
        const val = this.nextToken();
        if (val.type !== lexer.TOKEN_SYMBOL) this.fail(`expected name as lookup value, got ${val.value}`, val.lineno, val.colno);
        node = new N.LookupVal!(tok.lineno, tok.colno, node, new N.Literal!(val.lineno, val.colno, val.value));
      } else break;
    }
    return node;
  } as Fn;
}

/**
 * Dict literals: every key is emitted as a JS computed key (`{[k]: v}`), so an expression key
 * (`{1: 'x'}`, `{name: v}`) works and a key written '__proto__' is an own key, never the object's
 * prototype. Keyword arguments (a Dict's subclass) keep their names.
 */
function installDictKeys(): void {
  const proto = internals.compiler.Compiler.prototype;
  proto.compilePair = function (this: Record<string, Fn>, ...a: unknown[]) {
    const [node, frame] = a as [{ key: AstNode; value: AstNode }, unknown];
    const key = node.key.typename === 'Symbol' ? new N.Literal!(node.key.lineno, node.key.colno, node.key.value) : node.key;
    this._emit!('[');
    this.compile!(key, frame);
    this._emit!(']: ');
    this._compileExpression!(node.value, frame);
    return undefined;
  } as Fn;
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
  __vp_compare: pyCompareChain,
  __vp_add: pyAdd,
  __vp_sub: pySub,
  __vp_mul: pyMul,
  __vp_div: pyDiv,
  __vp_floordiv: pyFloorDiv,
  __vp_mod: pyMod,
  __vp_concat: pyConcat,
  __vp_tuple: tuple,
  __vp_key: (k) => keyOf(need(k)),
  __vp_slice: pySlice,
  __vp_named: (v, target, key) => named(v, String(target), String(key)),
};
