/**
 * @module detect/detect-table
 * Batch anomaly detection over a wide metrics table (`homeostat detect`): the same streaming
 * detectors the engine runs, one per metric, learned on a training table then run
 * score-then-learn over the input table, so a row's score never depends on later rows.
 *
 * Per row: `score` = the largest detector raw score over the metrics (robust-σ-like units for
 * the robust detectors); `contributors` = the metrics ranked by their raw score, with expected and
 * actual values. With `detector: 'multi/pca'` one multivariate model is fitted on the training
 * rows instead (it needs a training table) and scores each row as a whole; its contributors rank
 * the metrics by their deviation from the training median. Confidence: a logistic map of the score whose midpoint is the training data's
 * tail — `center = max(minCenter, quantile(trainScores, tailQuantile))`, `width = center / 6` — so
 * a score the training rows exceed only `1 − tailQuantile` of the time is a coin flip and twice
 * that is near certain. It is a prior set from unlabelled training data, not a probability fitted
 * on labels (labels are ignored); `anomaly` = confidence ≥ `threshold`.
 *
 * Works when the training table is mostly normal and comes from the same regime as the input.
 * Fails when the training table is short (the detectors' warm-up leaves few scores: the center
 * falls back to `minCenter`), or holds long anomalies (the tail, hence the threshold, rises).
 */
import { describe, invalid } from '../errors.js';
import type { Attribution } from '../records/types.js';
import type { MetricTable } from '../telemetry/csv-table.js';
import {
  createDetector,
  DEFAULT_DETECTOR_KIND,
  type Detector,
  DEFAULT_MULTI_DETECTOR_KIND,
  fitPcaDetector,
  LogisticCalibrator,
  type MultiDetector,
  pcaDetectorSpec,
} from '../models/index.js';

/** Options of {@link detectTable}. */
export interface DetectOptions {
  /** Detector kind of the catalog. Default {@link DEFAULT_DETECTOR_KIND}. */
  readonly detector?: string;
  /** Its config (unknown keys rejected). Default: the kind's defaults. */
  readonly config?: unknown;
  /** Quantile of the training row scores that maps to confidence 0.5, in (0, 1). Default 0.999. */
  readonly tailQuantile?: number;
  /** Smallest confidence midpoint, in score units. Default 6 (the engine's prior midpoint). */
  readonly minCenter?: number;
  /** Confidence at or above which a row is flagged, in (0, 1]. Default 0.5. */
  readonly threshold?: number;
  /** Contributors kept per row. Default 3. */
  readonly maxContributors?: number;
}

/** One scored input row. */
export interface DetectRow {
  /** Epoch ms of the row. */
  readonly t: number;
  /** Largest raw score over the metrics; NaN while every detector warms up or no value is finite. */
  readonly score: number;
  /** Probability-like confidence in [0, 1]; NaN when `score` is NaN. */
  readonly confidence: number;
  readonly anomaly: boolean;
  /** Metrics ranked by raw score (at most `maxContributors`), weight = that metric's raw score. */
  readonly contributors: readonly Attribution[];
}

/** Result of {@link detectTable}. */
export interface DetectResult {
  readonly rows: readonly DetectRow[];
  readonly detector: string;
  /** Confidence midpoint (score units) and width of the logistic map. */
  readonly center: number;
  readonly width: number;
  /** Training rows that produced a score (after warm-up). */
  readonly trainScored: number;
}

const DEFAULTS = { tailQuantile: 0.999, minCenter: 6, threshold: 0.5, maxContributors: 3 } as const;

function checkOption(name: string, value: number, ok: boolean, expected: string): void {
  if (!ok) throw invalid(`detect: ${name} must be ${expected} (got ${describe(value)})`);
}

/** Quantile (linear interpolation) of the finite values; NaN when there are none. */
function quantile(values: readonly number[], q: number): number {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const pos = q * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, xs.length - 1);
  return (xs[lo] as number) + ((xs[hi] as number) - (xs[lo] as number)) * (pos - lo);
}

/**
 * Scores every row of `input` after learning `train` (optional: without it the detectors learn
 * from the input's own past only and the center is `minCenter`).
 * @throws HomeostatError `invalid_argument` when the input lacks a training metric, for an unknown
 * detector kind or config, or for an out-of-range option.
 * @example detectTable(parseMetricTable(trainCsv), parseMetricTable(testCsv)).rows[0].confidence
 */
export function detectTable(train: MetricTable | undefined, input: MetricTable, options: DetectOptions = {}): DetectResult {
  const kind = options.detector ?? DEFAULT_DETECTOR_KIND;
  const tailQuantile = options.tailQuantile ?? DEFAULTS.tailQuantile;
  const minCenter = options.minCenter ?? DEFAULTS.minCenter;
  const threshold = options.threshold ?? DEFAULTS.threshold;
  const maxContributors = options.maxContributors ?? DEFAULTS.maxContributors;
  checkOption('tailQuantile', tailQuantile, tailQuantile > 0 && tailQuantile < 1, 'a number in (0, 1)');
  checkOption('minCenter', minCenter, Number.isFinite(minCenter) && minCenter > 0, 'a number > 0');
  checkOption('threshold', threshold, threshold > 0 && threshold <= 1, 'a number in (0, 1]');
  checkOption('maxContributors', maxContributors, Number.isInteger(maxContributors) && maxContributors >= 1, 'an integer ≥ 1');

  const metrics = train?.metrics ?? input.metrics;
  if (train !== undefined) {
    const missing = train.metrics.filter((m) => !input.metrics.includes(m));
    if (missing.length > 0) {
      throw invalid(
        `detect: the input has no column ${missing.map((m) => describe(m)).join(', ')} (expected the training columns ${train.metrics.join(', ')}; got ${input.metrics.join(', ')})`,
      );
    }
  }
  const inputCols = metrics.map((m) => input.columns[input.metrics.indexOf(m)] as Float64Array);
  const rowScorer =
    kind === DEFAULT_MULTI_DETECTOR_KIND ? multiScorer(train, options.config) : perMetricScorer(metrics, kind, options.config);

  const trainScores: number[] = [];
  if (train !== undefined) {
    for (let i = 0; i < train.timestamps.length; i++) {
      const scored = rowScorer(train.timestamps[i] as number, train.columns, i);
      if (scored.length > 0) trainScores.push((scored[0] as Attribution).weight);
    }
  }
  const tail = quantile(trainScores, tailQuantile);
  const center = Number.isFinite(tail) ? Math.max(minCenter, tail) : minCenter;
  const width = center / 6;
  const calibrator = new LogisticCalibrator({ center, width });

  const rows: DetectRow[] = [];
  for (let i = 0; i < input.timestamps.length; i++) {
    const t = input.timestamps[i] as number;
    const scored = rowScorer(t, inputCols, i);
    const score = scored.length > 0 ? (scored[0] as Attribution).weight : Number.NaN;
    const confidence = Number.isFinite(score) ? calibrator.calibrate(score) : Number.NaN;
    const contributors = kind === DEFAULT_MULTI_DETECTOR_KIND ? scored.slice(1) : scored;
    rows.push({ t, score, confidence, anomaly: confidence >= threshold, contributors: contributors.slice(0, maxContributors) });
  }
  return { rows, detector: kind, center, width, trainScored: trainScores.length };
}

/**
 * Scores row `i` of `columns` score-then-learn: the scored entries, highest first. For per-metric
 * detectors each entry is a metric (weight = its raw score); for a multivariate model the first
 * entry is the row's score and the rest its contributors.
 */
type RowScorer = (t: number, columns: readonly Float64Array[], i: number) => Attribution[];

/** One catalog detector per metric; the row's entries are the metrics ranked by raw score. */
function perMetricScorer(metrics: readonly string[], kind: string, config: unknown): RowScorer {
  const detectors: Detector[] = metrics.map(() => createDetector(kind, config));
  return (t, columns, i) => {
    const scored: Attribution[] = [];
    detectors.forEach((d, j) => {
      const p = { t, v: (columns[j] as Float64Array)[i] as number };
      const s = d.score(p);
      if (s !== undefined) scored.push({ name: metrics[j] as string, weight: s.raw, expected: s.expected, actual: s.actual });
      d.learn(p);
    });
    return scored.sort((a, b) => b.weight - a.weight);
  };
}

/** `multi/pca` fitted on the training table; the row's first entry is its score, then its contributors by |deviation|. */
function multiScorer(train: MetricTable | undefined, config: unknown): RowScorer {
  if (train === undefined) throw invalid(`detect: ${DEFAULT_MULTI_DETECTOR_KIND} is fitted on history: give a training table (--train)`);
  const parsed = pcaDetectorSpec.parse(config);
  const rows: Float64Array[] = [];
  for (let i = 0; i < train.timestamps.length; i++) rows.push(Float64Array.from(train.columns, (c) => c[i] as number));
  const model: MultiDetector = fitPcaDetector(parsed, train.metrics, rows);
  return (t, columns, i) => {
    const row = Float64Array.from(columns, (c) => c[i] as number);
    const s = model.score(t, row);
    model.learn(t, row);
    if (s === undefined) return [];
    const contributors = [...s.contributors].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
    return [{ name: 'score', weight: s.raw }, ...contributors];
  };
}

/** Formats a number for CSV output: up to 6 significant digits, `''` for NaN. */
function num(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  return String(Number(x.toPrecision(6)));
}

/**
 * Renders `rows` as CSV: header `timestamp,score,confidence,anomaly,contributors`, ISO timestamps,
 * anomaly as 0/1, contributors as `metric=score (expected E, actual A)` joined by `; ` in one quoted field.
 */
export function detectCsv(rows: readonly DetectRow[]): string {
  const lines = ['timestamp,score,confidence,anomaly,contributors'];
  for (const r of rows) {
    const contributors = r.contributors
      .map((c) => `${c.name}=${num(c.weight)} (expected ${num(c.expected)}, actual ${num(c.actual)})`)
      .join('; ')
      .replaceAll('"', '""');
    lines.push(`${new Date(r.t).toISOString()},${num(r.score)},${num(r.confidence)},${r.anomaly ? 1 : 0},"${contributors}"`);
  }
  return `${lines.join('\n')}\n`;
}
