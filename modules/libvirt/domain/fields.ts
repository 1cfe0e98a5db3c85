/**
 * Fields declared once: a view class (a device, the domain) gets one accessor per line of its
 * field table, each bound to an XML path (virtinst's XMLProperty), and its TypeScript type from
 * the same table. Reading a field reads the XML; setting it edits the XML in place.
 */
import type { XElement } from './xml-node.js';
import type { Binding } from './xml-path.js';

/** One field of a view: its binding, the value an absent one reads as, and whether it can be set. */
interface Field<T, W extends boolean> {
  binding: Binding<NonNullable<T>>;
  absent: T;
  writable: W;
}

/** A field that can be set; reads `absent` (default: undefined) where the XML has none. */
export function rw<T>(binding: Binding<T>): Field<T | undefined, true>;
export function rw<T>(binding: Binding<T>, absent: T): Field<T, true>;
export function rw<T>(binding: Binding<T>, absent?: T): Field<T | undefined, true> {
  return { binding: binding as Binding<NonNullable<T>>, absent, writable: true };
}

/** A field that is only read. */
export function ro<T>(binding: Binding<T>): Field<T | undefined, false> {
  return { binding: binding as Binding<NonNullable<T>>, absent: undefined, writable: false };
}

export type Fields = Record<string, Field<unknown, boolean>>;
type ValueOf<F> = F extends Field<infer T, boolean> ? T : never;
/** The properties a field table gives a view: settable ones plain, the others readonly. */
export type FieldValues<S extends Fields> = { -readonly [K in keyof S as S[K] extends Field<unknown, true> ? K : never]: ValueOf<S[K]> } & {
  readonly [K in keyof S as S[K] extends Field<unknown, true> ? never : K]: ValueOf<S[K]>;
};

/** What a view is: the element its fields read and write. */
interface ElementView {
  readonly el: XElement;
}
type ViewClass = abstract new (...args: never[]) => ElementView;

/** A view class with its fields: what withFields returns (and what a subclass extends); its static members kept. */
type WithFields<C extends ViewClass, S extends Fields> = Omit<C, 'prototype'> & (new (...args: ConstructorParameters<C>) => InstanceType<C> & FieldValues<S>);

/** A field's value on an element: what the XML says, or the field's value for an absent one. */
export function read<T>(f: Field<T, boolean>, el: XElement): T {
  return f.binding.get(el) ?? f.absent;
}

/**
 * One accessor per field of SPEC on the class's prototype (non-enumerable, as class accessors
 * are). The class's type gets them from withFields, or from an interface merged with the class
 * (`interface Domain extends FieldValues<typeof DOMAIN_FIELDS> {}`).
 */
export function defineFields(cls: { readonly prototype: ElementView }, spec: Fields): void {
  for (const [name, f] of Object.entries(spec)) {
    Object.defineProperty(cls.prototype, name, {
      configurable: true,
      get(this: ElementView) {
        return read(f, this.el);
      },
      ...(f.writable
        ? {
            set(this: ElementView, v: unknown) {
              f.binding.set(this.el, v as NonNullable<unknown> | undefined);
            },
          }
        : {}),
    });
  }
}

/** The class with one accessor per field of SPEC on its prototype, typed accordingly. */
export function withFields<C extends ViewClass, S extends Fields>(cls: C, spec: S): WithFields<C, S> {
  defineFields(cls, spec);
  return cls as unknown as WithFields<C, S>;
}
