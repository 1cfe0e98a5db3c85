/**
 * Helpers for testing the pure planning step of the guest-editing modules on the domain corpus:
 * every corpus domain in both forms, a GuestFacts for planning, running a module's plan, and a
 * semantic comparison limited to what the modules do NOT manage.
 */
import { changeLine } from '../../../engine/change.js';
import type { EditArgs, EditSpec } from '../../../modules/libvirt/edit-module.js';
import type { GuestFacts } from '../../../modules/libvirt/facts.js';
import { Domain, serializeXml } from '../../../modules/libvirt/domain/index.js';
import { semanticDiff } from '../../helpers/domain-compare.js';
import type { Disk } from '../../../modules/libvirt/domain/index.js';
import { corpusNames, definedXml, generatedXml } from '../domain/corpus.js';

export interface CorpusCase {
  /** e.g. "pc-ide-e1000-win2k8r2 (defined)". */
  label: string;
  slug: string;
  form: 'generated' | 'defined';
  xml: string;
}

/** Every corpus domain twice: as virt-install printed it and as libvirt returned it after define. */
export function corpusCases(): CorpusCase[] {
  return corpusNames().flatMap((slug) => [
    { label: `${slug} (generated)`, slug, form: 'generated' as const, xml: generatedXml(slug) },
    { label: `${slug} (defined)`, slug, form: 'defined' as const, xml: definedXml(slug) },
  ]);
}

/** What the facts gatherer would have for a shut-off guest with this inactive XML. */
export function guestFacts(xml: string): GuestFacts {
  const dom = Domain.parse(xml);
  return { uuid: dom.uuid ?? '00000000-0000-0000-0000-000000000000', name: dom.name ?? 'guest', running: false, inactiveXml: xml };
}

export interface Planned {
  before: Domain;
  after: Domain;
  changes: string[];
  /** The changes a second plan on the serialized result finds (must be []). */
  again: string[];
}

/** Plan on the XML, serialize, parse the result again and plan once more (the re-run). */
export function planTwice<A extends EditArgs>(spec: EditSpec<A>, xml: string, args: A): Planned {
  const before = Domain.parse(xml);
  const dom = Domain.parse(xml);
  const changes = spec.plan(dom, args, guestFacts(xml)).map(changeLine);
  const out = dom.toXml();
  const after = Domain.parse(out);
  const again = spec.plan(Domain.parse(out), args, guestFacts(out)).map(changeLine);
  return { before, after, changes, again };
}

export interface Managed {
  /** Disks with device='disk' (their bus, target, address, boot order). */
  disks?: boolean;
  /** CD-ROM drives (added, removed, media). */
  cdroms?: boolean;
  /** IDE/SATA/SCSI controllers. */
  diskControllers?: boolean;
  /** The model of the NICs. */
  nicModel?: boolean;
  /** `<os><boot>` and per-device `<boot order>`. */
  boot?: boolean;
}

/**
 * semanticDiff of the two domains with the managed parts taken out of both: what must be [] for
 * a module that touched only what it manages.
 */
export function unmanagedDiff(a: Domain, b: Domain, m: Managed): string[] {
  return semanticDiff(strip(a, m), strip(b, m));
}

function strip(dom: Domain, m: Managed): Domain {
  const d = dom.clone();
  for (const disk of d.disks()) {
    if ((m.disks && disk.device === 'disk') || (m.cdroms && disk.isCdrom)) disk.el.remove();
    else if (m.boot) disk.bootOrder = undefined;
  }
  if (m.diskControllers) for (const c of d.controllers()) if (['ide', 'sata', 'scsi'].includes(c.type ?? '')) c.el.remove();
  for (const nic of d.interfaces()) {
    if (m.nicModel) nic.model = 'MANAGED';
    if (m.boot) nic.bootOrder = undefined;
  }
  if (m.boot) {
    d.osBoot = [];
    for (const dev of d.devices()) dev.bootOrder = undefined;
  }
  return d;
}

/** A disk's XML without the parts a bus change may rewrite (target, address), for "kept" checks. */
export function diskBody(d: Disk): string {
  const el = d.el.clone();
  el.removeChildren('target');
  el.removeChildren('address');
  return serializeXml(el);
}

export const DISK_CONTROLLERS = ['ide', 'sata', 'scsi'];
