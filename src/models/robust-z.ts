/**
 * @module models/robust-z
 * Streaming robust z-score detector for one series (`detector/robust-z`).
 *
 * Algorithm: an exponentially weighted location and scale, each updated in O(1) per point with
 * Huber-clipped steps. The location moves by `alpha · clip(x − m, ±k·s)` (an online Huber
 * M-estimate of the level, close to an EW median for small k); the scale is an EW mean absolute
 * deviation of `min(|x − m|, k·s)`, turned into a σ-like unit by the normal-consistency factor
 * √(π/2) ≈ 1.2533. Clipping is what keeps a spike from dragging the baseline: one outlier moves the
 * location by at most `alpha·k·s`. The scale is floored at `max(minScaleRel·|m|, minScaleAbs)` so a
 * flat series does not give an infinite z. During warm-up the updates are unclipped running means
 * (rate `max(alpha, 1/n)`), so the first points set the baseline quickly.
 *
 * Score: `raw = |x − m| / s` (or only the upward / downward part with `direction`), expected `m`.
 *
 * Works for: stationary or slowly drifting series with roughly symmetric noise (utilisations,
 * latencies, rates without strong seasonality). Fails on: strong daily seasonality (the daily peak
 * looks anomalous until the baseline follows it), heavy-tailed or multimodal noise, and level
 * shifts (scored high for about `1/alpha` points while the baseline adapts by scale growth).
 *
 * Reference: P. J. Huber, "Robust Estimation of a Location Parameter", Ann. Math. Statist. 1964;
 * online robust scale as in the EWMA-MAD control charts of process monitoring.
 */
import { invalid } from '../errors.js';
import type { Attribution } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Detector, DetectorScore, ModelSpec } from './contract.js';

/** Which deviations count as anomalous. */
export type Direction = 'both' | 'up' | 'down';

/** Configuration of {@link RobustZ}. */
export interface RobustZConfig {
  /** EW rate of location and scale, in (0, 1). Default 0.01 (half-life ≈ 69 points). */
  readonly alpha: number;
  /** Points learned before `score` returns a value. Default 30. */
  readonly warmupPoints: number;
  /** Huber clip, in scale units, for the learning steps. Default 3. */
  readonly huberK: number;
  /** Scale floor relative to |location|. Default 0.01. */
  readonly minScaleRel: number;
  /** Absolute scale floor, in the series' unit. Default 1e-3. */
  readonly minScaleAbs: number;
  /** Which side of the baseline scores: 'both' (default), 'up' (only above) or 'down' (only below). */
  readonly direction: Direction;
}

/** Saved state of {@link RobustZ}: plain JSON numbers. */
export interface RobustZState {
  readonly version: 1;
  /** Finite points learned. */
  readonly n: number;
  readonly location: number;
  /** EW mean absolute deviation (before the √(π/2) factor and the floor). */
  readonly mad: number;
}

const KIND = 'detector/robust-z';
const VERSION = 1;
/** √(π/2): E|X − μ| = σ·√(2/π) for a normal X. */
const MAD_TO_SIGMA = Math.sqrt(Math.PI / 2);

const DEFAULTS: RobustZConfig = {
  alpha: 0.01,
  warmupPoints: 30,
  huberK: 3,
  minScaleRel: 0.01,
  minScaleAbs: 1e-3,
  direction: 'both',
};

const RULES: ConfigRules<RobustZConfig> = {
  alpha: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  warmupPoints: { type: 'number', integer: true, min: 1 },
  huberK: { type: 'number', min: 0, minExclusive: true },
  minScaleRel: { type: 'number', min: 0 },
  minScaleAbs: { type: 'number', min: 0, minExclusive: true },
  direction: { type: 'oneOf', values: ['both', 'up', 'down'] },
};

/**
 * Streaming robust z-score detector for one series. `score` is pure; `learn` updates in O(1).
 * Non-finite values are ignored by `learn` and unscored by `score`; time is not used, so gaps and
 * out-of-order points never throw.
 * @example
 * const d = new RobustZ(robustZSpec.defaults);
 * for (const p of points) { const s = d.score(p); d.learn(p); }
 */
export class RobustZ implements Detector {
  readonly #alpha: number;
  readonly #warmup: number;
  readonly #k: number;
  readonly #minRel: number;
  readonly #minAbs: number;
  readonly #direction: Direction;
  #n = 0;
  #location = 0;
  #mad = 0;

  constructor(config: RobustZConfig, state?: RobustZState) {
    this.#alpha = config.alpha;
    this.#warmup = config.warmupPoints;
    this.#k = config.huberK;
    this.#minRel = config.minScaleRel;
    this.#minAbs = config.minScaleAbs;
    this.#direction = config.direction;
    if (state) {
      this.#n = state.n;
      this.#location = state.location;
      this.#mad = state.mad;
    }
  }

  /** Current baseline (location) of the series; 0 before the first point. */
  get location(): number {
    return this.#location;
  }

  /** Current σ-like scale including the floor. */
  get scale(): number {
    const s = this.#mad * MAD_TO_SIGMA;
    const floor = Math.max(this.#minRel * Math.abs(this.#location), this.#minAbs);
    return Math.max(s, floor);
  }

  /** Finite points learned so far. */
  get count(): number {
    return this.#n;
  }

  /** Scores `p` against the baseline without learning it; undefined while warming up or for a non-finite value. */
  score(p: Point): DetectorScore | undefined {
    const x = p.v;
    if (this.#n < this.#warmup || !Number.isFinite(x)) return undefined;
    const m = this.#location;
    const z = (x - m) / this.scale;
    const raw = this.#direction === 'both' ? Math.abs(z) : this.#direction === 'up' ? Math.max(z, 0) : Math.max(-z, 0);
    const contributors: Attribution[] = [{ name: 'deviation', weight: z, expected: m, actual: x }];
    return { raw, expected: m, actual: x, contributors };
  }

  /** Learns `p` (test-then-train: call after `score`). Non-finite values are ignored. */
  learn(p: Point): void {
    const x = p.v;
    if (!Number.isFinite(x)) return;
    const n = ++this.#n;
    if (n === 1) {
      // + 0 turns −0 into 0, which is what JSON gives back: keeps restores bit for bit.
      this.#location = x + 0;
      this.#mad = 0;
      return;
    }
    if (n <= this.#warmup) {
      const rate = Math.max(this.#alpha, 1 / n);
      const d = x - this.#location;
      this.#location += rate * d;
      this.#mad += rate * (Math.abs(d) - this.#mad);
      return;
    }
    const limit = this.#k * this.scale;
    const d = x - this.#location;
    const clipped = Math.min(limit, Math.max(-limit, d));
    const a = Math.abs(d);
    this.#location += this.#alpha * clipped;
    this.#mad += this.#alpha * (Math.min(a, limit) - this.#mad);
  }

  /** JSON state that restores this detector exactly through {@link robustZSpec}.create. */
  state(): RobustZState {
    return { version: VERSION, n: this.#n, location: this.#location, mad: this.#mad };
  }
}

/** Spec of the streaming robust z-score detector: kind `detector/robust-z`, state version 1. */
export const robustZSpec: ModelSpec<RobustZConfig, RobustZ> = {
  kind: KIND,
  version: VERSION,
  description: 'Streaming robust z-score per series: Huber-clipped EW location and EW mean absolute deviation, with a scale floor.',
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create(config, state) {
    if (state === undefined) return new RobustZ(config);
    const s = openState(KIND, VERSION, state);
    const n = s.number('n');
    const mad = s.number('mad');
    if (!Number.isInteger(n) || n < 0 || mad < 0) {
      throw invalid(`${KIND}: state needs an integer n ≥ 0 and mad ≥ 0 (got n ${n}, mad ${mad})`);
    }
    return new RobustZ(config, { version: VERSION, n, location: s.number('location'), mad });
  },
};
