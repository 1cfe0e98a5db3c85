/** nunjucks passes keyword arguments (`map(attribute='x')`) as a trailing object marked __keywords. */
export interface Split {
  args: unknown[];
  kw: Record<string, unknown>;
}

export function splitKw(args: unknown[]): Split {
  const last = args[args.length - 1];
  if (last && typeof last === 'object' && (last as Record<string, unknown>).__keywords === true) {
    const { __keywords: _k, ...kw } = last as Record<string, unknown>;
    return { args: args.slice(0, -1), kw };
  }
  return { args, kw: {} };
}
