/**
 * Map a path inside a parsed YAML document (keys and indexes, as in a JSON pointer) to the 1-based
 * line:col where that node is written. Shared by the inventory and playbook loaders.
 */
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';

export type YamlPath = ReadonlyArray<string | number>;

export interface LineCol {
  line: number;
  col: number;
}

export function offsetPos(lineCounter: LineCounter, offset: number): LineCol {
  const { line, col } = lineCounter.linePos(offset);
  return { line, col };
}

export interface NodeAtPath {
  /** The value node at the path (undefined when the value is empty, e.g. `hosts:` with nothing). */
  value?: Node;
  /** The key node of the last path segment, when that segment is a mapping key. */
  key?: Node;
  /** How many segments could be followed (== path.length when the whole path exists). */
  depth: number;
}

function keyMatches(key: unknown, seg: string | number): boolean {
  const v = isScalar(key) ? key.value : key;
  return String(v) === String(seg);
}

/** Walk doc along path; stops at the deepest node that exists. */
export function nodeAtPath(doc: Document, path: YamlPath): NodeAtPath {
  let node: unknown = doc.contents;
  let key: Node | undefined;
  let depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyMatches(p.key, seg));
      if (!pair) break;
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(String(seg))) {
      const item = node.items[Number(seg)];
      if (item === undefined) break;
      key = undefined;
      node = item;
    } else {
      break;
    }
    depth++;
  }
  return { value: (node ?? undefined) as Node | undefined, key, depth };
}

/**
 * Position of the node at path: its value, or its key when `preferKey` is set or the value is
 * empty. When the path does not fully exist, the deepest existing node's position.
 */
export function yamlPathPos(doc: Document, lineCounter: LineCounter, path: YamlPath, preferKey = false): LineCol | undefined {
  const found = nodeAtPath(doc, path);
  const r = found.value?.range;
  const empty = !r || (isScalar(found.value) && found.value.value === null && r[0] === r[1]);
  const target = (preferKey || empty) && found.key?.range ? found.key : found.value;
  const range = target?.range;
  if (!range) return undefined;
  return offsetPos(lineCounter, range[0]);
}
