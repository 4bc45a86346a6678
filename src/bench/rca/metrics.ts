/**
 * @module bench/rca/metrics
 * Scoring rules of the root-cause benchmark (the datasets README's "Root cause" definitions):
 * AC@k, Avg@5, calibration of the top-1 confidence (ECE over 10 equal-width bins, Brier score),
 * mean top-1 confidence, specificity on no-issue cases, and HitRate@100 % / 150 % for cases with
 * several true causes (SMD attribution). Pure.
 */
import { invalid } from '../../errors.js';
import type { CaseRanking } from '../../rca/case-types.js';
import { hitRate, reliability } from '../anomaly/metrics.js';

/** A method's output on one case, with the case's truth. */
export interface ScoredCase {
  /** The true root cause(s); `[]` = a no-issue case; undefined = unknown (the case is not scored). */
  readonly truth: readonly string[] | undefined;
  readonly ranking: CaseRanking;
}

/** Confidence at or above which a top-1 candidate counts as blamed on a no-issue case. */
export const BLAME_CONFIDENCE = 0.5;

/** The figures of one method on a set of cases; a figure without any case to measure it is absent. */
export type RcaFigures = {
  /** Share of issue cases whose true root cause (any, when several) is ranked first. */
  ac1?: number;
  /** … among the first 3. */
  ac3?: number;
  /** Mean of AC@1 … AC@5. */
  avg5?: number;
  /** ECE of the top-1 confidence against "top-1 is a true cause", 10 equal-width bins. */
  ece?: number;
  /** Brier score of the same. */
  brier?: number;
  /** Mean top-1 confidence over issue cases. */
  mean_confidence?: number;
  /** Share of no-issue cases where the method blames nobody: `anomalous: false`, or top-1 confidence < 0.5. */
  specificity?: number;
  /** Mean HitRate@100 % over issue cases (only where some case has several true causes). */
  hitrate_100?: number;
  /** Mean HitRate@150 %. */
  hitrate_150?: number;
  /** Issue cases scored (truth non-empty). */
  cases: number;
  /** No-issue cases scored (truth empty). */
  no_issue_cases: number;
};

/**
 * 1-based rank of the first true cause in a ranking, or Infinity when none is ranked.
 * @example truthRank(['a', 'b', 'c'], ['c', 'b']) // 2
 */
export function truthRank(ranked: readonly string[], truth: readonly string[]): number {
  const t = new Set(truth);
  const i = ranked.findIndex((c) => t.has(c));
  return i < 0 ? Number.POSITIVE_INFINITY : i + 1;
}

/**
 * AC@k: share of cases whose rank of truth is ≤ k; NaN for no case.
 * @example acAt([1, 2, 5], 3) // 2 / 3
 */
export function acAt(ranks: readonly number[], k: number): number {
  if (!(Number.isInteger(k) && k >= 1)) throw invalid(`acAt: k must be a positive integer (got ${k})`);
  if (ranks.length === 0) return Number.NaN;
  return ranks.filter((r) => r <= k).length / ranks.length;
}

/**
 * Avg@5 = (AC@1 + … + AC@5) / 5; NaN for no case.
 * @example avg5([1, 3]) // (0.5 + 0.5 + 1 + 1 + 1) / 5 = 0.8
 */
export function avg5(ranks: readonly number[]): number {
  let s = 0;
  for (let k = 1; k <= 5; k++) s += acAt(ranks, k);
  return s / 5;
}

/**
 * Whether a method blames nobody on a no-issue case: it says `anomalous: false`, or its top-1
 * confidence is below {@link BLAME_CONFIDENCE} (no candidate is blamed with confidence ≥ 0.5), or
 * it ranks nobody.
 */
export function blamesNobody(r: CaseRanking): boolean {
  const top = r.ranked[0];
  return !r.anomalous || top === undefined || !(top.confidence >= BLAME_CONFIDENCE);
}

/**
 * The figures of one method over cases (see {@link RcaFigures}). Issue cases (truth non-empty) give
 * AC@k, Avg@5 and calibration; the ranking is scored whatever `anomalous` says (the incident is
 * given). No-issue cases (truth `[]`) give specificity. Cases with unknown truth are ignored.
 * HitRate figures are given when `withHitRate` (default: some case has several true causes).
 * @example rcaFigures([{ truth: ['a'], ranking: { anomalous: true, ranked: [{ candidate: 'a', score: 1, confidence: 0.8, evidence: [] }] } }]).ac1 // 1
 */
export function rcaFigures(cases: readonly ScoredCase[], withHitRate?: boolean): RcaFigures {
  const issues = cases.filter((c) => c.truth !== undefined && c.truth.length > 0);
  const healthy = cases.filter((c) => c.truth !== undefined && c.truth.length === 0);
  const out: RcaFigures = { cases: issues.length, no_issue_cases: healthy.length };
  if (issues.length > 0) {
    const ranks = issues.map((c) =>
      truthRank(
        c.ranking.ranked.map((r) => r.candidate),
        c.truth as readonly string[],
      ),
    );
    out.ac1 = acAt(ranks, 1);
    out.ac3 = acAt(ranks, 3);
    out.avg5 = avg5(ranks);
    const conf = issues.map((c) => c.ranking.ranked[0]?.confidence ?? 0);
    const rel = reliability(
      ranks.map((r) => r === 1),
      conf,
      10,
    );
    out.ece = rel.ece;
    out.brier = rel.brier;
    out.mean_confidence = rel.meanConfidence;
    if (withHitRate ?? issues.some((c) => (c.truth as readonly string[]).length > 1)) {
      let h100 = 0;
      let h150 = 0;
      for (const c of issues) {
        const truth = [...new Set(c.truth as readonly string[])];
        const index = new Map(c.ranking.ranked.map((r, i) => [r.candidate, i]));
        const ids = (names: readonly string[]): number[] => names.map((n, i) => index.get(n) ?? -1 - i);
        const ranking = c.ranking.ranked.map((_, i) => i);
        h100 += hitRate(ids(truth), ranking, 100);
        h150 += hitRate(ids(truth), ranking, 150);
      }
      out.hitrate_100 = h100 / issues.length;
      out.hitrate_150 = h150 / issues.length;
    }
  }
  if (healthy.length > 0) out.specificity = healthy.filter((c) => blamesNobody(c.ranking)).length / healthy.length;
  return out;
}

/** One bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Bin bounds [lo, hi) (the last bin includes 1). */
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  /** Mean confidence in the bin (NaN when empty). */
  readonly meanConfidence: number;
  /** Share of correct top-1 answers in the bin (NaN when empty). */
  readonly accuracy: number;
}

/**
 * The reliability diagram of top-1 confidences: equal-width bins, count, mean confidence and
 * accuracy per bin (the same binning as the ECE).
 * @example reliabilityBins([true, false], [0.95, 0.05], 10)[9] // { count: 1, meanConfidence: 0.95, accuracy: 1, … }
 */
export function reliabilityBins(correct: readonly boolean[], confidence: readonly number[], bins = 10): ReliabilityBin[] {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < confidence.length; i++) {
    const p = confidence[i] as number;
    if (!Number.isFinite(p)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b] = (count[b] as number) + 1;
    sumP[b] = (sumP[b] as number) + p;
    sumY[b] = (sumY[b] as number) + (correct[i] ? 1 : 0);
  }
  return Array.from({ length: bins }, (_, b) => {
    const n = count[b] as number;
    return {
      lo: b / bins,
      hi: (b + 1) / bins,
      count: n,
      meanConfidence: n > 0 ? (sumP[b] as number) / n : Number.NaN,
      accuracy: n > 0 ? (sumY[b] as number) / n : Number.NaN,
    };
  });
}
