/**
 * @module models/feedback-calibrator
 * A per-series calibrator that learns from operator feedback (`calibrator/feedback`).
 *
 * Algorithm: a logistic map `p = 1 / (1 + exp(−(raw − c) / w))` whose width `w` stays the prior's
 * and whose center `c` is refitted from the PRIOR every time a label arrives (not from the last
 * fit, which would count old labels again at every refit): the series keeps its last `maxLabels`
 * (raw score, true/false positive) pairs and `c` minimises
 * `(c − c0)² / (2·maxStep·w) + Σ logloss(label, p(raw))` — a convex one-dimensional problem, solved
 * by bisection on its derivative. The penalty bounds what one label can do: since the derivative of
 * a log-loss term in `c` is at most `1/w`, a single label moves the center by at most `maxStep`
 * raw-score units, however extreme its score (plain Platt refitting on one rejected 65σ spike moved
 * the center to 214 and silenced the series). One rejected anomaly scored 7 under the default prior
 * (c0 6, w 1) moves the center to about 7.1; ten rejected 65σ spikes move it past 25; confirmations
 * move it back down. The engine's confidence threshold — hence that series' effective alert
 * threshold, `c + w·logit(minConfidence)` — moves with it. O(maxLabels · 60) per label, O(1) per
 * calibrate.
 *
 * Works when feedback is given on the anomalies the series raised (the labels then sit near the
 * threshold, where they matter). Fails when labels are biased (only false positives are ever
 * marked: the threshold only rises; a missed anomaly is never labelled) or when the series changes
 * regime (old labels weigh as much as new ones until they fall out of the window).
 *
 * Reference: J. Platt, "Probabilistic outputs for support vector machines", 1999 (the logistic
 * map); a Gaussian prior on its center (maximum a posteriori), as in Bayesian logistic regression.
 */
import { describe, invalid } from '../errors.js';
import { LogisticCalibrator } from './calibrator.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Calibrator, ModelSpec } from './contract.js';

/** Configuration of {@link FeedbackCalibrator}: the prior and how much feedback it keeps. */
export interface FeedbackCalibratorConfig {
  /** Prior raw score mapped to probability 0.5. Default 6 (the engine's prior). */
  readonly center: number;
  /** Prior raw-score distance from the center to odds e:1; > 0. Default 1. */
  readonly width: number;
  /** Labels kept (the most recent), integer ≥ 1. Default 200. */
  readonly maxLabels: number;
  /** Most a single label can move the center, in raw-score units; > 0. Default 2. */
  readonly maxStep: number;
}

/** Saved state of {@link FeedbackCalibrator}: the labels and the parameters fitted on them. */
export interface FeedbackCalibratorState {
  readonly version: 1;
  readonly center: number;
  readonly width: number;
  /** Raw scores of the labelled anomalies, oldest first. */
  readonly raws: readonly number[];
  /** 1 = confirmed (true positive), 0 = rejected (false positive), one per raw. */
  readonly labels: readonly number[];
}

const KIND = 'calibrator/feedback';
const VERSION = 1;
/** Most labels a saved state may hold. */
const MAX_STATE_LABELS = 100_000;
const DEFAULTS: FeedbackCalibratorConfig = { center: 6, width: 1, maxLabels: 200, maxStep: 2 };
const RULES: ConfigRules<FeedbackCalibratorConfig> = {
  center: { type: 'number' },
  width: { type: 'number', min: 0, minExclusive: true },
  maxLabels: { type: 'number', integer: true, min: 1 },
  maxStep: { type: 'number', min: 0, minExclusive: true },
};

/**
 * A logistic calibrator for one series, refitted from its prior on every operator label.
 * @example
 * const c = new FeedbackCalibrator(feedbackCalibratorSpec.defaults);
 * c.label(7, false); // an operator rejected an anomaly scored 7
 * c.calibrate(7) < 0.73 // true
 */
export class FeedbackCalibrator implements Calibrator {
  readonly #config: FeedbackCalibratorConfig;
  readonly #raws: number[] = [];
  readonly #labels: boolean[] = [];
  #fitted: LogisticCalibrator;

  constructor(config: FeedbackCalibratorConfig, state?: FeedbackCalibratorState) {
    this.#config = config;
    this.#fitted = new LogisticCalibrator({ center: config.center, width: config.width });
    if (state) {
      this.#raws.push(...state.raws);
      this.#labels.push(...state.labels.map((l) => l === 1));
      this.#fitted = new LogisticCalibrator({ center: state.center, width: state.width });
    }
  }

  /** Fitted center and width (the prior's until a label arrives). */
  get params(): { readonly center: number; readonly width: number } {
    return this.#fitted.config;
  }

  /** Labels kept. */
  get labelCount(): number {
    return this.#raws.length;
  }

  /** Probability in [0, 1] for `raw`; non-decreasing. */
  calibrate(raw: number): number {
    return this.#fitted.calibrate(raw);
  }

  /**
   * Records one operator label on an anomaly scored `raw` and refits from the prior.
   * @throws HomeostatError `invalid_argument` when `raw` is not a finite number.
   */
  label(raw: number, isTrue: boolean): void {
    if (!Number.isFinite(raw)) throw invalid(`${KIND}: a labelled raw score must be finite (got ${describe(raw)})`);
    this.#raws.push(raw);
    this.#labels.push(isTrue);
    if (this.#raws.length > this.#config.maxLabels) {
      this.#raws.shift();
      this.#labels.shift();
    }
    this.#fitted = new LogisticCalibrator({ center: this.#fitCenter(), width: this.#config.width });
  }

  /** The center minimising the penalised log-loss of the kept labels (bisection on the derivative). */
  #fitCenter(): number {
    const { center: c0, width: w, maxStep } = this.#config;
    const lambda = 1 / (maxStep * w);
    const slope = (c: number): number => {
      let g = lambda * (c - c0);
      for (let i = 0; i < this.#raws.length; i++) {
        const p = 1 / (1 + Math.exp(-((this.#raws[i] as number) - c) / w));
        g -= (p - (this.#labels[i] ? 1 : 0)) / w;
      }
      return g;
    };
    const reach = maxStep * this.#raws.length + 1;
    let lo = c0 - reach;
    let hi = c0 + reach;
    for (let iter = 0; iter < 60; iter++) {
      const mid = (lo + hi) / 2;
      if (slope(mid) > 0) hi = mid;
      else lo = mid;
    }
    return (lo + hi) / 2;
  }

  /** JSON state that restores this calibrator exactly. */
  state(): FeedbackCalibratorState {
    const { center, width } = this.#fitted.config;
    return { version: VERSION, center, width, raws: [...this.#raws], labels: this.#labels.map((l) => (l ? 1 : 0)) };
  }
}

function parseState(input: unknown): FeedbackCalibratorState {
  const r = openState(KIND, VERSION, input);
  const center = r.number('center');
  const width = r.number('width');
  if (!(width > 0)) throw invalid(`${KIND}: state field width must be a number > 0 (got ${describe(width)})`);
  const raws = r.numbers('raws', MAX_STATE_LABELS);
  const labels = r.numbers('labels', MAX_STATE_LABELS);
  const bad = labels.findIndex((x) => x !== 0 && x !== 1);
  if (bad >= 0) throw invalid(`${KIND}: state labels[${bad}] must be 0 or 1 (got ${describe(labels[bad])})`);
  if (raws.length !== labels.length) {
    throw invalid(`${KIND}: state needs one label per raw score (got ${raws.length} raws and ${labels.length} labels)`);
  }
  return { version: 1, center, width, raws, labels };
}

/** Spec of the feedback calibrator: kind `calibrator/feedback`, state version 1. */
export const feedbackCalibratorSpec: ModelSpec<FeedbackCalibratorConfig, FeedbackCalibrator> = {
  kind: KIND,
  version: VERSION,
  description:
    "Per-series logistic calibration refitted from a prior on every operator true/false-positive label; moves that series' alert threshold.",
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create: (config, state) => new FeedbackCalibrator(config, state === undefined ? undefined : parseState(state)),
};
