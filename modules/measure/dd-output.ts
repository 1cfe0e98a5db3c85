/**
 * What dd prints when it finishes (on stderr), for GNU coreutils and BusyBox (run with LC_ALL=C):
 *   GNU 8.24+:  `104857600 bytes (105 MB, 100 MiB) copied, 0.9 s, 116 MB/s`
 *   GNU older:  `104857600 bytes (105 MB) copied, 0.9 s, 116 MB/s`
 *   BusyBox:    `104857600 bytes (100.0MB) copied, 0.900000 seconds, 111.1MB/s`, but only when
 *               built with FEATURE_DD_THIRD_STATUS_LINE; Debian's busybox prints the two
 *               "records" lines and nothing else, so the caller times the run itself.
 * dd's own byte count and seconds are preferred: they time the copy alone, not the process start.
 */

export interface DdFigures {
  bytes: number;
  seconds: number;
  /** Which dd printed it. */
  flavour: 'gnu' | 'busybox';
}

const COPIED = /^(\d+) bytes?(?: \([^)\n]*\))? copied, (\d+(?:\.\d+)?(?:e[-+]?\d+)?) (s|seconds), /m;
const RECORDS_OUT = /^(\d+)\+(\d+) records out$/m;

/** The "bytes ... copied, X s" line, or null when dd did not print one. */
export function parseDdCopied(text: string): DdFigures | null {
  const m = COPIED.exec(text);
  if (!m) return null;
  return { bytes: Number(m[1]), seconds: Number(m[2]), flavour: m[3] === 's' ? 'gnu' : 'busybox' };
}

/** Full and partial output records ("100+0 records out"), or null. */
export function parseDdRecordsOut(text: string): { full: number; partial: number } | null {
  const m = RECORDS_OUT.exec(text);
  return m ? { full: Number(m[1]), partial: Number(m[2]) } : null;
}
