/**
 * Secrets never reach the output. Values under a key that looks secret are masked, and those
 * values (plus any secret the caller registers) are also masked where they appear inside other
 * strings of later output (a command line, an error message).
 */

/** Keys whose values are secret, as Ansible users name them (ansible_password, *_passphrase, ...). */
/** Names of variables whose values are secrets; a path to a key file (…_file, …_path) is not one. */
export const SECRET_KEY = /^(?!.*_(file|path)$).*(pass(word|phrase)?|secret|token|private_key)/i;
export const MASK = '********';
/** Shorter secret values are masked where they stand as a whole value, not inside other text. */
const MIN_EMBEDDED = 4;

export class Redactor {
  private readonly known = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.addSecret(s);
  }

  /** Mask this value wherever it shows up from now on. */
  addSecret(value: unknown): void {
    if (typeof value === 'string' && value.length >= MIN_EMBEDDED) this.known.add(value);
    else if (typeof value === 'number' || typeof value === 'bigint') this.addSecret(String(value));
  }

  /** A deep, JSON-safe copy with secret keys masked and known secret strings replaced. */
  value<T>(input: T): T {
    this.learn(input, new WeakSet());
    return this.copy(input, new WeakSet()) as T;
  }

  /** Remember the secrets found under secret keys of a value, without copying it. */
  learnFrom(input: unknown): void {
    this.learn(input, new WeakSet());
  }

  /** A string with every known secret replaced by the mask. */
  text(s: string): string {
    let out = s;
    for (const secret of this.known) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  }

  private learn(v: unknown, seen: WeakSet<object>): void {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) this.learn(x, seen);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (SECRET_KEY.test(k)) this.learnAll(x, seen);
      else this.learn(x, seen);
    }
  }

  private learnAll(v: unknown, seen: WeakSet<object>): void {
    if (v === null || v === undefined) return;
    if (typeof v !== 'object') return this.addSecret(v);
    if (seen.has(v)) return;
    seen.add(v);
    for (const x of Object.values(v)) this.learnAll(x, seen);
  }

  private copy(v: unknown, seen: WeakSet<object>): unknown {
    if (typeof v === 'string') return this.text(v);
    if (typeof v === 'bigint') return this.text(String(v));
    if (typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (v instanceof Error) return { error: v.name, msg: this.text(v.message) };
    if (Buffer.isBuffer(v)) return this.text(v.toString('utf8'));
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    let out: unknown;
    if (Array.isArray(v)) out = v.map((x) => this.copy(x, seen) ?? null);
    else if (v instanceof Map) out = this.copy(Object.fromEntries(v), seen);
    else if (v instanceof Set) out = this.copy([...v], seen);
    else {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        o[k] = SECRET_KEY.test(k) && x !== null && x !== '' ? MASK : this.copy(x, seen);
      }
      out = o;
    }
    seen.delete(v);
    return out;
  }
}

/** One-off redaction of a value (keys only plus the secrets found in the value itself). */
export function redact<T>(input: T, secrets: Iterable<string> = []): T {
  return new Redactor(secrets).value(input);
}

/** Values of every secret-looking key in a vars tree: pass them as ReporterOptions.secrets. */
export function secretValues(vars: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, secret: boolean, seen: Set<object>): void => {
    if (v === null || v === undefined) return;
    if (typeof v !== 'object') {
      if (secret && (typeof v === 'string' || typeof v === 'number') && String(v) !== '') out.add(String(v));
      return;
    }
    if (seen.has(v)) return;
    seen.add(v);
    for (const [k, x] of Object.entries(v)) walk(x, secret || SECRET_KEY.test(k), seen);
  };
  walk(vars, false, new Set());
  return [...out];
}
