/**
 * @module learn/seasonal-drift
 * Seasonality-aware drift monitor for one feature stream (a series' values or a model input).
 *
 * Algorithm: every point goes to a season slot from its timestamp — hour of day (`slotsPerDay`
 * buckets of the local day, `utcOffsetMs` from UTC) × day type (`all`, `weekday-weekend` or
 * `day-of-week`). The reference window (`learnReference`) keeps the last `maxSlotPoints` values of
 * each slot and gives each slot a robust profile: median `m_s` and scale
 * `σ_s = max(1.4826·MAD_s, minScaleRel·|m_s|, minScaleAbs)`. A value becomes a slot-normalised
 * robust z `(v − m_s) / σ_s`, so the Monday-morning rise that happens every Monday maps to the same
 * z as a quiet Sunday night. The reference's own values form the reference distribution, each
 * normalised by the median of its slot's values from OTHER days (leave one day out) and the slot's
 * scale, so that the reference holds the ordinary day-to-day variation a new day shows against the
 * profile (in-sample medians would make it too narrow); the recent window (`observe`, the last
 * `windowMs`) normalised by the reference profile of the SAME slots forms the current one, and the
 * two pooled distributions are
 * compared with PSI (quantile bins of the reference) and the two-sample KS test. Drift = at least
 * `minPoints` matched points AND PSI ≥ `psiThreshold` AND KS p < `pValueThreshold`. Points whose
 * slot has fewer than `minSlotPoints` reference values are not compared (counted as unmatched).
 * `rebase()` (after a retrain) makes the window the reference for the slots it covers.
 *
 * Works for: level shifts, new or lost daily cycles, changed variance — anything that moves the
 * distribution of values relative to the same hours of the reference — on series whose season is
 * daily and/or weekly. Fails on: a reference shorter than a week with `weekday-weekend` (weekend
 * slots stay empty: unmatched), a change that only reorders values within a slot, slow trends
 * (they read as drift once large enough: that is by design, but it is not a sudden change), and
 * holidays (a weekday that behaves as a Sunday reads as drift for a day). A slot whose reference
 * values all come from one day (`day-of-week` with a one-week reference) cannot leave a day out:
 * its values are normalised in-sample, which makes the reference too narrow and PSI too high —
 * give `day-of-week` at least two weeks of reference. Values inside a window are strongly
 * autocorrelated (a day that runs 3 % high is high all day), so a short window is few independent
 * draws: on smooth fleet aggregates (Google 2019, Azure V2 at 5 min) week-to-week level changes of
 * 0.5–1 slot scale are common, and PSI ≥ 0.25 flagged most 1-day windows of unchanged weeks; there
 * the PSI threshold must be raised (6 kept a week of hourly checks silent) or the window lengthened.
 *
 * Reference: B. Yurdakul, "Statistical Properties of Population Stability Index", 2018 (PSI);
 * F. J. Massey, "The Kolmogorov–Smirnov test for goodness of fit", JASA 1951; seasonal
 * normalisation as in J. Hochenbaum et al., "Automatic Anomaly Detection in the Cloud Via
 * Statistical Learning" (Twitter S-H-ESD), 2017 (median/MAD per season); J. Gama et al., "A survey
 * on concept drift adaptation", ACM Computing Surveys 2014.
 */
import { describe, invalid } from '../errors.js';
import { type ConfigRules, openState, parseConfig } from '../models/config.js';
import { ksTwoSample, psi } from './drift-stats.js';

/** How days are told apart in the season: one profile, weekday vs weekend, or each day of the week. */
export type DayTypes = 'all' | 'weekday-weekend' | 'day-of-week';

/** Configuration of {@link SeasonalDriftMonitor}. */
export interface SeasonalDriftConfig {
  /** Slots per day (24 = hours). Integer in [1, 1440]. Default 24. */
  readonly slotsPerDay: number;
  /** Day types crossed with the slots of the day. Default 'weekday-weekend' (Saturday and Sunday). */
  readonly dayTypes: DayTypes;
  /** Offset of the series' local time from UTC (ms), e.g. −18,000,000 for UTC−5. Default 0. */
  readonly utcOffsetMs: number;
  /** Length of the recent window compared with the reference (ms). Default 86,400,000 (one day). */
  readonly windowMs: number;
  /** Reference values kept per slot (the most recent). Default 200. */
  readonly maxSlotPoints: number;
  /** Points kept in the recent window at most (the oldest dropped first). Default 20,000. */
  readonly maxWindowPoints: number;
  /** Reference values a slot needs before its points are compared. Default 6. */
  readonly minSlotPoints: number;
  /** Matched points the window needs before a verdict can be drift. Default 100. */
  readonly minPoints: number;
  /** PSI quantile bins. Default 10. */
  readonly bins: number;
  /** PSI at or above which the distribution has moved. Default 0.25. */
  readonly psiThreshold: number;
  /** KS p-value below which the distribution has moved. Default 0.01. */
  readonly pValueThreshold: number;
  /** Slot scale floor relative to |slot median|. Default 0.01. */
  readonly minScaleRel: number;
  /** Absolute slot scale floor, in the feature's unit. Default 1e-9. */
  readonly minScaleAbs: number;
}

/** Saved state of {@link SeasonalDriftMonitor}: plain JSON numbers. */
export interface SeasonalDriftState {
  readonly version: 1;
  /** Reference values of every slot, slot after slot, oldest first within a slot. */
  readonly referenceValues: readonly number[];
  /** Times (epoch ms) of the reference values, same layout. */
  readonly referenceTimes: readonly number[];
  /** Reference values per slot (sums to referenceValues.length). */
  readonly referenceCounts: readonly number[];
  /** Recent window, oldest first: times (epoch ms) and values. */
  readonly windowT: readonly number[];
  readonly windowV: readonly number[];
}

/** What {@link SeasonalDriftMonitor.check} found. */
export interface SeasonalDriftVerdict {
  /** True when enough points matched and both PSI and KS crossed their thresholds. */
  readonly drifted: boolean;
  /** Window points compared (their slot had a reference). */
  readonly n: number;
  /** Window points not compared: their slot had fewer than `minSlotPoints` reference values. */
  readonly unmatched: number;
  /** PSI of the window's slot-normalised values against the reference's; absent without a comparison. */
  readonly psi?: number;
  /** KS statistic D. */
  readonly ks?: number;
  /** KS p-value. */
  readonly pValue?: number;
  /** Median of the window's robust z minus the reference's (in slot scales; > 0 = higher than usual). */
  readonly shift?: number;
  /** Spread of the window's robust z over the reference's (median absolute deviations; 1 = same). */
  readonly spreadRatio?: number;
  /** One or two sentences a person can read. */
  readonly explanation: string;
}

const NAME = 'learn/seasonal-drift';
const VERSION = 1;
const DAY_MS = 86_400_000;
/** 1.4826·MAD estimates σ for a normal variable. */
const MAD_TO_SIGMA = 1.482602218505602;
const DAY_TYPE_COUNT: Readonly<Record<DayTypes, number>> = { all: 1, 'weekday-weekend': 2, 'day-of-week': 7 };
/** Most values a saved state may hold (reference or window). */
const MAX_STATE_VALUES = 10_000_000;

/** Defaults of {@link SeasonalDriftConfig}. */
export const seasonalDriftDefaults: SeasonalDriftConfig = {
  slotsPerDay: 24,
  dayTypes: 'weekday-weekend',
  utcOffsetMs: 0,
  windowMs: DAY_MS,
  maxSlotPoints: 200,
  maxWindowPoints: 20_000,
  minSlotPoints: 6,
  minPoints: 100,
  bins: 10,
  psiThreshold: 0.25,
  pValueThreshold: 0.01,
  minScaleRel: 0.01,
  minScaleAbs: 1e-9,
};

const RULES: ConfigRules<SeasonalDriftConfig> = {
  slotsPerDay: { type: 'number', integer: true, min: 1, max: 1440 },
  dayTypes: { type: 'oneOf', values: ['all', 'weekday-weekend', 'day-of-week'] },
  utcOffsetMs: { type: 'number', integer: true, min: -14 * 3_600_000, max: 14 * 3_600_000 },
  windowMs: { type: 'number', integer: true, min: 1 },
  maxSlotPoints: { type: 'number', integer: true, min: 1, max: 100_000 },
  maxWindowPoints: { type: 'number', integer: true, min: 1, max: 1_000_000 },
  minSlotPoints: { type: 'number', integer: true, min: 1 },
  minPoints: { type: 'number', integer: true, min: 1 },
  bins: { type: 'number', integer: true, min: 2, max: 1000 },
  psiThreshold: { type: 'number', min: 0 },
  pValueThreshold: { type: 'number', min: 0, max: 1 },
  minScaleRel: { type: 'number', min: 0 },
  minScaleAbs: { type: 'number', min: 0, minExclusive: true },
};

/**
 * Parses a config for {@link SeasonalDriftMonitor}: defaults merged with the given keys.
 * @throws HomeostatError `invalid_argument` on an unknown key or a value out of range, or when
 *   `minSlotPoints` exceeds `maxSlotPoints` (no slot could ever be compared).
 */
export function parseSeasonalDriftConfig(input: unknown): SeasonalDriftConfig {
  const c = parseConfig(NAME, seasonalDriftDefaults, input, RULES);
  if (c.minSlotPoints > c.maxSlotPoints) {
    throw invalid(`${NAME}: minSlotPoints must be ≤ maxSlotPoints (got ${c.minSlotPoints} > ${c.maxSlotPoints})`);
  }
  return c;
}

/**
 * Builds a monitor, restoring a saved state when given.
 * @throws HomeostatError `invalid_argument` when the state is malformed or was saved with another
 *   slot layout than `config` gives.
 */
export function createSeasonalDriftMonitor(config: SeasonalDriftConfig, state?: unknown): SeasonalDriftMonitor {
  return new SeasonalDriftMonitor(config, state === undefined ? undefined : parseSeasonalDriftState(config, state));
}

/**
 * Season slot of epoch-ms `t`: `dayType · slotsPerDay + ⌊(local ms of day) · slotsPerDay / 1 day⌋`,
 * where local time is `t + utcOffsetMs` and day type is 0 for all days, 0 weekday / 1 weekend
 * (Saturday, Sunday), or the day of the week (0 = Sunday).
 * @example seasonSlot(seasonalDriftDefaults, Date.UTC(2024, 0, 6, 13, 30)) // Saturday 13:30 → 24 + 13 = 37
 */
export function seasonSlot(config: Pick<SeasonalDriftConfig, 'slotsPerDay' | 'dayTypes' | 'utcOffsetMs'>, t: number): number {
  const local = t + config.utcOffsetMs;
  const day = Math.floor(local / DAY_MS);
  const inDay = Math.min(config.slotsPerDay - 1, Math.floor(((local - day * DAY_MS) * config.slotsPerDay) / DAY_MS));
  const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const type = config.dayTypes === 'all' ? 0 : config.dayTypes === 'day-of-week' ? dow : dow === 0 || dow === 6 ? 1 : 0;
  return type * config.slotsPerDay + inDay;
}

/**
 * Seasonality-aware drift monitor for one feature stream: a per-slot reference profile, a recent
 * window, and a PSI + KS comparison of slot-normalised values. Pure and deterministic; time comes
 * only from the points and from `check(now)`. Non-finite times or values are ignored.
 * @example
 * const m = createSeasonalDriftMonitor(seasonalDriftDefaults);
 * for (const p of lastWeek) m.learnReference(p.t, p.v);
 * for (const p of today) m.observe(p.t, p.v);
 * m.check(now).drifted
 */
export class SeasonalDriftMonitor {
  readonly #config: SeasonalDriftConfig;
  readonly #slots: number;
  readonly #reference: number[][];
  readonly #referenceT: number[][];
  #windowT: number[] = [];
  #windowV: number[] = [];
  #head = 0;
  #latestT = Number.NEGATIVE_INFINITY;
  #profile: { median: Float64Array; scale: Float64Array; normalised: number[] } | undefined;

  constructor(config: SeasonalDriftConfig, state?: SeasonalDriftState) {
    this.#config = config;
    this.#slots = slotCount(config);
    this.#reference = Array.from({ length: this.#slots }, () => []);
    this.#referenceT = Array.from({ length: this.#slots }, () => []);
    if (state) {
      let k = 0;
      for (let s = 0; s < this.#slots; s++) {
        const count = state.referenceCounts[s] as number;
        this.#reference[s] = state.referenceValues.slice(k, k + count) as number[];
        this.#referenceT[s] = state.referenceTimes.slice(k, k + count) as number[];
        k += count;
      }
      this.#windowT = state.windowT.slice();
      this.#windowV = state.windowV.slice();
      for (const t of this.#windowT) this.#latestT = Math.max(this.#latestT, t);
    }
  }

  /** The configuration this monitor runs with. */
  get config(): SeasonalDriftConfig {
    return this.#config;
  }

  /** Number of season slots (slotsPerDay × day types). */
  get slotCount(): number {
    return this.#slots;
  }

  /** Reference values held, over all slots. */
  get referenceCount(): number {
    let n = 0;
    for (const r of this.#reference) n += r.length;
    return n;
  }

  /** Points held in the recent window. */
  get windowCount(): number {
    return this.#windowT.length - this.#head;
  }

  /** Adds one point to the reference profile of its slot (the slot keeps its last `maxSlotPoints`). */
  learnReference(t: number, v: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(v)) return;
    const slot = seasonSlot(this.#config, t);
    const values = this.#reference[slot] as number[];
    const times = this.#referenceT[slot] as number[];
    values.push(v + 0);
    times.push(t);
    if (values.length > this.#config.maxSlotPoints) {
      values.shift();
      times.shift();
    }
    this.#profile = undefined;
  }

  /** Adds one point to the recent window; points older than `windowMs` before the latest are dropped. */
  observe(t: number, v: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(v)) return;
    this.#windowT.push(t);
    this.#windowV.push(v + 0);
    if (t > this.#latestT) this.#latestT = t;
    this.#prune(this.#latestT);
  }

  /**
   * Compares the window's points with `now − windowMs < t ≤ now` against the reference of the same
   * slots. Pure: does not change the monitor (the window is pruned lazily by `observe`).
   */
  check(now: number): SeasonalDriftVerdict {
    const c = this.#config;
    const profile = this.#getProfile();
    const current: number[] = [];
    let unmatched = 0;
    for (let i = this.#head; i < this.#windowT.length; i++) {
      const t = this.#windowT[i] as number;
      if (t > now || t <= now - c.windowMs) continue;
      const s = seasonSlot(c, t);
      const scale = profile.scale[s] as number;
      if (!(scale > 0)) {
        unmatched++;
        continue;
      }
      current.push(((this.#windowV[i] as number) - (profile.median[s] as number)) / scale);
    }
    const n = current.length;
    if (profile.normalised.length === 0) {
      return { drifted: false, n, unmatched, explanation: 'no verdict: no reference slot has enough values yet' };
    }
    if (n < c.minPoints) {
      const why = unmatched > 0 ? ` (${unmatched} more fell in slots without a reference)` : '';
      return {
        drifted: false,
        n,
        unmatched,
        explanation: `no verdict: ${n} points matched a reference slot in the last window, ${c.minPoints} needed${why}`,
      };
    }
    const p = psi(profile.normalised, current, c.bins);
    const ks = ksTwoSample(profile.normalised, current);
    const sortedCur = current.slice().sort((a, b) => a - b);
    const sortedRef = profile.normalised.slice().sort((a, b) => a - b);
    const medCur = median(sortedCur);
    const medRef = median(sortedRef);
    const shift = medCur - medRef;
    const madRef = mad(sortedRef, medRef);
    const spreadRatio = madRef > 0 ? mad(sortedCur, medCur) / madRef : 1;
    const psiHit = p >= c.psiThreshold;
    const ksHit = ks.pValue < c.pValueThreshold;
    const drifted = psiHit && ksHit;
    const where = `${n} points against the same hours of the reference${unmatched > 0 ? ` (${unmatched} unmatched)` : ''}`;
    const tests =
      `PSI ${fmt(p)} ${psiHit ? '≥' : '<'} ${c.psiThreshold}, KS D ${fmt(ks.statistic)} ` +
      `(p ${fmtP(ks.pValue)} ${ksHit ? '<' : '≥'} ${c.pValueThreshold})`;
    const how =
      `values sit ${shift >= 0 ? '+' : ''}${fmt(shift)} slot scales ${shift >= 0 ? 'above' : 'below'} the reference (median), ` +
      `spread ×${fmt(spreadRatio)}`;
    const explanation = `${drifted ? 'drift' : 'no drift'}: ${tests} on ${where}; ${how}`;
    return { drifted, n, unmatched, psi: p, ks: ks.statistic, pValue: ks.pValue, shift, spreadRatio, explanation };
  }

  /**
   * Makes the recent window the reference (after a retrain): every slot with at least
   * `minSlotPoints` window points takes those points (the last `maxSlotPoints`) as its reference;
   * the other slots keep theirs. Then empties the window.
   */
  rebase(): void {
    const fresh: number[][] = Array.from({ length: this.#slots }, () => []);
    const freshT: number[][] = Array.from({ length: this.#slots }, () => []);
    for (let i = this.#head; i < this.#windowT.length; i++) {
      const t = this.#windowT[i] as number;
      const slot = seasonSlot(this.#config, t);
      (fresh[slot] as number[]).push(this.#windowV[i] as number);
      (freshT[slot] as number[]).push(t);
    }
    const keep = this.#config.maxSlotPoints;
    for (let s = 0; s < this.#slots; s++) {
      const values = fresh[s] as number[];
      if (values.length < this.#config.minSlotPoints) continue;
      this.#reference[s] = values.slice(-keep);
      this.#referenceT[s] = (freshT[s] as number[]).slice(-keep);
    }
    this.#windowT = [];
    this.#windowV = [];
    this.#head = 0;
    this.#latestT = Number.NEGATIVE_INFINITY;
    this.#profile = undefined;
  }

  /** JSON state that restores this monitor exactly through {@link createSeasonalDriftMonitor}. */
  state(): SeasonalDriftState {
    return {
      version: VERSION,
      referenceValues: this.#reference.flat(),
      referenceTimes: this.#referenceT.flat(),
      referenceCounts: this.#reference.map((r) => r.length),
      windowT: this.#windowT.slice(this.#head),
      windowV: this.#windowV.slice(this.#head),
    };
  }

  #prune(latest: number): void {
    const limit = latest - this.#config.windowMs;
    while (this.#head < this.#windowT.length && (this.#windowT[this.#head] as number) <= limit) this.#head++;
    while (this.#windowT.length - this.#head > this.#config.maxWindowPoints) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#windowT.length) {
      this.#windowT = this.#windowT.slice(this.#head);
      this.#windowV = this.#windowV.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Median and floored scale (1.4826·MAD) of a slot's values. */
  #robust(values: readonly number[]): { median: number; scale: number } {
    const c = this.#config;
    const sorted = values.slice().sort((a, b) => a - b);
    const m = median(sorted);
    return { median: m, scale: Math.max(MAD_TO_SIGMA * mad(sorted, m), c.minScaleRel * Math.abs(m), c.minScaleAbs) };
  }

  #getProfile(): { median: Float64Array; scale: Float64Array; normalised: number[] } {
    if (this.#profile) return this.#profile;
    const c = this.#config;
    const med = new Float64Array(this.#slots);
    const scale = new Float64Array(this.#slots);
    const normalised: number[] = [];
    for (let s = 0; s < this.#slots; s++) {
      const values = this.#reference[s] as number[];
      if (values.length < c.minSlotPoints) continue;
      const full = this.#robust(values);
      med[s] = full.median;
      scale[s] = full.scale;
      const times = this.#referenceT[s] as number[];
      const days = times.map((t) => Math.floor((t + c.utcOffsetMs) / DAY_MS));
      const distinct = [...new Set(days)];
      for (const day of distinct) {
        const others = values.filter((_, i) => days[i] !== day);
        const m = others.length > 0 && distinct.length > 1 ? median(others.sort((a, b) => a - b)) : full.median;
        for (let i = 0; i < values.length; i++) if (days[i] === day) normalised.push(((values[i] as number) - m) / full.scale);
      }
    }
    this.#profile = { median: med, scale, normalised };
    return this.#profile;
  }
}

function slotCount(config: SeasonalDriftConfig): number {
  return config.slotsPerDay * DAY_TYPE_COUNT[config.dayTypes];
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const h = n >> 1;
  return n % 2 === 1 ? (sorted[h] as number) : ((sorted[h - 1] as number) + (sorted[h] as number)) / 2;
}

/** Median absolute deviation from `m` of a sorted sample. */
function mad(sorted: readonly number[], m: number): number {
  return median(sorted.map((v) => Math.abs(v - m)).sort((a, b) => a - b));
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(2);
}

function fmtP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toPrecision(2);
}

function parseSeasonalDriftState(config: SeasonalDriftConfig, input: unknown): SeasonalDriftState {
  const r = openState(NAME, VERSION, input);
  const slots = slotCount(config);
  const referenceValues = r.numbers('referenceValues', MAX_STATE_VALUES);
  const referenceCounts = r.numbers('referenceCounts', MAX_STATE_VALUES);
  if (referenceCounts.length !== slots) {
    throw invalid(
      `${NAME}: state has ${referenceCounts.length} slots but the config gives ${slots} ` +
        `(slotsPerDay ${config.slotsPerDay} × dayTypes ${config.dayTypes}); restore with the config it was saved with`,
    );
  }
  let total = 0;
  for (const n of referenceCounts) {
    if (!Number.isInteger(n) || n < 0 || n > config.maxSlotPoints) {
      throw invalid(`${NAME}: state referenceCounts must be integers in [0, ${config.maxSlotPoints}] (got ${describe(n)})`);
    }
    total += n;
  }
  if (total !== referenceValues.length) {
    throw invalid(`${NAME}: state referenceCounts sum to ${total} but referenceValues holds ${referenceValues.length}`);
  }
  const referenceTimes = r.numbers('referenceTimes', MAX_STATE_VALUES);
  if (referenceTimes.length !== referenceValues.length) {
    throw invalid(
      `${NAME}: state needs one reference time per value (got ${referenceTimes.length} times and ${referenceValues.length} values)`,
    );
  }
  const windowT = r.numbers('windowT', MAX_STATE_VALUES);
  const windowV = r.numbers('windowV', MAX_STATE_VALUES);
  if (windowT.length !== windowV.length) {
    throw invalid(`${NAME}: state needs one window value per time (got ${windowT.length} times and ${windowV.length} values)`);
  }
  return { version: VERSION, referenceValues, referenceTimes, referenceCounts, windowT, windowV };
}
