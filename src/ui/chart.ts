/**
 * @module ui/chart
 * A hand-written SVG line chart: axes with min/mid/max and time ticks, the series as a line,
 * anomalies as red dots, and a forecast as a dashed mean line inside its interval band.
 */
import { compact, formatClock, h, s } from './dom.js';
import type { Anomaly, Forecast, Point } from './types.js';

/** What to draw. Times are epoch ms. */
export interface ChartInput {
  readonly title: string;
  readonly points: readonly Point[];
  readonly anomalies?: readonly Anomaly[];
  readonly forecast?: Forecast;
  /** Optional shaded time span, e.g. an incident's open period. */
  readonly highlight?: { readonly from: number; readonly to: number };
  readonly width?: number;
  readonly height?: number;
}

const PAD = { left: 46, right: 10, top: 8, bottom: 22 };

/** Builds a `<figure data-testid="series-chart">` with the SVG chart and its caption. */
export function lineChart(input: ChartInput): HTMLElement {
  const width = input.width ?? 420;
  const height = input.height ?? 150;
  const anomalies = input.anomalies ?? [];
  const fc = input.forecast;
  const ts = [...input.points.map((p) => p.t), ...anomalies.map((a) => a.at), ...(fc ? fc.t : [])];
  const vs = [...input.points.map((p) => p.v), ...anomalies.map((a) => a.actual), ...(fc ? [...fc.lower, ...fc.upper] : [])];
  const figure = h('figure', { class: 'chart', 'data-testid': 'series-chart' });
  const caption = h('figcaption', {}, input.title);
  if (anomalies.length > 0)
    caption.append(' ', h('span', { class: 'chart-note' }, `${anomalies.length} anomal${anomalies.length === 1 ? 'y' : 'ies'}`));
  if (fc) caption.append(' ', h('span', { class: 'chart-note forecast-note' }, `forecast, ${Math.round(fc.level * 100)}% band`));
  figure.append(caption);
  if (ts.length === 0) {
    figure.append(h('p', { class: 'muted' }, 'No points in this window.'));
    return figure;
  }

  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts, t0 + 60_000);
  let v0 = Math.min(...vs);
  let v1 = Math.max(...vs);
  if (v1 - v0 < 1e-9) {
    v0 -= 1;
    v1 += 1;
  }
  const margin = (v1 - v0) * 0.08;
  v0 -= margin;
  v1 += margin;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (width - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - v0) / (v1 - v0)) * (height - PAD.top - PAD.bottom);

  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `${input.title}: ${input.points.length} points, ${anomalies.length} anomalies`,
  });
  const plotBottom = height - PAD.bottom;

  if (input.highlight) {
    const hx0 = x(Math.max(t0, input.highlight.from));
    const hx1 = x(Math.min(t1, input.highlight.to));
    if (hx1 > hx0) svg.append(s('rect', { class: 'chart-highlight', x: hx0, y: PAD.top, width: hx1 - hx0, height: plotBottom - PAD.top }));
  }

  for (const v of [v0 + margin, (v0 + v1) / 2, v1 - margin]) {
    svg.append(
      s('line', { class: 'grid', x1: PAD.left, x2: width - PAD.right, y1: y(v), y2: y(v) }),
      s('text', { class: 'axis-label', x: PAD.left - 4, y: y(v) + 3, 'text-anchor': 'end' }, compact(v)),
    );
  }
  for (let i = 0; i <= 3; i++) {
    const t = t0 + ((t1 - t0) * i) / 3;
    svg.append(
      s(
        'text',
        { class: 'axis-label', x: x(t), y: height - 6, 'text-anchor': i === 0 ? 'start' : i === 3 ? 'end' : 'middle' },
        formatClock(t),
      ),
    );
  }
  svg.append(
    s('line', { class: 'axis', x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: plotBottom }),
    s('line', { class: 'axis', x1: PAD.left, x2: width - PAD.right, y1: plotBottom, y2: plotBottom }),
  );

  if (fc && fc.t.length > 0) {
    const upper = fc.t.map((t, i) => `${x(t).toFixed(1)},${y(fc.upper[i] ?? 0).toFixed(1)}`);
    const lower = fc.t.map((t, i) => `${x(t).toFixed(1)},${y(fc.lower[i] ?? 0).toFixed(1)}`).reverse();
    svg.append(
      s('polygon', { class: 'forecast-band', points: [...upper, ...lower].join(' ') }),
      s('polyline', {
        class: 'forecast-mean',
        points: fc.t.map((t, i) => `${x(t).toFixed(1)},${y(fc.mean[i] ?? 0).toFixed(1)}`).join(' '),
      }),
    );
  }

  if (input.points.length > 0) {
    const d = input.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
    svg.append(s('path', { class: 'series-line', d }));
  }

  for (const a of anomalies) {
    svg.append(
      s(
        'circle',
        { class: 'anomaly-dot', cx: x(a.at), cy: y(a.actual), r: 4, 'data-testid': 'anomaly-marker' },
        s('title', {}, `${formatClock(a.at)} ${a.metric} ${compact(a.actual)} (expected ${compact(a.expected)}): ${a.explanation}`),
      ),
    );
  }
  figure.append(svg);
  return figure;
}
