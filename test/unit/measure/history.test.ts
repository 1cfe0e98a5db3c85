import t from 'tap';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendHistory,
  defaultHistoryPath,
  HistoryFormatError,
  pathComponent,
  previousRecord,
  readHistory,
  stateHome,
  type MeasurementRecord,
} from '../../../modules/measure/history.js';

const rec = (label: string, mean: number, size = 100, guest = 'win'): MeasurementRecord => ({
  time: `2025-01-01T00:00:0${mean % 10}Z`,
  host: 'kvm1',
  guest,
  uuid: '6b4f3c1e-0000-4000-8000-000000000001',
  label,
  test: 'disk_write',
  size_mb: size,
  target_dir: '/var/tmp',
  os: 'linux',
  mode: 'oflag=direct',
  runs: [mean],
  kept: [mean],
  mean,
  min: mean,
  max: mean,
});

t.test('default path: XDG_STATE_HOME, else ~/.local/state; names made safe', async (t) => {
  t.equal(defaultHistoryPath('kvm1', 'win', { XDG_STATE_HOME: '/s', HOME: '/h' }), '/s/virtplay/measurements/kvm1/win.json');
  t.equal(defaultHistoryPath('kvm1', 'win', { HOME: '/h' }), '/h/.local/state/virtplay/measurements/kvm1/win.json');
  t.equal(stateHome({ XDG_STATE_HOME: 'relative', HOME: '/h' }), '/h/.local/state', 'a relative XDG_STATE_HOME is ignored (XDG spec)');
  t.equal(pathComponent('../etc/passwd'), '.._etc_passwd');
  t.equal(pathComponent('..'), '_..');
  t.equal(pathComponent('user@host:2222'), 'user@host:2222');
});

t.test('append, read back, compare with the previous record', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vp-hist-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'a', 'b', 'win.json');
  let h = await readHistory(path);
  t.same(h, { version: 1, records: [] }, 'a missing file is an empty history');
  await appendHistory(path, h, rec('no virtio', 10));
  h = await readHistory(path);
  await appendHistory(path, h, rec('NIC virtio', 20));
  await appendHistory(path, await readHistory(path), rec('no virtio', 12, 1000));
  h = await readHistory(path);
  t.same(
    h.records.map((r) => r.mean),
    [10, 20, 12],
  );
  t.same(readdirSync(join(dir, 'a', 'b')), ['win.json'], 'no temporary file left');
  t.match(readFileSync(path, 'utf8'), /^\{\n {2}"version": 1,/);
  t.equal(previousRecord(h, rec('no virtio', 0))?.mean, 10, 'same label and size first');
  t.equal(previousRecord(h, rec('NIC+disk virtio', 0))?.mean, 20, 'else the latest of the same size');
  t.equal(previousRecord(h, rec('no virtio', 0, 100, 'other')), undefined, 'never another guest');
});

t.test('a damaged file is reported, never overwritten by the reader', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vp-hist-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'x.json');
  writeFileSync(path, '{"version": 1, "records": [');
  await t.rejects(readHistory(path), HistoryFormatError);
  writeFileSync(path, '[]');
  await t.rejects(readHistory(path), /not a virtplay measurement history/);
  t.equal(readFileSync(path, 'utf8'), '[]');
});
