/**
 * virtio_bootstrap strategy: offline (issue 12) on the lab under TCG, against phony Windows disks
 * built as libguestfs and virt-v2v build theirs (test/lab/windows/): libguestfs inspection takes
 * them for Windows Server 2016 and 2008 R2; they do not boot. Through playbooks/windows-virtio.yml
 * with -e strategy=offline:
 *   - 2016: one run to done (drivers and DriverDatabase keys read back from the disk afterwards,
 *     the XML switched, phases recorded, the backup deleted); a second run changes nothing;
 *     --check --diff on a fresh guest shows the plan and changes nothing
 *   - 2008 R2 on a qcow2 disk: the CriticalDeviceDatabase keys instead
 *   - a driver folder missing on the ISO: a clear error before anything is written
 *   - an injection failing half-way (System32\drivers is a file): the disk restored byte for byte
 *     from the backup, the definition untouched
 * (Without Windows, the first boot's confirmation here is "stayed up": a phony disk never boots.)
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { guestXml, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { buildPhony, definePhony, readBack, removePhony } from '../../lab/windows/phony.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { assertBuilt, BOOTSTRAP_NS, bootstrapResult, bootstrapArgs, json, virtplay } from './cli.js';

const HOST = 'lab4';
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const offline = (name: string, iso: string, extra: string[] = []) =>
  bootstrapArgs(HOST, name, iso, ['-e', 'strategy=offline', '-e', 'confirm_seconds=5', ...extra]);

const result = (stdout: string, guest: string) => bootstrapResult(stdout, HOST, guest);

t.test('offline conversion of phony Windows guests', async (t) => {
  assertBuilt();
  const b = await buildPhony();
  await useLab(t, { host: HOST });
  t.test('Windows Server 2016: converted in one run, read back, then nothing to do', async (t) => {
    const p = await definePhony(HOST, 'vpoff16', b.image['2k16'], b.iso, 'win2k16');
    t.teardown(() => removePhony(p));
    const before = await guestXml(HOST, p.name);

    const check = await virtplay([...offline(p.name, p.iso), '--check', '--diff']);
    t.equal(check.code, 0, check.stderr.slice(-1500));
    t.match(check.stdout, /inject viostor, NetKVM and vioserial offline/);
    t.match(check.stdout, /phase="inject"/, '--diff shows the first define (the phase)');
    t.equal(await guestXml(HOST, p.name), before, 'check mode changed nothing');

    const r = await virtplay([...offline(p.name, p.iso), '--json']);
    t.equal(r.code, 0, r.stderr.slice(-2000));
    const g = result(r.stdout, p.name);
    t.equal(g.phase, 'done');
    t.ok(
      g.changes.some((c) => /boot disk backed up to .*virtplay-backup-/.test(c)),
      'backed up',
    );
    t.ok(
      g.changes.some((c) => /drivers injected offline for Windows Server 2016 Standard .*viostor, NetKVM, vioserial from 2k16\\amd64/.test(c)),
      g.changes.join('\n'),
    );
    t.ok(g.changes.some((c) => /first boot from vda confirmed/.test(c)));
    t.ok(g.changes.some((c) => /backup .* deleted/.test(c)));
    const dom = Domain.parse(await guestXml(HOST, p.name));
    const boot = dom.disks().find((d) => d.sourcePath === p.disk)!;
    t.equal(boot.bus, 'virtio');
    t.equal(boot.target, 'vda');
    t.ok(
      dom.interfaces().every((i) => i.model === 'virtio'),
      'NIC switched with the disk (NetKVM injected)',
    );
    const attrs = dom.getMetadataAttrs(BOOTSTRAP_NS) ?? {};
    t.equal(attrs.phase, 'done');
    t.equal(attrs.strategy, 'offline');
    t.equal(attrs.evidence, 'offline');
    t.match(attrs.identity, /Windows Server 2016 Standard/);
    t.same(
      readdirSync(p.dir).filter((f) => f.includes('virtplay-backup')),
      [],
      'no backup left',
    );

    const again = await virtplay([...offline(p.name, p.iso), '--json']);
    t.equal(again.code, 0);
    t.equal(json(again).stats[HOST]!.changed, 0, 'a second run changes nothing');

    await virshAs(HOST, ['destroy', p.name]); // read the disk back with the guest off
    const SVC = '\\ControlSet001\\Services\\viostor';
    const DDB = '\\DriverDatabase\\DriverPackages\\guestor.inf_amd64_0000000000000000\\Configurations\\guestor_conf';
    const rb = await readBack(
      p.disk,
      [
        ['SYSTEM', SVC, 'Start'],
        ['SYSTEM', SVC, 'ImagePath'],
        ['SYSTEM', SVC, 'Group'],
        ['SYSTEM', DDB, 'Service'],
        ['SYSTEM', '\\DriverDatabase\\DriverPackages\\guestor.inf_amd64_0000000000000000\\Descriptors\\PCI\\VEN_1AF4&DEV_1042&REV_01', 'Configuration'],
        ['SOFTWARE', '\\Microsoft\\Windows\\CurrentVersion', 'DevicePath'],
      ],
      [
        '/Windows/System32/drivers/viostor.sys',
        '/Windows/Drivers/VirtIO/viostor.inf',
        '/Windows/Drivers/VirtIO/netkvm.sys',
        '/Windows/Drivers/VirtIO/vioser.inf',
      ],
    );
    t.same(
      rb.values,
      ['0', 'system32\\drivers\\viostor.sys', 'SCSI miniport', 'viostor', 'guestor_conf', '%SystemRoot%\\inf;%SystemRoot%\\Drivers\\VirtIO'],
      'registry read back from the disk',
    );
    t.same(rb.files, [true, true, true, true], 'driver files in the guest');
  });

  t.test('Windows Server 2008 R2 on a qcow2 disk: CriticalDeviceDatabase', async (t) => {
    const p = await definePhony(HOST, 'vpoff8', b.image['2k8r2'], b.iso, 'win2k8r2', { qcow2: true });
    t.teardown(() => removePhony(p));
    const r = await virtplay([...offline(p.name, p.iso), '--json']);
    t.equal(r.code, 0, r.stderr.slice(-2000));
    t.equal(result(r.stdout, p.name).phase, 'done');
    t.equal(
      Domain.parse(await guestXml(HOST, p.name))
        .disks()
        .find((d) => d.sourcePath === p.disk)?.driverType,
      'qcow2',
      'a qcow2 disk',
    );
    await virshAs(HOST, ['destroy', p.name]);
    const rb = await readBack(
      p.disk,
      [
        ['SYSTEM', '\\ControlSet001\\Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_1001&REV_00', 'Service'],
        ['SYSTEM', '\\ControlSet001\\Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_1042&REV_01', 'ClassGUID'],
        ['SYSTEM', '\\ControlSet001\\Services\\viostor', 'Start'],
      ],
      ['/Windows/System32/drivers/viostor.sys'],
    );
    t.same(rb.values, ['viostor', '{4D36E97B-E325-11CE-BFC1-08002BE10318}', '0']);
    t.same(rb.files, [true]);
  });

  t.test('a driver folder missing on the ISO: a clear error, nothing written', async (t) => {
    const p = await definePhony(HOST, 'vpoffnf', b.image['2k8r2'], b.isoNoFolder, 'win2k8r2');
    t.teardown(() => removePhony(p));
    const xml = await guestXml(HOST, p.name);
    const disk = sha(p.disk);
    const r = await virtplay(offline(p.name, p.iso));
    t.equal(r.code, 2, 'the guest failed');
    t.match(r.stdout, /has no 2k8R2\\amd64 viostor driver .* Nothing was written and the guest was not shut down/);
    t.equal(await guestXml(HOST, p.name), xml, 'definition unchanged');
    t.equal(sha(p.disk), disk, 'disk unchanged');
  });

  t.test('an injection failing half-way: the disk restored from the backup', async (t) => {
    const p = await definePhony(HOST, 'vpoffbr', b.image.broken, b.iso, 'win2k16');
    t.teardown(() => removePhony(p));
    const disk = sha(p.disk);
    const r = await virtplay([...offline(p.name, p.iso), '--json']);
    t.equal(r.code, 2);
    const g = result(r.stdout, p.name);
    t.equal(g.failed, true);
    t.match(g.msg, /the offline injection into .* did not hold: libguestfs failed: .* the boot disk was restored from/);
    t.equal(sha(p.disk), disk, 'the disk is byte for byte what it was');
    const dom = Domain.parse(await guestXml(HOST, p.name));
    t.equal(dom.disks().find((d) => d.sourcePath === p.disk)?.bus, 'ide', 'boot disk still on IDE');
    t.equal(dom.getMetadataAttrs(BOOTSTRAP_NS)?.phase, 'inject', 'the phase says where it stopped');
  });
});
