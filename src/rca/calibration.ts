/**
 * @module rca/calibration
 * Calibration of the root-cause ranking's top confidence: the probability that the hypothesis the
 * decide step acts on is the true root cause.
 *
 * `rankRootCauses` gives a ranking-derived belief (softmax share × evidence strength) that is not a
 * measured probability: on the loop benchmark's dev seeds its decision-time top-1 confidence was
 * 0.87 on average while the top hypothesis was right 94 % of the time, too modest between 0.6 and
 * 0.9 (right 36 of 40 times at 0.6–0.8) and too bold below 0.5 (1 of 6). An isotonic calibrator
 * (`calibrator/isotonic`) maps it to P(right); its prior is {@link DEFAULT_RCA_CALIBRATION}, and
 * every root cause an operator confirms or corrects adds a labelled case (`label(raw, right)`).
 *
 * Only the top hypothesis is calibrated (it is what the labels are about); the others share what
 * is left, `1 − p_top`, in proportion to their raw confidences, and never exceed the top's.
 */
import type { Hypothesis } from '../records/types.js';
import { type IsotonicCalibratorState, isotonicPrior } from '../models/isotonic-calibrator.js';

/**
 * The shipped prior: pool-adjacent-violators blocks of 201 decision-time rankings from
 * `homeostat bench loop --days 3 --faults 24` on the dev seeds 3, 7, 11, 12, 13, 21, 22, 23
 * (x = mean raw top-1 confidence of the block, n = rankings, positives = top-1 right; a false alarm
 * counts as wrong). Reproduce with `npm run train:rca-calibration` (bench/train-rca-calibration.ts). The loop bench's held-out
 * seeds (101–103) are not in it.
 */
export const DEFAULT_RCA_CALIBRATION: IsotonicCalibratorState = isotonicPrior([
  { x: 0.4037, n: 6, positives: 1 },
  { x: 0.6302, n: 12, positives: 10 },
  { x: 0.7046, n: 28, positives: 26 },
  { x: 0.871, n: 58, positives: 55 },
  { x: 0.9725, n: 97, positives: 97 },
]);

/**
 * The ranking with calibrated confidences: the top one becomes `calibrate(raw)`, the others share
 * `1 − p_top` in proportion to their raw confidences (capped at `p_top`); each keeps its raw value
 * in `rawConfidence` and gains an evidence sentence. Hypotheses flagged by `skip` (another model's
 * probability, e.g. a capacity plan's) keep their confidence. Order is unchanged. Pure.
 * @example calibrateRanking([{ ...h, confidence: 0.7 }], (raw) => 0.93)[0].confidence // 0.93
 */
export function calibrateRanking(
  ranked: readonly Hypothesis[],
  calibrate: (raw: number) => number,
  skip: (h: Hypothesis) => boolean = () => false,
): Hypothesis[] {
  const top = ranked[0];
  if (top === undefined || skip(top)) return [...ranked];
  const raw = top.rawConfidence ?? top.confidence;
  const pTop = clamp01(calibrate(raw));
  const rest = 1 - raw;
  return ranked.map((h, i) => {
    if (i > 0 && skip(h)) return h;
    const r = h.rawConfidence ?? h.confidence;
    const p = i === 0 ? pTop : Math.min(pTop, rest > 0 ? (r * (1 - pTop)) / rest : 0);
    const note =
      i === 0
        ? `calibrated: rankings with a raw confidence of ${r.toFixed(2)} named the true root cause ${Math.round(pTop * 100)} % of the time (isotonic calibration on labelled incidents)`
        : `calibrated: shares ${Math.round((1 - pTop) * 100)} % left by the top hypothesis, in proportion to raw confidence ${r.toFixed(2)}`;
    return { ...h, confidence: p, rawConfidence: r, evidence: [...h.evidence, note] };
  });
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
