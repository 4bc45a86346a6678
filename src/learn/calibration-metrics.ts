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

/** One non-empty bin of a reliability table. */
export interface ReliabilityBin {
  /** Bin bounds [lower, upper) (the last bin includes 1). */
  readonly lower: number;
  readonly upper: number;
  readonly n: number;
  readonly meanConfidence: number;
  /** Share of true labels in the bin. */
  readonly accuracy: number;
}

/** Brier score, ECE, mean probability and the non-empty reliability bins of probabilities against labels. */
export interface Reliability {
  readonly n: number;
  readonly brier: number;
  readonly ece: number;
  readonly meanConfidence: number;
  readonly baseRate: number;
  readonly bins: readonly ReliabilityBin[];
}

/**
 * The reliability of `probs` against `labels` (one each, probabilities in [0, 1], at least one):
 * equal-width bins, ECE = Σ (bin share) · |accuracy − mean confidence|, Brier, the non-empty bins.
 * Throws `invalid_argument` on different lengths, no rows, or a probability outside [0, 1].
 * @example reliabilityOf([0.9, 0.2], [true, false]).ece // 0.15
 */
export function reliabilityOf(probs: readonly number[], labels: readonly boolean[], bins = 10): Reliability {
  if (probs.length !== labels.length) {
    throw invalid(`calibration figures need one label per probability (got ${probs.length} probabilities, ${labels.length} labels)`);
  }
  if (probs.length === 0) throw invalid('calibration figures need at least one labelled probability (got none)');
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  let brier = 0;
  let totalP = 0;
  let totalY = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (!(p >= 0 && p <= 1)) throw invalid(`probability ${i} must be in [0, 1] (got ${p})`);
    const y = labels[i] ? 1 : 0;
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
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = count[b] as number;
    if (c === 0) continue;
    const meanConfidence = (sumP[b] as number) / c;
    const accuracy = (sumY[b] as number) / c;
    ece += (c / n) * Math.abs(accuracy - meanConfidence);
    out.push({ lower: b / bins, upper: (b + 1) / bins, n: c, meanConfidence, accuracy });
  }
  return { n, brier: brier / n, ece, meanConfidence: totalP / n, baseRate: totalY / n, bins: out };
}

/**
 * Log-loss, Brier, ECE, mean probability and base rate of `probs` against `labels` (one each).
 * Throws `invalid_argument` on different lengths, no rows, or a probability outside [0, 1].
 * @example calibrationFigures([0.9, 0.2], [true, false]).brier // 0.025
 */
export function calibrationFigures(probs: readonly number[], labels: readonly boolean[], bins = 10): CalibrationFigures {
  const r = reliabilityOf(probs, labels, bins);
  let logLoss = 0;
  for (let i = 0; i < probs.length; i++) {
    const q = Math.min(1 - EPS, Math.max(EPS, probs[i] as number));
    logLoss -= labels[i] ? Math.log(q) : Math.log(1 - q);
  }
  return { n: r.n, log_loss: logLoss / r.n, brier: r.brier, ece: r.ece, mean_confidence: r.meanConfidence, base_rate: r.baseRate };
}
