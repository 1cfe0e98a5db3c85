/** Jinja's global functions that nunjucks lacks: dict() (Python's: pairs, a mapping, keywords). */
import { keyOf } from '../python/values.js';
import { TemplateError } from './errors.js';
import { splitKw } from './kwargs.js';
import { need } from './undefined.js';

export function pyDict(...rest: unknown[]): Record<string, unknown> {
  const { args, kw } = splitKw(rest);
  if (args.length > 1) throw new TemplateError(`dict expected at most 1 argument, got ${args.length}`);
  const out: Record<string, unknown> = {};
  const from = args.length === 1 ? need(args[0]) : undefined;
  if (Array.isArray(from)) {
    from.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new TemplateError(`dictionary update sequence element #${i} has length ${Array.isArray(pair) ? pair.length : 1}; 2 is required`);
      out[keyOf(need(pair[0]))] = pair[1];
    });
  } else if (from !== null && typeof from === 'object') Object.assign(out, from);
  else if (from !== undefined) throw new TemplateError(`'${typeof from}' object is not iterable`);
  return Object.assign(out, kw);
}
