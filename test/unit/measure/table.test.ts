/**
 * The seed article's own Table 1 (fixtures/article-table1.txt is copied verbatim from the article;
 * its cells run together without separators, so the per-run figures are written out here and the
 * test checks that they print back to the article's very lines).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { buildTable, renderTable } from '../../../modules/measure/table.js';
import { groupThousands, formatRatio } from '../../../modules/measure/format.js';
import { trimmedStats, ratioPercent } from '../../../modules/measure/stats.js';

const LABELS = ['no virtio', 'NIC virtio', 'NIC+disk virtio', 'host Linux'];
const article = readFileSync(new URL('./fixtures/article-table1.txt', import.meta.url), 'utf8').split('\n');

/** The three kept runs per column, per size, as the article prints them. */
const KEPT = {
  '100M': [
    [9_768_456, 11_184_355, 11_323_776],
    [18_448_466, 19_277_377, 19_445_261],
    [23_060_460, 23_868_970, 24_727_084],
    [50_018_009, 50_424_430, 50_502_244],
  ],
  '1000M': [
    [9_442_375, 9_824_460, 10_307_215],
    [14_776_960, 14_979_757, 15_478_836],
    [14_884_233, 15_104_564, 15_317_783],
    [32_380_259, 32_838_428, 34_263_982],
  ],
};

/** The article's lines for one size: 3 run rows, 平均 (mean), 比率 (ratio). */
function section(size: '100M' | '1000M'): string[] {
  const start = article.findIndex((l) => l.startsWith(`${size}バイト`));
  const rows = article.slice(start + 1).filter((l) => /^([\d,]+$|平均|比率)/.test(l));
  return rows.slice(0, 5);
}

for (const size of ['100M', '1000M'] as const) {
  t.test(`article Table 1, ${size}B: the per-run figures are the article's`, async (t) => {
    const lines = section(size);
    KEPT[size][0]!.forEach((_, row) => {
      t.equal(`${row + 1}${KEPT[size].map((col) => groupThousands(col[row]!)).join('')}`, lines[row]);
    });
  });

  t.test(`article Table 1, ${size}B: means and ratios come out exactly as printed`, async (t) => {
    const lines = section(size);
    const table = buildTable(
      `article ${size}B`,
      KEPT[size].map((kept, i) => ({ label: LABELS[i]!, kept })),
    );
    t.equal(`平均${table.columns.map((c) => groupThousands(c.mean!)).join('')}`, lines[3]);
    t.equal(`比率${table.columns.map((c) => formatRatio(c.ratio_pct!, c.baseline)).join('')}`, lines[4]);
  });
}

t.test('the figures the issue names', async (t) => {
  const table = buildTable(
    '100MB',
    KEPT['100M'].map((kept, i) => ({ label: LABELS[i]!, kept })),
  );
  t.same(
    table.columns.map((c) => c.mean),
    [10_758_862, 19_057_035, 23_885_505, 50_314_894],
  );
  t.same(
    table.columns.map((c) => c.ratio_pct),
    [100, 177.1, 222, 467.7],
  );
  t.same(
    table.columns.map((c) => formatRatio(c.ratio_pct!, c.baseline)),
    ['100%', '177.1%', '222.0%', '467.7%'],
  );
});

t.test('5 runs: the highest and the lowest are dropped, the mean is of the other 3', async (t) => {
  // The article's kept runs of "no virtio" plus one lower and one higher run that must not count.
  const s = trimmedStats([11_184_355, 1_000, 9_768_456, 99_000_000, 11_323_776]);
  t.same(s.kept, [9_768_456, 11_184_355, 11_323_776]);
  t.equal(Math.round(s.mean), 10_758_862);
  t.equal(s.min, 1_000);
  t.equal(s.max, 99_000_000);
  t.same(s.runs, [11_184_355, 1_000, 9_768_456, 99_000_000, 11_323_776], 'runs keep the measured order');
  // Ties: only one of the equal highest values is dropped.
  t.same(trimmedStats([5, 5, 5, 1, 9]).kept, [5, 5, 5]);
  t.same(trimmedStats([7, 7]).kept, [7, 7], 'below 3 runs nothing is dropped');
  t.throws(() => trimmedStats([]), RangeError);
  t.throws(() => trimmedStats([1, Number.NaN]), RangeError);
  t.throws(() => ratioPercent(1, 0), RangeError);
});

t.test('the rendered table: one column per configuration, rows per kept run, mean and ratio', async (t) => {
  const runs5 = [11_184_355, 1_000, 9_768_456, 99_000_000, 11_323_776];
  const table = buildTable('vm1: 100 MiB written', [
    { label: 'no virtio', runs: runs5 },
    { label: 'NIC virtio', kept: KEPT['100M'][1] },
    { label: 'NIC+disk virtio' },
  ]);
  t.equal(
    renderTable(table),
    [
      'vm1: 100 MiB written (bytes/s; runs kept after dropping the highest and the lowest)',
      '        no virtio  NIC virtio  NIC+disk virtio',
      '1       9,768,456  18,448,466                -',
      '2      11,184,355  19,277,377                -',
      '3      11,323,776  19,445,261                -',
      'mean   10,758,862  19,057,035                -',
      'ratio        100%      177.1%                -',
    ].join('\n'),
  );
  t.equal(table.columns[2]!.measured, false);
  t.equal(table.columns[2]!.ratio_pct, null);
  t.same(table.columns[0]!.runs, runs5, 'structured data keeps every run, the dropped ones too');
});
