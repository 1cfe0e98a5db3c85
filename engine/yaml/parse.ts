/**
 * Parse one YAML file the way Ansible reads it (YAML 1.1 as PyYAML resolves it: yes/no/on/off
 * booleans, merge keys `<<`), keeping the Document and a LineCounter so that later checks can point
 * at file:line:col. Syntax errors and duplicate keys become InputError with the exact position.
 */
import { LineCounter, isMap, isScalar, parseDocument, visit } from 'yaml';
import type { Document, ScalarTag, Tags } from 'yaml';
import { InputError } from '../errors.js';
import { offsetPos } from './positions.js';

export interface ParsedYaml {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** PyYAML's YAML 1.1 booleans (the yaml package's 1.1 schema also takes y/n, PyYAML does not). */
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;

/**
 * PyYAML's 1.1 exponent floats need digits and a dot (`1.5e+3`). The yaml package's 1.1 test takes
 * `e1000` (a NIC model!) as a float and gives NaN; PyYAML reads it as a string, and so do we.
 */
const PY_FLOAT_EXP = /^[-+]?[0-9][0-9_]*\.[0-9_]*[eE][-+]?[0-9]+$/;

function pyYamlTags(tags: Tags): Tags {
  return tags.map((tag) => {
    const t = tag as ScalarTag;
    if (t.tag === 'tag:yaml.org,2002:float' && t.format === 'EXP') return { ...t, test: PY_FLOAT_EXP };
    if (t.tag !== 'tag:yaml.org,2002:bool' || !t.test) return tag;
    return { ...t, test: t.test.test('true') ? PY_TRUE : PY_FALSE };
  });
}

/** First line of a yaml package message, without its "at line L, column C" suffix. */
function shortMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    version: '1.1',
    uniqueKeys: false,
    prettyErrors: true,
    customTags: pyYamlTags,
  });
  const err = doc.errors[0];
  if (err) {
    const lp = err.linePos?.[0];
    throw new InputError(`YAML syntax error: ${shortMessage(err.message)}`, {
      file,
      line: lp?.line,
      col: lp?.col,
    });
  }
  checkDuplicateKeys(doc, lineCounter, file);
  return { file, doc, lineCounter };
}

/** Duplicate keys are errors (Ansible warns and keeps the last; a silent override is a bug source). */
function checkDuplicateKeys(doc: Document.Parsed, lineCounter: LineCounter, file: string): void {
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        const k = pair.key;
        if (!isScalar(k) || !k.range) continue;
        const name = String(k.value);
        const first = seen.get(name);
        if (first !== undefined) {
          const a = offsetPos(lineCounter, first);
          throw new InputError(
            `duplicate key '${name}' (first defined at line ${a.line}, column ${a.col})`,
            { file, ...offsetPos(lineCounter, k.range[0]) },
          );
        }
        seen.set(name, k.range[0]);
      }
    },
  });
}
