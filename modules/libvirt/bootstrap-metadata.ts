/**
 * What the Windows virtio bootstrap (modules/bootstrap/) leaves in a guest's <metadata>, as far as
 * other modules need to know it: whether the guest's virtio storage driver is known to be in, and
 * which OS the guest agent reported. The bootstrap owns the full state (modules/bootstrap/state.ts).
 */
import type { Domain } from './domain/index.js';

export const BOOTSTRAP_NS = 'https://virtplay.dev/xmlns/virtplay/bootstrap/1';

/** Phases in which the driver is known to be installed (bound and loaded, or confirmed by the operator). */
const DRIVER_IN = new Set(['installed', 'switched', 'done']);

/** The bootstrap's phase when it is evidence that the virtio storage driver is in, else undefined. */
export function storageDriverEvidence(dom: Domain): string | undefined {
  const phase = dom.getMetadataAttrs(BOOTSTRAP_NS)?.phase;
  return phase !== undefined && DRIVER_IN.has(phase) ? phase : undefined;
}

/**
 * The bootstrap's phase when it is evidence that the virtio network driver is in: NetKVM is staged
 * with the storage driver's install, unless the bootstrap recorded nic='keep' (it could not be).
 */
export function networkDriverEvidence(dom: Domain): string | undefined {
  const phase = storageDriverEvidence(dom);
  return phase !== undefined && dom.getMetadataAttrs(BOOTSTRAP_NS)?.nic !== 'keep' ? phase : undefined;
}

/** The guest agent's guest-get-osinfo id as the bootstrap recorded it (mswindows on Windows). */
export function agentOsId(dom: Domain): string | undefined {
  return dom.getMetadataAttrs(BOOTSTRAP_NS)?.os || undefined;
}
