/**
 * @module bench/rca/report
 * The HTML report of the root-cause benchmark: one table per dataset with the methods side by side
 * (report split, then the dev split under `tuning.`), the methods and protocol notes, and one
 * reliability diagram per method (inline SVG, no dependencies): per confidence bin, the share of
 * correct top-1 answers against the mean top-1 confidence, with the diagonal of perfect calibration.
 */
import { benchReportPage, datasetTablesHtml, escapeHtml } from '../report-html.js';
import type { ReliabilityBin } from './metrics.js';
import type { RcaBenchMetrics } from './run.js';

/** One method's reliability diagram over the pooled issue cases. */
export interface RcaReliabilityChart {
  readonly method: string;
  /** Issue cases behind the diagram. */
  readonly cases: number;
  readonly bins: readonly ReliabilityBin[];
}

const SIZE = 240;
const PAD = 30;

/**
 * Inline SVG of one reliability diagram: a bar per non-empty bin up to its accuracy (blue), a dot
 * at (mean confidence, accuracy) (orange), the diagonal (grey, dashed), and the case count per bin.
 */
export function reliabilitySvg(c: RcaReliabilityChart): string {
  const inner = SIZE - 2 * PAD;
  const x = (p: number): number => PAD + p * inner;
  const y = (p: number): number => SIZE - PAD - p * inner;
  const parts: string[] = [
    `<rect x="${PAD}" y="${PAD}" width="${inner}" height="${inner}" fill="none" stroke="#ccc"/>`,
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
  ];
  for (const b of c.bins) {
    if (b.count === 0) continue;
    const top = y(b.accuracy);
    parts.push(
      `<rect x="${(x(b.lo) + 1).toFixed(1)}" y="${top.toFixed(1)}" width="${(x(b.hi) - x(b.lo) - 2).toFixed(1)}" height="${(y(0) - top).toFixed(1)}" fill="#9cc3ea"/>`,
      `<circle cx="${x(b.meanConfidence).toFixed(1)}" cy="${top.toFixed(1)}" r="3" fill="#e07b00"/>`,
      `<text x="${((x(b.lo) + x(b.hi)) / 2).toFixed(1)}" y="${(y(0) + 12).toFixed(1)}" font-size="9" text-anchor="middle">${b.count}</text>`,
    );
  }
  parts.push(
    `<text x="${SIZE / 2}" y="${SIZE - 4}" font-size="10" text-anchor="middle">top-1 confidence (cases per bin above)</text>`,
    `<text x="10" y="${SIZE / 2}" font-size="10" text-anchor="middle" transform="rotate(-90 10 ${SIZE / 2})">share correct</text>`,
    `<text x="${SIZE / 2}" y="14" font-size="11" text-anchor="middle">${escapeHtml(c.method)} (${c.cases} cases)</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">${parts.join('')}</svg>`;
}

/**
 * The whole report as one self-contained HTML page.
 * @param text the printed tables, shown verbatim at the end.
 */
export function renderRcaReport(m: RcaBenchMetrics, charts: readonly RcaReliabilityChart[], text: string): string {
  return benchReportPage({
    task: m.task,
    data: m.data,
    seconds: m.seconds,
    sections: datasetTablesHtml(m.datasets, m.skipped),
    methods: m.methods,
    notes: m.notes,
    chartsLegend:
      'Reliability of the top-1 confidence per method, every issue case of every dataset and split pooled: bars = share of cases whose top-1 candidate is a true cause, per 0.1-wide confidence bin; dots at the bin’s mean confidence; a calibrated method sits on the dashed diagonal.',
    charts: charts.map(reliabilitySvg).join('\n'),
    text,
  });
}
