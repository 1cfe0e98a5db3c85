/**
 * The one nunjucks Environment of the process (created on first use): autoescape off, strict
 * undefined, Ansible's filters and tests, the sandbox installed. Compiled templates are cached by
 * source text, so a task rendered for 100 hosts compiles once.
 */
import nunjucks from 'nunjucks';
import { makeFilters, strict } from './filters.js';
import { lookup, query } from './lookups.js';
import { pyDict } from './globals.js';
import { installSandbox, sandboxGlobals } from './sandbox.js';
import { tests } from './tests.js';

type Fn = (...args: unknown[]) => unknown;

const NON_STRICT = new Set(['default', 'd', 'mandatory']);
const CACHE_LIMIT = 5000;

let env: nunjucks.Environment | undefined;
const cache = new Map<string, nunjucks.Template>();

export function templateEnv(): nunjucks.Environment {
  if (env) return env;
  installSandbox();
  const e = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });
  const withTests = e as unknown as { getTest(name: string): Fn; addTest(name: string, fn: Fn): void };
  const getTest = (name: string): Fn => withTests.getTest(name);
  const getFilter = (name: string): Fn => e.getFilter(name) as Fn;
  for (const [name, fn] of Object.entries(tests)) withTests.addTest(name, fn);
  const own = makeFilters(getTest, getFilter);
  // nunjucks' own filters (trim, replace, round, ...) are kept, made strict about Undefined
  const builtins = (e as unknown as { filters: Record<string, Fn> }).filters;
  for (const [name, fn] of Object.entries(builtins)) if (!(name in own)) e.addFilter(name, strict(fn));
  for (const [name, fn] of Object.entries(own)) e.addFilter(name, NON_STRICT.has(name) ? fn : strict(fn));
  for (const [name, fn] of Object.entries(sandboxGlobals)) e.addGlobal(name, fn);
  e.addGlobal('dict', pyDict);
  e.addGlobal('lookup', lookup);
  e.addGlobal('query', query);
  e.addGlobal('q', query);
  env = e;
  return e;
}

/** The compiled template for a source text (compiles on first use; throws nunjucks' syntax errors). */
export function compiled(src: string): nunjucks.Template {
  let t = cache.get(src);
  if (!t) {
    t = new nunjucks.Template(src, templateEnv(), undefined, true);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(src, t);
  }
  return t;
}
