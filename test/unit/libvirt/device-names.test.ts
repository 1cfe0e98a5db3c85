import t from 'tap';
import { advice, findDeviceNameRefs } from '../../../modules/libvirt/device-names.js';

t.test('kernel disk names in fstab and grub are found, comments and UUIDs are not', async (t) => {
  const fstab = [
    '# /dev/sda1 was the old root',
    'UUID=0a1b-2c3d / ext4 errors=remount-ro 0 1',
    '/dev/sda2 /home ext4 defaults 0 2',
    '/dev/hdb1\t/data\text4\tdefaults\t0\t2  # legacy IDE',
    '/dev/vda3 /srv ext4 defaults 0 2',
    '/dev/sr0 /media/cdrom iso9660 ro,user,noauto 0 0',
  ].join('\n');
  const refs = findDeviceNameRefs('/etc/fstab', fstab);
  t.same(
    refs.map((r) => [r.line, r.device]),
    [
      [3, '/dev/sda2'],
      [4, '/dev/hdb1'],
    ],
  );
  const grub = 'GRUB_CMDLINE_LINUX_DEFAULT="quiet root=/dev/sda1 resume=/dev/sdb2"\n';
  t.same(
    findDeviceNameRefs('/etc/default/grub', grub).map((r) => r.device),
    ['/dev/sda1', '/dev/sdb2'],
  );
  t.match(advice(refs[0]!), '/etc/fstab:3 names /dev/sda2, which becomes /dev/vda2');
  t.match(advice(refs[0]!), /UUID= or LABEL=/);
});
