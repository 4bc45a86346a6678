/**
 * @module models/failure-risk
 * Failure-risk score per entity over the next `horizonMs` (default 6 h) (`risk/failure-heuristic`).
 *
 * Algorithm: {@link FailureFeatures} keeps, per entity, a bounded window of the last `windowPoints`
 * samples of each failure-relevant metric and turns it into features: for bounded utilisations
 * (memory, disk) the least-squares slope and the projected time to reach 1.0; for temperature the
 * slope and the time to reach `criticalTemperatureC`; the hardware ECC error rate against its own
 * slow EW baseline; restarts in the last hour; the error-rate level; the time since the entity's
 * last anomaly. {@link FailureHeuristic.predict} then adds one hazard per indicator and returns
 * `p = 1 − exp(−Σ hazard)`, monotone in every hazard:
 *
 * - exhaustion (memory, disk, temperature): `ln 2 · (horizon / tte)³` — a projected exhaustion at
 *   the horizon is a coin flip, at half the horizon 99.6 %, at twice the horizon 8 %. A slope counts
 *   only when it is significant (slope > 2 standard errors, at least `minPoints` samples) and the
 *   level is a new high: above the maxima of the 10-minute buckets of up to 4 h before the trend
 *   window by 2 % of the limit (a GC sawtooth or the refill after a restart climbs steadily too,
 *   but only back to where it has been before).
 * - ECC errors: `ln 2 · max(0, ratio − 2) / 8` with ratio = recent rate / max(baseline, floor):
 *   a rate 10× the host's own baseline is a coin flip.
 * - restarts: `0.35 · restarts in the last hour` (two restarts ≈ 50 %).
 * - error rate (a share of requests): `3 · max(0, errorRate − 0.01)`.
 * - recent anomaly: `0.1 · exp(−minutes since / 60)`.
 *
 * The weights are a documented prior, not fitted: the probability is only as calibrated as that
 * prior, and later issues fit a classifier on labelled failures behind the same features. The
 * explanation gives each indicator's share of the total hazard in words; `leadTimeMs` is the
 * shortest projected time to exhaustion within the horizon. Confidence is the share of the
 * feature window that is filled with fresh data (warm-up ⇒ low confidence).
 *
 * Works for: failures announced by a trend (leaks, disks filling, overheating) or by rising
 * hardware errors. Fails on: sudden failures with no leading indicator, non-linear growth (the
 * linear projection is late for accelerating leaks), and utilisations reported in percent rather
 * than shares in [0, 1].
 *
 * Reference: proportional-hazards intuition (D. R. Cox, 1972) for adding hazards; linear
 * time-to-exhaustion as in capacity planning (e.g. Prometheus `predict_linear`).
 */
import type { Attribution } from '../records/types.js';
import { METRICS } from '../telemetry/metrics.js';
import type { Point } from '../telemetry/types.js';
import { invalid } from '../errors.js';
import { openState, parseConfig, type ConfigRules, type StateReader } from './config.js';
import type { ModelSpec, Risk } from './contract.js';

/** How counter-like metrics (`restarts`, `hw_ecc_errors`) are read. */
export type CountMode = 'counter' | 'per-sample';

/** Configuration of {@link FailureHeuristic} and its {@link FailureFeatures}. */
export interface FailureHeuristicConfig {
  /** Horizon of the risk (ms). Default 6 h. */
  readonly horizonMs: number;
  /** Samples kept per metric for slopes and rates. Default 60. */
  readonly windowPoints: number;
  /** Samples needed before a slope counts. Default 10. */
  readonly minPoints: number;
  /** A metric whose last sample is older than this at `features(t)` is ignored (ms). Default 15 min. */
  readonly staleMs: number;
  /**
   * 'counter' (default, Prometheus convention): restarts and ECC errors are cumulative and the
   * increments count (a drop is a reset); 'per-sample': each sample is the count in its step.
   */
  readonly countMode: CountMode;
  /** Temperature treated as failure (°C). Default 90. */
  readonly criticalTemperatureC: number;
  /** EW rate of the ECC baseline per sample, in (0, 1). Default 1/1440 (about a day at 1-min steps). */
  readonly eccBaselineAlpha: number;
  /** Floor of the ECC baseline (errors per minute). Default 0.01. */
  readonly eccFloorPerMin: number;
}

/** Names of the failure features, in the order of {@link FailureFeatureVector.values}. */
export const FAILURE_FEATURE_NAMES = [
  'memory_level',
  'memory_slope_per_min',
  'memory_tte_min',
  'disk_level',
  'disk_slope_per_min',
  'disk_tte_min',
  'temperature_c',
  'temperature_slope_per_min',
  'temperature_tte_min',
  'ecc_rate_per_min',
  'ecc_baseline_per_min',
  'ecc_ratio',
  'restarts_last_hour',
  'error_rate',
  'minutes_since_anomaly',
  'data_fraction',
] as const;

/** One failure feature name. */
export type FailureFeatureName = (typeof FAILURE_FEATURE_NAMES)[number];

/**
 * Features of one entity at one time. Unknown levels and slopes are NaN; times to exhaustion are
 * Infinity when not rising or unknown; `data_fraction` in [0, 1] is how full and fresh the windows are.
 */
export interface FailureFeatureVector {
  readonly names: readonly FailureFeatureName[];
  readonly values: Float64Array;
}

/** Saved window of one metric. */
export interface MetricWindowState {
  readonly t: number[];
  /** Values (levels) or, for counter-like metrics, increments. */
  readonly v: number[];
  readonly head: number;
  /** Last raw counter value (counter-like metrics in 'counter' mode). */
  readonly lastRaw?: number;
  /** EW baseline of increments per minute (ECC only). */
  readonly baseline?: number;
  /** Maxima of consecutive 10-minute buckets, oldest first (levels only; at most 24 = 4 h). */
  readonly peaks?: number[];
  /** Start (ms) of the newest bucket in `peaks`. */
  readonly peakStart?: number;
}

/** Saved state of {@link FailureFeatures} / {@link FailureHeuristic}. */
export interface FailureHeuristicState {
  readonly version: 1;
  readonly windows: Record<string, MetricWindowState>;
  readonly lastAnomalyT?: number;
}

const KIND = 'risk/failure-heuristic';
const VERSION = 1;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const MAX_HAZARD = 50;
/** Width of a peak bucket and how many are kept (4 h of history beyond the trend window). */
const PEAK_BUCKET_MS = 10 * MINUTE;
const PEAK_BUCKETS = 24;
/** A projection counts only above the earlier peaks by this share of the limit. */
const NEW_HIGH_MARGIN = 0.02;

const DEFAULTS: FailureHeuristicConfig = {
  horizonMs: 6 * HOUR,
  windowPoints: 60,
  minPoints: 10,
  staleMs: 15 * MINUTE,
  countMode: 'counter',
  criticalTemperatureC: 90,
  eccBaselineAlpha: 1 / 1440,
  eccFloorPerMin: 0.01,
};

const RULES: ConfigRules<FailureHeuristicConfig> = {
  horizonMs: { type: 'number', min: 0, minExclusive: true },
  windowPoints: { type: 'number', integer: true, min: 3, max: 100_000 },
  minPoints: { type: 'number', integer: true, min: 3 },
  staleMs: { type: 'number', min: 0, minExclusive: true },
  countMode: { type: 'oneOf', values: ['counter', 'per-sample'] },
  criticalTemperatureC: { type: 'number' },
  eccBaselineAlpha: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  eccFloorPerMin: { type: 'number', min: 0, minExclusive: true },
};

/** The metrics this model reads; others are ignored by `learn`. */
export const FAILURE_METRICS = [
  METRICS.memory,
  METRICS.disk,
  METRICS.temperature,
  METRICS.eccErrors,
  METRICS.restarts,
  METRICS.errorRate,
] as const;

const COUNTERS: ReadonlySet<string> = new Set([METRICS.eccErrors, METRICS.restarts]);

/** A bounded ring of (t, v) samples of one metric. */
class MetricWindow {
  readonly t: number[];
  readonly v: number[];
  head: number;
  lastRaw: number | undefined;
  baseline: number | undefined;
  readonly peaks: number[];
  peakStart: number | undefined;
  readonly #capacity: number;

  constructor(capacity: number, saved?: MetricWindowState) {
    this.#capacity = capacity;
    this.t = saved?.t ?? [];
    this.v = saved?.v ?? [];
    this.head = saved?.head ?? 0;
    this.lastRaw = saved?.lastRaw;
    this.baseline = saved?.baseline;
    this.peaks = saved?.peaks?.slice() ?? [];
    this.peakStart = saved?.peakStart;
  }

  /** Keeps the 10-minute bucket maxima of a level metric (the usual peaks of a sawtooth). */
  notePeak(t: number, v: number): void {
    const start = Math.floor(t / PEAK_BUCKET_MS) * PEAK_BUCKET_MS;
    if (this.peakStart === undefined || start > this.peakStart) {
      this.peaks.push(v);
      if (this.peaks.length > PEAK_BUCKETS) this.peaks.shift();
      this.peakStart = start;
    } else if (v > (this.peaks[this.peaks.length - 1] as number)) {
      this.peaks[this.peaks.length - 1] = v;
    }
  }

  /**
   * Highest level seen in the buckets that ended before `beforeMs`, or undefined when no such
   * bucket is kept.
   */
  peakBefore(beforeMs: number): number | undefined {
    if (this.peakStart === undefined) return undefined;
    let best: number | undefined;
    for (let i = 0; i < this.peaks.length; i++) {
      const end = this.peakStart - (this.peaks.length - 1 - i) * PEAK_BUCKET_MS + PEAK_BUCKET_MS;
      if (end > beforeMs) continue;
      const p = this.peaks[i] as number;
      if (best === undefined || p > best) best = p;
    }
    return best;
  }

  get size(): number {
    return this.t.length;
  }

  /** Time of the newest sample; undefined when empty. */
  get lastT(): number | undefined {
    if (this.t.length === 0) return undefined;
    return this.t[(this.head - 1 + this.t.length) % this.t.length];
  }

  push(t: number, v: number): void {
    if (this.t.length < this.#capacity) {
      this.t.push(t);
      this.v.push(v);
      this.head = this.t.length % this.#capacity;
    } else {
      this.t[this.head] = t;
      this.v[this.head] = v;
      this.head = (this.head + 1) % this.#capacity;
    }
  }

  /** Sample `i` in time order (0 = oldest). */
  at(i: number): [number, number] {
    const j = this.t.length < this.#capacity ? i : (this.head + i) % this.#capacity;
    return [this.t[j] as number, this.v[j] as number];
  }

  save(): MetricWindowState {
    return {
      t: this.t.slice(),
      v: this.v.slice(),
      head: this.head,
      ...(this.lastRaw === undefined ? {} : { lastRaw: this.lastRaw }),
      ...(this.baseline === undefined ? {} : { baseline: this.baseline }),
      ...(this.peakStart === undefined ? {} : { peaks: this.peaks.slice(), peakStart: this.peakStart }),
    };
  }
}

/** Least-squares line over a window: slope per minute, fitted value at the newest sample, significance. */
interface Trend {
  readonly n: number;
  readonly slopePerMin: number;
  readonly fittedLast: number;
  readonly lastT: number;
  readonly significant: boolean;
}

function trend(w: MetricWindow, minPoints: number): Trend {
  const n = w.size;
  const lastT = w.lastT as number;
  let st = 0;
  let sv = 0;
  for (let i = 0; i < n; i++) {
    const [t, v] = w.at(i);
    st += (t - lastT) / MINUTE;
    sv += v;
  }
  const mt = st / n;
  const mv = sv / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const [t, v] = w.at(i);
    const dx = (t - lastT) / MINUTE - mt;
    sxx += dx * dx;
    sxy += dx * (v - mv);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const fittedLast = mv + slope * (0 - mt);
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    const [t, v] = w.at(i);
    const r = v - (mv + slope * ((t - lastT) / MINUTE - mt));
    ssr += r * r;
  }
  const se = n > 2 && sxx > 0 ? Math.sqrt(ssr / (n - 2) / sxx) : Infinity;
  const significant = n >= minPoints && sxx > 0 && slope > 2 * se;
  return { n, slopePerMin: slope, fittedLast, lastT, significant };
}

/**
 * Streaming feature window of one entity. Pure: time comes in with the points and as the argument
 * of `features`. `learn` is O(1); `features` is O(windowPoints) per metric.
 * @example
 * const f = new FailureFeatures(failureHeuristicSpec.defaults);
 * f.learn('memory_utilization', { t, v: 0.7 });
 * const x = f.features(t);
 */
export class FailureFeatures {
  readonly #config: FailureHeuristicConfig;
  readonly #windows = new Map<string, MetricWindow>();
  #lastAnomalyT: number | undefined;

  constructor(config: FailureHeuristicConfig, state?: FailureHeuristicState) {
    this.#config = config;
    if (state) {
      for (const [metric, saved] of Object.entries(state.windows)) {
        this.#windows.set(metric, new MetricWindow(config.windowPoints, saved));
      }
      this.#lastAnomalyT = state.lastAnomalyT;
    }
  }

  /** Learns one sample of one of the entity's metrics; other metrics, non-finite values and out-of-order points are ignored. */
  learn(metric: string, p: Point): void {
    if (!(FAILURE_METRICS as readonly string[]).includes(metric)) return;
    const t = p.t + 0;
    // + 0 turns −0 into 0, which is what JSON gives back: keeps restores bit for bit.
    const v = p.v + 0;
    if (!Number.isFinite(t) || !Number.isFinite(v)) return;
    let w = this.#windows.get(metric);
    if (w === undefined) {
      w = new MetricWindow(this.#config.windowPoints);
      this.#windows.set(metric, w);
    }
    const previousT = w.lastT;
    if (previousT !== undefined && t <= previousT) return;
    if (!COUNTERS.has(metric)) {
      w.push(t, v);
      w.notePeak(t, v);
      return;
    }
    let increment: number;
    if (this.#config.countMode === 'per-sample') {
      increment = Math.max(0, v);
    } else {
      const last = w.lastRaw;
      w.lastRaw = v;
      if (last === undefined) return;
      increment = v >= last ? v - last : Math.max(0, v);
    }
    if (metric === METRICS.eccErrors && previousT !== undefined) {
      const perMin = increment / Math.max((t - previousT) / MINUTE, 1e-9);
      w.baseline = w.baseline === undefined ? perMin : w.baseline + this.#config.eccBaselineAlpha * (perMin - w.baseline);
    }
    w.push(t, increment);
  }

  /** Records that the entity had an anomaly at `t` (ms); only the latest is kept. */
  noteAnomaly(t: number): void {
    if (Number.isFinite(t) && (this.#lastAnomalyT === undefined || t > this.#lastAnomalyT)) this.#lastAnomalyT = t;
  }

  /** The feature vector at time `t` (ms), in the order of {@link FAILURE_FEATURE_NAMES}. */
  features(t: number): FailureFeatureVector {
    const c = this.#config;
    const values = new Float64Array(FAILURE_FEATURE_NAMES.length).fill(Number.NaN);
    const fresh = (metric: string): MetricWindow | undefined => {
      const w = this.#windows.get(metric);
      const last = w?.lastT;
      return w !== undefined && last !== undefined && t - last <= c.staleMs ? w : undefined;
    };
    let filled = 0;
    let watched = 0;
    const fill = (w: MetricWindow | undefined): void => {
      if (w === undefined) return;
      watched++;
      filled += Math.min(1, w.size / c.windowPoints);
    };
    const projection = (metric: string, limit: number, at: number): void => {
      const w = fresh(metric);
      fill(w);
      values[at + 2] = Infinity;
      if (w === undefined) return;
      const tr = trend(w, c.minPoints);
      const level = w.at(w.size - 1)[1];
      values[at] = level;
      values[at + 1] = tr.n >= c.minPoints ? tr.slopePerMin : Number.NaN;
      // A rise that stays below the peaks the metric already reached before the trend window is
      // its usual cycle (a GC sawtooth, a daily peak, the refill after a restart), not a trend
      // towards exhaustion.
      const before = w.peakBefore(w.at(0)[0]);
      const newHigh = before === undefined || tr.fittedLast > before + NEW_HIGH_MARGIN * Math.abs(limit);
      if (level >= limit) values[at + 2] = 0;
      else if (tr.significant && newHigh) {
        values[at + 2] = Math.max(0, (limit - tr.fittedLast) / tr.slopePerMin - (t - tr.lastT) / MINUTE);
      }
    };
    projection(METRICS.memory, 1, 0);
    projection(METRICS.disk, 1, 3);
    projection(METRICS.temperature, c.criticalTemperatureC, 6);

    const ecc = fresh(METRICS.eccErrors);
    fill(ecc);
    if (ecc !== undefined && ecc.size >= 1) {
      let sum = 0;
      for (let i = 0; i < ecc.size; i++) sum += ecc.at(i)[1];
      // n increments cover n sampling intervals: the span between first and last plus one interval.
      const n = ecc.size;
      const spanMin = n >= 2 ? (((ecc.at(n - 1)[0] - ecc.at(0)[0]) / MINUTE) * n) / (n - 1) : 1;
      const rate = sum / spanMin;
      const baseline = ecc.baseline ?? 0;
      values[9] = rate;
      values[10] = baseline;
      values[11] = rate / Math.max(baseline, c.eccFloorPerMin);
    }
    const restarts = fresh(METRICS.restarts);
    fill(restarts);
    if (restarts !== undefined) {
      let count = 0;
      for (let i = 0; i < restarts.size; i++) {
        const [ti, vi] = restarts.at(i);
        if (ti > t - HOUR && ti <= t) count += vi;
      }
      values[12] = count;
    }
    const errors = fresh(METRICS.errorRate);
    fill(errors);
    if (errors !== undefined) {
      const k = Math.min(5, errors.size);
      let sum = 0;
      for (let i = errors.size - k; i < errors.size; i++) sum += errors.at(i)[1];
      values[13] = sum / k;
    }
    values[14] = this.#lastAnomalyT === undefined ? Infinity : Math.max(0, (t - this.#lastAnomalyT) / MINUTE);
    values[15] = watched === 0 ? 0 : filled / watched;
    return { names: FAILURE_FEATURE_NAMES, values };
  }

  /** JSON state that restores this window exactly. */
  state(): FailureHeuristicState {
    const windows: Record<string, MetricWindowState> = {};
    for (const metric of [...this.#windows.keys()].sort()) windows[metric] = (this.#windows.get(metric) as MetricWindow).save();
    return { version: VERSION, windows, ...(this.#lastAnomalyT === undefined ? {} : { lastAnomalyT: this.#lastAnomalyT }) };
  }
}

/**
 * The failure-risk model of one entity: a {@link FailureFeatures} window plus the hazard
 * combination of the module comment.
 * @example
 * const m = failureHeuristicSpec.create(failureHeuristicSpec.defaults);
 * m.learn('memory_utilization', { t, v });
 * const risk = m.assess(t); // { probability, confidence, explanation, leadTimeMs? }
 */
export class FailureHeuristic {
  readonly #config: FailureHeuristicConfig;
  readonly #features: FailureFeatures;

  constructor(config: FailureHeuristicConfig, state?: FailureHeuristicState) {
    this.#config = config;
    this.#features = new FailureFeatures(config, state);
  }

  /** Learns one sample of one of the entity's metrics (see {@link FailureFeatures.learn}). */
  learn(metric: string, p: Point): void {
    this.#features.learn(metric, p);
  }

  /** Records an anomaly on this entity at `t` (ms). */
  noteAnomaly(t: number): void {
    this.#features.noteAnomaly(t);
  }

  /** Feature vector at `t` (ms). */
  features(t: number): FailureFeatureVector {
    return this.#features.features(t);
  }

  /** `predict(features(t))`. */
  assess(t: number): Risk {
    return this.predict(this.#features.features(t));
  }

  /**
   * Probability of failure within the horizon from a feature vector; pure.
   * @throws HomeostatError `invalid_argument` when the vector does not have the expected names.
   */
  predict(features: FailureFeatureVector): Risk {
    const x = features.values;
    if (x.length !== FAILURE_FEATURE_NAMES.length || features.names.some((n, i) => n !== FAILURE_FEATURE_NAMES[i])) {
      throw invalid(`${KIND}: predict expects the features of FAILURE_FEATURE_NAMES in order (got ${features.names.join(', ')})`);
    }
    const horizonMin = this.#config.horizonMs / MINUTE;
    const parts: { hazard: number; name: string; expected?: number; actual?: number; leadMin?: number }[] = [];
    const exhaustion = (label: string, at: number, unit: (v: number) => string, limit: string): void => {
      const tte = x[at + 2] as number;
      if (!(tte < Infinity)) return;
      const hazard = tte <= 0 ? MAX_HAZARD : Math.min(MAX_HAZARD, Math.LN2 * (horizonMin / tte) ** 3);
      const slope = x[at + 1] as number;
      const how =
        tte <= 0
          ? `is at ${limit}`
          : `reaches ${limit} in ~${duration(tte)} at ${Number.isNaN(slope) ? '?' : `${slope >= 0 ? '+' : ''}${unit(slope)}`}/min`;
      parts.push({ hazard, name: `${label} ${how}`, actual: x[at] as number, leadMin: tte });
    };
    const pct = (v: number): string => `${round(v * 100)} %`;
    exhaustion(METRICS.memory, 0, pct, '100 %');
    exhaustion(METRICS.disk, 3, pct, '100 %');
    exhaustion(METRICS.temperature, 6, (v) => `${round(v)} °C`, `${this.#config.criticalTemperatureC} °C`);
    const ratio = x[11] as number;
    if (ratio > 2) {
      parts.push({
        hazard: (Math.LN2 * (ratio - 2)) / 8,
        name: `${METRICS.eccErrors} at ${round(x[9] as number)}/min, ${round(ratio)}× its baseline of ${round(x[10] as number)}/min`,
        expected: x[10] as number,
        actual: x[9] as number,
      });
    }
    const restarts = x[12] as number;
    if (restarts > 0) {
      parts.push({ hazard: 0.35 * restarts, name: `${round(restarts)} ${METRICS.restarts} in the last hour`, actual: restarts });
    }
    const errorRate = x[13] as number;
    if (errorRate > 0.01) {
      parts.push({ hazard: 3 * (errorRate - 0.01), name: `${METRICS.errorRate} at ${pct(errorRate)}`, expected: 0.01, actual: errorRate });
    }
    const sinceMin = x[14] as number;
    if (sinceMin < Infinity) {
      const hazard = 0.1 * Math.exp(-sinceMin / 60);
      if (hazard > 1e-3) parts.push({ hazard, name: `anomaly on this entity ${duration(sinceMin)} ago`, actual: sinceMin });
    }
    const total = parts.reduce((s, p) => s + p.hazard, 0);
    const probability = 1 - Math.exp(-total);
    parts.sort((a, b) => b.hazard - a.hazard);
    const explanation: Attribution[] =
      parts.length === 0
        ? [{ name: 'no failure indicator is rising in the window', weight: 0 }]
        : parts.map((p) => ({
            name: p.name,
            weight: p.hazard / total,
            ...(p.expected === undefined ? {} : { expected: p.expected }),
            ...(p.actual === undefined ? {} : { actual: p.actual }),
          }));
    const leads = parts.map((p) => p.leadMin).filter((m): m is number => m !== undefined && m <= horizonMin);
    const confidence = Math.min(1, Math.max(0, x[15] as number));
    return {
      probability,
      confidence,
      explanation,
      ...(leads.length === 0 ? {} : { leadTimeMs: Math.min(...leads) * MINUTE }),
    };
  }

  /** JSON state (the feature windows) that restores this model exactly. */
  state(): FailureHeuristicState {
    return this.#features.state();
  }
}

function round(v: number): string {
  return String(Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 10) / 10);
}

function duration(minutes: number): string {
  return minutes < 90 ? `${round(minutes)} min` : `${round(minutes / 60)} h`;
}

function readWindow(s: StateReader, capacity: number): MetricWindowState {
  const t = s.numbers('t', capacity);
  const v = s.numbers('v', capacity);
  const head = s.number('head');
  const expected = t.length < capacity ? t.length % capacity : head;
  if (v.length !== t.length || !Number.isInteger(head) || head !== expected) {
    throw invalid(
      `${KIND}: a saved window is inconsistent (${t.length} times, ${v.length} values, head ${head}); was it saved with another config?`,
    );
  }
  const lastRaw = s.optionalNumber('lastRaw');
  const baseline = s.optionalNumber('baseline');
  const peakStart = s.optionalNumber('peakStart');
  const peaks = peakStart === undefined ? undefined : s.numbers('peaks', PEAK_BUCKETS);
  return {
    t,
    v,
    head,
    ...(lastRaw === undefined ? {} : { lastRaw }),
    ...(baseline === undefined ? {} : { baseline }),
    ...(peakStart === undefined || peaks === undefined ? {} : { peaks, peakStart }),
  };
}

/** Spec of the failure-risk heuristic: kind `risk/failure-heuristic`, state version 1. */
export const failureHeuristicSpec: ModelSpec<FailureHeuristicConfig, FailureHeuristic> = {
  kind: KIND,
  version: VERSION,
  description:
    'Failure risk per entity within 6 h: hazards from time-to-exhaustion, ECC error rate, restarts, error rate and recent anomalies.',
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create(config, state) {
    if (state === undefined) return new FailureHeuristic(config);
    const s = openState(KIND, VERSION, state);
    const ws = s.object('windows');
    const windows: Record<string, MetricWindowState> = {};
    for (const metric of ws.keys()) {
      if (!(FAILURE_METRICS as readonly string[]).includes(metric)) {
        throw invalid(
          `${KIND}: state has a window for unknown metric ${JSON.stringify(metric)} (expected one of: ${FAILURE_METRICS.join(', ')})`,
        );
      }
      windows[metric] = readWindow(ws.object(metric), config.windowPoints);
    }
    const lastAnomalyT = s.optionalNumber('lastAnomalyT');
    return new FailureHeuristic(config, { version: VERSION, windows, ...(lastAnomalyT === undefined ? {} : { lastAnomalyT }) });
  },
};
