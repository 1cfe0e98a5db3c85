/**
 * Python's shlex.split(line, comments=True) in POSIX mode, as Ansible splits INI host lines, with
 * the column where each token starts (for error positions). A `#` outside quotes starts a comment
 * even inside a word (`pass#word` is `pass`), exactly like shlex.
 */
export interface ShlexToken {
  value: string;
  /** 0-based index in the line where the token starts. */
  start: number;
}

export class ShlexError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

export function shlexSplit(line: string): ShlexToken[] {
  const tokens: ShlexToken[] = [];
  let i = 0;
  let cur: ShlexToken | undefined;
  const startTok = (at: number): ShlexToken => (cur ??= { value: '', start: at });
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (cur) tokens.push(cur);
      cur = undefined;
      i++;
    } else if (c === '#') {
      break;
    } else if (c === '\\') {
      const t = startTok(i);
      if (i + 1 >= line.length) throw new ShlexError('No escaped character', i);
      t.value += line[i + 1];
      i += 2;
    } else if (c === "'") {
      const t = startTok(i);
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShlexError('No closing quotation', i);
      t.value += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const t = startTok(i);
      let j = i + 1;
      for (;;) {
        if (j >= line.length) throw new ShlexError('No closing quotation', i);
        const d = line[j]!;
        if (d === '"') break;
        if (d === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) {
          t.value += line[j + 1];
          j += 2;
        } else {
          t.value += d;
          j++;
        }
      }
      i = j + 1;
    } else {
      startTok(i).value += c;
      i++;
    }
  }
  if (cur) tokens.push(cur);
  return tokens;
}
