/**
 * A small mutable XML tree: elements keep their attribute order and every child (elements, text,
 * comments, processing instructions), so a document read and written back loses nothing the
 * model does not touch. Names are kept as written (prefix included, e.g. `virtplay:state`).
 */
export type XNode = XElement | XText | XComment | XPi;

export class XText {
  readonly kind = 'text';
  constructor(public text: string) {}
}

export class XComment {
  readonly kind = 'comment';
  constructor(public text: string) {}
}

/** A processing instruction or the XML declaration (`name` is `?xml`, `?foo`). */
export class XPi {
  readonly kind = 'pi';
  constructor(
    public name: string,
    public attrs: Record<string, string> = {},
  ) {}
}

export class XElement {
  readonly kind = 'element';
  parent: XElement | undefined;
  readonly children: XNode[] = [];
  attrs: Record<string, string>;

  constructor(
    public name: string,
    attrs: Record<string, string> = {},
    children: XNode[] = [],
  ) {
    this.attrs = { ...attrs };
    for (const c of children) this.append(c);
  }

  /** Child elements, all or those named `name`. */
  elements(name?: string): XElement[] {
    const out: XElement[] = [];
    for (const c of this.children) if (c.kind === 'element' && (name === undefined || c.name === name)) out.push(c);
    return out;
  }

  /** The first child element named `name`. */
  child(name: string): XElement | undefined {
    for (const c of this.children) if (c.kind === 'element' && c.name === name) return c;
    return undefined;
  }

  /** The first child named `name`, created (appended) when missing. */
  ensureChild(name: string): XElement {
    return this.child(name) ?? this.append(new XElement(name));
  }

  attr(name: string): string | undefined {
    return Object.hasOwn(this.attrs, name) ? this.attrs[name] : undefined;
  }

  /** Set an attribute (kept in place when it exists, appended otherwise); undefined removes it. */
  setAttr(name: string, value: string | number | undefined): this {
    if (value === undefined) delete this.attrs[name];
    else this.attrs[name] = String(value);
    return this;
  }

  /** The element's text content (its direct text children joined). */
  get text(): string {
    let s = '';
    for (const c of this.children) if (c.kind === 'text') s += c.text;
    return s;
  }

  /** Replace the text children by one text node, keeping child elements. */
  set text(value: string) {
    const keep = this.children.filter((c) => c.kind !== 'text');
    this.children.length = 0;
    if (value !== '') this.children.push(new XText(value));
    this.children.push(...keep);
  }

  append<T extends XNode>(node: T): T {
    if (node.kind === 'element') {
      node.remove();
      node.parent = this;
    }
    this.children.push(node);
    return node;
  }

  /** Insert `node` right after `ref` (a child of this element), or append when ref is absent. */
  insertAfter<T extends XNode>(node: T, ref: XNode | undefined): T {
    const i = ref === undefined ? -1 : this.children.indexOf(ref);
    if (i < 0) return this.append(node);
    if (node.kind === 'element') {
      node.remove();
      node.parent = this;
    }
    this.children.splice(i + 1, 0, node);
    return node;
  }

  insertBefore<T extends XNode>(node: T, ref: XNode | undefined): T {
    const i = ref === undefined ? -1 : this.children.indexOf(ref);
    if (i < 0) return this.append(node);
    if (node.kind === 'element') {
      node.remove();
      node.parent = this;
    }
    this.children.splice(i, 0, node);
    return node;
  }

  /** Detach this element from its parent (no-op when it has none). */
  remove(): void {
    const p = this.parent;
    if (!p) return;
    const i = p.children.indexOf(this);
    if (i >= 0) p.children.splice(i, 1);
    this.parent = undefined;
  }

  /** Remove every child element named `name`; returns how many were removed. */
  removeChildren(name: string): number {
    const gone = this.elements(name);
    for (const e of gone) e.remove();
    return gone.length;
  }

  /** True when the element has no attributes and no child elements or non-blank text. */
  isEmpty(): boolean {
    return Object.keys(this.attrs).length === 0 && this.children.every((c) => c.kind === 'text' && c.text.trim() === '');
  }

  /** Deep copy, detached. */
  clone(): XElement {
    return XElement.adopt(this.name, { ...this.attrs }, this.children.map(cloneNode));
  }

  /**
   * An element that takes `attrs` and `children` as they are (no copies): for builders that made
   * them for this element alone (the parser, clone). Child elements must have no parent yet.
   */
  static adopt(name: string, attrs: Record<string, string>, children: XNode[]): XElement {
    const el = new XElement(name);
    el.attrs = attrs;
    for (const c of children) if (c.kind === 'element') c.parent = el;
    (el as { children: XNode[] }).children = children;
    return el;
  }

  /** The namespace URI bound to `prefix` here or on an ancestor ('' for the default namespace). */
  lookupNamespace(prefix: string): string | undefined {
    const v = this.attr(prefix === '' ? 'xmlns' : `xmlns:${prefix}`);
    return v !== undefined ? v : this.parent?.lookupNamespace(prefix);
  }

  /** The namespace URI of this element's own name. */
  get namespaceUri(): string | undefined {
    const i = this.name.indexOf(':');
    return this.lookupNamespace(i < 0 ? '' : this.name.slice(0, i));
  }

  /** The name without its prefix. */
  get localName(): string {
    const i = this.name.indexOf(':');
    return i < 0 ? this.name : this.name.slice(i + 1);
  }
}

export function cloneNode(n: XNode): XNode {
  switch (n.kind) {
    case 'element':
      return n.clone();
    case 'text':
      return new XText(n.text);
    case 'comment':
      return new XComment(n.text);
    case 'pi':
      return new XPi(n.name, { ...n.attrs });
  }
}

/** A whole document: the root element plus what surrounds it (declaration, comments). */
export class XDocument {
  constructor(
    public root: XElement,
    public prolog: XNode[] = [],
    public epilog: XNode[] = [],
  ) {}

  clone(): XDocument {
    return new XDocument(this.root.clone(), this.prolog.map(cloneNode), this.epilog.map(cloneNode));
  }
}
