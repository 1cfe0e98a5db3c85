/**
 * Load a playbook: YAML (positions kept, duplicate keys refused), the playbook schema
 * (schemas/playbook.schema.json), each task's module and arguments, vars_files, template syntax
 * and notify targets. Everything a user can get wrong is an InputError at file:line:col, found
 * before anything connects.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { InputError, OptionsError } from '../errors.js';
import { schemasDir } from '../paths.js';
import { isTemplate } from '../template/render.js';
import type { Play, Playbook, Task, Vars } from '../types.js';
import { compileSchema } from './ajv.js';
import { buildTask, checkTemplates, tagList } from './build-task.js';
import { describeError, simplifyErrors } from './schema-messages.js';
import type { Scope } from './schema-messages.js';
import { readSource } from './source.js';
import type { Source } from './source.js';
import { byCloseness } from './suggest.js';
import { registerModuleSchemas } from './validate-args.js';

export interface LoadOptions {
  /** Argument schema of each module, by module name. */
  moduleSchemas: ReadonlyMap<string, object>;
  moduleNames: readonly string[];
}

let playbookValidator: ValidateFunction | undefined;

function validatePlaybook(): ValidateFunction {
  playbookValidator ??= compileSchema('playbook', JSON.parse(readFileSync(join(schemasDir, 'playbook.schema.json'), 'utf8')) as object);
  return playbookValidator;
}

function named(v: unknown, kind: string, index: number): string {
  const name = v && typeof v === 'object' ? (v as Record<string, unknown>).name : undefined;
  return typeof name === 'string' ? `${kind} '${name}'` : `${kind} #${index + 1}`;
}

function scopeOf(data: unknown) {
  return (path: (string | number)[]): Scope => {
    const plays = data as unknown[];
    const [pi, section, ti] = path;
    if (typeof pi !== 'number') return { subject: 'in the playbook', what: 'the playbook', depth: 0 };
    const play = plays[pi] as Record<string, unknown> | undefined;
    if ((section === 'tasks' || section === 'pre_tasks' || section === 'post_tasks' || section === 'handlers') && typeof ti === 'number') {
      const list = play?.[section] as unknown[];
      const t = named(list?.[ti], section === 'handlers' ? 'handler' : 'task', ti);
      return { subject: `in ${t}`, what: t, depth: 3 };
    }
    const p = named(play, 'play', pi);
    return { subject: `in ${p}`, what: p, depth: 1 };
  };
}

function checkSchema(src: Source): void {
  const v = validatePlaybook();
  if (v(src.data)) return;
  const described = simplifyErrors(v.errors ?? []).map((e) => describeError(e, src.data, { scope: scopeOf(src.data) }));
  const located = described.map((d) => ({ ...d, pos: src.pos(d.path, d.atKey) }));
  // report the one written first in the file
  located.sort((a, b) => (a.pos.line ?? 0) - (b.pos.line ?? 0) || (a.pos.col ?? 0) - (b.pos.col ?? 0));
  const first = located[0]!;
  throw new InputError(first.message, first.pos);
}

async function loadVarsFile(entry: string, src: Source, path: (string | number)[]): Promise<Vars> {
  const at = src.pos(path);
  if (isTemplate(entry)) throw new InputError(`templated vars_files paths are not supported: '${entry}'`, at);
  const full = isAbsolute(entry) ? entry : join(dirname(src.file), entry);
  const vf = await readSource(full, full, (reason) => new InputError(`vars file '${entry}': ${reason} (looked for ${full})`, at));
  const data = vf.data;
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError(`a vars file must be a mapping of variable names to values, got ${Array.isArray(data) ? 'a list' : typeof data}`, vf.pos([]));
  }
  for (const k of Object.keys(data)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      throw new InputError(`'${k}' is not a valid variable name (letters, digits and _, not starting with a digit)`, vf.pos([k], true));
    }
  }
  checkTemplates(data, vf, []);
  return data as Vars;
}

type Section = 'pre_tasks' | 'tasks' | 'post_tasks';
const SECTIONS: readonly Section[] = ['pre_tasks', 'tasks', 'post_tasks'];

function checkNotify(section: Section, tasks: Task[], handlers: Task[], src: Source, playPath: (string | number)[]): void {
  const targets = new Set(handlers.flatMap((h) => [h.name, ...h.listen]));
  tasks.forEach((t, ti) => {
    t.notify.forEach((n, ni) => {
      if (targets.has(n) || isTemplate(n)) return;
      const raw = ((src.data as unknown[])[playPath[0] as number] as Record<string, unknown[]>)[section]?.[ti] as Record<string, unknown>;
      const path = Array.isArray(raw?.notify) ? [...playPath, section, ti, 'notify', ni] : [...playPath, section, ti, 'notify'];
      const known = byCloseness(n, [...targets]);
      throw new InputError(
        `task '${t.name}' notifies '${n}', but the play has no handler of that name or listen topic` +
          (known.length ? `; handlers: ${known.join(', ')}` : '; the play has no handlers'),
        src.pos(path),
      );
    });
  });
}

async function buildPlay(raw: Record<string, unknown>, pi: number, src: Source, opts: LoadOptions): Promise<Play> {
  const path = [pi];
  const hosts = Array.isArray(raw.hosts) ? raw.hosts.map(String).join(',') : String(raw.hosts);
  if (!hosts.trim()) throw new InputError(`'hosts' of ${named(raw, 'play', pi)} is empty; expected a host pattern`, src.pos([pi, 'hosts']));
  const vars: Vars = { ...((raw.vars as Vars | null) ?? {}) };
  checkTemplates(vars, src, [pi, 'vars']);
  // A string is one file, as Ansible takes it.
  const rawFiles = raw.vars_files as string[] | string | undefined;
  const files = typeof rawFiles === 'string' ? [rawFiles] : (rawFiles ?? []);
  for (let i = 0; i < files.length; i++) {
    Object.assign(vars, await loadVarsFile(files[i]!, src, typeof rawFiles === 'string' ? [pi, 'vars_files'] : [pi, 'vars_files', i]));
  }
  const checkMode = raw.check_mode as boolean | undefined;
  const build = (section: Section | 'handlers') =>
    ((raw[section] as Record<string, unknown>[] | null) ?? []).map((t, ti) =>
      buildTask(t, src, [...path, section, ti], {
        moduleNames: opts.moduleNames,
        checkMode,
        diff: raw.diff as boolean | undefined,
        handler: section === 'handlers',
      }),
    );
  const handlers = build('handlers');
  // pre_tasks, tasks, post_tasks: one list, with the places where notified handlers run.
  const tasks: Task[] = [];
  const sectionEnds: number[] = [];
  for (const section of SECTIONS) {
    const list = build(section);
    checkNotify(section, list, handlers, src, path);
    tasks.push(...list);
    sectionEnds.push(tasks.length);
  }
  return {
    name: typeof raw.name === 'string' ? raw.name : hosts,
    hosts,
    vars,
    tasks,
    sectionEnds,
    handlers,
    tags: tagList(raw.tags),
    ...playKeywords(raw, src, path),
    pos: src.pos(path),
  };
}

/** serial, connection and diff, when the play sets them (serial: one value or a list). */
function playKeywords(raw: Record<string, unknown>, src: Source, path: (string | number)[]): Pick<Play, 'serial' | 'connection' | 'diff'> {
  const out: Pick<Play, 'serial' | 'connection' | 'diff'> = {};
  if (raw.serial !== undefined && raw.serial !== null) {
    out.serial = (Array.isArray(raw.serial) ? raw.serial : [raw.serial]) as (number | string)[];
    checkTemplates(out.serial, src, [...path, 'serial']);
  }
  if (typeof raw.connection === 'string') out.connection = raw.connection;
  if (typeof raw.diff === 'boolean') out.diff = raw.diff;
  return out;
}

export async function loadPlaybookSource(src: Source, opts: LoadOptions): Promise<Playbook> {
  registerModuleSchemas(opts.moduleSchemas);
  const data = src.data;
  if (data === null || data === undefined) throw new InputError('the playbook is empty; expected a list of plays', { file: src.file });
  if (Array.isArray(data)) {
    data.forEach((item, i) => {
      if (item && typeof item === 'object' && 'import_playbook' in item) {
        throw new InputError(
          'import_playbook is not supported by virtplay; pass several playbooks on the command line instead',
          src.pos([i, 'import_playbook'], true),
        );
      }
    });
  }
  checkSchema(src);
  const plays: Play[] = [];
  const raw = data as Record<string, unknown>[];
  for (let i = 0; i < raw.length; i++) plays.push(await buildPlay(raw[i]!, i, src, opts));
  return { file: src.file, plays };
}

/** Load and check a playbook file; a missing file is an OptionsError, anything wrong inside an InputError. */
export async function loadPlaybook(file: string, opts: LoadOptions): Promise<Playbook> {
  const src = await readSource(file, file, (reason) => new OptionsError(`playbook ${file}: ${reason}`));
  return loadPlaybookSource(src, opts);
}
