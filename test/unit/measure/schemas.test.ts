/** The measuring modules' schemas: valid JSON Schema, and they accept what the playbook passes. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { ajvInstance } from '../../../engine/playbook/ajv.js';
import { guestIoBench, settings } from '../../../modules/measure/guest-io-bench.js';
import { hostIoBench } from '../../../modules/measure/host-io-bench.js';
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
    sizeMb: 10,
    runs: 3,
    targetDir: undefined,
    historyFile: undefined,
    os: 'auto',
    timeoutMs: 600_000,
    agentTimeoutMs: 120_000,
    record: true,
    label: null,
  });
  t.match(settings({}), { sizeMb: 100, runs: 5 });
  t.notOk(v({ runs: 2.5 }));
  t.notOk(v({ network: true }), 'an unknown argument');
  t.ok(v({ test: 'network_in', host_address: '192.168.122.1', bind_address: '192.168.122.1', port: '5201', connect_timeout: '10' }));
  t.notOk(v({ test: 'network' }), 'the tests are named');
  t.notOk(v({ port: 65536 }));
  t.match(settings({ test: 'network_out', port: '5201' }), { test: 'network_out', port: 5201, hostAddress: '', bindAddress: '0.0.0.0', connectTimeoutSec: 30 });
  t.match(settings({}), { test: 'disk_write', port: 0 });
  t.notOk(v({ os: 'bsd' }));
  t.equal(guestIoBench.checkMode, 'none', 'writes a file in the guest: skipped under --check');
});

t.test('host_io_bench', async (t) => {
  const v = ajv.compile(schema(hostIoBench.name));
  t.ok(v({ guests: '*', test: 'disk_write', label: 'bare host', size_mb: '100', runs: 5, host_dir: '/var/lib/libvirt/images', history_file: '' }));
  t.ok(v({ test: 'network_in', port: 0 }));
  t.notOk(v({ target_dir: '/tmp' }), 'a folder on the host is host_dir');
  t.notOk(v({ host_address: 'x' }), 'the loopback needs no address');
  t.equal(hostIoBench.checkMode, 'none', 'writes a file on the host: skipped under --check');
});

t.test('io_bench_table', async (t) => {
  const v = ajv.compile(schema(ioBenchTable.name));
  t.ok(v({ results: [{ guests: {} }, { results: [] }], labels: ['a', 'b'], baseline: 'a' }));
  t.ok(v({ results: [{}], baseline: 0 }));
  t.notOk(v({}), 'results is required');
  t.notOk(v({ results: [] }));
  t.notOk(v({ results: [{}], baseline: -1 }));
  t.equal(ioBenchTable.checkMode, 'plan');
  t.ok(v({ results: [{}], charts: false, chart_dir: '/tmp/charts' }));
  t.notOk(v({ results: [{}], chart_dir: '' }));
});
