/**
 * Test helpers over the domain corpus (test/fixtures/domains, made by generate.sh): the file
 * names, the two versions of each domain, and the conversion every corpus test applies.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import type { Controller, Disk } from '../../../modules/libvirt/domain/index.js';

export const CORPUS_DIR = fileURLToPath(new URL('../../fixtures/domains/', import.meta.url));

/** Corpus slugs (file names without .xml), sorted. */
export function corpusNames(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** What `virt-install --print-xml` printed. */
export function generatedXml(slug: string): string {
  return readFileSync(`${CORPUS_DIR}${slug}.xml`, 'utf8');
}

/** What `virsh dumpxml --inactive` returned after defining it: what virtplay really reads. */
export function definedXml(slug: string): string {
  return readFileSync(`${CORPUS_DIR}defined/${slug}.xml`, 'utf8');
}

export interface Conversion {
  disks: { from: string | undefined; to: string | undefined }[];
  removedControllers: Controller[];
  nics: number;
}

/** The disks a conversion moves: every non-virtio disk that is not a CD-ROM or floppy, boot disk first. */
export function disksToConvert(dom: Domain): Disk[] {
  const boot = dom.bootDisk();
  const all = dom.disks().filter((d) => (d.device === 'disk' || d.device === 'lun') && d.bus !== 'virtio');
  if (boot && all.some((d) => d.el === boot.el)) return [boot, ...all.filter((d) => d.el !== boot.el)];
  return all;
}

/** Disks and NICs to virtio, then unused disk controllers removed (what virtio_disk + virtio_nic plan). */
export function convertToVirtio(dom: Domain): Conversion {
  const disks = disksToConvert(dom).map((d) => {
    const from = d.target;
    dom.changeBus(d, 'virtio');
    return { from, to: d.target };
  });
  const removedControllers = dom.removeUnusedControllers();
  let nics = 0;
  for (const i of dom.interfaces()) if (dom.setInterfaceModel(i, 'virtio')) nics++;
  return { disks, removedControllers, nics };
}
