/**
 * @module models/likelihood
 * Anomaly likelihood over the default detector (`detector/likelihood`): how unusual the recent
 * scores of a series are against that series' own long-run score history.
 *
 * Algorithm (after Numenta's "anomaly likelihood", Ahmad et al. 2017): the base detector
 * (`detector/ensemble`, its config under `base`) scores each point; `x = log(1 + raw)` tames the
 * heavy tail of raw scores. The mean `m` of the last `averagePoints` values of `x` (default 10)
 * is compared with the distribution of past such means: an exponentially weighted mean `μ` and
 * variance `σ²` with the memory of `historyPoints` (rate 2 / (historyPoints + 1); default 8,640
 * points, a month of 5-minute or six days of 1-minute data — Numenta uses a sliding window of that
 * size; the EW form keeps the state O(1)). Score: `raw = max(0, (m − μ) / max(σ, minStd))`, a
 * one-sided z whose Gaussian tail `1 − Q(raw)` is Numenta's likelihood. `score` returns undefined
 * until `learnPoints` means were learned (default 288) and for a non-finite value. `learn` adds
 * the point to the base detector, the averaging ring and the history.
 *
 * Why: a raw score of 8 is rare on a quiet series and common on a bursty one. Scoring the recent
 * scores against the series' own history is an unsupervised, per-series calibration: noisy series
 * stop paging for their usual noise, and a sustained change (several high scores in a row) stands
 * out more than an isolated spike. On NAB (51 series, no setting tuned on it; Numenta's published
 * window sizes) it took the default ensemble from a standard score of 19.6 to about 51 through the
 * same alarm rule.
 *
 * Works for: alarms on long-running series whose normal behaviour includes bursts. Fails on:
 * short series (nothing is scored during `learnPoints`), a first anomaly long enough to enter the
 * history (its own scores raise `μ` and `σ`, over about `historyPoints / 10` points), and single
 * -point anomalies, which the average dilutes (`averagePoints: 1` keeps them).
 *
 * Reference: S. Ahmad, A. Lavin, S. Purdy, Z. Agha, "Unsupervised real-time anomaly detection for
 * streaming data", Neurocomputing 262, 2017 (§ anomaly likelihood); numenta/NAB
 * `anomaly_likelihood.py` (window sizes).
 */
import { describe, invalid } from '../errors.js';
import type { Attribution } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Detector, DetectorScore, ModelSpec } from './contract.js';
import { type EnsembleConfig, ensembleDetectorSpec } from './ensemble-detector.js';

/** Configuration of {@link Likelihood}. */
export interface LikelihoodConfig {
  /** Config of the base detector, `detector/ensemble` (its keys; defaults = the ensemble's). */
  readonly base: EnsembleConfig;
  /** Points averaged into the recent score, integer ≥ 1. Default 10 (Numenta's). */
  readonly averagePoints: number;
  /** Memory of the score history, in points (EW rate 2 / (n + 1)), integer ≥ 2. Default 8,640 (Numenta's window). */
  readonly historyPoints: number;
  /** Averaged scores learned before `score` returns a value, integer ≥ 2. Default 288 (Numenta's learning period). */
  readonly learnPoints: number;
  /** Floor of the history's standard deviation, in log(1 + raw) units, > 0. Default 0.01. */
  readonly minStd: number;
}

/** Saved state of {@link Likelihood}. */
export interface LikelihoodState {
  readonly version: 1;
  /** Averaged scores learned into the history. */
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
  /** The last `averagePoints` values of log(1 + raw), oldest first (0 where the base did not score). */
  readonly recent: readonly number[];
  readonly base: unknown;
}

type FlatConfig = Omit<LikelihoodConfig, 'base'>;

const KIND = 'detector/likelihood';
const VERSION = 1;
const FLAT_DEFAULTS: FlatConfig = { averagePoints: 10, historyPoints: 8640, learnPoints: 288, minStd: 0.01 };
const DEFAULTS: LikelihoodConfig = { base: ensembleDetectorSpec.defaults, ...FLAT_DEFAULTS };
const RULES: ConfigRules<FlatConfig> = {
  averagePoints: { type: 'number', integer: true, min: 1 },
  historyPoints: { type: 'number', integer: true, min: 2 },
  learnPoints: { type: 'number', integer: true, min: 2 },
  minStd: { type: 'number', min: 0, minExclusive: true },
};

function parseLikelihood(input: unknown): LikelihoodConfig {
  if (input === undefined || input === null) return DEFAULTS;
  if (typeof input !== 'object' || Array.isArray(input)) throw invalid(`${KIND}: config must be an object (got ${describe(input)})`);
  const { base, ...flat } = input as Record<string, unknown>;
  return { base: ensembleDetectorSpec.parse(base), ...parseConfig(KIND, FLAT_DEFAULTS, flat, RULES) };
}

/**
 * The default ensemble's scores turned into a per-series likelihood z (see the module comment).
 * @example
 * const d = likelihoodSpec.create(likelihoodSpec.defaults);
 * for (const p of points) { const s = d.score(p); d.learn(p); }
 */
export class Likelihood implements Detector {
  readonly #base: Detector;
  readonly #averagePoints: number;
  readonly #rate: number;
  readonly #learnPoints: number;
  readonly #minStd: number;
  readonly #recent: number[] = [];
  #n = 0;
  #mean = 0;
  #variance = 0;
  /** Base score of the last scored point, reused by `learn` of the same point. */
  #last: { t: number; v: number; s: DetectorScore | undefined } | undefined;

  constructor(config: LikelihoodConfig, state?: LikelihoodState) {
    this.#base = ensembleDetectorSpec.create(config.base, state?.base);
    this.#averagePoints = config.averagePoints;
    this.#rate = 2 / (config.historyPoints + 1);
    this.#learnPoints = config.learnPoints;
    this.#minStd = config.minStd;
    if (state) {
      this.#n = state.n;
      this.#mean = state.mean;
      this.#variance = state.variance;
      this.#recent.push(...state.recent);
    }
  }

  /** The mean of the recent log scores with `x` as the newest. */
  #average(x: number): number {
    const keep = Math.min(this.#recent.length, this.#averagePoints - 1);
    let sum = x;
    for (let i = this.#recent.length - keep; i < this.#recent.length; i++) sum += this.#recent[i] as number;
    return sum / (keep + 1);
  }

  #baseScore(p: Point): DetectorScore | undefined {
    const last = this.#last;
    if (last !== undefined && Object.is(last.t, p.t) && Object.is(last.v, p.v)) return last.s;
    return this.#base.score(p);
  }

  /** Scores `p` without learning it; undefined during the learning period or for a non-finite value. */
  score(p: Point): DetectorScore | undefined {
    if (!Number.isFinite(p.v)) return undefined;
    const s = this.#base.score(p);
    this.#last = { t: p.t, v: p.v, s };
    if (this.#n < this.#learnPoints) return undefined;
    const m = this.#average(s === undefined ? 0 : Math.log1p(Math.max(s.raw, 0)));
    const std = Math.max(Math.sqrt(this.#variance), this.#minStd);
    const z = (m - this.#mean) / std;
    const contributors: Attribution[] = [
      { name: 'likelihood', weight: z, expected: Math.expm1(this.#mean), actual: Math.expm1(m) },
      ...(s?.contributors ?? []),
    ];
    return { raw: Math.max(z, 0), expected: s?.expected ?? p.v, actual: p.v, contributors };
  }

  /** Learns `p` into the base detector, the averaging ring and the score history. */
  learn(p: Point): void {
    if (!Number.isFinite(p.v)) return;
    const s = this.#baseScore(p);
    this.#last = undefined;
    const x = s === undefined ? 0 : Math.log1p(Math.max(s.raw, 0));
    const m = this.#average(x);
    this.#recent.push(x);
    if (this.#recent.length > this.#averagePoints) this.#recent.shift();
    this.#base.learn(p);
    if (s === undefined) return;
    this.#n++;
    const a = Math.max(this.#rate, 1 / this.#n);
    const d = m - this.#mean;
    this.#mean += a * d;
    this.#variance = (1 - a) * (this.#variance + a * d * d);
  }

  /** JSON state that restores this detector exactly through {@link likelihoodSpec}.create. */
  state(): LikelihoodState {
    return {
      version: VERSION,
      n: this.#n,
      mean: this.#mean,
      variance: this.#variance,
      recent: [...this.#recent],
      base: this.#base.state(),
    };
  }
}

/** Spec of the likelihood detector: kind `detector/likelihood`, state version 1. */
export const likelihoodSpec: ModelSpec<LikelihoodConfig, Likelihood> = {
  kind: KIND,
  version: VERSION,
  description:
    "Anomaly likelihood: the default ensemble's recent log-scores against the series' own score history (Numenta-style), a one-sided z.",
  defaults: DEFAULTS,
  parse: parseLikelihood,
  create(config, state) {
    if (state === undefined) return new Likelihood(config);
    const r = openState(KIND, VERSION, state);
    const n = r.number('n');
    if (!Number.isInteger(n) || n < 0) throw invalid(`${KIND}: state field n must be an integer ≥ 0 (got ${describe(n)})`);
    const variance = r.number('variance');
    if (variance < 0) throw invalid(`${KIND}: state field variance must be ≥ 0 (got ${describe(variance)})`);
    const recent = r.numbers('recent', config.averagePoints);
    const base = (state as { base?: unknown }).base;
    if (typeof base !== 'object' || base === null)
      throw invalid(`${KIND}: state field base must be the ensemble's state (got ${describe(base)})`);
    return new Likelihood(config, { version: VERSION, n, mean: r.number('mean'), variance, recent, base });
  },
};
