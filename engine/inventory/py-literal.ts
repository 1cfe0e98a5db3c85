/**
 * Python's ast.literal_eval for INI inventory values, as Ansible applies it: numbers, strings,
 * True/False/None, lists, tuples, sets, dicts; anything that is not a literal stays the raw string
 * (`FALSE`, `yes`, `/dev/sda`, `07`). Tuples and sets become arrays, complex numbers stay strings.
 */
const FAIL = Symbol('not a literal');

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  ws(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') this.i++;
      else if (c === '\\' && this.s[this.i + 1] === '\n') this.i += 2;
      else if (c === '#') while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      else return;
    }
  }

  peek(): string | undefined {
    this.ws();
    return this.s[this.i];
  }

  eat(c: string): boolean {
    if (this.peek() === c) {
      this.i++;
      return true;
    }
    return false;
  }
}

function parseNumber(r: Reader): unknown {
  const m = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][-+]?\d(?:_?\d)*)?)[jJ]?/.exec(
    r.s.slice(r.i),
  );
  const text = m?.[0] ?? '';
  if (!text || text === '.' || !/\d/.test(text)) return FAIL;
  if (/[jJ]$/.test(text)) return FAIL; // complex: Ansible turns it back into its text
  if (/[a-zA-Z_\d]/.test(r.s[r.i + text.length] ?? '')) return FAIL;
  r.i += text.length;
  const t = text.replace(/_/g, '');
  if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[oO]/.test(t)) return parseInt(t.slice(2), 8);
  if (/^0[bB]/.test(t)) return parseInt(t.slice(2), 2);
  if (/^\d+$/.test(t)) return /^0+\d/.test(t) && /[1-9]/.test(t) ? FAIL : Number(t);
  return Number(t);
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
  '\n': '',
};

function parseString(r: Reader): unknown {
  const pm = /^([rRuUbB]|[rR][bB]|[bB][rR])?(['"])/.exec(r.s.slice(r.i));
  if (!pm) return FAIL;
  const raw = /[rR]/.test(pm[1] ?? '');
  const q = pm[2]!;
  r.i += pm[0].length;
  const triple = r.s.startsWith(q + q, r.i);
  if (triple) r.i += 2;
  const close = triple ? q.repeat(3) : q;
  let out = '';
  for (;;) {
    if (r.i >= r.s.length) return FAIL;
    if (r.s.startsWith(close, r.i)) {
      r.i += close.length;
      return out;
    }
    const c = r.s[r.i]!;
    if (!triple && c === '\n') return FAIL;
    if (c === '\\') {
      const n = r.s[r.i + 1];
      if (n === undefined) return FAIL;
      if (raw) {
        out += c + n;
        r.i += 2;
        continue;
      }
      const hex = n === 'x' ? /^[0-9a-fA-F]{2}/ : n === 'u' ? /^[0-9a-fA-F]{4}/ : n === 'U' ? /^[0-9a-fA-F]{8}/ : undefined;
      if (hex) {
        const h = hex.exec(r.s.slice(r.i + 2));
        if (!h) return FAIL;
        out += String.fromCodePoint(parseInt(h[0], 16));
        r.i += 2 + h[0].length;
        continue;
      }
      const e = ESCAPES[n];
      out += e ?? c + n;
      r.i += 2;
      continue;
    }
    out += c;
    r.i++;
  }
}

function parseSeq(r: Reader, end: string): unknown[] | typeof FAIL {
  const items: unknown[] = [];
  for (;;) {
    if (r.eat(end)) return items;
    const v = parseValue(r);
    if (v === FAIL) return FAIL;
    items.push(v);
    if (r.eat(',')) continue;
    return r.eat(end) ? items : FAIL;
  }
}

function parseAtom(r: Reader): unknown {
  const c = r.peek();
  if (c === undefined) return FAIL;
  if (c === '[') {
    r.i++;
    return parseSeq(r, ']');
  }
  if (c === '(') {
    r.i++;
    const start = r.i;
    if (r.eat(')')) return [];
    const first = parseValue(r);
    if (first === FAIL) return FAIL;
    if (r.eat(')')) return first; // parenthesised value, not a tuple
    r.i = start;
    return parseSeq(r, ')');
  }
  if (c === '{') {
    r.i++;
    if (r.eat('}')) return {};
    const firstKey = parseValue(r);
    if (firstKey === FAIL) return FAIL;
    if (r.eat(':')) {
      const obj: Record<string, unknown> = {};
      let key: unknown = firstKey;
      for (;;) {
        const v = parseValue(r);
        if (v === FAIL) return FAIL;
        obj[String(key)] = v;
        if (!r.eat(',')) return r.eat('}') ? obj : FAIL;
        if (r.eat('}')) return obj;
        key = parseValue(r);
        if (key === FAIL || !r.eat(':')) return FAIL;
      }
    }
    const set: unknown[] = [firstKey];
    while (r.eat(',')) {
      if (r.peek() === '}') break;
      const v = parseValue(r);
      if (v === FAIL) return FAIL;
      if (!set.includes(v)) set.push(v);
    }
    return r.eat('}') ? set : FAIL;
  }
  if (c === "'" || c === '"' || /^([rRuUbB]|[rR][bB]|[bB][rR])['"]/.test(r.s.slice(r.i))) {
    let s = parseString(r);
    // adjacent string literals concatenate ('a' 'b' == 'ab')
    while (s !== FAIL && /^([rRuUbB]|[rR][bB]|[bB][rR])?['"]/.test((r.peek(), r.s.slice(r.i)))) {
      const more = parseString(r);
      s = more === FAIL ? FAIL : (s as string) + (more as string);
    }
    return s;
  }
  if (r.s.startsWith('...', r.i)) {
    r.i += 3;
    return '...';
  }
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(r.s.slice(r.i))?.[0];
  if (word !== undefined) {
    r.i += word.length;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    return FAIL;
  }
  if (c === '-' || c === '+') {
    r.i++;
    r.ws();
    const n = parseNumber(r);
    if (typeof n !== 'number') return FAIL;
    return c === '-' ? -n : n;
  }
  return parseNumber(r);
}

function parseValue(r: Reader): unknown {
  return parseAtom(r);
}

/** Evaluate `text` like ast.literal_eval; `undefined` return means "not a literal". */
export function pyLiteral(text: string): { ok: true; value: unknown } | { ok: false } {
  const r = new Reader(text.replace(/^[ \t]+/, ''));
  let v = parseValue(r);
  // a top-level `1, 2` is a tuple
  if (v !== FAIL && r.peek() === ',') {
    const items = [v];
    while (r.eat(',')) {
      if (r.peek() === undefined) break;
      const next = parseValue(r);
      if (next === FAIL) return { ok: false };
      items.push(next);
    }
    v = items;
  }
  if (v === FAIL || r.peek() !== undefined) return { ok: false };
  return { ok: true, value: v };
}

/** Ansible's INI _parse_value: the literal when there is one, else the text itself. */
export function iniValue(text: string): unknown {
  const r = pyLiteral(text);
  return r.ok ? r.value : text;
}
