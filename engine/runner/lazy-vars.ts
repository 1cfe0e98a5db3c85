/**
 * Variables are templated lazily, when read, as in Ansible: a play var
 * `iso: "{{ isos }}/virtio-win.iso"` is rendered where a task reads `iso`, with the vars of that
 * host; a template reads only the vars it names (render.ts passes them behind one key, see
 * sandbox.ts VARS). A var whose own template fails (an undefined variable inside it) becomes an
 * Undefined value that fails only where it is really used, naming both variables. While a var is
 * being rendered, reading it again gives its raw text (no endless loop).
 */
import { UndefinedVariableError } from '../template/errors.js';
import { isTemplate, renderValue } from '../template/render.js';
import { Undefined } from '../template/undefined.js';
import type { Vars } from '../types.js';

function hasTemplate(v: unknown, depth = 0): boolean {
  if (isTemplate(v)) return true;
  if (depth > 20 || v === null || typeof v !== 'object') return false;
  return Object.values(v as object).some((x) => hasTemplate(x, depth + 1));
}

export function lazyVars(raw: Vars): Vars {
  const done = new Map<string, unknown>();
  const resolving = new Set<string>();
  const proxy: Vars = new Proxy(raw, {
    get(target, key, receiver) {
      if (typeof key !== 'string' || !Object.hasOwn(target, key)) return Reflect.get(target, key, receiver);
      if (done.has(key)) return done.get(key);
      const v = target[key];
      if (!hasTemplate(v)) return v;
      if (resolving.has(key)) return v;
      resolving.add(key);
      try {
        const r = renderValue(v, proxy);
        done.set(key, r);
        return r;
      } catch (e) {
        if (!(e instanceof UndefinedVariableError)) throw e;
        const u = new Undefined(e.variable, `undefined variable '${e.variable}' in the value of variable '${key}'`);
        done.set(key, u);
        return u;
      } finally {
        resolving.delete(key);
      }
    },
  });
  return proxy;
}
