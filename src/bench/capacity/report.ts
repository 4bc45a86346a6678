/**
 * @module bench/capacity/report
 * The HTML report of the capacity benchmark: one table per dataset with the methods side by side
 * (reported figures, then the tuning figures), the methods and protocol notes, and inline SVG
 * charts (no dependencies) of a few series: actuals against homeostat's forecasts with the
 * interval band, origins as dashed lines.
 */
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

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cell(v: unknown): string {
  if (typeof v !== 'number') return '-';
  if (Number.isNaN(v)) return 'n/a';
  return Number.isInteger(v) ? String(v) : v.toFixed(v >= 100 ? 1 : 3);
}

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

/** A method's figures as `name → value`, the tuning figures as `tuning.name`; per-series rows left out. */
function flatten(m: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m ?? {})) {
    if (k === 'series') continue;
    if (typeof v === 'object' && v !== null) {
      for (const [k2, v2] of Object.entries(v)) if (k2 !== 'series') out[`${k}.${k2}`] = v2;
    } else out[k] = v;
  }
  return out;
}

/**
 * The whole report as one self-contained HTML page.
 * @param text the printed tables, shown verbatim at the end.
 */
export function renderCapacityReport(m: CapacityBenchMetrics, charts: readonly CapacityChart[], text: string): string {
  const sections: string[] = [];
  for (const [name, methods] of Object.entries(m.datasets)) {
    const names = Object.keys(methods);
    const flat = names.map((meth) => flatten(methods[meth]));
    const metricNames = [...new Set(flat.flatMap((f) => Object.keys(f)))];
    const rows = metricNames
      .map((metric) => `<tr><th>${esc(metric)}</th>${flat.map((f) => `<td>${cell(f[metric])}</td>`).join('')}</tr>`)
      .join('\n');
    sections.push(
      `<h2>${esc(name)}</h2>\n<table><tr><th>metric</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>\n${rows}</table>`,
    );
  }
  for (const [name, reason] of Object.entries(m.skipped)) sections.push(`<h2>${esc(name)}</h2><p>skipped: ${esc(reason)}</p>`);
  const chartHtml = charts.map((c) => `<h3>${esc(c.title)}</h3>\n${capacityChartSvg(c)}`).join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Homeostat capacity benchmark</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 8px;text-align:right}th:first-child{text-align:left}pre{background:#f4f4f4;padding:1em;overflow:auto}</style>
</head><body>
<h1>Capacity benchmark</h1>
<p>data: ${esc(m.data)} · ${m.seconds} s wall</p>
${sections.join('\n')}
<h2>Methods</h2>
<ul>${Object.entries(m.methods)
    .map(([n, d]) => `<li><b>${esc(n)}</b>: ${esc(d)}</li>`)
    .join('')}</ul>
<h2>Protocol</h2>
<ul>${m.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<h2>Charts</h2>
<p>Actuals (blue), homeostat's 24-hour forecasts (orange) with their 90 % interval (shaded), origins dashed.</p>
${chartHtml}
<h2>Printed tables</h2>
<pre>${esc(text)}</pre>
</body></html>
`;
}
