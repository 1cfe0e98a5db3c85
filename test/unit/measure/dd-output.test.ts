import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDdCopied, parseDdRecordsOut } from '../../../modules/measure/dd-output.js';
import { linuxBenchArgv, LINUX_SCRIPT, parseLinuxBench } from '../../../modules/measure/linux-bench.js';

const sample = (name: string): string => readFileSync(new URL(`./fixtures/dd-${name}.out`, import.meta.url), 'utf8');

t.test('GNU dd: its own bytes and seconds are used', async (t) => {
  const r = parseLinuxBench(sample('gnu-disk'), 8);
  t.ok(r.ok);
  if (!r.ok) return;
  t.same(r.refused, []);
  t.match(r.run, { bytes: 8_388_608, seconds: 0.00698316, mode: 'oflag=direct', timing: 'dd' });
  t.equal(r.run.bytes_per_sec, 8_388_608 / 0.00698316);
});

t.test('GNU dd where O_DIRECT is refused (ramfs): falls back to conv=fdatasync', async (t) => {
  const r = parseLinuxBench(sample('gnu-ramfs'), 8);
  t.ok(r.ok);
  if (!r.ok) return;
  t.same(r.refused, ['oflag=direct']);
  t.match(r.run, { bytes: 8_388_608, seconds: 0.00324418, mode: 'conv=fdatasync', timing: 'dd' });
});

t.test("Debian's BusyBox dd prints no timing: records out and the guest's /proc/uptime", async (t) => {
  const r = parseLinuxBench(sample('busybox-disk'), 8);
  t.ok(r.ok);
  if (!r.ok) return;
  t.match(r.run, { bytes: 8_388_608, seconds: 0.03, mode: 'oflag=direct', timing: 'uptime' });
  const rr = parseLinuxBench(sample('busybox-ramfs'), 8);
  t.ok(rr.ok);
  if (!rr.ok) return;
  t.same(rr.refused, ['oflag=direct', 'conv=fdatasync'], 'BusyBox has no conv=fdatasync either');
  t.match(rr.run, { mode: 'conv=fsync', timing: 'uptime', seconds: 0.01 });
});

t.test('BusyBox with its third status line (format from busybox dd.c)', async (t) => {
  const text = '100+0 records in\n100+0 records out\n104857600 bytes (100.0MB) copied, 0.912345 seconds, 109.6MB/s\n';
  t.same(parseDdCopied(text), { bytes: 104_857_600, seconds: 0.912345, flavour: 'busybox' });
  const out = `${text}@@virtplay-dd mode=oflag=direct rc=0 t0=10.00 t1=11.00\n`;
  const r = parseLinuxBench(out, 100);
  t.ok(r.ok && r.run.timing === 'dd' && r.run.seconds === 0.912345, "dd's figure wins over the uptime clock");
});

t.test('older GNU dd and small copies', async (t) => {
  t.same(parseDdCopied('104857600 bytes (105 MB) copied, 1.5 s, 69.9 MB/s'), { bytes: 104_857_600, seconds: 1.5, flavour: 'gnu' });
  t.same(parseDdCopied('512 bytes copied, 3.1e-05 s, 16.5 MB/s'), { bytes: 512, seconds: 3.1e-5, flavour: 'gnu' });
  t.same(parseDdRecordsOut('3+1 records in\n3+1 records out\n'), { full: 3, partial: 1 });
  t.equal(parseDdCopied('8+0 records out'), null);
});

t.test('errors other than a refused flag are the answer: no fallback, dd says why', async (t) => {
  const full = parseLinuxBench(sample('gnu-full'), 4);
  t.notOk(full.ok);
  if (!full.ok) t.match(full.error, /oflag=direct: .*No space left on device/);
  t.notOk(sample('gnu-full').includes('mode=conv='), 'the script did not try again');
  const nodir = parseLinuxBench(sample('gnu-nodir'), 1);
  t.notOk(nodir.ok);
  if (!nodir.ok) t.match(nodir.error, /No such file or directory/);
  const none = parseLinuxBench('sh: /proc/uptime: not found\n', 1);
  t.notOk(none.ok);
  if (!none.ok) t.match(none.error, /printed no result: sh: \/proc\/uptime/);
});

t.test('uptime timing below its resolution is refused, not divided by zero', async (t) => {
  const r = parseLinuxBench('1+0 records in\n1+0 records out\n@@virtplay-dd mode=oflag=direct rc=0 t0=5.00 t1=5.00\n', 1);
  t.notOk(r.ok);
  if (!r.ok) t.match(r.error, /raise size_mb/);
});

t.test('the script itself, run here with GNU dd and with BusyBox (sh and dd): argv, result, file removed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vp-bench-'));
  const bb = mkdtempSync(join(tmpdir(), 'vp-bb-'));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(bb, { recursive: true, force: true });
  });
  symlinkSync('/bin/busybox', join(bb, 'dd'));
  const { path, args } = linuxBenchArgv(dir, 4);
  t.equal(path, '/bin/sh');
  t.same(args, ['-c', LINUX_SCRIPT, 'virtplay-io-bench', dir, '4'], 'folder and size are arguments, not script text');
  for (const [shell, pre, timing] of [
    [['/bin/sh'], '', 'dd'],
    [['/bin/busybox', 'sh'], `${bb}:`, 'uptime'],
  ] as const) {
    const out = execFileSync(shell[0], [...shell.slice(1), ...args], { env: { ...process.env, PATH: `${pre}${process.env.PATH}` }, encoding: 'utf8' });
    const r = parseLinuxBench(out, 4);
    if (timing === 'uptime' && !r.ok) {
      // 4 MiB may be written within /proc/uptime's 10 ms: then the honest answer is that error.
      t.match(r.error, /within the guest clock's 10 ms resolution/, `${shell.join(' ')}: ${out}`);
    } else {
      t.ok(r.ok, `${shell.join(' ')}: ${out}`);
      if (r.ok) t.match(r.run, { bytes: 4 * 1048576, timing });
    }
    t.same(readdirSync(dir), [], 'the test file is gone');
  }
});

t.test('a hostile folder name stays one argument', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'vp-bench-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const { args } = linuxBenchArgv(join(base, `it's $(touch ${base}/pwned)`), 1);
  const out = spawnSync('/bin/sh', args, { encoding: 'utf8' }).stdout;
  t.notOk(parseLinuxBench(out, 1).ok, 'the folder does not exist: dd fails');
  t.same(readdirSync(base), [], 'nothing was executed from the name');
});
