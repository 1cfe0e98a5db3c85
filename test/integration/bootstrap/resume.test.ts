/**
 * The bootstrap survives being killed: a run is killed (SIGKILL) as soon as the guest's phase in
 * <metadata> moves to attach, then installed, then switched; each following run resumes, and the
 * last one leaves the guest booting from vda with nothing left behind. (The guest without an agent:
 * windows.test.ts.)
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { guestXml } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { buildStandin, defineStandin, removeStandin, serialLines } from '../../lab/standin.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { assertBuilt, bootstrapArgs, json, phaseOf, runKilledAt, virtplay } from './cli.js';

const HOST = 'lab4';

const phase = (guest: string) => phaseOf(HOST, guest);

t.test('killed at every phase boundary, the bootstrap resumes and converges', async (t) => {
  assertBuilt();
  await buildStandin();
  const lab = await useLab(t, { host: HOST });
  const s = await defineStandin(HOST, 'vpresume', { marker: 'survives-kills' });
  lab.cleanup(() => removeStandin(s));
  const args = bootstrapArgs(HOST, s.name, s.iso);
  for (const at of ['attach', 'installed', 'switched']) {
    t.ok(await runKilledAt(args, HOST, s.name, at), `run killed right after the phase became '${at}'`);
    const dom = Domain.parse(await guestXml(HOST, s.name));
    const boot = dom.disks().find((d) => d.sourcePath === s.disk);
    if (at !== 'switched') t.equal(boot?.bus, 'ide', `boot disk still on IDE at '${at}' (driver not known before 'installed' ends)`);
    t.ok(readdirSync(s.dir).filter((f) => f.includes('virtplay-dummy')).length <= 1, 'never more than one dummy image');
  }
  const last = await virtplay([...args, '--json']);
  t.equal(last.code, 0, last.stderr.slice(-2000));
  t.equal(await phase(s.name), 'done');
  const dom = Domain.parse(await guestXml(HOST, s.name));
  const disks = dom.disks().filter((d) => d.device === 'disk');
  t.same(
    disks.map((d) => `${d.bus}:${d.target}:${d.sourcePath}`),
    [`virtio:vda:${s.disk}`],
    'one disk: the boot disk, virtio vda',
  );
  t.same(
    readdirSync(s.dir).filter((f) => f.includes('virtplay-dummy')),
    [],
    'no dummy image left',
  );
  const bootLine =
    serialLines(s)
      .filter((l) => l.includes('boot-disk='))
      .pop() ?? '';
  t.match(bootLine, /boot-disk=vda marker=survives-kills/, 'the guest boots from vda with its data');
  t.notOk(
    serialLines(s).some((l) => l.includes('NO-BOOT-DISK')),
    'never booted from virtio without the driver',
  );
  const again = await virtplay([...args, '--json']);
  t.equal(json(again).stats[HOST]?.changed, 0, 'and a further run changes nothing');
});
