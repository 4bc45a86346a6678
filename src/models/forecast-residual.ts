/**
 * @module models/forecast-residual
 * Forecast-residual detector for one series (`detector/forecast-residual`): a one-step-ahead
 * forecaster turned into a detector.
 *
 * Algorithm: a robust damped-trend Holt (optionally Holt-Winters with a few seasonal slots) in
 * error-correction form. Forecast `f = l + φ·b + s[slot]`; residual `r = x − f`; scale
 * `σ = max(√(π/2)·D, minScaleRel·|f|, minScaleAbs)` where `D` is an EW mean absolute residual.
 * Score: `raw = |r| / σ` (or only the upward / downward part with `direction`), expected `f`.
 * Learning clips the residual first, `c = clip(r, ±huberK·σ)`, then `l ← l + φ·b + α·c`,
 * `b ← φ·b + β·c`, `s[slot] ← s[slot] + γ·c`, `D ← D + scaleAlpha·(min(|r|, huberK·σ) − D)`, so a
 * spike moves the forecast by at most `(α + β)·huberK·σ` and the scale by at most
 * `scaleAlpha·huberK·σ`. During the first `warmupPoints` points the updates are unclipped and the
 * rates are `max(rate, 1/n)`, so the first points set level and scale quickly; `score` returns
 * undefined until then. The seasonal slot comes from the timestamp (`⌊(t mod periodMs) / width⌋`);
 * with `seasonSlots: 0` (the default) time is not used at all. O(1) time per point; state = five
 * numbers plus one per seasonal slot.
 *
 * Works for: autocorrelated series whose next value is close to the last ones — smooth KPIs,
 * traffic and latency at 1–5 minute sampling — where a robust z against a slow baseline is blind
 * to a spike that stays inside the daily range (the residual is small in normal times, large on a
 * jump), and slow ramps (the trend follows them, so they do not alarm). Fails on: white-noise
 * series (the residual is as noisy as the value: no better than a robust z), level shifts (only
 * the first points after the step score high, then the clipped level catches up in about
 * `1/α` points), slow drifts and leaks (followed by design: pair it with a slow baseline, as the
 * ensemble does), and a seasonal pattern finer than the slots.
 *
 * Reference: E. S. Gardner Jr., "Exponential smoothing: the state of the art — Part II",
 * Int. J. Forecasting 2006 (damped trend, error-correction form); S. Gelper, R. Fried, C. Croux,
 * "Robust forecasting with exponential and Holt-Winters smoothing", J. Forecasting 2010 (Huber-
 * clipped updates); Merlion's forecaster-as-detector wrapper (Bhatnagar et al., 2021).
 */
import { invalid } from '../errors.js';
import type { Attribution } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Detector, DetectorScore, ModelSpec } from './contract.js';
import type { Direction } from './robust-z.js';

/** Configuration of {@link ForecastResidual}. */
export interface ForecastResidualConfig {
  /** Level rate α, in (0, 1]. Default 0.5 (the forecast follows the last points closely). */
  readonly alpha: number;
  /** Trend rate β, in [0, 1). Default 0.01; 0 = no trend (simple exponential smoothing). */
  readonly beta: number;
  /** Trend damping φ, in [0, 1]. Default 0.9. */
  readonly phi: number;
  /** Seasonal slots per `periodMs`; 0 (default) = no season, time not used. At most 1,440. */
  readonly seasonSlots: number;
  /** Length of the season (ms). Default 86,400,000 (one day). Used only with `seasonSlots` > 0. */
  readonly periodMs: number;
  /** Seasonal rate γ, per point in the slot, in [0, 1). Default 0.05. */
  readonly gamma: number;
  /** EW rate of the residual scale, in (0, 1). Default 0.003 (half-life ≈ 230 points: anomalies barely inflate it). */
  readonly scaleAlpha: number;
  /** Points learned before `score` returns a value. Default 30. */
  readonly warmupPoints: number;
  /** Huber clip, in scale units, for the learning steps. Default 3. */
  readonly huberK: number;
  /** Scale floor relative to |forecast|. Default 0.001. */
  readonly minScaleRel: number;
  /** Absolute scale floor, in the series' unit. Default 1e-3. */
  readonly minScaleAbs: number;
  /** Which side of the forecast scores: 'both' (default), 'up' (only above) or 'down' (only below). */
  readonly direction: Direction;
}

/** Saved state of {@link ForecastResidual}: plain JSON numbers. */
export interface ForecastResidualState {
  readonly version: 1;
  /** Finite points learned. */
  readonly n: number;
  readonly level: number;
  readonly trend: number;
  /** EW mean absolute residual (before the √(π/2) factor and the floors). */
  readonly mad: number;
  /** Seasonal offsets, one per slot (empty without a season). */
  readonly season: readonly number[];
}

const KIND = 'detector/forecast-residual';
const VERSION = 1;
/** √(π/2): E|X − μ| = σ·√(2/π) for a normal X. */
const MAD_TO_SIGMA = Math.sqrt(Math.PI / 2);
const MAX_SLOTS = 1440;

const DEFAULTS: ForecastResidualConfig = {
  alpha: 0.5,
  beta: 0.01,
  phi: 0.9,
  seasonSlots: 0,
  periodMs: 86_400_000,
  gamma: 0.05,
  scaleAlpha: 0.003,
  warmupPoints: 30,
  huberK: 3,
  minScaleRel: 0.001,
  minScaleAbs: 1e-3,
  direction: 'both',
};

const RULES: ConfigRules<ForecastResidualConfig> = {
  alpha: { type: 'number', min: 0, max: 1, minExclusive: true },
  beta: { type: 'number', min: 0, max: 1, maxExclusive: true },
  phi: { type: 'number', min: 0, max: 1 },
  seasonSlots: { type: 'number', integer: true, min: 0, max: MAX_SLOTS },
  periodMs: { type: 'number', integer: true, min: 1 },
  gamma: { type: 'number', min: 0, max: 1, maxExclusive: true },
  scaleAlpha: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  warmupPoints: { type: 'number', integer: true, min: 1 },
  huberK: { type: 'number', min: 0, minExclusive: true },
  minScaleRel: { type: 'number', min: 0 },
  minScaleAbs: { type: 'number', min: 0, minExclusive: true },
  direction: { type: 'oneOf', values: ['both', 'up', 'down'] },
};

/**
 * Forecast-residual detector: robust damped-trend Holt(-Winters) one-step forecast, scored by the
 * residual over an EW mean absolute residual. `score` is pure; `learn` is O(1). Non-finite values
 * (and, with a season, non-finite timestamps) are unscored and ignored.
 * @example
 * const d = forecastResidualSpec.create(forecastResidualSpec.defaults);
 * for (const p of points) { const s = d.score(p); d.learn(p); }
 */
export class ForecastResidual implements Detector {
  readonly #alpha: number;
  readonly #beta: number;
  readonly #phi: number;
  readonly #gamma: number;
  readonly #scaleAlpha: number;
  readonly #warmup: number;
  readonly #k: number;
  readonly #minRel: number;
  readonly #minAbs: number;
  readonly #direction: Direction;
  readonly #slots: number;
  readonly #period: number;
  readonly #width: number;
  readonly #season: Float64Array;
  #n = 0;
  #level = 0;
  #trend = 0;
  #mad = 0;

  constructor(config: ForecastResidualConfig, state?: ForecastResidualState) {
    this.#alpha = config.alpha;
    this.#beta = config.beta;
    this.#phi = config.phi;
    this.#gamma = config.gamma;
    this.#scaleAlpha = config.scaleAlpha;
    this.#warmup = config.warmupPoints;
    this.#k = config.huberK;
    this.#minRel = config.minScaleRel;
    this.#minAbs = config.minScaleAbs;
    this.#direction = config.direction;
    this.#slots = config.seasonSlots;
    this.#period = config.periodMs;
    this.#width = config.periodMs / Math.max(1, config.seasonSlots);
    this.#season = new Float64Array(config.seasonSlots);
    if (state) {
      this.#n = state.n;
      this.#level = state.level;
      this.#trend = state.trend;
      this.#mad = state.mad;
      this.#season.set(state.season);
    }
  }

  /** Finite points learned so far. */
  get count(): number {
    return this.#n;
  }

  /** Current level l, in the series' unit. */
  get level(): number {
    return this.#level;
  }

  /** Current trend b, per point. */
  get trend(): number {
    return this.#trend;
  }

  /** One-step forecast for a point at time `t` (`t` matters only with a season); NaN for a non-finite `t` with a season. */
  forecastAt(t: number): number {
    const base = this.#level + this.#phi * this.#trend;
    if (this.#slots === 0) return base;
    const s = this.#slotOf(t);
    return s < 0 ? Number.NaN : base + (this.#season[s] as number);
  }

  /** σ-like residual scale around a forecast `f`, including the floors. */
  scaleAt(f: number): number {
    return Math.max(this.#mad * MAD_TO_SIGMA, this.#minRel * Math.abs(f), this.#minAbs);
  }

  /** Scores `p` against the one-step forecast without learning it; undefined while warming up or for a non-finite value. */
  score(p: Point): DetectorScore | undefined {
    const x = p.v;
    if (this.#n < this.#warmup || !Number.isFinite(x)) return undefined;
    const f = this.forecastAt(p.t);
    if (Number.isNaN(f)) return undefined;
    const z = (x - f) / this.scaleAt(f);
    const raw = this.#direction === 'both' ? Math.abs(z) : this.#direction === 'up' ? Math.max(z, 0) : Math.max(-z, 0);
    const contributors: Attribution[] = [{ name: 'forecast-residual', weight: z, expected: f, actual: x }];
    return { raw, expected: f, actual: x, contributors };
  }

  /** Learns `p` (test-then-train: call after `score`). Non-finite values are ignored. */
  learn(p: Point): void {
    const x = p.v;
    if (!Number.isFinite(x)) return;
    const s = this.#slots === 0 ? 0 : this.#slotOf(p.t);
    if (s < 0) return;
    const n = ++this.#n;
    if (n === 1) {
      // + 0 turns −0 into 0, which is what JSON gives back: keeps restores bit for bit.
      this.#level = x + 0;
      return;
    }
    const season = this.#slots === 0 ? 0 : (this.#season[s] as number);
    const f = this.#level + this.#phi * this.#trend + season;
    const r = x - f;
    let c = r;
    let a = Math.abs(r);
    let alpha = this.#alpha;
    let scaleRate = this.#scaleAlpha;
    if (n <= this.#warmup) {
      alpha = Math.max(alpha, 1 / n);
      scaleRate = Math.max(scaleRate, 1 / (n - 1));
    } else {
      const limit = this.#k * this.scaleAt(f);
      c = Math.min(limit, Math.max(-limit, r));
      a = Math.min(a, limit);
    }
    this.#level = this.#level + this.#phi * this.#trend + alpha * c;
    this.#trend = this.#phi * this.#trend + this.#beta * c;
    if (this.#slots > 0) this.#season[s] = season + this.#gamma * c;
    this.#mad += scaleRate * (a - this.#mad);
  }

  /** JSON state that restores this detector exactly through {@link forecastResidualSpec}.create. */
  state(): ForecastResidualState {
    return {
      version: VERSION,
      n: this.#n,
      level: this.#level + 0,
      trend: this.#trend + 0,
      mad: this.#mad,
      season: Array.from(this.#season, (v) => v + 0),
    };
  }

  #slotOf(t: number): number {
    if (!Number.isFinite(t)) return -1;
    const p = this.#period;
    const phase = ((t % p) + p) % p;
    return Math.min(this.#slots - 1, Math.floor(phase / this.#width));
  }
}

/** Spec of the forecast-residual detector: kind `detector/forecast-residual`, state version 1. */
export const forecastResidualSpec: ModelSpec<ForecastResidualConfig, ForecastResidual> = {
  kind: KIND,
  version: VERSION,
  description:
    'One-step robust damped-trend Holt(-Winters) forecast with Huber-clipped updates; raw = |residual| / EW mean absolute residual.',
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create(config, state) {
    if (state === undefined) return new ForecastResidual(config);
    const s = openState(KIND, VERSION, state);
    const n = s.number('n');
    const mad = s.number('mad');
    if (!Number.isInteger(n) || n < 0 || mad < 0) {
      throw invalid(`${KIND}: state needs an integer n ≥ 0 and mad ≥ 0 (got n ${n}, mad ${mad})`);
    }
    const season = s.numbers('season', MAX_SLOTS);
    if (season.length !== config.seasonSlots) {
      throw invalid(
        `${KIND}: state field season must hold ${config.seasonSlots} numbers for this config's seasonSlots (got ${season.length}); was it saved with another seasonSlots value?`,
      );
    }
    return new ForecastResidual(config, {
      version: VERSION,
      n,
      level: s.number('level'),
      trend: s.number('trend'),
      mad,
      season,
    });
  },
};
