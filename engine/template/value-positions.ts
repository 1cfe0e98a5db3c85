/**
 * Where each value of a playbook was written, remembered by the loader for the objects and lists
 * it builds (task args, when lists, loops), so a template error at run time names the exact
 * line:col of the string that failed, not only the task's.
 */
import type { SourcePos } from '../errors.js';

const positions = new WeakMap<object, Map<string | number, SourcePos>>();

export function rememberPos(container: object, key: string | number, pos: SourcePos): void {
  let m = positions.get(container);
  if (!m) positions.set(container, (m = new Map()));
  m.set(key, pos);
}

export function recalledPos(container: object, key: string | number): SourcePos | undefined {
  return positions.get(container)?.get(key);
}
