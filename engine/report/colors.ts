/** Terminal colors (picocolors), on or off per reporter, and the decision when to use them. */
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

export function makeColors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

/**
 * Color only on a terminal and without NO_COLOR (https://no-color.org); FORCE_COLOR (any value
 * but 0/false) turns it on anywhere, FORCE_COLOR=0 turns it off.
 */
export function shouldUseColor(tty: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return tty;
}

/** Length of a string as the terminal shows it (no ANSI escapes). */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}
