import t from 'tap';
import { ioBenchTable } from '../../../modules/measure/io-bench-table.js';
import { collectTables } from '../../../modules/measure/collect-results.js';
import type { TaskContext } from '../../../engine/module.js';

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

const ctx = {} as TaskContext; // io_bench_table reads nothing from its context

t.test('Table 1 from three registered results', async (t) => {
  const r = await ioBenchTable.run(ctx, { results: [base, nic, disk] });
  t.equal(r.changed, false);
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
    ].join('\n'),
  );
  const tables = r.tables as { guest: string; size_mb: number; baseline: string; columns: { label: string; mean: number; ratio_pct: number; runs: number[] }[] }[];
  t.equal(tables.length, 1);
  t.match(tables[0], { guest: 'win', size_mb: 100, baseline: 'no virtio', unit: 'bytes/s' });
  t.same(tables[0]!.columns.map((c) => [c.label, c.mean, c.ratio_pct]), [
    ['no virtio', 10_758_862, 100],
    ['NIC virtio', 19_057_035, 177.1],
    ['NIC+disk virtio', 23_885_505, 222],
  ]);
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
  t.same(c.tables[0]!.columns.map((x) => [x.label, x.mean, x.ratio_pct, x.baseline]), [
    ['before', 2, 50, false],
    ['after', 4, 100, true],
    ['disk', null, null, false],
  ]);
  t.same(c.tables[1]!.columns.map((x) => x.measured), [true, false, false], 'b was not measured after');
  t.equal(c.tables[1]!.columns[0]!.ratio_pct, null, 'no baseline figure, no ratio');
  t.same(c.empty, ['disk']);
  const r = await ioBenchTable.run(ctx, { results: [skipped] });
  t.match(r.msg, /no measurements to tabulate\nno figures for: configuration 1/);
});

t.test('a register rendered as JSON text is read too', async (t) => {
  const c = collectTables([JSON.stringify(base), JSON.stringify(nic)]);
  t.same(c.tables[0]!.columns.map((x) => x.ratio_pct), [100, 177.1]);
});

t.test('bad input is a task error naming what is wrong', async (t) => {
  t.throws(() => collectTables([base, nic], ['one']), /labels has 1 entries but results has 2/);
  t.throws(() => collectTables([base, nic], undefined, 'disk'), /baseline "disk" is not one of the configurations \(no virtio, NIC virtio\)/);
  t.throws(() => collectTables([base], undefined, 3), /baseline 3/);
  t.throws(() => collectTables([42]), /results\[0\] is not a registered guest_io_bench result \(got number\)/);
  t.throws(() => collectTables([{ label: 'x', guests: { g: { runs: [] } } }]), /results\[0\]\.guests\.g has no runs/);
  t.throws(() => collectTables(['not json']), { name: 'TaskError' });
});
