/**
 * @module registry/live-metrics
 * Live accuracy and calibration of a model version from its observed outcomes (labels given by
 * operators, actuals revealed by time): pure functions over {@link ModelOutcome} records.
 *
 * Classification outcomes (an anomaly confirmed or rejected, a failure forecast that came true or
 * not, a root cause confirmed): `accuracy` is the share marked correct — for an alerting model
 * whose outcomes are its raised alerts that is its precision; `meanConfidence`, the ECE over 10
 * equal-width bins and the Brier score use the outcomes that carry the model's confidence (the
 * definitions of the datasets README, as `bench/anomaly/metrics.ts` `reliability`).
 * Regression outcomes (a forecast meeting its actual): MAE of `error`, mean `relError`, and the
 * share of actuals inside the issued interval (`covered`).
 *
 * The trend compares the recent window with everything before it: a two-proportion z-test on
 * accuracy, a Welch z on the mean absolute error; |z| ≥ 2 is a change, anything less is `stable`.
 * Fewer than {@link MIN_TREND_OUTCOMES} outcomes on either side give no trend.
 */
import type { ModelOutcome } from '../records/types.js';
import { type ReliabilityBin, reliabilityOf } from '../learn/calibration-metrics.js';

/** Number of equal-width confidence bins of the reliability table and the ECE. */
export const RELIABILITY_BINS = 10;
/** Outcomes each side of the window needs before a trend is reported. */
export const MIN_TREND_OUTCOMES = 10;
/** |z| at or above which a trend is a change rather than noise. */
export const TREND_Z = 2;

export type { ReliabilityBin } from '../learn/calibration-metrics.js';

/** Live metrics of classification outcomes. */
export interface ClassificationMetrics {
  readonly n: number;
  /** Share marked correct (precision, when the outcomes are the model's raised alerts). */
  readonly accuracy: number;
  /** Outcomes that carry a confidence (the rest count for accuracy only). */
  readonly withConfidence: number;
  readonly meanConfidence?: number;
  /** Expected calibration error, 10 equal-width bins. */
  readonly ece?: number;
  readonly brier?: number;
  /** Non-empty bins, lowest confidence first. */
  readonly bins: readonly ReliabilityBin[];
}

/** Live metrics of regression outcomes. */
export interface RegressionMetrics {
  readonly n: number;
  /** Mean absolute error, in the unit of the forecast. */
  readonly mae: number;
  readonly meanRelError?: number;
  /** Share of actuals inside the issued interval, over the outcomes that say. */
  readonly coverage?: number;
  readonly withInterval: number;
}

/** Metrics of a set of outcomes; a section is absent when no outcome of its kind is in the set. */
export interface OutcomeMetrics {
  readonly n: number;
  readonly classification?: ClassificationMetrics;
  readonly regression?: RegressionMetrics;
}

/** How a live metric moved between the earlier outcomes and the recent window. */
export interface LiveTrend {
  readonly metric: 'accuracy' | 'mae';
  readonly earlier: number;
  readonly recent: number;
  /** recent − earlier. */
  readonly delta: number;
  /** Test statistic of the difference; null when both sides are constant but differ. */
  readonly z: number | null;
  readonly direction: 'improving' | 'worsening' | 'stable';
}

/** Live metrics of one model (or one version) at a time. */
export interface LiveMetrics {
  readonly name: string;
  /** The version, or undefined for all versions together. */
  readonly version?: number;
  /** When they were computed (epoch ms); outcomes after it are left out. */
  readonly at: number;
  readonly windowMs: number;
  /** Every outcome up to `at`. */
  readonly overall: OutcomeMetrics;
  /** Outcomes in [at − windowMs, at]. */
  readonly recent: OutcomeMetrics;
  /** Outcomes before the window. */
  readonly earlier: OutcomeMetrics;
  /** One entry per metric with enough outcomes on both sides. */
  readonly trend: readonly LiveTrend[];
}

/**
 * Live metrics of `outcomes` at `at`: overall, over the recent `windowMs`, before it, and the trend.
 * Outcomes later than `at` are ignored. Pure; the order of `outcomes` does not matter.
 * @example
 * liveMetricsOf('m', [{ id: 'a', name: 'm', version: 1, at: 5, kind: 'classification', correct: true, confidence: 0.8 }], { at: 10, windowMs: 10 })
 *   .overall.classification?.brier // (0.8 − 1)² = 0.04
 */
export function liveMetricsOf(
  name: string,
  outcomes: readonly ModelOutcome[],
  options: { readonly at: number; readonly windowMs: number; readonly version?: number },
): LiveMetrics {
  const { at, windowMs } = options;
  const known = outcomes.filter((o) => o.at <= at);
  const from = at - windowMs;
  const recent = known.filter((o) => o.at >= from);
  const earlier = known.filter((o) => o.at < from);
  const recentMetrics = outcomeMetrics(recent);
  const earlierMetrics = outcomeMetrics(earlier);
  return {
    name,
    ...(options.version === undefined ? {} : { version: options.version }),
    at,
    windowMs,
    overall: outcomeMetrics(known),
    recent: recentMetrics,
    earlier: earlierMetrics,
    trend: trends(earlier, recent),
  };
}

/** Metrics of a set of outcomes (classification and regression sections as present). */
export function outcomeMetrics(outcomes: readonly ModelOutcome[]): OutcomeMetrics {
  const labelled = outcomes.filter((o) => o.kind === 'classification' && typeof o.correct === 'boolean');
  const measured = outcomes.filter((o) => o.kind === 'regression' && isFiniteNumber(o.error));
  const classification = labelled.length > 0 ? classificationMetrics(labelled) : undefined;
  const regression = measured.length > 0 ? regressionMetrics(measured) : undefined;
  return {
    n: labelled.length + measured.length,
    ...(classification ? { classification } : {}),
    ...(regression ? { regression } : {}),
  };
}

function classificationMetrics(outcomes: readonly ModelOutcome[]): ClassificationMetrics {
  const correct = outcomes.filter((o) => o.correct === true).length;
  const scored = outcomes.filter((o) => isFiniteNumber(o.confidence) && o.confidence >= 0 && o.confidence <= 1);
  const base = { n: outcomes.length, accuracy: correct / outcomes.length, withConfidence: scored.length };
  if (scored.length === 0) return { ...base, bins: [] };
  const r = reliabilityOf(
    scored.map((o) => o.confidence as number),
    scored.map((o) => o.correct === true),
    RELIABILITY_BINS,
  );
  return { ...base, meanConfidence: r.meanConfidence, ece: r.ece, brier: r.brier, bins: r.bins };
}

function regressionMetrics(outcomes: readonly ModelOutcome[]): RegressionMetrics {
  const mae = mean(outcomes.map((o) => Math.abs(o.error as number)));
  const rel = outcomes.filter((o) => isFiniteNumber(o.relError)).map((o) => Math.abs(o.relError as number));
  const withInterval = outcomes.filter((o) => typeof o.covered === 'boolean');
  return {
    n: outcomes.length,
    mae,
    ...(rel.length > 0 ? { meanRelError: mean(rel) } : {}),
    ...(withInterval.length > 0 ? { coverage: withInterval.filter((o) => o.covered).length / withInterval.length } : {}),
    withInterval: withInterval.length,
  };
}

function trends(earlier: readonly ModelOutcome[], recent: readonly ModelOutcome[]): LiveTrend[] {
  const out: LiveTrend[] = [];
  const flags = (list: readonly ModelOutcome[]) =>
    list.filter((o) => o.kind === 'classification' && typeof o.correct === 'boolean').map((o) => (o.correct ? 1 : 0));
  const errors = (list: readonly ModelOutcome[]) =>
    list.filter((o) => o.kind === 'regression' && isFiniteNumber(o.error)).map((o) => Math.abs(o.error as number));
  const a = flags(earlier);
  const b = flags(recent);
  if (a.length >= MIN_TREND_OUTCOMES && b.length >= MIN_TREND_OUTCOMES) {
    const p1 = mean(a);
    const p2 = mean(b);
    const pooled = (sum(a) + sum(b)) / (a.length + b.length);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.length + 1 / b.length));
    // A pooled share of 0 or 1 means both sides are equal: no change.
    const z = se === 0 ? 0 : (p2 - p1) / se;
    out.push(trend('accuracy', p1, p2, z, 1));
  }
  const e1 = errors(earlier);
  const e2 = errors(recent);
  if (e1.length >= MIN_TREND_OUTCOMES && e2.length >= MIN_TREND_OUTCOMES) {
    const m1 = mean(e1);
    const m2 = mean(e2);
    const se = Math.sqrt(variance(e1, m1) / e1.length + variance(e2, m2) / e2.length);
    const z = se === 0 ? (m1 === m2 ? 0 : null) : (m2 - m1) / se;
    out.push(trend('mae', m1, m2, z, -1));
  }
  return out;
}

/** `better` is +1 when a larger value is better (accuracy), −1 when smaller is (error). */
function trend(metric: LiveTrend['metric'], earlier: number, recent: number, z: number | null, better: 1 | -1): LiveTrend {
  const delta = recent - earlier;
  const changed = z === null ? delta !== 0 : Math.abs(z) >= TREND_Z;
  const direction = !changed ? 'stable' : Math.sign(delta) === better ? 'improving' : 'worsening';
  return { metric, earlier, recent, delta, z, direction };
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

function mean(xs: readonly number[]): number {
  return sum(xs) / xs.length;
}

/** Sample variance (n − 1). */
function variance(xs: readonly number[], m: number): number {
  if (xs.length < 2) return 0;
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return s / (xs.length - 1);
}
