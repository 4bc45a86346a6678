/**
 * @module rca/metric-attribution
 * Per-metric attribution inside one entity: which of its metrics explain an anomalous window. The
 * metric ranker (`createMetricRanker`) uses it, by rule, for a case whose candidates are the metrics
 * themselves ({@link isPerMetricCase}: each metric is its own candidate, as SMD's 38 metrics of one machine).
 *
 * Algorithm. Per metric, with level = median of the normal rows (before `anomalyStart`):
 * 1. change = the largest |value − level| over the incident rows, in either direction (attribution
 *    asks what moved, not what is harmful);
 * 2. robust z = change / spread, spread (on the side of the change) = the largest of 1.4826·MAD,
 *    IQR/1.349, the distance from the level to the normal rows' `tailQuantile` (0.99; 1 − q below),
 *    `relativeFloor`·|level| and `rangeFloor`·range (when all are 0: `relativeFloor`·change);
 * 3. score = ln(1 + z) · change / range, where range = the metric's known full scale
 *    ({@link RcaMetric.range}, e.g. 0–1 for SMD's min-max-scaled values, 0–100 for a percentage),
 *    else its observed range over the case's rows (normal and incident).
 * The z says the change is unusual for this metric; the share of the range says it is large, as a
 * person reading the metric's plot on its full scale sees it. Neither alone works: a z alone ranks
 * first the metric that sat constant all day and twitched (any move scores 1/floor), a range share
 * alone ranks a noisy metric swinging as always.
 * Top-1 confidence = logistic of the top-1 margin ln(1 + s₁) − ln(1 + s₂), fitted on labelled dev
 * cases ({@link fitAttributionCalibration}): the probability that the first metric is one of those
 * that explain the window, given that the window is an incident (the ranker's `anomalous` flag says
 * separately whether its detection rule agrees).
 *
 * Cumulative counters are scored on their first differences.
 *
 * Works when the explaining metrics jump or shift by a visible part of their scale. Fails when a
 * metric without a known scale never reached its full range in the case (its observed range is
 * small, so small moves look large), when the explaining change is a change of shape (a daily
 * pattern that stopped) rather than of level or peak, and when labels follow a logic the data does
 * not show (SMD machine-1-3's labels name m12 and m15 for every segment, whether they moved or not).
 *
 * Reference: Su et al., "Robust Anomaly Detection for Multivariate Time Series through Stochastic
 * Recurrent Neural Network" (OmniAnomaly), KDD 2019 (SMD, interpretation labels, HitRate@P %);
 * Pham, Ha, Zhang, "BARO", FSE 2024 (robust scoring); Platt, 1999 (logistic calibration).
 */
import { describe as show, invalid } from '../errors.js';
import { LogisticCalibrator } from '../models/calibrator.js';
import type { RcaCase } from './case-types.js';

/** Settings of {@link metricChange}; defaults in {@link DEFAULT_METRIC_ATTRIBUTION_SETTINGS}. */
export interface MetricAttributionSettings {
  /** Smallest spread as a share of |level|; > 0. Default 0.1 (as the ranker's). */
  readonly relativeFloor: number;
  /** Smallest spread as a share of the range; ≥ 0. Default 0.001. */
  readonly rangeFloor: number;
  /** Quantile of the normal rows (and 1 − q below the level) that counts as z 1 at least; in [0.5, 1]. Default 0.99. */
  readonly tailQuantile: number;
}

/**
 * Default settings, chosen on dev cases only (SMD machine-1-*, 103 segments): grid tailQuantile 0.99, 1 × peak weight 0.9, 1 × rangeFloor 0, 0.001,
 * 0.003, 0.01, 0.03, 0.1 × relativeFloor 0, 0.01, 0.1 × range known / observed × with or without
 * the range share × with or without NSigma's rank as a vote; rule fixed before the search:
 * highest dev HitRate@150 %, ties within 0.005 to the higher HitRate@100 %. Chosen (peak weight 1,
 * i.e. the largest change): dev HitRate@150 % 0.888, @100 % 0.774 through this code (z alone at best
 * 0.855; the observed range instead of the known scale at best 0.807; the ranker before 0.769;
 * NSigma's rank as a vote did not help).
 */
export const DEFAULT_METRIC_ATTRIBUTION_SETTINGS: MetricAttributionSettings = {
  relativeFloor: 0.1,
  rangeFloor: 0.001,
  tailQuantile: 0.99,
};

/** Logistic map from the attribution margin `ln(1 + s₁) − ln(1 + s₂)` to P(the top-1 metric explains the window). */
export interface AttributionCalibration {
  /** Margin at which the top-1 is right half the time. */
  readonly center: number;
  /** Margin distance from the centre to odds e:1; > 0. */
  readonly width: number;
}

/** Prior that {@link fitAttributionCalibration} starts from and is pulled toward (margin 0 is a coin flip); not fitted. */
export const ATTRIBUTION_CALIBRATION_PRIOR: AttributionCalibration = { center: 0, width: 1 };

/**
 * Calibration shipped for per-metric cases, fitted by {@link fitAttributionCalibration} with the
 * default settings on dev cases only: the 103 SMD machine-1-* segments, from
 * {@link ATTRIBUTION_CALIBRATION_PRIOR} with L2 = 1; `npm run train:rca-case-calibration`
 * refits it (bench/rca/train-calibration.ts).
 * On those cases the top-1 is right 91 % of the time; leave-one-machine-out ECE 0.040 (in-sample
 * 0.018). A margin of 0 (a tie) maps to 0.87: with several explaining metrics per segment, even a
 * tied first is usually one of them. Re-fit when the settings change.
 */
export const DEFAULT_ATTRIBUTION_CALIBRATION: AttributionCalibration = { center: -1.3109066253130381, width: 0.7006955481466692 };

/** One metric's change over the incident rows (see the module comment). */
export interface MetricChange {
  /** ln(1 + z) · change / range; ≥ 0. */
  readonly score: number;
  /** Robust z of the change. */
  readonly z: number;
  /** Largest |incident value − level|. */
  readonly change: number;
  /** The scale the change is measured against (known full scale, else observed range); > 0 when change > 0. */
  readonly range: number;
  /** Whether `range` is the metric's known full scale or the range observed in the case. */
  readonly scale: 'known' | 'observed';
  /** Median of the normal rows. */
  readonly level: number;
  /** The incident value furthest from the level. */
  readonly extreme: number;
}

/**
 * Checks attribution settings: `undefined` gives the defaults; an object overrides them key by key.
 * @throws HomeostatError `invalid_argument` for an unknown key or a value out of range.
 */
export function parseMetricAttributionSettings(input: unknown): MetricAttributionSettings {
  if (input === undefined || input === null) return { ...DEFAULT_METRIC_ATTRIBUTION_SETTINGS };
  if (typeof input !== 'object' || Array.isArray(input))
    throw invalid(`rca/metric-attribution: settings must be an object (got ${show(input)})`);
  const keys = Object.keys(DEFAULT_METRIC_ATTRIBUTION_SETTINGS);
  const out: Record<string, unknown> = { ...DEFAULT_METRIC_ATTRIBUTION_SETTINGS };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (!keys.includes(key))
      throw invalid(`rca/metric-attribution: unknown setting ${JSON.stringify(key)} (expected one of: ${keys.join(', ')})`);
    if (value !== undefined) out[key] = value;
  }
  const check = (key: string, ok: (x: number) => boolean, expected: string): void => {
    const v = out[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
      throw invalid(`rca/metric-attribution: ${key} must be ${expected} (got ${show(v)})`);
  };
  check('relativeFloor', (x) => x > 0, 'a number > 0');
  check('rangeFloor', (x) => x >= 0, 'a number >= 0');
  check('tailQuantile', (x) => x >= 0.5 && x <= 1, 'a number in [0.5, 1]');
  return out as unknown as MetricAttributionSettings;
}

/**
 * Whether a case asks for per-metric attribution: at least two metrics and every metric is its own
 * candidate (its name is the candidate's name: SMD's `m01`…`m38`, or a case folder's columns named
 * neither `<candidate>_<kind>` nor `<candidate>/<kind>/…`). Two services with one metric each
 * (`a_cpu`, `b_cpu`) are candidates with metrics, not a per-metric case.
 */
export function isPerMetricCase(c: RcaCase): boolean {
  if (c.metrics.length < 2 || c.candidates.length !== c.metrics.length) return false;
  return c.metrics.every((m) => m.name === m.candidate);
}

/**
 * Scores one metric's change: rows before `start` are normal, the others the incident; NaN values
 * are left out. Undefined when fewer than 2 finite normal rows or no finite incident row.
 * @param fullScale the metric's known full scale `{ min, max }` (max > min), else its observed range is used.
 * @example metricChange([0.1, 0.1, 0.12, 0.08, 0.1, 0.6], 5, DEFAULT_METRIC_ATTRIBUTION_SETTINGS, { min: 0, max: 1 })?.score // ln(1 + 0.5 / 0.0192) · 0.5 ≈ 1.649
 */
export function metricChange(
  values: ArrayLike<number>,
  start: number,
  s: MetricAttributionSettings,
  fullScale?: { readonly min: number; readonly max: number },
): MetricChange | undefined {
  const normal: number[] = [];
  const incident: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) (i < start ? normal : incident).push(v);
  }
  if (normal.length < 2 || incident.length < 1) return undefined;
  normal.sort((a, b) => a - b);
  const level = quantileSorted(normal, 0.5);
  let extreme = incident[0] as number;
  for (const v of incident) if (Math.abs(v - level) > Math.abs(extreme - level)) extreme = v;
  const change = Math.abs(extreme - level);
  let range: number;
  const known = fullScale !== undefined && fullScale.max > fullScale.min;
  if (known) range = fullScale.max - fullScale.min;
  else {
    // A loop, not Math.min(...incident): a long incident would overflow the argument list.
    let lo = normal[0] as number;
    let hi = normal[normal.length - 1] as number;
    for (const v of incident) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    range = hi - lo;
  }
  const absDev = normal.map((v) => Math.abs(v - level)).sort((a, b) => a - b);
  const iqr = quantileSorted(normal, 0.75) - quantileSorted(normal, 0.25);
  const tail = extreme >= level ? quantileSorted(normal, s.tailQuantile) - level : level - quantileSorted(normal, 1 - s.tailQuantile);
  let spread = Math.max(1.4826 * quantileSorted(absDev, 0.5), iqr / 1.349, tail, s.relativeFloor * Math.abs(level), s.rangeFloor * range);
  if (!(spread > 0)) spread = s.relativeFloor * change;
  const z = spread > 0 ? change / spread : 0;
  const score = range > 0 ? Math.log1p(z) * (change / range) : 0;
  return { score, z, change, range, scale: known ? 'known' : 'observed', level, extreme };
}

/**
 * The calibrated feature of a per-metric ranking: `ln(1 + s₁) − ln(1 + s₂)` of the two best
 * scores (s₂ = 0 with one metric; 0 for none).
 */
export function attributionMargin(scores: readonly number[]): number {
  let s1 = 0;
  let s2 = 0;
  for (const x of scores) {
    const v = Math.max(0, x);
    if (v > s1) {
      s2 = s1;
      s1 = v;
    } else if (v > s2) s2 = v;
  }
  return Math.log1p(s1) - Math.log1p(s2);
}

/**
 * Fits the attribution calibration on labelled per-metric cases: scores every metric of each case
 * with {@link metricChange}, takes the margin of the two best and whether the best is a true
 * metric, and fits a logistic map (Newton, L2 = 1 toward `prior`). Cases that are not per-metric
 * ({@link isPerMetricCase}) or have no truth are left out; the ranker's `anomalous` flag is not
 * consulted (the incident window is given). Fit on dev cases only.
 * @throws HomeostatError `invalid_argument` when no case is usable.
 */
export function fitAttributionCalibration(
  cases: readonly RcaCase[],
  settings?: Partial<MetricAttributionSettings>,
  prior: AttributionCalibration = ATTRIBUTION_CALIBRATION_PRIOR,
): AttributionCalibration {
  const s = parseMetricAttributionSettings(settings);
  const margins: number[] = [];
  const labels: boolean[] = [];
  for (const c of cases) {
    if (c.truth === undefined || c.truth.length === 0 || !isPerMetricCase(c)) continue;
    const ranked = attributeCase(c, s);
    const top = ranked[0];
    if (top === undefined) continue;
    margins.push(attributionMargin(ranked.map((r) => r.score)));
    labels.push(c.truth.includes(top.candidate));
  }
  if (margins.length === 0) {
    throw invalid(
      `rca/metric-attribution: calibration needs per-metric cases with known explaining metrics (got ${cases.length} cases, none usable)`,
    );
  }
  return new LogisticCalibrator(checkAttributionCalibration(prior)).fit(margins, labels, { l2: 1 });
}

/**
 * Scores every metric of a per-metric case and sorts the candidates, best first (ties by name);
 * a metric that cannot be scored (constant, too few rows) scores 0. A cumulative counter (never
 * falls, rises in at least half of 3 or more steps, as the ranker's rule) is scored on its first
 * differences, against their observed range.
 */
export function attributeCase(
  c: RcaCase,
  s: MetricAttributionSettings = DEFAULT_METRIC_ATTRIBUTION_SETTINGS,
): { candidate: string; score: number; change: MetricChange | undefined; counter: boolean }[] {
  const out = c.metrics.map((m) => {
    const rate = counterRate(m.values);
    const change = rate === undefined ? metricChange(m.values, c.anomalyStart, s, m.range) : metricChange(rate, c.anomalyStart, s);
    return { candidate: m.candidate, score: change?.score ?? 0, change, counter: rate !== undefined };
  });
  out.sort((a, b) => b.score - a.score || (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0));
  return out;
}

/**
 * Checks an attribution calibration.
 * @throws HomeostatError `invalid_argument` unless `{ center: finite, width: finite > 0 }`.
 */
export function checkAttributionCalibration(c: AttributionCalibration): AttributionCalibration {
  if (typeof c !== 'object' || c === null || !Number.isFinite(c.center) || !(c.width > 0) || !Number.isFinite(c.width)) {
    throw invalid(`rca/metric-attribution: calibration must be { center: finite number, width: number > 0 } (got ${show(c)})`);
  }
  return { center: c.center, width: c.width };
}

/** First differences of a cumulative counter (row 0 NaN); undefined when the series is not one. */
function counterRate(values: Float64Array): Float64Array | undefined {
  let steps = 0;
  let rises = 0;
  let prev = Number.NaN;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (Number.isFinite(prev)) {
      steps++;
      if (v < prev) return undefined;
      if (v > prev) rises++;
    }
    prev = v;
  }
  if (steps < 3 || rises < steps / 2) return undefined;
  const out = new Float64Array(values.length).fill(Number.NaN);
  for (let i = 1; i < values.length; i++) out[i] = (values[i] as number) - (values[i - 1] as number);
  return out;
}

/** Linear-interpolated quantile of a sorted non-empty list. */
function quantileSorted(a: readonly number[], q: number): number {
  const pos = (a.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (a[lo] as number) + ((a[hi] as number) - (a[lo] as number)) * (pos - lo);
}
