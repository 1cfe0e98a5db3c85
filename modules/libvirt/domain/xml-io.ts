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
  const nodes = items.map(fromOrdered).filter((n): n is XNode => n !== undefined);
  const rootIndex = nodes.findIndex((n) => n.kind === 'element');
  if (rootIndex < 0) throw new DomainXmlError('the XML has no root element');
  const root = nodes[rootIndex] as XElement;
  const around = (ns: XNode[]) => ns.filter((n) => !(n.kind === 'text' && n.text.trim() === ''));
  stripIgnorableWhitespace(root);
  return new XDocument(root, around(nodes.slice(0, rootIndex)), around(nodes.slice(rootIndex + 1)));
}

function fromOrdered(item: Ordered): XNode | undefined {
  const key = Object.keys(item).find((k) => k !== ATTRS);
  if (key === undefined) return undefined;
  const value = item[key];
  const attrs = (item[ATTRS] ?? {}) as Record<string, unknown>;
  if (key === TEXT) return new XText(decodeEntities(String(value)));
  if (key === COMMENT) return new XComment(collectText(value as Ordered[]));
  if (key.startsWith('?')) return new XPi(key, stringAttrs(attrs));
  const el = new XElement(key, stringAttrs(attrs));
  for (const c of value as Ordered[]) {
    const n = fromOrdered(c);
    if (n) el.append(n);
  }
  return el;
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

function stringAttrs(attrs: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = decodeEntities(String(v));
  return out;
}

/** Drop whitespace-only text in elements that also hold child elements (indentation). */
function stripIgnorableWhitespace(el: XElement): void {
  const hasElements = el.children.some((c) => c.kind === 'element' || c.kind === 'comment');
  if (hasElements) {
    for (let i = el.children.length - 1; i >= 0; i--) {
      const c = el.children[i];
      if (c && c.kind === 'text' && c.text.trim() === '') el.children.splice(i, 1);
    }
  }
  for (const c of el.elements()) stripIgnorableWhitespace(c);
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
