/**
 * XPath-ish bindings in the spirit of virtinst's XMLProperty: one declarative line binds a typed
 * field to a path relative to an element.
 *
 *   'target/@bus'   attribute `bus` of child `target`      (string)
 *   'serial'        text of child `serial`                 (string)
 *   'readonly'      presence of child `readonly`           (boolean, with xbool)
 *   '@type'         attribute of the element itself
 *
 * Setting `undefined` removes the attribute / element, and then every ancestor on the path that
 * became empty (like virtinst does), so `boot/@order = undefined` leaves no `<boot/>` behind.
 * Setting a value creates the missing elements on the path (appended).
 */
import { XElement } from './xml-node.js';

export interface Binding<T> {
  readonly path: string;
  get(el: XElement): T | undefined;
  set(el: XElement, value: T | undefined): void;
}

interface Parsed {
  steps: string[];
  attr: string | undefined;
}

function parsePath(path: string): Parsed {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const last = parts[parts.length - 1];
  if (last?.startsWith('@')) return { steps: parts.slice(0, -1), attr: last.slice(1) };
  return { steps: parts, attr: undefined };
}

function walk(el: XElement, steps: string[]): XElement | undefined {
  let cur: XElement | undefined = el;
  for (const s of steps) {
    cur = cur.child(s);
    if (!cur) return undefined;
  }
  return cur;
}

function ensure(el: XElement, steps: string[]): XElement {
  let cur = el;
  for (const s of steps) cur = cur.ensureChild(s);
  return cur;
}

/** Remove `node` and then each ancestor up to (not including) `stop` that became empty. */
function pruneUp(node: XElement, stop: XElement): void {
  let cur: XElement | undefined = node;
  while (cur && cur !== stop && cur.isEmpty()) {
    const parent: XElement | undefined = cur.parent;
    cur.remove();
    cur = parent;
  }
}

function rawGet(el: XElement, p: Parsed): string | undefined {
  const target = walk(el, p.steps);
  if (!target) return undefined;
  return p.attr !== undefined ? target.attr(p.attr) : target.text;
}

function rawSet(el: XElement, p: Parsed, value: string | undefined): void {
  if (value === undefined) {
    const target = walk(el, p.steps);
    if (!target) return;
    if (p.attr !== undefined) target.setAttr(p.attr, undefined);
    else target.text = '';
    if (target !== el) pruneUp(target, el);
    return;
  }
  const target = ensure(el, p.steps);
  if (p.attr !== undefined) target.setAttr(p.attr, value);
  else target.text = value;
}

/** A string field. */
export function xstr(path: string): Binding<string> {
  const p = parsePath(path);
  return { path, get: (el) => rawGet(el, p), set: (el, v) => rawSet(el, p, v) };
}

/** An integer field (unparsable values read as undefined). */
export function xint(path: string): Binding<number> {
  const p = parsePath(path);
  return {
    path,
    get: (el) => {
      const v = rawGet(el, p);
      if (v === undefined || v.trim() === '') return undefined;
      const n = Number(v);
      return Number.isInteger(n) ? n : undefined;
    },
    set: (el, v) => rawSet(el, p, v === undefined ? undefined : String(v)),
  };
}

/** A boolean that is the presence of an element (`<readonly/>`). */
export function xbool(path: string): Binding<boolean> {
  const p = parsePath(path);
  if (p.attr !== undefined) throw new Error(`xbool binds an element, not an attribute: ${path}`);
  return {
    path,
    get: (el) => walk(el, p.steps) !== undefined,
    set: (el, v) => {
      if (v) ensure(el, p.steps);
      else {
        const target = walk(el, p.steps);
        if (target) {
          const parent = target.parent;
          target.remove();
          if (parent && parent !== el) pruneUp(parent, el);
        }
      }
    },
  };
}

/** A yes/no or on/off attribute as a boolean (`<readonly/>`-style presence uses xbool). */
export function xyesno(path: string, yes = 'yes', no = 'no'): Binding<boolean> {
  const p = parsePath(path);
  return {
    path,
    get: (el) => {
      const v = rawGet(el, p);
      return v === undefined ? undefined : v === yes;
    },
    set: (el, v) => rawSet(el, p, v === undefined ? undefined : v ? yes : no),
  };
}

/** Every attribute of the element at `path` (an element like `<address type=... bus=.../>`). */
export function xattrs(path: string): Binding<Record<string, string>> {
  const p = parsePath(path);
  return {
    path,
    get: (el) => {
      const target = walk(el, p.steps);
      return target ? { ...target.attrs } : undefined;
    },
    set: (el, v) => {
      const existing = walk(el, p.steps);
      if (v === undefined) {
        if (existing) {
          const parent = existing.parent;
          existing.remove();
          if (parent && parent !== el) pruneUp(parent, el);
        }
        return;
      }
      const target = existing ?? ensure(el, p.steps);
      target.attrs = { ...v };
    },
  };
}
