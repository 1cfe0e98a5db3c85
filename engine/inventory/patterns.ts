/**
 * Ansible's host patterns, for a play's `hosts:` and for --limit: `all` / `*`, names of hosts and
 * groups, unions `a:b` and `a,b`, intersections `&g`, exclusions `!g`, shell globs (`web*`,
 * `*.lab`), regexes `~web\d+`, subscripts `g[0]`, `g[1:3]` (inclusive), `g[-1]`, `g[2:]`, `g[:3]`, and for --limit
 * `@file` (one pattern per line). Regular patterns are applied first (union, in order), then the
 * `&` ones, then the `!` ones, whatever order they were written in; hosts keep inventory order.
 */
import { readFileSync } from 'node:fs';
import { EXIT, OptionsError } from '../errors.js';
import { globToRegExp } from '../glob.js';
import type { Inventory } from '../types.js';
import { groupHosts } from './group-tree.js';

/** Ansible's split_host_pattern: commas first; else colons outside [...]; IPv6 addresses intact. */
export function splitHostPattern(pattern: string): string[] {
  const out: string[] = [];
  for (const piece of pattern.split(',')) {
    const p = piece.trim();
    if (!p) continue;
    if (/^[0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F:.]*$/.test(p) || /^\[[0-9a-fA-F:.]+\](:\d+)?$/.test(p)) {
      out.push(p);
      continue;
    }
    for (const m of p.matchAll(/(?:[^\s:[\]]|\[[^\]]*\])+/g)) out.push(m[0]);
  }
  return out;
}

/** regular first, then &, then ! ; only & and ! means "all" first. */
export function orderPatterns(patterns: string[]): string[] {
  const regular = patterns.filter((p) => p[0] !== '!' && p[0] !== '&');
  const inter = patterns.filter((p) => p[0] === '&');
  const excl = patterns.filter((p) => p[0] === '!');
  return [...(regular.length ? regular : ['all']), ...inter, ...excl];
}

const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(\d*)([:-])(\d*))\]$/;

function splitSubscript(pattern: string): { expr: string; sub?: [number, number | undefined] } {
  if (pattern[0] === '~') return { expr: pattern };
  const m = SUBSCRIPT.exec(pattern);
  if (!m) return { expr: pattern };
  if (m[2] !== undefined) return { expr: m[1]!, sub: [Number(m[2]), undefined] };
  return { expr: m[1]!, sub: [Number(m[3] || 0), m[5] ? Number(m[5]) : -1] };
}

function applySubscript(hosts: string[], sub: [number, number | undefined] | undefined, pattern: string): string[] {
  if (!sub || hosts.length === 0) return hosts;
  const [start, end] = sub;
  if (end !== undefined) return hosts.slice(start, (end === -1 ? hosts.length - 1 : end) + 1);
  const h = hosts.at(start);
  if (h === undefined) {
    throw new OptionsError(`host pattern '${pattern}': index ${start} is out of range (${hosts.length} hosts matched)`, EXIT.ERROR); // ansible-playbook: 1
  }
  return [h];
}

function matcher(pattern: string): (s: string) => boolean {
  if (pattern[0] === '~') {
    let re: RegExp;
    try {
      re = new RegExp(pattern.slice(1));
    } catch (e) {
      throw new OptionsError(`invalid regular expression in host pattern '${pattern}': ${(e as Error).message}`);
    }
    return (s) => re.exec(s)?.index === 0; // Python's re.match: anchored at the start only
  }
  const re = globToRegExp(pattern);
  return (s) => re.test(s);
}

/** Ansible's _enumerate_matches: matching groups' hosts, plus matching hosts for globs/regexes. */
function enumerate(inv: Inventory, expr: string): string[] {
  const match = matcher(expr);
  const results: string[] = [];
  const groups = [...inv.groups.keys()].filter(match);
  for (const g of groups) results.push(...groupHosts(inv, g));
  if (groups.length === 0 || expr[0] === '~' || /[.?*[]/.test(expr)) {
    for (const h of inv.hosts.keys()) if (match(h)) results.push(h);
  }
  return [...new Set(results)];
}

function matchOne(inv: Inventory, pattern: string): string[] {
  const p = pattern[0] === '&' || pattern[0] === '!' ? pattern.slice(1) : pattern;
  const { expr, sub } = splitSubscript(p);
  return applySubscript(enumerate(inv, expr), sub, p);
}

/** Expands `@file` entries (one pattern per line) in a split pattern list. */
function expandLimitFiles(patterns: string[]): string[] {
  const out: string[] = [];
  for (const p of patterns) {
    if (p[0] !== '@') {
      out.push(p);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(p.slice(1), 'utf8');
    } catch {
      throw new OptionsError(`the limit file ${p.slice(1)} could not be read`);
    }
    out.push(
      ...text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
  }
  return out;
}

/** The hosts a pattern selects, in inventory order, without duplicates. */
export function selectHosts(inv: Inventory, pattern: string): string[] {
  const patterns = orderPatterns(expandLimitFiles(splitHostPattern(pattern)));
  let hosts: string[] = [];
  for (const p of patterns) {
    if (inv.hosts.has(p)) {
      if (!hosts.includes(p)) hosts.push(p);
      continue;
    }
    const that = matchOne(inv, p);
    if (p[0] === '!') {
      const drop = new Set(that);
      hosts = hosts.filter((h) => !drop.has(h));
    } else if (p[0] === '&') {
      const keep = new Set(that);
      hosts = hosts.filter((h) => keep.has(h));
    } else {
      const have = new Set(hosts);
      for (const h of that) if (!have.has(h)) hosts.push(h);
    }
  }
  return hosts;
}

/** selectHosts for --limit (or any caller that wants at least one host): throws when none match. */
export function selectHostsOrThrow(inv: Inventory, pattern: string, what = 'limit'): string[] {
  const hosts = selectHosts(inv, pattern);
  if (hosts.length === 0) {
    const known = [...inv.hosts.keys()];
    const list = known.length === 0 ? 'none' : known.slice(0, 20).join(', ') + (known.length > 20 ? `, ... (${known.length} in all)` : '');
    // ansible-playbook: "Specified inventory, host pattern and/or --limit leaves us with no hosts to target", 1.
    throw new OptionsError(`${what} '${pattern}' matches no hosts (known hosts: ${list})`, EXIT.ERROR);
  }
  return hosts;
}
