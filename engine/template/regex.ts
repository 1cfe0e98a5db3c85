/** Python regular expressions (as Ansible's regex_* filters take them) in JavaScript. */
import { TemplateError } from './errors.js';

export interface RegexOpts {
  ignorecase?: unknown;
  multiline?: unknown;
}

export function pyRegex(pattern: unknown, opts: RegexOpts = {}, global = false): RegExp {
  let src = String(pattern);
  let flags = global ? 'g' : '';
  // inline flags at the start: (?i) (?m) (?s)
  const inline = /^\(\?([imsx]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    for (const f of inline[1]!) if (f !== 'x' && !flags.includes(f)) flags += f;
  }
  if (opts.ignorecase && !flags.includes('i')) flags += 'i';
  if (opts.multiline && !flags.includes('m')) flags += 'm';
  src = src
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  try {
    return new RegExp(src, flags + 'u');
  } catch {
    try {
      return new RegExp(src, flags);
    } catch (err) {
      throw new TemplateError(`bad regular expression ${JSON.stringify(String(pattern))}: ${(err as Error).message}`);
    }
  }
}

/** Python's replacement syntax (\1, \g<1>, \g<name>) as JavaScript's ($1, $<name>). */
export function pyReplacement(repl: unknown): string {
  return String(repl)
    .replace(/\$/g, '$$$$')
    .replace(/\\g<(\d+)>/g, '$$$1')
    .replace(/\\g<(\w+)>/g, '$$<$1>')
    .replace(/\\(\d+)/g, '$$$1');
}
