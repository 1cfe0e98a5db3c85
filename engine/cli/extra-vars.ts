/**
 * -e / --extra-vars as ansible-playbook takes them: `key=value key2='a b'`, a JSON or YAML
 * mapping, or `@file.yml` (YAML or JSON). Later -e win over earlier ones.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { EXIT, OptionsError } from '../errors.js';
import type { Vars } from '../types.js';
import { KvError, parseKvArgs } from '../playbook/kv-args.js';
import { parseYaml as parseYamlFile } from '../yaml/parse.js';

export function parseExtraVars(values: readonly string[]): Vars {
  const out: Vars = {};
  for (const v of values) Object.assign(out, parseOne(v));
  return out;
}

function parseOne(v: string): Vars {
  const s = v.trim();
  if (s.startsWith('@')) return fromFile(s.slice(1));
  if (s.startsWith('{') || s.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = parseYaml(s);
    } catch (e) {
      const err = e as Error & { linePos?: { line: number; col: number }[] };
      const first = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      const col = err.linePos?.[0]?.col;
      // A parse error: virtplay's 6 (ansible-playbook's 4, which also means "unreachable").
      throw new OptionsError(`-e ${JSON.stringify(v)}: not valid JSON/YAML${col === undefined ? '' : ` at column ${col}`}: ${first}`, EXIT.BAD_INPUT);
    }
    return asMapping(parsed, `-e ${JSON.stringify(v)}`);
  }
  return parseKeyValues(s, v);
}

function fromFile(file: string): Vars {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new OptionsError(`-e @${file}: cannot read the file (does it exist?)`, EXIT.ERROR);
  }
  // As a vars file is read everywhere else: YAML 1.1 as PyYAML reads it, syntax errors and
  // duplicate keys as InputError at file:line:col.
  const parsed: unknown = parseYamlFile(text, file).doc.toJS();
  return asMapping(parsed ?? {}, file);
}

function asMapping(v: unknown, where: string): Vars {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new OptionsError(`${where}: extra vars must be a mapping of names to values`);
  return v as Vars;
}

/** `a=1 b='two words' c="x y"`: words split as module short-form arguments are, values kept as strings. */
export function parseKeyValues(s: string, original = s): Vars {
  try {
    return parseKvArgs(s, { typed: false });
  } catch (e) {
    // An unbalanced quote is a parse error (6; ansible-playbook's 4); a word that is not key=value
    // is refused (5), where ansible-playbook ignores it without a word.
    if (e instanceof KvError)
      throw new OptionsError(`-e ${JSON.stringify(original)}: ${e.message}`, /unterminated/.test(e.message) ? EXIT.BAD_INPUT : EXIT.BAD_OPTIONS);
    throw e;
  }
}
