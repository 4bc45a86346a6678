/**
 * @module bench/failure/methods
 * Methods of the failure benchmark. A method receives the feature matrices of the three periods of
 * a grid (fit, tune, test; see grid.ts), learns on `fit` only, chooses its threshold (and anything
 * else) on `tune`, and returns probabilities for the tune and test rows. Baselines:
 * - `always_no`: probability 0 for every row.
 * - `persistence`: probability 1 when an onset of the entity fell in the last 6 h, else 0.
 * - `logistic_regression`: L2-penalised logistic regression fitted by Newton's method (IRLS) on
 *   standardised features (log1p of hours, counts and rates first), threshold maximising F1 on
 *   the tune rows. Works when risk is roughly monotone in each feature; fails to combine features
 *   non-linearly (trees do). Reference: Hastie, Tibshirani & Friedman, The Elements of
 *   Statistical Learning, §4.4.1 (fitting logistic regression by IRLS).
 */
import { invalid } from '../../errors.js';
import { choleskySolve as solveSpd } from '../../models/index.js';
import type { FeatureMatrix } from './grid.js';
import { bestF1Threshold, scoreGroups } from './metrics.js';

/** What a method is given: the rows of the three periods of one dataset. */
export interface MethodInput {
  /** The first part of the training period: learn here. */
  readonly fit: FeatureMatrix;
  /** The last part of the training period: choose thresholds and calibrate here. */
  readonly tune: FeatureMatrix;
  /** The test period: predict only. */
  readonly test: FeatureMatrix;
}

/** What a method returns: probabilities of the tune and test rows, and its threshold. */
export interface MethodOutput {
  readonly tune: Float64Array;
  readonly test: Float64Array;
  /** Rows with probability ≥ threshold are predicted positive. */
  readonly threshold: number;
  /** Anything worth recording in metrics.json (fitted coefficients, iterations …). */
  readonly info?: Readonly<Record<string, unknown>>;
}

/** A method of the failure benchmark. */
export interface FailureMethod {
  /** `always_no`, `persistence`, `logistic_regression`, `homeostat` … */
  readonly name: string;
  readonly description: string;
  run(input: MethodInput): MethodOutput;
}

function column(m: FeatureMatrix, name: string): number {
  const j = m.names.indexOf(name);
  if (j < 0) throw invalid(`failure method: expected a feature ${JSON.stringify(name)} (got ${m.names.join(', ')})`);
  return j;
}

/** The always-"no" baseline: probability 0, threshold 0.5. */
export const alwaysNo: FailureMethod = {
  name: 'always_no',
  description: 'baseline: probability 0 for every entity-hour',
  run: (input) => ({ tune: new Float64Array(input.tune.rows), test: new Float64Array(input.test.rows), threshold: 0.5 }),
};

function persistenceOf(m: FeatureMatrix): Float64Array {
  const j = column(m, 'failures_6h');
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = (m.x[i * m.d + j] as number) > 0 ? 1 : 0;
  return out;
}

/** The persistence baseline: probability 1 when the entity had an onset in the last 6 h, threshold 0.5. */
export const persistence: FailureMethod = {
  name: 'persistence',
  description: 'baseline: yes (probability 1) when a failure of the entity started in the last 6 h, else no (0)',
  run: (input) => ({ tune: persistenceOf(input.tune), test: persistenceOf(input.test), threshold: 0.5 }),
};

/** A fitted logistic regression: transform, standardisation and coefficients. */
export interface LogisticModel {
  readonly names: readonly string[];
  /** Per feature: true when log1p(max(0, x)) is taken before standardising. */
  readonly log: readonly boolean[];
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** Coefficients of the standardised features. */
  readonly coef: Float64Array;
  readonly intercept: number;
  readonly iterations: number;
}

/** Options of {@link fitLogistic}. */
export interface LogisticOptions {
  /** L2 penalty on the coefficients (not the intercept). Default 1. */
  readonly l2?: number;
  /** Newton iterations at most. Default 30. */
  readonly maxIterations?: number;
  /** Stop when no coefficient moves more than this. Default 1e-7. */
  readonly tolerance?: number;
}

/** Transforms and standardises one row; a NaN (unknown) feature becomes 0, the mean. */
function transformRow(model: Pick<LogisticModel, 'log' | 'mean' | 'scale'>, x: Float32Array, offset: number, out: Float64Array): void {
  for (let j = 0; j < out.length; j++) {
    let v = x[offset + j] as number;
    if (Number.isNaN(v)) {
      out[j] = 0;
      continue;
    }
    if (model.log[j]) v = Math.log1p(Math.max(0, v));
    out[j] = (v - (model.mean[j] as number)) / (model.scale[j] as number);
  }
}

/**
 * Solves A z = b for a symmetric positive definite A (n × n, row-major) by Cholesky (the models'
 * solver); A is overwritten.
 * @throws HomeostatError invalid_argument when A is not positive definite.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const z = solveSpd(a, b, n);
  if (z === undefined) throw invalid(`choleskySolve: expected a positive definite ${n} × ${n} matrix (a pivot was ≤ 0)`);
  return z;
}

/** Weighted negative log-likelihood plus (l2 / 2)·|coef|² of `beta` (coefficients, then the intercept). */
function penalisedLoss(
  m: FeatureMatrix,
  shape: Pick<LogisticModel, 'log' | 'mean' | 'scale'>,
  beta: Float64Array,
  l2: number,
  row: Float64Array,
): number {
  const d = m.d;
  let loss = 0;
  for (let i = 0; i < m.rows; i++) {
    transformRow(shape, m.x, i * d, row);
    let z = beta[d] as number;
    for (let j = 0; j < d; j++) z += (beta[j] as number) * (row[j] as number);
    // −log σ(z) = softplus(−z), −log(1 − σ(z)) = softplus(z), computed without overflow.
    const t = m.label[i] === 1 ? -z : z;
    loss += (m.weight[i] as number) * (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t)));
  }
  for (let j = 0; j < d; j++) loss += (l2 / 2) * (beta[j] as number) ** 2;
  return loss;
}

/**
 * Fits an L2-penalised logistic regression by Newton's method on the weighted rows of `m`
 * (features: log1p for every kind but flag and level; then standardised by the weighted mean and
 * standard deviation of the known values, a constant feature gets scale 1; a NaN feature is
 * imputed with that mean, i.e. 0 after standardising); each Newton step is halved until the
 * penalised loss does not rise. Deterministic.
 * @throws HomeostatError invalid_argument on an empty matrix or a negative penalty.
 * @example const model = fitLogistic(grid.fit.matrix); predictLogistic(model, grid.test.matrix)
 */
export function fitLogistic(m: FeatureMatrix, options: LogisticOptions = {}): LogisticModel {
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 30;
  const tolerance = options.tolerance ?? 1e-7;
  if (m.rows === 0) throw invalid('fitLogistic: expected at least one row (got 0)');
  if (!(l2 >= 0)) throw invalid(`fitLogistic: l2 must be ≥ 0 (got ${l2})`);
  const d = m.d;
  const log = m.kinds.map((k) => k !== 'flag' && k !== 'level');
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  // Per-feature weight of the known (non-NaN) values: a NaN is imputed with the mean of the rest.
  const known = new Float64Array(d);
  let total = 0;
  const ident = { log, mean: new Float64Array(d), scale: new Float64Array(d).fill(1) };
  const row = new Float64Array(d);
  for (let i = 0; i < m.rows; i++) {
    const w = m.weight[i] as number;
    transformRow(ident, m.x, i * d, row);
    total += w;
    for (let j = 0; j < d; j++) {
      if (Number.isNaN(m.x[i * d + j] as number)) continue;
      known[j] = (known[j] as number) + w;
      mean[j] = (mean[j] as number) + w * (row[j] as number);
    }
  }
  for (let j = 0; j < d; j++) mean[j] = (known[j] as number) > 0 ? (mean[j] as number) / (known[j] as number) : 0;
  for (let i = 0; i < m.rows; i++) {
    const w = m.weight[i] as number;
    transformRow(ident, m.x, i * d, row);
    for (let j = 0; j < d; j++) {
      if (Number.isNaN(m.x[i * d + j] as number)) continue;
      sq[j] = (sq[j] as number) + w * ((row[j] as number) - (mean[j] as number)) ** 2;
    }
  }
  const scale = Float64Array.from(sq, (s, j) => {
    const sd = (known[j] as number) > 0 ? Math.sqrt(s / (known[j] as number)) : 0;
    return sd > 1e-12 ? sd : 1;
  });
  const shape = { log, mean, scale };
  const p1 = d + 1;
  const beta = new Float64Array(p1);
  let base = 0;
  for (let i = 0; i < m.rows; i++) base += (m.weight[i] as number) * (m.label[i] as number);
  const rate = Math.min(1 - 1e-9, Math.max(1e-9, base / total));
  beta[d] = Math.log(rate / (1 - rate));
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const h = new Float64Array(p1 * p1);
    const g = new Float64Array(p1);
    for (let i = 0; i < m.rows; i++) {
      transformRow(shape, m.x, i * d, row);
      let z = beta[d] as number;
      for (let j = 0; j < d; j++) z += (beta[j] as number) * (row[j] as number);
      const p = 1 / (1 + Math.exp(-z));
      const w = m.weight[i] as number;
      const r = w * (p - (m.label[i] as number));
      const c = w * p * (1 - p);
      for (let j = 0; j < d; j++) {
        const xj = row[j] as number;
        g[j] = (g[j] as number) + r * xj;
        const cx = c * xj;
        for (let k = 0; k <= j; k++) h[j * p1 + k] = (h[j * p1 + k] as number) + cx * (row[k] as number);
        h[d * p1 + j] = (h[d * p1 + j] as number) + cx;
      }
      g[d] = (g[d] as number) + r;
      h[d * p1 + d] = (h[d * p1 + d] as number) + c;
    }
    for (let j = 0; j < d; j++) {
      g[j] = (g[j] as number) + l2 * (beta[j] as number);
      h[j * p1 + j] = (h[j * p1 + j] as number) + l2;
    }
    for (let j = 0; j < p1; j++) for (let k = j + 1; k < p1; k++) h[j * p1 + k] = h[k * p1 + j] as number;
    for (let j = 0; j < p1; j++) h[j * p1 + j] = (h[j * p1 + j] as number) + 1e-9;
    const step = choleskySolve(h, g, p1);
    let biggest = 0;
    for (const s of step) biggest = Math.max(biggest, Math.abs(s));
    let damp = biggest > 10 ? 10 / biggest : 1; // keep an early, far-off Newton step from overshooting
    // Backtracking: halve the step until the penalised loss does not rise (near-separable rows,
    // e.g. Platt scaling of a sharp model's margins, make a full Newton step overshoot and oscillate).
    const before = penalisedLoss(m, shape, beta, l2, row);
    const trial = new Float64Array(p1);
    for (let halvings = 0; ; halvings++) {
      for (let j = 0; j < p1; j++) trial[j] = (beta[j] as number) - damp * (step[j] as number);
      if (halvings >= 40 || penalisedLoss(m, shape, trial, l2, row) <= before) break;
      damp /= 2;
    }
    beta.set(trial);
    if (biggest * damp < tolerance) {
      iterations++;
      break;
    }
  }
  return { names: m.names, log, mean, scale, coef: beta.slice(0, d), intercept: beta[d] as number, iterations };
}

/**
 * Probabilities of the rows of `m` under a fitted model.
 * @throws HomeostatError invalid_argument when the feature names differ from the model's.
 */
export function predictLogistic(model: LogisticModel, m: FeatureMatrix): Float64Array {
  if (m.names.join('\u0000') !== model.names.join('\u0000'))
    throw invalid(`predictLogistic: expected features ${model.names.join(', ')} (got ${m.names.join(', ')})`);
  const out = new Float64Array(m.rows);
  const row = new Float64Array(m.d);
  for (let i = 0; i < m.rows; i++) {
    transformRow(model, m.x, i * m.d, row);
    let z = model.intercept;
    for (let j = 0; j < m.d; j++) z += (model.coef[j] as number) * (row[j] as number);
    out[i] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

/**
 * The logistic-regression baseline: fit on `fit`, threshold maximising F1 on `tune`.
 * @param options passed to {@link fitLogistic}.
 */
export function logisticRegression(options: LogisticOptions = {}): FailureMethod {
  const l2 = options.l2 ?? 1;
  return {
    name: 'logistic_regression',
    description: `baseline: L2 logistic regression (l2 ${l2}, Newton/IRLS) on standardised features (log1p of hours, counts and rates), fitted on the first 80 % of the training period; threshold maximising F1 on the last 20 %`,
    run: (input) => {
      const model = fitLogistic(input.fit, options);
      const tune = predictLogistic(model, input.tune);
      const threshold = bestF1Threshold(scoreGroups(tune, input.tune.label, input.tune.weight));
      return {
        tune,
        test: predictLogistic(model, input.test),
        threshold,
        info: {
          iterations: model.iterations,
          intercept: model.intercept,
          coefficients: Object.fromEntries(model.names.map((n, j) => [n, model.coef[j] as number])),
        },
      };
    },
  };
}

/** The baselines, in the order they are reported. */
export function failureBaselines(): FailureMethod[] {
  return [alwaysNo, persistence, logisticRegression()];
}
