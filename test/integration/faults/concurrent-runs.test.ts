/**
 * Fault 7: two virtplay runs of linux-virtio.yml against the same host (all five guests), started
 * together. The define batches are serialized by the host lock and each is conditional on the
 * definition it planned from, so no update is lost: every guest ends fully converted; each run
 * either succeeds or names the guests whose definition changed since it read them (exit 2); a
 * third run changes nothing. Repeated, with the second run started a little later once.
 */
import t from 'tap';
import { useLab } from '../../lab/use-lab.js';
import {
  GUESTS,
  LINUX_VIRTIO,
  describeRun,
  direct,
  hostMessages,
  hostXml,
  restoreGuests,
  stageOf,
  stagesLine,
  startVirtplay,
  tempDir,
  virtplay,
  writeInventory,
  type CliRun,
  type Stages,
} from './kit.js';

const HOST = 'lab2';

t.test('two runs against one host at the same time', async (t) => {
  await useLab(t, { restoreAfter: true });
  const dir = tempDir(t);
  const inv = writeInventory(dir, [direct(HOST)]);
  const old = await hostXml(HOST);
  // The fully converted state, from one run alone.
  const ref = await virtplay([LINUX_VIRTIO, '-i', inv], dir);
  t.equal(ref.code, 0, describeRun(ref));
  const fresh = await hostXml(HOST);
  const stages = new Map<string, Stages>(
    GUESTS.map((g) => [
      g,
      [
        { label: 'old', xml: old.get(g)! },
        { label: 'new', xml: fresh.get(g)! },
      ],
    ]),
  );

  const outcome = (r: CliRun): string => {
    const st = r.doc?.stats[HOST];
    return `exit ${r.code} (changed ${st?.changed}, failed ${st?.failures})`;
  };

  for (const lagMs of [0, 0, 150]) {
    await t.test(`two runs, the second ${lagMs} ms later`, async (t) => {
      await restoreGuests(HOST, old);
      const a = startVirtplay([LINUX_VIRTIO, '-i', inv], dir);
      if (lagMs > 0) await new Promise((r) => setTimeout(r, lagMs));
      const b = startVirtplay([LINUX_VIRTIO, '-i', inv], dir);
      const [ra, rb] = await Promise.all([a.done, b.done]);
      const notes: string[] = [];
      for (const [name, r] of [
        ['A', ra],
        ['B', rb],
      ] as const) {
        if (r.code === 0) {
          t.equal(r.doc?.stats[HOST]?.failures, 0, `run ${name} succeeded`);
          notes.push(`${name}: ${outcome(r)}`);
          continue;
        }
        t.equal(r.code, 2, `run ${name}: exit 0 or 2: ${describeRun(r)}`);
        const msg = hostMessages(r.doc, HOST);
        const stale = GUESTS.filter((g) => msg.includes(`${g}: its definition changed since virtplay read it`));
        t.ok(stale.length > 0, `run ${name} names the guests it could not apply: ${stale.join(', ')}`);
        t.notMatch(msg, /refused|RESTORE|did not complete/, `run ${name}: no other failure`);
        notes.push(`${name}: ${outcome(r)}, stale ${stale.join(',')}`);
      }
      const after = await hostXml(HOST);
      for (const g of GUESTS) t.equal(stageOf(after.get(g)!, stages.get(g)!), 'new', `${g}: fully converted, no update lost`);
      const third = await virtplay([LINUX_VIRTIO, '-i', inv], dir);
      t.equal(third.code, 0, describeRun(third));
      t.equal(third.doc?.stats[HOST]?.changed, 0, 'a third run changes nothing');
      t.comment(
        `fault 7 [two runs, lag ${lagMs} ms] ${notes.join('; ')}; after both ${stagesLine(HOST, after, stages)}; third run changed ${third.doc?.stats[HOST]?.changed}`,
      );
    });
  }
});
