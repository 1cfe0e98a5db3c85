/**
 * A unified diff of two XML documents for --diff output. Both sides are pretty-printed the same
 * way first, so only real changes show, not indentation or quote style.
 */
import { createTwoFilesPatch } from 'diff';
import { parseXml, serializeXml } from '../../modules/libvirt/domain/xml-io.js';
import type { Domain } from '../../modules/libvirt/domain/domain.js';

function pretty(x: string | Domain): string {
  if (typeof x !== 'string') return x.toXml();
  if (x.trim() === '') return '';
  return serializeXml(parseXml(x));
}

export function diffXml(before: string | Domain, after: string | Domain, beforeName = 'before', afterName = 'after', context = 3): string {
  const a = pretty(before);
  const b = pretty(after);
  if (a === b) return '';
  return createTwoFilesPatch(beforeName, afterName, a, b, undefined, undefined, { context });
}
