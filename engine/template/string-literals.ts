/**
 * String literals in templates as Ansible reads them:
 *   - inside `{{ }}`, backslashes are kept as written (Ansible doubles them before Jinja unescapes,
 *     its _escape_backslashes), so `regex_replace('(\d+)', '\1')` gets `(\d+)` and `\1`;
 *   - elsewhere (`{% %}` and `when`), Python's escapes (Jinja decodes 'unicode-escape'): \n \t \\
 *     \' \xHH \uHHHH, octal \1, a line continuation; an unknown escape such as \d keeps its backslash.
 * nunjucks would drop the backslash of any escape it does not know (`\d` became `d`).
 * Also as Jinja: in `{{ {'a': {'b': 1}} }}` the first `}}` closes two dicts, not the expression.
 */
type Tok = { type: string; value?: unknown; lineno?: number; colno?: number } | null;
interface Tokenizer {
  str: string;
  index: number;
  in_code: boolean;
  lineno: number;
  colno: number;
  /** Dict braces open in the current `{{ }}`. */
  vpBraces?: number;
  current(): string;
  forward(): void;
  isFinished(): boolean;
  nextToken(): Tok;
  _parseString(delimiter: string): string;
  /** Set while the tokenizer is inside `{{ }}`. */
  vpInVariable?: boolean;
}

const SIMPLE: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '\n': '' };

/** One Python escape after a backslash at t.index: the text it stands for (the tokenizer moved past it). */
function pythonEscape(t: Tokenizer): string {
  const c = t.current();
  if (c in SIMPLE) {
    t.forward();
    return SIMPLE[c]!;
  }
  const rest = t.str.slice(t.index);
  const octal = /^[0-7]{1,3}/.exec(rest);
  const hex = c === 'x' ? /^x([0-9a-fA-F]{2})/.exec(rest) : c === 'u' ? /^u([0-9a-fA-F]{4})/.exec(rest) : c === 'U' ? /^U([0-9a-fA-F]{8})/.exec(rest) : null;
  const m = octal ?? hex;
  if (m) {
    for (let i = 0; i < m[0].length; i++) t.forward();
    return String.fromCodePoint(parseInt(octal ? m[0] : m[1]!, octal ? 8 : 16));
  }
  t.forward();
  return `\\${c}`;
}

export function installStringLiterals(lexer: { lex(src: string, opts?: unknown): unknown }): void {
  const proto = Object.getPrototypeOf(lexer.lex('')) as Tokenizer;
  const nextToken = proto.nextToken;
  proto.nextToken = function (this: Tokenizer) {
    // `{{ {'a': {'b': 1}} }}`: a `}}` that closes a dict is two braces, as Jinja's lexer reads it
    if (this.in_code && this.vpInVariable && (this.vpBraces ?? 0) > 0 && this.current() === '}') {
      const tok = { type: 'right-curly', value: '}', lineno: this.lineno, colno: this.colno };
      this.forward();
      this.vpBraces = (this.vpBraces ?? 0) - 1;
      return tok;
    }
    const tok = nextToken.call(this);
    if (tok?.type === 'variable-start') {
      this.vpInVariable = true;
      this.vpBraces = 0;
    } else if (tok && ['variable-end', 'block-start', 'block-end', 'comment'].includes(tok.type)) this.vpInVariable = false;
    else if (tok?.type === 'left-curly') this.vpBraces = (this.vpBraces ?? 0) + 1;
    else if (tok?.type === 'right-curly') this.vpBraces = (this.vpBraces ?? 0) - 1;
    return tok;
  };
  proto._parseString = function (this: Tokenizer, delimiter: string) {
    this.forward();
    let str = '';
    while (!this.isFinished() && this.current() !== delimiter) {
      const cur = this.current();
      this.forward();
      if (cur !== '\\' || this.isFinished()) {
        str += cur;
        continue;
      }
      if (this.vpInVariable) {
        // kept as written; a backslash before the quote still lets the quote in
        const next = this.current();
        str += next === delimiter ? next : `\\${next}`;
        this.forward();
      } else {
        str += pythonEscape(this);
      }
    }
    this.forward();
    return str;
  };
}
