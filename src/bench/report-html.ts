/**
 * @module bench/report-html
 * The parts every benchmark's HTML report shares: escaping, number cells, one table per dataset
 * with the methods side by side, and the page around the tables, methods, protocol notes, charts
 * and printed tables. Pure string building, no dependencies.
 */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A figure as a table cell: integers as they are, others to 3 decimals (1 from 100 up), `n/a` for NaN, `-` for none. */
export function figureCell(v: unknown): string {
  if (typeof v !== 'number') return '-';
  if (Number.isNaN(v)) return 'n/a';
  return Number.isInteger(v) ? String(v) : v.toFixed(v >= 100 ? 1 : 3);
}

/** A method's figures as `name → value`, nested objects as `object.name`; per-series rows (`series`) left out. */
export function flattenFigures(m: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m ?? {})) {
    if (k === 'series') continue;
    if (typeof v === 'object' && v !== null) {
      for (const [k2, v2] of Object.entries(v)) if (k2 !== 'series') out[`${k}.${k2}`] = v2;
    } else out[k] = v;
  }
  return out;
}

/** One `<h2>` + table per dataset (metrics as rows, methods as columns), then a line per skipped dataset. */
export function datasetTablesHtml(
  datasets: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined>>,
  skipped: Readonly<Record<string, string | undefined>>,
): string[] {
  const sections: string[] = [];
  for (const [name, methods] of Object.entries(datasets)) {
    if (!methods) continue;
    const names = Object.keys(methods);
    const flat = names.map((meth) => flattenFigures(methods[meth]));
    const metricNames = [...new Set(flat.flatMap((f) => Object.keys(f)))];
    const rows = metricNames
      .map((metric) => `<tr><th>${escapeHtml(metric)}</th>${flat.map((f) => `<td>${figureCell(f[metric])}</td>`).join('')}</tr>`)
      .join('\n');
    sections.push(
      `<h2>${escapeHtml(name)}</h2>\n<table><tr><th>metric</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>\n${rows}</table>`,
    );
  }
  for (const [name, reason] of Object.entries(skipped))
    sections.push(`<h2>${escapeHtml(name)}</h2><p>skipped: ${escapeHtml(reason ?? '')}</p>`);
  return sections;
}

/** What {@link benchReportPage} puts on the page. */
export interface BenchReportPage {
  /** E.g. `anomaly`: the page title is `Homeostat anomaly benchmark`, the heading `Anomaly benchmark`. */
  readonly task: string;
  readonly data: string;
  readonly seconds: number;
  readonly sections: readonly string[];
  readonly methods: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
  /** One sentence saying how to read the charts. */
  readonly chartsLegend: string;
  /** The charts' HTML. */
  readonly charts: string;
  /** The printed tables, shown verbatim at the end. */
  readonly text: string;
}

/** The whole report as one self-contained HTML page. */
export function benchReportPage(p: BenchReportPage): string {
  const heading = `${p.task.charAt(0).toUpperCase()}${p.task.slice(1)} benchmark`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Homeostat ${escapeHtml(p.task)} benchmark</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 8px;text-align:right}th:first-child{text-align:left}pre{background:#f4f4f4;padding:1em;overflow:auto}</style>
</head><body>
<h1>${escapeHtml(heading)}</h1>
<p>data: ${escapeHtml(p.data)} · ${p.seconds} s wall</p>
${p.sections.join('\n')}
<h2>Methods</h2>
<ul>${Object.entries(p.methods)
    .map(([n, d]) => `<li><b>${escapeHtml(n)}</b>: ${escapeHtml(d)}</li>`)
    .join('')}</ul>
<h2>Protocol</h2>
<ul>${p.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>
<h2>Charts</h2>
<p>${p.chartsLegend}</p>
${p.charts}
<h2>Printed tables</h2>
<pre>${escapeHtml(p.text)}</pre>
</body></html>
`;
}
