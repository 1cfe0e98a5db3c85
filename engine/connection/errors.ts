/** Transport errors of this folder, all UnreachableError (see engine/errors.ts) so the runner counts them alike. */
import { UnreachableError } from '../errors.js';

/** A command did not finish within its timeout; the command was killed (SIGKILL) where possible. */
export class CommandTimeoutError extends UnreachableError {
  constructor(
    host: string,
    readonly timeoutMs: number,
  ) {
    super(host, `a command did not finish within ${formatSeconds(timeoutMs)}; it was killed`);
  }
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
