import t from 'tap';
import { ioBenchTable } from '../../../modules/measure/io-bench-table.js';
import { collectTables } from '../../../modules/measure/collect-results.js';
import type { TaskContext } from '../../../engine/module.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';

/** What a guest_io_bench task registers (the module's result shape). */
function bench(label: string, size: number, guests: Record<string, number[]>): Record<string, unknown> {
  return {
    changed: false,
    label,
    test: 'disk_write',
    size_mb: size,
    guests: Object.fromEntries(Object.entries(guests).map(([g, runs]) => [g, { size_mb: size, runs, kept: [...runs].sort((a, b) => a - b).slice(1, -1) }])),
    unmeasured: {},
  };
}

// The article's 100 MB kept runs, each padded with a lower and a higher run that must be dropped.
const base = bench('no virtio', 100, { win: [9_768_456, 11_184_355, 1, 11_323_776, 99_999_999] });
const nic = bench('NIC virtio', 100, { win: [18_448_466, 19_277_377, 19_445_261, 2, 88_888_888] });
const disk = bench('NIC+disk virtio', 100, { win: [23_060_460, 23_868_970, 24_727_084, 3, 77_777_777] });

// io_bench_table reads the host (the default chart folder) and check mode from its context.
const ctx = { host: 'kvm1', check: false } as TaskContext;

t.test('Table 1 from three registered results', async (t) => {
  const dir = t.testdir({});
  const r = await ioBenchTable.run(ctx, { results: [base, nic, disk], chart_dir: dir });
  t.equal(r.changed, false);
  const chart = join(dir, 'win.disk_write.100MiB.svg');
  t.equal(
    r.msg,
    [
      'win: 100 MiB written (bytes/s; runs kept after dropping the highest and the lowest)',
      '        no virtio  NIC virtio  NIC+disk virtio',
      '1       9,768,456  18,448,466       23,060,460',
      '2      11,184,355  19,277,377       23,868,970',
      '3      11,323,776  19,445,261       24,727,084',
      'mean   10,758,862  19,057,035       23,885,505',
      'ratio        100%      177.1%           222.0%',
      `chart: ${chart}`,
    ].join('\n'),
  );
  t.same(r.charts, [chart]);
  const svg = readFileSync(chart, 'utf8');
  t.equal(XMLValidator.validate(svg), true, 'the chart is well-formed XML');
  t.match(svg, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.equal((svg.match(/<rect x=/g) ?? []).length, 3, 'a bar per configuration');
  for (const ratio of ['100%', '177.1%', '222.0%']) t.match(svg, `>${ratio}</text>`, `the ratio ${ratio} on its bar`);
  t.match(svg, '>10.8 MB/s<', 'the mean under the bar');
  const checked = await ioBenchTable.run({ ...ctx, check: true }, { results: [base], chart_dir: join(dir, 'check') });
  t.notOk(existsSync(join(dir, 'check')), 'nothing written under --check');
  t.same(checked.charts, []);
  const tables = r.tables as {
    guest: string;
    size_mb: number;
    baseline: string;
    columns: { label: string; mean: number; ratio_pct: number; runs: number[] }[];
  }[];
  t.equal(tables.length, 1);
  t.match(tables[0], { guest: 'win', size_mb: 100, baseline: 'no virtio', unit: 'bytes/s' });
  t.same(
    tables[0]!.columns.map((c) => [c.label, c.mean, c.ratio_pct]),
    [
      ['no virtio', 10_758_862, 100],
      ['NIC virtio', 19_057_035, 177.1],
      ['NIC+disk virtio', 23_885_505, 222],
    ],
  );
  t.same(tables[0]!.columns[0]!.runs, [9_768_456, 11_184_355, 1, 11_323_776, 99_999_999], 'every run is in the data for --json');
  t.same(JSON.parse(JSON.stringify(r.tables)), r.tables, 'plain JSON');
});

t.test('labels override, baseline by label, several guests and sizes, loops, skipped results', async (t) => {
  const loop = { changed: false, results: [bench('as is', 100, { a: [1, 2, 3], b: [4, 5, 6] }), bench('as is', 1000, { a: [7, 8, 9] })] };
  const nicLoop = { changed: false, results: [bench('nic', 100, { a: [2, 4, 6] }), bench('nic', 1000, { a: [14, 16, 18] })] };
  const skipped = { changed: false, skipped: true, msg: 'module guest_io_bench does not support check mode' };
  const c = collectTables([loop, nicLoop, skipped], ['before', 'after', 'disk'], 'after');
  t.same(
    c.tables.map((x) => [x.guest, x.size_mb]),
    [
      ['a', 100],
      ['b', 100],
      ['a', 1000],
    ],
  );
  t.same(
    c.tables[0]!.columns.map((x) => [x.label, x.mean, x.ratio_pct, x.baseline]),
    [
      ['before', 2, 50, false],
      ['after', 4, 100, true],
    ],
  );
  t.same(
    c.tables[1]!.columns.map((x) => x.measured),
    [true, false],
    'b was not measured after',
  );
  t.equal(c.tables[1]!.columns[0]!.ratio_pct, null, 'no baseline figure, no ratio');
  t.same(c.empty, ['disk'], 'a configuration without figures is named, in no table');
  const byWhen = { changed: false, skipped: true, results: [{ changed: false, skipped: true, skip_reason: 'Conditional result was False' }] };
  t.same(collectTables([loop, byWhen]).empty, [], 'one skipped by its condition is left out silently');
  const r = await ioBenchTable.run(ctx, { results: [skipped], charts: false });
  t.match(r.msg, /no measurements to tabulate\nno figures for: configuration 1/);
});

t.test('a register rendered as JSON text is read too', async (t) => {
  const c = collectTables([JSON.stringify(base), JSON.stringify(nic)]);
  t.same(
    c.tables[0]!.columns.map((x) => x.ratio_pct),
    [100, 177.1],
  );
});

t.test('bad input is a task error naming what is wrong', async (t) => {
  t.throws(() => collectTables([base, nic], ['one']), /labels has 1 entries but results has 2/);
  t.throws(() => collectTables([base, nic], undefined, 'disk'), /baseline "disk" is not one of the configurations \(no virtio, NIC virtio\)/);
  t.throws(() => collectTables([base], undefined, 3), /baseline 3/);
  t.throws(() => collectTables([42]), /results\[0\] is not a registered guest_io_bench result \(got number\)/);
  t.throws(() => collectTables([{ label: 'x', guests: { g: { runs: [] } } }]), /results\[0\]\.guests\.g has no runs/);
  t.throws(() => collectTables(['not json']), { name: 'TaskError' });
});

t.test('the disk path and the network path: a table each, the bare host as a fourth column', async (t) => {
  const as = (r: Record<string, unknown>, test: string, os?: string) => ({
    ...r,
    test,
    guests: Object.fromEntries(Object.entries(r.guests as object).map(([g, v]) => [g, { ...v, ...(os ? { os } : {}), history_file: '/h/kvm1/win.json' }])),
  });
  const hostDisk = as(bench('bare host', 100, { win: [40, 50, 60] }), 'disk_write', 'host');
  const netBase = as(bench('no virtio', 100, { win: [1, 2, 3] }), 'network_in');
  const netNic = as(bench('NIC virtio', 100, { win: [3, 4, 5] }), 'network_in');
  const netHost = as(bench('bare host', 100, { win: [9, 10, 11] }), 'network_in', 'host');
  const c = collectTables([base, nic, disk, hostDisk, netBase, netNic, netHost]);
  t.same(
    c.tables.map((x) => [x.guest, x.test, x.size_mb, x.columns.map((col) => col.label)]),
    [
      ['win', 'disk_write', 100, ['no virtio', 'NIC virtio', 'NIC+disk virtio', 'bare host']],
      ['win', 'network_in', 100, ['no virtio', 'NIC virtio', 'bare host']],
    ],
  );
  t.same(
    c.tables[1]!.columns.map((x) => x.ratio_pct),
    [100, 200, 500],
    "the network table's own first column is its baseline",
  );
  t.equal(c.tables[1]!.title, 'win: 100 MiB sent into the guest over TCP (network)');
  t.equal(c.tables[0]!.history_file, '/h/kvm1/win.json');
  const byLabel = collectTables([base, netBase, netNic], undefined, 'NIC virtio');
  t.same(
    byLabel.tables.map((x) => x.baseline),
    ['no virtio', 'NIC virtio'],
    'a baseline label a table lacks: its first column',
  );
  // Charts go beside the history when no chart_dir is given.
  const dir = t.testdir({});
  const moved = (r: Record<string, unknown>) => JSON.parse(JSON.stringify(r).replaceAll('/h/kvm1', dir)) as Record<string, unknown>;
  const r = await ioBenchTable.run(ctx, { results: [netBase, netNic, netHost].map(moved) });
  t.same(r.charts, [join(dir, 'win.network_in.100MiB.svg')]);
});

t.test('chart text is escaped, unmeasured columns are marked', async (t) => {
  const { barChartSvg, niceStep } = await import('../../../modules/measure/chart.js');
  const { buildTable } = await import('../../../modules/measure/table.js');
  const svg = barChartSvg(buildTable('<g&"x">: 1 MiB', [{ label: "a<b'", runs: [1e6, 2e6, 3e6] }, { label: 'c' }]));
  t.equal(XMLValidator.validate(svg), true);
  t.match(svg, '&lt;g&amp;&quot;x&quot;&gt;');
  t.match(svg, 'a&lt;b&apos;');
  t.match(svg, '>not measured<');
  t.same([niceStep(23.9), niceStep(0.07), niceStep(480), niceStep(0)], [5, 0.02, 100, 1]);
});

t.test('chart scale: linear from 0, logarithmic past a 20x spread', async (t) => {
  const { chartScale, barChartSvg } = await import('../../../modules/measure/chart.js');
  const { buildTable } = await import('../../../modules/measure/table.js');
  const lin = chartScale([10.8, 19.1, 23.9, 50.3]);
  t.equal(lin.log, false);
  t.same(lin.ticks, [0, 20, 40, 60]);
  t.equal(lin.at(30), 0.5);
  const log = chartScale([4.3, 4.1, 3.5, 2713]);
  t.equal(log.log, true);
  t.same(log.ticks, [1, 10, 100, 1000, 10000]);
  t.equal(log.at(100), 0.5);
  const svg = barChartSvg(
    buildTable('wide', [
      { label: 'guest', runs: [4e6, 4.3e6, 4.4e6] },
      { label: 'bare host', runs: [2.7e9, 2.7e9, 2.8e9] },
    ]),
  );
  t.match(svg, 'MB/s (10^6 bytes/s), log scale;');
  t.equal(XMLValidator.validate(svg), true);
});
