/**
 * One table as an SVG bar chart: a bar per configuration, side by side, its height the mean
 * (MB/s, decimal as the article's bytes/s figures divided by 10^6), the ratio to the baseline on
 * the bar and the mean under it. Where the means span more than 20x (the bare host against a
 * guest under emulation), the axis is logarithmic, one gridline per power of ten, and says so;
 * otherwise linear from 0. Hand-written SVG: a dozen elements per chart do not need a
 * charting library (vega-lite would bring vega, d3 and a renderer, megabytes, for the same
 * rectangles). Pure: text in, text out; every string from the table is escaped.
 */
import type { BenchTable } from './table.js';
import { formatRatio } from './format.js';

const W = 640;
const H = 380;
const PAD = { top: 56, right: 24, bottom: 78, left: 72 };
const COLORS = ['#8c8c8c', '#4e79a7', '#59a14f', '#f28e2b', '#b07aa1', '#e15759'];

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** A round axis step for values up to max (1, 2 or 5 times a power of ten). */
export function niceStep(max: number, ticks = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

const mbps = (bytesPerSec: number): number => bytesPerSec / 1e6;
const fmt = (v: number): string =>
  Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 0.01 ? v.toFixed(2) : v.toPrecision(1);

/** How a value maps to the plot's height (0..1), and the gridlines to draw. */
interface Scale {
  log: boolean;
  at(v: number): number;
  ticks: number[];
}

export function chartScale(values: readonly number[]): Scale {
  const pos = values.filter((v) => v > 0);
  const max = Math.max(0, ...pos);
  const min = Math.min(...pos);
  if (pos.length > 1 && max / min > 20) {
    const lo = Math.floor(Math.log10(min));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
    const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
    return { log: true, at: (v) => (v > 0 ? (Math.log10(v) - lo) / (hi - lo) : 0), ticks };
  }
  const step = niceStep(max);
  const top = step * Math.max(1, Math.ceil(max / step));
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { log: false, at: (v) => v / top, ticks };
}

export function barChartSvg(t: BenchTable): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const means = t.columns.map((c) => (c.mean === null ? null : mbps(c.mean)));
  const scale = chartScale(means.filter((m): m is number => m !== null));
  const y = (v: number): number => PAD.top + plotH - scale.at(v) * plotH;
  const slot = plotW / Math.max(1, t.columns.length);
  const barW = Math.min(96, slot * 0.6);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(t.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(t.title)}</text>`,
    `<text x="${W / 2}" y="40" text-anchor="middle" fill="#555555">mean of the kept runs, MB/s (10^6 bytes/s)${scale.log ? ', log scale' : ''}; ratio to ${escapeXml(t.baseline)}</text>`,
  ];
  for (const v of scale.ticks) {
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${PAD.left}" y1="${yy}" x2="${W - PAD.right}" y2="${yy}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${PAD.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#555555">${fmt(v)}</text>`);
  }
  out.push(`<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="#333333"/>`);
  t.columns.forEach((c, i) => {
    const cx = PAD.left + slot * i + slot / 2;
    const m = means[i];
    const label = `<text x="${cx.toFixed(1)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${escapeXml(c.label)}</text>`;
    if (m === null || m === undefined) {
      out.push(label, `<text x="${cx.toFixed(1)}" y="${PAD.top + plotH - 8}" text-anchor="middle" fill="#999999">not measured</text>`);
      return;
    }
    const yTop = y(m);
    const color = c.baseline ? (COLORS[0] as string) : (COLORS[1 + ((i - 1 + COLORS.length - 1) % (COLORS.length - 1))] as string);
    out.push(
      `<rect x="${(cx - barW / 2).toFixed(1)}" y="${yTop.toFixed(1)}" width="${barW.toFixed(1)}" height="${(PAD.top + plotH - yTop).toFixed(1)}" fill="${color}"><title>${escapeXml(`${c.label}: ${c.mean} bytes/s`)}</title></rect>`,
      `<text x="${cx.toFixed(1)}" y="${(yTop - 6).toFixed(1)}" text-anchor="middle" font-weight="bold">${c.ratio_pct === null ? '-' : escapeXml(formatRatio(c.ratio_pct, c.baseline))}</text>`,
      label,
      `<text x="${cx.toFixed(1)}" y="${PAD.top + plotH + 34}" text-anchor="middle" fill="#555555">${fmt(m)} MB/s</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
