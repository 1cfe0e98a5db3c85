/**
 * The disk write test in a Linux guest: one `/bin/sh -c SCRIPT` through guest-exec per run, with
 * the folder and the size as positional arguments (never pasted into the script). dd writes
 * size_mb blocks of 1 MiB from /dev/zero with O_DIRECT so the guest's page cache does not lie;
 * where O_DIRECT is refused (EINVAL: ramfs, older tmpfs, some FUSE) it falls back to
 * conv=fdatasync (GNU) and then conv=fsync (BusyBox has no fdatasync), both of which time the
 * flush to disk too. The file is removed after each run (and on exit).
 */
import { parseDdCopied, parseDdRecordsOut } from './dd-output.js';

export const DD_MARK = '@@virtplay-dd';
export const DD_MODES = ['oflag=direct', 'conv=fdatasync', 'conv=fsync'] as const;
export type DdMode = (typeof DD_MODES)[number];

/** POSIX sh, BusyBox ash included. $1 = folder, $2 = MiB. /proc/uptime gives the fallback clock. */
export const LINUX_SCRIPT = [
  'export LC_ALL=C',
  'f="$1/.virtplay-io-bench.$$"',
  `trap 'rm -f "$f"' EXIT`,
  `for mode in ${DD_MODES.join(' ')}; do`,
  '  read t0 rest < /proc/uptime',
  '  out=$(dd if=/dev/zero of="$f" bs=1M count="$2" "$mode" 2>&1)',
  '  rc=$?',
  '  read t1 rest < /proc/uptime',
  '  rm -f "$f"',
  '  printf "%s\\n" "$out"',
  `  echo "${DD_MARK} mode=$mode rc=$rc t0=$t0 t1=$t1"`,
  '  [ "$rc" -eq 0 ] && exit 0',
  // Only "this flag is refused" moves on to the next mode; any other error (no space, no such
  // folder, read-only file system) is the answer.
  '  case "$out" in *"nvalid argument"*) ;; *) exit "$rc" ;; esac',
  'done',
  'exit 1',
].join('\n');

/** guest-exec argv: the program and its arguments. */
export function linuxBenchArgv(targetDir: string, sizeMb: number): { path: string; args: string[] } {
  return { path: '/bin/sh', args: ['-c', LINUX_SCRIPT, 'virtplay-io-bench', targetDir, String(Math.trunc(sizeMb))] };
}

export interface WriteRun {
  bytes: number;
  seconds: number;
  bytes_per_sec: number;
  /** How the page cache was kept out: oflag=direct, conv=fdatasync, conv=fsync, or writethrough (Windows). */
  mode: string;
  /**
   * Whose clock: dd's own figure, or the guest's /proc/uptime (10 ms) around dd, or .NET's
   * Stopwatch; a network run's receiving end: the guest's (date +%s.%N, /proc/uptime, Stopwatch)
   * for data into it, the host's (Time::HiRes, or /proc/uptime when it is missing) for data out.
   */
  timing: 'dd' | 'uptime' | 'stopwatch' | 'date' | 'host' | 'host-uptime';
}

export type ParsedRun = { ok: true; run: WriteRun; refused: DdMode[] } | { ok: false; error: string };

interface Attempt {
  mode: DdMode;
  rc: number;
  text: string;
  t0: number;
  t1: number;
}

/** Read the script's output: the dd text of each attempt, then its marker line. */
export function parseLinuxBench(stdout: string, sizeMb: number): ParsedRun {
  const attempts: Attempt[] = [];
  const re = new RegExp(`^${DD_MARK} mode=(\\S+) rc=(\\d+) t0=([\\d.]*) t1=([\\d.]*)$`, 'gm');
  let from = 0;
  for (const m of stdout.matchAll(re)) {
    attempts.push({ mode: m[1] as DdMode, rc: Number(m[2]), text: stdout.slice(from, m.index).trim(), t0: Number(m[3]), t1: Number(m[4]) });
    from = (m.index ?? 0) + m[0].length + 1;
  }
  const last = attempts[attempts.length - 1];
  if (!last) return { ok: false, error: `the benchmark printed no result: ${stdout.trim().slice(0, 300) || '(no output)'}` };
  if (last.rc !== 0) {
    return { ok: false, error: `dd failed (${attempts.map((a) => `${a.mode}: ${lastLine(a.text)}`).join('; ')})` };
  }
  const refused = attempts.slice(0, -1).map((a) => a.mode);
  const copied = parseDdCopied(last.text);
  if (copied && copied.seconds > 0) {
    return { ok: true, refused, run: makeRun(copied.bytes, copied.seconds, last.mode, 'dd') };
  }
  // BusyBox without its third status line: count the records, time with /proc/uptime.
  const records = parseDdRecordsOut(last.text);
  const bytes = records ? records.full * 1048576 : sizeMb * 1048576;
  const seconds = Math.round((last.t1 - last.t0) * 100) / 100;
  if (!(seconds > 0)) {
    return { ok: false, error: `the write finished within the guest clock's 10 ms resolution (dd printed no timing): raise size_mb` };
  }
  return { ok: true, refused, run: makeRun(bytes, seconds, last.mode, 'uptime') };
}

export function makeRun(bytes: number, seconds: number, mode: string, timing: WriteRun['timing']): WriteRun {
  return { bytes, seconds, bytes_per_sec: bytes / seconds, mode, timing };
}

/** dd's own complaint ("dd: ..."), else the last line it printed. */
function lastLine(text: string): string {
  const lines = text.split('\n').filter(Boolean);
  return lines.find((l) => /^dd: /.test(l)) ?? lines.pop() ?? '(no output)';
}
