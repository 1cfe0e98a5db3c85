/**
 * Python's value semantics, as Jinja (and so Ansible) has them, for templates and for output: how a value prints
 * (`str()` and `repr()`: True, None, ['a', 1], {'k': 'v'}), equality and ordering without
 * JavaScript's coercions (`1 == '1'` is false, `[1] == [1]` is true), `in`, the arithmetic
 * operators (`[1] + [2]` is a list, `'ab' * 2`, `-7 % 3` is 2), `%` formatting, slicing, tuples.
 * Type errors say what Python says.
 */
import { TemplateError } from '../template/errors.js';
import { Undefined, need } from '../template/undefined.js';

/** Tuples are arrays marked here (`('x', 5)`): `%` takes them as several arguments, repr shows (). */
const TUPLES = new WeakSet<unknown[]>();

export function tuple(...items: unknown[]): unknown[] {
  TUPLES.add(items);
  return items;
}

export const isTuple = (v: unknown): v is unknown[] => Array.isArray(v) && TUPLES.has(v);

/** A dict: an object that is not a list (nor a String object, which nunjucks' safe strings are). */
export const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof String);
const isNumeric = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';

/** Python's type name of a value, for error messages and type_debug. */
export function pyType(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (isTuple(v)) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string' || v instanceof String) return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'function') return 'function';
  return 'dict';
}

/**
 * Python's str()/repr() of a number. JavaScript has one number type: an integral value below
 * 1e16 prints as an int, anything else as Python prints a float (shortest digits that read back,
 * exponent form below 1e-4 and from 1e16 on, at least two exponent digits: 1e-07, 1e+16).
 */
export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const [mant, e] = n.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const digits = mant.replace('-', '').replace('.', '');
  const sign = n < 0 ? '-' : '';
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}.${frac || '0'}`;
}

/** Python's repr() of a string: single quotes unless the text has ' and no ". */
function reprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}

/** Python's repr(). */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return reprString(v);
  if (v instanceof String) return reprString(v.toString());
  return pyStr(v);
}

/** Python's str(). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Undefined) need(v);
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (v instanceof String) return v.toString();
  if (Array.isArray(v)) {
    const items = v.map(pyRepr);
    if (isTuple(v)) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    return `[${items.join(', ')}]`;
  }
  if (typeof v === 'function') return '<function>';
  if (typeof v === 'object')
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${reprString(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  return String(v);
}

/** What `{{ x }}` prints inside text: str(), with None as nothing (Ansible's finalize). */
export function pyOutput(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return pyStr(v);
}

/** Python's ==: numbers and booleans by value, strings exactly, lists and dicts item by item. */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b);
  if (a instanceof String || b instanceof String) return String(a) === String(b) && typeof a !== 'number' && typeof b !== 'number';
  if (a === null || a === undefined || b === null || b === undefined) return (a === null || a === undefined) && (b === null || b === undefined);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length || isTuple(a) !== isTuple(b)) return false;
    return a.every((x, i) => pyEq(x, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && pyEq(a[k], b[k]));
  }
  return false;
}

function unorderable(op: string, a: unknown, b: unknown): never {
  throw new TemplateError(`'${op}' not supported between instances of '${pyType(a)}' and '${pyType(b)}'`);
}

/** -1, 0, 1 as Python orders numbers, strings (by code point) and lists; TypeError otherwise. */
function order(op: string, a: unknown, b: unknown): number {
  if (isNumeric(a) && isNumeric(b)) return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === b) return 0;
    const x = [...a];
    const y = [...b];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i]!.codePointAt(0)! < y[i]!.codePointAt(0)! ? -1 : 1;
    }
    return x.length < y.length ? -1 : 1;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) return order(op, a[i], b[i]);
    }
    return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
  }
  return unorderable(op, a, b);
}

/** One comparison, `a op b` (nunjucks' operator names). */
export function pyCompare(a: unknown, op: string, b: unknown): boolean {
  const x = need(a);
  const y = need(b);
  switch (op) {
    case '==':
    case '===':
      return pyEq(x, y);
    case '!=':
    case '!==':
      return !pyEq(x, y);
    case '<':
      return order(op, x, y) < 0;
    case '<=':
      return order(op, x, y) <= 0;
    case '>':
      return order(op, x, y) > 0;
    case '>=':
      return order(op, x, y) >= 0;
    default:
      throw new TemplateError(`unknown comparison ${op}`);
  }
}

/** A chain as Python reads it: `a < b < c` is `a < b and b < c`. */
export function pyCompareChain(first: unknown, ...rest: unknown[]): boolean {
  let left = first;
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const right = rest[i + 1];
    if (!pyCompare(left, String(rest[i]), right)) return false;
    left = right;
  }
  return true;
}

/** Python's `in`. */
export function pyIn(key: unknown, container: unknown): boolean {
  const k = need(key);
  const c = need(container);
  if (typeof c === 'string' || c instanceof String) {
    if (typeof k !== 'string' && !(k instanceof String)) throw new TemplateError(`'in <string>' requires string as left operand, not ${pyType(k)}`);
    return String(c).includes(String(k));
  }
  if (Array.isArray(c)) return c.some((x) => pyEq(k, x));
  if (isMapping(c)) return Object.hasOwn(c, keyOf(k));
  throw new TemplateError(`argument of type '${pyType(c)}' is not iterable`);
}

/** A dict key as stored in a JS object: strings as they are, numbers, booleans and None as Python prints them. */
export function keyOf(k: unknown): string {
  return typeof k === 'string' ? k : k === true ? 'True' : k === false ? 'False' : k === null ? 'None' : pyStr(k);
}

function operandError(op: string, a: unknown, b: unknown): never {
  throw new TemplateError(`unsupported operand type(s) for ${op}: '${pyType(a)}' and '${pyType(b)}'`);
}

export function pyAdd(a: unknown, b: unknown): unknown {
  const x = need(a);
  const y = need(b);
  if (isNumeric(x) && isNumeric(y)) return Number(x) + Number(y);
  if (typeof x === 'string' && typeof y === 'string') return x + y;
  if (Array.isArray(x) && Array.isArray(y) && isTuple(x) === isTuple(y)) return isTuple(x) ? tuple(...x, ...y) : [...x, ...y];
  if (typeof x === 'string') throw new TemplateError(`can only concatenate str (not "${pyType(y)}") to str`);
  if (Array.isArray(x)) throw new TemplateError(`can only concatenate ${pyType(x)} (not "${pyType(y)}") to ${pyType(x)}`);
  return operandError('+', x, y);
}

function repeat(seq: string | unknown[], n: number): unknown {
  const times = Math.max(0, Math.trunc(n));
  if (typeof seq === 'string') return seq.repeat(times);
  const out: unknown[] = [];
  for (let i = 0; i < times; i++) out.push(...seq);
  return isTuple(seq) ? tuple(...out) : out;
}

export function pyMul(a: unknown, b: unknown): unknown {
  const x = need(a);
  const y = need(b);
  if (isNumeric(x) && isNumeric(y)) return Number(x) * Number(y);
  if ((typeof x === 'string' || Array.isArray(x)) && (typeof y === 'number' || typeof y === 'boolean') && Number.isInteger(Number(y)))
    return repeat(x, Number(y));
  if ((typeof y === 'string' || Array.isArray(y)) && (typeof x === 'number' || typeof x === 'boolean') && Number.isInteger(Number(x)))
    return repeat(y, Number(x));
  return operandError('*', x, y);
}

function numbers(op: string, a: unknown, b: unknown): [number, number] {
  const x = need(a);
  const y = need(b);
  if (!isNumeric(x) || !isNumeric(y)) operandError(op, x, y);
  return [Number(x), Number(y)];
}

export function pySub(a: unknown, b: unknown): number {
  const [x, y] = numbers('-', a, b);
  return x - y;
}

export function pyDiv(a: unknown, b: unknown): number {
  const [x, y] = numbers('/', a, b);
  if (y === 0) throw new TemplateError('division by zero');
  return x / y;
}

export function pyFloorDiv(a: unknown, b: unknown): number {
  const [x, y] = numbers('//', a, b);
  if (y === 0) throw new TemplateError('integer division or modulo by zero');
  return Math.floor(x / y);
}

/** `%`: printf-style formatting for a string on the left, Python's modulo (sign of the divisor) otherwise. */
export function pyMod(a: unknown, b: unknown): unknown {
  const x = need(a);
  if (typeof x === 'string') return pyFormat(x, need(b));
  const [n, d] = numbers('%', x, b);
  if (d === 0) throw new TemplateError('integer division or modulo by zero');
  return ((n % d) + d) % d;
}

/** `~`: both sides as str(). */
export function pyConcat(...parts: unknown[]): string {
  return parts.map(pyStr).join('');
}

// ---------- printf-style formatting ----------

const SPEC = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g;

function pad(body: string, flags: string, width: number, numeric: boolean): string {
  if (body.length >= width) return body;
  if (flags.includes('-')) return body.padEnd(width);
  if (numeric && flags.includes('0')) {
    const sign = /^[-+ ]/.test(body) ? body[0]! : '';
    const rest = sign ? body.slice(1) : body;
    const prefix = /^0[xXo]/.test(rest) && flags.includes('#') ? rest.slice(0, 2) : '';
    return sign + prefix + rest.slice(prefix.length).padStart(width - sign.length - prefix.length, '0');
  }
  return body.padStart(width);
}

function signed(n: number, digits: string, flags: string): string {
  if (n < 0 || Object.is(n, -0)) return `-${digits}`;
  return (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + digits;
}

function toNumber(v: unknown, conv: string): number {
  if (isNumeric(v)) return Number(v);
  throw new TemplateError(`%${conv} format: a real number is required, not ${pyType(v)}`);
}

/** Python's %e: at least two exponent digits. */
function exponent(n: number, precision: number): string {
  return n.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
}

function general(n: number, precision: number, alt: boolean): string {
  const p = precision === 0 ? 1 : precision;
  if (n === 0) return alt ? (0).toFixed(p - 1) : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(n.toPrecision(p)))));
  let s = exp < -4 || exp >= p ? exponent(n, p - 1) : n.toFixed(Math.max(0, p - 1 - exp));
  if (!alt) s = s.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
  return s;
}

function convert(v: unknown, conv: string, flags: string, precision: number | undefined): { body: string; numeric: boolean } {
  switch (conv) {
    case 's':
      return { body: precision === undefined ? pyStr(v) : pyStr(v).slice(0, precision), numeric: false };
    case 'r':
    case 'a':
      return { body: precision === undefined ? pyRepr(v) : pyRepr(v).slice(0, precision), numeric: false };
    case 'c': {
      const ch = typeof v === 'number' ? String.fromCodePoint(v) : String(v);
      if ([...ch].length !== 1) throw new TemplateError('%c requires int or char');
      return { body: ch, numeric: false };
    }
    case 'd':
    case 'i':
    case 'u': {
      const n = Math.trunc(toNumber(v, conv));
      return { body: signed(n, String(Math.abs(n)), flags), numeric: true };
    }
    case 'x':
    case 'X':
    case 'o': {
      if (typeof v === 'number' && !Number.isInteger(v)) throw new TemplateError(`%${conv} format: an integer is required, not float`);
      const n = toNumber(v, conv);
      let digits = Math.abs(n).toString(conv === 'o' ? 8 : 16);
      if (flags.includes('#')) digits = (conv === 'o' ? '0o' : '0x') + digits;
      if (conv === 'X') digits = digits.toUpperCase();
      return { body: signed(n, digits, flags), numeric: true };
    }
    case 'e':
    case 'E': {
      const n = toNumber(v, conv);
      const s = exponent(Math.abs(n), precision ?? 6);
      return { body: signed(n, conv === 'E' ? s.toUpperCase() : s, flags), numeric: true };
    }
    case 'f':
    case 'F': {
      const n = toNumber(v, conv);
      return { body: signed(n, Math.abs(n).toFixed(precision ?? 6), flags), numeric: true };
    }
    default: {
      const n = toNumber(v, conv);
      const s = general(Math.abs(n), precision ?? 6, flags.includes('#'));
      return { body: signed(n, conv === 'G' ? s.toUpperCase() : s, flags), numeric: true };
    }
  }
}

/** `fmt % args`: a tuple gives several arguments, a dict gives names, anything else is one argument. */
export function pyFormat(fmt: string, args: unknown): string {
  const list = isTuple(args) ? args : [args];
  const named = isMapping(args) ? args : undefined;
  let next = 0;
  const take = (): unknown => {
    if (next >= list.length) throw new TemplateError('not enough arguments for format string');
    return list[next++];
  };
  const out = fmt.replace(SPEC, (_m, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const w = width === '*' ? Number(take()) : width === undefined ? 0 : Number(width);
    const p = prec === '*' ? Number(take()) : prec === undefined ? undefined : Number(prec);
    let v: unknown;
    if (key !== undefined) {
      if (!named) throw new TemplateError('format requires a mapping');
      if (!Object.hasOwn(named, key)) throw new TemplateError(`KeyError: ${reprString(key)}`);
      v = named[key];
    } else v = named ? named : take();
    const { body, numeric } = convert(need(v), conv, flags, p);
    return pad(body, flags, w, numeric);
  });
  if (!named && next < list.length) throw new TemplateError('not all arguments converted during string formatting');
  return out;
}

// ---------- subscripts ----------

function sliceIndices(len: number, start: unknown, stop: unknown, step: unknown): [number, number, number] {
  const st = step === null || step === undefined ? 1 : Number(need(step));
  if (!Number.isInteger(st)) throw new TemplateError('slice indices must be integers or None');
  if (st === 0) throw new TemplateError('slice step cannot be zero');
  const norm = (v: unknown, dflt: number, lo: number, hi: number): number => {
    if (v === null || v === undefined) return dflt;
    const n = Number(need(v));
    if (!Number.isInteger(n)) throw new TemplateError('slice indices must be integers or None');
    const i = n < 0 ? n + len : n;
    return Math.min(Math.max(i, lo), hi);
  };
  return st > 0 ? [norm(start, 0, 0, len), norm(stop, len, 0, len), st] : [norm(start, len - 1, -1, len - 1), norm(stop, -1, -1, len - 1), st];
}

/** `seq[start:stop:step]` for strings, lists and tuples. */
export function pySlice(seq: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const s = need(seq);
  const items: unknown[] | undefined = typeof s === 'string' ? [...s] : Array.isArray(s) ? s : undefined;
  if (!items) throw new TemplateError(`'${pyType(s)}' object is not subscriptable`);
  const [a, b, st] = sliceIndices(items.length, start, stop, step);
  const out: unknown[] = [];
  for (let i = a; st > 0 ? i < b : i > b; i += st) out.push(items[i]);
  if (typeof s === 'string') return out.join('');
  return isTuple(s) ? tuple(...out) : out;
}
