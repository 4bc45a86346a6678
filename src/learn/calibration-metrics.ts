/**
 * @module learn/calibration-metrics
 * How good a set of probabilities is against what happened: log-loss, Brier score, expected
 * calibration error (10 equal-width bins) and accuracy at 0.5 — the figures the training pipeline
 * compares a challenger and the champion on, and that live accuracy reports.
 */
import { invalid } from '../errors.js';

/** Quality of probabilities against labels. */
export interface CalibrationFigures {
  readonly n: number;
  /** Mean negative log-likelihood (probabilities clipped to [1e-6, 1 − 1e-6]); lower is better. */
  readonly log_loss: number;
  /** Mean squared error of the probability; lower is better. */
  readonly brier: number;
  /** Expected calibration error over 10 equal-width bins; lower is better. */
  readonly ece: number;
  readonly mean_confidence: number;
  /** Share of true labels (the base rate). */
  readonly base_rate: number;
}

const EPS = 1e-6;

/**
 * Log-loss, Brier, ECE, mean probability and base rate of `probs` against `labels` (one each).
 * Throws `invalid_argument` on different lengths, no rows, or a probability outside [0, 1].
 * @example calibrationFigures([0.9, 0.2], [true, false]).brier // 0.025
 */
export function calibrationFigures(probs: readonly number[], labels: readonly boolean[], bins = 10): CalibrationFigures {
  if (probs.length !== labels.length) {
    throw invalid(`calibration figures need one label per probability (got ${probs.length} probabilities, ${labels.length} labels)`);
  }
  if (probs.length === 0) throw invalid('calibration figures need at least one labelled probability (got none)');
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  let logLoss = 0;
  let brier = 0;
  let totalP = 0;
  let totalY = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (!(p >= 0 && p <= 1)) throw invalid(`probability ${i} must be in [0, 1] (got ${p})`);
    const y = labels[i] ? 1 : 0;
    const q = Math.min(1 - EPS, Math.max(EPS, p));
    logLoss -= y === 1 ? Math.log(q) : Math.log(1 - q);
    brier += (p - y) ** 2;
    totalP += p;
    totalY += y;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b] = (count[b] as number) + 1;
    sumP[b] = (sumP[b] as number) + p;
    sumY[b] = (sumY[b] as number) + y;
  }
  const n = probs.length;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = count[b] as number;
    if (c > 0) ece += (c / n) * Math.abs((sumY[b] as number) / c - (sumP[b] as number) / c);
  }
  return { n, log_loss: logLoss / n, brier: brier / n, ece, mean_confidence: totalP / n, base_rate: totalY / n };
}
