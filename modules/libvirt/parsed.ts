/**
 * Each guest's XML is parsed once per run: the parsed tree is kept with the facts object it came
 * from (a WeakMap, so it goes when the facts are replaced) and every caller gets its own clone to
 * edit (a clone costs about 2% of a parse). The XML comes from virsh dumpxml, so it is parsed
 * without the separate well-formedness pass.
 */
import { Domain } from './domain/index.js';
import type { GuestFacts } from './facts.js';
import { TaskError } from '../../engine/errors.js';

const parsed = new WeakMap<GuestFacts, { inactive?: Domain; live?: Domain }>();

function entryOf(g: GuestFacts): { inactive?: Domain; live?: Domain } {
  let entry = parsed.get(g);
  if (!entry) parsed.set(g, (entry = {}));
  return entry;
}

function parse(xml: string, guest: string): Domain {
  try {
    return Domain.parse(xml, { validate: false });
  } catch (e) {
    throw new TaskError(`cannot parse its domain XML: ${(e as Error).message}`, guest);
  }
}

/** A private, editable copy of the guest's persistent definition. */
export function inactiveDomain(g: GuestFacts): Domain {
  return definedDomain(g).clone();
}

/**
 * The guest's cached tree of its persistent definition itself, shared by every caller: for
 * reading only (a check's "before", the diff's before side). Edit a copy (inactiveDomain).
 */
export function definedDomain(g: GuestFacts): Domain {
  const entry = entryOf(g);
  return (entry.inactive ??= parse(g.inactiveXml, g.name));
}

/** A private copy of the running configuration, when the guest runs. */
export function liveDomain(g: GuestFacts): Domain | undefined {
  if (g.liveXml === undefined) return undefined;
  const entry = entryOf(g);
  entry.live ??= parse(g.liveXml, g.name);
  return entry.live.clone();
}

/** A parse we already hold (a plan's result, a verified read-back) becomes the guest's cached tree. */
export function rememberParsed(g: GuestFacts, dom: Domain): GuestFacts {
  parsed.set(g, { inactive: dom });
  return g;
}

/**
 * Facts for a definition that exists only as a tree (check mode's prediction for later tasks):
 * the XML text is serialized only if someone reads it.
 */
export function predictedFacts(g: GuestFacts, dom: Domain): GuestFacts {
  let xml: string | undefined;
  const f: GuestFacts = { uuid: g.uuid, name: g.name, running: g.running, ...(g.liveXml !== undefined ? { liveXml: g.liveXml } : {}), inactiveXml: '' };
  Object.defineProperty(f, 'inactiveXml', { enumerable: true, get: () => (xml ??= dom.toXml()) });
  return rememberParsed(f, dom);
}
