/**
 * Faults 2 and 3, on the network path of one lab host (lab2), with a TCP proxy the test owns in
 * front of the one lab sshd (never stopped): a host whose port nothing listens on at the start; a
 * host that goes away (the proxy closes every connection) while its define batch runs; a host
 * that answers slowly (300 ms per chunk, both ways) and still converges; a port that accepts but
 * never speaks SSH, reported unreachable within the connect timeout (-T 2). Another host (lab1)
 * runs beside it and must finish fine. Every guest of lab2 ends fully old or fully new.
 */
import t, { type Test } from 'tap';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { labHost, labState } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { startProxy } from './tcp-proxy.js';
import {
  GUESTS,
  LINUX_VIRTIO,
  closedPort,
  isBatchShell,
  describeRun,
  direct,
  hostMessages,
  hostXml,
  isDefineVirsh,
  processesOf,
  restoreGuests,
  stageOf,
  stagesLine,
  startVirtplay,
  tempDir,
  viaProxy,
  virtplay,
  waitFor,
  writeInventory,
  writePlaybook,
  type Stages,
} from './kit.js';

const HOST = 'lab2';
const OTHER = 'lab1';

const NIC_PLAYBOOK = `- name: virtio NICs
  hosts: all
  tasks:
    - name: NIC model virtio
      virtio_nic:
        guests: ["deb0*", "win0*"]
        driver_ready: true
`;

t.test('network faults on one host', async (t) => {
  await useLab(t, { restoreAfter: true });
  const dir = tempDir(t);
  const pb = writePlaybook(dir, 'nic.yml', NIC_PLAYBOOK);
  const h = labHost(HOST);
  const sshd = { host: h.address, port: labState().port };
  const old = await hostXml(HOST);
  const directInv = writeInventory(dir, [direct(OTHER), direct(HOST)]);

  // The converged NIC state of every guest, for telling old from new.
  const conv = await virtplay([pb, '-i', writeInventory(dir, [direct(HOST)])], dir);
  t.equal(conv.code, 0, describeRun(conv));
  const fresh = await hostXml(HOST);
  const stages = new Map<string, Stages>(
    GUESTS.map((g) => [
      g,
      [
        { label: 'old', xml: old.get(g)! },
        { label: 'new', xml: fresh.get(g)! },
      ],
    ]),
  );
  for (const g of GUESTS) t.equal(stageOf(fresh.get(g)!, stages.get(g)!), 'new', `${g}: the NIC change is a change`);

  /** A re-run straight to the lab sshd converges; one more changes nothing. */
  const converges = async (t: Test, label: string, playbook = pb): Promise<string> => {
    const rerun = await virtplay([playbook, '-i', directInv], dir);
    t.equal(rerun.code, 0, `re-run: ${describeRun(rerun)}`);
    const now = await hostXml(HOST);
    const third = await virtplay([playbook, '-i', directInv], dir);
    t.equal(third.doc?.stats[HOST]?.changed, 0, 'a third run changes nothing');
    const line = `${label}; after the re-run (changed ${rerun.doc?.stats[HOST]?.changed}) ${stagesLine(HOST, now, stages)}; third run changed ${third.doc?.stats[HOST]?.changed}`;
    t.comment(line);
    return line;
  };

  await t.test('a host down at the start: unreachable, the others fine, nothing changed', async (t) => {
    await restoreGuests(HOST, old);
    const port = await closedPort(h.address);
    const inv = writeInventory(dir, [direct(OTHER), { ...direct(HOST), port }]);
    const r = await virtplay([pb, '-i', inv], dir);
    t.equal(r.code, 4, `exit 4: ${describeRun(r)}`);
    t.equal(r.doc?.stats[HOST]?.unreachable, 1);
    t.match(hostMessages(r.doc, HOST), new RegExp(`connection refused at ${h.address.replace(/\./g, '\\.')}:${port}`));
    t.equal(r.doc?.stats[OTHER]?.failures, 0);
    t.equal(r.doc?.stats[OTHER]?.unreachable, 0);
    const after = await hostXml(HOST);
    for (const g of GUESTS) t.equal(after.get(g), old.get(g), `${g}: byte-identical`);
    await converges(t, `fault 2a [host down at the start] exit ${r.code}; after the fault ${stagesLine(HOST, after, stages)}`);
  });

  // 'shell': when the batch's shell starts (its hash checks run before any define); 'virsh': when its virsh starts.
  for (const when of ['shell', 'virsh'] as const) {
    await t.test(`a host that goes away while its define batch runs (when the ${when} starts)`, async (t) => {
      await restoreGuests(HOST, old);
      const proxy = await startProxy({ listenHost: h.address, target: sshd });
      t.teardown(() => proxy.goAway());
      const inv = writeInventory(dir, [direct(OTHER), viaProxy(HOST, proxy)]);
      const running = startVirtplay([pb, '-i', inv], dir);
      let exited = false;
      void running.done.then(() => (exited = true));
      const seen = await waitFor(
        () => processesOf(h.uid, when === 'virsh' ? isDefineVirsh : isBatchShell),
        60_000,
        () => exited,
      );
      t.ok(seen.length > 0, `the define batch's ${when} started`);
      await proxy.goAway();
      const r = await running.done;
      await waitFor(() => (processesOf(h.uid, (a) => isDefineVirsh(a) || isBatchShell(a)).length === 0 ? [1] : []), 30_000);
      t.equal(r.code, 4, `exit 4: ${describeRun(r)}`);
      t.equal(r.doc?.stats[HOST]?.unreachable, 1);
      t.match(hostMessages(r.doc, HOST), /connection lost/);
      t.equal(r.doc?.stats[OTHER]?.failures, 0);
      t.equal(r.doc?.stats[OTHER]?.unreachable, 0);
      const after = await hostXml(HOST);
      for (const g of GUESTS) t.match(stageOf(after.get(g)!, stages.get(g)!), /^(old|new)$/, `${g}: fully old or fully new`);
      await converges(t, `fault 2b [host gone mid-define, when the batch ${when} started] exit ${r.code}; after the fault ${stagesLine(HOST, after, stages)}`);
    });
  }

  await t.test('a slow host (300 ms per chunk each way): linux-virtio.yml converges with correct results', async (t) => {
    await restoreGuests(HOST, old);
    const proxy = await startProxy({ listenHost: h.address, target: sshd, latencyMs: 300 });
    t.teardown(() => proxy.goAway());
    const inv = writeInventory(dir, [viaProxy(HOST, proxy)]);
    const r = await virtplay([LINUX_VIRTIO, '-i', inv], dir);
    t.equal(r.code, 0, `exit 0: ${describeRun(r)}`);
    t.equal(r.doc?.virtplay.transport[HOST]?.connections, 1, 'one connection, no reconnect');
    const after = await hostXml(HOST);
    for (const g of GUESTS) {
      const d = Domain.parse(after.get(g)!);
      t.ok(
        d.interfaces().every((i) => i.model === 'virtio'),
        `${g}: NICs virtio`,
      );
      t.ok(
        d
          .disks()
          .filter((k) => k.device === 'disk')
          .every((k) => k.bus === 'virtio'),
        `${g}: disks virtio`,
      );
      t.ok(
        d.disks().some((k) => k.device === 'disk' && k.target === 'vda'),
        `${g}: boot disk vda`,
      );
    }
    const again = await virtplay([LINUX_VIRTIO, '-i', directInv], dir);
    t.equal(again.code, 0);
    t.equal(again.doc?.stats[HOST]?.changed, 0, 'a re-run changes nothing');
    t.comment(
      `fault 3a [300 ms per chunk] exit ${r.code} in ${Math.round(r.ms)} ms (fast path: ${Math.round(conv.ms)} ms for the NIC task alone), ${r.doc?.virtplay.transport[HOST]?.connections} connection, ${r.doc?.virtplay.transport[HOST]?.commands} commands; every guest converted (linux-virtio.yml); re-run changed ${again.doc?.stats[HOST]?.changed}`,
    );
  });

  await t.test('a port that accepts but never speaks SSH: unreachable within -T 2', async (t) => {
    await restoreGuests(HOST, old);
    const silent = await startProxy({ listenHost: h.address, target: sshd, silent: true });
    t.teardown(() => silent.goAway());
    const inv = writeInventory(dir, [direct(OTHER), viaProxy(HOST, silent)]);
    const r = await virtplay([pb, '-i', inv, '-T', '2'], dir);
    t.equal(r.code, 4, `exit 4: ${describeRun(r)}`);
    t.equal(r.doc?.stats[HOST]?.unreachable, 1);
    t.match(hostMessages(r.doc, HOST), /timed out after 2 s/);
    t.ok(silent.accepted() >= 1, 'it did connect');
    t.ok(r.ms < 6000, `gave up in ${Math.round(r.ms)} ms (connect timeout 2 s)`);
    t.equal(r.doc?.stats[OTHER]?.failures, 0);
    const after = await hostXml(HOST);
    for (const g of GUESTS) t.equal(after.get(g), old.get(g), `${g}: byte-identical`);
    t.comment(`fault 3b [silent port, -T 2] exit ${r.code} after ${Math.round(r.ms)} ms; ${stagesLine(HOST, after, stages)}`);
  });
});
