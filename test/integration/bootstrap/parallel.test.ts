/**
 * virtio_bootstrap bootstraps the guests of a host side by side (issue 15: `parallel`, default 2),
 * each guest's state machine on its own: two stand-in guests in one run of windows-virtio.yml both
 * end booting from vda, and while the run goes on both are seen running at the same moment before
 * either is done (one guest at a time never shows that: the second is started only once the first
 * is done).
 * Timings are the benchmark's business (npm run bench), not this test's.
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { guestXml, virshAs } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import { buildStandin, defineStandin, removeStandin, serialLines } from '../../lab/standin.js';
import { Domain } from '../../../modules/libvirt/domain/index.js';
import { assertBuilt, bootstrapArgs, json, phaseOf, spawnVirtplay } from './cli.js';

const HOST = 'lab2';

t.test('two guests of one host bootstrapped side by side', async (t) => {
  assertBuilt();
  await buildStandin();
  const lab = await useLab(t, { host: HOST });
  const a = await defineStandin(HOST, 'vppar1', { marker: 'par-1' });
  const b = await defineStandin(HOST, 'vppar2', { marker: 'par-2' });
  lab.cleanup(async () => {
    await removeStandin(a);
    await removeStandin(b);
  });
  const args = bootstrapArgs(HOST, 'vppar*', a.iso, ['-e', 'parallel=2', '--json']);
  // Both guests' ISOs are identical copies; the glob selects both.
  const child = spawnVirtplay(args);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  let code: number | null = null;
  const exited = new Promise<void>((r) => child.on('exit', (c) => ((code = c), r())));
  let gone = false;
  void exited.then(() => (gone = true));
  let together = false;
  while (!gone) {
    const running = (await virshAs(HOST, ['list', '--name'])).stdout.split('\n').filter((n) => n === a.name || n === b.name);
    if (running.length === 2 && !together) {
      const phases = [await phaseOf(HOST, a.name), await phaseOf(HOST, b.name)];
      if (phases.every((p) => p !== undefined && p !== 'done')) together = true;
    }
    await sleep(500);
  }
  await exited;
  t.equal(code, 0, stdout.slice(-2000));
  t.ok(together, 'both guests were running, neither done, at the same moment of the run');
  const doc = json({ stdout, stderr: '', code: 0 } as never);
  const task = doc.plays[0]!.tasks.find((x) => x.task.name.startsWith('storage bootstrap'))!;
  const guests = (task.hosts[HOST] as { guests: { guest: string; phase: string }[] }).guests;
  t.same(
    guests.map((g) => [g.guest, g.phase]),
    [
      [a.name, 'done'],
      [b.name, 'done'],
    ],
    'both done, reported in guest order',
  );
  for (const s of [a, b]) {
    const boot = Domain.parse(await guestXml(HOST, s.name))
      .disks()
      .find((d) => d.sourcePath === s.disk);
    t.equal(boot?.target, 'vda', `${s.name} on vda`);
    t.match(
      serialLines(s)
        .filter((l) => / boot-disk=\S+ marker=/.test(l))
        .at(-1),
      new RegExp(`boot-disk=vda marker=${s === a ? 'par-1' : 'par-2'}`),
      `${s.name} boots from vda`,
    );
  }
});
