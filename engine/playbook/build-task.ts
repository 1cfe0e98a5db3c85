/**
 * One task (or handler) from its YAML mapping: find its module (the one key that is not a task
 * keyword), read its arguments (mapping or key=value string), check them against the module's
 * schema where templates allow, check template syntax, normalise the keywords, and remember
 * where every value was written.
 */
import { InputError } from '../errors.js';
import type { SourcePos } from '../errors.js';
import { conditionSyntaxError, isTemplate, templateSyntaxError } from '../template/render.js';
import { rememberPos } from '../template/value-positions.js';
import type { Task, Vars } from '../types.js';
import { KvError, parseKvArgs } from './kv-args.js';
import { TASK_KEYWORDS, UNSUPPORTED_STRUCTURE, UNSUPPORTED_TASK_KEYWORDS, isTaskKeyword, moduleNameOf } from './keywords.js';
import type { Source } from './source.js';
import { byCloseness, suggest } from './suggest.js';
import { checkArgs } from './validate-args.js';

type Path = (string | number)[];

export interface TaskContext {
  moduleNames: readonly string[];
  /** Play-level check_mode, the default for its tasks. */
  checkMode?: boolean;
  /** The play's diff keyword (a task's own wins). */
  diff?: boolean;
  handler: boolean;
}

function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

/** Tags as Ansible reads them: a list, or a comma-separated string. */
export function tagList(v: unknown): string[] {
  return strList(v)
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
}

function earliest(a: SourcePos, b: SourcePos): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
}

/** Template syntax of every string in value; remember each value's position for run time. */
export function checkTemplates(value: unknown, src: Source, path: Path, posOverride?: SourcePos): void {
  if (typeof value === 'string') {
    const problem = templateSyntaxError(value);
    if (problem) throw new InputError(problem, posOverride ?? src.pos(path));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    const p = posOverride ?? src.pos([...path, k]);
    rememberPos(value, k, p);
    if (typeof k === 'string' && isTemplate(k)) {
      const problem = templateSyntaxError(k);
      if (problem) throw new InputError(problem, posOverride ?? src.pos([...path, k], true));
    }
    checkTemplates(v, src, [...path, k], posOverride);
  }
}

/** The task's module key as written (a short name, or an FQCN such as ansible.builtin.debug). */
function findModule(raw: Record<string, unknown>, src: Source, path: Path, ctx: TaskContext, label: string): string {
  const keys = Object.keys(raw);
  for (const k of keys) {
    if (UNSUPPORTED_STRUCTURE.has(k)) throw new InputError(`'${k}' is not supported by virtplay`, src.pos([...path, k], true));
    if (UNSUPPORTED_TASK_KEYWORDS.has(k)) {
      throw new InputError(
        `task keyword '${k}' is not supported by virtplay; supported keywords: ${TASK_KEYWORDS.filter((t) => ctx.handler || t !== 'listen').join(', ')}`,
        src.pos([...path, k], true),
      );
    }
    if (k === 'listen' && !ctx.handler) throw new InputError(`'listen' is only valid in handlers, not in ${label}`, src.pos([...path, k], true));
  }
  const candidates = keys.filter((k) => !isTaskKeyword(k));
  const isModule = (k: string): boolean => ctx.moduleNames.includes(moduleNameOf(k));
  const known = candidates.filter(isModule);
  if (candidates.length === 0) {
    throw new InputError(`${label} has no module; expected exactly one of: ${ctx.moduleNames.join(', ')}`, src.pos(path));
  }
  if (known.length > 1) {
    throw new InputError(
      `${label} has more than one module ('${known[0]}' and '${known[1]}'); a task runs exactly one module`,
      src.pos([...path, known[1]!], true),
    );
  }
  const unknown = candidates.filter((k) => !isModule(k));
  if (unknown.length > 0 && known.length === 1) {
    const bad = unknown[0]!;
    const hint = suggest(bad, [...TASK_KEYWORDS, ...ctx.moduleNames]);
    throw new InputError(
      `unknown key '${bad}' in ${label}: it already has the module '${known[0]}', so this must be a task keyword, one of: ` +
        `${TASK_KEYWORDS.filter((t) => ctx.handler || t !== 'listen').join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`,
      src.pos([...path, bad], true),
    );
  }
  if (unknown.length > 1) {
    throw new InputError(
      `${label} has more than one module ('${unknown[0]}' and '${unknown[1]}'), and neither is known; known modules: ${ctx.moduleNames.join(', ')}`,
      src.pos([...path, unknown[1]!], true),
    );
  }
  const mod = candidates[0]!;
  if (!isModule(mod)) {
    const ordered = byCloseness(mod, ctx.moduleNames);
    const hint = suggest(mod, ctx.moduleNames);
    throw new InputError(
      `unknown module '${mod}'${hint ? ` (did you mean ${hint}?)` : ''}; known modules: ${ordered.join(', ')}`,
      src.pos([...path, mod], true),
    );
  }
  return mod;
}

interface Args {
  args: Vars;
  /** Where each argument error points: the string for key=value form, else by path. */
  posOf: (argPath: Path, atKey: boolean) => SourcePos;
  /** Set for key=value strings: every nested position is the string's. */
  flatPos?: SourcePos;
}

function readArgs(raw: Record<string, unknown>, mod: string, src: Source, path: Path): Args {
  const value = raw[mod];
  const valuePos = src.pos([...path, mod]);
  let inline: Vars;
  let flatPos: SourcePos | undefined;
  if (value === null || value === undefined) inline = {};
  else if (typeof value === 'string') {
    try {
      inline = parseKvArgs(value);
    } catch (err) {
      if (!(err instanceof KvError)) throw err;
      throw new InputError(`arguments of module ${mod} as a string must be key=value words: ${err.message}`, valuePos);
    }
    flatPos = valuePos;
  } else if (typeof value === 'object' && !Array.isArray(value)) inline = { ...(value as Vars) };
  else
    throw new InputError(`arguments of module ${mod} must be a mapping (or key=value words), got ${Array.isArray(value) ? 'a list' : typeof value}`, valuePos);
  const extra = raw.args as Vars | undefined;
  const args: Vars = { ...(extra ?? {}), ...inline };
  const posOf = (argPath: Path, atKey: boolean): SourcePos => {
    const first = argPath[0];
    if (first !== undefined && extra && Object.hasOwn(extra, first) && !Object.hasOwn(inline, first)) return src.pos([...path, 'args', ...argPath], atKey);
    if (flatPos) return flatPos;
    return src.pos([...path, mod, ...argPath], atKey);
  };
  return { args, posOf, flatPos };
}

export function buildTask(raw: Record<string, unknown>, src: Source, path: Path, ctx: TaskContext): Task {
  const kind = ctx.handler ? 'handler' : 'task';
  const label = typeof raw.name === 'string' ? `${kind} '${raw.name}'` : `${kind} #${Number(path[path.length - 1]) + 1}`;
  const key = findModule(raw, src, path, ctx, label);
  const module = moduleNameOf(key);
  const { args, posOf, flatPos } = readArgs(raw, key, src, path);

  // module arguments: everything templating cannot change must already be right
  const problems = checkArgs(module, args, true).map((p) => ({ ...p, pos: posOf(p.path, p.atKey) }));
  problems.sort((a, b) => earliest(a.pos, b.pos));
  if (problems[0]) throw new InputError(`${problems[0].message} (in ${label})`, problems[0].pos);

  const inline = raw[key];
  for (const [k, v] of Object.entries(args)) {
    const fromArgsKeyword = inline === null || typeof inline !== 'object' || !Object.hasOwn(inline, k);
    const yamlPath = fromArgsKeyword && !flatPos ? [...path, 'args', k] : [...path, key, k];
    rememberPos(args, k, flatPos ?? posOf([k], false));
    checkTemplates(v, src, yamlPath, flatPos);
  }

  const conditions = (keyword: 'when' | 'changed_when' | 'failed_when'): string[] => {
    const out: string[] = [];
    const rawValue = raw[keyword];
    const items = rawValue === undefined ? [] : Array.isArray(rawValue) ? rawValue : [rawValue];
    items.forEach((w, i) => {
      const p = src.pos(Array.isArray(rawValue) ? [...path, keyword, i] : [...path, keyword]);
      const expr = String(w);
      const problem = conditionSyntaxError(expr);
      if (problem) throw new InputError(`${problem} (in the '${keyword}' of ${label})`, p);
      rememberPos(out, i, p);
      out.push(expr);
    });
    return out;
  };
  const when = conditions('when');
  const changedWhen = conditions('changed_when');
  const failedWhen = conditions('failed_when');

  if (raw.loop !== undefined && raw.with_items !== undefined) {
    throw new InputError(`${label} has both 'loop' and 'with_items'; use loop`, src.pos([...path, 'with_items'], true));
  }
  const loopKey = raw.loop !== undefined ? 'loop' : 'with_items';
  const loop = raw[loopKey];
  if (loop !== undefined) {
    if (!Array.isArray(loop) && !(typeof loop === 'string' && isTemplate(loop))) {
      throw new InputError(`'${loopKey}' of ${label} must be a list or a template that gives one, got ${JSON.stringify(loop)}`, src.pos([...path, loopKey]));
    }
    checkTemplates(loop, src, [...path, loopKey]);
  }

  const vars = raw.vars as Vars | null | undefined;
  if (vars) checkTemplates(vars, src, [...path, 'vars']);
  if (typeof raw.name === 'string') checkTemplates(raw.name, src, [...path, 'name']);

  const loopControl = raw.loop_control as { loop_var?: string; index_var?: string; label?: unknown } | undefined;
  if (loopControl?.label !== undefined) checkTemplates(loopControl.label, src, [...path, 'loop_control', 'label']);
  const checkMode = raw.check_mode as boolean | undefined;
  const task: Task = {
    // Unnamed: the module as written (an FQCN stays one), as Ansible shows it.
    name: typeof raw.name === 'string' ? raw.name : key,
    module,
    args,
    when,
    loopVar: loopControl?.loop_var ?? 'item',
    notify: strList(raw.notify),
    tags: tagList(raw.tags),
    ignoreErrors: raw.ignore_errors === true,
    pos: src.pos(path),
    argsPos: src.pos([...path, key]),
    listen: strList(raw.listen),
  };
  if (loop !== undefined) task.loop = loop;
  if (loopControl?.index_var !== undefined) task.indexVar = loopControl.index_var;
  if (loopControl?.label !== undefined) task.loopLabel = loopControl.label;
  if (typeof raw.register === 'string') task.register = raw.register;
  if (checkMode !== undefined || ctx.checkMode !== undefined) task.checkMode = checkMode ?? ctx.checkMode;
  if (vars) task.vars = vars;
  if (raw.changed_when !== undefined) task.changedWhen = changedWhen;
  if (raw.failed_when !== undefined) task.failedWhen = failedWhen;
  if (raw.run_once === true) task.runOnce = true;
  const diff = (raw.diff as boolean | undefined) ?? ctx.diff;
  if (diff !== undefined) task.diff = diff;
  return task;
}
