/** How the figures are printed: the article's style (thousands separators, one-decimal ratios). */

/** 10758862 -> "10,758,862" (whole bytes/s; the separator is always a comma, whatever the locale). */
export function groupThousands(n: number): string {
  const s = Math.round(Math.abs(n)).toString();
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 177.1 -> "177.1%"; the baseline itself prints "100%" as in the article. */
export function formatRatio(pct: number, isBaseline = false): string {
  return isBaseline ? '100%' : `${pct.toFixed(1)}%`;
}

/** Human-readable rate for one-line summaries: 10758862 -> "10.8 MB/s" (SI units, as dd prints). */
export function formatRate(bytesPerSec: number): string {
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'];
  let v = bytesPerSec;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
