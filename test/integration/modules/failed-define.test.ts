/**
 * A failed transaction leaves the guest exactly as it was and says which guest failed and why:
 *  - a declared state the schema allows but libvirt refuses (a CD-ROM drive hdz on a pc guest:
 *    "Only 1 IDE controller is supported"): virsh define fails, nothing is written;
 *  - a define libvirt accepts but does not keep as asked (an ISO path with a tab: libxml2
 *    normalizes attribute whitespace, see the report): the read-back verification fails and
 *    the backup is defined again.
 * Both: exit code 2, the host, the guest and the reason in the output, the inactive XML byte
 * for byte what it was, and the backup file in the run's output folder.
 */
import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guestXml } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { FIXTURES, LAB_INVENTORY, parseJson, virtplay } from './cli.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';

const HOST = 'lab2';

/** The backups a run wrote for one guest of HOST (run folder given with --run-dir). */
function backups(runDir: string, guest: string): string[] {
  const dir = join(runDir, 'backups', HOST);
  let files: string[] = [];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.filter((f) => f.startsWith(`${guest}.`)).map((f) => readFileSync(join(dir, f), 'utf8'));
}

function runDir(t: Test): string {
  const d = mkdtempSync(join(tmpdir(), 'vp-run-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

t.before(async () => {
  await useLab(t);
});

t.test('libvirt refuses the define: exit 2, host, guest and reason named, XML unchanged', async (t) => {
  const before = await guestXml(HOST, 'deb01');
  const dir = runDir(t);
  const args = [
    join(FIXTURES, 'cdrom-bad-drive.yml'),
    '-i',
    LAB_INVENTORY,
    '-l',
    HOST,
    '-e',
    'guest=deb01',
    '-e',
    'iso=/var/lib/virtplay/virtio-win.iso',
    '--run-dir',
    dir,
  ];
  const r = await virtplay(args);
  t.equal(r.code, 2, 'exit code 2 (a guest failed)');
  const out = r.stdout + r.stderr;
  t.match(
    out,
    /^ {2}deb01: FAILED - virsh define refused the new XML: internal error: Only 1 IDE controller is supported/m,
    "the task's line names the guest and libvirt's reason",
  );
  t.match(
    out,
    new RegExp(`^Failed guests .*\\n${HOST} +: deb01 \\(task '[^']+'\\): virsh define refused the new XML`, 'm'),
    'the recap names the host and the guest',
  );
  t.notMatch(out, /\n\s+at .*\(.*\.ts:\d+:\d+\)/, 'no stack trace');
  t.equal(await guestXml(HOST, 'deb01'), before, "the guest's inactive XML is byte-identical to before");
  t.same(
    backups(dir, 'deb01').map((x) => x.trimEnd()),
    [before.trimEnd()],
    'the backup of the definition is in the run folder',
  );

  const j = await virtplay([...args, '--json']);
  const host = parseJson(j).plays[0]!.tasks[0]!.hosts[HOST]!;
  t.not(host.failed, true, '--json: the task did not fail the host (the guest failed alone)');
  t.same(
    parseJson(j).virtplay.failed_guests[HOST]?.map((g) => g.guest),
    ['deb01'],
    '--json: failed_guests',
  );
  t.same(
    host.guests?.map((g) => [g.guest, g.failed, g.changed]),
    [['deb01', true, false]],
    '--json: guest deb01 failed, not changed',
  );
  t.equal(await guestXml(HOST, 'deb01'), before, 'still byte-identical');
});

t.test('libvirt changes what was defined: read-back verification fails, the backup is restored', async (t) => {
  const before = await guestXml(HOST, 'deb03');
  const iso = '/var/lib/virtplay/virtio\twin.iso';
  const dir = runDir(t);
  const r = await virtplay([
    join(FIXTURES, 'cdrom-iso.yml'),
    '-i',
    LAB_INVENTORY,
    '-l',
    HOST,
    '-e',
    'guest=deb03',
    '-e',
    JSON.stringify({ iso }),
    '--json',
    '--run-dir',
    dir,
  ]);
  const after = await guestXml(HOST, 'deb03');
  const g = parseJson(r).plays[0]!.tasks[0]!.hosts[HOST]!.guests?.[0];
  if (
    g?.failed !== true &&
    Domain.parse(after)
      .disks()
      .some((d) => d.sourcePath === iso)
  ) {
    // The serializer escapes tabs now: libvirt keeps the path and the restore path cannot be
    // triggered this way any more. What must hold then: the path is kept exactly.
    t.equal(r.code, 0, 'the define succeeded');
    t.comment('restore path NOT exercised: the tab survived define (serializer fixed); find another trigger');
    return;
  }
  t.equal(r.code, 2, 'exit code 2');
  t.equal(g?.guest, 'deb03');
  t.match(
    g?.msg,
    /^libvirt did not keep what was asked: still to do: CD-ROM hd[a-z]: \/var\/lib\/virtplay\/virtio win\.iso -> \/var\/lib\/virtplay\/virtio\twin\.iso; the previous definition was restored$/,
    'says what libvirt did not keep, and that the backup was restored',
  );
  t.equal(after, before, "the guest's inactive XML is byte-identical to before (restored)");
  t.same(
    backups(dir, 'deb03').map((x) => x.trimEnd()),
    [before.trimEnd()],
    'the backup it was restored from is in the run folder',
  );
});
