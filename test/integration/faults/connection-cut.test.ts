/**
 * Fault 1: the SSH connection cut while linux-virtio.yml applies. The run targets two lab hosts;
 * on one of them the test watches for the `virsh` process of the define batch and, after a
 * delay, kills the sshd processes serving virtplay's connection (found by its socket, never the
 * listening sshd), or the remote virsh itself. The playbook's editing tasks hold their writes and
 * make them in one define batch per host (engine/runner/held-writes.ts), so each guest's
 * definition must then be either the original or the fully converted one, semantically, never a
 * state in between; the other host finishes; a re-run converges and a third run changes nothing.
 */
import t from 'tap';
import { labHost } from '../../lab/lab.js';
import { useLab } from '../../lab/use-lab.js';
import {
  GUESTS,
  LINUX_VIRTIO,
  describeRun,
  direct,
  hostMessages,
  hostXml,
  isBatchShell,
  isDefineVirsh,
  killAll,
  processesOf,
  restoreGuests,
  sshdSessionPids,
  stageOf,
  stagesLine,
  startVirtplay,
  tempDir,
  virtplay,
  waitFor,
  writeInventory,
  type Stages,
} from './kit.js';

const FAULT = 'lab4';
const OTHER = 'lab3';

interface Trial {
  /** 'session': kill the sshd session processes; 'virsh': kill the remote virsh; 'early': kill the session when the batch's shell starts (hash checks still running). */
  how: 'session' | 'virsh' | 'early';
  delayMs: number;
}

const TRIALS: Trial[] = [
  { how: 'early', delayMs: 0 },
  { how: 'session', delayMs: 0 },
  { how: 'session', delayMs: 30 },
  { how: 'session', delayMs: 100 },
  { how: 'virsh', delayMs: 10 },
  // Most likely after the batch: the run has ended, or the cut comes between two commands.
  { how: 'session', delayMs: 250 },
];

t.test('SSH connection cut during a define batch', async (t) => {
  await useLab(t, { restoreAfter: true });
  const dir = tempDir(t);
  const inv = writeInventory(dir, [direct(OTHER), direct(FAULT)]);
  const invFault = writeInventory(dir, [direct(FAULT)]);
  const h = labHost(FAULT);

  // Reference states of every guest of FAULT: the playbook's tasks one at a time.
  const old = await hostXml(FAULT);
  const refs: Map<string, string>[] = [old];
  for (const step of [['--tags', 'nic'], ['--skip-tags', 'boot'], []]) {
    const r = await virtplay([LINUX_VIRTIO, '-i', invFault, ...step], dir);
    t.equal(r.code, 0, `reference run ${step.join(' ') || '(all)'}: ${describeRun(r)}`);
    refs.push(await hostXml(FAULT));
  }
  const labels = ['old', 'nic done', 'disks done', 'new'];
  const stages = new Map<string, Stages>(GUESTS.map((g) => [g, refs.map((m, i) => ({ label: labels[i]!, xml: m.get(g)! }))]));
  // The label the fully converted definition gets ('disks done' when the boot task had nothing left to do).
  const finalLabel = new Map(GUESTS.map((g) => [g, stageOf(refs[3]!.get(g)!, stages.get(g)!)]));
  t.comment(
    `reference states of ${FAULT}: ${GUESTS.map((g) => `${g}: ${[...new Set(stages.get(g)!.map((s) => stageOf(s.xml, stages.get(g)!)))].join(' -> ')}`).join('; ')}`,
  );

  let landed = 0;
  for (const trial of TRIALS) {
    await t.test(`cut in the define batch (${trial.how}, +${trial.delayMs} ms)`, async (t) => {
      await restoreGuests(FAULT, old);
      const running = startVirtplay([LINUX_VIRTIO, '-i', inv], dir);
      let exited = false;
      void running.done.then(() => (exited = true));
      // Wait for the define batch's virsh (or, 'early', its shell) of the lab user: linux-virtio.yml
      // makes one per host.
      const target = await waitFor(
        () => processesOf(h.uid, trial.how === 'early' ? isBatchShell : isDefineVirsh),
        60_000,
        () => exited,
      );
      t.equal(target.length > 0, true, 'saw the define batch start');
      if (trial.delayMs > 0) await new Promise((r) => setTimeout(r, trial.delayMs));
      const victims = trial.how === 'virsh' ? target : sshdSessionPids(running.child.pid!, h.address, h.port);
      const killed = killAll(victims);
      // With a delay the run may have finished before the cut (nothing left to kill): then the
      // outcome must be a clean, complete run, which the branches below check.
      if (trial.delayMs === 0) t.ok(killed > 0, `killed ${killed} process(es) (${trial.how})`);
      else t.comment(`killed ${killed} process(es) (${trial.how}, +${trial.delayMs} ms)`);
      const r = await running.done;
      // Remote leftovers of the cut batch finish (or die of SIGPIPE) before the state is read.
      await waitFor(() => (processesOf(h.uid, (a) => isDefineVirsh(a) || isBatchShell(a)).length === 0 ? [1] : []), 30_000);

      const st = r.doc?.stats[FAULT];
      const conns = r.doc?.virtplay.transport[FAULT]?.connections ?? 0;
      let how: string;
      if (trial.how === 'virsh' && killed === 0) {
        // The define finished within the delay: nothing was cut, the run must simply be complete.
        t.equal(r.code, 0, `exit 0: ${describeRun(r)}`);
        how = 'define finished before the kill';
      } else if (trial.how === 'virsh') {
        // The command ends (killed remote process), the connection lives: a failed task, not unreachable.
        t.equal(r.code, 2, `exit 2: ${describeRun(r)}`);
        t.equal(st?.failures, 1, `${FAULT}: failed`);
        t.match(hostMessages(r.doc, FAULT), /define command did not complete/, 'says the define did not complete');
        how = 'failed (define did not complete)';
      } else if (r.code === 4) {
        landed++;
        t.equal(r.code, 4, `exit 4: ${describeRun(r)}`);
        t.equal(st?.unreachable, 1, `${FAULT}: unreachable`);
        t.match(hostMessages(r.doc, FAULT), /connection lost while running a command/, 'says the connection was lost');
        how = 'unreachable (connection lost)';
      } else {
        // The batch had ended (on a loaded machine even a +0 ms cut can come too late): the cut
        // fell between two commands (the transport connected again for the next one) or after the
        // last one (the run was complete: nothing was cut). At least one trial must land (below).
        t.equal(r.code, 0, `exit 0: ${describeRun(r)}`);
        if (killed > 0) t.ok(conns === 1 || conns === 2, `cut while idle: ${conns} connection(s)`);
        else t.equal(conns, 1, 'the run ended before the cut: one connection');
        how = killed > 0 ? `cut while idle (${conns} connection(s))` : 'run ended before the cut';
      }
      t.equal(r.doc?.stats[OTHER]?.failures, 0, `${OTHER} fine`);
      t.equal(r.doc?.stats[OTHER]?.unreachable, 0, `${OTHER} reachable`);

      // Every guest is wholly old or wholly converted: the one define batch carried every task's
      // changes, and each define is atomic.
      const after = await hostXml(FAULT);
      const line = stagesLine(FAULT, after, stages);
      for (const g of GUESTS) {
        const at = stageOf(after.get(g)!, stages.get(g)!);
        t.ok(at === 'old' || at === finalLabel.get(g), `${g}: ${at} (old or ${finalLabel.get(g)})`);
      }
      const rerun = await virtplay([LINUX_VIRTIO, '-i', inv], dir);
      t.equal(rerun.code, 0, `re-run: ${describeRun(rerun)}`);
      const conv = await hostXml(FAULT);
      for (const g of GUESTS) t.equal(stageOf(conv.get(g)!, stages.get(g)!), finalLabel.get(g), `${g}: fully converted after the re-run`);
      const third = await virtplay([LINUX_VIRTIO, '-i', inv], dir);
      t.equal(third.code, 0);
      t.equal(third.doc?.stats[FAULT]?.changed, 0, 'a third run changes nothing');
      t.comment(
        `fault 1 [${trial.how}, +${trial.delayMs} ms] exit ${r.code} ${how}; after the fault ${line}; after the re-run (changed ${rerun.doc?.stats[FAULT]?.changed}) ${stagesLine(FAULT, conv, stages)}; third run changed ${third.doc?.stats[FAULT]?.changed}`,
      );
    });
  }
  t.ok(landed >= 1, `at least one cut landed during a command and was reported unreachable (${landed} of ${TRIALS.length})`);
});
