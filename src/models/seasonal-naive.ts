/**
 * @module models/seasonal-naive
 * Seasonal-naive demand forecast for one regularly sampled series (`forecaster/seasonal-naive`).
 *
 * Algorithm: the forecast for a step is the value observed exactly one season earlier
 * (`seasonPoints` steps, default 1,440 one-minute steps = one day); beyond one season ahead the
 * last season repeats. The interval is empirical: the `level` quantile (default 0.9) of the past
 * absolute seasonal errors |x_t − x_{t−season}|, kept in a bounded ring; for `h` steps ahead it is
 * widened by √⌈h / season⌉ (errors of successive seasons add up like a random walk). Until a full
 * season and `minPoints` seasonal errors are known, it falls back to the naive forecast (last
 * value) with the quantile of recent one-step errors widened by √h; before `minPoints` points
 * (or without any error yet) it returns undefined.
 *
 * Time and gaps: a point is `round((t − lastT) / stepMs)` steps after the last learned one (so a
 * little jitter in sampling does not matter); a point less than half a step after the last one is
 * ignored (duplicate or out of order). A point that skips steps leaves
 * each skipped slot at its seasonal-naive value — the value one season earlier, i.e. the slot is
 * simply not overwritten — or, while the first season is not yet complete, at the last value.
 * Skipped slots produce no error samples (nothing was observed there).
 *
 * Works for: demand with a stable daily (or configured) cycle. Fails on: trends and level shifts
 * (it lags one season), holidays and moving peaks, and series sampled at another step than
 * `stepMs`. It is the baseline every better forecaster must beat.
 *
 * Reference: R. J. Hyndman, G. Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed.,
 * §5.2 (simple methods) and §5.5 (empirical prediction intervals).
 */
import type { Forecast } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { invalid } from '../errors.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Forecaster, ModelSpec } from './contract.js';
import { Ring } from './ring.js';

/** Configuration of {@link SeasonalNaive}. */
export interface SeasonalNaiveConfig {
  /** Steps in one season. Default 1,440 (one day of 1-minute steps). */
  readonly seasonPoints: number;
  /** Step between points (ms). Default 60,000. */
  readonly stepMs: number;
  /** Interval coverage, in (0, 1). Default 0.9. */
  readonly level: number;
  /** Points needed before any forecast, and seasonal errors needed before the seasonal mode. Default 10. */
  readonly minPoints: number;
  /** Capacity of each error ring (seasonal and one-step). Default 720. */
  readonly errorPoints: number;
}

/** Saved state of {@link SeasonalNaive}: plain arrays of numbers. */
export interface SeasonalNaiveState {
  readonly version: 1;
  /** Points observed (not counting filled gaps). */
  readonly n: number;
  /** Time of the last learned point (ms); absent before the first. */
  readonly lastT?: number;
  readonly lastV?: number;
  /** Ring of the last season's values (grid slots), at most `seasonPoints` long. */
  readonly season: number[];
  /** Next slot of `season` to write (the oldest slot once full). */
  readonly seasonHead: number;
  /** Ring of absolute seasonal errors, at most `errorPoints` long. */
  readonly seasonalErrors: number[];
  readonly seasonalHead: number;
  /** Ring of absolute one-step errors, at most `errorPoints` long. */
  readonly stepErrors: number[];
  readonly stepHead: number;
}

const KIND = 'forecaster/seasonal-naive';
const VERSION = 1;
const DEFAULTS: SeasonalNaiveConfig = { seasonPoints: 1440, stepMs: 60_000, level: 0.9, minPoints: 10, errorPoints: 720 };
const RULES: ConfigRules<SeasonalNaiveConfig> = {
  seasonPoints: { type: 'number', integer: true, min: 2, max: 1_000_000 },
  stepMs: { type: 'number', min: 0, minExclusive: true },
  level: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  minPoints: { type: 'number', integer: true, min: 2 },
  errorPoints: { type: 'number', integer: true, min: 1, max: 1_000_000 },
};

/**
 * Seasonal-naive forecaster with empirical intervals. `learn` is O(1) (O(season) once for a gap
 * longer than a season); `forecast` is O(h + e log e) for e stored errors.
 * @example
 * const f = new SeasonalNaive({ ...seasonalNaiveSpec.defaults, seasonPoints: 24, stepMs: 3_600_000 });
 * for (const p of hourly) f.learn(p);
 * f.forecast(24); // next day, hour by hour
 */
export class SeasonalNaive implements Forecaster {
  readonly #config: SeasonalNaiveConfig;
  #n = 0;
  #lastT: number | undefined;
  #lastV: number | undefined;
  readonly #season: Ring;
  readonly #seasonal: Ring;
  readonly #step: Ring;

  constructor(config: SeasonalNaiveConfig, state?: SeasonalNaiveState) {
    this.#config = config;
    this.#season = new Ring(config.seasonPoints, state?.season, state?.seasonHead);
    this.#seasonal = new Ring(config.errorPoints, state?.seasonalErrors, state?.seasonalHead);
    this.#step = new Ring(config.errorPoints, state?.stepErrors, state?.stepHead);
    if (state) {
      this.#n = state.n;
      this.#lastT = state.lastT;
      this.#lastV = state.lastV;
    }
  }

  /** Learns one point; non-finite values and points at or before the last one are ignored. */
  learn(p: Point): void {
    const t = p.t;
    // + 0 turns −0 into 0, which is what JSON gives back: keeps restores bit for bit.
    const v = p.v + 0;
    if (!Number.isFinite(v) || !Number.isFinite(t)) return;
    const lastT = this.#lastT;
    const lastV = this.#lastV;
    if (lastT === undefined || lastV === undefined) {
      this.#season.push(v);
      this.#n = 1;
      this.#lastT = t;
      this.#lastV = v;
      return;
    }
    const steps = Math.round((t - lastT) / this.#config.stepMs);
    if (steps < 1) return;
    this.#skip(steps - 1, lastV);
    const season = this.#season;
    if (season.full) this.#seasonal.push(Math.abs(v - (season.values[season.head] as number)));
    if (steps === 1) this.#step.push(Math.abs(v - lastV));
    season.push(v);
    this.#n++;
    this.#lastT = t;
    this.#lastV = v;
  }

  /** Forecast for the `horizonSteps` steps after the last learned point; undefined while warming up. */
  forecast(horizonSteps: number): Forecast | undefined {
    if (!Number.isInteger(horizonSteps) || horizonSteps < 1) {
      throw invalid(`${KIND}: horizonSteps must be an integer ≥ 1 (got ${horizonSteps})`);
    }
    const lastT = this.#lastT;
    const lastV = this.#lastV;
    const { minPoints, stepMs, level, seasonPoints } = this.#config;
    if (lastT === undefined || lastV === undefined || this.#n < minPoints) return undefined;
    const season = this.#season;
    const seasonal = season.full && this.#seasonal.values.length >= minPoints;
    const errors = seasonal ? this.#seasonal.values : this.#step.values;
    if (errors.length === 0) return undefined;
    const q = quantile(errors, level);
    const t: number[] = [];
    const mean: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    for (let h = 1; h <= horizonSteps; h++) {
      const m = seasonal ? (season.values[(season.head + h - 1) % seasonPoints] as number) : lastV;
      const half = q * Math.sqrt(seasonal ? Math.ceil(h / seasonPoints) : h);
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

  /** JSON state that restores this forecaster exactly through {@link seasonalNaiveSpec}.create. */
  state(): SeasonalNaiveState {
    return {
      version: VERSION,
      n: this.#n,
      ...(this.#lastT === undefined ? {} : { lastT: this.#lastT, lastV: this.#lastV }),
      season: this.#season.values.slice(),
      seasonHead: this.#season.head,
      seasonalErrors: this.#seasonal.values.slice(),
      seasonalHead: this.#seasonal.head,
      stepErrors: this.#step.values.slice(),
      stepHead: this.#step.head,
    };
  }

  /** Advances the season ring over `count` unobserved slots (see the module comment). */
  #skip(count: number, lastV: number): void {
    const season = this.#season;
    const cap = season.capacity;
    let left = count;
    while (left > 0 && !season.full) {
      season.push(lastV);
      left--;
    }
    if (left > 0) season.head = (season.head + (left % cap)) % cap;
  }
}

/** Nearest-rank `level` quantile of `values` (not modified). */
function quantile(values: readonly number[], level: number): number {
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(level * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Spec of the seasonal-naive forecaster: kind `forecaster/seasonal-naive`, state version 1. */
export const seasonalNaiveSpec: ModelSpec<SeasonalNaiveConfig, SeasonalNaive> = {
  kind: KIND,
  version: VERSION,
  description:
    'Seasonal-naive forecast (value one season ago) with an empirical interval from past seasonal errors; naive fallback until a season is known.',
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create(config, state) {
    if (state === undefined) return new SeasonalNaive(config);
    const s = openState(KIND, VERSION, state);
    const season = s.numbers('season', config.seasonPoints);
    const seasonalErrors = s.numbers('seasonalErrors', config.errorPoints);
    const stepErrors = s.numbers('stepErrors', config.errorPoints);
    const head = (key: string, ring: number[], capacity: number): number => {
      const h = s.number(key);
      const expected = ring.length < capacity ? ring.length % capacity : h;
      if (!Number.isInteger(h) || h < 0 || h >= capacity || h !== expected) {
        throw invalid(`${KIND}: state field ${key} is inconsistent with its ring (got ${h}); was it saved with another config?`);
      }
      return h;
    };
    const lastT = s.optionalNumber('lastT');
    const lastV = s.optionalNumber('lastV');
    return new SeasonalNaive(config, {
      version: VERSION,
      n: s.number('n'),
      ...(lastT === undefined || lastV === undefined ? {} : { lastT, lastV }),
      season,
      seasonHead: head('seasonHead', season, config.seasonPoints),
      seasonalErrors,
      seasonalHead: head('seasonalHead', seasonalErrors, config.errorPoints),
      stepErrors,
      stepHead: head('stepHead', stepErrors, config.errorPoints),
    });
  },
};
