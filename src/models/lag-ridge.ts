/**
 * @module models/lag-ridge
 * Direct multi-horizon ridge regression on lags and calendar features (`forecaster/lag-ridge`).
 *
 * Algorithm: the series is kept on a regular grid (`stepMs`) in a bounded window of the last
 * `historySeasons` seasons (a season is `seasonPoints` steps, normally one day). The forecast for
 * step h after the origin o (target j = o + h, h ≤ one season) is a linear function of features
 * known at o: the value one season before the target (raw and smoothed over ±`smoothMs`), two
 * seasons before (smoothed), the mean of the smoothed same-slot values over the last `depth`
 * seasons, the value one week (7 seasons) before, the last value, the recent level (mean over
 * `levelMs`), the level at the same time one season and one week before the origin (so the model
 * can carry today's deviation forward), `fourierTerms` sine/cosine pairs of the target's phase in
 * the season and, optionally, its day of the week. The lag depth (1–7 seasons) is the deepest
 * one the window can train. One coefficient vector is fitted per horizon block (≤ 15 min, 1 h,
 * 3 h, 6 h, 12 h, 24 h as fractions of the season) by ridge regression on standardised values:
 * (XᵀX + λ·rows·I′) β = Xᵀy, with the intercept unpenalised, solved by Cholesky. Rows are
 * (origin, horizon) pairs subsampled to at most `maxRows` per block. The fit is redone inside
 * `learn` once per season (`forecast` only applies it). Beyond one season ahead the last
 * forecast season repeats.
 *
 * Interval (split-conformal): before each refit, the previous coefficients forecast the targets
 * that arrived since they were fitted (out of sample); their absolute errors fill one ring per
 * horizon block (about a week of refits). The half-width is the ⌈level·(n + 1)⌉-th smallest error
 * of the block, widened by √⌈h / season⌉ beyond one season. The first fit seeds the rings with its
 * in-sample residuals (too narrow until a day of real errors arrives). Before the first fit (less
 * than about 2.5 seasons of data) the forecast is naive (last value) with the quantile of one-step
 * errors widened by √h; before `minPoints` points it is undefined.
 *
 * Time and gaps: as seasonal-naive — a point is `round((t − lastT) / stepMs)` steps after the last
 * one, points less than half a step later are ignored, and skipped slots take the value one season
 * earlier (or the last value while the first season is incomplete).
 *
 * Works for: demand with stable daily (and weekly) cycles plus noise and day-to-day level drift —
 * smoothing and averaging the lags removes much of seasonal-naive's doubled noise, and the
 * level terms track shifts. Fails on: holidays and one-off events, regime changes inside the
 * window (the fit averages old and new behaviour until they age out), multiplicative growth far
 * outside the window's range, and bursty series where no lag carries information (it then
 * converges to a smoothed mean, which still beats copying yesterday's bursts).
 *
 * Reference: S. Ben Taieb, R. J. Hyndman, "A gradient boosting approach to the Kaggle load
 * forecasting competition", IJF 2014 (direct per-horizon models on lags and calendar terms);
 * A. E. Hoerl, R. W. Kennard, "Ridge regression", Technometrics 1970; conformal intervals as in
 * R. J. Hyndman, G. Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed., §5.5.
 */
import { describe, invalid } from '../errors.js';
import type { Forecast } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Forecaster, ModelSpec } from './contract.js';
import { Ring } from './ring.js';

/** Configuration of {@link LagRidge}. */
export interface LagRidgeConfig {
  /** Steps in one season. Default 1,440 (one day of 1-minute steps). */
  readonly seasonPoints: number;
  /** Step between points (ms). Default 60,000. */
  readonly stepMs: number;
  /** Interval coverage, in (0, 1). Default 0.9. */
  readonly level: number;
  /** Points needed before any forecast. Default 10. */
  readonly minPoints: number;
  /** Seasons of history kept and fitted on, in [3, 60]. Default 14 (two weeks of days). */
  readonly historySeasons: number;
  /** Sine/cosine pairs of the target's phase in the season, in [0, 12]. Default 3. */
  readonly fourierTerms: number;
  /** Day-of-week indicators of the target (only once a week of lags is known). Default false. */
  readonly dayOfWeek: boolean;
  /** Ridge penalty per training row on the scaled features, ≥ 0 (towards seasonal-naive). Default 0.3. */
  readonly ridge: number;
  /** Half-width of the window that smooths the lag values (ms). Default 900,000 (±15 min). */
  readonly smoothMs: number;
  /** Span of the recent level (ms). Default 3,600,000 (one hour). */
  readonly levelMs: number;
  /** Training rows per horizon block at each refit. Default 500. */
  readonly maxRows: number;
  /** Huber reweightings after the least-squares fit (0 = plain ridge). Default 2. */
  readonly robustIterations: number;
  /** Capacity of each horizon block's ring of out-of-sample errors (and of the one-step ring). Default 1,400. */
  readonly errorPoints: number;
}

/** Coefficients of one refit: per horizon block, as differences from the value one season before the target, in units of `scale`. */
export interface LagRidgeFit {
  /** Absolute grid index of the last slot when fitted. */
  readonly at: number;
  /** Seasons of lags used, 1–7. */
  readonly depth: number;
  /** Mean absolute seasonal difference of the window: the unit of features and target. */
  readonly scale: number;
  /** One coefficient vector per horizon block (intercept first). */
  readonly coefficients: number[][];
}

/** Saved state of {@link LagRidge}: plain arrays of numbers. */
export interface LagRidgeState {
  readonly version: 1;
  /** Points observed (not counting filled gaps). */
  readonly n: number;
  /** Time of the last learned point (ms); absent before the first. */
  readonly lastT?: number;
  readonly lastV?: number;
  /** Grid slots written so far (including filled gaps). */
  readonly total: number;
  /** Ring of the last `historySeasons · seasonPoints` grid values. */
  readonly values: number[];
  readonly valuesHead: number;
  /** Ring of absolute one-step errors (naive fallback). */
  readonly stepErrors: number[];
  readonly stepHead: number;
  /** One ring of absolute out-of-sample errors per horizon block. */
  readonly blockErrors: number[][];
  readonly blockHeads: number[];
  readonly fit?: LagRidgeFit;
}

const KIND = 'forecaster/lag-ridge';
const VERSION = 1;
const DEFAULTS: LagRidgeConfig = {
  seasonPoints: 1440,
  stepMs: 60_000,
  level: 0.9,
  minPoints: 10,
  historySeasons: 14,
  fourierTerms: 3,
  dayOfWeek: false,
  ridge: 0.3,
  smoothMs: 900_000,
  levelMs: 3_600_000,
  maxRows: 500,
  robustIterations: 2,
  errorPoints: 1400,
};
const RULES: ConfigRules<LagRidgeConfig> = {
  seasonPoints: { type: 'number', integer: true, min: 2, max: 100_000 },
  stepMs: { type: 'number', min: 0, minExclusive: true },
  level: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  minPoints: { type: 'number', integer: true, min: 2 },
  historySeasons: { type: 'number', integer: true, min: 3, max: 60 },
  fourierTerms: { type: 'number', integer: true, min: 0, max: 12 },
  dayOfWeek: { type: 'boolean' },
  ridge: { type: 'number', min: 0 },
  smoothMs: { type: 'number', min: 0 },
  levelMs: { type: 'number', min: 0 },
  maxRows: { type: 'number', integer: true, min: 10, max: 1_000_000 },
  robustIterations: { type: 'number', integer: true, min: 0, max: 20 },
  errorPoints: { type: 'number', integer: true, min: 7, max: 1_000_000 },
};
/** Ends of the horizon blocks as fractions of the season: 15 min, 1 h, 3 h, 6 h, 12 h, 24 h of a day. */
const BLOCK_ENDS = [1 / 96, 1 / 24, 1 / 8, 1 / 4, 1 / 2, 1];
/** Refits (seasons) of out-of-sample errors a block's ring holds. */
const ERROR_SEASONS = 7;
const WEEK = 7;

/** The window on a grid, oldest first, with prefix sums; local index i is at `lastT − (last − i)·stepMs`. */
interface Frame {
  readonly g: Float64Array;
  /** prefix[i] = g[0] + … + g[i − 1]. */
  readonly prefix: Float64Array;
  /** Absolute grid index of g[0]. */
  readonly base: number;
  readonly last: number;
  readonly lastT: number;
}

/**
 * Last step of each horizon block for a season of `seasonPoints` steps (increasing, the last one
 * = the season). E.g. 288 → [3, 12, 36, 72, 144, 288].
 */
export function lagRidgeBlocks(seasonPoints: number): number[] {
  const ends: number[] = [];
  for (const f of BLOCK_ENDS) {
    const e = Math.max(1, Math.ceil(seasonPoints * f - 1e-9));
    if (ends.length === 0 || e > (ends[ends.length - 1] as number)) ends.push(e);
  }
  return ends;
}

/**
 * Solves the symmetric positive-definite system A x = b in place by Cholesky (A is p×p, row-major;
 * its lower triangle is overwritten by L). Returns undefined when A is not positive definite.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array | undefined {
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j] as number;
    for (let k = 0; k < j; k++) d -= (a[j * p + k] as number) ** 2;
    if (!(d > 0)) return undefined;
    const l = Math.sqrt(d);
    a[j * p + j] = l;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j] as number;
      for (let k = 0; k < j; k++) s -= (a[i * p + k] as number) * (a[j * p + k] as number);
      a[i * p + j] = s / l;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    let s = x[i] as number;
    for (let k = 0; k < i; k++) s -= (a[i * p + k] as number) * (x[k] as number);
    x[i] = s / (a[i * p + i] as number);
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = x[i] as number;
    for (let k = i + 1; k < p; k++) s -= (a[k * p + i] as number) * (x[k] as number);
    x[i] = s / (a[i * p + i] as number);
  }
  return x;
}

/**
 * Lag-and-calendar ridge forecaster with conformal intervals. `learn` is O(1) except once per
 * season, when it refits in O(W + blocks · maxRows · p²) for a window of W points and p ≤ 30
 * features; `forecast` is O(W + h · p + e log e) for e stored errors.
 * @example
 * const f = lagRidgeSpec.create(lagRidgeSpec.parse({ seasonPoints: 288, stepMs: 300_000 }));
 * for (const p of fiveMinutePoints) f.learn(p);
 * f.forecast(288); // the next day, with a 90 % interval
 */
export class LagRidge implements Forecaster {
  readonly #config: LagRidgeConfig;
  readonly #blocks: readonly number[];
  readonly #smooth: number;
  readonly #levelPoints: number;
  #n = 0;
  #lastT: number | undefined;
  #lastV: number | undefined;
  #total = 0;
  readonly #values: Ring;
  readonly #step: Ring;
  readonly #blockErrors: Ring[];
  #fit: LagRidgeFit | undefined;
  readonly #same = new Float64Array(WEEK);

  constructor(config: LagRidgeConfig, state?: LagRidgeState) {
    this.#config = config;
    this.#blocks = lagRidgeBlocks(config.seasonPoints);
    this.#smooth = Math.round(config.smoothMs / config.stepMs);
    this.#levelPoints = Math.max(1, Math.round(config.levelMs / config.stepMs));
    this.#values = new Ring(config.historySeasons * config.seasonPoints, state?.values, state?.valuesHead);
    this.#step = new Ring(config.errorPoints, state?.stepErrors, state?.stepHead);
    this.#blockErrors = this.#blocks.map((_, b) => new Ring(config.errorPoints, state?.blockErrors[b], state?.blockHeads[b]));
    if (state) {
      this.#n = state.n;
      this.#lastT = state.lastT;
      this.#lastV = state.lastV;
      this.#total = state.total;
      this.#fit = state.fit;
    }
  }

  /** Learns one point; refits once per season. Non-finite values and points at or before the last one are ignored. */
  learn(p: Point): void {
    const t = p.t;
    const v = p.v + 0;
    if (!Number.isFinite(v) || !Number.isFinite(t)) return;
    const lastT = this.#lastT;
    const lastV = this.#lastV;
    if (lastT === undefined || lastV === undefined) {
      this.#push(v);
      this.#n = 1;
      this.#lastT = t;
      this.#lastV = v;
      return;
    }
    const steps = Math.round((t - lastT) / this.#config.stepMs);
    if (steps < 1) return;
    const S = this.#config.seasonPoints;
    const values = this.#values;
    for (let k = 1; k < steps; k++) {
      const len = values.values.length;
      // Value one season earlier if the window holds it, else the last value.
      if (len >= S) {
        const idx = (values.full ? values.head : len) - S;
        this.#push(values.values[(idx + values.capacity) % values.capacity] as number);
      } else this.#push(lastV);
    }
    if (steps === 1) this.#step.push(Math.abs(v - lastV));
    this.#push(v);
    this.#n++;
    this.#lastT = t;
    this.#lastV = v;
    const fit = this.#fit;
    if (fit === undefined ? this.#depthFor(values.values.length) > 0 : this.#total - 1 - fit.at >= S) {
      this.#refit();
    }
  }

  /** Forecast for the `horizonSteps` steps after the last learned point; undefined while warming up. */
  forecast(horizonSteps: number): Forecast | undefined {
    if (!Number.isInteger(horizonSteps) || horizonSteps < 1) {
      throw invalid(`${KIND}: horizonSteps must be an integer ≥ 1 (got ${horizonSteps})`);
    }
    const lastT = this.#lastT;
    const lastV = this.#lastV;
    const { minPoints, stepMs, level, seasonPoints: S } = this.#config;
    if (lastT === undefined || lastV === undefined || this.#n < minPoints) return undefined;
    const fit = this.#fit;
    const stepQ = this.#step.values.length > 0 ? conformalQuantile(this.#step.values, level) : undefined;
    const t: number[] = [];
    const mean: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    if (fit === undefined) {
      if (stepQ === undefined) return undefined;
      for (let h = 1; h <= horizonSteps; h++) {
        const half = stepQ * Math.sqrt(h);
        t.push(lastT + h * stepMs);
        mean.push(lastV);
        lower.push(lastV - half);
        upper.push(lastV + half);
      }
      return { t, mean, lower, upper, level };
    }
    const frame = this.#frame();
    const x = new Float64Array(this.#featureCount(fit.depth));
    const q = this.#blockErrors.map((r) => (r.values.length > 0 ? conformalQuantile(r.values, level) : (stepQ ?? 0)));
    let block = 0;
    for (let h = 1; h <= horizonSteps; h++) {
      let m: number;
      const hs = ((h - 1) % S) + 1;
      if (h <= S) {
        while (h > (this.#blocks[block] as number)) block++;
        m = this.#predict(frame, fit, block, frame.last, h, x);
      } else m = mean[h - 1 - S] as number;
      let b = 0;
      while (hs > (this.#blocks[b] as number)) b++;
      const half = (q[b] as number) * Math.sqrt(Math.ceil(h / S));
      t.push(lastT + h * stepMs);
      mean.push(m);
      lower.push(m - half);
      upper.push(m + half);
    }
    return { t, mean, lower, upper, level };
  }

  /** Points observed so far (filled gaps not counted). */
  get count(): number {
    return this.#n;
  }

  /** The current fit, if any (for explanations and tests). */
  get fit(): LagRidgeFit | undefined {
    return this.#fit;
  }

  /** JSON state that restores this forecaster exactly through {@link lagRidgeSpec}.create. */
  state(): LagRidgeState {
    const fit = this.#fit;
    return {
      version: VERSION,
      n: this.#n,
      ...(this.#lastT === undefined ? {} : { lastT: this.#lastT, lastV: this.#lastV }),
      total: this.#total,
      values: this.#values.values.slice(),
      valuesHead: this.#values.head,
      stepErrors: this.#step.values.slice(),
      stepHead: this.#step.head,
      blockErrors: this.#blockErrors.map((r) => r.values.slice()),
      blockHeads: this.#blockErrors.map((r) => r.head),
      ...(fit === undefined ? {} : { fit: { ...fit, coefficients: fit.coefficients.map((c) => c.slice()) } }),
    };
  }

  #push(v: number): void {
    this.#values.push(v);
    this.#total++;
  }

  /** First local origin whose features at `depth` lie inside the window. */
  #minOrigin(depth: number): number {
    return depth * this.#config.seasonPoints + this.#levelPoints - 1;
  }

  /** Deepest lag depth (1–7) a window of `length` points can train (≥ half a season of full-horizon origins); 0 if none. */
  #depthFor(length: number): number {
    const S = this.#config.seasonPoints;
    for (let d = WEEK; d >= 1; d--) {
      if (length - 1 - S - this.#minOrigin(d) + 1 >= Math.ceil(S / 2)) return d;
    }
    return 0;
  }

  #featureCount(depth: number): number {
    return featureCount(this.#config, depth);
  }

  #frame(): Frame {
    const g = this.#values.ordered();
    const prefix = new Float64Array(g.length + 1);
    for (let i = 0; i < g.length; i++) prefix[i + 1] = (prefix[i] as number) + (g[i] as number);
    return { g, prefix, base: this.#total - g.length, last: g.length - 1, lastT: this.#lastT as number };
  }

  /** Features of target o + h from origin o (local indices; o ≥ minOrigin(depth)), standardised, into x; returns the anchor. */
  #features(frame: Frame, fit: Pick<LagRidgeFit, 'depth' | 'scale'>, o: number, h: number, x: Float64Array): number {
    const { g, prefix } = frame;
    const { seasonPoints: S, stepMs, fourierTerms, dayOfWeek } = this.#config;
    const { depth, scale } = fit;
    const w = this.#smooth;
    const j = o + h;
    const L = this.#levelPoints;
    const anchor = g[j - S] as number;
    let i = 0;
    x[i++] = 1;
    x[i++] = (windowMean(prefix, j - S - w, j - S + w, o) - anchor) / scale;
    if (depth >= 2) x[i++] = (windowMean(prefix, j - 2 * S - w, j - 2 * S + w, o) - anchor) / scale;
    if (depth >= 3) {
      let s = 0;
      const same = this.#same;
      for (let k = 1; k <= depth; k++) {
        s += windowMean(prefix, j - k * S - w, j - k * S + w, o);
        same[k - 1] = g[j - k * S] as number;
      }
      x[i++] = (s / depth - anchor) / scale;
      x[i++] = (median(same, depth) - anchor) / scale;
    }
    x[i++] = ((g[o] as number) - anchor) / scale;
    x[i++] = (windowMean(prefix, o - L + 1, o, o) - anchor) / scale;
    x[i++] = (windowMean(prefix, o - S - L + 1, o - S, o) - anchor) / scale;
    if (depth >= WEEK) {
      x[i++] = (windowMean(prefix, j - WEEK * S - w, j - WEEK * S + w, o) - anchor) / scale;
      x[i++] = (windowMean(prefix, o - WEEK * S - L + 1, o - WEEK * S, o) - anchor) / scale;
    }
    const period = S * stepMs;
    const tj = frame.lastT + (j - frame.last) * stepMs;
    const phase = (((tj % period) + period) % period) / period;
    for (let k = 1; k <= fourierTerms; k++) {
      x[i++] = Math.sin(2 * Math.PI * k * phase);
      x[i++] = Math.cos(2 * Math.PI * k * phase);
    }
    if (depth >= WEEK && dayOfWeek) {
      const dow = ((Math.floor(tj / period) % WEEK) + WEEK) % WEEK;
      for (let k = 1; k < WEEK; k++) x[i++] = dow === k ? 1 : 0;
    }
    return anchor;
  }

  #predict(frame: Frame, fit: LagRidgeFit, block: number, o: number, h: number, x: Float64Array): number {
    const anchor = this.#features(frame, fit, o, h, x);
    const beta = fit.coefficients[block] as number[];
    let s = 0;
    for (let k = 0; k < beta.length; k++) s += (beta[k] as number) * (x[k] as number);
    return anchor + fit.scale * s;
  }

  /**
   * Up to `cap` (origin, horizon) pairs of block `b` with origin ≥ oLo and target in [jLo, jHi],
   * origins evenly strided, horizons cycling through the block.
   */
  #sample(b: number, oLo: number, jLo: number, jHi: number, cap: number): { origins: Int32Array; horizons: Int32Array } {
    const a = b === 0 ? 1 : (this.#blocks[b - 1] as number) + 1;
    const e = this.#blocks[b] as number;
    const first = Math.max(oLo, jLo - e);
    const lastO = jHi - a;
    if (lastO < first) return { origins: new Int32Array(0), horizons: new Int32Array(0) };
    const stride = Math.ceil((lastO - first + 1) / cap);
    const origins = new Int32Array(Math.ceil((lastO - first + 1) / stride));
    const horizons = new Int32Array(origins.length);
    let n = 0;
    let r = 0;
    for (let o = first; o <= lastO; o += stride, r++) {
      const hLo = Math.max(a, jLo - o);
      const hHi = Math.min(e, jHi - o);
      if (hLo > hHi) continue;
      origins[n] = o;
      horizons[n] = hLo + ((r * 37) % (hHi - hLo + 1));
      n++;
    }
    return { origins: origins.subarray(0, n), horizons: horizons.subarray(0, n) };
  }

  /** Pushes the absolute errors of `fit` on sampled pairs of each block into the block rings. */
  #scoreInto(frame: Frame, fit: LagRidgeFit, jLo: number, cap: number, onlyEmpty: boolean): void {
    const x = new Float64Array(this.#featureCount(fit.depth));
    const oLo = this.#minOrigin(fit.depth);
    for (let b = 0; b < this.#blocks.length; b++) {
      const ring = this.#blockErrors[b] as Ring;
      if (onlyEmpty && ring.values.length > 0) continue;
      const { origins, horizons } = this.#sample(b, oLo, jLo, frame.last, cap);
      for (let r = 0; r < origins.length; r++) {
        const o = origins[r] as number;
        const h = horizons[r] as number;
        ring.push(Math.abs((frame.g[o + h] as number) - this.#predict(frame, fit, b, o, h, x)));
      }
    }
  }

  #refit(): void {
    const frame = this.#frame();
    const N = frame.g.length;
    const depth = this.#depthFor(N);
    if (depth === 0) return;
    const old = this.#fit;
    const blocks = this.#blocks.length;
    const perFit = Math.ceil(this.#config.errorPoints / ERROR_SEASONS);
    if (old !== undefined) this.#scoreInto(frame, old, old.at - frame.base + 1, perFit, false);
    const S = this.#config.seasonPoints;
    let sum = 0;
    for (let i = S; i < N; i++) sum += Math.abs((frame.g[i] as number) - (frame.g[i - S] as number));
    const scale = sum > 0 ? sum / (N - S) : 1;
    const shape = { depth, scale };
    const p = this.#featureCount(depth);
    const oLo = this.#minOrigin(depth);
    const coefficients: number[][] = [];
    for (let b = 0; b < blocks; b++) {
      const { origins, horizons } = this.#sample(b, oLo, 0, N - 1, this.#config.maxRows);
      const rows = origins.length;
      if (rows === 0) return;
      const design = new Float64Array(rows * p);
      const y = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        const o = origins[r] as number;
        const h = horizons[r] as number;
        const anchor = this.#features(frame, shape, o, h, design.subarray(r * p, (r + 1) * p));
        y[r] = ((frame.g[o + h] as number) - anchor) / scale;
      }
      const beta = robustRidge(design, y, rows, p, this.#config.ridge * rows, this.#config.robustIterations);
      if (beta === undefined) return;
      coefficients.push(beta);
    }
    const fit: LagRidgeFit = { at: this.#total - 1, depth, scale, coefficients };
    if (old === undefined) this.#scoreInto(frame, fit, 0, perFit, true);
    this.#fit = fit;
  }
}

/**
 * Ridge coefficients for a row-major `rows × p` design whose first column is the (unpenalised)
 * intercept: solves (XᵀX + penalty·I′) β = Xᵀy by Cholesky. Undefined if the solve fails.
 */
export function ridgeSolve(
  design: Float64Array,
  y: Float64Array,
  rows: number,
  p: number,
  penalty: number,
  weights?: Float64Array,
): number[] | undefined {
  const a = new Float64Array(p * p);
  const rhs = new Float64Array(p);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * p;
    const wr = weights === undefined ? 1 : (weights[r] as number);
    total += wr;
    const yr = (y[r] as number) * wr;
    for (let i = 0; i < p; i++) {
      const xi = design[off + i] as number;
      if (xi === 0) continue;
      rhs[i] = (rhs[i] as number) + xi * yr;
      const xw = xi * wr;
      const row = i * p;
      for (let k = i; k < p; k++) a[row + k] = (a[row + k] as number) + xw * (design[off + k] as number);
    }
  }
  for (let i = 0; i < p; i++) for (let k = 0; k < i; k++) a[i * p + k] = a[k * p + i] as number;
  for (let i = 0; i < p; i++) a[i * p + i] = (a[i * p + i] as number) + (penalty * total) / rows + 1e-9 * total;
  const beta = choleskySolve(a, rhs, p);
  if (beta === undefined || !beta.every((v) => Number.isFinite(v))) return undefined;
  return Array.from(beta, (v) => v + 0);
}

/**
 * Huber-weighted ridge by iteratively reweighted least squares: `iterations` reweightings after
 * the plain fit, weight min(1, 1.345·σ / |r|) with σ = 1.4826 · median |r|.
 */
function robustRidge(
  design: Float64Array,
  y: Float64Array,
  rows: number,
  p: number,
  penalty: number,
  iterations: number,
): number[] | undefined {
  let beta = ridgeSolve(design, y, rows, p, penalty);
  if (beta === undefined || iterations === 0) return beta;
  const weights = new Float64Array(rows);
  const abs = new Float64Array(rows);
  for (let it = 0; it < iterations; it++) {
    for (let r = 0; r < rows; r++) {
      let f = 0;
      for (let k = 0; k < p; k++) f += (beta[k] as number) * (design[r * p + k] as number);
      abs[r] = Math.abs((y[r] as number) - f);
    }
    const sigma = 1.4826 * median(Float64Array.from(abs), rows);
    if (!(sigma > 0)) return beta;
    const c = 1.345 * sigma;
    for (let r = 0; r < rows; r++) weights[r] = (abs[r] as number) <= c ? 1 : c / (abs[r] as number);
    const next = ridgeSolve(design, y, rows, p, penalty, weights);
    if (next === undefined) return beta;
    beta = next;
  }
  return beta;
}

/** Median of the first `n` values of `a` (reorders them). */
function median(a: Float64Array, n: number): number {
  const s = a.subarray(0, n).sort();
  return n % 2 === 1 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/** Mean of `prefix`'s series over [from, to] clipped to [0, limit] (prefix sums, O(1)). */
function windowMean(prefix: Float64Array, from: number, to: number, limit: number): number {
  const a = Math.max(from, 0);
  const b = Math.min(to, limit);
  return ((prefix[b + 1] as number) - (prefix[a] as number)) / (b - a + 1);
}

/** Number of features (intercept included) at lag depth `depth`. */
function featureCount(config: LagRidgeConfig, depth: number): number {
  let p = 1 + 5 + 2 * config.fourierTerms;
  if (depth >= 2) p++;
  if (depth >= 3) p += 2;
  if (depth >= WEEK) p += 2 + (config.dayOfWeek ? 6 : 0);
  return p;
}

/** Reads an array of `rows` arrays of finite numbers (each at most `maxLength` long) from a state field. */
function numberRows(key: string, value: unknown, rows: number, maxLength: number): number[][] {
  const ok =
    Array.isArray(value) &&
    value.length === rows &&
    value.every((r) => Array.isArray(r) && r.length <= maxLength && r.every((x) => typeof x === 'number' && Number.isFinite(x)));
  if (!ok) {
    throw invalid(`${KIND}: state field ${key} must be ${rows} arrays of at most ${maxLength} finite numbers (got ${describe(value)})`);
  }
  return (value as number[][]).map((r) => r.slice());
}

/** The ⌈level·(n + 1)⌉-th smallest of `values` (capped at the largest): the split-conformal quantile. */
function conformalQuantile(values: readonly number[], level: number): number {
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(level * (sorted.length + 1))));
  return sorted[rank - 1] as number;
}

/** Spec of the lag-ridge forecaster: kind `forecaster/lag-ridge`, state version 1. */
export const lagRidgeSpec: ModelSpec<LagRidgeConfig, LagRidge> = {
  kind: KIND,
  version: VERSION,
  description:
    'Direct multi-horizon ridge regression on seasonal and weekly lags, recent level and calendar terms, refitted once a season on a bounded window; conformal intervals per horizon block.',
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create(config, state) {
    if (state === undefined) return new LagRidge(config);
    const s = openState(KIND, VERSION, state);
    const blocks = lagRidgeBlocks(config.seasonPoints);
    const windowPoints = config.historySeasons * config.seasonPoints;
    const fail = (key: string, got: unknown): never => {
      throw invalid(
        `${KIND}: state field ${key} is inconsistent with the config (got ${JSON.stringify(got)}); was it saved with another config?`,
      );
    };
    const head = (key: string, h: number, ring: number[], capacity: number): number => {
      const expected = ring.length < capacity ? ring.length % capacity : h;
      if (!Number.isInteger(h) || h < 0 || h >= capacity || h !== expected) fail(key, h);
      return h;
    };
    const values = s.numbers('values', windowPoints);
    const stepErrors = s.numbers('stepErrors', config.errorPoints);
    const total = s.number('total');
    if (!Number.isInteger(total) || total < values.length || (values.length < windowPoints && total !== values.length))
      fail('total', total);
    const record = state as Record<string, unknown>;
    const blockErrors = numberRows('blockErrors', record.blockErrors, blocks.length, config.errorPoints);
    const heads = s.numbers('blockHeads', blocks.length);
    if (heads.length !== blocks.length) fail('blockHeads', heads);
    const blockHeads = heads.map((h, b) => head(`blockHeads[${b}]`, h, blockErrors[b] as number[], config.errorPoints));
    let fit: LagRidgeFit | undefined;
    if (record.fit !== undefined) {
      const f = s.object('fit');
      const at = f.number('at');
      const depth = f.number('depth');
      const scale = f.number('scale');
      if (!Number.isInteger(at) || at < 0 || at >= total) fail('fit.at', at);
      if (!Number.isInteger(depth) || depth < 1 || depth > WEEK) fail('fit.depth', depth);
      if (!(scale > 0)) fail('fit.scale', scale);
      const p = featureCount(config, depth);
      const coefficients = numberRows('fit.coefficients', (record.fit as Record<string, unknown>).coefficients, blocks.length, p);
      coefficients.forEach((c, b) => {
        if (c.length !== p) fail(`fit.coefficients[${b}]`, `${c.length} values`);
      });
      fit = { at, depth, scale, coefficients };
    }
    const lastT = s.optionalNumber('lastT');
    const lastV = s.optionalNumber('lastV');
    return new LagRidge(config, {
      version: VERSION,
      n: s.number('n'),
      ...(lastT === undefined || lastV === undefined ? {} : { lastT, lastV }),
      total,
      values,
      valuesHead: head('valuesHead', s.number('valuesHead'), values, windowPoints),
      stepErrors,
      stepHead: head('stepHead', s.number('stepHead'), stepErrors, config.errorPoints),
      blockErrors,
      blockHeads,
      ...(fit === undefined ? {} : { fit }),
    });
  },
};
