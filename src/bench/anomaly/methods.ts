/**
 * @module bench/anomaly/methods
 * The methods the anomaly benchmark compares, behind two small shapes: a {@link SeriesMethod}
 * scores one univariate series from its first point (NAB, KPI, and each SMD metric), a
 * {@link MatrixMethod} learns an SMD machine's training rows and scores its test rows (with a
 * per-metric share of the score, for attribution). Homeostat's detectors enter through the model
 * catalog, streaming score-then-learn, exactly as the engine runs them; the baselines are
 * computed here.
 */
import { createDetector, type Detector, fitPcaDetector, pcaDetectorSpec } from '../../models/index.js';

/** A univariate method: raw score per point (NaN where it does not score), no look-ahead. */
export interface SeriesMethod {
  readonly name: string;
  readonly description: string;
  /** Scores `values` (epoch-ms `timestamps`) from the first point on. */
  run(values: Float64Array, timestamps: Float64Array): Float64Array;
}

/** Scores of one machine by a {@link MatrixMethod}. */
export interface MatrixScores {
  /** Score per training row (for thresholds learned from training data). */
  readonly train: Float64Array;
  /** Score per test row. */
  readonly test: Float64Array;
  /** Per metric, its contribution to each test row's score (ranks metrics for attribution). */
  readonly perMetric: readonly Float64Array[];
}

/** A multivariate method over one machine's metric columns: learn train, then score test. */
export interface MatrixMethod {
  readonly name: string;
  readonly description: string;
  run(train: readonly Float64Array[], test: readonly Float64Array[]): MatrixScores;
}

/** Rolling window of the `robust_z_rolling` baseline, in points. */
export const ROLLING_WINDOW = 120;
/** Points the rolling baseline needs before it scores. */
export const ROLLING_MIN_POINTS = 30;

function lowerBound(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Causal rolling-window robust z-score of each point against the previous `window` finite points:
 * |x − median| / max(1.4826·MAD, 0.01·|median|, 1e-3). NaN while fewer than `minPoints` points
 * were seen, and for a non-finite x (which is not added to the window). O(window) per point.
 * @example rollingRobustZ([1, 2, 1, 2, 10], 4, 4) // [NaN, NaN, NaN, NaN, 8.5 / (1.4826·0.5) ≈ 11.47]
 */
export function rollingRobustZ(values: ArrayLike<number>, window = ROLLING_WINDOW, minPoints = ROLLING_MIN_POINTS): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const sorted = new Float64Array(window + 1);
  const ring = new Float64Array(window);
  let count = 0;
  let head = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    if (count >= minPoints && Number.isFinite(x)) {
      const mid = count >> 1;
      const med = count & 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
      // k-th smallest |a − med| by merging outward from the median.
      let l = lowerBound(sorted, count, med) - 1;
      let r = l + 1;
      const k = (count - 1) >> 1;
      let prev = 0;
      let cur = 0;
      for (let j = 0; j <= k + 1 - (count & 1); j++) {
        const dl = l >= 0 ? med - (sorted[l] as number) : Number.POSITIVE_INFINITY;
        const dr = r < count ? (sorted[r] as number) - med : Number.POSITIVE_INFINITY;
        prev = cur;
        if (dl <= dr) {
          cur = dl;
          l--;
        } else {
          cur = dr;
          r++;
        }
      }
      const mad = count & 1 ? cur : (prev + cur) / 2;
      const scale = Math.max(1.4826 * mad, 0.01 * Math.abs(med), 1e-3);
      out[i] = Math.abs(x - med) / scale;
    } else out[i] = Number.NaN;
    if (!Number.isFinite(x)) continue;
    if (count === window) {
      const old = ring[head] as number;
      const at = lowerBound(sorted, count, old);
      sorted.copyWithin(at, at + 1, count);
      count--;
    }
    ring[head] = x;
    head = (head + 1) % window;
    const at = lowerBound(sorted, count, x);
    sorted.copyWithin(at + 1, at, count);
    sorted[at] = x;
    count++;
  }
  return out;
}

/** Runs a fresh detector score-then-learn over the points; NaN where it does not score. */
export function detectorScores(detector: Detector, values: ArrayLike<number>, timestamps: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const p = { t: timestamps[i] as number, v: values[i] as number };
    out[i] = detector.score(p)?.raw ?? Number.NaN;
    detector.learn(p);
  }
  return out;
}

/**
 * A Homeostat detector of the catalog as a method: one fresh detector per series.
 * @example detectorMethod('seasonal_robust', 'detector/seasonal-robust')
 */
export function detectorMethod(name: string, kind: string, config?: unknown, description?: string): SeriesMethod {
  createDetector(kind, config); // fail now, with the catalog's message, on a bad kind or config
  return {
    name,
    description: description ?? `${kind}${config === undefined ? ' (defaults)' : ` ${JSON.stringify(config)}`}, streaming score-then-learn`,
    run: (values, timestamps) => detectorScores(createDetector(kind, config), values, timestamps),
  };
}

/** The `robust_z_rolling` baseline as a method. */
export const ROLLING_BASELINE: SeriesMethod = {
  name: 'robust_z_rolling',
  description: `baseline: causal rolling median/MAD z over the previous ${ROLLING_WINDOW} points (≥ ${ROLLING_MIN_POINTS}), scale floor max(0.01·|median|, 1e-3)`,
  run: (values) => rollingRobustZ(values),
};

/** SMD rows are one minute apart; row i is at i minutes (train) and trainRows + i (test). */
const MINUTE = 60_000;

function minutes(from: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (from + i) * MINUTE;
  return out;
}

/** Row-wise max of the columns (NaN where every column is NaN). */
export function maxOver(columns: readonly Float64Array[], rows: number): Float64Array {
  const out = new Float64Array(rows).fill(Number.NaN);
  for (const col of columns) {
    for (let i = 0; i < rows; i++) {
      const v = col[i] as number;
      if (v > (out[i] as number) || (Number.isNaN(out[i] as number) && !Number.isNaN(v))) out[i] = v;
    }
  }
  return out;
}

/**
 * A univariate method lifted to a machine: one series per metric over train then test (the
 * test continues the train stream), score = max over metrics, per-metric shares = each metric's score.
 */
export function maxOverMetrics(method: SeriesMethod, name = method.name): MatrixMethod {
  return {
    name,
    description: `${method.description}; one per metric over train then test, max over metrics`,
    run: (train, test) => {
      const trainRows = train[0]?.length ?? 0;
      const testRows = test[0]?.length ?? 0;
      const times = minutes(0, trainRows + testRows);
      const trainCols: Float64Array[] = [];
      const testCols: Float64Array[] = [];
      for (let c = 0; c < test.length; c++) {
        const all = new Float64Array(trainRows + testRows);
        all.set(train[c] as Float64Array, 0);
        all.set(test[c] as Float64Array, trainRows);
        const z = method.run(all, times);
        trainCols.push(z.subarray(0, trainRows));
        testCols.push(z.subarray(trainRows));
      }
      return { train: maxOver(trainCols, trainRows), test: maxOver(testCols, testRows), perMetric: testCols };
    },
  };
}

/** Median of the finite values (NaN when none). */
function median(values: ArrayLike<number>): number {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i] as number)) xs.push(values[i] as number);
  if (xs.length === 0) return Number.NaN;
  xs.sort((a, b) => a - b);
  const m = xs.length >> 1;
  return xs.length & 1 ? (xs[m] as number) : ((xs[m - 1] as number) + (xs[m] as number)) / 2;
}

/**
 * The issue's SMD baseline: per-metric robust z against the TRAINING median and MAD (static, not
 * learned online), |x − median| / max(1.4826·MAD, 1e-3), max over metrics.
 */
export const TRAIN_ROBUST_Z_BASELINE: MatrixMethod = {
  name: 'robust_z_train',
  description: 'baseline: per-metric robust z against the training median and 1.4826·MAD (floor 1e-3), max over metrics',
  run: (train, test) => {
    const trainRows = train[0]?.length ?? 0;
    const testRows = test[0]?.length ?? 0;
    const trainCols: Float64Array[] = [];
    const testCols: Float64Array[] = [];
    for (let c = 0; c < test.length; c++) {
      const tr = train[c] as Float64Array;
      const med = median(tr);
      const dev = new Float64Array(tr.length);
      for (let i = 0; i < tr.length; i++) dev[i] = Math.abs((tr[i] as number) - med);
      const scale = Math.max(1.4826 * median(dev), 1e-3);
      const z = (col: Float64Array): Float64Array =>
        col.map((x) => (Number.isFinite(x) && Number.isFinite(med) ? Math.abs(x - med) / scale : Number.NaN));
      trainCols.push(z(tr));
      testCols.push(z(test[c] as Float64Array));
    }
    return { train: maxOver(trainCols, trainRows), test: maxOver(testCols, testRows), perMetric: testCols };
  },
};

/**
 * Homeostat's multivariate detector (`multi/pca`, its defaults unless `config` is given) as a
 * machine method: fitted on the training rows, then run score-then-learn over train (for the
 * threshold) and on into test (the score's smoothing carries over). Per-metric shares = each
 * metric's |weight| among the row's contributors (its |z| from the training median by default).
 */
export function pcaMethod(name: string, config?: unknown, description?: string): MatrixMethod {
  const parsed = pcaDetectorSpec.parse({ maxContributors: 1000, ...(config as object | undefined) });
  return {
    name,
    description:
      description ??
      `multi/pca ${config === undefined ? '(defaults)' : JSON.stringify(config)} fitted on the training rows, score-then-learn over train and test`,
    run: (train, test) => {
      const metrics = test.map((_, c) => `m${c + 1}`);
      const trainRows = train[0]?.length ?? 0;
      const testRows = test[0]?.length ?? 0;
      const rowOf = (cols: readonly Float64Array[], i: number): Float64Array => Float64Array.from(cols, (col) => col[i] as number);
      const trainRowList: Float64Array[] = [];
      for (let i = 0; i < trainRows; i++) trainRowList.push(rowOf(train, i));
      const model = fitPcaDetector(parsed, metrics, trainRowList);
      const trainScores = new Float64Array(trainRows);
      trainRowList.forEach((row, i) => {
        trainScores[i] = model.score(i * MINUTE, row)?.raw ?? Number.NaN;
        model.learn(i * MINUTE, row);
      });
      const testScores = new Float64Array(testRows);
      const perMetric = test.map(() => new Float64Array(testRows));
      const index = new Map(metrics.map((m, c) => [m, c]));
      for (let i = 0; i < testRows; i++) {
        const row = rowOf(test, i);
        const t = (trainRows + i) * MINUTE;
        const s = model.score(t, row);
        testScores[i] = s?.raw ?? Number.NaN;
        for (const c of s?.contributors ?? []) {
          const col = index.get(c.name);
          if (col !== undefined) (perMetric[col] as Float64Array)[i] = Math.abs(c.weight);
        }
        model.learn(t, row);
      }
      return { train: trainScores, test: testScores, perMetric };
    },
  };
}
