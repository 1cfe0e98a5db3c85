/**
 * The Windows test's command construction and output parsing only: there is no Windows guest
 * (nor PowerShell) on this machine, so the script itself has not been run here.
 */
import t from 'tap';
import { parseWindowsBench, psQuote, windowsBenchArgv, windowsBenchScript } from '../../../modules/measure/windows-bench.js';

t.test('argv: powershell.exe with the script as -EncodedCommand (base64 of UTF-16LE)', async (t) => {
  const { path, args } = windowsBenchArgv('D:\\bench', 100);
  t.equal(path, 'powershell.exe');
  t.same(args.slice(0, 5), ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
  t.equal(args.length, 6);
  t.equal(Buffer.from(args[5]!, 'base64').toString('utf16le'), windowsBenchScript('D:\\bench', 100));
  t.match(args[5]!, /^[A-Za-z0-9+/]+=*$/, 'nothing for a command line to mangle');
});

t.test('the script writes N MiB with WriteThrough, times it, removes the file', async (t) => {
  const s = windowsBenchScript('D:\\bench', 100);
  t.match(s, /^\$dir = 'D:\\bench'$/m);
  t.match(s, /^\$mb = 100$/m);
  t.match(s, /\[IO\.FileOptions\]::WriteThrough/);
  t.match(s, /\[IO\.FileMode\]::CreateNew/, 'never overwrites an existing file');
  t.match(s, /-ArgumentList 1048576/);
  t.match(s, /Stopwatch/);
  t.match(s, /finally \{\n {2}\$fs\.Dispose\(\)\n {2}Remove-Item -LiteralPath \$f/);
  t.match(s, /InvariantCulture/, 'a decimal point whatever the guest locale');
  t.match(windowsBenchScript(undefined, 5), /^\$dir = \[IO\.Path\]::GetTempPath\(\)$/m);
  t.match(windowsBenchScript('C:\\x', 12.9), /^\$mb = 12$/m);
});

t.test('folder names are PowerShell single-quoted literals, typographic quotes included', async (t) => {
  t.equal(psQuote("C:\\it's"), "'C:\\it''s'");
  t.equal(psQuote('C:\\a\u2019b'), "'C:\\a\u2019\u2019b'");
  t.equal(psQuote('C:\\$(evil) `x` "y"'), '\'C:\\$(evil) `x` "y"\'', '$, backtick and " are literal inside single quotes');
  t.match(windowsBenchScript("C:\\it's", 1), /^\$dir = 'C:\\it''s'$/m);
});

t.test('output parsing', async (t) => {
  const ok = parseWindowsBench('@@virtplay-ps bytes=104857600 seconds=2.5\r\n', '', 0);
  t.ok(ok.ok);
  if (ok.ok) t.same(ok.run, { bytes: 104_857_600, seconds: 2.5, bytes_per_sec: 41_943_040, mode: 'writethrough', timing: 'stopwatch' });
  const r = parseWindowsBench('@@virtplay-ps bytes=1048576 seconds=1.2345678901234567E-05\r\n', '', 0);
  t.ok(r.ok && r.run.seconds === 1.2345678901234568e-5, "the 'R' format's exponent");
  const bad = parseWindowsBench('', 'New-Object : Exception calling ".ctor": "Could not find a part of the path \'Z:\\x\'."\r\nAt line:6 char:7\r\n', 1);
  t.notOk(bad.ok);
  if (!bad.ok) t.match(bad.error, /Could not find a part of the path/);
});
