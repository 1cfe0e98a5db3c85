/**
 * Parse and serialize XML with fast-xml-parser / fast-xml-builder in their order-preserving mode,
 * converting to and from the XElement tree. Whitespace-only text between elements is dropped on
 * parse and re-created by the pretty printer (two spaces, like libvirt); all other text, comments,
 * processing instructions, namespaced elements and attribute order are kept.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Builder from 'fast-xml-builder';
import { XComment, XDocument, XElement, XPi, XText } from './xml-node.js';
import type { XNode } from './xml-node.js';
import { DomainXmlError } from './errors.js';

const TEXT = '#text';
const COMMENT = '#comment';
const ATTRS = ':@';

type Ordered = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  commentPropName: COMMENT,
  textNodeName: TEXT,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  // entities are decoded below (decodeEntities): the parser leaves numeric references alone
  processEntities: false,
  ignoreDeclaration: false,
  ignorePiTags: false,
  allowBooleanAttributes: false,
  // callbacks get the path matcher itself, not a string built for every tag (we set none)
  jPath: false,
});

const builder = new Builder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  commentPropName: COMMENT,
  textNodeName: TEXT,
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
  processEntities: true,
});

/** Parse a document; malformed XML or a document without a root element throws DomainXmlError. */
export function parseXml(xml: string, opts: { validate?: boolean } = {}): XDocument {
  const valid = opts.validate === false ? true : XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (valid !== true) {
    const e = valid.err;
    throw new DomainXmlError(`malformed XML at line ${e.line}, column ${e.col}: ${e.msg}`);
  }
  const items = parser.parse(xml) as Ordered[];
  const nodes = convertAll(items);
  const rootIndex = nodes.findIndex((n) => n.kind === 'element');
  if (rootIndex < 0) throw new DomainXmlError('the XML has no root element');
  const root = nodes[rootIndex] as XElement;
  return new XDocument(root, nodes.slice(0, rootIndex), nodes.slice(rootIndex + 1));
}

/**
 * fast-xml-parser's ordered items as our nodes. Whitespace-only text is dropped where it is
 * indentation: among siblings that include an element or a comment (around the root, in an
 * element with children); the pretty printer re-creates it. `map` makes each array at its final
 * size (a tree is kept for every guest of a run).
 */
function convertAll(items: Ordered[]): XNode[] {
  const dropBlanks = items.some(isStructure);
  return items.filter((i) => firstKey(i) !== undefined && !(dropBlanks && isBlankItem(i))).map(convert);
}

function firstKey(item: Ordered): string | undefined {
  for (const k in item) if (k !== ATTRS) return k;
  return undefined;
}

/** A child element or comment: its siblings' whitespace-only text is indentation. */
function isStructure(item: Ordered): boolean {
  const k = firstKey(item);
  return k !== undefined && k !== TEXT && !k.startsWith('?');
}

function isBlankItem(item: Ordered): boolean {
  return TEXT in item && String(item[TEXT]).trim() === '';
}

function convert(item: Ordered): XNode {
  const key = firstKey(item)!;
  const value = item[key];
  if (key === TEXT) return new XText(intern(decodeEntities(String(value))));
  if (key === COMMENT) return new XComment(collectText(value as Ordered[]));
  const attrs = stringAttrs(item[ATTRS] as Record<string, unknown> | undefined);
  if (key.startsWith('?')) return new XPi(key, attrs);
  return XElement.adopt(key, attrs, convertAll(value as Ordered[]));
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML's five named entities and numeric character references (`&#xE4;`, `&#228;`). */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return safeCodePoint(parseInt(ref.slice(1), 10), whole);
    return NAMED[ref] ?? whole;
  });
}

function safeCodePoint(cp: number, fallback: string): string {
  return Number.isInteger(cp) && cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : fallback;
}

function collectText(items: Ordered[]): string {
  return items.map((i) => String(i[TEXT] ?? '')).join('');
}

/**
 * Short attribute values repeat across guests ('virtio', 'pci', '0x00', 'file'): one shared copy
 * of each, so a run that keeps thousands of trees keeps each value once. Bounded: when full, it
 * starts again.
 */
const interned = new Map<string, string>();
const INTERN_MAX_LENGTH = 40;
const INTERN_MAX_ENTRIES = 50_000;

function intern(v: string): string {
  if (v.length > INTERN_MAX_LENGTH) return v;
  const known = interned.get(v);
  if (known !== undefined) return known;
  if (interned.size >= INTERN_MAX_ENTRIES) interned.clear();
  interned.set(v, v);
  return v;
}

/** The parser's attribute object (made for this element alone), values decoded and shared. */
function stringAttrs(attrs: Record<string, unknown> | undefined): Record<string, string> {
  if (attrs === undefined) return {};
  for (const k in attrs) {
    const v = attrs[k];
    attrs[k] = intern(typeof v === 'string' ? decodeEntities(v) : String(v));
  }
  return attrs as Record<string, string>;
}

function toOrdered(n: XNode): Ordered {
  switch (n.kind) {
    case 'text':
      return { [TEXT]: n.text };
    case 'comment':
      return { [COMMENT]: [{ [TEXT]: n.text }] };
    case 'pi':
      return { [n.name]: [{ [TEXT]: '' }], [ATTRS]: { ...n.attrs } };
    case 'element': {
      const o: Ordered = { [n.name]: n.children.map(toOrdered) };
      if (Object.keys(n.attrs).length > 0) o[ATTRS] = Object.fromEntries(Object.entries(n.attrs).map(([k, v]) => [k, markWhitespace(v)]));
      return o;
    }
  }
}

/**
 * An XML parser normalizes a literal tab, newline or CR in an attribute value to a space (XML 1.0
 * section 3.3.3), so a path like "/isos/a<TAB>b.iso" would silently change on define. They must be
 * written as character references. The builder escapes '&', so they go through as private-use
 * placeholders and are replaced after building.
 */
const WS_MARK: Record<string, string> = { '\t': '\uE009', '\n': '\uE00A', '\r': '\uE00D' };
const MARK_REF: Record<string, string> = { '\uE009': '&#9;', '\uE00A': '&#10;', '\uE00D': '&#13;' };

function markWhitespace(v: string): string {
  return /[\t\n\r]/.test(v) ? v.replace(/[\t\n\r]/g, (c) => WS_MARK[c]!) : v;
}

function unmarkWhitespace(xml: string): string {
  return /[\uE009\uE00A\uE00D]/.test(xml) ? xml.replace(/[\uE009\uE00A\uE00D]/g, (c) => MARK_REF[c]!) : xml;
}

/** Serialize a document or element, pretty-printed, ending with a newline. */
export function serializeXml(docOrRoot: XDocument | XElement): string {
  const doc = docOrRoot instanceof XDocument ? docOrRoot : new XDocument(docOrRoot);
  const items = [...doc.prolog, doc.root, ...doc.epilog].map(toOrdered);
  const out = unmarkWhitespace(builder.build(items)).replace(/^\n+/, '');
  return out.endsWith('\n') ? out : `${out}\n`;
}
