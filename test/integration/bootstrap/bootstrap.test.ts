/**
 * The seed article's procedure on the real lab: the stand-in guest (boots through syslinux from an
 * IDE disk whose boot image lacks virtio_blk, like Windows without viostor) goes from IDE/e1000 to
 * vda/virtio with playbooks/windows-virtio.yml, boots from vda, and a second run changes nothing.
 */
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { guestXml } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { buildStandin, defineStandin, removeStandin, serialLines } from '../../lab/standin.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { assertBuilt, bootstrapArgs, json, virtplay } from './cli.js';

const HOST = 'lab4';

t.test('windows-virtio.yml takes the stand-in guest from IDE/e1000 to vda/virtio', async (t) => {
  assertBuilt();
  await buildStandin();
  const lab = await useLab(t, { host: HOST });
  const s = await defineStandin(HOST, 'vpboot', { marker: 'written-before-the-switch' });
  lab.cleanup(() => removeStandin(s));
  const started = Date.now();
  const first = await virtplay([...bootstrapArgs(HOST, s.name, s.iso), '--json']);
  const seconds = (Date.now() - started) / 1000;
  t.equal(first.code, 0, `first run exits 0\n${first.stderr.slice(-3000)}`);
  const doc = json(first);
  t.equal(doc.stats[HOST]?.failures, 0);
  t.equal(doc.stats[HOST]?.changed, 2, 'the bootstrap (disk and NIC together) and the ISO eject changed things; boot from vda held already');
  t.comment(`full bootstrap wall time on the lab: ${seconds.toFixed(1)} s`);

  // The guest booted from vda after the switch, with the marker written before it, on virtio_net.
  const lines = serialLines(s);
  const last = lines.filter((l) => l.includes('boot-disk=')).pop() ?? '';
  t.match(last, /boot-disk=vda/, `last boot was from vda: ${last}`);
  t.match(last, /marker=written-before-the-switch/);
  t.match(last, /nic-driver=virtio_net/);
  t.notOk(
    lines.some((l) => l.includes('NO-BOOT-DISK')),
    'never booted from virtio without the driver',
  );

  const dom = Domain.parse(await guestXml(HOST, s.name));
  const disks = dom.disks().filter((d) => d.device === 'disk');
  t.equal(disks.length, 1, 'the dummy disk is gone from the definition');
  t.equal(disks[0]?.bus, 'virtio');
  t.equal(disks[0]?.target, 'vda');
  t.equal(disks[0]?.sourcePath, s.disk);
  t.ok(
    dom.interfaces().every((i) => i.model === 'virtio'),
    'NIC is virtio',
  );
  t.ok(
    dom
      .disks()
      .filter((d) => d.isCdrom)
      .every((d) => d.sourcePath === undefined),
    'driver ISO ejected',
  );
  t.match(JSON.stringify(dom.getMetadataAttrs('https://virtplay.dev/xmlns/virtplay/bootstrap/1')), /"phase":"done"/);
  t.same(
    readdirSync(s.dir).filter((f) => f.includes('virtplay-dummy')),
    [],
    'the dummy image was deleted',
  );
  t.ok(existsSync(s.disk), 'the boot disk image is still there');

  const second = await virtplay([...bootstrapArgs(HOST, s.name, s.iso), '--json']);
  t.equal(second.code, 0, second.stderr);
  t.equal(json(second).stats[HOST]?.changed, 0, 'a second run changes nothing');
});
