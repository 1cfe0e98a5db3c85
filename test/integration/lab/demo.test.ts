/**
 * `npm run demo` (examples/demo.sh), as the README promises it: it exits 0, converts the
 * Debian-labelled guests, shows the Windows guard refusing win05 (and says that exit 2 was
 * expected), takes the Windows stand-in from IDE to a confirmed boot from vda, and its second runs
 * change nothing. The test holds the lab lock for the script (which would take it itself) and
 * removes the stand-in guest the demo leaves on lab1 before it lets go.
 */
import t from 'tap';
import { join } from 'node:path';
import { run, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { ROOT } from '../modules/cli.js';

const STANDIN = 'win2k8r2-standin';

t.test('npm run demo', { skip: process.getuid?.() !== 0 ? 'the demo shows the Windows part as root only' : false }, async (t) => {
  // Not fresh: demo.sh resets the lab itself (lab-up.sh --reset) before it converts anything.
  const lab = await useLab(t, { fresh: false });
  lab.cleanup(async () => {
    await virshAs('lab1', ['destroy', STANDIN]);
    await virshAs('lab1', ['undefine', STANDIN]);
  });
  const r = await run(['bash', join(ROOT, 'examples/demo.sh')], { timeoutMs: 600_000, env: { ...process.env, VIRTPLAY_DEMO_LOCKED: '1' } });
  t.equal(r.code, 0, r.stderr.slice(-2000));
  const out = r.stdout;
  t.equal(
    out.match(/^\(exit 2 expected: the guard refused the Windows-labelled guests, the others were converted\)$/gm)?.length,
    2,
    'both linux-virtio.yml runs: the refusal, expected',
  );
  t.match(
    out,
    /^lab1 +: win05 \(task 'NIC model virtio'\): Windows guest \(libosinfo win2k8r2\) without evidence/m,
    'the recap names the refused guest and why',
  );
  t.match(out, /^ {2}deb01: disk \/home\/vplab1\/disks\/deb01\.qcow2: ide hda -> virtio vda$/m, 'a Debian-labelled guest converted');
  t.match(
    out,
    /^ {2}boot-disk=sda nic-driver=e1000\n {2}boot-disk=vda nic-driver=virtio_net$/m,
    'the stand-in booted from IDE, then from vda with a virtio NIC',
  );
  const recaps = [...out.matchAll(/^lab\d +: ok=\d+ +changed=(\d+)/gm)].map((m) => Number(m[1]));
  t.equal(recaps.at(-1), 0, 'the last run (the bootstrap again) changed nothing');
});
