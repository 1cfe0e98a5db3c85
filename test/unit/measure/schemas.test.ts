/** The two modules' schemas: valid JSON Schema, and they accept what the playbook passes. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { ajvInstance } from '../../../engine/playbook/ajv.js';
import { guestIoBench, settings } from '../../../modules/measure/guest-io-bench.js';
import { ioBenchTable } from '../../../modules/measure/io-bench-table.js';

const schema = (name: string): object => JSON.parse(readFileSync(new URL(`../../../schemas/modules/${name}.schema.json`, import.meta.url), 'utf8')) as object;
// The engine's own validator for module arguments (scalars converted as Ansible's arg spec does).
const ajv = ajvInstance('coerce');

t.test('guest_io_bench', async (t) => {
  const v = ajv.compile(schema(guestIoBench.name));
  t.ok(v({ guests: 'win*', exclude: ['win-test'], label: 'no virtio', size_mb: 100, runs: 5, target_dir: '/mnt/disk', os: 'auto' }));
  t.ok(v({}));
  t.notOk(v({ size_mb: 0 }));
  t.ok(v({ size_mb: '10', runs: '3', target_dir: '', history_file: '' }), '-e key=value strings; empty = default');
  t.notOk(v({ size_mb: 'ten' }));
  t.match(settings({ size_mb: '10', runs: '3', target_dir: '', history_file: '' }), {
    sizeMb: 10, runs: 3, targetDir: undefined, historyFile: undefined, os: 'auto', timeoutMs: 600_000, agentTimeoutMs: 120_000, record: true, label: null,
  });
  t.match(settings({}), { sizeMb: 100, runs: 5 });
  t.notOk(v({ runs: 2.5 }));
  t.notOk(v({ network: true }), 'no network test (see the module doc)');
  t.notOk(v({ os: 'bsd' }));
  t.equal(guestIoBench.checkMode, 'none', 'writes a file in the guest: skipped under --check');
  t.notOk(guestIoBench.readOnly);
});

t.test('io_bench_table', async (t) => {
  const v = ajv.compile(schema(ioBenchTable.name));
  t.ok(v({ results: [{ guests: {} }, { results: [] }], labels: ['a', 'b'], baseline: 'a' }));
  t.ok(v({ results: [{}], baseline: 0 }));
  t.notOk(v({}), 'results is required');
  t.notOk(v({ results: [] }));
  t.notOk(v({ results: [{}], baseline: -1 }));
  t.equal(ioBenchTable.checkMode, 'plan');
  t.equal(ioBenchTable.readOnly, true);
});
