/**
 * virtio_nic: the NIC model of the selected guests' interfaces becomes virtio; MACs stay.
 * Interfaces whose frontend is not an emulated NIC model are left alone: hostdev (a passed-through
 * host NIC or SR-IOV VF: the guest drives the real hardware), vdpa and vhostuser (virtio-net
 * by definition: libvirt accepts only the virtio models there). virtio-transitional and
 * virtio-non-transitional are virtio already (the same virtio-net device, legacy PCI ids or not).
 * A guest with no NIC to convert is skipped with the reason. A guest known to be Windows is
 * refused unless its NetKVM driver is known to be in (guest-os.ts virtioNetGuard, or driver_ready).
 */
import type { Change } from '../../engine/change.js';
import { GuestSkip } from '../../engine/guest-task.js';
import { editModule, type EditArgs, type EditSpec } from './edit-module.js';
import type { Interface } from './domain/index.js';
import { virtioNetGuard } from './guest-os.js';

export interface VirtioNicArgs extends EditArgs {
  macs?: string[];
  model?: 'virtio';
  /** The guest's virtio network driver (NetKVM on Windows) is installed (the operator says so): no Windows guard. */
  driver_ready?: boolean;
}

/** Interface types without an emulated NIC model (libvirt's domain_conf.c / formatdomain "Network interfaces"). */
export const NOT_EMULATED_NIC_TYPES: Readonly<Record<string, string>> = {
  hostdev: 'passthrough (hostdev): the guest drives the host NIC itself',
  vdpa: 'vDPA: virtio-net by definition',
  vhostuser: 'vhost-user: virtio-net by definition',
};

/** The models that are virtio-net already. */
export const VIRTIO_NIC_MODELS = new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']);

const isVirtio = (nic: Interface, model: string): boolean => nic.model === model || (model === 'virtio' && VIRTIO_NIC_MODELS.has(nic.model ?? ''));

/** The pure part (planning on the parsed inactive XML), exported for tests. */
export const virtioNicSpec: EditSpec<VirtioNicArgs> = {
  name: 'virtio_nic',
  description: "make the guests' network interfaces virtio (MAC addresses kept; passthrough NICs left alone)",
  plan(dom, args) {
    const model = args.model ?? 'virtio';
    const macs = args.macs?.map((m) => m.toLowerCase());
    const all = dom.interfaces();
    const emulated = all.filter((nic) => NOT_EMULATED_NIC_TYPES[nic.type ?? ''] === undefined);
    if (emulated.length === 0) {
      const kinds = [...new Set(all.map((nic) => NOT_EMULATED_NIC_TYPES[nic.type ?? '']!))];
      throw new GuestSkip(all.length === 0 ? 'has no network interface' : `has no emulated NIC to convert (${kinds.join('; ')})`);
    }
    const changes: Change[] = [];
    for (const nic of emulated) {
      const mac = nic.mac?.toLowerCase();
      if (macs && (!mac || !macs.includes(mac))) continue;
      if (isVirtio(nic, model)) continue;
      const before = nic.model;
      if (dom.setInterfaceModel(nic, model))
        changes.push({ subject: `interface ${mac ?? '(no MAC)'}`, op: 'set', field: 'model', from: before ?? '(hypervisor default)', to: model });
    }
    return changes;
  },
  upToDate: (_dom, args) => (args.macs ? 'the NICs named by macs are virtio already' : 'every emulated NIC is virtio already'),
  check(before, _after, args) {
    return virtioNetGuard(before, { driverReady: args.driver_ready });
  },
};

export const virtioNic = editModule(virtioNicSpec);
