/**
 * @module models/holt-winters
 * Robust double-seasonal Holt-Winters demand forecast with conformal intervals (`forecaster/holt-winters`).
 *
 * Algorithm: additive exponential smoothing in error-correction form on a regular grid
 * (`stepMs`) with a level ℓ, a damped trend b (factor φ), a daily seasonal d (`dailyPoints` slots)
 * and, optionally, a weekly seasonal w (`weeklyPoints` slots) that holds what is left once the
 * daily cycle is removed (Taylor 2003). For a step j the one-step forecast is
 * ŷ = ℓ + φb + d[j] + w[j] and, with the clipped error e* = clip(y − ŷ, ±k·σ), the updates are
 * ℓ ← ℓ + φb + α·e*, b ← φb + β·e*, d[j] ← d[j] + γd·e*, w[j] ← w[j] + max(γw, 1/v)·e* (v = visits
 * of the weekly slot, so the first week's residuals are taken whole and the weekly cycle is usable
 * after one week; until then w is zero). σ is an EW mean of |e*| (rate `scaleRate`) times
 * √(π/2), floored at 1e-6 of the EW mean |y|: the Huber clip (`huberK`) is what keeps a single spike
 * from moving the level by more than α·k·σ (Gelper, Fried, Croux 2010). The h-step forecast is
 * ℓ + (φ + … + φʰ)·b + d[j+h] + w[j+h]. The first `dailyPoints` steps initialise ℓ (their mean) and
 * d (deviations from it). `learn` is O(1) per point (plus the refit below).
 *
 * Parameters: with `refit` (default), once a day (every `dailyPoints` steps, once 3 days are held)
 * the forecaster replays the last `windowDays` days (kept raw) from a cold start for each (α, γd, γw)
 * of a small grid — α ∈ {0, 0.005, 0.03}, γd ∈ {0, 0.2, 0.5}, γw ∈ {0, 0.5, 1} (γw > 0 only once the
 * window holds more than a week) — scores each by the mean absolute error of its forecasts 1 to
 * `dailyPoints` steps ahead (made at every bucket anchor, scored on every other target) over the last
 * week of the window (at most; the first two days are warm-up), and continues from the best
 * replayed state (ties keep the first candidate in grid order). Without `refit`
 * the configured α, γd, γw stay fixed. β and φ are fixed by the config.
 *
 * Interval (conformal, empirical, adaptive): at an anchor every `dailyPoints / bucketsPerDay` steps
 * the forecaster records what it issues for each horizon bucket: the half-width and the mean at one
 * step of the bucket (a step that rotates with the anchor). When that step's actual arrives, the
 * absolute error of the issued mean goes into the bucket's ring (one error per anchor per bucket, at
 * most `errorsPerBucket`), so the errors are those of forecasts really made, never of a refit's
 * hindsight. The half-width at h is the ⌈(1 − α_t)·(n + 1)⌉-th smallest error of h's bucket, widened by
 * √⌈h / dailyPoints⌉ beyond a day. α_t is the working miscoverage of adaptive conformal inference:
 * it starts at 1 − `level` and after each measured outcome moves by γ·(1 − level − miss) (γ =
 * `adaptRate`), where miss = 1 when the error exceeded the half-width issued, so
 * that a run of misses widens every bucket and a run of hits narrows them; its long-run miss rate is
 * 1 − level whatever the drift (Gibbs & Candès 2021), feedback arriving up to a day late. α_t is
 * clamped to [0, min(1, 2·(1 − level))]: at most twice the nominal miss rate, so that a long run of
 * exact forecasts (a flat series) cannot shrink the interval to the smallest error ever seen. With fewer than
 * `minErrors` errors a bucket falls back to a normal approximation z·σ·√h. Before a full day is known
 * the forecast is naive (last value, one-step error quantile widened by √h); before `minPoints` points
 * it is undefined. When every learned value was ≥ 0, mean and lower bound are clamped at 0.
 *
 * Time and gaps: a point is `round((t − lastT) / stepMs)` steps after the last one; points less
 * than half a step later are ignored. Skipped steps advance the level by the trend with no seasonal
 * update and are stored in the raw window as the one-step forecast (as the last value during the
 * first day). A gap longer than the window restarts the model.
 *
 * Works for: demand with stable daily and weekly cycles, level drift and occasional spikes
 * (cluster and fleet aggregates, request rates). Fails on: holidays and one-off events, cycles whose
 * shape changes from day to day, multiplicative seasonality around a strongly moving level, and
 * bursty per-instance series where nothing repeats (it then tracks a robust level, which still beats
 * copying yesterday's bursts), and a burst lasting hours: σ grows with it, the daily slots absorb
 * it, and the clip then slows its removal for days. Intervals assume the recent past's errors are
 * representative: when the errors grow (a week less regular than the last) they under-cover until
 * the misses have moved α_t, a few hours at γ = 0.002; a width that moves with α_t is less sharp
 * (a higher interval score) than a fixed one where the errors do not drift. Coverage is averaged over
 * time and horizons, not guaranteed per day or per horizon bucket.
 *
 * References: R. J. Hyndman, G. Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed.,
 * §8.3 (Holt-Winters, damped trend) and §5.5; J. W. Taylor, "Short-term electricity demand
 * forecasting using double seasonal exponential smoothing", JORS 54 (2003); S. Gelper, R. Fried,
 * C. Croux, "Robust forecasting with exponential and Holt-Winters smoothing", J. Forecasting 29
 * (2010); V. Vovk et al., "Algorithmic Learning in a Random World" (2005); A. N. Angelopoulos,
 * S. Bates, "A Gentle Introduction to Conformal Prediction" (2021); I. Gibbs, E. Candès, "Adaptive
 * conformal inference under distribution shift", NeurIPS 2021.
 */
import { invalid } from '../errors.js';
import type { Forecast } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { openState, parseConfig, type ConfigRules, type StateReader } from './config.js';
import type { Forecaster, ModelSpec } from './contract.js';
import { Ring } from './ring.js';

/** Configuration of {@link HoltWinters}. */
export interface HoltWintersConfig {
  /** Step between points (ms). Default 60,000. */
  readonly stepMs: number;
  /** Steps in one day (the daily season). Default 1,440 (1-minute steps). */
  readonly dailyPoints: number;
  /** Steps in one week (the weekly season); 0 = no weekly season. Default 10,080. */
  readonly weeklyPoints: number;
  /** Level smoothing α in [0, 1) (before the first refit, or always without `refit`). Default 0.005. */
  readonly alpha: number;
  /** Trend smoothing β in [0, 1) (error-correction form: b ← φb + β·e). Default 0 (no trend). */
  readonly beta: number;
  /** Trend damping φ in [0, 1]. Default 0.98. */
  readonly phi: number;
  /** Daily seasonal smoothing γd in [0, 1]. Default 0.2. */
  readonly gammaDaily: number;
  /** Weekly seasonal smoothing γw in [0, 1]. Default 0.5. */
  readonly gammaWeekly: number;
  /** Huber clip of the error, in σ units. Default 1.5 (chosen on tuning origins). */
  readonly huberK: number;
  /** EW rate of the error scale σ, in (0, 1). Default 0.01. */
  readonly scaleRate: number;
  /** Re-estimate α, γd, γw once a day on the raw window (see the module comment). Default true. */
  readonly refit: boolean;
  /** Days of raw values kept for the refit, in [3, 28]. Default 14. */
  readonly windowDays: number;
  /** Interval coverage, in (0, 1). Default 0.9. */
  readonly level: number;
  /** Horizon buckets per day for the interval errors (and anchors per day); must divide dailyPoints. Default 24. */
  readonly bucketsPerDay: number;
  /** Capacity of each bucket's error ring. Default 168 (a week of hourly anchors). */
  readonly errorsPerBucket: number;
  /** Errors a bucket needs before its quantile is used. Default 24. */
  readonly minErrors: number;
  /**
   * Adaptive conformal step γ: after each measured outcome the working miscoverage moves by
   * γ·(1 − level − miss) (see the module comment); 0 = the fixed level. Default 0.002 (chosen on the
   * tuning origins of `bench capacity`).
   */
  readonly adaptRate: number;
  /** Points needed before any forecast. Default 10. */
  readonly minPoints: number;
}

/** Saved state of {@link HoltWinters}: plain arrays of numbers. */
export interface HoltWintersState {
  readonly version: 1;
  /** Points observed (not counting filled gaps). */
  readonly n: number;
  /** Grid step of the last learned point (0 = the first point); absent before the first. */
  readonly step?: number;
  readonly lastT?: number;
  readonly lastV?: number;
  /** Smallest value learned (for clamping at 0). */
  readonly minV?: number;
  /** Raw grid values of the last `windowDays` days (ring). */
  readonly window: number[];
  readonly windowHead: number;
  /** Steps learned since the last refit. */
  readonly sinceRefit: number;
  /** Current [α, γd, γw]. */
  readonly params: number[];
  /** [ℓ, b, mean |e*|, EW mean |y|]; empty until the first day is known. */
  readonly core: number[];
  /** Daily seasonal (`dailyPoints` long once initialised, else empty). */
  readonly daily: number[];
  /** Weekly seasonal (`weeklyPoints` long once initialised, else empty). */
  readonly weekly: number[];
  /** Anchors of the smoothing core (used only while a refit replays the window; empty in a saved state, kept for its shape). */
  readonly anchorSteps: number[];
  readonly anchorLevels: number[];
  readonly anchorTrends: number[];
  /** Error rings, flattened: bucket i holds `errorCounts[i]` values from index i·errorsPerBucket. */
  readonly errors: number[];
  readonly errorCounts: number[];
  readonly errorHeads: number[];
  /** Ring of recent one-step absolute errors of the naive warm-up forecast. */
  readonly stepErrors: number[];
  readonly stepHead: number;
  /** Working miscoverage α_t of adaptive conformal inference, in [0, 1]; absent (older states) = 1 − level. */
  readonly alphaWork?: number;
  /** Grid steps of the anchors whose issued forecasts are kept (at most a day of them). */
  readonly issuedSteps?: number[];
  /**
   * Flattened, `2 × bucketsPerDay` per issued anchor: the half-width issued for each horizon bucket
   * (−1 = none yet), then the mean issued for each bucket's sampled step.
   */
  readonly issued?: number[];
}

const KIND = 'forecaster/holt-winters';
const VERSION = 1;
const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);
const ALPHAS = [0, 0.005, 0.03];
const GAMMAS_DAILY = [0, 0.2, 0.5];
const GAMMAS_WEEKLY = [0, 0.5, 1];
const STEP_ERRORS = 288;
const DEFAULTS: HoltWintersConfig = {
  stepMs: 60_000,
  dailyPoints: 1440,
  weeklyPoints: 10_080,
  alpha: 0.005,
  beta: 0,
  phi: 0.98,
  gammaDaily: 0.2,
  gammaWeekly: 0.5,
  huberK: 1.5,
  scaleRate: 0.01,
  refit: true,
  windowDays: 14,
  level: 0.9,
  bucketsPerDay: 24,
  errorsPerBucket: 168,
  minErrors: 24,
  adaptRate: 0.002,
  minPoints: 10,
};
const unit = { type: 'number', min: 0, max: 1 } as const;
const RULES: ConfigRules<HoltWintersConfig> = {
  stepMs: { type: 'number', min: 0, minExclusive: true },
  dailyPoints: { type: 'number', integer: true, min: 2, max: 100_000 },
  weeklyPoints: { type: 'number', integer: true, min: 0, max: 1_000_000 },
  alpha: { type: 'number', min: 0, max: 1, maxExclusive: true },
  beta: { type: 'number', min: 0, max: 1, maxExclusive: true },
  phi: unit,
  gammaDaily: unit,
  gammaWeekly: unit,
  huberK: { type: 'number', min: 0, minExclusive: true },
  scaleRate: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  refit: { type: 'boolean' },
  windowDays: { type: 'number', integer: true, min: 3, max: 28 },
  level: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  bucketsPerDay: { type: 'number', integer: true, min: 1, max: 1440 },
  errorsPerBucket: { type: 'number', integer: true, min: 1, max: 100_000 },
  minErrors: { type: 'number', integer: true, min: 1 },
  adaptRate: { type: 'number', min: 0, max: 1 },
  minPoints: { type: 'number', integer: true, min: 2 },
};

/** Checks the combinations one rule per key cannot: buckets dividing the day, a week of whole days. */
function parseHoltWinters(input: unknown): HoltWintersConfig {
  const c = parseConfig(KIND, DEFAULTS, input, RULES);
  if (c.dailyPoints % c.bucketsPerDay !== 0) {
    throw invalid(`${KIND}: bucketsPerDay must divide dailyPoints (got ${c.bucketsPerDay} buckets for ${c.dailyPoints} points)`);
  }
  if (c.weeklyPoints !== 0 && (c.weeklyPoints <= c.dailyPoints || c.weeklyPoints % c.dailyPoints !== 0)) {
    throw invalid(`${KIND}: weeklyPoints must be 0 or a multiple of dailyPoints above it (got ${c.weeklyPoints} for ${c.dailyPoints})`);
  }
  return c;
}

/** Smoothing parameters one model runs with. */
interface Params {
  readonly alpha: number;
  readonly gammaDaily: number;
  readonly gammaWeekly: number;
}

/**
 * The smoothing state itself (level, trend, scale, seasonals) and its pending anchors; used by the
 * forecaster and by each candidate of a refit replay. Steps are absolute grid steps.
 */
class Core {
  level = 0;
  trend = 0;
  mad = 0;
  absMean = 0;
  readonly daily: Float64Array;
  readonly weekly: Float64Array;
  anchorSteps: number[] = [];
  anchorLevels: number[] = [];
  anchorTrends: number[] = [];
  /** Grid step at which weekly learning began (the first step after initialisation). */
  weeklyStartStep = 0;
  /** φ + … + φʰ for h = 0 … dailyPoints. */
  readonly #damping: Float64Array;

  constructor(
    readonly config: HoltWintersConfig,
    readonly params: Params,
    daily: Float64Array,
    weekly: Float64Array,
  ) {
    this.daily = daily;
    this.weekly = weekly;
    const m = daily.length;
    this.#damping = new Float64Array(m + 1);
    let power = 1;
    for (let h = 1; h <= m; h++) {
      power *= config.phi;
      this.#damping[h] = (this.#damping[h - 1] as number) + power;
    }
  }

  /** Starts from one day of values (oldest first) whose last value is at grid step `step`. */
  static init(config: HoltWintersConfig, params: Params, day: ArrayLike<number>, step: number): Core {
    const m = config.dailyPoints;
    let sum = 0;
    let moves = 0;
    let abs = 0;
    for (let i = 0; i < m; i++) {
      const v = day[i] as number;
      sum += v;
      abs += Math.abs(v);
      if (i > 0) moves += Math.abs(v - (day[i - 1] as number));
    }
    const mean = sum / m;
    const daily = new Float64Array(m);
    const first = step - m + 1;
    for (let i = 0; i < m; i++) daily[mod(first + i, m)] = (day[i] as number) - mean;
    const core = new Core(config, params, daily, new Float64Array(config.weeklyPoints));
    core.level = mean;
    core.mad = moves / (m - 1);
    core.absMean = abs / m;
    return core;
  }

  /** σ: the EW mean absolute clipped error, normal-consistent, floored. */
  get scale(): number {
    return Math.max(this.mad * SQRT_HALF_PI, 1e-6 * this.absMean, 1e-12);
  }

  /** Seasonal part at grid step `step`. */
  seasonal(step: number): number {
    const w = this.weekly.length;
    return (this.daily[mod(step, this.daily.length)] as number) + (w > 0 ? (this.weekly[mod(step, w)] as number) : 0);
  }

  /** One-step forecast for grid step `step` (the step after the last learned one). */
  predict(step: number): number {
    return this.level + this.config.phi * this.trend + this.seasonal(step);
  }

  /** Learns value `y` at grid step `step`; returns the raw error. */
  update(step: number, y: number): number {
    const { phi, huberK, scaleRate, beta } = this.config;
    const e = y - this.predict(step);
    const cap = huberK * this.scale;
    const clipped = Math.min(cap, Math.max(-cap, e));
    const p = this.params;
    this.mad += scaleRate * (Math.abs(clipped) - this.mad);
    this.absMean += scaleRate * (Math.abs(y) - this.absMean);
    this.level += phi * this.trend + p.alpha * clipped;
    this.trend = phi * this.trend + beta * clipped;
    const m = this.daily.length;
    const slot = mod(step, m);
    this.daily[slot] = (this.daily[slot] as number) + p.gammaDaily * clipped;
    const w = this.weekly.length;
    if (w > 0 && p.gammaWeekly > 0) {
      const visits = Math.floor((step - this.weeklyStartStep) / w) + 1;
      const weekSlot = mod(step, w);
      this.weekly[weekSlot] = (this.weekly[weekSlot] as number) + Math.max(p.gammaWeekly, 1 / Math.max(1, visits)) * clipped;
    }
    return e;
  }

  /** An unobserved step: the level follows the damped trend, nothing else moves. */
  skip(): void {
    this.level += this.config.phi * this.trend;
    this.trend *= this.config.phi;
  }

  /** Sum φ + … + φʰ (from the table within a day). */
  damping(h: number): number {
    if (h < this.#damping.length) return this.#damping[h] as number;
    const phi = this.config.phi;
    return phi === 1 ? h : (phi * (1 - phi ** h)) / (1 - phi);
  }

  /** Records an anchor (level and trend after learning step `step`) and drops anchors older than a day. */
  anchor(step: number): void {
    const m = this.daily.length;
    while (this.anchorSteps.length > 0 && step - (this.anchorSteps[0] as number) >= m) {
      this.anchorSteps.shift();
      this.anchorLevels.shift();
      this.anchorTrends.shift();
    }
    this.anchorSteps.push(step);
    this.anchorLevels.push(this.level);
    this.anchorTrends.push(this.trend);
  }
}

/**
 * Robust double-seasonal Holt-Winters forecaster with conformal intervals. `learn` is O(1) per
 * point plus, once a day with `refit`, a replay of the window (O(window · grid)); `forecast` is
 * O(h + buckets · e log e) for e stored errors per bucket.
 * @example
 * const f = holtWintersSpec.create(holtWintersSpec.parse({ stepMs: 300_000, dailyPoints: 288, weeklyPoints: 2016 }));
 * for (const p of fiveMinutePoints) f.learn(p);
 * f.forecast(288); // the next 24 h with a 90 % interval
 */
export class HoltWinters implements Forecaster {
  readonly #config: HoltWintersConfig;
  readonly #bucketPoints: number;
  #n = 0;
  #step: number | undefined;
  #lastT: number | undefined;
  #lastV: number | undefined;
  #minV: number | undefined;
  readonly #window: Ring;
  #sinceRefit = 0;
  #params: Params;
  #core: Core | undefined;
  readonly #errors: Ring[];
  readonly #stepErrors: Ring;
  /** Each error ring's values, sorted (rebuilt from the rings on restore; not saved). */
  readonly #sorted: number[][];
  /** Working miscoverage α_t (adaptive conformal). */
  #alphaWork: number;
  #issuedSteps: number[];
  #issued: number[][];

  constructor(config: HoltWintersConfig, state?: HoltWintersState) {
    this.#config = config;
    this.#bucketPoints = config.dailyPoints / config.bucketsPerDay;
    this.#window = new Ring(config.windowDays * config.dailyPoints, state?.window, state?.windowHead);
    const cap = config.errorsPerBucket;
    this.#errors = Array.from({ length: config.bucketsPerDay }, (_, i) =>
      state ? new Ring(cap, state.errors.slice(i * cap, i * cap + (state.errorCounts[i] as number)), state.errorHeads[i]) : new Ring(cap),
    );
    this.#stepErrors = new Ring(STEP_ERRORS, state?.stepErrors, state?.stepHead);
    this.#params = { alpha: config.alpha, gammaDaily: config.gammaDaily, gammaWeekly: config.gammaWeekly };
    this.#sorted = this.#errors.map((r) => Array.from(r.values).sort((a, b) => a - b));
    this.#alphaWork = state?.alphaWork ?? 1 - config.level;
    this.#issuedSteps = state?.issuedSteps?.slice() ?? [];
    const width = 2 * config.bucketsPerDay;
    this.#issued = this.#issuedSteps.map((_, i) => (state?.issued ?? []).slice(i * width, (i + 1) * width));
    if (state) {
      this.#n = state.n;
      this.#step = state.step;
      this.#lastT = state.lastT;
      this.#lastV = state.lastV;
      this.#minV = state.minV;
      this.#sinceRefit = state.sinceRefit;
      const [alpha, gammaDaily, gammaWeekly] = state.params as [number, number, number];
      this.#params = { alpha, gammaDaily, gammaWeekly };
      if (state.core.length === 5) {
        const core = new Core(config, this.#params, Float64Array.from(state.daily), Float64Array.from(state.weekly));
        [core.level, core.trend, core.mad, core.absMean, core.weeklyStartStep] = state.core as [number, number, number, number, number];
        core.anchorSteps = state.anchorSteps.slice();
        core.anchorLevels = state.anchorLevels.slice();
        core.anchorTrends = state.anchorTrends.slice();
        this.#core = core;
      }
    }
  }

  /** Learns one point; non-finite values and points less than half a step after the last one are ignored. */
  learn(p: Point): void {
    const t = p.t;
    // + 0 turns −0 into 0, which is what JSON gives back: keeps restores bit for bit.
    const v = p.v + 0;
    if (!Number.isFinite(v) || !Number.isFinite(t)) return;
    const { stepMs } = this.#config;
    if (this.#lastT === undefined || this.#step === undefined) {
      this.#accept(0, t, v);
      return;
    }
    const steps = Math.round((t - this.#lastT) / stepMs);
    if (steps < 1) return;
    if (steps > this.#window.capacity) {
      this.#restart();
      this.#accept(0, t, v);
      return;
    }
    for (let s = 1; s < steps; s++) this.#fill(this.#step + s);
    const lastV = this.#lastV as number;
    if (steps === 1 && this.#core === undefined) this.#stepErrors.push(Math.abs(v - lastV));
    this.#accept(this.#step + steps, t, v);
  }

  /** Forecast for the `horizonSteps` steps after the last learned point; undefined while warming up. */
  forecast(horizonSteps: number): Forecast | undefined {
    if (!Number.isInteger(horizonSteps) || horizonSteps < 1) {
      throw invalid(`${KIND}: horizonSteps must be an integer ≥ 1 (got ${horizonSteps})`);
    }
    const { minPoints, stepMs, level, dailyPoints } = this.#config;
    const lastT = this.#lastT;
    const lastV = this.#lastV;
    const step = this.#step;
    if (lastT === undefined || lastV === undefined || step === undefined || this.#n < minPoints) return undefined;
    const clamp = this.#minV !== undefined && this.#minV >= 0;
    const t: number[] = [];
    const mean: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    const push = (h: number, m: number, half: number): void => {
      const mc = clamp && m < 0 ? 0 : m;
      t.push(lastT + h * stepMs);
      mean.push(mc);
      lower.push(clamp ? Math.max(0, mc - half) : mc - half);
      upper.push(mc + half);
    };
    const core = this.#core;
    if (core === undefined) {
      if (this.#stepErrors.values.length === 0) return undefined;
      const q = conformalQuantile(this.#stepErrors.values, level);
      for (let h = 1; h <= horizonSteps; h++) push(h, lastV, q * Math.sqrt(h));
      return { t, mean, lower, upper, level };
    }
    const quantiles = this.#sorted.map((_, i) => this.#quantile(i));
    const z = normalQuantile(0.5 + level / 2);
    const sigma = core.scale;
    for (let h = 1; h <= horizonSteps; h++) {
      const m = core.level + core.damping(h) * core.trend + core.seasonal(step + h);
      const inDay = ((h - 1) % dailyPoints) + 1;
      const q = quantiles[Math.floor((inDay - 1) / this.#bucketPoints)];
      const half = q === undefined ? z * sigma * Math.sqrt(h) : q * Math.sqrt(Math.ceil(h / dailyPoints));
      push(h, m, half);
    }
    return { t, mean, lower, upper, level };
  }

  /** Points observed so far (filled gaps not counted). */
  get count(): number {
    return this.#n;
  }

  /** The smoothing parameters in use (changed by each daily refit). */
  get params(): { readonly alpha: number; readonly gammaDaily: number; readonly gammaWeekly: number } {
    return { ...this.#params };
  }

  /** JSON state that restores this forecaster exactly through {@link holtWintersSpec}.create. */
  state(): HoltWintersState {
    const cap = this.#config.errorsPerBucket;
    const errors: number[] = [];
    for (const r of this.#errors) {
      for (let i = 0; i < cap; i++) errors.push(i < r.values.length ? (r.values[i] as number) : 0);
    }
    const core = this.#core;
    const p = this.#params;
    return {
      version: VERSION,
      n: this.#n,
      ...(this.#step === undefined ? {} : { step: this.#step, lastT: this.#lastT, lastV: this.#lastV, minV: this.#minV }),
      window: this.#window.values.slice(),
      windowHead: this.#window.head,
      sinceRefit: this.#sinceRefit,
      params: [p.alpha, p.gammaDaily, p.gammaWeekly],
      core: core ? [core.level, core.trend, core.mad, core.absMean, core.weeklyStartStep] : [],
      daily: core ? Array.from(core.daily) : [],
      weekly: core ? Array.from(core.weekly) : [],
      anchorSteps: core ? core.anchorSteps.slice() : [],
      anchorLevels: core ? core.anchorLevels.slice() : [],
      anchorTrends: core ? core.anchorTrends.slice() : [],
      errors,
      errorCounts: this.#errors.map((r) => r.values.length),
      errorHeads: this.#errors.map((r) => r.head),
      stepErrors: this.#stepErrors.values.slice(),
      stepHead: this.#stepErrors.head,
      alphaWork: this.#alphaWork,
      issuedSteps: this.#issuedSteps.slice(),
      issued: this.#issued.flat(),
    };
  }

  /** Half-width of horizon bucket `bucket` now: its errors' quantile at level 1 − α_t; undefined below `minErrors` errors. */
  #quantile(bucket: number): number | undefined {
    const sorted = this.#sorted[bucket] as number[];
    if (sorted.length < this.#config.minErrors) return undefined;
    return sorted[conformalRank(sorted.length, 1 - this.#alphaWork) - 1];
  }

  /** The working miscoverage α_t of the adaptive interval (starts at 1 − level). */
  get alphaWork(): number {
    return this.#alphaWork;
  }

  /**
   * Adaptive conformal update (Gibbs & Candès 2021) of the working miscoverage from one outcome:
   * α_t ← α_t + γ·(1 − level − miss), clamped to [0, min(1, 2·(1 − level))], where miss = 1 when the
   * error `e` exceeded the half-width `issued` that the anchor gave this horizon bucket.
   */
  #adapt(e: number, issued: number): void {
    const { adaptRate, level } = this.#config;
    if (adaptRate === 0 || issued < 0) return;
    const miss = e > issued ? 1 : 0;
    this.#alphaWork = Math.min(Math.min(1, 2 * (1 - level)), Math.max(0, this.#alphaWork + adaptRate * (1 - level - miss)));
  }

  /** Adds `e` to the bucket's ring and keeps the sorted copy in step (O(n)). */
  #pushError(bucket: number, e: number): void {
    const ring = this.#errors[bucket] as Ring;
    const sorted = this.#sorted[bucket] as number[];
    if (ring.full) sorted.splice(lowerBound(sorted, ring.values[ring.head] as number), 1);
    sorted.splice(lowerBound(sorted, e), 0, e);
    ring.push(e);
  }

  /**
   * Records what the forecaster issues at anchor `step`: each horizon bucket's half-width and its
   * mean at the bucket's sampled step (the step rotates with the anchor); drops anchors older than a day.
   */
  #issue(core: Core, step: number): void {
    const m = this.#config.dailyPoints;
    while (this.#issuedSteps.length > 0 && step - (this.#issuedSteps[0] as number) >= m) {
      this.#issuedSteps.shift();
      this.#issued.shift();
    }
    this.#issuedSteps.push(step);
    const bp = this.#bucketPoints;
    const clamp = this.#minV !== undefined && this.#minV >= 0;
    const means = this.#sorted.map((_, b) => {
      const h = b * bp + 1 + mod(Math.floor(step / bp), bp);
      const f = core.level + core.damping(h) * core.trend + core.seasonal(step + h);
      return clamp && f < 0 ? 0 : f;
    });
    this.#issued.push([...this.#sorted.map((_, i) => this.#quantile(i) ?? -1), ...means]);
  }

  /** Learns `v` at grid step `step` (observed at `t`). */
  #accept(step: number, t: number, v: number): void {
    this.#n++;
    this.#lastT = t;
    this.#lastV = v;
    this.#minV = this.#minV === undefined ? v : Math.min(this.#minV, v);
    this.#advance(step, v);
  }

  /** An unobserved step: stored as the one-step forecast (the last value before the first day). */
  #fill(step: number): void {
    const core = this.#core;
    if (core === undefined) {
      this.#advance(step, this.#lastV as number);
      return;
    }
    this.#window.push(core.predict(step));
    core.skip();
    this.#afterStep(step);
  }

  /** Common path of an observed step (and of a gap step during the first day). */
  #advance(step: number, v: number): void {
    this.#step = step;
    this.#window.push(v);
    const { dailyPoints } = this.#config;
    let core = this.#core;
    if (core === undefined) {
      if (this.#window.values.length < dailyPoints) return;
      const day = Array.from({ length: dailyPoints }, (_, i) => this.#window.at(this.#window.values.length - dailyPoints + i));
      core = Core.init(this.#config, this.#params, day, step);
      core.weeklyStartStep = step + 1;
      this.#core = core;
      this.#sinceRefit = 0;
      return;
    }
    this.#measure(step, v);
    core.update(step, v);
    this.#afterStep(step);
  }

  /** The daily refit, then the anchor (what is issued now), after each grid step once initialised. */
  #afterStep(step: number): void {
    this.#step = step;
    this.#sinceRefit++;
    const { refit, dailyPoints } = this.#config;
    if (refit && this.#sinceRefit >= dailyPoints && this.#window.values.length >= 3 * dailyPoints) {
      this.#sinceRefit = 0;
      this.#refit(step);
    }
    if (mod(step, this.#bucketPoints) === 0) this.#issue(this.#core as Core, step);
  }

  /**
   * For each issued anchor whose sampled step of a horizon bucket is `step`: the absolute error of
   * the mean it issued goes into that bucket's ring and updates α_t against the half-width it issued.
   */
  #measure(step: number, y: number): void {
    const bp = this.#bucketPoints;
    const { bucketsPerDay, dailyPoints } = this.#config;
    for (let j = 0; j < this.#issuedSteps.length; j++) {
      const a = this.#issuedSteps[j] as number;
      const h = step - a;
      if (h < 1 || h > dailyPoints || mod(h - 1, bp) !== mod(Math.floor(a / bp), bp)) continue;
      const bucket = Math.floor((h - 1) / bp);
      const entry = this.#issued[j] as number[];
      const e = Math.abs(y - (entry[bucketsPerDay + bucket] as number));
      this.#adapt(e, entry[bucket] as number);
      this.#pushError(bucket, e);
    }
  }

  /** Replays the window for each candidate of the grid and continues from the best one. */
  #refit(step: number): void {
    const config = this.#config;
    const m = config.dailyPoints;
    const win = this.#window;
    const len = win.values.length;
    const values = new Float64Array(len);
    for (let i = 0; i < len; i++) values[i] = win.at(i);
    const first = step - len + 1;
    const evalFrom = Math.max(2 * m, len - 7 * m);
    const weekly = config.weeklyPoints > 0 && len > config.weeklyPoints + m;
    let best: Core | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const alpha of ALPHAS) {
      for (const gammaDaily of GAMMAS_DAILY) {
        for (const gammaWeekly of weekly ? GAMMAS_WEEKLY : [0]) {
          const core = Core.init(config, { alpha, gammaDaily, gammaWeekly }, values.subarray(0, m), first + m - 1);
          core.weeklyStartStep = first + m;
          const score = replay(core, values, first, evalFrom, this.#bucketPoints);
          if (score < bestScore) {
            bestScore = score;
            best = core;
          }
        }
      }
    }
    if (best === undefined) return;
    // The replay's anchors served to score it; the live forecaster measures what it issued instead.
    best.anchorSteps = [];
    best.anchorLevels = [];
    best.anchorTrends = [];
    this.#core = best;
    this.#params = best.params;
  }

  #restart(): void {
    this.#step = undefined;
    this.#lastT = undefined;
    this.#lastV = undefined;
    this.#core = undefined;
    this.#window.values.length = 0;
    this.#window.head = 0;
    this.#stepErrors.values.length = 0;
    this.#stepErrors.head = 0;
    this.#sinceRefit = 0;
    this.#issuedSteps = [];
    this.#issued = [];
  }
}

/**
 * Runs `core` (initialised on the first day of `values`, whose value 0 is at grid step `first`)
 * over the rest, anchoring every `bucketPoints` steps; returns the mean absolute error of the
 * anchors' forecasts 1 to a day ahead for targets at index ≥ `evalFrom`.
 */
function replay(core: Core, values: Float64Array, first: number, evalFrom: number, bucketPoints: number): number {
  const m = core.daily.length;
  let sum = 0;
  let count = 0;
  core.anchor(first + m - 1);
  for (let i = m; i < values.length; i++) {
    const step = first + i;
    const y = values[i] as number;
    // Every other target is enough to rank the candidates and halves the cost.
    if (i >= evalFrom && (i & 1) === 0) {
      const seasonal = core.seasonal(step);
      const anchors = core.anchorSteps;
      for (let k = 0; k < anchors.length; k++) {
        const h = step - (anchors[k] as number);
        if (h < 1 || h > m) continue;
        sum += Math.abs(y - ((core.anchorLevels[k] as number) + core.damping(h) * (core.anchorTrends[k] as number) + seasonal));
        count++;
      }
    }
    core.update(step, y);
    if (mod(step, bucketPoints) === 0) core.anchor(step);
  }
  return count === 0 ? Number.POSITIVE_INFINITY : sum / count;
}

/** Non-negative remainder. */
function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/** ⌈level·(n + 1)⌉ clamped to [1, n]: the rank of the split-conformal quantile among n values. */
function conformalRank(n: number, level: number): number {
  return Math.min(n, Math.max(1, Math.ceil(level * (n + 1))));
}

/** First index of sorted `a` whose value is ≥ `x`. */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The ⌈level·(n + 1)⌉-th smallest of `values` (clamped to the smallest and the largest): split-conformal quantile. */
function conformalQuantile(values: readonly number[], level: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[conformalRank(sorted.length, level) - 1] as number;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/** Reads and checks a saved state against `config`. */
function readState(config: HoltWintersConfig, s: StateReader, adaptive: boolean): HoltWintersState {
  const m = config.dailyPoints;
  const cap = config.errorsPerBucket;
  const buckets = config.bucketsPerDay;
  const fail = (key: string, what: string): never => {
    throw invalid(`${KIND}: state field ${key} ${what}; was it saved with another config?`);
  };
  const windowCap = config.windowDays * m;
  const window = s.numbers('window', windowCap);
  const windowHead = s.number('windowHead');
  if (windowHead !== (window.length < windowCap ? window.length % windowCap : windowHead) || windowHead < 0 || windowHead >= windowCap)
    fail('windowHead', `is inconsistent with its ring (got ${windowHead})`);
  const params = s.numbers('params', 3);
  if (params.length !== 3) fail('params', `must hold 3 numbers (got ${params.length})`);
  const core = s.numbers('core', 5);
  if (core.length !== 0 && core.length !== 5) fail('core', `must hold 0 or 5 numbers (got ${core.length})`);
  const daily = s.numbers('daily', m);
  const weekly = s.numbers('weekly', config.weeklyPoints);
  if (core.length === 5 && (daily.length !== m || weekly.length !== config.weeklyPoints))
    fail('daily', `must hold dailyPoints values and weekly weeklyPoints values (got ${daily.length} and ${weekly.length})`);
  const anchorSteps = s.numbers('anchorSteps', buckets + 1);
  const anchorLevels = s.numbers('anchorLevels', buckets + 1);
  const anchorTrends = s.numbers('anchorTrends', buckets + 1);
  if (anchorLevels.length !== anchorSteps.length || anchorTrends.length !== anchorSteps.length)
    fail('anchorSteps', 'must be as long as anchorLevels and anchorTrends');
  const errors = s.numbers('errors', buckets * cap);
  const errorCounts = s.numbers('errorCounts', buckets);
  const errorHeads = s.numbers('errorHeads', buckets);
  if (errors.length !== buckets * cap || errorCounts.length !== buckets || errorHeads.length !== buckets)
    fail('errors', `must hold bucketsPerDay × errorsPerBucket values with a count and head per bucket`);
  for (let i = 0; i < buckets; i++) {
    const n = errorCounts[i] as number;
    const h = errorHeads[i] as number;
    if (!Number.isInteger(n) || n < 0 || n > cap || !Number.isInteger(h) || h < 0 || h >= cap || (n < cap && h !== n % cap))
      fail('errorHeads', `is inconsistent with errorCounts at bucket ${i}`);
  }
  // States saved before adaptive intervals have no alphaWork: they start at 1 − level with nothing issued.
  const alphaWork = adaptive ? s.number('alphaWork') : undefined;
  if (alphaWork !== undefined && (alphaWork < 0 || alphaWork > 1)) fail('alphaWork', `must be in [0, 1] (got ${alphaWork})`);
  const issuedSteps = adaptive ? s.numbers('issuedSteps', buckets + 1) : [];
  const issued = adaptive ? s.numbers('issued', (buckets + 1) * 2 * buckets) : [];
  if (issued.length !== issuedSteps.length * 2 * buckets || issued.some((q, i) => i % (2 * buckets) < buckets && q < 0 && q !== -1))
    fail(
      'issued',
      `must hold 2 × bucketsPerDay numbers (half-widths ≥ 0 or −1, then means) per issued step (got ${issued.length} for ${issuedSteps.length} steps)`,
    );
  const stepErrors = s.numbers('stepErrors', STEP_ERRORS);
  const stepHead = s.number('stepHead');
  if (
    stepHead !== (stepErrors.length < STEP_ERRORS ? stepErrors.length % STEP_ERRORS : stepHead) ||
    stepHead < 0 ||
    stepHead >= STEP_ERRORS
  )
    fail('stepHead', `is inconsistent with its ring (got ${stepHead})`);
  const step = s.optionalNumber('step');
  const lastT = s.optionalNumber('lastT');
  const lastV = s.optionalNumber('lastV');
  const minV = s.optionalNumber('minV');
  return {
    version: VERSION,
    n: s.number('n'),
    ...(step === undefined || lastT === undefined || lastV === undefined ? {} : { step, lastT, lastV, minV }),
    window,
    windowHead,
    sinceRefit: s.number('sinceRefit'),
    params,
    core,
    daily,
    weekly,
    anchorSteps,
    anchorLevels,
    anchorTrends,
    errors,
    errorCounts,
    errorHeads,
    stepErrors,
    stepHead,
    ...(alphaWork === undefined ? {} : { alphaWork, issuedSteps, issued }),
  };
}

/** Spec of the Holt-Winters forecaster: kind `forecaster/holt-winters`, state version 1. */
export const holtWintersSpec: ModelSpec<HoltWintersConfig, HoltWinters> = {
  kind: KIND,
  version: VERSION,
  description:
    'Robust (Huber-clipped) additive Holt-Winters with daily and weekly seasons and a damped trend, smoothing re-estimated daily on the recent window, with conformal intervals per horizon bucket.',
  defaults: DEFAULTS,
  parse: parseHoltWinters,
  create(config, state) {
    if (state === undefined) return new HoltWinters(config);
    const adaptive = typeof state === 'object' && state !== null && (state as { alphaWork?: unknown }).alphaWork !== undefined;
    return new HoltWinters(config, readState(config, openState(KIND, VERSION, state), adaptive));
  },
};
