import t from 'tap';
import { DomainXmlError, nextFreeTarget, numToTarget, targetPrefix, targetToNum } from '../../../modules/libvirt/domain/index.js';

t.test('num_to_target / target_to_num, as virtinst numbers them', async (t) => {
  const cases: [number, string][] = [
    [1, 'a'],
    [2, 'b'],
    [26, 'z'],
    [27, 'aa'],
    [28, 'ab'],
    [52, 'az'],
    [53, 'ba'],
    [702, 'zz'],
    [703, 'aaa'],
  ];
  for (const [n, s] of cases) {
    t.equal(numToTarget(n), s, `${n} -> ${s}`);
    t.equal(targetToNum(`vd${s}`), n - 1, `vd${s} -> ${n - 1}`);
  }
  t.equal(targetToNum('xvdb'), 1);
  t.equal(targetToNum('hdd'), 3);
  for (let n = 1; n <= 1024; n++) t.equal(targetToNum(`sd${numToTarget(n)}`), n - 1);
  t.throws(() => numToTarget(0), RangeError);
  t.throws(() => targetToNum('vd1'), RangeError);
});

t.test('prefix per bus', async (t) => {
  t.equal(targetPrefix('virtio'), 'vd');
  t.equal(targetPrefix('ide'), 'hd');
  t.equal(targetPrefix('sata'), 'sd');
  t.equal(targetPrefix('scsi'), 'sd');
  t.equal(targetPrefix('usb'), 'sd');
  t.equal(targetPrefix('fdc'), 'fd');
  t.equal(targetPrefix(undefined, 'floppy'), 'fd');
  t.equal(targetPrefix('xen'), 'xvd');
});

t.test('first free name, holes first, other prefixes ignored', async (t) => {
  t.equal(nextFreeTarget('vd', []), 'vda');
  t.equal(nextFreeTarget('vd', ['hda', 'sda', 'vda']), 'vdb');
  t.equal(nextFreeTarget('vd', ['vdb', 'vdc']), 'vda', 'a hole is filled (virtinst would pick vdd)');
  const used = Array.from({ length: 26 }, (_v, i) => `vd${numToTarget(i + 1)}`);
  t.equal(nextFreeTarget('vd', used), 'vdaa');
  t.equal(nextFreeTarget('hd', ['hda', 'hdb', 'hdc']), 'hdd');
  t.throws(() => nextFreeTarget('hd', ['hda', 'hdb', 'hdc', 'hdd']), DomainXmlError, 'IDE has four slots');
});
