/**
 * Module arguments against the module's JSON Schema. At load time the arguments are not templated
 * yet, so a string that contains a template is given the benefit of the doubt (a lone `{{ x }}`
 * may become any type; a string with a template inside stays a string, but its value is unknown);
 * after templating, validateArgs checks everything again. Each schema is compiled once.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { InputError, InternalError } from '../errors.js';
import type { SourcePos } from '../errors.js';
import { isTemplate, singleExpression } from '../template/render.js';
import { compileSchema } from './ajv.js';
import { describeError, pointerPath, simplifyErrors } from './schema-messages.js';
import type { DescribedError } from './schema-messages.js';

const compiledBySchema = new WeakMap<object, ValidateFunction>();
const schemaByModule = new Map<string, object>();

/** Make modules' schemas known (loadPlaybook does this with its moduleSchemas). */
export function registerModuleSchemas(schemas: ReadonlyMap<string, object>): void {
  for (const [name, schema] of schemas) schemaByModule.set(name, schema);
}

/**
 * One compiled validator per module schema, converting scalars as Ansible's argument spec does,
 * both for the static check at load time and for the final one after templating.
 */
function validator(module: string): ValidateFunction {
  const schema = schemaByModule.get(module);
  if (!schema) throw new InternalError(`no argument schema registered for module ${module}`);
  let v = compiledBySchema.get(schema);
  if (!v) {
    try {
      v = compileSchema('coerce', schema);
    } catch (err) {
      throw new InternalError(`the argument schema of module ${module} does not compile: ${(err as Error).message}`);
    }
    compiledBySchema.set(schema, v);
  }
  return v;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur = root;
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

/** Errors that templating may still fix: anything about a templated string, and the summaries above it. */
function dropTemplateErrors(errors: ErrorObject[], args: unknown): ErrorObject[] {
  const unsure: string[] = [];
  const keep = errors.filter((e) => {
    const v = valueAt(args, pointerPath(e.instancePath));
    if (!isTemplate(v)) return true;
    // "{{ x }}" can be anything; "/iso/{{ v }}.iso" is surely a string
    if (singleExpression(v) === undefined && e.keyword === 'type') return true;
    unsure.push(e.instancePath);
    return false;
  });
  return keep.filter(
    (e) => !['anyOf', 'oneOf', 'if', 'not'].includes(e.keyword) || !unsure.some((p) => p === e.instancePath || p.startsWith(`${e.instancePath}/`)),
  );
}

function scopeFor(module: string) {
  return () => ({ subject: `for module ${module}`, what: `the arguments of module ${module}`, depth: 0 });
}

/** The problems with args, described; `loose` for arguments that are not templated yet. */
export function checkArgs(module: string, args: unknown, loose: boolean): DescribedError[] {
  const v = validator(module);
  if (v(args)) return [];
  let errors = simplifyErrors(v.errors ?? []);
  if (loose) errors = dropTemplateErrors(errors, args);
  return errors.map((e) => describeError(e, args, { scope: scopeFor(module), noun: 'argument' }));
}

/** Check (templated) args against the module's schema; InputError at pos for the first problem. */
export function validateArgs(module: string, args: unknown, pos?: SourcePos): void {
  const problems = checkArgs(module, args, false);
  const first = problems[0];
  if (first) throw new InputError(`${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : ''}`, pos);
}
