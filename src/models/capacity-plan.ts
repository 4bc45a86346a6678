/**
 * @module models/capacity-plan
 * The capacity model on top of a demand forecast: for one resource of one entity, how much room
 * is left at the forecast peak, when (if ever) demand reaches the limit, and whether to scale out
 * — and by how many units — with a confidence. Pure: the engine gives it the forecast and the
 * twin's capacity.
 *
 * Algorithm. The forecast's two-sided `level` interval is read as a normal one around the mean:
 * `σ_k = (upper_k − mean_k) / z` with `z = Φ⁻¹((1 + level)/2)` (1.645 at 90 %). Peak = the step
 * with the largest mean. `headroom = 1 − peakMean / limit`. `saturationProbability` = P(demand at
 * the peak ≥ limit) = `1 − Φ((limit − peakMean) / σ_peak)` — the chance that the next
 * `horizon` needs more than the entity has. `timeToSaturationMs` = first step whose mean reaches
 * the limit; `earliestSaturationMs` = first step whose upper bound does (the pessimistic one).
 * Recommendation: keep demand at or below `target` of the limit at the peak's upper bound
 * (a 95 % one-sided bound at level 0.9): with `units` now (replicas, cores), the units needed
 * are `⌈units · peakUpper / (target · limit)⌉`; scale out by the difference when it is positive.
 * Its confidence is P(peak demand > target · limit) from the same normal reading — for "none",
 * one minus that. Demand is assumed to spread evenly over units (a utilisation share falls as
 * 1/units), which holds for stateless replicas behind a balancer.
 *
 * Works for: utilisation shares of horizontally scaled services and for absolute demand against a
 * known capacity. Fails on: resources that do not scale with units (a database's disk, a single
 * leader), forecasts whose intervals are miscalibrated (the confidence inherits their error; the
 * capacity benchmark reports their coverage), and demand that moves between entities.
 *
 * Reference: Google SRE book, ch. 18 "Software Engineering in SRE" (Auxon, intent-based capacity
 * planning) and ch. 22 (load and headroom); Hyndman & Athanasopoulos, FPP3 §5.5 (intervals).
 */
import { describe, invalid } from '../errors.js';
import type { CapacityPlan, CapacityRecommendation, Forecast } from '../records/types.js';

export type { CapacityPlan, CapacityRecommendation } from '../records/types.js';

/** What the capacity model needs for one resource. */
export interface CapacityInput {
  /** Demand forecast of the resource (same units as `limit`). */
  readonly forecast: Forecast;
  /** Demand at which the resource saturates, > 0 (1 for a utilisation share). */
  readonly limit: number;
  /** Units of capacity now (replicas, cores), integer ≥ 1; without it no scale-out size is given. */
  readonly units?: number;
  /** Share of the limit to plan for at the peak's upper bound, in (0, 1]. Default 0.7. */
  readonly target?: number;
  /** Time the forecast was made (ms); times to saturation are counted from it. */
  readonly now: number;
  /**
   * Plan for demand sustained this long (ms): the forecast's mean and bounds are first averaged
   * over a centred window of that length (truncated at the ends), so that one inflated step — a
   * burst of minutes the forecaster absorbed into its daily profile — does not size a scale-out.
   * Default 0 (every step as it is).
   */
  readonly sustainMs?: number;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** z of a two-sided normal interval of coverage `level` (bisection on {@link normalCdf}). */
function zOf(level: number): number {
  const p = (1 + level) / 2;
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The forecast with mean and bounds averaged over centred windows of `k` steps (truncated at the ends). */
function sustained(f: Forecast, k: number): Forecast {
  if (k <= 1) return f;
  const before = Math.floor((k - 1) / 2);
  const after = k - 1 - before;
  const avg = (xs: readonly number[]): number[] =>
    xs.map((_, i) => {
      const from = Math.max(0, i - before);
      const to = Math.min(xs.length - 1, i + after);
      let sum = 0;
      for (let j = from; j <= to; j++) sum += xs[j] as number;
      return sum / (to - from + 1);
    });
  return { ...f, mean: avg(f.mean), lower: avg(f.lower), upper: avg(f.upper) };
}

/** P(X ≥ threshold) for X ~ N(mean, σ²); a step function when σ is 0. */
function exceedance(mean: number, sigma: number, threshold: number): number {
  if (!(sigma > 0)) return mean >= threshold ? 1 : 0;
  return 1 - normalCdf((threshold - mean) / sigma);
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Plans one resource (see the module comment).
 * @throws HomeostatError `invalid_argument` for an empty or ragged forecast, a non-positive limit,
 * units that are not an integer ≥ 1, or a target outside (0, 1].
 * @example planCapacity({ forecast, limit: 1, units: 4, now }).recommendation // { action: 'scale_out', by: 2, ... }
 */
export function planCapacity(input: CapacityInput): CapacityPlan {
  const { forecast: raw, limit, units, now } = input;
  const target = input.target ?? 0.7;
  const n = raw.mean.length;
  if (n === 0 || raw.t.length !== n || raw.upper.length !== n || raw.lower.length !== n) {
    throw invalid(
      `capacity plan: the forecast needs t, mean, lower and upper of one equal, non-zero length (got ${raw.t.length}, ${n}, ${raw.lower.length}, ${raw.upper.length})`,
    );
  }
  const sustainMs = input.sustainMs ?? 0;
  if (!(sustainMs >= 0 && Number.isFinite(sustainMs)))
    throw invalid(`capacity plan: sustainMs must be a number ≥ 0 (got ${describe(sustainMs)})`);
  const stepMs = n > 1 ? (raw.t[1] as number) - (raw.t[0] as number) : 0;
  const f = sustained(raw, stepMs > 0 ? Math.max(1, Math.round(sustainMs / stepMs)) : 1);
  if (!(limit > 0) || !Number.isFinite(limit)) throw invalid(`capacity plan: limit must be a number > 0 (got ${describe(limit)})`);
  if (units !== undefined && !(Number.isInteger(units) && units >= 1)) {
    throw invalid(`capacity plan: units must be an integer ≥ 1 (got ${describe(units)})`);
  }
  if (!(target > 0 && target <= 1)) throw invalid(`capacity plan: target must be in (0, 1] (got ${describe(target)})`);
  if (!(f.level > 0 && f.level < 1)) throw invalid(`capacity plan: the forecast's level must be in (0, 1) (got ${describe(f.level)})`);
  const z = zOf(f.level);
  let peak = 0;
  for (let k = 1; k < n; k++) if ((f.mean[k] as number) > (f.mean[peak] as number)) peak = k;
  const peakMean = f.mean[peak] as number;
  const peakUpper = f.upper[peak] as number;
  const sigma = Math.max(0, (peakUpper - peakMean) / z);
  let timeToSaturationMs: number | undefined;
  let earliestSaturationMs: number | undefined;
  for (let k = 0; k < n; k++) {
    const t = (f.t[k] as number) - now;
    if (earliestSaturationMs === undefined && (f.upper[k] as number) >= limit) earliestSaturationMs = Math.max(0, t);
    if ((f.mean[k] as number) >= limit) {
      timeToSaturationMs = Math.max(0, t);
      break;
    }
  }
  const saturationProbability = exceedance(peakMean, sigma, limit);
  const line = target * limit;
  const needed = exceedance(peakMean, sigma, line);
  let recommendation: CapacityRecommendation;
  if (peakUpper > line && units !== undefined) {
    const required = Math.ceil((units * peakUpper) / line);
    const by = Math.max(1, required - units);
    recommendation = {
      action: 'scale_out',
      by,
      confidence: round(needed),
      reason: `peak demand up to ${round(peakUpper)} (95 % bound) against a planning line of ${round(line)} (${Math.round(target * 100)} % of ${round(limit)}): ${units} → ${units + by} units keeps it under the line`,
    };
  } else {
    recommendation = {
      action: 'none',
      by: 0,
      confidence: round(1 - needed),
      reason:
        peakUpper > line
          ? `peak demand up to ${round(peakUpper)} exceeds the planning line ${round(line)}, but the number of units is unknown`
          : `peak demand up to ${round(peakUpper)} stays under the planning line ${round(line)} (${Math.round(target * 100)} % of ${round(limit)})`,
    };
  }
  return {
    limit,
    ...(units !== undefined ? { units } : {}),
    target,
    peakMean,
    peakUpper,
    peakAt: f.t[peak] as number,
    headroom: 1 - peakMean / limit,
    saturationProbability,
    ...(timeToSaturationMs !== undefined ? { timeToSaturationMs } : {}),
    ...(earliestSaturationMs !== undefined ? { earliestSaturationMs } : {}),
    recommendation,
  };
}

/**
 * Replicas to add now so that a service's current saturation falls to `target`, as Kubernetes'
 * Horizontal Pod Autoscaler sizes a scale-out: `⌈replicas · saturation / target⌉ − replicas`.
 * Reactive (a surge under way), where {@link planCapacity} reads a forecast. Assumes load spreads
 * evenly over replicas; saturation is the uncapped share of capacity in use (1.4 = 40 % over).
 * @param replicas replicas running now, integer ≥ 1.
 * @param saturation current load ÷ capacity, ≥ 0.
 * @param target saturation wanted after the scale-out, in (0, 1].
 * @returns replicas to add (≥ 1), or undefined when the service is already at or below target.
 * @throws HomeostatError invalid_argument on a bad argument.
 * @example surgeScaleOut(3, 1.4, 0.7) // 3: six replicas carry the load at 0.70
 */
export function surgeScaleOut(replicas: number, saturation: number, target: number): number | undefined {
  if (!(Number.isInteger(replicas) && replicas >= 1))
    throw invalid(`surgeScaleOut: replicas must be an integer ≥ 1 (got ${describe(replicas)})`);
  if (!(Number.isFinite(saturation) && saturation >= 0))
    throw invalid(`surgeScaleOut: saturation must be a finite number ≥ 0 (got ${describe(saturation)})`);
  if (!(target > 0 && target <= 1)) throw invalid(`surgeScaleOut: target must be in (0, 1] (got ${describe(target)})`);
  // The tolerance keeps float noise (0.7 · 3 / 0.7) from asking for one replica more.
  const needed = Math.ceil((replicas * saturation) / target - 1e-9);
  return needed > replicas ? needed - replicas : undefined;
}
