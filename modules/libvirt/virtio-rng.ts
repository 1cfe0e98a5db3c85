/**
 * virtio_rng: the selected guests get a virtio random number generator (`<rng model='virtio'>`
 * fed by the host's /dev/urandom, or the device named), as virt-install gives new guests. A guest
 * that has a virtio RNG already (virtio-transitional and -non-transitional count) is left as it
 * is, whatever its backend. No guard for Windows: without its viorng driver a Windows guest shows
 * an unknown device and boots as before.
 */
import { editModule, type EditArgs, type EditSpec } from './edit-module.js';
import { XElement, XText } from './domain/index.js';

export interface VirtioRngArgs extends EditArgs {
  /** The host's entropy source for the random backend. */
  backend?: '/dev/urandom' | '/dev/random' | '/dev/hwrng';
}

export const VIRTIO_RNG_MODELS = new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']);

/** The pure part (planning on the parsed inactive XML), exported for tests. */
export const virtioRngSpec: EditSpec<VirtioRngArgs> = {
  name: 'virtio_rng',
  description: 'give the guests a virtio random number generator fed by the host (left alone where one is)',
  plan(dom, args) {
    if (dom.devices('rng').some((d) => VIRTIO_RNG_MODELS.has(d.el.attrs.model ?? ''))) return [];
    const backend = args.backend ?? '/dev/urandom';
    dom.insertDevice(new XElement('rng', { model: 'virtio' }, [new XElement('backend', { model: 'random' }, [new XText(backend)])]));
    return [{ subject: 'virtio rng', op: 'add', note: `backend ${backend}` }];
  },
  upToDate: () => 'has a virtio RNG already',
};

export const virtioRng = editModule(virtioRngSpec);
