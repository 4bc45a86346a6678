/**
 * @module bench/capacity/metrics
 * The forecast scoring rules of `../shared/datasets/README.md` ("Metric definitions"), pure:
 * rolling daily origins, 1 − WAPE, MASE against the in-sample daily seasonal-naive error,
 * relative MAE against seasonal-naive on the same points, coverage of the interval, and its
 * sharpness: mean width and interval (Winkler) score, both relative to the mean |actual|, so that
 * "covering more by widening everything" shows.
 *
 * Conventions: a series is a regular grid of values (NaN = not observed); an origin is the index
 * of the first forecast step, so everything before it is history. A point is scored when its
 * actual value and the forecast mean are finite; the points with a finite actual but no forecast
 * are counted as `missing_points`, never silently dropped.
 */

/** How rolling origins are laid out. */
export interface OriginPlan {
  /** Steps between origins (one day: 288 at 5 minutes). */
  readonly dayPoints: number;
  /** Origins reported: the last `reportedDays` days. */
  readonly reportedDays: number;
  /** Origins for tuning: the `tuningDays` days before the reported ones. */
  readonly tuningDays: number;
  /** History needed before an origin (steps). */
  readonly minHistoryPoints: number;
}

/** Origins of one series, ascending. */
export interface Origins {
  readonly reported: readonly number[];
  readonly tuning: readonly number[];
}

/**
 * Daily origins anchored at the series' end: origin k = length − k · dayPoints (so the last
 * horizon of one day ends at the last point); k = 1 … reportedDays are reported, the next
 * tuningDays are for tuning; an origin with less than `minHistoryPoints` of history is dropped.
 * @example rollingOrigins(10, { dayPoints: 2, reportedDays: 2, tuningDays: 2, minHistoryPoints: 3 }) // { reported: [6, 8], tuning: [4] }
 */
export function rollingOrigins(length: number, plan: OriginPlan): Origins {
  const reported: number[] = [];
  const tuning: number[] = [];
  for (let k = 1; k <= plan.reportedDays + plan.tuningDays; k++) {
    const origin = length - k * plan.dayPoints;
    if (origin < plan.minHistoryPoints || origin < 1) break;
    (k <= plan.reportedDays ? reported : tuning).unshift(origin);
  }
  return { reported, tuning };
}

/** One origin's forecast on the grid: index h is step origin + h; NaN where the method gave none. */
export interface OriginForecast {
  readonly origin: number;
  readonly mean: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Wall time to learn the day before the origin and forecast (ms). */
  readonly ms: number;
}

/** Figures of one method on one series over a set of origins. */
export interface ForecastScores {
  /** 1 − Σ|y − ŷ| / Σ|y| over the scored points of all origins. */
  readonly one_minus_wape: number;
  /** Mean over origins of MAE / (in-sample seasonal-naive MAE of the history before the origin). */
  readonly mase: number;
  /** Σ|y − ŷ| / Σ|y − ŷ_snaive| over the points where both are defined. */
  readonly rel_mae_vs_snaive: number;
  /** Share of scored points inside [lower, upper]. */
  readonly coverage_90: number;
  /** Σ(upper − lower) ÷ Σ|y| over the scored points with an interval: mean width relative to the mean level. */
  readonly rel_width_90: number;
  /**
   * Interval score of the 90 % interval (Gneiting & Raftery 2007, §6.2) relative to the mean level:
   * Σ[(u − l) + 20·(l − y)⁺ + 20·(y − u)⁺] ÷ Σ|y| over the same points (lower is better; 20 = 2 / 0.1).
   */
  readonly interval_score_90: number;
  /** Mean wall time per origin (ms). */
  readonly fit_forecast_ms: number;
  readonly origins: number;
  readonly points: number;
  /** Points with a finite actual value but no finite forecast mean. */
  readonly missing_points: number;
}

/** Weight of a miss in the interval score of a 90 % interval: 2 / (1 − 0.9). */
const MISS_WEIGHT = 20;

/**
 * Mean |y_i − y_{i−season}| over i in [season, end) where both are finite; NaN when no pair.
 * @example inSampleSeasonalMae([1, 2, 2, 4, 3], 5, 2) // (|2−1| + |4−2| + |3−2|) / 3 = 4/3
 */
export function inSampleSeasonalMae(values: ArrayLike<number>, end: number, season: number): number {
  let sum = 0;
  let n = 0;
  for (let i = season; i < end; i++) {
    const d = (values[i] as number) - (values[i - season] as number);
    if (Number.isFinite(d)) {
      sum += Math.abs(d);
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

/**
 * The seasonal-naive forecast made at `origin` for step origin + h: the value one season before,
 * the last season repeating beyond one season ahead (NaN where that value is missing).
 */
export function seasonalNaiveAt(values: ArrayLike<number>, origin: number, h: number, season: number): number {
  const i = origin - season + (h % season);
  return i >= 0 ? (values[i] as number) : Number.NaN;
}

/**
 * Scores forecasts of one series (see {@link ForecastScores}); `season` is the seasonal-naive
 * season (one day) used for MASE's scale and the relative MAE.
 * @example scoreForecasts([10, 20, 12, 24, 10, 30], [{ origin: 4, mean: Float64Array.of(11, 27), lower: Float64Array.of(10, 20), upper: Float64Array.of(12, 26), ms: 1 }], 2)
 * // one_minus_wape 1 − 4/40 = 0.9; mase (4/2) / 3 = 2/3; rel_mae_vs_snaive 4 / (|10−12| + |30−24|) = 0.5; coverage_90 0.5;
 * // rel_width_90 (2 + 6) / 40 = 0.2; interval_score_90 (8 + 20·(30 − 26)) / 40 = 2.2
 */
export function scoreForecasts(values: ArrayLike<number>, forecasts: readonly OriginForecast[], season: number): ForecastScores {
  let absErr = 0;
  let absY = 0;
  let points = 0;
  let missing = 0;
  let relErr = 0;
  let relNaive = 0;
  let covered = 0;
  let bounded = 0;
  let width = 0;
  let penalised = 0;
  let absYBounded = 0;
  let ms = 0;
  const mases: number[] = [];
  for (const f of forecasts) {
    ms += f.ms;
    let originErr = 0;
    let originPoints = 0;
    for (let h = 0; h < f.mean.length; h++) {
      const i = f.origin + h;
      if (i >= values.length) break;
      const y = values[i] as number;
      if (!Number.isFinite(y)) continue;
      const m = f.mean[h] as number;
      if (!Number.isFinite(m)) {
        missing++;
        continue;
      }
      const e = Math.abs(y - m);
      absErr += e;
      absY += Math.abs(y);
      points++;
      originErr += e;
      originPoints++;
      const naive = seasonalNaiveAt(values, f.origin, h, season);
      if (Number.isFinite(naive)) {
        relErr += e;
        relNaive += Math.abs(y - naive);
      }
      const lo = f.lower[h] as number;
      const hi = f.upper[h] as number;
      if (Number.isFinite(lo) && Number.isFinite(hi)) {
        bounded++;
        if (y >= lo && y <= hi) covered++;
        width += hi - lo;
        penalised += hi - lo + MISS_WEIGHT * (Math.max(0, lo - y) + Math.max(0, y - hi));
        absYBounded += Math.abs(y);
      }
    }
    const scale = inSampleSeasonalMae(values, f.origin, season);
    if (originPoints > 0 && scale > 0) mases.push(originErr / originPoints / scale);
  }
  return {
    one_minus_wape: absY > 0 ? 1 - absErr / absY : Number.NaN,
    mase: mases.length > 0 ? mases.reduce((a, b) => a + b, 0) / mases.length : Number.NaN,
    rel_mae_vs_snaive: relNaive > 0 ? relErr / relNaive : Number.NaN,
    coverage_90: bounded > 0 ? covered / bounded : Number.NaN,
    rel_width_90: absYBounded > 0 ? width / absYBounded : Number.NaN,
    interval_score_90: absYBounded > 0 ? penalised / absYBounded : Number.NaN,
    fit_forecast_ms: forecasts.length > 0 ? ms / forecasts.length : Number.NaN,
    origins: forecasts.length,
    points,
    missing_points: missing,
  };
}

/** Mean of the non-NaN values; NaN when none. */
export function meanOf(xs: readonly number[]): number {
  const ok = xs.filter((x) => !Number.isNaN(x));
  return ok.length === 0 ? Number.NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
}

/** Median of the non-NaN values; NaN when none. */
export function medianOf(xs: readonly number[]): number {
  const ok = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (ok.length === 0) return Number.NaN;
  const m = ok.length >> 1;
  return ok.length & 1 ? (ok[m] as number) : ((ok[m - 1] as number) + (ok[m] as number)) / 2;
}
