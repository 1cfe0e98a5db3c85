/**
 * io_bench_table: the seed article's Table 1 from registered guest_io_bench results of several
 * configurations: per guest and size, one column per configuration, the kept runs, the mean and
 * the ratio against the baseline. The text goes to msg; the figures to `tables` (register, --json).
 */
import type { ModuleDef } from '../../engine/module.js';
import { collectTables } from './collect-results.js';
import { renderTable } from './table.js';

export interface IoBenchTableArgs {
  results: unknown[];
  labels?: string[];
  baseline?: string | number;
}

export const ioBenchTable: ModuleDef<IoBenchTableArgs> = {
  name: 'io_bench_table',
  description: "print the seed article's Table 1 (runs, mean, ratio to the baseline) from registered guest_io_bench results",
  checkMode: 'plan',
  readOnly: true,
  async run(_ctx, args) {
    const { tables, empty } = collectTables(args.results, args.labels, args.baseline ?? 0);
    const notes = empty.length > 0 ? [`no figures for: ${empty.join(', ')} (skipped, e.g. under --check, or not measured)`] : [];
    if (tables.length === 0) return { changed: false, msg: ['no measurements to tabulate', ...notes].join('\n'), tables };
    return { changed: false, msg: [...tables.map(renderTable), ...notes].join('\n\n'), tables };
  },
};
