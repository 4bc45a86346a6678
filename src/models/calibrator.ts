/**
 * @module models/calibrator
 * Logistic calibration of a raw score (`calibrator/logistic`): `p = 1 / (1 + exp(−(raw − center) / width))`.
 *
 * Algorithm: Platt scaling — a one-feature logistic regression from raw score to the probability
 * that an operator confirms the anomaly. The defaults (center 6, width 1: a robust z of 6 is a coin
 * flip, 8 is 88 %, 4 is 12 %) are a PRIOR, not fitted to anything; `fit` fits it on labelled data
 * (operator feedback, benchmark ground truth) by Newton's method with an L2 penalty that pulls the
 * parameters toward the current ones, so few labels move it little and one-class data stay finite.
 * The slope is kept positive, so the map is always non-decreasing in `raw`.
 *
 * Works when the raw score is monotone in the chance of a true anomaly. Fails when that relation is
 * not sigmoid-shaped (use isotonic regression) or when labels are few and biased (e.g. only the
 * alerts someone looked at).
 *
 * Reference: J. Platt, "Probabilistic outputs for support vector machines", 1999.
 */
import { invalid } from '../errors.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Calibrator, ModelSpec } from './contract.js';

/** Configuration (and learned parameters) of {@link LogisticCalibrator}. */
export interface LogisticConfig {
  /** Raw score mapped to probability 0.5. Default 6 (a prior, not fitted). */
  readonly center: number;
  /** Raw-score distance from the center to odds e:1; > 0. Default 1 (a prior, not fitted). */
  readonly width: number;
}

/** Saved state of {@link LogisticCalibrator}. */
export interface LogisticState {
  readonly version: 1;
  readonly center: number;
  readonly width: number;
}

/** Options of {@link LogisticCalibrator.fit}. */
export interface LogisticFitOptions {
  /** L2 strength pulling intercept and slope toward the current parameters; ≥ 0. Default 1. */
  readonly l2?: number;
  /** Newton iterations at most. Default 50. */
  readonly maxIterations?: number;
}

const KIND = 'calibrator/logistic';
const VERSION = 1;
const DEFAULTS: LogisticConfig = { center: 6, width: 1 };
const RULES: ConfigRules<LogisticConfig> = {
  center: { type: 'number' },
  width: { type: 'number', min: 0, minExclusive: true },
};
/** Smallest slope kept by `fit`, so the map stays strictly increasing. */
const MIN_SLOPE = 1e-6;

/**
 * A monotone logistic map from raw score to probability.
 * @example new LogisticCalibrator({ center: 6, width: 1 }).calibrate(8) // ≈ 0.881
 */
export class LogisticCalibrator implements Calibrator {
  #center: number;
  #width: number;

  constructor(config: LogisticConfig) {
    this.#center = config.center;
    this.#width = config.width;
  }

  /** Current parameters. */
  get config(): LogisticConfig {
    return { center: this.#center, width: this.#width };
  }

  /** Probability in [0, 1] for `raw`; non-decreasing; NaN maps to 0, +Infinity to 1. */
  calibrate(raw: number): number {
    if (Number.isNaN(raw)) return 0;
    return 1 / (1 + Math.exp(-(raw - this.#center) / this.#width));
  }

  /**
   * Fits center and width on labelled raw scores (label true = a real anomaly) by penalised
   * logistic regression, starting from and regularised toward the current parameters.
   * @throws HomeostatError `invalid_argument` when lengths differ or a raw score is not finite.
   */
  fit(raws: readonly number[], labels: readonly boolean[], options: LogisticFitOptions = {}): LogisticConfig {
    if (raws.length !== labels.length) {
      throw invalid(`${KIND}: fit needs one label per raw score (got ${raws.length} scores and ${labels.length} labels)`);
    }
    const bad = raws.findIndex((r) => !Number.isFinite(r));
    if (bad >= 0) throw invalid(`${KIND}: raw scores must be finite (got ${raws[bad]} at index ${bad})`);
    const l2 = options.l2 ?? 1;
    if (!(l2 >= 0)) throw invalid(`${KIND}: l2 must be a number ≥ 0 (got ${l2})`);
    const maxIterations = options.maxIterations ?? 50;
    const b0 = 1 / this.#width;
    const a0 = -this.#center * b0;
    let a = a0;
    let b = b0;
    const loss = (ia: number, ib: number): number => {
      let total = 0.5 * l2 * ((ia - a0) ** 2 + (ib - b0) ** 2);
      for (let i = 0; i < raws.length; i++) {
        const u = ia + ib * (raws[i] as number);
        // log(1 + e^u) − y·u, computed without overflow.
        total += (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u))) - (labels[i] ? u : 0);
      }
      return total;
    };
    let current = loss(a, b);
    for (let iter = 0; iter < maxIterations; iter++) {
      let ga = l2 * (a - a0);
      let gb = l2 * (b - b0);
      let haa = l2;
      let hab = 0;
      let hbb = l2;
      for (let i = 0; i < raws.length; i++) {
        const x = raws[i] as number;
        const p = 1 / (1 + Math.exp(-(a + b * x)));
        const r = p - (labels[i] ? 1 : 0);
        const w = p * (1 - p);
        ga += r;
        gb += r * x;
        haa += w;
        hab += w * x;
        hbb += w * x * x;
      }
      const det = haa * hbb - hab * hab;
      if (!(det > 0)) break;
      const da = (hbb * ga - hab * gb) / det;
      const db = (haa * gb - hab * ga) / det;
      let step = 1;
      let next = current;
      let na = a;
      let nb = b;
      while (step > 1e-8) {
        na = a - step * da;
        nb = b - step * db;
        next = loss(na, nb);
        if (next <= current) break;
        step /= 2;
      }
      if (!(next <= current)) break;
      const moved = Math.abs(na - a) + Math.abs(nb - b);
      a = na;
      b = nb;
      current = next;
      if (moved < 1e-10) break;
    }
    if (b < MIN_SLOPE) b = MIN_SLOPE;
    this.#width = 1 / b;
    this.#center = -a / b;
    return this.config;
  }

  /** JSON state that restores this calibrator exactly. */
  state(): LogisticState {
    return { version: VERSION, center: this.#center, width: this.#width };
  }
}

/** Spec of the logistic calibrator: kind `calibrator/logistic`, state version 1. */
export const logisticCalibratorSpec: ModelSpec<LogisticConfig, LogisticCalibrator> = {
  kind: KIND,
  version: VERSION,
  description:
    'Monotone logistic map from raw score to probability; defaults are a prior (center 6, width 1), fit() learns them from labels.',
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create(config, state) {
    if (state === undefined) return new LogisticCalibrator(config);
    const s = openState(KIND, VERSION, state);
    const width = s.number('width');
    if (!(width > 0)) throw invalid(`${KIND}: state field width must be > 0 (got ${width})`);
    return new LogisticCalibrator({ center: s.number('center'), width });
  },
};
