/**
 * The article's Table 1 on the lab (issue 14): playbooks/measure-virtio.yml on one stand-in guest
 * with a 512 MiB boot disk (room for the 100 MiB writes), its "driver" installed first as after the
 * Windows bootstrap, at the article's 100 MB (SIZES=100,1000 for both sizes: the disk then grows to
 * fit, and the run takes about ten times longer). Writes the tables and the charts to
 * test/bench/measured/ (TABLE.md, tables.json, *.svg) for the README, and prints the playbook's
 * wall time. Standalone: node --import=tsx test/bench/measure-table.ts (root, lab up; about 10
 * minutes at 100 MB: the transfers out of the guest run at about 4 MB/s through user-mode networking).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { virshAs, withHostLock } from '../lab/lab.js';
import { buildStandin, defineStandin, INSTALL_SCRIPT, labAgent, removeStandin } from '../lab/standin.js';
import { describeMachine } from './machine.js';
import { measure } from './measure.js';
import { CLI, ROOT } from './tools.js';

const HOST = 'lab2';
const NAME = 'vpmeasure';
const OUT = join(ROOT, 'test', 'bench', 'measured');

async function main(): Promise<void> {
  const sizes = (process.env.SIZES ?? '100').split(',').map((x) => Number(x.trim()));
  if (sizes.some((x) => !Number.isInteger(x) || x < 1 || x > 1800)) throw new Error('SIZES: MiB per run, 1..1800, comma-separated');
  await buildStandin();
  await withHostLock(HOST, async () => {
    const s = await defineStandin(HOST, NAME, { marker: 'measured', osVariant: 'debian11', sizeMb: Math.min(2047, Math.max(...sizes) + 200) });
    try {
      if ((await virshAs(HOST, ['attach-disk', NAME, s.iso, 'hdc', '--type', 'cdrom', '--mode', 'readonly', '--config'])).code !== 0)
        throw new Error('attach the ISO');
      if ((await virshAs(HOST, ['start', NAME])).code !== 0) throw new Error('start');
      if (!(await labAgent(s).answers(180))) throw new Error('the guest agent did not answer within 180 s');
      const inst = await labAgent(s).sh(INSTALL_SCRIPT);
      if (inst.exitcode !== 0) throw new Error(`driver install: ${inst.stdout}${inst.stderr}`);
      const argv = [
        process.execPath,
        CLI,
        join(ROOT, 'playbooks', 'measure-virtio.yml'),
        '-i',
        join(ROOT, 'examples', 'inventory', 'lab.yml'),
        '--limit',
        HOST,
        '-e',
        `guests=${NAME}`,
        '-e',
        'drivers_ready=true',
        '-e',
        JSON.stringify({ sizes_mb: sizes }),
        '-e',
        'target_dir=/boot',
        '-e',
        `history_file=${join(s.dir, 'history.json')}`,
        '--json',
      ];
      const m = await measure(argv, { timeoutMs: 4 * 60 * 60_000 });
      if (m.code !== 0) throw new Error(`measure-virtio.yml exited ${m.code}: ${m.stderr.slice(-2000)}`);
      const doc = JSON.parse(m.stdout) as {
        plays: { tasks: { task: { name: string }; hosts: Record<string, { msg?: string; charts?: string[]; tables?: unknown[] }> }[] }[];
      };
      const table = doc.plays[0]!.tasks.find((x) => x.task.name === 'Table 1')!.hosts[HOST]!;
      mkdirSync(OUT, { recursive: true });
      writeFileSync(join(OUT, 'tables.json'), `${JSON.stringify(table.tables ?? [], null, 2)}\n`);
      const charts = (table.charts ?? []).map((c) => {
        copyFileSync(c, join(OUT, basename(c)));
        return basename(c);
      });
      const text = String(table.msg ?? '')
        .replace(/^chart: .*\n?/gm, '')
        .trim();
      const mc = await describeMachine();
      const md = [
        `measure-virtio.yml on the lab's stand-in guest (QEMU TCG, user-mode networking), ${mc.date}, ${mc.cpu}, ${mc.nproc} cores, load ${mc.load}.`,
        `Wall time of the whole playbook: ${m.wallS.toFixed(0)} s (${sizes.join(' and ')} MiB, 5 runs per configuration).`,
        '',
        '```',
        text,
        '```',
        '',
        ...charts.map((c) => `![${c}](${c})`),
        '',
      ].join('\n');
      writeFileSync(join(OUT, 'TABLE.md'), md);
      process.stdout.write(`${md}\nwritten to ${OUT}\n`);
    } finally {
      await removeStandin(s);
    }
  });
}

await main();
