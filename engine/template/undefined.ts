/**
 * Ansible's strict undefined: a missing variable or attribute is a value that may be tested
 * (`is defined`, `default(...)`), but any other use (output, arithmetic, comparison, truth test,
 * iteration, attribute of it) is an error naming the variable.
 */
export class Undefined {
  constructor(
    /** The variable (or dotted path) that is undefined. */
    readonly name: string,
    /** The sentence for the error: "undefined variable 'x'", "'r' has no attribute 'y'". */
    readonly detail: string,
    /** True once the full dotted name is known (see named()). */
    readonly named = true,
  ) {}

  toString(): string {
    return fail(this);
  }

  valueOf(): never {
    return fail(this);
  }

  toJSON(): never {
    return fail(this);
  }

  [Symbol.toPrimitive](): never {
    return fail(this);
  }

  [Symbol.iterator](): never {
    return fail(this);
  }
}

/** The Undefined whose use aborted the current render (read by the renderer; rendering is sync). */
let pending: Undefined | undefined;

export function fail(u: Undefined): never {
  pending = u;
  throw new Error(u.detail);
}

/** Take (and clear) the Undefined that aborted the last render, if one did. */
export function takePending(): Undefined | undefined {
  const u = pending;
  pending = undefined;
  return u;
}

export function isUndefined(v: unknown): v is Undefined {
  return v === undefined || v instanceof Undefined;
}

/** Throw if v is Undefined (for filters and operators that need a real value). */
export function need<T>(v: T): Exclude<T, Undefined> {
  if (v instanceof Undefined) fail(v);
  return v as Exclude<T, Undefined>;
}
