/**
 * @module telemetry/series-collector
 * Gathers the points decoded from a wire protocol (OTLP, remote_write) into one batch per series,
 * after the checks every protocol shares: label count and size, time window, finite values and an
 * optional caller check (e.g. "names an entity"). What fails a check is counted and described, up
 * to {@link MAX_REASONS} sentences, so the response can say what was refused and why.
 */
import { canonicalSeries } from './series-id.js';
import type { Labels, Point, SeriesKey } from './types.js';

/** Most rejection sentences kept per request. */
export const MAX_REASONS = 20;

/** Points for one series, decoded from a wire protocol; assignable to the engine's `IngestSeries`. */
export interface DecodedSeries extends SeriesKey {
  readonly points: Point[];
}

/** Limits and checks applied to every decoded series and point. */
export interface SeriesChecks {
  /** Most labels on one series (default 64). */
  readonly maxLabels?: number;
  /** Longest label name, in characters (default 256). */
  readonly maxLabelNameLength?: number;
  /** Longest label value, in characters (default 2048). */
  readonly maxLabelValueLength?: number;
  /** Earliest accepted point time, epoch ms (default: no limit). */
  readonly minTimeMs?: number;
  /** Latest accepted point time, epoch ms (default: no limit). */
  readonly maxTimeMs?: number;
  /** Extra check of a label set; a returned sentence refuses the series, e.g. one that names no entity. */
  readonly checkLabels?: (labels: Labels) => string | undefined;
}

/** What a protocol decode produced: batches to ingest and what was refused. */
export interface DecodedBatch {
  readonly series: DecodedSeries[];
  /** Points put into `series` (derived series points, e.g. each histogram bucket, counted one by one). */
  readonly points: number;
  /** Units refused (OTLP data points, remote_write samples or series' samples), with reasons below. */
  readonly rejected: number;
  /** Up to {@link MAX_REASONS} sentences saying what was refused and why. */
  readonly reasons: readonly string[];
}

/** Collects points per series and counts rejections. One per request. */
export class SeriesCollector {
  readonly #series = new Map<string, DecodedSeries>();
  readonly #keys = new WeakMap<Labels, Map<string, string>>();
  readonly #checks: SeriesChecks;
  readonly #reasons: string[] = [];
  #rejected = 0;
  #points = 0;

  constructor(checks: SeriesChecks = {}) {
    this.#checks = checks;
  }

  /** Refuses `count` units with a reason (kept if fewer than {@link MAX_REASONS} are held). */
  reject(reason: string, count = 1): void {
    this.#rejected += count;
    if (this.#reasons.length < MAX_REASONS) this.#reasons.push(reason);
  }

  /** Why a label set is refused (count and size limits, then the caller's check), or undefined. */
  checkLabels(labels: Labels): string | undefined {
    const maxLabels = this.#checks.maxLabels ?? 64;
    const maxName = this.#checks.maxLabelNameLength ?? 256;
    const maxValue = this.#checks.maxLabelValueLength ?? 2048;
    const names = Object.keys(labels);
    if (names.length > maxLabels) return `has ${names.length} labels (expected at most ${maxLabels})`;
    for (const name of names) {
      if (name.length > maxName)
        return `label name ${JSON.stringify(name.slice(0, 40))}… is ${name.length} characters long (expected at most ${maxName})`;
      const value = labels[name] as string;
      if (value.length > maxValue) return `label ${name} is ${value.length} characters long (expected at most ${maxValue})`;
    }
    return this.#checks.checkLabels?.(labels);
  }

  /** Why a point time (epoch ms) is refused, or undefined. */
  checkTime(ms: number): string | undefined {
    const { minTimeMs, maxTimeMs } = this.#checks;
    if (!Number.isFinite(ms)) return `time is not a number (got ${ms})`;
    if (minTimeMs !== undefined && ms < minTimeMs) {
      return `time ${new Date(ms).toISOString()} is too far in the past (expected at or after ${new Date(minTimeMs).toISOString()})`;
    }
    if (maxTimeMs !== undefined && ms > maxTimeMs) {
      return `time ${new Date(ms).toISOString()} is too far in the future (expected at or before ${new Date(maxTimeMs).toISOString()})`;
    }
    return undefined;
  }

  /**
   * Appends a point to the series `metric{labels}` (the caller has checked labels, time and value).
   * The series key is computed once per label-set object and metric (points of one series share them).
   */
  add(metric: string, labels: Labels, t: number, v: number): void {
    let byMetric = this.#keys.get(labels);
    if (byMetric === undefined) {
      byMetric = new Map();
      this.#keys.set(labels, byMetric);
    }
    let key = byMetric.get(metric);
    if (key === undefined) {
      key = canonicalSeries({ metric, labels });
      byMetric.set(metric, key);
    }
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { metric, labels, points: [] };
      this.#series.set(key, s);
    }
    s.points.push({ t, v });
    this.#points++;
  }

  /** The batches and the rejection count and reasons so far. */
  result(): DecodedBatch {
    return { series: [...this.#series.values()], points: this.#points, rejected: this.#rejected, reasons: [...this.#reasons] };
  }
}
