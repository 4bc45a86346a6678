/**
 * @module bench/anomaly/report
 * The HTML report of the anomaly benchmark: the printed tables, one table per dataset with the
 * methods side by side, the protocol notes, and inline SVG charts (no dependencies) of a few
 * series — values with labelled points shaded, alarms as ticks, and the score with its threshold.
 */
import { benchReportPage, datasetTablesHtml, escapeHtml } from '../report-html.js';
import type { AnomalyBenchMetrics } from './run.js';

/** One series drawn in the report. */
export interface ReportChart {
  readonly title: string;
  readonly values: Float64Array;
  /** 0/1 per point (labelled anomaly or NAB window). */
  readonly labels: Uint8Array;
  /** Raw score per point; NaN where the detector did not score. */
  readonly scores: Float64Array;
  /** 0/1 per point at the chosen threshold. */
  readonly flags: Uint8Array;
  readonly threshold: number;
}

const WIDTH = 960;
const PANEL = 120;
/** Buckets drawn per chart at most (each bucket keeps min/max value and max score). */
const BUCKETS = 480;

/**
 * Inline SVG of one series: top panel the values (min/max per bucket), red bands where labelled,
 * orange ticks where flagged; bottom panel the score (log-scaled, max per bucket) and the
 * threshold as a dashed line.
 */
export function chartSvg(c: ReportChart): string {
  const n = c.values.length;
  const buckets = Math.max(1, Math.min(BUCKETS, n));
  const per = n / buckets;
  const lo = new Float64Array(buckets).fill(Number.POSITIVE_INFINITY);
  const hi = new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY);
  const score = new Float64Array(buckets).fill(Number.NaN);
  const label = new Uint8Array(buckets);
  const flag = new Uint8Array(buckets);
  for (let i = 0; i < n; i++) {
    const b = Math.min(buckets - 1, Math.floor(i / per));
    const v = c.values[i] as number;
    if (Number.isFinite(v)) {
      if (v < (lo[b] as number)) lo[b] = v;
      if (v > (hi[b] as number)) hi[b] = v;
    }
    const s = c.scores[i] as number;
    if (Number.isFinite(s) && !(s <= (score[b] as number))) score[b] = s;
    if (c.labels[i]) label[b] = 1;
    if (c.flags[i]) flag[b] = 1;
  }
  let vMin = Number.POSITIVE_INFINITY;
  let vMax = Number.NEGATIVE_INFINITY;
  let sMax = 0;
  for (let b = 0; b < buckets; b++) {
    vMin = Math.min(vMin, lo[b] as number);
    vMax = Math.max(vMax, hi[b] as number);
    if (Number.isFinite(score[b] as number)) sMax = Math.max(sMax, score[b] as number);
  }
  if (!(vMax > vMin)) vMax = vMin + 1;
  const bw = WIDTH / buckets;
  const x = (b: number): string => (b * bw + bw / 2).toFixed(1);
  const yv = (v: number): string => (4 + (PANEL - 8) * (1 - (v - vMin) / (vMax - vMin))).toFixed(1);
  const sLog = (s: number): number => Math.log1p(Math.max(0, s));
  const sTop = Math.max(sLog(sMax), sLog(Number.isFinite(c.threshold) ? c.threshold : 0), 1e-9);
  const ys = (s: number): string => (PANEL + 10 + 4 + (PANEL - 8) * (1 - sLog(s) / sTop)).toFixed(1);
  const parts: string[] = [];
  for (let b = 0; b < buckets; b++) {
    if (label[b]) parts.push(`<rect x="${(b * bw).toFixed(1)}" y="0" width="${bw.toFixed(2)}" height="${2 * PANEL + 10}" fill="#f8c4c4"/>`);
  }
  const valuePath: string[] = [];
  for (let b = 0; b < buckets; b++) {
    if (!Number.isFinite(lo[b] as number)) continue;
    valuePath.push(`${x(b)},${yv(lo[b] as number)}`, `${x(b)},${yv(hi[b] as number)}`);
  }
  parts.push(`<polyline points="${valuePath.join(' ')}" fill="none" stroke="#1f5fa8" stroke-width="1"/>`);
  for (let b = 0; b < buckets; b++) {
    if (flag[b]) parts.push(`<line x1="${x(b)}" x2="${x(b)}" y1="${PANEL - 10}" y2="${PANEL}" stroke="#e07b00" stroke-width="1.5"/>`);
  }
  const scorePath: string[] = [];
  for (let b = 0; b < buckets; b++) if (Number.isFinite(score[b] as number)) scorePath.push(`${x(b)},${ys(score[b] as number)}`);
  parts.push(`<polyline points="${scorePath.join(' ')}" fill="none" stroke="#444" stroke-width="1"/>`);
  if (Number.isFinite(c.threshold)) {
    const y = ys(c.threshold);
    parts.push(`<line x1="0" x2="${WIDTH}" y1="${y}" y2="${y}" stroke="#c00" stroke-dasharray="4 3"/>`);
  }
  parts.push(`<line x1="0" x2="${WIDTH}" y1="${PANEL + 5}" y2="${PANEL + 5}" stroke="#bbb"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${2 * PANEL + 10}" viewBox="0 0 ${WIDTH} ${2 * PANEL + 10}">${parts.join('')}</svg>`;
}

/**
 * The whole report as one self-contained HTML page.
 * @param text the printed tables, shown verbatim at the end.
 */
export function renderAnomalyReport(m: AnomalyBenchMetrics, charts: readonly ReportChart[], text: string): string {
  return benchReportPage({
    task: m.task,
    data: m.data,
    seconds: m.seconds,
    sections: datasetTablesHtml(m.datasets, m.skipped),
    methods: m.methods,
    notes: m.notes,
    chartsLegend:
      'Top: values (blue), labelled anomalies shaded red, alarms as orange ticks. Bottom: homeostat score (log scale) and its threshold (dashed red).',
    charts: charts.map((c) => `<h3>${escapeHtml(c.title)}</h3>\n${chartSvg(c)}`).join('\n'),
    text,
  });
}
