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
    // An unclosed quote or flow collection runs to the end of the file (or of the block), where
    // the yaml package reports it; the user needs where it opens (as PyYAML says "while scanning
    // a quoted scalar ... line L, column C").
    const open = unclosedStart(doc, err.code, err.pos[0]);
    if (open !== undefined) {
      const at = offsetPos(lineCounter, open.offset);
      const end = lp ? ` (it runs to line ${lp.line}, column ${lp.col})` : '';
      throw new InputError(`YAML syntax error: ${shortMessage(err.message)}: the ${open.what} that starts here is never closed${end}`, { file, ...at });
    }
    throw new InputError(`YAML syntax error: ${shortMessage(err.message)}`, {
      file,
      line: lp?.line,
      col: lp?.col,
    });
  }
  checkDuplicateKeys(doc, lineCounter, file);
  return { file, doc, lineCounter };
}

/**
 * Where the unclosed construct an error at `offset` belongs to opens: a quoted scalar that reaches
 * the offset (MISSING_CHAR), or the innermost flow collection that reaches it (BAD_INDENT,
 * MISSING_CHAR: "must ... end with a ]").
 */
function unclosedStart(doc: Document.Parsed, code: string, offset: number): { offset: number; what: string } | undefined {
  if (code !== 'MISSING_CHAR' && code !== 'BAD_INDENT') return undefined;
  let found: { offset: number; what: string } | undefined;
  const reaches = (r: readonly number[] | null | undefined): r is readonly number[] => r != null && r[0]! < offset && r[1]! >= offset;
  visit(doc, {
    Scalar(_key, node) {
      if (code === 'MISSING_CHAR' && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && reaches(node.range)) {
        found = { offset: node.range[0], what: 'quoted string' };
        return visit.BREAK;
      }
      return undefined;
    },
    Seq(_key, node) {
      if (node.flow && reaches(node.range) && (found === undefined || node.range[0] > found.offset))
        found = { offset: node.range[0], what: "flow sequence '['" };
    },
    Map(_key, node) {
      if (node.flow && reaches(node.range) && (found === undefined || node.range[0] > found.offset))
        found = { offset: node.range[0], what: "flow mapping '{'" };
    },
  });
  return found;
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
          throw new InputError(`duplicate key '${name}' (first defined at line ${a.line}, column ${a.col})`, { file, ...offsetPos(lineCounter, k.range[0]) });
        }
        seen.set(name, k.range[0]);
      }
    },
  });
}
