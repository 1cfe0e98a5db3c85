/**
 * `<metadata>`: one element per foreign namespace (libvirt keeps each namespace's element as
 * given, see virDomainSetMetadata). virtplay keeps its own memory of a guest there, under
 * VIRTPLAY_NS, so no local state file is needed and any control machine can resume.
 */
import { XElement, XText } from './xml-node.js';

export const VIRTPLAY_NS = 'https://virtplay.dev/xmlns/virtplay/1';
export const VIRTPLAY_PREFIX = 'virtplay';

/** Elements that precede `<metadata>` in libvirt's order. */
const BEFORE_METADATA = ['name', 'uuid', 'genid', 'title', 'description'];

/** The element of `<metadata>` in namespace `ns`, if any. */
export function findMetadata(root: XElement, ns: string): XElement | undefined {
  return root
    .child('metadata')
    ?.elements()
    .find((e) => e.namespaceUri === ns);
}

function metadataContainer(root: XElement): XElement {
  const existing = root.child('metadata');
  if (existing) return existing;
  let after: XElement | undefined;
  for (const e of root.elements()) if (BEFORE_METADATA.includes(e.name)) after = e;
  const md = new XElement('metadata');
  if (after) root.insertAfter(md, after);
  else root.insertBefore(md, root.children[0]);
  return md;
}

/**
 * Replace (or create) the element of namespace `ns` by `<prefix:localName xmlns:prefix=ns>`;
 * returns the new, empty element for the caller to fill. An existing element keeps its position.
 */
export function setMetadataElement(root: XElement, ns: string, prefix: string, localName: string): XElement {
  const fresh = new XElement(`${prefix}:${localName}`, { [`xmlns:${prefix}`]: ns });
  const old = findMetadata(root, ns);
  if (old?.parent) {
    old.parent.insertAfter(fresh, old);
    old.remove();
  } else {
    metadataContainer(root).append(fresh);
  }
  return fresh;
}

/** Remove the element of namespace `ns` (and `<metadata>` when it becomes empty). */
export function removeMetadata(root: XElement, ns: string): boolean {
  const el = findMetadata(root, ns);
  if (!el) return false;
  const md = el.parent;
  el.remove();
  if (md && md.elements().length === 0 && md.children.every((c) => c.kind === 'text')) md.remove();
  return true;
}

/** The attributes of the namespace's element, without namespace declarations. */
export function readMetadataAttrs(root: XElement, ns: string): Record<string, string> | undefined {
  const el = findMetadata(root, ns);
  if (!el) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.attrs)) if (k !== 'xmlns' && !k.startsWith('xmlns:')) out[k] = v;
  return out;
}

/** Store a flat string record as attributes of `<prefix:localName>`. */
export function writeMetadataAttrs(
  root: XElement,
  ns: string,
  attrs: Record<string, string | number | boolean>,
  prefix = VIRTPLAY_PREFIX,
  localName = 'state',
): XElement {
  const el = setMetadataElement(root, ns, prefix, localName);
  for (const [k, v] of Object.entries(attrs)) el.setAttr(k, String(v));
  return el;
}

/** A JSON value stored as the text of the namespace's element; undefined when absent or not JSON. */
export function readMetadataJson(root: XElement, ns: string): unknown {
  const el = findMetadata(root, ns);
  if (!el) return undefined;
  try {
    return JSON.parse(el.text) as unknown;
  } catch {
    return undefined;
  }
}

/** Store `value` as JSON text of `<prefix:localName>`. */
export function writeMetadataJson(root: XElement, ns: string, value: unknown, prefix = VIRTPLAY_PREFIX, localName = 'state'): XElement {
  const el = setMetadataElement(root, ns, prefix, localName);
  el.append(new XText(JSON.stringify(value)));
  return el;
}
