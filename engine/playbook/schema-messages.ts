/**
 * ajv errors -> messages in the words of a playbook's author: "unknown argument 'X' for module
 * virtio_nic; expected one of: a, b", "key 'register' in task 'Attach ISO' must be a string, got
 * integer 5". Each message carries the data path it is about and whether to point at the key or
 * the value; engine/yaml/positions.ts turns that into file:line:col.
 */
import type { ErrorObject } from 'ajv';
import { suggest } from './suggest.js';

/** Where in the validated data an error sits, in words. */
export interface Scope {
  /** Follows a key's name: "for module virtio_nic", "in task 'Attach ISO'". */
  subject: string;
  /** Names the object itself: "the arguments of module virtio_nic", "task 'Attach ISO'". */
  what: string;
  /** How many leading path steps lead to that object (labels are relative to it). */
  depth: number;
}

export interface ErrorContext {
  scope: (path: (string | number)[]) => Scope;
  /** What the keys are called: "argument", "key". */
  noun?: string;
}

export interface DescribedError {
  message: string;
  /** Data path the message is about (for an unknown key: that key's own path). */
  path: (string | number)[];
  /** Point at the key of the last path step rather than at its value. */
  atKey: boolean;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true/false)',
  null: 'empty',
};

export function pointerPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

/** The YAML word for the type of a value. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function orList(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

export function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** "guests[0].name" for a path relative to the validated object. */
export function pathLabel(path: readonly (string | number)[]): string {
  let s = '';
  for (const step of path) s += typeof step === 'number' ? `[${step}]` : s ? `.${step}` : step;
  return s;
}

function depthOf(e: ErrorObject): number {
  return pointerPath(e.instancePath).length;
}

/**
 * Reduce ajv's allErrors output to the errors worth showing: for an anyOf/oneOf, one merged
 * "must be X or Y" when every branch failed on its type, otherwise the errors of the branch that
 * got furthest (deepest path); the combinators' own summaries are dropped.
 */
export function simplifyErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  let out = [...errors];
  const combos = out
    .filter((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && !e.params.passingSchemas)
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const c of combos) {
    if (!out.includes(c)) continue;
    const prefix = `${c.schemaPath}/`;
    const inside = out.filter((e) => e.schemaPath.startsWith(prefix));
    if (inside.length === 0) continue;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of inside) {
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const onlyType = (es: ErrorObject[]) => es.every((e) => e.keyword === 'type' && e.instancePath === c.instancePath);
    let keep: ErrorObject[];
    if ([...branches.values()].every(onlyType)) {
      const types = [...new Set(inside.flatMap((e) => String(e.params.type).split(',')))];
      keep = [{ ...inside[0]!, params: { type: types.join(',') }, schemaPath: c.schemaPath }];
    } else {
      const candidates = [...branches.values()].filter((es) => !onlyType(es));
      candidates.sort((a, b) => Math.max(...b.map(depthOf)) - Math.max(...a.map(depthOf)) || a.length - b.length);
      keep = candidates[0] ?? [];
    }
    out = out.filter((e) => e !== c && !inside.includes(e)).concat(keep);
  }
  if (out.some((e) => e.keyword !== 'if')) out = out.filter((e) => e.keyword !== 'if');
  // propertyNames: the inner error (with propertyName) says which key; the summary adds nothing
  if (out.some((e) => 'propertyName' in e)) out = out.filter((e) => e.keyword !== 'propertyNames');
  return out;
}

function dataAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur = root;
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

/** One ajv error (validated with verbose: true) as a message, with the path to point at. */
export function describeError(err: ErrorObject, root: unknown, ctx: ErrorContext): DescribedError {
  const path = pointerPath(err.instancePath);
  const noun = ctx.noun ?? 'key';
  const { subject, what, depth } = ctx.scope(path);
  const rel = path.slice(depth);
  const data = 'data' in err ? err.data : dataAt(root, path);
  const label = rel.length ? `${noun} '${pathLabel(rel)}'` : what;
  const where = rel.length ? ` ${subject}` : '';
  const inner = rel.length ? ` in '${pathLabel(rel)}'` : '';
  const p = err.params as Record<string, unknown>;
  const at = (message: string): DescribedError => ({ message, path, atKey: false });
  const badKey = (err as { propertyName?: string }).propertyName;
  if (badKey !== undefined) {
    return {
      message: `'${badKey}'${inner} ${subject} is not a valid name (letters, digits and _, not starting with a digit)`,
      path: [...path, badKey],
      atKey: true,
    };
  }
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const props = Object.keys((err.parentSchema?.properties as object | undefined) ?? {});
      const hint = suggest(key, props);
      return {
        message:
          `unknown ${noun} '${key}'${inner} ${subject}` +
          (props.length ? `; expected one of: ${props.join(', ')}` : '') +
          (hint ? ` (did you mean '${hint}'?)` : ''),
        path: [...path, key],
        atKey: true,
      };
    }
    case 'required':
      return at(`missing required ${noun} '${String(p.missingProperty)}'${inner} ${subject}`);
    case 'dependentRequired':
    case 'dependencies':
      return at(`${noun} '${String(p.property)}'${inner} ${subject} also needs '${String(p.missingProperty)}'`);
    case 'type': {
      const want = orList(
        String(p.type)
          .split(',')
          .map((t) => TYPE_WORDS[t] ?? t),
      );
      return at(`${label}${where} must be ${want}, got ${typeName(data)}${data === null ? '' : ` ${show(data)}`}`);
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[] | undefined) ?? [];
      const words = allowed.filter((a): a is string => typeof a === 'string');
      const hint = typeof data === 'string' ? suggest(data, words) : undefined;
      const list = allowed.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ');
      return at(`${label}${where} must be one of: ${list}; got ${show(data)}${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    case 'const':
      return at(`${label}${where} must be ${show(p.allowedValue)}, got ${show(data)}`);
    case 'pattern':
      return at(`${label}${where} must match the pattern ${String(p.pattern)}, got ${show(data)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at(`${label}${where} must be ${String(p.comparison)} ${String(p.limit)}, got ${show(data)}`);
    case 'minItems':
    case 'maxItems':
      return at(`${label}${where} must have ${err.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} item(s)`);
    case 'minLength':
    case 'maxLength':
      return at(`${label}${where} must be ${err.keyword === 'minLength' ? 'at least' : 'at most'} ${String(p.limit)} character(s) long`);
    case 'minProperties':
    case 'maxProperties':
      return at(`${label}${where} must have ${err.keyword === 'minProperties' ? 'at least' : 'at most'} ${String(p.limit)} key(s)`);
    case 'uniqueItems':
      return at(`${label}${where} must not repeat items (items ${String(p.j)} and ${String(p.i)} are equal)`);
    case 'oneOf':
      return at(`${label}${where} matches more than one of the allowed forms`);
    case 'propertyNames':
      return at(`${label}${where} has a key that is not a valid name (letters, digits and _, not starting with a digit)`);
    default:
      return at(`${label}${where} ${err.message ?? 'is invalid'}`);
  }
}
