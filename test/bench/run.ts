/**
 * `npm run bench`: virtplay against Ansible on the lab, side by side, in one run (see issue 6 and
 * test/bench/RESULTS.md). Not part of `npm test`.
 *
 * env: BENCH_SIZES  sizes HOSTSxGUESTS, comma-separated (default 1x1,4x5,10x10,20x10,50x10: issue 15's
 *                   growth curve; the lab runs one sshd per 16 hosts, so any size comes up)
 *      BENCH_RUNS   runs per tool and run kind; the table shows medians (default 3)
 *      BENCH_ANSIBLE_SLOW  seconds: an Ansible run kind whose first run takes longer runs only
 *                   once, to keep the whole bench under ~25 minutes (default 90; 0 = never)
 *      BENCH_TOOLS  virtplay,ansible (default both)
 *
 * For each size: the lab is brought up with HOSTS x GUESTS Windows-era guests (IDE disk, e1000),
 * then virtplay's first run (after a reset; playbooks/linux-virtio.yml with -e driver_ready=true, so
 * that the Windows guard lets each host's Windows-labelled guest through and virtplay converts every
 * guest, as Ansible does) and its no-op re-run, then
 * Ansible's (test/bench/ansible/convert.yml) the same way. Each run is one control process under
 * GNU time; SSH connections and remote commands per host come from the lab sshd's log. The
 * conversion is checked on the lab after each tool's first run. The lab is held (lockLab) for the
 * whole bench and left at the size it had before.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir, labHosts, labInventoryPath, labState, run, withLabLock } from '../lab/lab.js';
import { holdLabFlock, labIsSize, labUpSize, type Size } from './lab-hold.js';
import { describeMachine, loadNow } from './machine.js';
import { measure, median } from './measure.js';
import { ensurePackages } from './packages.js';
import { machineLine, resultsTable, timingTable, verifiedLines, type Cell, type Kind, type Planning, type SizeResult, type Timing } from './table.js';
import { CLI, PLAYBOOK, ROOT, runAnsible, runVirtplay, type Tool, type ToolRun } from './tools.js';
import { verifyConverted } from './verify.js';
import { bootstrapTable, bootstrapWall } from './bootstrap-wall.js';
import { targetLines } from './targets.js';

const SIZES = (process.env.BENCH_SIZES ?? '1x1,4x5,10x10,20x10,50x10').split(',').map((s) => {
  const m = /^\s*(\d+)x(\d+)\s*$/.exec(s);
  if (!m) throw new Error(`BENCH_SIZES: '${s}' is not HOSTSxGUESTS`);
  return { hosts: Number(m[1]), guests: Number(m[2]) };
});
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const SLOW_S = Number(process.env.BENCH_ANSIBLE_SLOW ?? 90);
const TOOLS = (process.env.BENCH_TOOLS ?? 'virtplay,ansible').split(',') as Tool[];
const HERE = join(ROOT, 'test/bench');
const t0 = Date.now();

function log(msg: string): void {
  process.stderr.write(`bench [${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
}

async function build(): Promise<void> {
  log('building dist/ (npm run build: tsc, the validators, the bundle users run)');
  const r = await run(['npm', '--prefix', ROOT, 'run', '--silent', 'build'], { timeoutMs: 5 * 60_000 });
  if (r.code !== 0) throw new Error(`the build failed:\n${r.stdout}${r.stderr}`);
}

async function timed(label: string, argv: string[]): Promise<Timing> {
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const m = await measure(argv);
    if (m.code !== 0) throw new Error(`${label} exited with ${m.code}: ${m.stderr.trim().slice(0, 1000)}`);
    ms.push(m);
  }
  return { label, runs: RUNS, wallS: median(ms.map((m) => m.wallS)), cpuS: median(ms.map((m) => m.cpuS)), maxRssMb: median(ms.map((m) => m.maxRssMb)) };
}

async function startup(): Promise<Timing[]> {
  log('CLI start-up');
  const inv = join(ROOT, 'examples/inventory/lab.yml');
  return [
    await timed('`node -e 0` (Node alone)', [process.execPath, '-e', '0']),
    await timed('`virtplay --version`', [process.execPath, CLI, '--version']),
    await timed('`virtplay --syntax-check linux-virtio.yml`', [process.execPath, CLI, PLAYBOOK, '-i', inv, '--syntax-check']),
    await timed('`ansible-playbook --version`', ['ansible-playbook', '--version']),
    await timed('`ansible-playbook --syntax-check convert.yml`', ['ansible-playbook', '-i', inv, '--syntax-check', join(HERE, 'ansible/convert.yml')]),
  ];
}

/** Planning sizes (guests over 10 hosts): the issue's 1,000 and 10,000 by default. */
const PLAN_SIZES = (process.env.BENCH_PLAN_SIZES ?? '1000,10000').split(',').filter(Boolean).map(Number);

async function planning(guests: number): Promise<Planning> {
  log(`planning ${guests.toLocaleString('en')} guests on synthetic facts`);
  const out: Array<{ cpuS: number; wallS: number; peakRssMb: number; rssBeforeMb: number; changes: number; failedTasks: number; processCpuS: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    const m = await measure([process.execPath, join(HERE, 'plan-synthetic.mjs'), String(guests)]);
    if (m.code !== 0) throw new Error(`plan-synthetic failed: ${m.stderr.trim().slice(0, 1000)}`);
    const r = JSON.parse(m.stdout.trim().split('\n').pop()!) as (typeof out)[number];
    if (r.failedTasks > 0) throw new Error(`plan-synthetic: ${r.failedTasks} task(s) failed`);
    out.push({ ...r, processCpuS: m.cpuS });
  }
  const md = (k: keyof (typeof out)[number]) => median(out.map((o) => o[k]));
  return {
    guests,
    runs: RUNS,
    cpuS: md('cpuS'),
    wallS: md('wallS'),
    peakRssMb: md('peakRssMb'),
    rssBeforeMb: md('rssBeforeMb'),
    processCpuS: md('processCpuS'),
    changes: md('changes'),
  };
}

function planningLine(plan: Planning): string {
  return `- ${plan.guests.toLocaleString('en')} guests (10 hosts x ${plan.guests / 10}): planning ${plan.cpuS.toFixed(2)} s CPU (${plan.wallS.toFixed(2)} s wall), ${plan.changes} changes planned; process peak RSS ${plan.peakRssMb.toFixed(0)} MB (${plan.rssBeforeMb.toFixed(0)} MB before planning: Node, the modules and the synthetic XML); whole process ${plan.processCpuS.toFixed(2)} s CPU.`;
}

function describeRun(tool: Tool, kind: Kind, r: ToolRun): string {
  return `${tool} ${kind}: ${r.wallS.toFixed(2)} s wall, ${r.cpuS.toFixed(2)} s CPU, ${r.maxRssMb.toFixed(0)} MB, sshd conn/host ${r.sshd.connections.join(',')} cmds/host ${r.sshd.commands.join(',')}, changed ${r.changedTotal}`;
}

/**
 * One measured run on a lab of exactly this size: a first run starts from a reset lab; the run
 * holds lab-up.sh's flock, and is repeated (at most twice) when the lab was not its size or the
 * tool saw another number of guests (something resized the lab in between).
 */
async function measuredRun(tool: Tool, kind: Kind, size: Size): Promise<ToolRun> {
  const once = tool === 'virtplay' ? runVirtplay : runAnsible;
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (kind === 'first') await labUpSize(size, true);
    const hosts = labHosts();
    const release = await holdLabFlock();
    let r: ToolRun | undefined;
    try {
      if (labIsSize(size)) r = await once(labInventoryPath(), hosts);
    } finally {
      await release();
    }
    if (r && r.guestsSeen.every((g) => g === size.guests)) return r;
    log(
      `${tool} ${kind}: the lab was not ${size.hosts}x${size.guests} during the run (another process ran lab-up?), repeating (${r ? `guests seen ${r.guestsSeen.join(',')}` : 'state changed'})`,
    );
    if (kind === 'no-op') {
      await labUpSize(size, true);
      await once(labInventoryPath(), labHosts()); // converts again, not measured
    }
  }
  throw new Error(`${tool} ${kind}: the lab kept changing size under the bench`);
}

async function measureTool(tool: Tool, spec: Size, size: SizeResult): Promise<void> {
  for (const kind of ['first', 'no-op'] as const) {
    const cell: Cell = { runs: [] };
    size.cells[kind][tool] = cell;
    for (let i = 0; i < RUNS; i++) {
      const r = await measuredRun(tool, kind, spec);
      const hosts = labHosts();
      log(describeRun(tool, kind, r));
      if (r.failed)
        throw new Error(`${tool} ${kind} run failed on ${size.size} (exit ${r.code}):\n${(r.stdout + r.stderr).trim().split('\n').slice(-30).join('\n')}`);
      if (kind === 'first' && r.changedHosts !== hosts.length)
        throw new Error(`${tool}'s first run changed only ${r.changedHosts} of ${hosts.length} hosts on ${size.size}`);
      if (tool === 'virtplay' && kind === 'no-op' && r.changedTotal !== 0)
        throw new Error(`virtplay's re-run is not a no-op on ${size.size}: changed ${r.changedTotal}`);
      cell.runs.push(r);
      if (kind === 'first' && i === 0) {
        const v = await verifyConverted(hosts);
        cell.verified = `${v.converted}/${v.guests} guests converted${v.problems.length ? ` (${v.problems.slice(0, 3).join('; ')})` : ''}`;
        log(`${tool}: ${cell.verified}`);
        if (v.converted !== v.guests) throw new Error(`${tool} did not convert every guest on ${size.size}: ${v.problems.slice(0, 10).join('; ')}`);
      }
      if (tool === 'ansible' && SLOW_S > 0 && i === 0 && r.wallS > SLOW_S && RUNS > 1) {
        log(`ansible ${kind} took ${r.wallS.toFixed(0)} s > BENCH_ANSIBLE_SLOW=${SLOW_S} s: one run only for this kind`);
        break;
      }
    }
  }
}

async function main(): Promise<void> {
  const installed = await ensurePackages(join(HERE, 'packages.txt'));
  if (installed.length) log(`installed ${installed.join(' ')}`);
  await build();
  const machine = await describeMachine();
  const before = (() => {
    try {
      const s = labState();
      return s.mode === 'root' ? { hosts: s.hosts, guests: s.guests } : undefined;
    } catch {
      return undefined;
    }
  })();

  const starts = await startup();
  const plans: Planning[] = [];
  for (const n of PLAN_SIZES) plans.push(await planning(n));
  const results: SizeResult[] = [];
  const restore = before ?? { hosts: 4, guests: 5 };
  await withLabLock(async () => {
    try {
      for (const { hosts, guests } of SIZES) {
        const size = `${hosts}x${guests}`;
        const res: SizeResult = {
          size,
          hosts,
          guests,
          load: loadNow(),
          cells: { first: { virtplay: undefined, ansible: undefined }, 'no-op': { virtplay: undefined, ansible: undefined } },
        };
        results.push(res);
        const up0 = Date.now();
        log(`lab ${size}: bringing it up`);
        try {
          await labUpSize({ hosts, guests }, false);
        } catch (e) {
          // Reported in the table; the lab is put back so other sizes (and other users) still have it.
          res.error = (e as Error).message.split('\n').filter(Boolean).slice(-3).join(' / ');
          log(`lab ${size} could not come up: ${res.error}`);
          await labUpSize(restore, true);
          continue;
        }
        const state = labState();
        if (state.mode !== 'root') throw new Error('the benchmark needs the root lab (lab users behind the lab sshd): run it as root');
        log(`lab ${size} up in ${((Date.now() - up0) / 1000).toFixed(1)} s`);
        res.upS = (Date.now() - up0) / 1000;
        for (const tool of TOOLS) await measureTool(tool, { hosts, guests }, res);
      }
    } finally {
      log(`leaving the lab at ${restore.hosts}x${restore.guests}, reset`);
      await labUpSize(restore, true);
    }
  });

  const boot = process.env.BENCH_BOOTSTRAP === '0' ? undefined : await bootstrapWall(log);

  const doc = [
    `## virtplay vs Ansible on the lab`,
    '',
    machineLine(machine),
    `Sizes ${SIZES.map((s) => `${s.hosts}x${s.guests}`).join(', ')}; BENCH_RUNS=${RUNS}; total bench time ${((Date.now() - t0) / 60000).toFixed(1)} min.`,
    '',
    resultsTable(results),
    '',
    'Wall and CPU: medians over n runs; CPU = user+sys of the control process and the children it waited for (GNU time); peak RSS = largest single process of that tree. SSH conn / cmds per host: from the lab sshd log during the last run of the kind (a range when hosts differ). changed: per run, as each tool counts (virtplay: tasks changed over all hosts; Ansible: PLAY RECAP changed over all hosts).',
    '',
    ...verifiedLines(results),
    '',
    '## CLI start-up',
    '',
    timingTable(starts),
    '',
    '## Planning alone, synthetic facts',
    '',
    `Guests made from the domain corpus, virtio_nic + virtio_disk + boot_disk in check mode through each module's run(), no I/O, plain Node (test/bench/plan-synthetic.mjs); medians of ${RUNS}:`,
    '',
    ...plans.map(planningLine),
    '',
    ...(boot
      ? [
          '## The Windows bootstrap on one host (stand-in guests, TCG)',
          '',
          'windows-virtio.yml from freshly defined stand-ins (IDE/e1000, agent) to done, one run each.',
          '',
          bootstrapTable(boot),
          '',
        ]
      : []),
    '## Targets (issue 15)',
    '',
    ...targetLines(results, starts, plans, boot),
    '',
  ].join('\n');
  process.stdout.write(doc);
  const out = join(labDir(), 'bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'last-run.md'), doc);
  writeFileSync(
    join(out, 'last-run.json'),
    JSON.stringify(
      {
        machine,
        startup: starts,
        planning: plans,
        bootstrap: boot,
        results: results.map((r) => ({ ...r, cells: JSON.parse(JSON.stringify(r.cells, (k, v) => (k === 'stdout' || k === 'stderr' ? undefined : v))) })),
      },
      null,
      1,
    ),
  );
  log(`written ${join(out, 'last-run.md')} and last-run.json`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ERROR: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
