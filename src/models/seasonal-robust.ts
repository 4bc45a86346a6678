/**
 * @module models/seasonal-robust
 * Streaming seasonal robust-baseline detector for one series (`detector/seasonal-robust`).
 *
 * Algorithm: the season (`periodMs`, default one day) is cut into `slots` equal buckets (default
 * 288, i.e. 5-minute slots); a point's slot comes from its timestamp, `⌊(t mod period) / width⌋`,
 * so irregular sampling, gaps and out-of-order points need no grid. Each slot keeps a robust
 * baseline `b[s]` and an EW mean absolute deviation `d[s]`; one shared level correction `L` (an EW
 * of the recent residuals `x − b[s]`) lets a level that moved for a day stop alarming after about
 * `1/levelAlpha` points. Expected value `e = b[s] + L`, innovation `r = x − e`,
 * scale `σ = max(√(π/2)·d[s], residualFloor·√(π/2)·D, minScaleRel·|e|, minScaleAbs)` where `D` is
 * an EW mean absolute innovation pooled over all slots (it steadies slots seen only a few times).
 * Learning is robust additive Holt-Winters without trend: with `c = clip(r, ±huberK·σ)`,
 * `b[s] += slotAlpha·c`, `L += levelAlpha·c`, `d[s] += slotAlpha·(min(|r|, huberK·σ) − d[s])`, so
 * a spike moves a baseline by at most `slotAlpha·huberK·σ`. A slot's first `minSlotPoints` points
 * are unclipped running means of `x − L` (rate `max(slotAlpha, 1/count)`), and until then the
 * point is scored by an embedded global robust z-score (the exact math of `detector/robust-z`,
 * learned on every point). Score: `raw = |x − e| / σ` (or only the upward / downward part with
 * `direction`); `score` returns undefined for the first `warmupPoints` points and for a non-finite
 * value or timestamp (which `learn` ignores). A weekly season with day-of-week baselines is
 * `periodMs: 604_800_000` with `slots: 2016` (state ≈ 48 KB).
 *
 * State: plain JSON numbers — the per-slot baselines and deviations interleaved, and the per-slot
 * counts — readable and restored bit for bit (−0 is written as 0, as JSON would); about 12 KB at
 * the default 288 slots.
 *
 * Works for: KPIs with a stable daily (or configured) cycle — traffic, request rates, logins,
 * business volumes — where a spike at an off-peak hour and a dip at the peak hour both matter and
 * the daily peak itself must not alarm. Fails on: holidays and special days (scored as anomalies,
 * then learned into the slots for a few days), a period that changes or drifts (DST shifts by one
 * hour; set `periodMs` in the series' clock), too-short history (fewer than `minSlotPoints`
 * seasons: the global robust-z fallback alarms on the daily peak), and very sparse series where a
 * slot is seen less than once a season.
 *
 * Reference: J. Hochenbaum, O. Vallis, A. Kejariwal, "Automatic Anomaly Detection in the Cloud
 * Via Statistical Learning" (Twitter S-H-ESD), 2017; Netflix RAD (Robust Anomaly Detection, robust
 * PCA on seasonal matrices), 2015; S. Gelper, R. Fried, C. Croux, "Robust forecasting with
 * exponential and Holt-Winters smoothing", J. Forecasting 2010.
 */
import { describe, invalid } from '../errors.js';
import type { Attribution } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { openState, parseConfig, type ConfigRules, type StateReader } from './config.js';
import type { Detector, DetectorScore, ModelSpec } from './contract.js';
import type { Direction } from './robust-z.js';

/** Configuration of {@link SeasonalRobust}. */
export interface SeasonalRobustConfig {
  /** Length of the season (ms). Default 86,400,000 (one day); 604,800,000 for day-of-week baselines. */
  readonly periodMs: number;
  /** Slots per season; slot width = periodMs / slots. Default 288 (5 minutes a day). At most 10,080. */
  readonly slots: number;
  /** EW rate of each slot's baseline and deviation, per point in that slot, in (0, 1). Default 0.1. */
  readonly slotAlpha: number;
  /** EW rate of the shared level correction, per point, in [0, 1). Default 0.02 (half-life ≈ 34 points). */
  readonly levelAlpha: number;
  /** Points a slot must have learned before it scores; until then the global robust z scores. Default 5, at most 255. */
  readonly minSlotPoints: number;
  /** EW rate of the global robust z fallback and of the pooled innovation scale, in (0, 1). Default 0.01. */
  readonly alpha: number;
  /** Points learned before `score` returns a value. Default 30. */
  readonly warmupPoints: number;
  /** Huber clip, in scale units, for the learning steps. Default 3. */
  readonly huberK: number;
  /** Slot scale floor as a fraction of the pooled innovation scale, ≥ 0. Default 0.5. */
  readonly residualFloor: number;
  /** Scale floor relative to |expected|. Default 0.01. */
  readonly minScaleRel: number;
  /** Absolute scale floor, in the series' unit. Default 1e-3. */
  readonly minScaleAbs: number;
  /** Which side of the baseline scores: 'both' (default), 'up' (only above) or 'down' (only below). */
  readonly direction: Direction;
}

/** Saved state of {@link SeasonalRobust}: plain JSON numbers. */
export interface SeasonalRobustState {
  readonly version: 1;
  /** Finite points learned. */
  readonly n: number;
  /** Global robust z location and EW mean absolute deviation (fallback). */
  readonly location: number;
  readonly mad: number;
  /** Shared level correction. */
  readonly level: number;
  /** Points learned by a warm slot, and their pooled EW mean absolute innovation. */
  readonly warmN: number;
  readonly residualMad: number;
  /** Per slot baseline and EW mean absolute deviation, interleaved [b0, d0, b1, d1, …] (2·slots). */
  readonly slotStats: readonly number[];
  /** Points learned per slot, saturating at 255 (slots). */
  readonly slotCounts: readonly number[];
}

const KIND = 'detector/seasonal-robust';
const VERSION = 1;
/** √(π/2): E|X − μ| = σ·√(2/π) for a normal X. */
const MAD_TO_SIGMA = Math.sqrt(Math.PI / 2);
const MAX_COUNT = 255;
const MAX_SLOTS = 10_080;

const DEFAULTS: SeasonalRobustConfig = {
  periodMs: 86_400_000,
  slots: 288,
  slotAlpha: 0.1,
  levelAlpha: 0.02,
  minSlotPoints: 5,
  alpha: 0.01,
  warmupPoints: 30,
  huberK: 3,
  residualFloor: 0.5,
  minScaleRel: 0.01,
  minScaleAbs: 1e-3,
  direction: 'both',
};

const RULES: ConfigRules<SeasonalRobustConfig> = {
  periodMs: { type: 'number', integer: true, min: 1 },
  slots: { type: 'number', integer: true, min: 1, max: MAX_SLOTS },
  slotAlpha: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  levelAlpha: { type: 'number', min: 0, max: 1, maxExclusive: true },
  minSlotPoints: { type: 'number', integer: true, min: 1, max: MAX_COUNT },
  alpha: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  warmupPoints: { type: 'number', integer: true, min: 1 },
  huberK: { type: 'number', min: 0, minExclusive: true },
  residualFloor: { type: 'number', min: 0 },
  minScaleRel: { type: 'number', min: 0 },
  minScaleAbs: { type: 'number', min: 0, minExclusive: true },
  direction: { type: 'oneOf', values: ['both', 'up', 'down'] },
};

/** Where a score came from: a warm slot (seasonal) or the global robust z fallback. */
interface Basis {
  readonly expected: number;
  readonly scale: number;
  readonly seasonal: boolean;
}

/**
 * Streaming seasonal robust-baseline detector for one series. `score` is pure; `learn` updates in
 * O(1). The slot comes from `Point.t` (epoch ms); a point with a non-finite value or timestamp is
 * unscored and ignored.
 * @example
 * const d = seasonalRobustSpec.create(seasonalRobustSpec.defaults);
 * for (const p of points) { const s = d.score(p); d.learn(p); }
 */
export class SeasonalRobust implements Detector {
  readonly #c: SeasonalRobustConfig;
  readonly #width: number;
  /** [b0, d0, b1, d1, …]. */
  readonly #stats: Float64Array;
  readonly #counts: Uint8Array;
  #n = 0;
  #location = 0;
  #mad = 0;
  #level = 0;
  #warmN = 0;
  #residualMad = 0;

  constructor(config: SeasonalRobustConfig, state?: SeasonalRobustState) {
    this.#c = { ...config };
    this.#width = config.periodMs / config.slots;
    this.#stats = new Float64Array(2 * config.slots);
    this.#counts = new Uint8Array(config.slots);
    if (state) {
      this.#n = state.n;
      this.#location = state.location;
      this.#mad = state.mad;
      this.#level = state.level;
      this.#warmN = state.warmN;
      this.#residualMad = state.residualMad;
      this.#stats.set(state.slotStats);
      this.#counts.set(state.slotCounts);
    }
  }

  /** Finite points learned so far. */
  get count(): number {
    return this.#n;
  }

  /** Current shared level correction, in the series' unit. */
  get level(): number {
    return this.#level;
  }

  /** Slot index of a timestamp in [0, slots); -1 for a non-finite timestamp. */
  slotOf(t: number): number {
    if (!Number.isFinite(t)) return -1;
    const p = this.#c.periodMs;
    const phase = ((t % p) + p) % p;
    return Math.min(this.#c.slots - 1, Math.floor(phase / this.#width));
  }

  /** Baseline, deviation (before floors) and count of one slot, for inspection. */
  slot(index: number): { readonly baseline: number; readonly mad: number; readonly count: number } {
    if (!Number.isInteger(index) || index < 0 || index >= this.#c.slots) {
      throw invalid(`${KIND}: slot index must be an integer in [0, ${this.#c.slots}) (got ${describe(index)})`);
    }
    return { baseline: this.#stats[2 * index] as number, mad: this.#stats[2 * index + 1] as number, count: this.#counts[index] as number };
  }

  /** Scores `p` against its slot's baseline without learning it; undefined while warming up or for a non-finite value or time. */
  score(p: Point): DetectorScore | undefined {
    const x = p.v;
    const s = this.slotOf(p.t);
    if (this.#n < this.#c.warmupPoints || !Number.isFinite(x) || s < 0) return undefined;
    const basis = this.#basis(s);
    const e = basis.expected;
    const z = (x - e) / basis.scale;
    const dir = this.#c.direction;
    const raw = dir === 'both' ? Math.abs(z) : dir === 'up' ? Math.max(z, 0) : Math.max(-z, 0);
    const contributors: Attribution[] = [
      { name: basis.seasonal ? 'seasonal-deviation' : 'global-deviation', weight: z, expected: e, actual: x },
    ];
    if (basis.seasonal && this.#level !== 0) {
      const b = this.#stats[2 * s] as number;
      contributors.push({ name: 'level-shift', weight: this.#level / basis.scale, expected: b, actual: e });
    }
    return { raw, expected: e, actual: x, contributors };
  }

  /** Learns `p` (test-then-train: call after `score`). Non-finite values or timestamps are ignored. */
  learn(p: Point): void {
    const x = p.v;
    const s = this.slotOf(p.t);
    if (!Number.isFinite(x) || s < 0) return;
    this.#learnGlobal(x);
    const c = this.#counts[s] as number;
    const bi = 2 * s;
    if (c < this.#c.minSlotPoints) {
      // Slot warm-up: unclipped running means of the de-levelled value.
      const y = x - this.#level;
      const n = c + 1;
      this.#counts[s] = n;
      if (n === 1) {
        this.#stats[bi] = y + 0; // + 0 turns −0 into 0.
        this.#stats[bi + 1] = 0;
        return;
      }
      const rate = Math.max(this.#c.slotAlpha, 1 / n);
      const d = y - (this.#stats[bi] as number);
      this.#stats[bi] = (this.#stats[bi] as number) + rate * d;
      this.#stats[bi + 1] = (this.#stats[bi + 1] as number) + rate * (Math.abs(d) - (this.#stats[bi + 1] as number));
      return;
    }
    if (c < MAX_COUNT) this.#counts[s] = c + 1;
    const basis = this.#basis(s);
    const r = x - basis.expected;
    const limit = this.#c.huberK * basis.scale;
    const clipped = Math.min(limit, Math.max(-limit, r));
    const a = Math.min(Math.abs(r), limit);
    this.#stats[bi] = (this.#stats[bi] as number) + this.#c.slotAlpha * clipped;
    this.#stats[bi + 1] = (this.#stats[bi + 1] as number) + this.#c.slotAlpha * (a - (this.#stats[bi + 1] as number));
    this.#level += this.#c.levelAlpha * clipped;
    const m = ++this.#warmN;
    const rate = Math.max(this.#c.alpha, 1 / m);
    this.#residualMad += rate * (a - this.#residualMad);
  }

  /** JSON state that restores this detector exactly through {@link seasonalRobustSpec}.create. */
  state(): SeasonalRobustState {
    return {
      version: VERSION,
      n: this.#n,
      location: this.#location,
      mad: this.#mad,
      level: this.#level,
      warmN: this.#warmN,
      residualMad: this.#residualMad,
      slotStats: Array.from(this.#stats, (v) => v + 0),
      slotCounts: Array.from(this.#counts),
    };
  }

  #globalScale(): number {
    const s = this.#mad * MAD_TO_SIGMA;
    return Math.max(s, this.#c.minScaleRel * Math.abs(this.#location), this.#c.minScaleAbs);
  }

  #basis(s: number): Basis {
    if ((this.#counts[s] as number) < this.#c.minSlotPoints) {
      return { expected: this.#location, scale: this.#globalScale(), seasonal: false };
    }
    const e = (this.#stats[2 * s] as number) + this.#level;
    const slotScale = (this.#stats[2 * s + 1] as number) * MAD_TO_SIGMA;
    const pooled = this.#warmN > 0 ? this.#c.residualFloor * this.#residualMad * MAD_TO_SIGMA : 0;
    const scale = Math.max(slotScale, pooled, this.#c.minScaleRel * Math.abs(e), this.#c.minScaleAbs);
    return { expected: e, scale, seasonal: true };
  }

  /** The global robust z update, exactly as in `detector/robust-z`. */
  #learnGlobal(x: number): void {
    const n = ++this.#n;
    if (n === 1) {
      this.#location = x + 0;
      this.#mad = 0;
      return;
    }
    const d = x - this.#location;
    if (n <= this.#c.warmupPoints) {
      const rate = Math.max(this.#c.alpha, 1 / n);
      this.#location += rate * d;
      this.#mad += rate * (Math.abs(d) - this.#mad);
      return;
    }
    const limit = this.#c.huberK * this.#globalScale();
    this.#location += this.#c.alpha * Math.min(limit, Math.max(-limit, d));
    this.#mad += this.#c.alpha * (Math.min(Math.abs(d), limit) - this.#mad);
  }
}

/** A slot array of exactly `length` numbers passing `ok`, with a message naming what went wrong. */
function slotArray(s: StateReader, key: string, length: number, ok: (v: number) => boolean): number[] {
  const values = s.numbers(key, Number.MAX_SAFE_INTEGER);
  if (values.length !== length) {
    throw invalid(
      `${KIND}: state field ${key} must hold ${length} numbers for this config's slots (got ${values.length}); was it saved with another slots value?`,
    );
  }
  if (!values.every(ok)) throw invalid(`${KIND}: state field ${key} holds a value out of range`);
  return values;
}

/** Spec of the seasonal robust-baseline detector: kind `detector/seasonal-robust`, state version 1. */
export const seasonalRobustSpec: ModelSpec<SeasonalRobustConfig, SeasonalRobust> = {
  kind: KIND,
  version: VERSION,
  description:
    'Seasonal robust baseline per time-of-day slot (Huber-clipped EW location and EW MAD) plus a short-term level correction; global robust z until a slot is warm.',
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create(config, state) {
    if (state === undefined) return new SeasonalRobust(config);
    const s = openState(KIND, VERSION, state);
    const n = s.number('n');
    const warmN = s.number('warmN');
    const mad = s.number('mad');
    const residualMad = s.number('residualMad');
    if (!Number.isInteger(n) || n < 0 || !Number.isInteger(warmN) || warmN < 0 || mad < 0 || residualMad < 0) {
      throw invalid(
        `${KIND}: state needs integers n, warmN ≥ 0 and mad, residualMad ≥ 0 (got n ${n}, warmN ${warmN}, mad ${mad}, residualMad ${residualMad})`,
      );
    }
    return new SeasonalRobust(config, {
      version: VERSION,
      n,
      location: s.number('location'),
      mad,
      level: s.number('level'),
      warmN,
      residualMad,
      slotStats: slotArray(s, 'slotStats', 2 * config.slots, (v) => Number.isFinite(v)),
      slotCounts: slotArray(s, 'slotCounts', config.slots, (v) => Number.isInteger(v) && v >= 0 && v <= MAX_COUNT),
    });
  },
};
