/**
 * A change to the definition of a RUNNING guest: reported as pending (the live XML keeps the old
 * NIC model, the inactive one has the new), and `restart: if_needed` applies it. The lab guests
 * have no OS, so they ignore the ACPI power button: without force the restart fails with a clear
 * message and leaves the guest running; with force: true it is powered off and started, and no
 * longer pending. Waits are kept short (shutdown_timeout: 3).
 */
import t from 'tap';
import { join } from 'node:path';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { guestXml, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { FIXTURES, LAB_INVENTORY, parseJson, virtplay, type GuestOut } from './cli.js';

const HOST = 'lab3';
const GUEST = 'win05';

async function state(): Promise<string> {
  return (await virshAs(HOST, ['domstate', GUEST])).stdout.trim();
}
async function liveModels(): Promise<(string | undefined)[]> {
  const r = await virshAs(HOST, ['dumpxml', GUEST]);
  return Domain.parse(r.stdout)
    .interfaces()
    .map((i) => i.model);
}
async function inactiveModels(): Promise<(string | undefined)[]> {
  return Domain.parse(await guestXml(HOST, GUEST))
    .interfaces()
    .map((i) => i.model);
}
async function nicRun(extra: Record<string, unknown> = {}): Promise<{ code: number; g: GuestOut; out: string; failures: number }> {
  const r = await virtplay([join(FIXTURES, 'nic-restart.yml'), '-i', LAB_INVENTORY, '-l', HOST, '-e', JSON.stringify({ guest: GUEST, ...extra }), '--json']);
  const doc = parseJson(r);
  const g = doc.plays[0]!.tasks[0]!.hosts[HOST]!.guests![0]!;
  return { code: r.code, g, out: r.stdout + r.stderr, failures: doc.stats[HOST]?.failures ?? -1 };
}

t.before(async () => {
  const lab = await useLab(t);
  lab.cleanup(() => virshAs(HOST, ['destroy', GUEST]));
});

t.test('running guest: pending, then restart if_needed without and with force', async (t) => {
  const start = await virshAs(HOST, ['start', GUEST]);
  t.equal(start.code, 0, `virsh start works for a lab guest without an OS (TCG) ${start.stderr}`);
  t.equal(await state(), 'running');
  const oldModels = await liveModels();
  t.notOk(oldModels.includes('virtio'), `runs with ${oldModels.join(',')}`);

  // restart: never (default)
  const first = await nicRun();
  t.equal(first.code, 0, 'exit 0');
  t.equal(first.g.changed, true, 'the definition changed');
  t.equal(first.g.pending, true, 'reported as pending until the next boot');
  t.same(await liveModels(), oldModels, 'the live XML still has the old model');
  t.ok(
    (await inactiveModels()).every((m) => m === 'virtio'),
    'the inactive XML has virtio',
  );
  t.equal(await state(), 'running', 'still running');

  const second = await nicRun();
  t.equal(second.g.changed, false, 'second run: nothing to define');
  t.equal(second.g.pending, true, '... but still pending: the guest runs the old configuration');

  // restart: if_needed, the guest ignores ACPI, no force
  const t0 = Date.now();
  const noForce = await nicRun({ restart: 'if_needed', shutdown_timeout: 3 });
  t.ok(Date.now() - t0 < 60_000, `done in ${Date.now() - t0} ms`);
  t.equal(noForce.code, 2, 'exit 2');
  t.equal(noForce.g.failed, true, 'the guest failed');
  t.match(noForce.g.msg, /did not shut down within 3 s of the ACPI power button; it is still running.*force: true/, `clear message: ${noForce.g.msg}`);
  t.equal(noForce.failures, 0, `the guest failed alone, not ${HOST}`);
  t.match(noForce.g.msg, new RegExp(`^guest "${GUEST}": `), 'names the guest');
  t.equal(await state(), 'running', 'left running');
  t.same(await liveModels(), oldModels, 'still the old live model');

  // restart: if_needed with force
  const forced = await nicRun({ restart: 'if_needed', shutdown_timeout: 3, force: true });
  t.equal(forced.code, 0, `exit 0 ${forced.out.slice(-500)}`);
  t.equal(forced.g.restarted, true, 'restarted');
  t.notOk(forced.g.pending, 'no longer pending');
  t.ok(forced.g.changes.includes('restarted to apply the new definition'), JSON.stringify(forced.g.changes));
  t.equal(await state(), 'running', 'running again');
  t.ok(
    (await liveModels()).every((m) => m === 'virtio'),
    'the live XML now has virtio',
  );

  const last = await nicRun({ restart: 'if_needed', shutdown_timeout: 3 });
  t.equal(last.code, 0);
  t.equal(last.g.changed, false, 'then nothing to do');
  t.notOk(last.g.pending, 'and nothing pending');
});
