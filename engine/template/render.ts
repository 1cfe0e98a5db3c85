/**
 * Rendering playbook values: strings are Jinja templates (nunjucks), objects and lists are
 * rendered item by item, and a string that is exactly one `{{ expr }}` keeps the native type of
 * its result (a list stays a list, 5 stays a number), as in Ansible. Undefined variables, template
 * syntax errors and failing filters are TemplateErrors naming the variable, task and position.
 */
import type { SourcePos } from '../errors.js';
import { compiled } from './env.js';
import { TemplateError, UndefinedVariableError } from './errors.js';
import type { RenderWhere } from './errors.js';
import { VARS, truthy } from './sandbox.js';
import { Undefined, takePending } from './undefined.js';
import { recalledPos } from './value-positions.js';

export type { RenderWhere } from './errors.js';

const TEMPLATE_RE = /\{\{|\{%|\{#/;

/** Whether a string contains template syntax at all. */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && TEMPLATE_RE.test(value);
}

/** `{{ expr }}` with nothing around it (whitespace included): the expression text, else undefined. */
export function singleExpression(s: string): string | undefined {
  const m = /^\{\{-?([\s\S]*?)-?\}\}$/.exec(s);
  if (!m) return undefined;
  const inner = m[1]!;
  // "{{ a }} and {{ b }}" matches the regex lazily only if the middle has no other tag
  if (/\{\{|\}\}|\{%|%\}/.test(inner.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, ''))) return undefined;
  return inner;
}

let captured: unknown;
const CAPTURE = '__vp_capture';

function capture(v: unknown): string {
  captured = v;
  return '';
}

/** nunjucks error text -> "what (template line L, column C)". */
function nunjucksMessage(err: unknown, colShift = 0): string {
  const msg = err instanceof Error ? err.message : String(err);
  const lines = msg
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const loc = /\[Line (\d+), Column (\d+)\]/.exec(msg);
  const text = lines
    .filter((l) => !l.startsWith('(unknown path)') && !/^Template render error/.test(l))
    .join(' ')
    .replace(/^(Error|TypeError|RangeError): /, '');
  if (!loc) return text;
  const line = Number(loc[1]);
  const col = Math.max(1, Number(loc[2]) - (line === 1 ? colShift : 0));
  return `${text} (template line ${line}, column ${col})`;
}

function toError(err: unknown, phase: 'syntax' | 'render', where: RenderWhere): TemplateError {
  const u = takePending();
  if (u) return new UndefinedVariableError(u.name, u.detail, where);
  if (err instanceof TemplateError) {
    return err.pos || !where.pos ? err : new TemplateError(err.message, where);
  }
  const what = phase === 'syntax' ? 'template syntax error' : 'template error';
  return new TemplateError(`${what}: ${nunjucksMessage(err)}`, where);
}

/**
 * `{{ expr }}` evaluated into the capture slot (keeps the native value). A condition is evaluated
 * in a block tag instead, where string literals take Python's escapes (see string-literals.ts).
 */
function wrap(expr: string, condition = false): string {
  return condition ? `{% if ${CAPTURE}((${expr})) %}{% endif %}` : `{{ ${CAPTURE}((${expr})) }}`;
}

/** The text the user wrote, for syntax error columns: the source and how much was put before it. */
interface Origin {
  src: string;
  shift: number;
}

function compile(src: string, where: RenderWhere, origin?: Origin) {
  try {
    return compiled(src);
  } catch (err) {
    const problem = origin === undefined ? undefined : templateSyntaxError(origin.src, origin.shift);
    if (problem) throw new TemplateError(problem, where);
    throw toError(err, 'syntax', where);
  }
}

/** Evaluate one expression (no braces) to its native value. */
export function evalExpression(expr: string, vars: Record<string, unknown>, where: RenderWhere = {}, origin?: Origin, condition = false): unknown {
  const t = compile(wrap(expr, condition), where, origin ?? { src: `{{ ${expr} }}`, shift: 3 });
  captured = undefined;
  takePending();
  try {
    t.render({ [VARS]: vars, [CAPTURE]: capture });
  } catch (err) {
    throw toError(err, 'render', where);
  }
  const v = captured;
  captured = undefined;
  if (v instanceof Undefined) throw new UndefinedVariableError(v.name, v.detail, where);
  return v;
}

/** Render one string: native value for a lone `{{ expr }}`, else the rendered text. */
export function renderString(s: string, vars: Record<string, unknown>, where: RenderWhere = {}): unknown {
  if (!TEMPLATE_RE.test(s)) return s;
  const expr = singleExpression(s);
  if (expr !== undefined) return evalExpression(expr, vars, where, { src: s, shift: 0 });
  const t = compile(s, where);
  takePending();
  try {
    return t.render({ [VARS]: vars });
  } catch (err) {
    throw toError(err, 'render', where);
  }
}

function render(value: unknown, vars: Record<string, unknown>, where: RenderWhere, depth: number): unknown {
  if (typeof value === 'string') return renderString(value, vars, where);
  if (value === null || typeof value !== 'object' || depth > 100) return value;
  const here = (key: string | number): RenderWhere => {
    const pos: SourcePos | undefined = recalledPos(value, key);
    return pos ? { ...where, pos } : where;
  };
  if (Array.isArray(value)) return value.map((v, i) => render(v, vars, here(i), depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // keys are templated too (Ansible does), values keep their own positions
    const key = isTemplate(k) ? String(renderString(k, vars, here(k))) : k;
    out[key] = render(v, vars, here(k), depth + 1);
  }
  return out;
}

/** Render every string in value (recursively through objects and lists). */
export function renderValue(value: unknown, vars: Record<string, unknown>, where: RenderWhere = {}): unknown {
  return render(value, vars, where, 0);
}

/** Strip `{{ }}` around a `when` written with braces (Ansible warns and accepts it). */
function bare(expr: string): string {
  const inner = singleExpression(expr.trim());
  return inner !== undefined ? inner : expr;
}

/**
 * Ansible's `when`: every expression (no braces) must be true (a list means AND). Python
 * truthiness; an undefined variable is an error unless tested (`is defined`) or defaulted.
 */
export function evalCondition(exprs: readonly (string | boolean)[], vars: Record<string, unknown>, where: RenderWhere = {}): boolean {
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i]!;
    if (typeof e === 'boolean') {
      if (!e) return false;
      continue;
    }
    const pos = recalledPos(exprs, i);
    const w = pos ? { ...where, pos } : where;
    const inner = bare(e);
    const v = evalExpression(inner, vars, w, inner === e ? undefined : { src: e.trim(), shift: 0 }, inner === e);
    // a condition that renders to the string "False" (e.g. `when: "{{ flag }}"` with a string) is false
    const result = typeof v === 'string' ? !['', 'false', 'no', 'off', '0', 'none'].includes(v.trim().toLowerCase()) : truthy(v);
    if (!result) return false;
  }
  return true;
}

/** A template syntax problem in s, as a message, or undefined if it compiles. */
export function templateSyntaxError(s: string, colShift = 0): string | undefined {
  if (!TEMPLATE_RE.test(s)) return undefined;
  try {
    compiled(s);
    const expr = singleExpression(s);
    if (expr !== undefined) compiled(wrap(expr));
    return undefined;
  } catch (err) {
    return `template syntax error: ${nunjucksMessage(err, colShift)}`;
  }
}

/** Same check for a `when` expression (no braces); columns count in the expression itself. */
export function conditionSyntaxError(expr: string): string | undefined {
  const inner = bare(expr);
  return templateSyntaxError(`{{ ${inner} }}`, inner === expr ? 3 : 0);
}
