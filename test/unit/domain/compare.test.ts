import t from 'tap';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { normalizeForCompare, semanticDiff, semanticEqual } from '../../helpers/domain-compare.js';
import { diffXml } from '../../helpers/diff-xml.js';
import { definedXml, generatedXml } from './corpus.js';

const base = definedXml('pc-scsi-lsilogic-e1000-win2k8r2');
/** The value, or a thrown error when the corpus file lacks it. */
function must<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('corpus file changed');
  return v;
}

const edit = (f: (d: Domain) => void) => {
  const d = Domain.parse(base);
  f(d);
  return d.toXml();
};

t.test('formatting, quotes, attribute order, comments and aliases do not count', async (t) => {
  const reformatted = base.replace(/'/g, '"').replace(/\n\s*/g, '').replace('<devices>', '<devices><!-- x -->');
  t.ok(semanticEqual(base, reformatted));
  const withAlias = base.replace("<model type='e1000'/>", "<model type='e1000'/><alias name='net0'/>");
  t.ok(semanticEqual(base, withAlias));
  const swapped = base.replace("<disk type='file' device='disk'>", "<disk device='disk' type='file'>");
  t.ok(semanticEqual(base, swapped));
  t.ok(semanticEqual(base, base.replace("<memory unit='KiB'>524288</memory>", "<memory unit='MiB'>512</memory>")), 'memory units');
});

t.test('real changes count', async (t) => {
  t.notOk(
    semanticEqual(
      base,
      edit((d) => d.changeBus(must(d.disks()[0]), 'virtio')),
    ),
    'a bus change',
  );
  t.notOk(
    semanticEqual(
      base,
      edit((d) => {
        must(d.interfaces()[0]).mac = '52:54:00:00:00:01';
      }),
    ),
    'a MAC change',
  );
  t.notOk(
    semanticEqual(
      base,
      edit((d) => d.removeDisk(must(d.disks()[1]))),
    ),
    'a removed CD-ROM',
  );
  t.notOk(
    semanticEqual(
      base,
      edit((d) => {
        (must(d.disks()[0]) as { bootOrder: number }).bootOrder = 1;
      }),
    ),
    'a boot order',
  );
  t.notOk(
    semanticEqual(
      base,
      edit((d) => {
        d.osBoot = ['cdrom'];
      }),
    ),
    'os boot',
  );
  const addrChanged = base.replace("slot='0x03' function='0x0'/>\n    </interface>", "slot='0x09' function='0x0'/>\n    </interface>");
  t.not(addrChanged, base);
  t.notOk(semanticEqual(base, addrChanged), 'an address both sides have, changed');
  t.ok(
    semanticEqual(
      base,
      edit((d) => {
        must(d.interfaces()[0]).address = undefined;
      }),
    ),
    'an address only one side has',
  );
  t.same(
    semanticDiff(
      base,
      edit((d) => {
        d.name = 'other';
      }),
    ),
    ['domain/name[1]: text "w2k8r2-scsi" != "other"'],
  );
});

t.test('unused controller removed vs. still used', async (t) => {
  // the lsilogic controller is used by sda: dropping only the controller is implicit (libvirt re-adds it)
  t.ok(
    semanticEqual(
      base,
      edit((d) => d.controllers('scsi')[0]?.el.remove()),
    ),
    'dropping a controller a disk still uses is no change',
  );
  // after moving sda to virtio nobody uses it: its removal is a real change
  const moved = edit((d) => d.changeBus(must(d.disks()[0]), 'virtio'));
  const movedAndRemoved = edit((d) => {
    d.changeBus(must(d.disks()[0]), 'virtio');
    d.removeUnusedControllers();
  });
  t.notOk(semanticEqual(moved, movedAndRemoved), 'dropping a controller nobody uses is a change');
  t.match(semanticDiff(moved, movedAndRemoved).join('\n'), /controller\[scsi:0#0\]: only in the first/);
});

t.test('the built-in IDE controller on pc and machine aliases', async (t) => {
  const pc = generatedXml('pc-ide-e1000-win2k8r2');
  t.ok(semanticEqual(pc, definedXml('pc-ide-e1000-win2k8r2')), "'pc' == 'pc-i440fx-7.2', implicit controllers");
  t.notOk(semanticEqual(pc, pc.replace('machine="pc"', 'machine="q35"')));
  t.notOk(semanticEqual(pc, pc.replace('machine="pc"', 'machine="pc-q35-7.2"')));
});

t.test('normalizeForCompare is stable and drops what libvirt owns', async (t) => {
  const n = normalizeForCompare(base.replace("<model type='e1000'/>", "<model type='e1000'/><alias name='net0'/>"));
  t.same(n, normalizeForCompare(base));
  t.equal(JSON.stringify(n).includes('"alias"'), false);
});

t.test('diffXml: a unified diff of pretty-printed XML, empty when only formatting differs', async (t) => {
  t.equal(diffXml(base, base.replace(/'/g, '"')), '');
  const after = edit((d) => d.changeBus(must(d.disks()[0]), 'virtio'));
  const diff = diffXml(base, after, 'w2k8r2-scsi (before)', 'w2k8r2-scsi (after)');
  t.match(diff, /^={10,}\n--- w2k8r2-scsi \(before\)\n\+\+\+ w2k8r2-scsi \(after\)\n/);
  t.match(diff, /\n-\s+<target dev="sda" bus="scsi"\/>\n-\s+<address type="drive"[^\n]*\/>\n\+\s+<target dev="vda" bus="virtio"\/>\n/);
  t.equal(diff.split('\n').filter((l) => /^[-+]\s/.test(l)).length, 3, 'only the changed lines');
});
