/**
 * @module forecast/forecast-table
 * Batch demand forecasts over a wide metrics table (`homeostat forecast`): one streaming
 * forecaster of the catalog per metric (the default, {@link DEFAULT_FORECASTER_KIND}, unless told
 * otherwise) learns the metric's whole history, then forecasts the horizon after the table's last
 * row, with its interval. Pure: the caller reads and writes files.
 *
 * The step is the median difference between consecutive timestamps unless given; the forecaster's
 * config is {@link forecasterConfig} for that step (its daily season keeps its duration). A metric
 * whose last rows are missing is forecast from its last value on, and only the steps after the
 * table's last row are kept, so every metric gets the same timestamps.
 *
 * Works when the history holds at least a full season (one day for the default forecaster).
 * Fails (with an error saying how much history is needed) when a metric has too few points for
 * its forecaster to leave warm-up.
 */
import { describe, invalid } from '../errors.js';
import { createForecaster, DEFAULT_FORECASTER_KIND } from '../models/index.js';
import type { MetricTable } from '../telemetry/csv-table.js';
import { forecasterConfig } from './forecaster-config.js';

/** Options of {@link forecastTable}. */
export interface ForecastTableOptions {
  /** How far ahead to forecast (ms), at least one step. */
  readonly horizonMs: number;
  /** Step between rows (ms). Default: the median difference between consecutive timestamps. */
  readonly stepMs?: number;
  /** Forecaster kind of the catalog. Default {@link DEFAULT_FORECASTER_KIND}. */
  readonly forecaster?: string;
  /** Config keys merged over the step-mapped config (unknown keys rejected). */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** One forecast step of one metric. */
export interface ForecastRow {
  /** Epoch ms of the step. */
  readonly t: number;
  readonly metric: string;
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
}

/** Result of {@link forecastTable}. */
export interface ForecastTableResult {
  /** Rows grouped by metric (header order), then by time. */
  readonly rows: readonly ForecastRow[];
  readonly forecaster: string;
  /** The parsed forecaster config used for every metric. */
  readonly config: unknown;
  readonly stepMs: number;
  readonly horizonSteps: number;
  /** Interval coverage of the forecaster (e.g. 0.9). */
  readonly level: number;
  /** Whether `stepMs` was inferred from the timestamps. */
  readonly stepInferred: boolean;
  /** One line per metric whose history is shorter than the config's longest season (its forecast may not be seasonal yet). */
  readonly warnings: readonly string[];
}

/**
 * The median of the positive differences between consecutive timestamps (ms); undefined when
 * there is none (fewer than two distinct times).
 * @example inferStepMs(Float64Array.of(0, 300_000, 600_000, 1_500_000)) // 300000
 */
export function inferStepMs(timestamps: ArrayLike<number>): number | undefined {
  const diffs: number[] = [];
  for (let i = 1; i < timestamps.length; i++) {
    const d = (timestamps[i] as number) - (timestamps[i - 1] as number);
    if (d > 0 && Number.isFinite(d)) diffs.push(d);
  }
  if (diffs.length === 0) return undefined;
  diffs.sort((a, b) => a - b);
  const m = diffs.length >> 1;
  return diffs.length & 1 ? (diffs[m] as number) : ((diffs[m - 1] as number) + (diffs[m] as number)) / 2;
}

/** A duration in the largest whole unit that fits (`1d`, `6h`, `5m`, `30s`, else ms). */
function duration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** The longest season of a config (points): its largest integer key named like `season`; undefined when none. */
function longestSeason(config: unknown): number | undefined {
  const c = (typeof config === 'object' && config !== null ? config : {}) as Record<string, unknown>;
  const seasons = Object.entries(c)
    .filter(([k, v]) => /season/i.test(k) && typeof v === 'number' && Number.isInteger(v))
    .map(([, v]) => v as number);
  return seasons.length > 0 ? Math.max(...seasons) : undefined;
}

/** What the config says a forecaster needs before it forecasts, for the too-little-history error. */
function needs(config: unknown, stepMs: number): string {
  const c = (typeof config === 'object' && config !== null ? config : {}) as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof c.minPoints === 'number') parts.push(`at least ${c.minPoints} points (its minPoints)`);
  const season = longestSeason(config);
  if (season !== undefined) parts.push(`a full season of ${season} points (${duration(season * stepMs)}) for a seasonal forecast`);
  return parts.length > 0 ? parts.join(' and ') : 'more points';
}

/**
 * Learns each metric of `table` with its own forecaster and forecasts `horizonMs` after the last row.
 * @throws HomeostatError `invalid_argument` when the timestamps decrease, the step cannot be
 *   inferred (fewer than two distinct timestamps) or is not positive, the horizon is shorter than
 *   one step, the forecaster kind or config is unknown, or a metric has too little history for its
 *   forecaster (the message says how much is needed).
 * @example forecastTable(parseMetricTable(csv), { horizonMs: 86_400_000 }).rows[0] // { t, metric, mean, lower, upper }
 */
export function forecastTable(table: MetricTable, options: ForecastTableOptions): ForecastTableResult {
  const ts = table.timestamps;
  for (let i = 1; i < ts.length; i++) {
    if ((ts[i] as number) < (ts[i - 1] as number)) {
      throw invalid(
        `forecast: timestamps must not decrease (row ${i + 1} at ${new Date(ts[i] as number).toISOString()} comes after ${new Date(ts[i - 1] as number).toISOString()})`,
      );
    }
  }
  const inferred = options.stepMs === undefined;
  const stepMs = options.stepMs ?? inferStepMs(ts);
  if (stepMs === undefined)
    throw invalid(`forecast: cannot infer the step from ${ts.length} row(s) (expected at least two distinct timestamps, or give the step)`);
  if (!(Number.isFinite(stepMs) && stepMs > 0))
    throw invalid(`forecast: the step must be a positive duration (got ${describe(stepMs)} ms)`);
  const { horizonMs } = options;
  if (!(Number.isFinite(horizonMs) && horizonMs >= stepMs)) {
    throw invalid(`forecast: the horizon must be at least one step (${duration(stepMs)}) (got ${describe(horizonMs)} ms)`);
  }
  const horizonSteps = Math.round(horizonMs / stepMs);
  const kind = options.forecaster ?? DEFAULT_FORECASTER_KIND;
  const config = forecasterConfig(kind, stepMs, options.config === undefined ? {} : { overrides: options.config });
  const lastT = ts[ts.length - 1] as number;
  const rows: ForecastRow[] = [];
  const warnings: string[] = [];
  const season = longestSeason(config);
  let level = Number.NaN;
  table.metrics.forEach((metric, j) => {
    const col = table.columns[j] as Float64Array;
    const f = createForecaster(kind, config);
    let lastFinite = -1;
    let points = 0;
    for (let i = 0; i < ts.length; i++) {
      const v = col[i] as number;
      if (!Number.isFinite(v)) continue;
      f.learn({ t: ts[i] as number, v });
      lastFinite = i;
      points++;
    }
    const behind = lastFinite < 0 ? 0 : Math.max(0, Math.round((lastT - (ts[lastFinite] as number)) / stepMs));
    const fc = f.forecast(horizonSteps + behind);
    if (fc === undefined) {
      throw invalid(
        `forecast: too little history for metric ${describe(metric)}: ${points} point(s) with a value; ${kind} needs ${needs(config, stepMs)} at a ${duration(stepMs)} step`,
      );
    }
    level = fc.level;
    if (season !== undefined && points < season) {
      warnings.push(
        `metric ${describe(metric)}: ${points} point(s) of history, less than a full season of ${season} points (${duration(season * stepMs)}): the forecast may not be seasonal yet`,
      );
    }
    let kept = 0;
    for (let h = 0; h < fc.t.length && kept < horizonSteps; h++) {
      const t = fc.t[h] as number;
      if (t < lastT + stepMs / 2) continue;
      rows.push({ t, metric, mean: fc.mean[h] as number, lower: fc.lower[h] as number, upper: fc.upper[h] as number });
      kept++;
    }
  });
  return { rows, forecaster: kind, config, stepMs, horizonSteps, level, stepInferred: inferred, warnings };
}

/** Formats a number for CSV output: up to 6 significant digits, `''` for NaN. */
function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : '';
}

/**
 * Renders forecast rows as CSV: header `timestamp,metric,mean,lower,upper`, ISO timestamps, the
 * metric name quoted when it holds a comma or a quote.
 */
export function forecastCsv(rows: readonly ForecastRow[]): string {
  const lines = ['timestamp,metric,mean,lower,upper'];
  for (const r of rows) {
    const metric = /[",\n]/.test(r.metric) ? `"${r.metric.replaceAll('"', '""')}"` : r.metric;
    lines.push(`${new Date(r.t).toISOString()},${metric},${num(r.mean)},${num(r.lower)},${num(r.upper)}`);
  }
  return `${lines.join('\n')}\n`;
}
