/**
 * A result's diff entries as the unified diff `ansible-playbook --diff` prints (difflib's format:
 * `--- before: header`, `+++ after: header`, `@@ -1,3 +1,3 @@`, 3 lines of context).
 */
import { createRequire } from 'node:module';
import type { DiffEntry } from '../module.js';
import type { Colors } from './colors.js';

type DiffLib = typeof import('diff');
let diffLib: DiffLib | undefined;
/** `diff` is loaded on the first diff printed (--diff only), not at every start. */
function structuredPatch(...args: Parameters<DiffLib['structuredPatch']>): ReturnType<DiffLib['structuredPatch']> {
  diffLib ??= createRequire(import.meta.url)('diff') as DiffLib;
  return diffLib.structuredPatch(...args);
}

const CONTEXT = 3;

/** difflib's _format_range_unified (jsdiff's start of an empty range is one past difflib's). */
function range(start: number, length: number): string {
  if (length === 1) return String(start);
  return `${length === 0 ? start - 1 : start},${length}`;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  // Ansible serializes structured before/after as sorted, indented JSON.
  return JSON.stringify(v, null, 4) + '\n';
}

/** Lines (without newlines) of the diff of every entry that changes something. */
export function diffLines(entries: readonly DiffEntry[], c: Colors): string[] {
  const out: string[] = [];
  for (const d of entries) {
    if (!d || typeof d !== 'object') continue;
    const before = text(d.before);
    const after = text(d.after);
    if (before === after) continue;
    const from = d.before_header !== undefined ? `before: ${d.before_header}` : 'before';
    const to = d.after_header !== undefined ? `after: ${d.after_header}` : 'after';
    const patch = structuredPatch(from, to, before, after, undefined, undefined, { context: CONTEXT });
    if (patch.hunks.length === 0) continue;
    out.push(c.red(`--- ${from}`), c.green(`+++ ${to}`));
    for (const h of patch.hunks) {
      out.push(c.cyan(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`));
      for (const line of h.lines) {
        if (line.startsWith('+')) out.push(c.green(line));
        else if (line.startsWith('-')) out.push(c.red(line));
        else out.push(line);
      }
    }
    out.push('');
  }
  return out;
}
