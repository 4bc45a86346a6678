/**
 * @module bench/failure/report
 * The HTML report of the failure benchmark: one table per dataset with the methods side by side
 * (test figures, then the tune-row figures), the split of each dataset, the methods and protocol
 * notes, and per dataset an inline SVG precision-recall curve and reliability curve (one line per
 * method, no dependencies) with the reliability bins' counts in a table.
 */
import { escapeHtml } from '../report-html.js';
import type { ReliabilityBin } from './metrics.js';
import type { FailureBenchMetrics, FailureCurve, FailureMethodMetrics } from './run.js';

/**
 * The metric rows of the printed and HTML tables (`tuning.x` = field x on the tune rows;
 * `foreseeable.x` = simulated test rows without the positives that precede their fault's onset).
 */
export const FAILURE_TABLE_METRICS: readonly string[] = [
  'accuracy',
  'base_rate',
  'balanced_accuracy',
  'roc_auc',
  'pr_auc',
  'precision',
  'recall',
  'event_recall',
  'median_lead_h',
  'ece',
  'brier',
  'threshold',
  'events',
  'seconds',
  'tuning.roc_auc',
  'tuning.pr_auc',
  'tuning.precision',
  'tuning.recall',
  'tuning.event_recall',
  'foreseeable.roc_auc',
  'foreseeable.pr_auc',
  'foreseeable.precision',
  'foreseeable.recall',
];

/** A method's figure by table row name (`tuning.pr_auc` reads the nested object). */
export function failureValue(m: FailureMethodMetrics | undefined, metric: string): unknown {
  if (!m) return undefined;
  if (metric.startsWith('tuning.')) return (m.tuning as unknown as Record<string, unknown>)[metric.slice('tuning.'.length)];
  if (metric.startsWith('foreseeable.'))
    return (m.foreseeable as unknown as Record<string, unknown> | undefined)?.[metric.slice('foreseeable.'.length)];
  return (m as unknown as Record<string, unknown>)[metric];
}

/** A figure as table text: `-` when absent, `n/a` for NaN. */
export function failureCell(v: unknown): string {
  if (typeof v !== 'number') return '-';
  if (Number.isNaN(v)) return 'n/a';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) < 0.01 ? v.toPrecision(3) : v.toFixed(v >= 100 ? 1 : 3);
}

/** Event recall per fault kind (detected / events, median lead) of every method, as a table. */
function kindTable(methods: Readonly<Record<string, FailureMethodMetrics>>, names: readonly string[]): string {
  const kinds = [...new Set(names.flatMap((n) => Object.keys(methods[n]?.by_kind ?? {})))].sort();
  const rows = kinds.map((k) => {
    const cells = names.map((n) => {
      const f = methods[n]?.by_kind?.[k];
      return f
        ? `<td>${f.detected} / ${f.events} (${failureCell(f.event_recall)}), lead ${failureCell(f.median_lead_h)} h</td>`
        : '<td>-</td>';
    });
    return `<tr><th>${escapeHtml(k)}</th>${cells.join('')}</tr>`;
  });
  return `<h3>Event recall by fault kind, test period</h3>\n<table><tr><th>fault kind</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>\n${rows.join('\n')}</table>\n`;
}

const SIZE = 320;
const PAD = 34;
const COLOURS = ['#1f5fa8', '#e07b00', '#2a9d3c', '#b0302a', '#7b4fb0', '#777777'];

/**
 * Inline SVG of the precision-recall curves of one dataset: recall on x, precision on y, both
 * 0 … 1, one polyline per method (starting at recall 0 with the first point's precision), legend below.
 */
export function prCurveSvg(curves: readonly FailureCurve[]): string {
  const inner = SIZE - 2 * PAD;
  const x = (r: number): number => PAD + r * inner;
  const y = (p: number): number => PAD / 2 + (1 - p) * inner;
  const parts: string[] = [
    `<rect x="${PAD}" y="${PAD / 2}" width="${inner}" height="${inner}" fill="none" stroke="#bbb"/>`,
    `<text x="${SIZE / 2}" y="${SIZE - 4}" font-size="11" text-anchor="middle">recall</text>`,
    `<text x="10" y="${SIZE / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 10 ${SIZE / 2})">precision</text>`,
  ];
  for (const t of [0, 0.5, 1]) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${(PAD / 2 + inner + 12).toFixed(1)}" font-size="10" text-anchor="middle">${t}</text>`);
    parts.push(`<text x="${PAD - 4}" y="${(y(t) + 3).toFixed(1)}" font-size="10" text-anchor="end">${t}</text>`);
  }
  curves.forEach((c, k) => {
    const colour = COLOURS[k % COLOURS.length] as string;
    const pts = c.points.filter((p) => Number.isFinite(p.recall) && Number.isFinite(p.precision));
    if (pts.length > 0) {
      const line = [
        `${x(0).toFixed(1)},${y((pts[0] as (typeof pts)[number]).precision).toFixed(1)}`,
        ...pts.map((p) => `${x(p.recall).toFixed(1)},${y(p.precision).toFixed(1)}`),
      ];
      parts.push(`<polyline points="${line.join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    }
  });
  const legend = curves
    .map((c, k) => `<span style="color:${COLOURS[k % COLOURS.length]}">&#9632; ${escapeHtml(c.method)}</span>`)
    .join(' &nbsp; ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">${parts.join('')}</svg><div>${legend}</div>`;
}

/**
 * Inline SVG of the reliability curves of one dataset: mean predicted probability on x, observed
 * rate on y, both 0 … 1, the diagonal (perfect calibration) dashed, one polyline per method through
 * its non-empty bins, each bin a dot whose area grows with log10 of its row count; legend below.
 */
export function reliabilitySvg(methods: readonly { method: string; bins: readonly ReliabilityBin[] }[]): string {
  const inner = SIZE - 2 * PAD;
  const x = (r: number): number => PAD + r * inner;
  const y = (p: number): number => PAD / 2 + (1 - p) * inner;
  const parts: string[] = [
    `<rect x="${PAD}" y="${PAD / 2}" width="${inner}" height="${inner}" fill="none" stroke="#bbb"/>`,
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
    `<text x="${SIZE / 2}" y="${SIZE - 4}" font-size="11" text-anchor="middle">mean predicted probability</text>`,
    `<text x="10" y="${SIZE / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 10 ${SIZE / 2})">observed rate</text>`,
  ];
  for (const t of [0, 0.5, 1]) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${(PAD / 2 + inner + 12).toFixed(1)}" font-size="10" text-anchor="middle">${t}</text>`);
    parts.push(`<text x="${PAD - 4}" y="${(y(t) + 3).toFixed(1)}" font-size="10" text-anchor="end">${t}</text>`);
  }
  methods.forEach((m, k) => {
    const colour = COLOURS[k % COLOURS.length] as string;
    const pts = m.bins.filter((b) => b.count > 0 && Number.isFinite(b.mean_predicted) && Number.isFinite(b.observed_rate));
    if (pts.length > 1) {
      const line = pts.map((b) => `${x(b.mean_predicted).toFixed(1)},${y(b.observed_rate).toFixed(1)}`);
      parts.push(`<polyline points="${line.join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    }
    for (const b of pts) {
      const r = 1.5 + Math.log10(1 + b.count) * 0.8;
      parts.push(
        `<circle cx="${x(b.mean_predicted).toFixed(1)}" cy="${y(b.observed_rate).toFixed(1)}" r="${r.toFixed(1)}" fill="${colour}" fill-opacity="0.6"><title>${escapeHtml(m.method)}: [${b.lo}, ${b.hi}) ${b.count} rows, predicted ${b.mean_predicted}, observed ${b.observed_rate}</title></circle>`,
      );
    }
  });
  const legend = methods
    .map((m, k) => `<span style="color:${COLOURS[k % COLOURS.length]}">&#9632; ${escapeHtml(m.method)}</span>`)
    .join(' &nbsp; ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">${parts.join('')}</svg><div>${legend}</div>`;
}

/** The reliability bins of every method of one dataset as a table: per bin, rows and observed rate per method. */
function reliabilityTable(methods: readonly { method: string; bins: readonly ReliabilityBin[] }[]): string {
  const first = methods[0];
  if (!first) return '';
  const head = `<tr><th>probability bin</th>${methods.map((m) => `<th>${escapeHtml(m.method)}: rows · predicted · observed</th>`).join('')}</tr>`;
  const rows = first.bins.map((b, i) => {
    const cells = methods.map((m) => {
      const c = m.bins[i];
      return c && c.count > 0
        ? `<td>${failureCell(c.count)} · ${failureCell(c.mean_predicted)} · ${failureCell(c.observed_rate)}</td>`
        : '<td>-</td>';
    });
    return `<tr><th>[${b.lo.toFixed(1)}, ${b.hi.toFixed(1)}${i === first.bins.length - 1 ? ']' : ')'}</th>${cells.join('')}</tr>`;
  });
  return `<table>${head}\n${rows.join('\n')}</table>`;
}

/**
 * The whole report as one self-contained HTML page.
 * @param text the printed tables, shown verbatim at the end.
 */
export function renderFailureReport(m: FailureBenchMetrics, curves: readonly FailureCurve[], text: string): string {
  const sections: string[] = [];
  for (const [name, methods] of Object.entries(m.datasets)) {
    const names = Object.keys(methods);
    const rows = FAILURE_TABLE_METRICS.map(
      (metric) =>
        `<tr><th>${escapeHtml(metric)}</th>${names.map((n) => `<td>${failureCell(failureValue(methods[n], metric))}</td>`).join('')}</tr>`,
    ).join('\n');
    const split = m.splits[name];
    const periods = split
      ? `<ul>${Object.entries(split.periods)
          .map(
            ([p, s]) =>
              `<li>${escapeHtml(p)}: ${escapeHtml(s.from)} → ${escapeHtml(s.to)}, ${s.rows} rows of ${s.entity_hours} entity-hours (sample rate ${s.sample_rate}), base rate ${s.base_rate}, ${s.events} onsets</li>`,
          )
          .join('')}<li>predictions written: ${escapeHtml(split.predictions)}</li></ul>`
      : '';
    const bins = names.flatMap((n) => {
      const r = methods[n]?.reliability;
      return r ? [{ method: n, bins: r }] : [];
    });
    const byKind = names.some((n) => methods[n]?.by_kind) ? kindTable(methods, names) : '';
    sections.push(
      `<h2>${escapeHtml(name)}</h2>\n<table><tr><th>metric</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>\n${rows}</table>\n${periods}\n${byKind}<div style="display:flex;gap:2em;flex-wrap:wrap"><div><h3>Precision-recall, test period</h3>\n${prCurveSvg(curves.filter((c) => c.dataset === name))}</div><div><h3>Reliability, test period</h3>\n${reliabilitySvg(bins)}</div></div>\n<h3>Reliability bins, test period</h3>\n${reliabilityTable(bins)}`,
    );
  }
  for (const [name, reason] of Object.entries(m.skipped))
    sections.push(`<h2>${escapeHtml(name)}</h2><p>skipped: ${escapeHtml(reason)}</p>`);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Homeostat failure benchmark</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 8px;text-align:right}th:first-child{text-align:left}pre{background:#f4f4f4;padding:1em;overflow:auto}</style>
</head><body>
<h1>Failure benchmark: a failure within 6 hours</h1>
<p>data: ${escapeHtml(m.data)} · ${m.seconds} s wall</p>
${sections.join('\n')}
<h2>Methods</h2>
<ul>${Object.entries(m.methods)
    .map(([n, d]) => `<li><b>${escapeHtml(n)}</b>: ${escapeHtml(d)}</li>`)
    .join('')}</ul>
<h2>Protocol</h2>
<ul>${m.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>
<h2>Printed tables</h2>
<pre>${escapeHtml(text)}</pre>
</body></html>
`;
}
