/**
 * @module bench/capacity/run
 * The capacity benchmark harness (`homeostat bench capacity`): rolling-origin 24-hour forecasts
 * of every `capacity/*_5min.csv` column and of the AWS per-instance series, laid out as in
 * `../shared/datasets/README.md`, with Homeostat's forecasters and the baselines computed in the
 * same run; writes `OUT/capacity/metrics.json`, homeostat's forecasts as CSV and an HTML report.
 *
 * Methods: `homeostat` = the default forecaster ({@link DEFAULT_FORECASTER_KIND}) with its config
 * for 5-minute steps ({@link forecasterConfig}: daily season 288 steps, level 0.9);
 * `seasonal_naive` (same time yesterday) and `weekly_naive` (same time last week, season 2,016
 * steps; the naive last value until a week is known), both `forecaster/seasonal-naive`; then every
 * other forecaster of the catalog under its method name (`forecaster/holt-winters` → `holt_winters`).
 *
 * Protocol: one forecaster per series and method, streaming: it learns the points up to an
 * origin, forecasts 288 steps (24 h), learns on — never rebuilt per origin, all history before an
 * origin available. Daily origins anchored at the series' end (the last horizon ends at the last
 * point), each with at least 3 days of history: the last 7 are REPORTED, the 7 before them are the
 * TUNING origins (reported separately under `tuning`; choose settings there only). Metrics as in
 * metrics.ts; dataset figures are means over series (and medians on `aws_instances`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, invalid } from '../../errors.js';
import { DAY_MS, forecasterConfig } from '../../forecast/forecaster-config.js';
import { createForecaster, DEFAULT_FORECASTER_KIND, FORECASTER_SPECS, type Forecaster } from '../../models/index.js';
import { methodName } from '../anomaly/run.js';
import { CAPACITY_STEP_MS, type CapacityDataset, type CapacitySeries, readAwsInstances, readCapacityFiles } from './datasets.js';
import { type ForecastScores, medianOf, meanOf, type OriginForecast, type Origins, rollingOrigins, scoreForecasts } from './metrics.js';
import { type CapacityChart, renderCapacityReport } from './report.js';
import { figureCell } from '../report-html.js';

/** Steps per day at 5 minutes: the horizon and the spacing of origins. */
export const DAY_POINTS = DAY_MS / CAPACITY_STEP_MS;
/** Steps per week at 5 minutes: the `weekly_naive` season. */
export const WEEK_POINTS = 7 * DAY_POINTS;
/** Reported origins per series: the last 7 days. */
export const REPORTED_DAYS = 7;
/** Tuning origins per series: the 7 days before the reported ones. */
export const TUNING_DAYS = 7;
/** History needed before an origin: 3 days. */
export const MIN_HISTORY_POINTS = 3 * DAY_POINTS;
/** Interval level asked of every forecaster that has a `level` setting. */
export const INTERVAL_LEVEL = 0.9;
/** The dataset name of the AWS per-instance series. */
export const AWS_DATASET = 'aws_instances';

/** A method: how to build one fresh forecaster for a 5-minute series. */
export interface CapacityMethod {
  readonly name: string;
  readonly description: string;
  create(): Forecaster;
}

/** Figures of one method over one set of origins (reported, or tuning). */
export interface CapacityFigures {
  readonly [metric: string]: number | Readonly<Record<string, unknown>> | undefined;
  /** Per-series figures. */
  readonly series?: Readonly<Record<string, ForecastScores>>;
}

/** One method's figures on one dataset: the reported figures, with the tuning figures nested. */
export interface CapacityMethodMetrics extends CapacityFigures {
  readonly tuning?: CapacityFigures;
}

/** The content of `OUT/capacity/metrics.json` (the datasets README's "Benchmark output"). */
export interface CapacityBenchMetrics {
  readonly task: 'capacity';
  readonly data: string;
  readonly datasets: Record<string, Record<string, CapacityMethodMetrics>>;
  /** Dataset (or `capacity` for the whole folder) → why it was skipped. */
  readonly skipped: Record<string, string>;
  /** Method → what it is. */
  readonly methods: Readonly<Record<string, string>>;
  /** The protocol behind the figures, one sentence each. */
  readonly notes: readonly string[];
  readonly seconds: number;
}

/** Options of {@link runCapacityBench}. */
export interface CapacityBenchOptions {
  /** Datasets root (the folder holding `capacity/` and `anomaly/`). */
  readonly root: string;
  /** Output folder; writes `OUT/capacity/...`. Undefined = write nothing. */
  readonly out?: string;
  /** Called after each series and method (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Receives one line per skipped folder or series. Default: stderr. */
  readonly onLog?: (line: string) => void;
  /** Methods to run besides `homeostat` (always run); default every method. Unknown names are an error. */
  readonly methods?: readonly string[];
  /** Series per dataset drawn in the HTML report. Default 2. */
  readonly charts?: number;
}

function describeConfig(kind: string, config: unknown): string {
  return `${kind} ${JSON.stringify(config)}`;
}

function forecasterMethod(name: string, kind: string, what: string, overrides?: Record<string, unknown>): CapacityMethod {
  const config = forecasterConfig(kind, CAPACITY_STEP_MS, { level: INTERVAL_LEVEL, ...(overrides ? { overrides } : {}) });
  createForecaster(kind, config); // fail now, with the catalog's message, on a bad config
  return {
    name,
    description: `${what}${describeConfig(kind, config)}, streaming learn-then-forecast`,
    create: () => createForecaster(kind, config),
  };
}

const SEASONAL_NAIVE_KIND = 'forecaster/seasonal-naive';
const BASELINES = ['seasonal_naive', 'weekly_naive'] as const;

/**
 * Every method of the benchmark: homeostat, the two baselines, then every other forecaster of the
 * catalog (one whose method name is a baseline's is the baseline).
 */
export function capacityMethods(): CapacityMethod[] {
  return [
    forecasterMethod('homeostat', DEFAULT_FORECASTER_KIND, 'the default forecaster, '),
    forecasterMethod('seasonal_naive', SEASONAL_NAIVE_KIND, 'baseline, same time yesterday: '),
    forecasterMethod('weekly_naive', SEASONAL_NAIVE_KIND, 'baseline, same time last week (naive last value until a week is known): ', {
      seasonPoints: WEEK_POINTS,
    }),
    ...FORECASTER_SPECS.filter(
      (s) => s.kind !== DEFAULT_FORECASTER_KIND && !(BASELINES as readonly string[]).includes(methodName(s.kind)),
    ).map((s) => forecasterMethod(methodName(s.kind), s.kind, '')),
  ];
}

/**
 * Runs one fresh forecaster of `method` over the series, streaming: learns up to each origin
 * (ascending), forecasts `horizon` steps, and learns on. Missing values are not fed. The forecast
 * is placed on the grid by its timestamps (a forecaster whose last point is before the origin is
 * asked for the extra steps).
 */
export function runOrigins(method: CapacityMethod, s: CapacitySeries, origins: readonly number[], horizon: number): OriginForecast[] {
  const f = method.create();
  const v = s.values;
  const out: OriginForecast[] = [];
  let next = 0;
  let lastFinite = -1;
  const learn = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const x = v[i] as number;
      if (!Number.isFinite(x)) continue;
      f.learn({ t: s.t0 + i * s.stepMs, v: x });
      lastFinite = i;
    }
  };
  for (const origin of origins) {
    const dayStart = Math.max(next, origin - horizon);
    learn(next, dayStart);
    const started = performance.now();
    learn(dayStart, origin);
    const behind = lastFinite < 0 ? 0 : origin - 1 - lastFinite;
    const fc = f.forecast(horizon + behind);
    const ms = performance.now() - started;
    next = origin;
    const mean = new Float64Array(horizon).fill(Number.NaN);
    const lower = new Float64Array(horizon).fill(Number.NaN);
    const upper = new Float64Array(horizon).fill(Number.NaN);
    if (fc) {
      for (let k = 0; k < fc.t.length; k++) {
        const h = Math.round(((fc.t[k] as number) - s.t0) / s.stepMs) - origin;
        if (h < 0 || h >= horizon) continue;
        mean[h] = fc.mean[k] as number;
        lower[h] = fc.lower[k] as number;
        upper[h] = fc.upper[k] as number;
      }
    }
    out.push({ origin, mean, lower, upper, ms });
  }
  return out;
}

function round(x: number, digits = 4): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function rounded(s: ForecastScores): ForecastScores {
  return {
    one_minus_wape: round(s.one_minus_wape),
    mase: round(s.mase),
    rel_mae_vs_snaive: round(s.rel_mae_vs_snaive),
    coverage_90: round(s.coverage_90),
    rel_width_90: round(s.rel_width_90),
    interval_score_90: round(s.interval_score_90),
    fit_forecast_ms: round(s.fit_forecast_ms, 3),
    origins: s.origins,
    points: s.points,
    missing_points: s.missing_points,
  };
}

const SUMMARY = [
  'one_minus_wape',
  'mase',
  'rel_mae_vs_snaive',
  'coverage_90',
  'rel_width_90',
  'interval_score_90',
  'fit_forecast_ms',
] as const;

/** Dataset figures from per-series scores: means (and, with `medians`, medians of 1 − WAPE and rel MAE). */
export function summarise(series: Readonly<Record<string, ForecastScores>>, medians: boolean): CapacityFigures {
  const rows = Object.values(series);
  const out: Record<string, number | Record<string, ForecastScores>> = {};
  for (const k of SUMMARY) out[k] = round(meanOf(rows.map((r) => r[k])), k === 'fit_forecast_ms' ? 3 : 4);
  if (medians) {
    out.median_one_minus_wape = round(medianOf(rows.map((r) => r.one_minus_wape)));
    out.median_rel_mae_vs_snaive = round(medianOf(rows.map((r) => r.rel_mae_vs_snaive)));
  }
  out.series_count = rows.length;
  out.origins = rows.reduce((a, r) => a + r.origins, 0);
  out.missing_points = rows.reduce((a, r) => a + r.missing_points, 0);
  out.series = Object.fromEntries(Object.entries(series).map(([k, v]) => [k, rounded(v)]));
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(8))) : '';
}

/** A series name as a file name: anything but letters, digits, `.`, `_`, `-` becomes `_`. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

function writeForecasts(file: string, s: CapacitySeries, forecasts: readonly OriginForecast[]): void {
  const lines = ['origin,timestamp,mean,lower,upper,actual'];
  for (const f of forecasts) {
    const originIso = iso(s.t0 + f.origin * s.stepMs);
    for (let h = 0; h < f.mean.length; h++) {
      const i = f.origin + h;
      if (i >= s.values.length) break;
      lines.push(
        `${originIso},${iso(s.t0 + i * s.stepMs)},${num(f.mean[h] as number)},${num(f.lower[h] as number)},${num(f.upper[h] as number)},${num(s.values[i] as number)}`,
      );
    }
  }
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function chartOf(dataset: string, s: CapacitySeries, forecasts: readonly OriginForecast[]): CapacityChart {
  const first = forecasts[0]?.origin ?? 0;
  const n = s.values.length - first;
  const mean = new Float64Array(n).fill(Number.NaN);
  const lower = new Float64Array(n).fill(Number.NaN);
  const upper = new Float64Array(n).fill(Number.NaN);
  for (const f of forecasts) {
    for (let h = 0; h < f.mean.length && f.origin - first + h < n; h++) {
      mean[f.origin - first + h] = f.mean[h] as number;
      lower[f.origin - first + h] = f.lower[h] as number;
      upper[f.origin - first + h] = f.upper[h] as number;
    }
  }
  return {
    title: `${dataset} ${s.name}: homeostat, reported origins (last ${forecasts.length} days)`,
    actual: s.values.subarray(first),
    mean,
    lower,
    upper,
    origins: forecasts.map((f) => f.origin - first),
  };
}

interface Context {
  readonly out: string | undefined;
  readonly charts: number;
  readonly log: (line: string) => void;
  tick(): void;
}

function runDataset(
  d: CapacityDataset,
  methods: readonly CapacityMethod[],
  ctx: Context,
): { metrics: Record<string, CapacityMethodMetrics>; charts: CapacityChart[] } {
  const plan = { dayPoints: DAY_POINTS, reportedDays: REPORTED_DAYS, tuningDays: TUNING_DAYS, minHistoryPoints: MIN_HISTORY_POINTS };
  const reported = new Map(methods.map((m) => [m.name, {} as Record<string, ForecastScores>]));
  const tuning = new Map(methods.map((m) => [m.name, {} as Record<string, ForecastScores>]));
  const charts: CapacityChart[] = [];
  for (const s of d.series) {
    const origins: Origins = rollingOrigins(s.values.length, plan);
    if (origins.reported.length === 0) {
      ctx.log(`${d.name}: skipping ${s.name}: ${s.values.length} points, fewer than 3 days of history before a 1-day horizon`);
      for (const _ of methods) ctx.tick();
      continue;
    }
    const all = [...origins.tuning, ...origins.reported];
    for (const method of methods) {
      const forecasts = runOrigins(method, s, all, DAY_POINTS);
      const tun = forecasts.slice(0, origins.tuning.length);
      const rep = forecasts.slice(origins.tuning.length);
      (reported.get(method.name) as Record<string, ForecastScores>)[s.name] = scoreForecasts(s.values, rep, DAY_POINTS);
      if (tun.length > 0) (tuning.get(method.name) as Record<string, ForecastScores>)[s.name] = scoreForecasts(s.values, tun, DAY_POINTS);
      if (method.name === 'homeostat') {
        if (ctx.out) writeForecasts(join(ctx.out, 'capacity', 'forecasts', fileSafe(d.name), `${fileSafe(s.name)}.csv`), s, rep);
        if (charts.length < ctx.charts) charts.push(chartOf(d.name, s, rep));
      }
      ctx.tick();
    }
  }
  const medians = d.name === AWS_DATASET;
  const metrics: Record<string, CapacityMethodMetrics> = {};
  for (const m of methods) {
    metrics[m.name] = {
      ...summarise(reported.get(m.name) ?? {}, medians),
      tuning: summarise(tuning.get(m.name) ?? {}, medians),
    };
  }
  return { metrics, charts };
}

/**
 * Runs the capacity benchmark on the datasets under `root` that exist (a missing folder is skipped
 * with a line through `onLog`) and, with `out`, writes `OUT/capacity/metrics.json`,
 * `OUT/capacity/forecasts/<dataset>/<series>.csv` (homeostat's forecasts at the reported origins:
 * `origin,timestamp,mean,lower,upper,actual`) and `OUT/capacity/report.html`.
 * @returns the metrics (also the content of metrics.json).
 * @throws HomeostatError invalid_argument on a malformed dataset file or an unknown method name.
 * @example const m = runCapacityBench({ root: '../shared/datasets', out: 'bench-out' }); m.datasets.google2019?.homeostat.one_minus_wape
 */
export function runCapacityBench(options: CapacityBenchOptions): CapacityBenchMetrics {
  const started = performance.now();
  const log = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const every = capacityMethods();
  const known = every.map((m) => m.name);
  const wanted = options.methods;
  if (wanted) {
    const unknown = wanted.filter((w) => !known.includes(w));
    if (unknown.length > 0) {
      throw invalid(`bench capacity: unknown method ${unknown.map((u) => describe(u)).join(', ')} (expected some of: ${known.join(', ')})`);
    }
  }
  const methods = every.filter((m) => m.name === 'homeostat' || wanted === undefined || wanted.includes(m.name));
  const skipped: Record<string, string> = {};
  const found: CapacityDataset[] = [];
  const capacity = readCapacityFiles(options.root);
  if (capacity.data === undefined) {
    skipped.capacity = capacity.reason;
    log(`skipping capacity: ${capacity.reason}`);
  } else if (capacity.data.length === 0) {
    skipped.capacity = `${capacity.path} holds no *_5min.csv file`;
    log(`skipping capacity: ${skipped.capacity}`);
  } else found.push(...capacity.data);
  const aws = readAwsInstances(options.root);
  if (aws.data === undefined) {
    skipped[AWS_DATASET] = aws.reason;
    log(`skipping ${AWS_DATASET}: ${aws.reason}`);
  } else {
    for (const s of aws.skipped) log(`${AWS_DATASET}: skipping ${s.name}: ${s.reason}`);
    if (aws.data.length === 0) {
      skipped[AWS_DATASET] = `${aws.path} holds no usable series`;
      log(`skipping ${AWS_DATASET}: ${skipped[AWS_DATASET]}`);
    } else found.push(...aws.data);
  }
  const total = found.reduce((a, d) => a + d.series.length, 0) * methods.length;
  let done = 0;
  const ctx: Context = { out: options.out, charts: options.charts ?? 2, log, tick: () => options.onProgress?.(++done, total) };
  const datasets: Record<string, Record<string, CapacityMethodMetrics>> = {};
  const charts: CapacityChart[] = [];
  for (const d of found) {
    const r = runDataset(d, methods, ctx);
    datasets[d.name] = r.metrics;
    charts.push(...r.charts);
  }
  const metrics: CapacityBenchMetrics = {
    task: 'capacity',
    data: options.root,
    datasets,
    skipped,
    methods: Object.fromEntries(methods.map((m) => [m.name, m.description])),
    notes: [
      `rolling origin: one forecaster per series and method, streaming (learn up to the origin, forecast ${DAY_POINTS} steps = 24 h at 5 min, learn on; never rebuilt), all history before an origin available; missing values are not fed and not scored.`,
      `origins: daily, anchored at the series' end (the last horizon ends at the last point), each with ≥ 3 days of history; the last ${REPORTED_DAYS} are REPORTED (the top-level figures), the ${TUNING_DAYS} before them are TUNING origins (under "tuning"; settings are chosen there only). AWS series of ~14 days have 4 tuning origins; a series shorter than 4 days is skipped.`,
      "one_minus_wape = 1 − Σ|y − ŷ| / Σ|y| pooled over a series' origins; mase = mean over origins of MAE ÷ the in-sample daily seasonal-naive MAE of the history before the origin; rel_mae_vs_snaive = Σ|y − ŷ| ÷ Σ|y − y(t − 1 day)| on the same points; coverage_90 = share of actuals inside the 90 % interval; rel_width_90 = Σ(upper − lower) ÷ Σ|y| (mean interval width relative to the mean level); interval_score_90 = Σ[(upper − lower) + 20·(lower − y)⁺ + 20·(y − upper)⁺] ÷ Σ|y| (Gneiting & Raftery's interval score, lower is better: wide intervals and misses both cost); fit_forecast_ms = mean wall time per origin to learn the new day and forecast 288 steps.",
      `dataset figures are means over series${found.some((d) => d.name === AWS_DATASET) ? `; on ${AWS_DATASET} also medians (median_one_minus_wape, median_rel_mae_vs_snaive)` : ''}; per-series figures under "series".`,
      "series are put on a 5-minute grid from their first timestamp (NAB's repeated timestamps: the last value wins; skipped slots are missing).",
    ],
    seconds: round((performance.now() - started) / 1000, 2),
  };
  if (options.out) {
    const dir = join(options.out, 'capacity');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    writeFileSync(join(dir, 'report.html'), renderCapacityReport(metrics, charts, formatCapacityTables(metrics)));
  }
  return metrics;
}

/** The metric rows of the printed and HTML tables (`a.b` = field b of the nested object a). */
export function capacityTableMetrics(dataset: string): readonly string[] {
  const medians = dataset === AWS_DATASET ? ['median_one_minus_wape', 'median_rel_mae_vs_snaive'] : [];
  return [
    'one_minus_wape',
    ...medians.slice(0, 1),
    'mase',
    'rel_mae_vs_snaive',
    ...medians.slice(1),
    'coverage_90',
    'rel_width_90',
    'interval_score_90',
    'fit_forecast_ms',
    'origins',
    'missing_points',
    'tuning.one_minus_wape',
    ...medians.slice(0, 1).map((m) => `tuning.${m}`),
    'tuning.mase',
    'tuning.rel_mae_vs_snaive',
    ...medians.slice(1).map((m) => `tuning.${m}`),
    'tuning.coverage_90',
    'tuning.rel_width_90',
    'tuning.interval_score_90',
    'tuning.origins',
  ];
}

/** A method's figure by table row name (`tuning.mase` reads the nested object). */
export function capacityValue(m: CapacityMethodMetrics | undefined, metric: string): unknown {
  const dot = metric.indexOf('.');
  if (dot < 0) return m?.[metric];
  const nested = m?.[metric.slice(0, dot)];
  return typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>)[metric.slice(dot + 1)] : undefined;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), line(head.map((_, i) => '-'.repeat(widths[i] ?? 0))), ...rows.map(line), ''];
}

/**
 * One plain-text table per dataset (metrics as rows, methods as columns), then per series the
 * reported 1 − WAPE / relative MAE of each method, then the methods and notes.
 * @example process.stdout.write(formatCapacityTables(runCapacityBench({ root })))
 */
export function formatCapacityTables(m: CapacityBenchMetrics): string {
  const out: string[] = [];
  for (const [name, d] of Object.entries(m.datasets)) {
    const names = Object.keys(d);
    const rows = capacityTableMetrics(name).map((metric) => [metric, ...names.map((meth) => figureCell(capacityValue(d[meth], metric)))]);
    out.push(...table([name, ...names], rows));
    const seriesNames = Object.keys(d.homeostat?.series ?? {});
    const perSeries = seriesNames.map((s) => [
      s,
      ...names.map((meth) => {
        const r = d[meth]?.series?.[s];
        return r ? `${figureCell(r.one_minus_wape)} / ${figureCell(r.rel_mae_vs_snaive)}` : '-';
      }),
    ]);
    out.push(...table([`${name}: 1−WAPE / rel MAE`, ...names], perSeries));
  }
  for (const [name, reason] of Object.entries(m.skipped)) out.push(`${name}: skipped (${reason})`, '');
  out.push(...Object.entries(m.methods).map(([name, what]) => `- ${name}: ${what}`));
  out.push(...m.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
