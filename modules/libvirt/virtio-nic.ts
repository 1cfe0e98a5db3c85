/** virtio_nic: the NIC model of the selected guests' interfaces becomes virtio; MACs stay. */
import { editModule, type EditArgs, type EditSpec } from './edit-module.js';

export interface VirtioNicArgs extends EditArgs {
  macs?: string[];
  model?: 'virtio';
}

/** The pure part (planning on the parsed inactive XML), exported for tests. */
export const virtioNicSpec: EditSpec<VirtioNicArgs> = {
  name: 'virtio_nic',
  description: "make the guests' network interfaces virtio (MAC addresses kept)",
  plan(dom, args) {
    const model = args.model ?? 'virtio';
    const macs = args.macs?.map((m) => m.toLowerCase());
    const changes: string[] = [];
    for (const nic of dom.interfaces()) {
      const mac = nic.mac?.toLowerCase();
      if (macs && (!mac || !macs.includes(mac))) continue;
      const before = nic.model;
      if (dom.setInterfaceModel(nic, model)) changes.push(`interface ${mac ?? '(no MAC)'}: model ${before ?? '(hypervisor default)'} -> ${model}`);
    }
    return changes;
  },
};

export const virtioNic = editModule(virtioNicSpec);
