/**
 * @module bench/capacity/report
 * The HTML report of the capacity benchmark: one table per dataset with the methods side by side
 * (reported figures, then the tuning figures), the methods and protocol notes, and inline SVG
 * charts (no dependencies) of a few series: actuals against homeostat's forecasts with the
 * interval band, origins as dashed lines.
 */
import { benchReportPage, datasetTablesHtml, escapeHtml } from '../report-html.js';
import type { CapacityBenchMetrics } from './run.js';

/** One series drawn in the report, from its first reported origin to its end. */
export interface CapacityChart {
  readonly title: string;
  readonly actual: Float64Array;
  /** Forecast per point (NaN where none), aligned with `actual`. */
  readonly mean: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Indices (into `actual`) where a forecast starts. */
  readonly origins: readonly number[];
}

const WIDTH = 960;
const HEIGHT = 220;
const PAD = 6;

/** Polyline `points` runs of consecutive finite values (a NaN breaks the line). */
function runs(values: Float64Array, x: (i: number) => number, y: (v: number) => number): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) cur.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    else if (cur.length > 0) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Inline SVG of one chart: the interval band (light orange), the forecast mean (orange), the
 * actuals (blue) and each origin as a dashed grey line. The y range covers actuals and band.
 */
export function capacityChartSvg(c: CapacityChart): string {
  const n = c.actual.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const arr of [c.actual, c.lower, c.upper]) {
    for (const v of arr) {
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (!(hi > lo)) hi = lo + 1;
  const x = (i: number): number => (n <= 1 ? 0 : (i / (n - 1)) * WIDTH);
  const y = (v: number): number => PAD + (HEIGHT - 2 * PAD) * (1 - (v - lo) / (hi - lo));
  const parts: string[] = [];
  const starts = [...c.origins].sort((p, q) => p - q);
  starts.forEach((from, k) => {
    const to = Math.min(n, starts[k + 1] ?? n);
    const top: string[] = [];
    const bottom: string[] = [];
    for (let i = from; i < to; i++) {
      const l = c.lower[i] as number;
      const u = c.upper[i] as number;
      if (!Number.isFinite(l) || !Number.isFinite(u)) continue;
      top.push(`${x(i).toFixed(1)},${y(u).toFixed(1)}`);
      bottom.unshift(`${x(i).toFixed(1)},${y(l).toFixed(1)}`);
    }
    if (top.length > 0) parts.push(`<polygon points="${[...top, ...bottom].join(' ')}" fill="#fbd9b0" stroke="none"/>`);
  });
  for (const o of c.origins) {
    parts.push(`<line x1="${x(o).toFixed(1)}" x2="${x(o).toFixed(1)}" y1="0" y2="${HEIGHT}" stroke="#999" stroke-dasharray="3 3"/>`);
  }
  for (const r of runs(c.mean, x, y)) parts.push(`<polyline points="${r.join(' ')}" fill="none" stroke="#e07b00" stroke-width="1.2"/>`);
  for (const r of runs(c.actual, x, y)) parts.push(`<polyline points="${r.join(' ')}" fill="none" stroke="#1f5fa8" stroke-width="1"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">${parts.join('')}</svg>`;
}

/**
 * The whole report as one self-contained HTML page.
 * @param text the printed tables, shown verbatim at the end.
 */
export function renderCapacityReport(m: CapacityBenchMetrics, charts: readonly CapacityChart[], text: string): string {
  return benchReportPage({
    task: m.task,
    data: m.data,
    seconds: m.seconds,
    sections: datasetTablesHtml(m.datasets, m.skipped),
    methods: m.methods,
    notes: m.notes,
    chartsLegend: "Actuals (blue), homeostat's 24-hour forecasts (orange) with their 90 % interval (shaded), origins dashed.",
    charts: charts.map((c) => `<h3>${escapeHtml(c.title)}</h3>\n${capacityChartSvg(c)}`).join('\n'),
    text,
  });
}
