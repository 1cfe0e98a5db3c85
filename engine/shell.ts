/**
 * POSIX shell quoting. Every remote command line is built from argv arrays through these
 * functions; no untrusted string is ever pasted into a command unquoted.
 */
const SAFE = /^[A-Za-z0-9_\-+=.,/:@%]+$/;

/** Quote one argument for a POSIX shell (single quotes; embedded ' becomes '\''). */
export function shq(arg: string): string {
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Join an argv array into one shell command line, each element quoted. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shq).join(' ');
}
