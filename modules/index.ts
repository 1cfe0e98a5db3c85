/** Every module virtplay ships. The registry reads each one's schema from schemas/modules/. */
import type { ModuleDef } from '../engine/module.js';
import { assert } from './builtin/assert.js';
import { debug } from './builtin/debug.js';
import { fail } from './builtin/fail.js';
import { setFact } from './builtin/set-fact.js';
import { virtioBootstrap } from './bootstrap/virtio-bootstrap.js';
import { bootDisk } from './libvirt/boot-disk.js';
import { cdrom } from './libvirt/cdrom.js';
import { deviceNamesCheck } from './libvirt/device-names-check.js';
import { domainState } from './libvirt/domain-state.js';
import { virtioDisk } from './libvirt/virtio-disk.js';
import { virtioNic } from './libvirt/virtio-nic.js';
import { virtioRng } from './libvirt/virtio-rng.js';
import { guestIoBench } from './measure/guest-io-bench.js';
import { hostIoBench } from './measure/host-io-bench.js';
import { ioBenchTable } from './measure/io-bench-table.js';

export const allModules: readonly ModuleDef<never>[] = [
  debug,
  setFact,
  assert,
  fail,
  virtioNic,
  virtioDisk,
  bootDisk,
  cdrom,
  virtioRng,
  domainState,
  virtioBootstrap,
  deviceNamesCheck,
  guestIoBench,
  hostIoBench,
  ioBenchTable,
];
