/**
 * YAML as Ansible's to_yaml and to_nice_yaml write it: PyYAML's yaml.dump with allow_unicode,
 * keys sorted, sequences inside a mapping not indented, and
 *   - to_yaml (default_flow_style=None): a collection holding only scalars in flow style
 *     (`[1, 2]`, `{a: 1}`), the others in block style;
 *   - to_nice_yaml (default_flow_style=False, indent 4): block style throughout.
 * Scalars are plain where PyYAML would write them plain (not a word YAML 1.1 reads as another
 * type: yes/on/null/3/1.5/2024-01-01, no indicator, no `: ` or ` #`), else single-quoted, else
 * double-quoted; plain and single-quoted text folds at spaces past column 80, as PyYAML's.
 * Not reproduced: folding of double-quoted text, anchors and aliases (values here are trees).
 */
import { TemplateError } from '../template/errors.js';
import { need } from '../template/undefined.js';
import { pyNumber } from './values.js';

export interface YamlStyle {
  indent?: number;
  /** null: flow for collections of scalars only (to_yaml); false: block throughout (to_nice_yaml). */
  flow?: boolean | null;
}

const WIDTH = 80;
const RESOLVES_AS_OTHER = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<|=|~|null|Null|NULL|)$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
];

const SPACE_OR_END = '\0 \t\r\n\x85\u2028\u2029';
const BREAKS = '\n\x85\u2028\u2029';

interface Analysis {
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
}

/** PyYAML's Emitter.analyze_scalar (allow_unicode on). */
function analyze(s: string): Analysis {
  if (s === '') return { multiline: false, flowPlain: false, blockPlain: false, singleQuoted: true };
  const chars = [...s];
  let flowIndicators = s.startsWith('---') || s.startsWith('...');
  let blockIndicators = flowIndicators;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWs = true;
  let followedByWs = chars.length === 1 || SPACE_OR_END.includes(chars[1]!);
  let previousSpace = false;
  let previousBreak = false;
  chars.forEach((ch, i) => {
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flowIndicators = blockIndicators = true;
      if ('?:'.includes(ch)) {
        flowIndicators = true;
        if (followedByWs) blockIndicators = true;
      }
      if (ch === '-' && followedByWs) flowIndicators = blockIndicators = true;
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWs) blockIndicators = true;
      }
      if (ch === '#' && precededByWs) flowIndicators = blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const c = ch.codePointAt(0)!;
    if (!(ch === '\n' || (c >= 0x20 && c <= 0x7e))) {
      const printable = c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c < 0x10ffff);
      if (!printable || c === 0xfeff) special = true;
    }
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWs = SPACE_OR_END.includes(ch);
    followedByWs = i + 1 >= chars.length - 1 || SPACE_OR_END.includes(chars[i + 2]!);
  });
  let flowPlain = true;
  let blockPlain = true;
  let singleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) flowPlain = blockPlain = false;
  if (breakSpace) flowPlain = blockPlain = singleQuoted = false;
  if (spaceBreak || special) flowPlain = blockPlain = singleQuoted = false;
  if (lineBreaks) flowPlain = blockPlain = false;
  if (flowIndicators) flowPlain = false;
  if (blockIndicators) blockPlain = false;
  return { multiline: lineBreaks, flowPlain, blockPlain, singleQuoted };
}

/** Where the writer is: the column after the last character, for folding. */
class Writer {
  out = '';
  column = 0;

  write(text: string): void {
    this.out += text;
    const nl = text.lastIndexOf('\n');
    this.column = nl < 0 ? this.column + [...text].length : [...text.slice(nl + 1)].length;
  }

  indent(n: number): void {
    this.write('\n' + ' '.repeat(n));
  }
}

const DOUBLE_ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\x0b': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch in DOUBLE_ESCAPES) out += `\\${DOUBLE_ESCAPES[ch]}`;
    else if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa1 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) || c >= 0x10000) out += ch;
    else if (c <= 0xff) out += `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out + '"';
}

/**
 * Plain or single-quoted text (PyYAML's write_plain / write_single_quoted): a lone space past the
 * width becomes a line break and indentation; in quoted text a run of k line breaks is written
 * as k + 1 (a single one would read back as a space), then the indentation.
 */
function writeFolded(w: Writer, s: string, indent: number, quote: boolean, split: boolean): void {
  if (quote) w.write("'");
  const runs = s.match(/ +|\n+|[^ \n]+/g) ?? [];
  let at = 0;
  for (const run of runs) {
    const start = at;
    at += run.length;
    if (run[0] === ' ') {
      const lone = run.length === 1 && (!quote || (start !== 0 && at !== s.length));
      if (lone && split && w.column > WIDTH) w.indent(indent);
      else w.write(run);
    } else if (run[0] === '\n') {
      w.write('\n'.repeat(run.length + 1) + ' '.repeat(indent));
    } else {
      w.write(quote ? run.replace(/'/g, "''") : run);
    }
  }
  if (quote) w.write("'");
}

function float(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  // PyYAML: repr(data).lower(), with '.0' put in an exponent form without a point
  const r = pyNumber(n).toLowerCase();
  return r.includes('e') && !r.includes('.') ? r.replace('e', '.0e') : r;
}

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar => v === null || v === undefined || ['string', 'number', 'boolean'].includes(typeof v) || v instanceof String;

function writeScalar(w: Writer, v: Scalar, indent: number, flowLevel: number, simpleKey: boolean): void {
  if (v === null || v === undefined) return w.write('null');
  if (typeof v === 'boolean') return w.write(v ? 'true' : 'false');
  if (typeof v === 'number') return w.write(float(v));
  const s = String(v);
  const a = analyze(s);
  const implicit = !RESOLVES_AS_OTHER.some((re) => re.test(s));
  if (implicit && !(simpleKey && (s === '' || a.multiline)) && (flowLevel > 0 ? a.flowPlain : a.blockPlain))
    return writeFolded(w, s, indent, false, !simpleKey);
  if (a.singleQuoted && !(simpleKey && a.multiline)) return writeFolded(w, s, indent, true, !simpleKey);
  return w.write(doubleQuoted(s));
}

/** PyYAML writes a key as `key:` unless it is empty or spans lines (then `? key`). */
const simpleKey = (k: string): boolean => k !== '' && !/[\n\x85\u2028\u2029]/.test(k) && k.length < 128;

/** A value PyYAML can represent here (not Undefined, a function, a symbol or a bigint). */
function representable(x: unknown): void {
  need(x);
  if (typeof x === 'function' || typeof x === 'symbol' || typeof x === 'bigint') throw new TemplateError(`cannot represent an object: ${typeof x}`);
}

function entries(v: Record<string, unknown>): [string, unknown][] {
  return Object.entries(v)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** yaml.dump(value, allow_unicode=True, sort_keys=True, default_flow_style=style.flow, indent=style.indent). */
export function pyYaml(value: unknown, style: YamlStyle = {}): string {
  const step = style.indent ?? 2;
  const flowDefault = style.flow === undefined ? null : style.flow;
  const w = new Writer();

  const isFlow = (v: unknown): boolean => {
    const items = Array.isArray(v) ? v : Object.values(v as object);
    if (items.length === 0) return true;
    return flowDefault === null && items.every(isScalar);
  };

  /** A flow collection whose own indentation is `indent`: items wrap there past the width; scalars fold one step in. */
  const flowNode = (v: unknown, indent: number): void => {
    // PyYAML writes ',' and then, before the next item, a line break past the width, else a space
    const next = (first: boolean): void => {
      if (!first) w.write(',');
      if (w.column > WIDTH) w.indent(indent);
      else if (!first) w.write(' ');
    };
    if (Array.isArray(v)) {
      w.write('[');
      v.forEach((x, i) => {
        next(i === 0);
        inline(x, indent + step, 1);
      });
      return w.write(']');
    }
    w.write('{');
    entries(v as Record<string, unknown>).forEach(([k, x], i) => {
      next(i === 0);
      if (simpleKey(k)) {
        writeScalar(w, k, indent + step, 1, true);
        w.write(':');
      } else {
        w.write('? ');
        writeScalar(w, k, indent + step, 1, false);
        w.write(' :');
      }
      w.write(' ');
      inline(x, indent + step, 1);
    });
    return w.write('}');
  };

  /** A scalar (continuing at column `at`) or a flow collection (indented at `at`), where it stands. */
  const inline = (x: unknown, at: number, flowLevel = 0): void => (isScalar(x) ? writeScalar(w, x, at, flowLevel, false) : flowNode(x, at));

  /**
   * A block collection at column `at`: its items (`-` then the item) or its entries, one per line;
   * the first on the current line unless `breakFirst`.
   */
  const block = (v: unknown, at: number, breakFirst: boolean): void => {
    if (Array.isArray(v)) {
      v.forEach((y, i) => {
        if (i > 0 || breakFirst) w.indent(at);
        w.write('-');
        itemNode(y, at + step);
      });
    } else {
      entries(v as Record<string, unknown>).forEach(([k, y], i) => {
        if (i > 0 || breakFirst) w.indent(at);
        mappingEntry(k, y, at);
      });
    }
  };

  const mappingEntry = (k: string, x: unknown, indent: number): void => {
    representable(x);
    if (simpleKey(k)) writeScalar(w, k, indent, 0, true);
    else {
      // PyYAML's complex key, for an empty or multi-line key
      w.write('? ');
      writeScalar(w, k, indent + step, 0, false);
      w.indent(indent);
    }
    w.write(':');
    if (isScalar(x) || isFlow(x)) {
      w.write(' ');
      inline(x, indent + step);
    } else {
      // a sequence as a mapping's value is not indented (PyYAML's indentless sequence)
      block(x, Array.isArray(x) ? indent : indent + step, true);
    }
  };

  /** A sequence item's content after its dash: a scalar one space on, a block collection at column `indent`. */
  const itemNode = (x: unknown, indent: number): void => {
    representable(x);
    if (isScalar(x) || isFlow(x)) {
      w.write(' ');
      return inline(x, indent);
    }
    w.write(' '.repeat(Math.max(1, indent - w.column)));
    block(x, indent, false);
  };

  representable(value);
  if (isScalar(value) || isFlow(value)) inline(value, step);
  else block(value, 0, false);
  return w.out + '\n';
}
