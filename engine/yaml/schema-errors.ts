/**
 * Turn ajv errors for a YAML document into one InputError at file:line:col that says what was
 * expected and what was found ("hosts of group 'web' must be a mapping of host names, got a list").
 * Validate with ajv option `verbose: true` (the message reads the schema's `description` of the
 * failing node as the expected phrase) and `allErrors: true` (the deepest error is reported).
 */
import type { ErrorObject } from 'ajv';
import type { Document, LineCounter } from 'yaml';
import { InputError } from '../errors.js';
import { yamlPathPos } from './positions.js';
import type { YamlPath } from './positions.js';

export interface SchemaErrorContext {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  /** Names the thing at a path for a message ("hosts of group 'web'"); default: "'a.b[0]'". */
  describe?: (path: YamlPath) => string;
}

/** Decode an ajv instancePath (JSON pointer) into path segments. */
export function pointerToPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function defaultDescribe(path: YamlPath): string {
  if (path.length === 0) return 'the document';
  let s = '';
  for (const seg of path) s += typeof seg === 'number' || /^\d+$/.test(seg) ? `[${seg}]` : s ? `.${seg}` : seg;
  return `'${s}'`;
}

/** "a list", "a mapping", "the string \"x\"", ... for messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (an empty value)';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  switch (typeof v) {
    case 'object':
      return 'a mapping';
    case 'string':
      return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
    case 'number':
      return `the number ${v}`;
    case 'boolean':
      return `the boolean ${v}`;
    default:
      return typeof v;
  }
}

const TYPE_PHRASE: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean (true/false)',
  null: 'empty',
};

function expectedPhrase(err: ErrorObject): string {
  const desc = (err.parentSchema as { description?: unknown } | undefined)?.description;
  if (typeof desc === 'string') return desc;
  const types = ([] as string[]).concat(err.params.type as string | string[]);
  return types.map((t) => TYPE_PHRASE[t] ?? t).join(' or ');
}

export interface FormattedSchemaError {
  message: string;
  path: string[];
  /** Whether the position should point at the key (unexpected key) rather than the value. */
  atKey: boolean;
}

export function formatSchemaError(err: ErrorObject, describe = defaultDescribe): FormattedSchemaError {
  const path = pointerToPath(err.instancePath);
  const where = describe(path);
  switch (err.keyword) {
    case 'type':
      return { path, atKey: false, message: `${where} must be ${expectedPhrase(err)}, got ${describeValue(err.data)}` };
    case 'additionalProperties': {
      const extra = String(err.params.additionalProperty);
      const props = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const allowed = props.length ? ` (expected one of: ${props.join(', ')})` : '';
      return { path: [...path, extra], atKey: true, message: `${where} has an unexpected key '${extra}'${allowed}` };
    }
    case 'required':
      return { path, atKey: false, message: `${where} is missing the required key '${String(err.params.missingProperty)}'` };
    case 'enum':
      return {
        path,
        atKey: false,
        message: `${where} must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(err.data)}`,
      };
    case 'propertyNames':
      return { path, atKey: false, message: `${where}: ${err.message ?? 'has a bad key'}` };
    default:
      return { path, atKey: false, message: `${where} ${err.message ?? 'is invalid'}` };
  }
}

/** Prefer the deepest error; among equals, the first. Keyword-combinator noise (oneOf/anyOf) last. */
export function pickError(errors: ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  let bestScore = -1;
  for (const e of errors) {
    const depth = pointerToPath(e.instancePath).length + (e.keyword === 'additionalProperties' ? 1 : 0);
    const score = depth * 10 + (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if' ? 0 : 5);
    if (score > bestScore) {
      best = e;
      bestScore = score;
    }
  }
  return best;
}

export function schemaErrorsToInputError(errors: ErrorObject[], ctx: SchemaErrorContext): InputError {
  const err = pickError(errors);
  if (!err) return new InputError('does not match its schema', { file: ctx.file });
  const f = formatSchemaError(err, ctx.describe);
  const pos = yamlPathPos(ctx.doc, ctx.lineCounter, f.path, f.atKey);
  return new InputError(f.message, { file: ctx.file, line: pos?.line, col: pos?.col });
}
