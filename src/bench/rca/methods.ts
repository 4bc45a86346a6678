/**
 * @module bench/rca/methods
 * Baseline root-cause rankers over {@link RcaCase}s, as {@link CaseRanker}s.
 *
 * Algorithm: every metric gets a z-score of its largest incident value against the normal rows,
 * z = (max over incident rows − centre of normal) / scale of normal; a candidate scores the max z
 * of its metrics; candidates are ranked by score (ties by name).
 * - `nsigma`: centre = mean, scale = standard deviation (population), raw values (plain NSigma).
 * - `nsigma_rcaeval`: the same after RCAEval's preprocessing (below).
 * - `baro`: BARO-like: centre = median, scale = inter-quartile range (sklearn's RobustScaler, the
 *   "robust scorer" of RCAEval's BARO), after RCAEval's preprocessing.
 * RCAEval's preprocessing: drop metrics constant over the whole case; memory (`kind` mem) in MB
 * (÷ 10⁶); cumulative counters (name ends `_total`, `_count` or `_cnt` and never decreases)
 * replaced by their first differences. As sklearn does, a zero scale is taken as 1. NaN values are
 * left out of every statistic; a metric with no finite normal or incident value is not scored.
 *
 * Confidence: a candidate's share of the positive scores, max(s, 0) / Σ max(s, 0) (uniform when no
 * score is positive): a baseline, not calibrated. `anomalous` = the top score ≥ 3 (the 3-sigma rule),
 * fixed in advance, not tuned.
 *
 * Works when a root cause's own metrics move most, relative to their normal spread, during the
 * incident (resource faults: CPU hogs, memory leaks). Fails when the symptom is largest
 * downstream of the cause (latency propagating up a call chain), when the normal window drifts
 * (memory recorded days before), with very few normal rows (a scale from 2 rows is noise), and it
 * cannot tell a healthy system from a faulty one beyond the 3-sigma rule.
 *
 * References: Pham, Ha, Zhang, "BARO: Robust Root Cause Analysis for Microservices via
 * Multivariate Bayesian Online Change Point Detection", FSE 2024; Pham et al., "RCAEval: A
 * Benchmark for Root Cause Analysis of Microservice Systems with Telemetry Data", ASE 2024
 * (github.com/phamquiluan/RCAEval: `nsigma`, `baro` and `preprocess`).
 */
import { invalid } from '../../errors.js';
import type { CaseRanker, CaseRanking, RankedCandidate, RcaCase, RcaMetric } from '../../rca/case-types.js';

/** The z-score from which a baseline calls the incident window anomalous (the 3-sigma rule). */
export const ANOMALOUS_Z = 3;

/** A ranker of the bench: its name (the metrics.json method key), what it is, and the ranker. */
export interface RcaMethod {
  readonly name: string;
  readonly description: string;
  readonly rank: CaseRanker;
}

/** How a baseline measures the normal rows: mean/std (NSigma) or median/IQR (BARO's robust scorer). */
export type NormalStatistic = 'mean_std' | 'median_iqr';

/** Options of {@link createStatRanker}. */
export interface StatRankerOptions {
  readonly statistic: NormalStatistic;
  /** Apply RCAEval's preprocessing ({@link rcaevalPreprocess}) first. */
  readonly preprocess: boolean;
}

const COUNTER_NAME = /(_total|_count|_cnt)$/i;

function isConstant(v: Float64Array): boolean {
  let first = Number.NaN;
  for (const x of v) {
    if (Number.isNaN(x)) continue;
    if (Number.isNaN(first)) first = x;
    else if (x !== first) return false;
  }
  return true;
}

function neverDecreases(v: Float64Array): boolean {
  let last = Number.NEGATIVE_INFINITY;
  for (const x of v) {
    if (Number.isNaN(x)) continue;
    if (x < last) return false;
    last = x;
  }
  return true;
}

/**
 * RCAEval's preprocessing of a case's metrics: metrics constant over all rows (NaN ignored) are
 * dropped; `mem` metrics divided by 10⁶ (bytes → MB); cumulative counters (name ending `_total`,
 * `_count` or `_cnt`, never decreasing) replaced by first differences (row 0 NaN). Returns new
 * metrics; the case is not mutated.
 * @example rcaevalPreprocess(c).map((m) => m.name) // the non-constant columns
 */
export function rcaevalPreprocess(c: RcaCase): RcaMetric[] {
  const out: RcaMetric[] = [];
  for (const m of c.metrics) {
    if (isConstant(m.values)) continue;
    let values = m.values;
    if (m.kind === 'mem') values = values.map((x) => x / 1e6);
    else if (COUNTER_NAME.test(m.name) && neverDecreases(values)) {
      const d = new Float64Array(values.length).fill(Number.NaN);
      for (let i = 1; i < values.length; i++) d[i] = (values[i] as number) - (values[i - 1] as number);
      values = d;
    }
    out.push({ ...m, values });
  }
  return out;
}

/** Quantile q of sorted values, linear interpolation (numpy's default, type 7). */
function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  return a + ((sorted[hi] as number) - a) * (pos - lo);
}

/**
 * Centre and scale of the finite values of v[0, end): mean/std or median/IQR; a zero scale (or a
 * variance within rounding error of the mean, as sklearn) is 1; undefined without a finite value.
 */
export function normalStats(v: Float64Array, end: number, statistic: NormalStatistic): { centre: number; scale: number } | undefined {
  const xs = v.subarray(0, end).filter((x) => Number.isFinite(x));
  if (xs.length === 0) return undefined;
  let centre: number;
  let scale: number;
  if (statistic === 'mean_std') {
    let s = 0;
    for (const x of xs) s += x;
    centre = s / xs.length;
    let ss = 0;
    for (const x of xs) ss += (x - centre) ** 2;
    const variance = ss / xs.length;
    // as sklearn's StandardScaler: a variance within rounding error of the mean is a constant
    scale = variance <= (xs.length * Math.abs(centre) * Number.EPSILON) ** 2 ? 0 : Math.sqrt(variance);
  } else {
    const sorted = xs.sort();
    centre = quantileSorted(sorted, 0.5);
    scale = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
  }
  return { centre, scale: scale > 0 ? scale : 1 };
}

/** One metric's score: z of its largest incident value; undefined when it cannot be scored. */
export interface MetricScore {
  readonly metric: RcaMetric;
  readonly z: number;
  readonly max: number;
  readonly centre: number;
  readonly scale: number;
}

/** Scores one metric of a case (see the module comment); undefined without finite normal or incident values. */
export function scoreMetric(m: RcaMetric, anomalyStart: number, statistic: NormalStatistic): MetricScore | undefined {
  const stats = normalStats(m.values, anomalyStart, statistic);
  if (!stats) return undefined;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = anomalyStart; i < m.values.length; i++) {
    const x = m.values[i] as number;
    if (Number.isFinite(x) && x > max) max = x;
  }
  if (max === Number.NEGATIVE_INFINITY) return undefined;
  return { metric: m, z: (max - stats.centre) / stats.scale, max, ...stats };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

/**
 * Ranks candidates from their score (NaN = not scored, ranked last; ties by name), with confidence
 * = share of the positive scores (uniform when none is positive) and `anomalous` = top score ≥
 * {@link ANOMALOUS_Z}.
 * @example shareRanking(new Map([['a', 3], ['b', 1]]), new Map()).ranked[0] // { candidate: 'a', confidence: 0.75, … }
 */
export function shareRanking(scores: ReadonlyMap<string, number>, evidence: ReadonlyMap<string, readonly string[]>): CaseRanking {
  const entries = [...scores.entries()].sort((a, b) => {
    const [x, y] = [a[1], b[1]];
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
    if (x !== y && !Number.isNaN(x)) return y - x;
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
  });
  let total = 0;
  for (const [, s] of entries) if (s > 0) total += s;
  const n = entries.length;
  const ranked: RankedCandidate[] = entries.map(([candidate, score]) => ({
    candidate,
    score,
    confidence: total > 0 ? (score > 0 ? score / total : 0) : 1 / n,
    evidence: evidence.get(candidate) ?? [],
  }));
  const top = ranked[0]?.score ?? Number.NaN;
  return { ranked, anomalous: top >= ANOMALOUS_Z };
}

/**
 * A baseline ranker: per-metric z of the largest incident value (mean/std or median/IQR of the
 * normal rows), a candidate's score = its largest metric z; see the module comment.
 * @throws HomeostatError invalid_argument (when called) on a case whose anomalyStart leaves no
 *   normal or no incident row.
 */
export function createStatRanker(options: StatRankerOptions): CaseRanker {
  return (c: RcaCase): CaseRanking => {
    if (!(c.anomalyStart >= 1 && c.anomalyStart < c.t.length)) {
      throw invalid(`case ${c.id}: anomalyStart must be in [1, ${c.t.length - 1}] (got ${c.anomalyStart})`);
    }
    const metrics = options.preprocess ? rcaevalPreprocess(c) : c.metrics;
    const best = new Map<string, MetricScore>();
    for (const m of metrics) {
      const s = scoreMetric(m, c.anomalyStart, options.statistic);
      if (!s || !Number.isFinite(s.z)) continue;
      const prev = best.get(m.candidate);
      if (!prev || s.z > prev.z) best.set(m.candidate, s);
    }
    const scores = new Map<string, number>();
    const evidence = new Map<string, string[]>();
    const spread = options.statistic === 'mean_std' ? 'std' : 'IQR';
    const centre = options.statistic === 'mean_std' ? 'mean' : 'median';
    for (const cand of c.candidates) {
      const s = best.get(cand);
      scores.set(cand, s ? s.z : Number.NaN);
      if (s) {
        evidence.set(cand, [
          `${s.metric.name} peaked at ${fmt(s.max)} against a normal ${centre} of ${fmt(s.centre)} (${spread} ${fmt(s.scale)}): z = ${fmt(s.z)}`,
        ]);
      }
    }
    return shareRanking(scores, evidence);
  };
}

/** Plain NSigma: mean/std of the normal rows, raw values. */
export const nsigma: CaseRanker = createStatRanker({ statistic: 'mean_std', preprocess: false });
/** NSigma after RCAEval's preprocessing (as RCAEval's `nsigma`). */
export const nsigmaRcaeval: CaseRanker = createStatRanker({ statistic: 'mean_std', preprocess: true });
/** BARO-like: median/IQR of the normal rows after RCAEval's preprocessing (RCAEval's robust scorer). */
export const baro: CaseRanker = createStatRanker({ statistic: 'median_iqr', preprocess: true });

/** The baselines of the bench, by method name. */
export function rcaBaselines(): RcaMethod[] {
  return [
    {
      name: 'nsigma',
      description:
        'plain NSigma: per metric (max incident − mean normal) / std normal on raw values, candidate = its max z; confidence = share of positive scores; anomalous when the top z ≥ 3',
      rank: nsigma,
    },
    {
      name: 'nsigma_rcaeval',
      description: "NSigma after RCAEval's preprocessing (constant metrics dropped, memory in MB, counters differenced)",
      rank: nsigmaRcaeval,
    },
    {
      name: 'baro',
      description:
        "BARO-like (RCAEval's robust scorer): per metric (max incident − median normal) / IQR normal after RCAEval's preprocessing, candidate = its max z; confidence = share of positive scores; anomalous when the top z ≥ 3",
      rank: baro,
    },
  ];
}
