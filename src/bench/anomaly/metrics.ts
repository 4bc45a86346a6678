/**
 * @module bench/anomaly/metrics
 * The scoring rules of the anomaly benchmark, as defined in `../shared/datasets/README.md`
 * ("Metric definitions"): point-wise precision / recall / F1 without point-adjust, PR-AUC as
 * average precision of the raw score, event-wise precision / recall with the 60-point re-notify
 * rule, per-metric attribution HitRate@P% (OmniAnomaly) and the NAB score (Numenta Anomaly
 * Benchmark v1.1 rules: window-relative scaled sigmoid, application profiles, probationary period,
 * normalisation between the null and the perfect detector).
 *
 * Pure: no I/O, no clock. Labels and flags are per-point numbers where any value other than 0
 * (and other than NaN) means "anomalous" / "flagged"; booleans are accepted where noted.
 *
 * References:
 * - Average precision: scikit-learn `average_precision_score` (AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the
 *   distinct score thresholds, highest first).
 * - HitRate@P%: Su et al., "Robust Anomaly Detection for Multivariate Time Series through
 *   Stochastic Recurrent Neural Network" (OmniAnomaly), KDD 2019, §5.5, after Gu et al.
 * - NAB: Lavin & Ahmad, "Evaluating Real-time Anomaly Detection Algorithms — the Numenta Anomaly
 *   Benchmark", ICMLA 2015; Ahmad et al., Neurocomputing 2017; numenta/NAB `nab/sweeper.py`
 *   (scaled sigmoid, probationary period) and `nab/runner.py` (normalisation).
 */
import { describe as describeValue, invalid } from '../../errors.js';

/** Point-wise detection counts and rates. */
export interface PointMetrics {
  /** tp / (tp + fp); 0 when nothing is flagged (sklearn's `zero_division=0`). */
  readonly precision: number;
  /** tp / (tp + fn); 0 when no point is labelled. */
  readonly recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  readonly f1: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

/** Event-wise (on-call view) counts and rates of one series, or of several pooled. */
export interface EventMetrics {
  /** trueAlarms / alarms; 0 when there is no alarm. */
  readonly precision: number;
  /** segmentsHit / segments; 0 when there is no labelled segment. */
  readonly recall: number;
  /** Alarms raised: flagged runs cut into chunks of `renotifyPoints` points. */
  readonly alarms: number;
  /** Alarms whose chunk overlaps at least one labelled point. */
  readonly trueAlarms: number;
  /** Labelled anomaly segments (maximal runs of labelled points). */
  readonly segments: number;
  /** Labelled segments with at least one flagged point. */
  readonly segmentsHit: number;
}

/** A per-point flag: a number (non-zero and not NaN = flagged) or a boolean. */
export type Flag = number | boolean;

function on(value: Flag | undefined): boolean {
  return value === true || (typeof value === 'number' && value !== 0 && !Number.isNaN(value));
}

function sameLength(what: string, a: ArrayLike<unknown>, b: ArrayLike<unknown>, bName: string): void {
  if (a.length !== b.length) {
    throw invalid(`${what}: labels and ${bName} must have the same length (got ${a.length} labels and ${b.length} ${bName})`);
  }
}

function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/**
 * Point-wise precision, recall and F1 with no point-adjust.
 * Precision is 0 when nothing is flagged, recall is 0 when nothing is labelled, F1 is 0 when both
 * are 0 (sklearn's `zero_division=0`).
 * @throws HomeostatError invalid_argument when the lengths differ.
 * @example pointMetrics([0, 1, 1, 0], [0, 1, 0, 1]) // { precision: 0.5, recall: 0.5, f1: 0.5, tp: 1, fp: 1, fn: 1 }
 */
export function pointMetrics(labels: ArrayLike<Flag>, flags: ArrayLike<Flag>): PointMetrics {
  sameLength('pointMetrics', labels, flags, 'flags');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = on(labels[i]);
    const f = on(flags[i]);
    if (f && l) tp++;
    else if (f) fp++;
    else if (l) fn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, tp, fp, fn };
}

/**
 * Average precision of a raw anomaly score (higher = more anomalous), sklearn's definition:
 * AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ, where n runs over the distinct score values from highest to lowest and
 * Pₙ, Rₙ are the precision and recall when every point scoring ≥ that value is flagged (equal
 * scores enter together). NaN or undefined scores rank lowest, tied with each other and with
 * -Infinity.
 * @returns AP in [0, 1]; NaN when no point is labelled (undefined, as in sklearn).
 * @throws HomeostatError invalid_argument when the lengths differ.
 * @example prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) // 0.8333… (sklearn's doc example)
 */
export function prAuc(labels: ArrayLike<Flag>, scores: ArrayLike<number | undefined>): number {
  sameLength('prAuc', labels, scores, 'scores');
  const n = labels.length;
  const key = new Float64Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    key[i] = s === undefined || Number.isNaN(s) ? Number.NEGATIVE_INFINITY : s;
    if (on(labels[i])) positives++;
  }
  if (positives === 0) return Number.NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (key[b] as number) - (key[a] as number) || a - b);
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  let i = 0;
  while (i < n) {
    const value = key[order[i] as number] as number;
    while (i < n && key[order[i] as number] === value) {
      if (on(labels[order[i] as number])) tp++;
      seen++;
      i++;
    }
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

/**
 * The labelled anomaly segments: maximal runs of labelled points, as [start, end] with inclusive
 * point indices, in order.
 * @example segments([0, 1, 1, 0, 1]) // [[1, 2], [4, 4]]
 */
export function segments(labels: ArrayLike<Flag>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i < labels.length; i++) {
    if (on(labels[i])) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push([start, i - 1]);
      start = -1;
    }
  }
  if (start >= 0) out.push([start, labels.length - 1]);
  return out;
}

/**
 * Event-wise precision and recall (the on-call view), as the datasets README defines them.
 * Flagged points form alarm runs; each run is cut into consecutive chunks of `renotifyPoints`
 * points (the last may be shorter), each chunk one alarm; an alarm is true when its chunk contains
 * a labelled point. Precision = true alarms / alarms (0 with no alarm); recall = labelled
 * segments with at least one flagged point / labelled segments (0 with no segment). Pool series
 * with {@link poolEventMetrics}.
 * @param renotifyPoints points after which a still-running alarm re-notifies; default 60.
 * @throws HomeostatError invalid_argument when the lengths differ or renotifyPoints is not a
 *   positive integer.
 * @example eventMetrics([0, 1, 1, 0, 0, 0], [0, 0, 1, 1, 1, 1], 2) // alarms 2, trueAlarms 1, segmentsHit 1
 */
export function eventMetrics(labels: ArrayLike<Flag>, flags: ArrayLike<Flag>, renotifyPoints = 60): EventMetrics {
  sameLength('eventMetrics', labels, flags, 'flags');
  if (!Number.isInteger(renotifyPoints) || renotifyPoints < 1) {
    throw invalid(`eventMetrics: renotifyPoints must be a positive integer (got ${describeValue(renotifyPoints)})`);
  }
  const n = labels.length;
  let alarms = 0;
  let trueAlarms = 0;
  let chunkLength = 0;
  let chunkTrue = false;
  for (let i = 0; i < n; i++) {
    if (on(flags[i])) {
      if (chunkLength === renotifyPoints) {
        alarms++;
        if (chunkTrue) trueAlarms++;
        chunkLength = 0;
        chunkTrue = false;
      }
      chunkLength++;
      if (on(labels[i])) chunkTrue = true;
    } else if (chunkLength > 0) {
      alarms++;
      if (chunkTrue) trueAlarms++;
      chunkLength = 0;
      chunkTrue = false;
    }
  }
  if (chunkLength > 0) {
    alarms++;
    if (chunkTrue) trueAlarms++;
  }
  const segs = segments(labels);
  let segmentsHit = 0;
  for (const [start, end] of segs) {
    for (let i = start; i <= end; i++) {
      if (on(flags[i])) {
        segmentsHit++;
        break;
      }
    }
  }
  return {
    precision: ratio(trueAlarms, alarms),
    recall: ratio(segmentsHit, segs.length),
    alarms,
    trueAlarms,
    segments: segs.length,
    segmentsHit,
  };
}

/**
 * Pools event counts over series (the dataset-level event figure of the README): sums alarms,
 * true alarms, segments and hit segments, then recomputes precision and recall from the sums.
 */
export function poolEventMetrics(parts: readonly EventMetrics[]): EventMetrics {
  let alarms = 0;
  let trueAlarms = 0;
  let segs = 0;
  let segmentsHit = 0;
  for (const p of parts) {
    alarms += p.alarms;
    trueAlarms += p.trueAlarms;
    segs += p.segments;
    segmentsHit += p.segmentsHit;
  }
  return {
    precision: ratio(trueAlarms, alarms),
    recall: ratio(segmentsHit, segs),
    alarms,
    trueAlarms,
    segments: segs,
    segmentsHit,
  };
}

/**
 * Per-metric attribution HitRate@P% for one anomaly segment (OmniAnomaly, KDD 2019, §5.5):
 * with k = |truthDims| ground-truth dimensions, HitRate@P% = |truthDims ∩ ranking[0 .. ⌊k·P/100⌋)| / k,
 * i.e. the share of the true dimensions found among the first ⌊k·P/100⌋ entries of the ranking
 * (most suspicious first). Dimensions are compared by value, so both arrays must use the same
 * numbering (SMD's interpretation labels are 1-based). Average over segments for a dataset figure.
 * @param percent 100 or 150.
 * @returns a share in [0, 1].
 * @throws HomeostatError invalid_argument when truthDims is empty or percent is not 100 or 150.
 * @example hitRate([3, 7], [7, 1, 3], 150) // top ⌊2·1.5⌋ = 3 → both found → 1
 */
export function hitRate(truthDims: readonly number[], ranking: readonly number[], percent: 100 | 150): number {
  if (percent !== 100 && percent !== 150) {
    throw invalid(`hitRate: percent must be 100 or 150 (got ${describeValue(percent)})`);
  }
  const truth = new Set(truthDims);
  if (truth.size === 0) throw invalid('hitRate: truthDims must list at least one dimension (got an empty array)');
  const top = Math.floor((truth.size * percent) / 100);
  let hits = 0;
  const counted = new Set<number>();
  for (const dim of ranking.slice(0, top)) {
    if (truth.has(dim) && !counted.has(dim)) {
      counted.add(dim);
      hits++;
    }
  }
  return hits / truth.size;
}

/** A NAB application profile's cost matrix (only tp, fp and fn weights enter the score). */
export interface NabCostMatrix {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

/** Names of NAB's application profiles. */
export type NabProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

/** NAB's three application profiles, as in `nab/config/profiles.json`. */
export const NAB_PROFILES: Readonly<Record<NabProfileName, NabCostMatrix>> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** One NAB data file with a detector's per-point detections. */
export interface NabFile {
  /** Shown in error messages and in the per-file results. */
  readonly name: string;
  /** Non-decreasing timestamps, epoch ms (any unit works if windows use the same). */
  readonly timestamps: ArrayLike<number>;
  /** Labelled anomaly windows [start, end], inclusive, same unit as timestamps, in order. */
  readonly windows: ReadonlyArray<readonly [number, number]>;
  /** One detection per point. */
  readonly detections: ArrayLike<Flag>;
}

/** Options of {@link nabScore}. */
export interface NabOptions {
  /** Share of each file's points that is not scored (NAB's probationary period). Default 0.15. */
  readonly probationPercent?: number;
}

/** One file's part of a NAB score. */
export interface NabFileScore {
  readonly name: string;
  /** The detector's raw score on this file. */
  readonly raw: number;
  /** The null detector's raw score on this file: −fnWeight per scored window. */
  readonly null: number;
  /** Windows labelled in this file. */
  readonly windows: number;
  /** Windows with at least one point after the probationary period. */
  readonly scoredWindows: number;
  /** Scored windows with at least one detection after the probationary period. */
  readonly windowsDetected: number;
  /** Detections outside every window, after the probationary period. */
  readonly falsePositives: number;
  /** Points not scored at the start of the file. */
  readonly probationPoints: number;
}

/** A detector's NAB score over a corpus for one profile. */
export interface NabScore {
  /** 100·(raw − null)/(perfect − null): 0 = null detector, 100 = perfect. NaN when perfect = null. */
  readonly score: number;
  readonly raw: number;
  readonly null: number;
  /** tpWeight × number of labelled windows (NAB's `perfect`). */
  readonly perfect: number;
  readonly files: readonly NabFileScore[];
}

const MAX_TP = nabScaledSigmoid(-1);

/**
 * NAB's scaled sigmoid of a position relative to a window (numenta/NAB `sweeper.py`):
 * 2·sigmoid(−5·x) − 1 = tanh(−2.5·x), and −1 for x ≥ 3. x = −1 is a window's left edge
 * (0.98661), 0 its right edge (0), positive x lies after the window.
 */
export function nabScaledSigmoid(x: number): number {
  if (x >= 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

function resolveProfile(profile: NabCostMatrix | NabProfileName): NabCostMatrix {
  if (typeof profile === 'string') {
    const found = (NAB_PROFILES as Record<string, NabCostMatrix | undefined>)[profile];
    if (!found) {
      throw invalid(`nabScore: profile must be one of ${Object.keys(NAB_PROFILES).join(', ')} (got ${describeValue(profile)})`);
    }
    return found;
  }
  for (const key of ['tpWeight', 'fpWeight', 'fnWeight'] as const) {
    const w = profile[key];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw invalid(`nabScore: profile.${key} must be a finite number ≥ 0 (got ${describeValue(w)})`);
    }
  }
  return profile;
}

/** Window limits → inclusive point-index ranges; validates order and coverage. */
function windowIndices(file: NabFile): Array<[number, number]> {
  const ts = file.timestamps;
  const out: Array<[number, number]> = [];
  let from = 0;
  let prevEnd = Number.NEGATIVE_INFINITY;
  for (const [start, end] of file.windows) {
    if (!(start <= end) || start <= prevEnd) {
      throw invalid(
        `nabScore: ${file.name}: windows must be ordered, non-overlapping [start, end] pairs (got [${start}, ${end}] after a window ending at ${prevEnd})`,
      );
    }
    prevEnd = end;
    while (from < ts.length && (ts[from] as number) < start) from++;
    let to = from;
    while (to < ts.length && (ts[to] as number) <= end) to++;
    if (to === from) {
      throw invalid(`nabScore: ${file.name}: window [${start}, ${end}] contains no data point (expected at least one timestamp inside it)`);
    }
    out.push([from, to - 1]);
    from = to;
  }
  return out;
}

function scoreFile(file: NabFile, cost: NabCostMatrix, probationPercent: number): NabFileScore {
  const n = file.timestamps.length;
  if (file.detections.length !== n) {
    throw invalid(
      `nabScore: ${file.name}: detections must have one entry per timestamp (got ${file.detections.length} detections for ${n} timestamps)`,
    );
  }
  for (let i = 1; i < n; i++) {
    if (!((file.timestamps[i] as number) >= (file.timestamps[i - 1] as number))) {
      throw invalid(
        `nabScore: ${file.name}: timestamps must not decrease (point ${i}: ${file.timestamps[i]} after ${file.timestamps[i - 1]})`,
      );
    }
  }
  const windows = windowIndices(file);
  // sweeper.py: min(floor(p·n), p·5000) — the cap (750 points at 15 %) is in NAB v1.1.
  const probation = Math.min(Math.floor(probationPercent * n), probationPercent * 5000);
  let fpScore = 0;
  let falsePositives = 0;
  let windowScore = 0;
  let scoredWindows = 0;
  let windowsDetected = 0;
  let w = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const win = windows[w];
    if (win && i >= win[0]) {
      const [left, right] = win;
      const width = right - left + 1;
      let best = Number.NaN;
      let scored = false;
      for (let j = left; j <= right; j++) {
        if (j < probation) continue;
        scored = true;
        if (Number.isNaN(best) && on(file.detections[j])) {
          // The first detection is the earliest, hence the largest reward.
          best = (nabScaledSigmoid(-(right - j + 1) / width) * cost.tpWeight) / MAX_TP;
        }
      }
      if (scored) {
        scoredWindows++;
        if (Number.isNaN(best)) windowScore -= cost.fnWeight;
        else {
          windowScore += best;
          windowsDetected++;
        }
      }
      prevRight = right;
      prevWidth = width;
      w++;
      i = right;
      continue;
    }
    if (i < probation || !on(file.detections[i])) continue;
    falsePositives++;
    let position = 3;
    // NAB divides by (width − 1), undefined for a one-point window; use NAB's older scorer's 2.0.
    if (prevRight >= 0) position = prevWidth > 1 ? (i - prevRight) / (prevWidth - 1) : 2;
    fpScore += nabScaledSigmoid(position) * cost.fpWeight;
  }
  return {
    name: file.name,
    raw: windowScore + fpScore,
    null: -cost.fnWeight * scoredWindows,
    windows: windows.length,
    scoredWindows,
    windowsDetected,
    falsePositives,
    probationPoints: Math.min(n, Math.ceil(probation)),
  };
}

/**
 * The NAB score of one detector over a corpus, for one application profile, at fixed detections
 * (the threshold sweep that NAB runs per profile is the caller's job: call this once per candidate
 * threshold and keep the best).
 *
 * Rules (numenta/NAB v1.1 `sweeper.py` and `runner.py`):
 * - The first min(⌊0.15·n⌋, 750) points of each file are probationary: not scored at all.
 * - A window holds the points whose timestamp lies in [start, end]. The earliest detection inside
 *   a window at index i earns tpWeight·σ(−(right − i + 1)/width)/σ(−1), where σ is
 *   {@link nabScaledSigmoid} (so a detection at the left edge earns exactly tpWeight, one at the
 *   right edge about 2.5·tpWeight/width); further detections in the window add nothing. A window
 *   without detection costs −fnWeight. Windows wholly inside the probationary period score 0.
 * - Every detection outside windows costs fpWeight·σ(d) with d = (i − right)/(width − 1) measured
 *   from the last window that ended before it (so FPs right after a window cost little), and
 *   −fpWeight when no window precedes it.
 * - score = 100·(raw − null)/(perfect − null), raw and null summed over files, null = the
 *   detector that flags nothing (−fnWeight per scored window), perfect = tpWeight × all windows.
 * @param profile a {@link NabProfileName} or a cost matrix.
 * @throws HomeostatError invalid_argument on length mismatches, decreasing timestamps, unordered windows, a
 *   window with no point, an unknown profile or a probationPercent outside [0, 1).
 */
export function nabScore(files: readonly NabFile[], profile: NabCostMatrix | NabProfileName, options: NabOptions = {}): NabScore {
  const cost = resolveProfile(profile);
  const probationPercent = options.probationPercent ?? 0.15;
  if (!(probationPercent >= 0 && probationPercent < 1)) {
    throw invalid(`nabScore: probationPercent must be in [0, 1) (got ${describeValue(probationPercent)})`);
  }
  const parts = files.map((f) => scoreFile(f, cost, probationPercent));
  let raw = 0;
  let nullScore = 0;
  let windows = 0;
  for (const p of parts) {
    raw += p.raw;
    nullScore += p.null;
    windows += p.windows;
  }
  const perfect = cost.tpWeight * windows;
  const score = perfect === nullScore ? Number.NaN : (100 * (raw - nullScore)) / (perfect - nullScore);
  return { score, raw, null: nullScore, perfect, files: parts };
}

/** Calibration of probabilities against 0/1 outcomes. */
export interface Reliability {
  /** Expected calibration error: Σ_bins (n_b / n)·|mean outcome − mean probability|, 10 equal-width bins. */
  readonly ece: number;
  /** Mean squared error of the probabilities. */
  readonly brier: number;
  /** Mean probability. */
  readonly meanConfidence: number;
  /** Outcomes' mean (the base rate). */
  readonly baseRate: number;
  /** Points with a finite probability. */
  readonly n: number;
}

/**
 * ECE (equal-width bins, the datasets README's definition) and Brier score of `probs` against
 * `labels`; points whose probability is not finite are left out. NaN figures when none is left.
 * @example reliability([0, 1], [0.2, 0.7]).brier // (0.04 + 0.09) / 2 = 0.065
 */
export function reliability(labels: ArrayLike<Flag>, probs: ArrayLike<number>, bins = 10): Reliability {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  let n = 0;
  let brier = 0;
  let totalP = 0;
  let totalY = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (!Number.isFinite(p)) continue;
    const y = labels[i] ? 1 : 0;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b] = (count[b] as number) + 1;
    sumP[b] = (sumP[b] as number) + p;
    sumY[b] = (sumY[b] as number) + y;
    brier += (p - y) ** 2;
    totalP += p;
    totalY += y;
    n++;
  }
  if (n === 0) return { ece: Number.NaN, brier: Number.NaN, meanConfidence: Number.NaN, baseRate: Number.NaN, n };
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = count[b] as number;
    if (c > 0) ece += (c / n) * Math.abs((sumY[b] as number) / c - (sumP[b] as number) / c);
  }
  return { ece, brier: brier / n, meanConfidence: totalP / n, baseRate: totalY / n, n };
}
