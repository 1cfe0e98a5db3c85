/**
 * Variables are templated lazily, when used, as in Ansible: a play var
 * `iso: "{{ isos }}/virtio-win.iso"` is rendered where a task reads `iso`, with the vars of that
 * host. A var that refers to itself is an error naming it, not an endless loop.
 */
import { InputError } from '../errors.js';
import { isTemplate, renderValue } from '../template/render.js';
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
      if (resolving.has(key)) throw new InputError(`recursive loop detected in the template of variable '${key}'`);
      resolving.add(key);
      try {
        const r = renderValue(v, proxy, { task: `variable ${key}` });
        done.set(key, r);
        return r;
      } finally {
        resolving.delete(key);
      }
    },
  });
  return proxy;
}
