/**
 * -e / --extra-vars as ansible-playbook takes them: `key=value key2='a b'`, a JSON or YAML
 * mapping, or `@file.yml` (YAML or JSON). Later -e win over earlier ones.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { OptionsError } from '../errors.js';
import type { Vars } from '../types.js';
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
      throw new OptionsError(`-e ${JSON.stringify(v)}: not valid JSON/YAML${col === undefined ? '' : ` at column ${col}`}: ${first}`);
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
    throw new OptionsError(`-e @${file}: cannot read the file (does it exist?)`);
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

/** `a=1 b='two words' c="x y"`: shell-like words split on blanks, each key=value. */
export function parseKeyValues(s: string, original = s): Vars {
  const out: Vars = {};
  const words: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new OptionsError(`-e ${JSON.stringify(original)}: unterminated ${quote} quote`);
  if (inWord) words.push(cur);
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new OptionsError(`-e ${JSON.stringify(original)}: expected key=value, got ${JSON.stringify(w)}`);
    const key = w.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new OptionsError(`-e ${JSON.stringify(original)}: ${JSON.stringify(key)} is not a valid variable name`);
    out[key] = w.slice(eq + 1);
  }
  return out;
}
