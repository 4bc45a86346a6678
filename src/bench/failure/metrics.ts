/**
 * @module bench/failure/metrics
 * Scoring rules of the failure benchmark (datasets README, "Failure forecasts"), all with optional
 * row weights (a sampled negative row stands for 1 / rate rows): accuracy with the base rate,
 * balanced accuracy, precision and recall at a threshold (a row is positive when its probability
 * ≥ threshold); ROC-AUC (ties count one half) and PR-AUC as average precision (tied scores form one
 * threshold: AP = Σ (Rₖ − Rₖ₋₁) · Pₖ over distinct scores, descending); ECE over 10 equal-width
 * probability bins and the Brier score; event recall (onsets with at least one positive row of
 * the entity in the 6 hours before: rows τ with s − 6 h < τ ≤ s) and the median lead time (hours
 * from the first such positive row to the onset). Pure functions over typed arrays.
 */
import { invalid } from '../../errors.js';

const HOUR_MS = 3_600_000;

/** Scores ranked into tie groups, by descending score: per group its score and the weight of positives and negatives. */
export interface ScoreGroups {
  readonly score: Float64Array;
  readonly pos: Float64Array;
  readonly neg: Float64Array;
  /** Total weight of positives and negatives. */
  readonly totalPos: number;
  readonly totalNeg: number;
}

function checkLengths(what: string, n: number, ...arrays: (ArrayLike<number> | undefined)[]): void {
  for (const a of arrays) {
    if (a !== undefined && a.length !== n) throw invalid(`${what}: expected arrays of the same length ${n} (got ${a.length})`);
  }
}

/**
 * Groups rows by distinct score, descending, summing the weights of positive (label 1) and
 * negative rows per group. NaN scores rank lowest.
 * @example scoreGroups([0.9, 0.1, 0.9], [1, 0, 0]).pos // Float64Array [1, 0]
 * @throws HomeostatError invalid_argument when the arrays differ in length.
 */
export function scoreGroups(score: ArrayLike<number>, label: ArrayLike<number>, weight?: ArrayLike<number>): ScoreGroups {
  const n = score.length;
  checkLengths('scoreGroups', n, label, weight);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = score[i] as number;
    s[i] = Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (s[b] as number) - (s[a] as number));
  const gs: number[] = [];
  const gp: number[] = [];
  const gn: number[] = [];
  let totalPos = 0;
  let totalNeg = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    const v = s[i] as number;
    const w = weight ? (weight[i] as number) : 1;
    if (gs.length === 0 || gs[gs.length - 1] !== v) {
      gs.push(v);
      gp.push(0);
      gn.push(0);
    }
    const g = gs.length - 1;
    if ((label[i] as number) > 0) {
      gp[g] = (gp[g] as number) + w;
      totalPos += w;
    } else {
      gn[g] = (gn[g] as number) + w;
      totalNeg += w;
    }
  }
  return { score: Float64Array.from(gs), pos: Float64Array.from(gp), neg: Float64Array.from(gn), totalPos, totalNeg };
}

/** ROC-AUC from tie groups (ties count one half); NaN without positives or negatives. */
export function rocAuc(g: ScoreGroups): number {
  if (g.totalPos === 0 || g.totalNeg === 0) return Number.NaN;
  let area = 0;
  let negAbove = 0;
  for (let k = 0; k < g.score.length; k++) {
    const p = g.pos[k] as number;
    const q = g.neg[k] as number;
    area += p * (g.totalNeg - negAbove - q) + 0.5 * p * q;
    negAbove += q;
  }
  return area / (g.totalPos * g.totalNeg);
}

/** Average precision (PR-AUC) from tie groups; NaN without positives. */
export function averagePrecision(g: ScoreGroups): number {
  if (g.totalPos === 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let k = 0; k < g.score.length; k++) {
    const p = g.pos[k] as number;
    tp += p;
    fp += g.neg[k] as number;
    if (p > 0) ap += (p / g.totalPos) * (tp / (tp + fp));
  }
  return ap;
}

/** One point of a precision-recall curve: at threshold `threshold` (rows ≥ it are positive). */
export interface PrPoint {
  readonly threshold: number;
  readonly recall: number;
  readonly precision: number;
}

/**
 * The precision-recall curve, one point per distinct score (descending), thinned to at most
 * `maxPoints` (the last point is always kept).
 */
export function prCurve(g: ScoreGroups, maxPoints = 200): PrPoint[] {
  const all: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < g.score.length; k++) {
    tp += g.pos[k] as number;
    fp += g.neg[k] as number;
    all.push({
      threshold: g.score[k] as number,
      recall: g.totalPos > 0 ? tp / g.totalPos : 0,
      precision: tp + fp > 0 ? tp / (tp + fp) : 1,
    });
  }
  if (all.length <= maxPoints) return all;
  const step = all.length / (maxPoints - 1);
  const out: PrPoint[] = [];
  for (let j = 0; j < maxPoints - 1; j++) out.push(all[Math.floor(j * step)] as PrPoint);
  out.push(all[all.length - 1] as PrPoint);
  return out;
}

/**
 * The threshold maximising F1 (weighted): the lowest score of the best prefix of tie groups; 1.01
 * (nothing positive) when no threshold gives F1 > 0.
 */
export function bestF1Threshold(g: ScoreGroups): number {
  let tp = 0;
  let fp = 0;
  let best = 0;
  let threshold = 1.01;
  for (let k = 0; k < g.score.length; k++) {
    tp += g.pos[k] as number;
    fp += g.neg[k] as number;
    const f1 = tp > 0 ? (2 * tp) / (2 * tp + fp + (g.totalPos - tp)) : 0;
    if (f1 > best) {
      best = f1;
      threshold = g.score[k] as number;
    }
  }
  return threshold;
}

/** Figures at one threshold. */
export interface ThresholdFigures {
  readonly accuracy: number;
  readonly base_rate: number;
  readonly balanced_accuracy: number;
  /** NaN when nothing is predicted positive. */
  readonly precision: number;
  readonly recall: number;
  /** Share of (weighted) rows predicted positive. */
  readonly positive_rate: number;
}

/**
 * Accuracy, base rate, balanced accuracy ((TPR + TNR) / 2), precision and recall when rows with
 * probability ≥ `threshold` are predicted positive.
 * @throws HomeostatError invalid_argument when the arrays differ in length.
 */
export function thresholdFigures(
  prob: ArrayLike<number>,
  label: ArrayLike<number>,
  threshold: number,
  weight?: ArrayLike<number>,
): ThresholdFigures {
  const n = prob.length;
  checkLengths('thresholdFigures', n, label, weight);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < n; i++) {
    const w = weight ? (weight[i] as number) : 1;
    const yes = (prob[i] as number) >= threshold;
    if ((label[i] as number) > 0) {
      if (yes) tp += w;
      else fn += w;
    } else if (yes) fp += w;
    else tn += w;
  }
  const total = tp + fp + fn + tn;
  const tpr = tp + fn > 0 ? tp / (tp + fn) : Number.NaN;
  const tnr = tn + fp > 0 ? tn / (tn + fp) : Number.NaN;
  return {
    accuracy: total > 0 ? (tp + tn) / total : Number.NaN,
    base_rate: total > 0 ? (tp + fn) / total : Number.NaN,
    balanced_accuracy: (tpr + tnr) / 2,
    precision: tp + fp > 0 ? tp / (tp + fp) : Number.NaN,
    recall: tpr,
    positive_rate: total > 0 ? (tp + fp) / total : Number.NaN,
  };
}

/**
 * Expected calibration error over `bins` equal-width probability bins (Σ_b W_b / W · |mean p − mean y|;
 * p = 1 falls in the last bin) and the Brier score (weighted mean of (p − y)²).
 * @throws HomeostatError invalid_argument when the arrays differ in length.
 */
export function calibration(
  prob: ArrayLike<number>,
  label: ArrayLike<number>,
  weight?: ArrayLike<number>,
  bins = 10,
): { ece: number; brier: number } {
  const n = prob.length;
  checkLengths('calibration', n, label, weight);
  const w = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  let total = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const p = prob[i] as number;
    const y = (label[i] as number) > 0 ? 1 : 0;
    const wi = weight ? (weight[i] as number) : 1;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    w[b] = (w[b] as number) + wi;
    sp[b] = (sp[b] as number) + wi * p;
    sy[b] = (sy[b] as number) + wi * y;
    total += wi;
    sq += wi * (p - y) * (p - y);
  }
  if (total === 0) return { ece: Number.NaN, brier: Number.NaN };
  let ece = 0;
  for (let b = 0; b < bins; b++) if ((w[b] as number) > 0) ece += Math.abs((sp[b] as number) - (sy[b] as number)) / total;
  return { ece, brier: sq / total };
}

/** One bin of a reliability (calibration) curve. */
export interface ReliabilityBin {
  /** Probability range [lo, hi) of the bin (the last bin includes 1). */
  readonly lo: number;
  readonly hi: number;
  /** Rows in the bin (weighted). */
  readonly count: number;
  /** Weighted mean predicted probability; NaN for an empty bin. */
  readonly mean_predicted: number;
  /** Weighted share of positive rows; NaN for an empty bin. */
  readonly observed_rate: number;
}

/**
 * The reliability curve over `bins` equal-width probability bins (the same bins as
 * {@link calibration}'s ECE): per bin the weighted row count, mean predicted probability and
 * observed positive rate. A calibrated model has mean_predicted ≈ observed_rate in every bin.
 * @throws HomeostatError invalid_argument when the arrays differ in length or bins < 1.
 * @example reliability([0.05, 0.95], [0, 1], undefined, 2) // [{lo:0, hi:0.5, count:1, mean_predicted:0.05, observed_rate:0}, …]
 */
export function reliability(prob: ArrayLike<number>, label: ArrayLike<number>, weight?: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  const n = prob.length;
  checkLengths('reliability', n, label, weight);
  if (!(Number.isInteger(bins) && bins >= 1)) throw invalid(`reliability: bins must be an integer ≥ 1 (got ${bins})`);
  const w = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = prob[i] as number;
    if (Number.isNaN(p)) continue;
    const wi = weight ? (weight[i] as number) : 1;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    w[b] = (w[b] as number) + wi;
    sp[b] = (sp[b] as number) + wi * p;
    sy[b] = (sy[b] as number) + wi * ((label[i] as number) > 0 ? 1 : 0);
  }
  return Array.from({ length: bins }, (_, b) => {
    const c = w[b] as number;
    return {
      lo: b / bins,
      hi: (b + 1) / bins,
      count: c,
      mean_predicted: c > 0 ? (sp[b] as number) / c : Number.NaN,
      observed_rate: c > 0 ? (sy[b] as number) / c : Number.NaN,
    };
  });
}

/** Event figures: onsets with at least one row in their window, those detected, and lead times. */
export interface EventFigures {
  /** Onsets with at least one row of their entity in (s − horizon, s]. */
  readonly events: number;
  readonly detected: number;
  /** detected / events; NaN without events. */
  readonly event_recall: number;
  /** Median over detected onsets of (s − first positive τ) in hours; NaN when none is detected. */
  readonly median_lead_h: number;
}

/** Median of a list (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Event recall and median lead time. Rows are given by entity and step (τ = t0 + hour · stepMs,
 * stepMs default 1 h), sorted by entity then step; `positive[i]` says whether row i was predicted
 * positive. An onset (entity, s) is detected when a positive row of its entity has
 * s − horizon < τ ≤ s; its lead time is s minus the earliest such τ.
 * @throws HomeostatError invalid_argument when row arrays differ in length or are not sorted.
 */
export function eventFigures(
  rows: { readonly entity: Int32Array; readonly hour: Int32Array },
  t0: number,
  positive: ArrayLike<number>,
  events: { readonly entity: Int32Array; readonly time: Float64Array },
  horizonH: number,
  stepMs = HOUR_MS,
): EventFigures {
  const n = rows.entity.length;
  checkLengths('eventFigures', n, rows.hour, positive);
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const e = rows.entity[i] as number;
    if (i > 0) {
      const pe = rows.entity[i - 1] as number;
      if (pe > e || (pe === e && (rows.hour[i - 1] as number) >= (rows.hour[i] as number)))
        throw invalid(`eventFigures: expected rows sorted by entity then hour (row ${i} is out of order)`);
    }
    if (!first.has(e)) first.set(e, i);
    last.set(e, i + 1);
  }
  let count = 0;
  let detected = 0;
  const leads: number[] = [];
  for (let j = 0; j < events.entity.length; j++) {
    const e = events.entity[j] as number;
    const s = events.time[j] as number;
    const a = first.get(e);
    if (a === undefined) continue;
    const b = last.get(e) as number;
    const kMin = Math.floor((s - horizonH * HOUR_MS - t0) / stepMs) + 1;
    const kMax = Math.floor((s - t0) / stepMs);
    let lo = a;
    let hi = b;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((rows.hour[mid] as number) < kMin) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= b || (rows.hour[lo] as number) > kMax) continue;
    count++;
    for (let i = lo; i < b && (rows.hour[i] as number) <= kMax; i++) {
      if ((positive[i] as number) > 0) {
        detected++;
        leads.push((s - (t0 + (rows.hour[i] as number) * stepMs)) / HOUR_MS);
        break;
      }
    }
  }
  return { events: count, detected, event_recall: count > 0 ? detected / count : Number.NaN, median_lead_h: median(leads) };
}
