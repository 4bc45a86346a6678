/**
 * @module models/contract
 * The model contract: a spec builds a model from a typed config and, optionally, a saved JSON
 * state; detectors score then learn, forecasters learn then forecast, risk models predict and
 * explain. A restored model gives the same outputs bit for bit. Models never decide what is an
 * alert: a {@link Calibrator} maps raw scores to probabilities and the engine applies thresholds.
 */
import type { Attribution, Forecast } from '../records/types.js';
import type { Point } from '../telemetry/types.js';

/**
 * Describes one model kind: its name, the version of its state shape, its defaults, a strict
 * config parser and a factory.
 */
export interface ModelSpec<C, M> {
  /** E.g. `detector/robust-z`, `forecaster/seasonal-naive`, `risk/failure-heuristic`. */
  readonly kind: string;
  /** Version of the state shape; `create` rejects a state of another version. */
  readonly version: number;
  readonly description: string;
  readonly defaults: C;
  /** Unknown → config. Rejects unknown keys and wrong types, saying expected vs got. */
  parse(input: unknown): C;
  /** Builds a model; with `state`, restores it exactly. */
  create(config: C, state?: unknown): M;
}

/** A raw score from a detector, before calibration. */
export interface DetectorScore {
  /** Higher = more anomalous; ≥ 0. */
  readonly raw: number;
  /** What the model expected at this point. */
  readonly expected: number;
  readonly actual: number;
  readonly contributors: readonly Attribution[];
}

/** A streaming univariate detector: score (pure) then learn (test-then-train). */
export interface Detector {
  /** Scores a point without learning it; `undefined` while warming up or for a non-finite value. */
  score(p: Point): DetectorScore | undefined;
  /** Updates the state with a point; non-finite values are ignored. */
  learn(p: Point): void;
  /** JSON that restores this model exactly through its spec's `create`. */
  state(): unknown;
}

/**
 * A streaming multivariate detector for one entity with several metrics (a fixed set of columns):
 * score a row (pure), then learn it. `contributors` rank the metrics by their share of the score,
 * each with its expected and actual value; `expected`/`actual` are those of the top contributor.
 */
export interface MultiDetector {
  /** Column names, in row order. */
  readonly metrics: readonly string[];
  /** Scores one row without learning it; `undefined` while warming up or when no value is finite. */
  score(t: number, row: ArrayLike<number>): DetectorScore | undefined;
  /** Updates the state with a row (a model fitted offline may ignore it); non-finite values are ignored. */
  learn(t: number, row: ArrayLike<number>): void;
  /** JSON that restores this model exactly through its spec's `create`. */
  state(): unknown;
}

/** A streaming forecaster. */
export interface Forecaster {
  learn(p: Point): void;
  /** Forecast for the next `horizonSteps` steps after the last learned point; undefined while warming up. */
  forecast(horizonSteps: number): Forecast | undefined;
  state(): unknown;
}

/** A probability with the explanation behind it. */
export interface Risk {
  /** Probability of the event within the model's horizon, in [0, 1]. */
  readonly probability: number;
  /** How sure the model is of that probability, in [0, 1]. */
  readonly confidence: number;
  readonly explanation: readonly Attribution[];
  /** Expected time until the event, if the model can tell (ms). */
  readonly leadTimeMs?: number;
}

/** A monotone map from a raw score to a probability; separate from scoring. */
export interface Calibrator {
  /** Probability in [0, 1]; non-decreasing in `raw`. */
  calibrate(raw: number): number;
  state(): unknown;
}
