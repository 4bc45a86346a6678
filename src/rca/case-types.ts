/**
 * @module rca/case-types
 * Root-cause analysis of one case read from files (a benchmark case or `homeostat rca --case DIR`):
 * metric series of candidates before and during a fault, an optional call graph, and, when known,
 * the true root cause. A {@link CaseRanker} ranks the candidates with a calibrated confidence.
 */

/** One metric column of a case, owned by one candidate (a service, a node, or the metric itself). */
export interface RcaMetric {
  /** Column name as in the file, e.g. `carts_cpu` or `PetSite/latency/Average`. */
  readonly name: string;
  /** The candidate this metric belongs to, e.g. `carts`. */
  readonly candidate: string;
  /** What it measures, lower-case: `cpu`, `mem`, `latency`, `load`, `errors`, `availability`, … */
  readonly kind: string;
  /** One value per row of {@link RcaCase.t}; NaN = missing. */
  readonly values: Float64Array;
  /**
   * The metric's known full scale, when there is one (max > min): 0–100 for a percentage, 0–1 for
   * values min-max scaled beforehand (SMD). Per-metric attribution measures changes against it;
   * without it, against the range observed in the case.
   */
  readonly range?: { readonly min: number; readonly max: number };
}

/** A call-graph edge: `from` calls (depends on) `to`. */
export interface RcaEdge {
  readonly from: string;
  readonly to: string;
}

/** One case: rows before `anomalyStart` are the normal reference, rows from it on the incident. */
export interface RcaCase {
  /** Unique within its dataset, e.g. `carts-cpu/1` or `low_traffic/issue_3`. */
  readonly id: string;
  /** Dataset name as in the benchmark output: `sock-shop`, `petshop`, `smd-attribution`, or a folder's name. */
  readonly dataset: string;
  /** Row times, epoch ms, increasing. */
  readonly t: Float64Array;
  /** Index of the first incident row (1 ≤ anomalyStart < t.length). */
  readonly anomalyStart: number;
  readonly metrics: readonly RcaMetric[];
  /** Every candidate, each owning at least one metric, sorted. */
  readonly candidates: readonly string[];
  /** Call graph between candidates, if the case has one. */
  readonly graph?: readonly RcaEdge[];
  /** The true root cause(s); `[]` for a case with no issue (nothing should be blamed); absent when unknown. */
  readonly truth?: readonly string[];
  /** Set of the case (a settings/calibration split): `dev` cases may be used to choose settings, `report` cases never. */
  readonly split?: 'dev' | 'report';
}

/** One ranked candidate. */
export interface RankedCandidate {
  readonly candidate: string;
  /** Raw ranking score (higher = more likely), method-specific. */
  readonly score: number;
  /** Probability that this candidate is the root cause, in [0, 1]. */
  readonly confidence: number;
  /** Evidence in words, in reading order. */
  readonly evidence: readonly string[];
}

/** A ranking: best first, and whether the method thinks anything is wrong at all. */
export interface CaseRanking {
  readonly ranked: readonly RankedCandidate[];
  /**
   * False when the method judges the incident window normal (it then blames nobody; specificity).
   * Per-metric attribution (which metrics of one entity explain a given window) still gives its
   * confidences then: they are conditional on the window being an incident.
   */
  readonly anomalous: boolean;
}

/** A root-cause method over cases. Pure. */
export type CaseRanker = (c: RcaCase) => CaseRanking;
