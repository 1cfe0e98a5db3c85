/**
 * Host patterns in inventories, as Ansible expands them: `web[01:10]` (zero-padded when the begin
 * bound is), `db-[a:f]`, `[1:10:2]` (stride), several ranges in one name, and an optional `:port`
 * (`host:2222`, `[::1]:2222`, `web[1:3]:22`). Bare IPv6 addresses carry no port.
 */
export class HostPatternError extends Error {}

export interface ExpandedHosts {
  names: string[];
  port?: number;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Expands the first [..] range of `name`, recursing for the others. */
export function expandHostRange(name: string): string[] {
  const open = name.indexOf('[');
  if (open < 0) {
    if (name.includes(']')) throw new HostPatternError(`unexpected ']' in host name '${name}'`);
    return [name];
  }
  const close = name.indexOf(']', open);
  if (close < 0) throw new HostPatternError(`host range in '${name}' has no closing ']'`);
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new HostPatternError(`host range '[${bounds.join(':')}]' must be begin:end or begin:end:step`);
  }
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  const stepText = bounds[2] ?? '1';
  if (!end) throw new HostPatternError(`host range '[${bounds.join(':')}]' must specify an end value`);
  if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
    throw new HostPatternError(`host range step must be a positive integer, got '${stepText}'`);
  }
  const step = Number(stepText);
  let seq: string[];
  const bi = beg.length === 1 ? LETTERS.indexOf(beg) : -1;
  const ei = end.length === 1 ? LETTERS.indexOf(end) : -1;
  if (bi >= 0 && ei >= 0) {
    if (bi > ei) throw new HostPatternError(`host range '[${beg}:${end}]' must have begin <= end`);
    seq = [];
    for (let i = bi; i <= ei; i += step) seq.push(LETTERS[i]!);
  } else {
    if (!/^\d+$/.test(beg) || !/^\d+$/.test(end)) {
      throw new HostPatternError(`host range '[${bounds.join(':')}]' bounds must be numbers or single letters`);
    }
    const padded = beg.length > 1 && beg.startsWith('0');
    if (padded && beg.length !== end.length) {
      throw new HostPatternError(`host range '[${beg}:${end}]' must use equal-length begin and end when zero-padded`);
    }
    const b = Number(beg);
    const e = Number(end);
    if (b > e) throw new HostPatternError(`host range '[${beg}:${end}]' must have begin <= end`);
    seq = [];
    for (let i = b; i <= e; i += step) seq.push(padded ? String(i).padStart(beg.length, '0') : String(i));
  }
  return seq.flatMap((s) => expandHostRange(head + s + tail));
}

/** Splits off an optional port, then expands ranges. */
export function expandHostPattern(pattern: string): ExpandedHosts {
  const p = pattern.trim();
  if (!p) throw new HostPatternError('empty host name');
  const v6 = /^\[([0-9a-fA-F:.%a-zA-Z]*:[0-9a-fA-F:.%a-zA-Z]*:[0-9a-fA-F:.%a-zA-Z]*)\](?::(\d+))?$/.exec(p);
  if (v6) return { names: [v6[1]!], port: v6[2] === undefined ? undefined : toPort(v6[2], pattern) };
  if (/^[0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F:.]*(%\w+)?$/.test(p)) return { names: [p] };
  let name = p;
  let port: number | undefined;
  const m = /^(.*):(\d+)$/.exec(p);
  if (m && !insideBrackets(p, m[1]!.length)) {
    name = m[1]!;
    port = toPort(m[2]!, pattern);
  }
  if (name.endsWith(':')) {
    throw new HostPatternError(`invalid host pattern '${pattern}': a trailing ':' is reserved for a port`);
  }
  const colon = firstColonOutsideBrackets(name);
  if (colon >= 0) throw new HostPatternError(`invalid host pattern '${pattern}': ':' may only introduce a port`);
  return { names: expandHostRange(name), port };
}

function toPort(text: string, pattern: string): number {
  const n = Number(text);
  if (n > 65535) throw new HostPatternError(`invalid port ${text} in host pattern '${pattern}'`);
  return n;
}

function insideBrackets(s: string, index: number): boolean {
  let depth = 0;
  for (let i = 0; i < index; i++) {
    if (s[i] === '[') depth++;
    else if (s[i] === ']') depth--;
  }
  return depth > 0;
}

function firstColonOutsideBrackets(s: string): number {
  for (let i = 0; i < s.length; i++) if (s[i] === ':' && !insideBrackets(s, i)) return i;
  return -1;
}
