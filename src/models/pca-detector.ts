/**
 * @module models/pca-detector
 * Multivariate PCA detector for one entity with many metrics (`multi/pca`), fitted offline on
 * training rows and scored row by row.
 *
 * Algorithm. Fit ({@link fitPcaDetector}): per metric, a robust location (median of the finite
 * training values) and scale `s = max(1.4826·MAD, minScale)`; the floor keeps a column that is
 * constant in training (MAD 0) visible when it moves later without exploding (a move of 0.5 on a
 * floor of 0.01 is z = 50, and z is clipped at ±`zClip`). Training rows are standardised,
 * `z = clip((x − median)/s, ±zClip)` (a non-finite cell counts as z = 0), centred on their mean,
 * and their covariance is eigen-decomposed by cyclic Jacobi rotations (exact to round-off for the
 * 38×38 matrices of SMD in a few milliseconds). The first `k` components, the fewest that explain
 * `varianceShare` of the variance, span the normal subspace.
 *
 * Score of a row: with `c = z − mean`, `t = Pᵀc` and the residual `r = c − Pt`,
 * `SPE = Σ r²` (squared prediction error, Q statistic), `T² = Σ t_i²/λ_i` (Hotelling),
 * `instant = SPE + t2Weight·T² + maxZWeight·max_j z_j²`, and the score returned is a causal
 * exponentially weighted average of `instant` over rows (`smoothing` = weight of the new row; 1 =
 * no smoothing). Contributors (the top `maxContributors`, each with the reconstruction
 * `median + s·(mean + Pt)` as expected value in original units, and the actual value): with
 * `attribution` 'deviation' (default) the weight is the metric's signed unclipped z from its
 * training median, ranked by |z| — on SMD this finds the labelled root-cause metrics better than
 * the score split; with 'score' the weight is metric j's share of `instant`,
 * `r_j² + t2Weight·max(0, c_j·(PΛ⁻¹t)_j) + maxZWeight·[j = argmax]·z_j²` over their sum (the T²
 * part splits exactly as Σ_j c_j(PΛ⁻¹t)_j = T²). To rank metrics over an incident, take each
 * metric's largest |weight| over its rows.
 * `learn` updates only the smoothing average and a row count: the fitted location, scale and
 * components stay fixed (refit to follow drift).
 *
 * Thresholds come from training scores only ({@link trainThreshold}): a high quantile times a
 * margin, or a peaks-over-threshold (POT) extreme-value quantile.
 *
 * Works for: servers and services whose metrics move together in a stable way (load drives CPU,
 * network and disk together), where an anomaly breaks the correlation or drives a metric outside
 * its training range — SMD-like data. Fails on: a regime change after training (a new normal is
 * scored high until refitted), training data with long anomalies (they enter the subspace), and
 * metrics with strong seasonality that PCA cannot model; per-metric attribution is weaker when
 * several correlated metrics move together (the share spreads over the group).
 *
 * References: J. E. Jackson, G. S. Mudholkar, "Control Procedures for Residuals Associated With
 * Principal Component Analysis", Technometrics 1979 (SPE/Q and T²); A. Lakhina, M. Crovella,
 * C. Diot, "Diagnosing Network-Wide Traffic Anomalies", SIGCOMM 2004; A. Siffer et al., "Anomaly
 * Detection in Streams with Extreme Value Theory" (SPOT), KDD 2017 (POT threshold); Golub & Van
 * Loan, "Matrix Computations", §8.5 (cyclic Jacobi).
 */
import { describe, invalid } from '../errors.js';
import type { Attribution } from '../records/types.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { DetectorScore, ModelSpec, MultiDetector } from './contract.js';

/** What ranks the contributors of a {@link PcaDetector} score. */
export type PcaAttribution = 'score' | 'deviation';

/** How {@link trainThreshold} turns training scores into a threshold. */
export type ThresholdMethod = 'quantile' | 'pot';

/** Configuration of {@link PcaDetector} and of its training-score threshold. */
export interface PcaDetectorConfig {
  /** Share of the standardised variance the kept components explain, in (0, 1]. Default 0.9. */
  readonly varianceShare: number;
  /** Scale floor per metric, in the metrics' unit. Default 0.01 (1 % of a min-max scaled range). */
  readonly minScale: number;
  /** Clip of each standardised value, in scale units. Default 10. */
  readonly zClip: number;
  /** Weight of Hotelling's T² (principal subspace) beside the SPE. Default 3 (chosen on SMD machine-1-*). */
  readonly t2Weight: number;
  /** Weight of the largest squared per-metric z beside the SPE. Default 0. */
  readonly maxZWeight: number;
  /** Weight of the new row in the EW average of the score, in (0, 1]; 1 = no smoothing. Default 0.2. */
  readonly smoothing: number;
  /** Contributors listed per score, most influential first. Default 10. */
  readonly maxContributors: number;
  /**
   * What ranks the contributors: 'score' (weight = the metric's share of the instant score) or
   * 'deviation' (weight = the metric's signed, unclipped z from its training median, ranked by |z|).
   * Default 'deviation' (it ranks SMD's labelled root-cause metrics better).
   */
  readonly attribution: PcaAttribution;
  /** {@link trainThreshold}: 'quantile' (quantile × margin, default) or 'pot' (extreme-value quantile). */
  readonly thresholdMethod: ThresholdMethod;
  /** {@link trainThreshold}: quantile of the training scores, in (0, 1); also POT's initial threshold. Default 0.99. */
  readonly thresholdQuantile: number;
  /** {@link trainThreshold}: factor applied to the threshold, ≥ 1. Default 1. */
  readonly thresholdMargin: number;
  /** {@link trainThreshold} with 'pot': probability of exceeding the threshold on normal data, in (0, 1). Default 1e-4. */
  readonly thresholdRisk: number;
}

/** Saved state of {@link PcaDetector}: the fitted model as plain JSON, plus the streaming part. */
export interface PcaDetectorState {
  readonly version: 1;
  /** Column names, in row order. */
  readonly metrics: readonly string[];
  /** Robust location (median) per metric, original units. */
  readonly location: readonly number[];
  /** Scale per metric (floored), original units. */
  readonly scale: readonly number[];
  /** Mean of the standardised training rows, per metric. */
  readonly mean: readonly number[];
  /** Eigenvalues of the kept components, largest first. */
  readonly eigenvalues: readonly number[];
  /** Kept components, row-major k × d (component i is `components[i·d .. i·d + d)`). */
  readonly components: readonly number[];
  /** Share of the variance the kept components explain. */
  readonly explained: number;
  /** Rows learned since the fit. */
  readonly n: number;
  /** EW average of the instant score; 0 before the first learned row. */
  readonly smoothed: number;
}

const KIND = 'multi/pca';
const VERSION = 1;
/** 1.4826·MAD estimates σ for normal data. */
const MAD_TO_SIGMA = 1.482602218505602;
/** Eigenvalues below this (standardised units²) are floored for T². */
const MIN_EIGENVALUE = 1e-6;
/** Most columns a model takes (a 1000 × 1000 covariance is still a few seconds of Jacobi). */
const MAX_METRICS = 1000;

const DEFAULTS: PcaDetectorConfig = {
  varianceShare: 0.9,
  minScale: 0.01,
  zClip: 10,
  t2Weight: 3,
  maxZWeight: 0,
  smoothing: 0.2,
  maxContributors: 10,
  attribution: 'deviation',
  thresholdMethod: 'quantile',
  thresholdQuantile: 0.99,
  thresholdMargin: 1,
  thresholdRisk: 1e-4,
};

const RULES: ConfigRules<PcaDetectorConfig> = {
  varianceShare: { type: 'number', min: 0, max: 1, minExclusive: true },
  minScale: { type: 'number', min: 0, minExclusive: true },
  zClip: { type: 'number', min: 0, minExclusive: true },
  t2Weight: { type: 'number', min: 0 },
  maxZWeight: { type: 'number', min: 0 },
  smoothing: { type: 'number', min: 0, max: 1, minExclusive: true },
  maxContributors: { type: 'number', integer: true, min: 1 },
  attribution: { type: 'oneOf', values: ['score', 'deviation'] },
  thresholdMethod: { type: 'oneOf', values: ['quantile', 'pot'] },
  thresholdQuantile: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  thresholdMargin: { type: 'number', min: 1 },
  thresholdRisk: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
};

/**
 * A fitted PCA detector: `score` is pure and costs O(d·k) per row (d metrics, k components);
 * `learn` only advances the score's EW average. Non-finite cells are scored as if at their
 * expected value and listed in no contributor; a row with no finite cell scores undefined and is
 * not learned. Time is not used.
 * @example
 * const d = fitPcaDetector(pcaDetectorSpec.defaults, names, trainRows);
 * for (const [i, row] of testRows.entries()) { const s = d.score(i, row); d.learn(i, row); }
 */
export class PcaDetector implements MultiDetector {
  readonly metrics: readonly string[];
  readonly #config: PcaDetectorConfig;
  readonly #location: Float64Array;
  readonly #scale: Float64Array;
  readonly #mean: Float64Array;
  readonly #eigen: Float64Array;
  /** k × d, row-major. */
  readonly #p: Float64Array;
  readonly #explained: number;
  readonly #k: number;
  #n = 0;
  #smoothed = 0;
  /** Scratch buffers: one score at a time, so they are reused. */
  readonly #c: Float64Array;
  readonly #z: Float64Array;
  readonly #t: Float64Array;
  readonly #recon: Float64Array;
  readonly #contrib: Float64Array;

  constructor(config: PcaDetectorConfig, state: PcaDetectorState) {
    this.#config = config;
    this.metrics = Object.freeze([...state.metrics]);
    const d = state.metrics.length;
    this.#location = Float64Array.from(state.location);
    this.#scale = Float64Array.from(state.scale);
    this.#mean = Float64Array.from(state.mean);
    this.#eigen = Float64Array.from(state.eigenvalues);
    this.#p = Float64Array.from(state.components);
    this.#k = state.eigenvalues.length;
    this.#explained = state.explained;
    this.#n = state.n;
    this.#smoothed = state.smoothed;
    this.#c = new Float64Array(d);
    this.#z = new Float64Array(d);
    this.#t = new Float64Array(this.#k);
    this.#recon = new Float64Array(d);
    this.#contrib = new Float64Array(d);
  }

  /** Components kept. */
  get components(): number {
    return this.#k;
  }

  /** Share of the training variance the kept components explain. */
  get explained(): number {
    return this.#explained;
  }

  /** Rows learned since the fit. */
  get count(): number {
    return this.#n;
  }

  /**
   * The unsmoothed score of a row (SPE + weighted T² + weighted max z²); undefined when no cell is
   * finite or the row has the wrong length. Pure.
   */
  instant(row: ArrayLike<number>): number | undefined {
    return this.#compute(row) ? this.#instantValue() : undefined;
  }

  /** Scores one row (the EW average including it) without learning it; undefined when no cell is finite. */
  score(_t: number, row: ArrayLike<number>): DetectorScore | undefined {
    if (!this.#compute(row)) return undefined;
    const instant = this.#instantValue();
    const raw = this.#n === 0 ? instant : this.#smoothed + this.#config.smoothing * (instant - this.#smoothed);
    const contributors = this.#contributors(row, instant);
    const top = contributors[0];
    return { raw, expected: top?.expected ?? Number.NaN, actual: top?.actual ?? Number.NaN, contributors };
  }

  /** Advances the score's EW average with this row; the fitted model does not change. Rows with no finite cell are ignored. */
  learn(_t: number, row: ArrayLike<number>): void {
    if (!this.#compute(row)) return;
    const instant = this.#instantValue();
    this.#smoothed = this.#n === 0 ? instant : this.#smoothed + this.#config.smoothing * (instant - this.#smoothed);
    this.#n++;
  }

  /** JSON state that restores this detector exactly through {@link pcaDetectorSpec}.create. */
  state(): PcaDetectorState {
    return {
      version: VERSION,
      metrics: [...this.metrics],
      location: Array.from(this.#location),
      scale: Array.from(this.#scale),
      mean: Array.from(this.#mean),
      eigenvalues: Array.from(this.#eigen),
      components: Array.from(this.#p),
      explained: this.#explained,
      n: this.#n,
      smoothed: this.#smoothed,
    };
  }

  /** Fills z, c, t, recon and the per-metric contributions; false when no cell is finite. */
  #compute(row: ArrayLike<number>): boolean {
    const d = this.metrics.length;
    if (row.length !== d) return false;
    const { zClip, t2Weight, maxZWeight } = this.#config;
    const z = this.#z;
    const c = this.#c;
    let finite = 0;
    for (let j = 0; j < d; j++) {
      const x = row[j] as number;
      let v = 0;
      if (Number.isFinite(x)) {
        finite++;
        v = (x - (this.#location[j] as number)) / (this.#scale[j] as number);
        v = Math.min(zClip, Math.max(-zClip, v));
      }
      z[j] = v;
      c[j] = v - (this.#mean[j] as number);
    }
    if (finite === 0) return false;
    const k = this.#k;
    const p = this.#p;
    const t = this.#t;
    const recon = this.#recon;
    recon.fill(0);
    for (let i = 0; i < k; i++) {
      let s = 0;
      const off = i * d;
      for (let j = 0; j < d; j++) s += (p[off + j] as number) * (c[j] as number);
      t[i] = s;
      for (let j = 0; j < d; j++) recon[j] = (recon[j] as number) + (p[off + j] as number) * s;
    }
    const contrib = this.#contrib;
    let argmax = -1;
    let maxZ2 = -1;
    for (let j = 0; j < d; j++) {
      const r = (c[j] as number) - (recon[j] as number);
      contrib[j] = r * r;
      const z2 = (z[j] as number) * (z[j] as number);
      if (z2 > maxZ2) {
        maxZ2 = z2;
        argmax = j;
      }
    }
    if (t2Weight > 0) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let i = 0; i < k; i++) s += ((p[i * d + j] as number) * (t[i] as number)) / (this.#eigen[i] as number);
        const part = (c[j] as number) * s;
        if (part > 0) contrib[j] = (contrib[j] as number) + t2Weight * part;
      }
    }
    if (maxZWeight > 0) contrib[argmax] = (contrib[argmax] as number) + maxZWeight * maxZ2;
    if (this.#config.attribution === 'deviation') {
      for (let j = 0; j < d; j++) {
        const x = row[j] as number;
        const u = Number.isFinite(x) ? (x - (this.#location[j] as number)) / (this.#scale[j] as number) : 0;
        contrib[j] = u * u;
      }
    }
    return true;
  }

  /** The instant score from the buffers filled by #compute (T² summed exactly, not from the clamped parts). */
  #instantValue(): number {
    const d = this.metrics.length;
    const { t2Weight, maxZWeight } = this.#config;
    let spe = 0;
    let maxZ2 = 0;
    for (let j = 0; j < d; j++) {
      const r = (this.#c[j] as number) - (this.#recon[j] as number);
      spe += r * r;
      const z2 = (this.#z[j] as number) * (this.#z[j] as number);
      if (z2 > maxZ2) maxZ2 = z2;
    }
    let t2 = 0;
    if (t2Weight > 0) {
      for (let i = 0; i < this.#k; i++) t2 += ((this.#t[i] as number) * (this.#t[i] as number)) / (this.#eigen[i] as number);
    }
    return spe + t2Weight * t2 + maxZWeight * maxZ2;
  }

  #contributors(row: ArrayLike<number>, instant: number): Attribution[] {
    const d = this.metrics.length;
    const contrib = this.#contrib;
    let total = 0;
    for (let j = 0; j < d; j++) total += contrib[j] as number;
    const limit = Math.min(this.#config.maxContributors, d);
    const picked: number[] = [];
    for (let j = 0; j < d; j++) {
      const x = row[j] as number;
      const w = contrib[j] as number;
      if (!Number.isFinite(x) || !(w > 0)) continue;
      if (picked.length === limit && w <= (contrib[picked[limit - 1] as number] as number)) continue;
      let at = picked.length === limit ? limit - 1 : picked.length;
      while (at > 0 && (contrib[picked[at - 1] as number] as number) < w) at--;
      picked.splice(at, 0, j);
      if (picked.length > limit) picked.pop();
    }
    const denominator = total > 0 ? total : instant > 0 ? instant : 1;
    const deviation = this.#config.attribution === 'deviation';
    return picked.map((j) => ({
      name: this.metrics[j] as string,
      weight: deviation
        ? ((row[j] as number) - (this.#location[j] as number)) / (this.#scale[j] as number)
        : (contrib[j] as number) / denominator,
      expected: (this.#location[j] as number) + (this.#scale[j] as number) * ((this.#mean[j] as number) + (this.#recon[j] as number)),
      actual: row[j] as number,
    }));
  }
}

/**
 * Fits a {@link PcaDetector} on training rows (each row one value per metric, in `metrics`
 * order): robust location and scale per metric, then PCA of the standardised rows. Non-finite
 * cells are left out of the medians and count as z = 0 in the covariance; a metric with no finite
 * training value gets location 0 and scale `minScale`.
 * @throws HomeostatError invalid_argument when `metrics` is empty, longer than 1000 or has a
 *   duplicate or empty name, when fewer than 2 rows are given, or when a row has the wrong length.
 * @example fitPcaDetector(pcaDetectorSpec.defaults, ['cpu', 'mem'], [[0.1, 0.2], [0.2, 0.4], [0.3, 0.5]])
 */
export function fitPcaDetector(config: PcaDetectorConfig, metrics: readonly string[], rows: readonly ArrayLike<number>[]): PcaDetector {
  checkMetrics(metrics);
  const d = metrics.length;
  const n = rows.length;
  if (n < 2) throw invalid(`${KIND}: fit needs at least 2 training rows (got ${n})`);
  for (let r = 0; r < n; r++) {
    const row = rows[r] as ArrayLike<number> | undefined;
    if (row === null || typeof row !== 'object' || row.length !== d) {
      throw invalid(`${KIND}: training row ${r} must hold ${d} values, one per metric (got ${describe(row)})`);
    }
  }
  const location = new Array<number>(d);
  const scale = new Array<number>(d);
  const column = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let r = 0; r < n; r++) {
      const x = (rows[r] as ArrayLike<number>)[j] as number;
      if (Number.isFinite(x)) column[m++] = x;
    }
    if (m === 0) {
      location[j] = 0;
      scale[j] = config.minScale;
      continue;
    }
    const values = column.subarray(0, m).sort();
    const med = median(values);
    for (let i = 0; i < m; i++) values[i] = Math.abs((values[i] as number) - med);
    const mad = median(values.sort());
    location[j] = med + 0;
    scale[j] = Math.max(MAD_TO_SIGMA * mad, config.minScale);
  }
  const z = new Float64Array(n * d);
  const mean = new Array<number>(d).fill(0);
  for (let r = 0; r < n; r++) {
    const row = rows[r] as ArrayLike<number>;
    for (let j = 0; j < d; j++) {
      const x = row[j] as number;
      let v = 0;
      if (Number.isFinite(x)) {
        v = (x - (location[j] as number)) / (scale[j] as number);
        v = Math.min(config.zClip, Math.max(-config.zClip, v));
      }
      z[r * d + j] = v;
      mean[j] = (mean[j] as number) + v;
    }
  }
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / n + 0;
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) centred[j] = (z[r * d + j] as number) - (mean[j] as number);
    for (let a = 0; a < d; a++) {
      const ca = centred[a] as number;
      if (ca === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] = (cov[a * d + b] as number) + ca * (centred[b] as number);
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = (cov[a * d + b] as number) / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  const { values, vectors } = symmetricEigen(cov, d);
  let trace = 0;
  for (const v of values) trace += Math.max(v, 0);
  let k = 0;
  let kept = 0;
  while (k < d && (trace === 0 ? k < 1 : kept < config.varianceShare * trace - 1e-12 * trace)) {
    kept += Math.max(values[k] as number, 0);
    k++;
  }
  k = Math.max(1, k);
  const eigenvalues: number[] = [];
  const components: number[] = [];
  for (let i = 0; i < k; i++) {
    eigenvalues.push(Math.max(values[i] as number, MIN_EIGENVALUE));
    // A fixed sign (largest-magnitude entry positive) makes the fit reproducible across platforms.
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(vectors[j * d + i] as number) > Math.abs(vectors[big * d + i] as number)) big = j;
    const sign = (vectors[big * d + i] as number) < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components.push(sign * (vectors[j * d + i] as number) + 0);
  }
  return new PcaDetector(config, {
    version: VERSION,
    metrics: [...metrics],
    location,
    scale,
    mean,
    eigenvalues,
    components,
    explained: trace === 0 ? 1 : kept / trace,
    n: 0,
    smoothed: 0,
  });
}

function checkMetrics(metrics: unknown): asserts metrics is readonly string[] {
  if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > MAX_METRICS) {
    throw invalid(`${KIND}: metrics must be an array of 1 to ${MAX_METRICS} names (got ${describe(metrics)})`);
  }
  const seen = new Set<string>();
  for (const name of metrics) {
    if (typeof name !== 'string' || name === '' || seen.has(name)) {
      throw invalid(`${KIND}: metric names must be distinct non-empty strings (got ${describe(name)})`);
    }
    seen.add(name);
  }
}

function median(sorted: Float64Array): number {
  const m = sorted.length;
  const h = m >> 1;
  return m % 2 === 1 ? (sorted[h] as number) : ((sorted[h - 1] as number) + (sorted[h] as number)) / 2;
}

/**
 * Eigen-decomposition of a symmetric d × d matrix (row-major) by cyclic Jacobi rotations.
 * Returns eigenvalues in decreasing order and eigenvectors as the columns of a row-major d × d
 * matrix, in the same order.
 * @example symmetricEigen(Float64Array.of(2, 1, 1, 2), 2) // values [3, 1]
 */
export function symmetricEigen(matrix: Float64Array, d: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < d; p++) {
      diag += (a[p * d + p] as number) ** 2;
      for (let q = p + 1; q < d; q++) off += (a[p * d + q] as number) ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q] as number;
        if (apq === 0) continue;
        const app = a[p * d + p] as number;
        const aqq = a[q * d + q] as number;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < d; r++) {
          const arp = a[r * d + p] as number;
          const arq = a[r * d + q] as number;
          a[r * d + p] = c * arp - s * arq;
          a[r * d + q] = s * arp + c * arq;
        }
        for (let r = 0; r < d; r++) {
          const apr = a[p * d + r] as number;
          const aqr = a[q * d + r] as number;
          a[p * d + r] = c * apr - s * aqr;
          a[q * d + r] = s * apr + c * aqr;
        }
        a[p * d + q] = 0;
        a[q * d + p] = 0;
        for (let r = 0; r < d; r++) {
          const vrp = v[r * d + p] as number;
          const vrq = v[r * d + q] as number;
          v[r * d + p] = c * vrp - s * vrq;
          v[r * d + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((x, y) => (a[y * d + y] as number) - (a[x * d + x] as number) || x - y);
  const values = order.map((i) => a[i * d + i] as number);
  const vectors = new Float64Array(d * d);
  for (let col = 0; col < d; col++) {
    const src = order[col] as number;
    for (let r = 0; r < d; r++) vectors[r * d + col] = v[r * d + src] as number;
  }
  return { values, vectors };
}

/**
 * A threshold from training scores only (no labels): with `thresholdMethod` 'quantile', the
 * `thresholdQuantile` quantile (linear interpolation) times `thresholdMargin`; with 'pot', the
 * peaks-over-threshold quantile of SPOT (Siffer et al., KDD 2017): excesses over the
 * `thresholdQuantile` quantile `u` are fitted with a generalised Pareto distribution (method of
 * moments), and the threshold is the score exceeded with probability `thresholdRisk`,
 * `u + σ/γ·((risk·n/Nu)^(−γ) − 1)` (`u − σ·ln(risk·n/Nu)` when γ ≈ 0), times the margin.
 * Non-finite scores are left out.
 * @throws HomeostatError invalid_argument when no score is finite.
 * @example trainThreshold([1, 2, 3, 4, 5], { ...pcaDetectorSpec.defaults, thresholdQuantile: 0.5, thresholdMargin: 2 }) // 6
 */
export function trainThreshold(trainScores: ArrayLike<number | undefined>, config: PcaDetectorConfig): number {
  const finite: number[] = [];
  for (let i = 0; i < trainScores.length; i++) {
    const s = trainScores[i];
    if (typeof s === 'number' && Number.isFinite(s)) finite.push(s);
  }
  if (finite.length === 0)
    throw invalid(`${KIND}: trainThreshold needs at least one finite training score (got ${trainScores.length} scores, none finite)`);
  const sorted = Float64Array.from(finite).sort();
  const u = quantileSorted(sorted, config.thresholdQuantile);
  if (config.thresholdMethod === 'quantile') return u * config.thresholdMargin;
  let count = 0;
  let sum = 0;
  let sumSq = 0;
  for (const s of sorted) {
    if (s <= u) continue;
    const y = s - u;
    count++;
    sum += y;
    sumSq += y * y;
  }
  if (count < 2) return u * config.thresholdMargin;
  const m = sum / count;
  const variance = sumSq / count - m * m;
  if (!(variance > 0)) return u * config.thresholdMargin;
  const gamma = 0.5 * (1 - (m * m) / variance);
  const sigma = 0.5 * m * ((m * m) / variance + 1);
  const r = (config.thresholdRisk * sorted.length) / count;
  const z = Math.abs(gamma) < 1e-9 ? u - sigma * Math.log(r) : u + (sigma / gamma) * (r ** -gamma - 1);
  return Math.max(z, u) * config.thresholdMargin;
}

function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/**
 * Spec of the PCA detector: kind `multi/pca`, state version 1. `create(config, state)` restores a
 * model fitted by {@link fitPcaDetector} (there is nothing to score with before a fit).
 * @throws HomeostatError invalid_argument from `create` without a state, or with a state whose
 *   arrays disagree in length, whose scales are not positive or whose counts are not integers.
 */
export const pcaDetectorSpec: ModelSpec<PcaDetectorConfig, PcaDetector> = {
  kind: KIND,
  version: VERSION,
  description:
    'Multivariate PCA detector fitted on training rows: robust per-metric standardisation, residual (SPE) score with optional Hotelling T² and max |z| terms, EW-smoothed; contributors with reconstructed expected values.',
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create(config, state) {
    if (state === undefined) {
      throw invalid(`${KIND}: create needs the state of a fitted model (got none); fit one with fitPcaDetector(config, metrics, rows)`);
    }
    const s = openState(KIND, VERSION, state);
    const metrics = (state as Record<string, unknown>).metrics;
    checkMetrics(metrics);
    const d = metrics.length;
    const location = s.numbers('location', d);
    const scale = s.numbers('scale', d);
    const mean = s.numbers('mean', d);
    const eigenvalues = s.numbers('eigenvalues', d);
    const k = eigenvalues.length;
    const components = s.numbers('components', k * d);
    const n = s.number('n');
    const bad = [
      location.length !== d && `location has ${location.length} entries`,
      scale.length !== d && `scale has ${scale.length} entries`,
      mean.length !== d && `mean has ${mean.length} entries`,
      k === 0 && 'eigenvalues is empty',
      components.length !== k * d && `components has ${components.length} entries for ${k} components`,
      scale.some((x) => !(x > 0)) && 'a scale is not positive',
      eigenvalues.some((x) => !(x > 0)) && 'an eigenvalue is not positive',
      (!Number.isInteger(n) || n < 0) && `n is ${n}`,
    ].filter((x): x is string => typeof x === 'string');
    if (bad.length > 0) {
      throw invalid(
        `${KIND}: state does not fit ${d} metrics (expected d entries per metric array, k·d components, scales and eigenvalues > 0, an integer n ≥ 0; got ${bad.join(', ')})`,
      );
    }
    return new PcaDetector(config, {
      version: VERSION,
      metrics,
      location,
      scale,
      mean,
      eigenvalues,
      components,
      explained: s.number('explained'),
      n,
      smoothed: s.number('smoothed'),
    });
  },
};
