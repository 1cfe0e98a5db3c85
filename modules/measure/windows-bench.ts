/**
 * The disk write test in a Windows guest: PowerShell (2.0 and later) writes size_mb blocks of
 * 1 MiB through a FileStream opened with FileOptions.WriteThrough (FILE_FLAG_WRITE_THROUGH: each
 * write reaches the disk before it returns, the counterpart of dd's synced output), timed with
 * .NET's Stopwatch, then deletes the file. The script travels as -EncodedCommand (base64 of
 * UTF-16LE), so no quoting of the guest's command line is involved; the folder is a PowerShell
 * single-quoted literal.
 */
import { makeRun, type ParsedRun } from './linux-bench.js';

export const PS_MARK = '@@virtplay-ps';

/** A PowerShell single-quoted string: ' doubles, and so do the typographic quotes PowerShell also accepts. */
export function psQuote(s: string): string {
  return `'${s.replace(/['\u2018\u2019\u201A\u201B]/g, '$&$&')}'`;
}

/** The script; without targetDir it writes to the agent's temporary folder ([IO.Path]::GetTempPath()). */
export function windowsBenchScript(targetDir: string | undefined, sizeMb: number): string {
  const mb = Math.trunc(sizeMb);
  return [
    "$ErrorActionPreference = 'Stop'",
    `$dir = ${targetDir === undefined ? '[IO.Path]::GetTempPath()' : psQuote(targetDir)}`,
    `$mb = ${mb}`,
    "$f = Join-Path $dir ('.virtplay-io-bench.' + [Guid]::NewGuid().ToString('N'))",
    '$buf = New-Object -TypeName byte[] -ArgumentList 1048576',
    '$fs = New-Object -TypeName IO.FileStream -ArgumentList @($f, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None, 4096, [IO.FileOptions]::WriteThrough)',
    'try {',
    '  $sw = [Diagnostics.Stopwatch]::StartNew()',
    '  for ($i = 0; $i -lt $mb; $i++) { $fs.Write($buf, 0, $buf.Length) }',
    '  $fs.Flush()',
    '  $sw.Stop()',
    '} finally {',
    '  $fs.Dispose()',
    '  Remove-Item -LiteralPath $f -Force -ErrorAction SilentlyContinue',
    '}',
    `'${PS_MARK} bytes=' + ([long]$mb * 1048576) + ' seconds=' + $sw.Elapsed.TotalSeconds.ToString('R', [Globalization.CultureInfo]::InvariantCulture)`,
  ].join('\n');
}

/** guest-exec argv for the Windows agent (CreateProcess finds powershell.exe in System32). */
export function windowsBenchArgv(targetDir: string | undefined, sizeMb: number): { path: string; args: string[] } {
  const encoded = Buffer.from(windowsBenchScript(targetDir, sizeMb), 'utf16le').toString('base64');
  return { path: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encoded] };
}

export function parseWindowsBench(stdout: string, stderr: string, exitcode: number): ParsedRun {
  const m = new RegExp(`^${PS_MARK} bytes=(\\d+) seconds=([\\d.]+(?:E[-+]?\\d+)?)\\s*$`, 'im').exec(stdout);
  if (exitcode !== 0 || !m) {
    const why = stderr.trim().split(/\r?\n/).filter(Boolean).slice(0, 3).join(' ') || stdout.trim().slice(0, 300) || `exit status ${exitcode}`;
    return { ok: false, error: `the PowerShell write test failed: ${why}` };
  }
  const bytes = Number(m[1]);
  const seconds = Number(m[2]);
  if (!(seconds > 0)) return { ok: false, error: 'the PowerShell write test reported 0 seconds: raise size_mb' };
  return { ok: true, refused: [], run: makeRun(bytes, seconds, 'writethrough', 'stopwatch') };
}
