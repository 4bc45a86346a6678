/**
 * @module bench/anomaly/run
 * The anomaly benchmark harness (`homeostat bench anomaly`): scores NAB, SMD and KPI laid out as
 * in `../shared/datasets/README.md` with today's default detector and a baseline computed in the
 * same run, and writes `OUT/anomaly/metrics.json`, per-series score CSVs and an HTML report.
 *
 * Methods:
 * - `homeostat`: the engine's default detector, `detector/robust-z` with its defaults, one per
 *   series (per metric for SMD, the point score being the max over the 38 metrics), streaming
 *   score-then-learn from the first point; confidence = the `calibrator/logistic` probability of
 *   the raw score (its prior where no training labels exist: SMD train and NAB; fitted on the
 *   first-half labels for KPI).
 * - `robust_z_rolling`: a plain causal rolling-window robust z, |x − median| / (1.4826·MAD) over
 *   the previous {@link ROLLING_WINDOW} points (at least {@link ROLLING_MIN_POINTS}), with the
 *   same scale floor as robust-z (max(0.01·|median|, 1e-3)); max over metrics for SMD.
 *
 * Protocol (no setting is chosen on the part a figure is reported on):
 * - SMD: learn on train, score test. Threshold = the {@link SMD_TRAIN_QUANTILE} quantile of the
 *   method's train scores (train has no labels). Attribution HitRate ranks the metrics by their
 *   max per-metric robust z over the labelled segment; an interpretation line is matched to the
 *   labelled segment with the same start (the file's end is one row past the segment).
 * - KPI: chronological 50/50 split per KPI; the threshold maximises point F1 on the first half's
 *   labels (the {@link SMD_TRAIN_QUANTILE} quantile of first-half scores when the first half has
 *   no anomaly); the second half is reported. Series with no anomaly in the second half are left
 *   out of the point-wise and PR-AUC means (counted) but their alarms count in the pooled event
 *   figures.
 * - NAB: every series scored; the detection threshold is swept per application profile over the
 *   whole corpus and the best score kept — NAB's own published procedure (numenta/NAB
 *   `sweeper.py`), so NAB figures are comparable to the scoreboard but not "threshold from
 *   training data".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAlarmRule, type LogisticCalibrator, logisticCalibratorSpec, type RobustZ, robustZSpec } from '../../models/index.js';
import { readKpi, readNab, readSmd, type KpiSeries, type NabSeries, type SmdMachine } from './datasets.js';
import {
  eventMetrics,
  hitRate,
  NAB_PROFILES,
  nabScore,
  pointMetrics,
  poolEventMetrics,
  prAuc,
  segments,
  type EventMetrics,
  type NabFile,
  type NabProfileName,
} from './metrics.js';
import { renderAnomalyReport, type ReportChart } from './report.js';

/** Rolling window of the `robust_z_rolling` baseline, in points. */
export const ROLLING_WINDOW = 120;
/** Points the rolling baseline needs before it scores. */
export const ROLLING_MIN_POINTS = 30;
/** Quantile of the train scores used as SMD threshold (and KPI's fallback). */
export const SMD_TRAIN_QUANTILE = 0.99;
/** NAB's probationary share of each file (not scored). */
export const NAB_PROBATION = 0.15;

/** The methods compared. */
export type AnomalyMethod = 'homeostat' | 'robust_z_rolling';
/** The datasets read. */
export type AnomalyDataset = 'nab' | 'smd' | 'kpi';

const METHODS: readonly AnomalyMethod[] = ['homeostat', 'robust_z_rolling'];

/** One method's figures on one dataset: metric name → number, with optional per-series figures. */
export interface MethodMetrics {
  readonly [metric: string]: number | Readonly<Record<string, Readonly<Record<string, number>>>> | undefined;
  readonly series?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** The content of `OUT/anomaly/metrics.json` (the datasets README's "Benchmark output"). */
export interface AnomalyBenchMetrics {
  readonly task: 'anomaly';
  readonly data: string;
  readonly datasets: Partial<Record<AnomalyDataset, Record<AnomalyMethod, MethodMetrics>>>;
  /** Dataset → why it was skipped. */
  readonly skipped: Partial<Record<AnomalyDataset, string>>;
  /** The protocol and settings behind the figures, one sentence each. */
  readonly notes: readonly string[];
  readonly seconds: number;
}

/** Options of {@link runAnomalyBench}. */
export interface AnomalyBenchOptions {
  /** Datasets root (the folder holding `anomaly/`). */
  readonly root: string;
  /** Output folder; writes `OUT/anomaly/...`. Undefined = write nothing. */
  readonly out?: string;
  /** Called after each series (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Receives one line per skipped dataset or series. Default: stderr. */
  readonly onLog?: (line: string) => void;
  /** Series per dataset drawn in the HTML report. Default 2. */
  readonly charts?: number;
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

/** Streaming robust-z (score then learn) over `values`; NaN where it does not score. */
function robustZScores(values: ArrayLike<number>, detector: RobustZ = robustZSpec.create(robustZSpec.defaults)): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const p = { t: i, v: values[i] as number };
    out[i] = detector.score(p)?.raw ?? Number.NaN;
    detector.learn(p);
  }
  return out;
}

/**
 * The `q` quantile (lower order statistic, index ⌊q·(m − 1)⌋) of the finite values; +Infinity
 * when there is none (so nothing is flagged).
 * @example quantile([3, 1, 2, NaN], 0.5) // 2
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const finite = finiteSorted(values);
  if (finite.length === 0) return Number.POSITIVE_INFINITY;
  return finite[Math.floor(q * (finite.length - 1))] as number;
}

function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v) || v === Number.POSITIVE_INFINITY) out.push(v);
  }
  return Float64Array.from(out).sort();
}

/**
 * The threshold (flag when score ≥ threshold) that maximises point F1 on labelled scores; ties go
 * to the higher threshold. +Infinity when no point is labelled.
 * @example bestF1Threshold([0, 1, 0, 1], [1, 5, 2, 4]) // 4 (F1 1)
 */
export function bestF1Threshold(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  if (positives === 0) return Number.POSITIVE_INFINITY;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(scores[i] as number)) order.push(i);
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let tp = 0;
  let seen = 0;
  let best = -1;
  let threshold = Number.POSITIVE_INFINITY;
  let i = 0;
  while (i < order.length) {
    const value = scores[order[i] as number] as number;
    while (i < order.length && scores[order[i] as number] === value) {
      if (labels[order[i] as number]) tp++;
      seen++;
      i++;
    }
    const f1 = (2 * tp) / (seen + positives);
    if (f1 > best) {
      best = f1;
      threshold = value;
    }
  }
  return threshold;
}

function flagsAt(scores: Float64Array, threshold: number): Uint8Array {
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = (scores[i] as number) >= threshold ? 1 : 0;
  return out;
}

/**
 * Alarms of the alarm rule for one series at a raw-score threshold: the rule works on calibrated
 * confidences (clear under the confidence of z 3, suppress `suppressPoints`, re-notify every 60).
 */
function alarmsAt(scores: Float64Array, rawThreshold: number, calibrator: LogisticCalibrator, suppressPoints: number): Uint8Array {
  const out = new Uint8Array(scores.length);
  if (rawThreshold === Number.POSITIVE_INFINITY) return out;
  const rule = createAlarmRule({
    threshold: calibrator.calibrate(rawThreshold),
    clearThreshold: Math.min(calibrator.calibrate(3), calibrator.calibrate(rawThreshold)),
    suppressPoints,
    renotifyPoints: 60,
  });
  for (let i = 0; i < scores.length; i++) {
    const r = scores[i] as number;
    out[i] = rule.step(Number.isNaN(r) ? undefined : calibrator.calibrate(r)) ? 1 : 0;
  }
  return out;
}

/** NAB's window size in points (10 % of a file ÷ its number of windows), the median over files with windows. */
function nabWindowPoints(series: readonly NabSeries[]): number {
  const sizes = series.filter((s) => s.windows.length > 0).map((s) => (0.1 * s.values.length) / s.windows.length);
  if (sizes.length === 0) return 60;
  sizes.sort((a, b) => a - b);
  return Math.max(1, Math.round(sizes[Math.floor((sizes.length - 1) / 2)] as number));
}

function round(x: number, digits = 4): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function mean(xs: readonly number[]): number {
  const ok = xs.filter((x) => !Number.isNaN(x));
  return ok.length === 0 ? Number.NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
}

/** A reported part of one series, scored by one method at its chosen threshold. */
interface Scored {
  readonly labels: Uint8Array;
  readonly scores: Float64Array;
  readonly threshold: number;
}

/** Series-level and pooled figures of the point/event protocol (SMD and KPI). */
class PointEventAccumulator {
  readonly series: Record<string, Record<string, number>> = {};
  readonly #events: EventMetrics[] = [];
  readonly #precision: number[] = [];
  readonly #recall: number[] = [];
  readonly #f1: number[] = [];
  readonly #prAuc: number[] = [];
  skippedNoAnomaly = 0;

  add(name: string, s: Scored, extra: Record<string, number> = {}): Uint8Array {
    const flags = flagsAt(s.scores, s.threshold);
    const ev = eventMetrics(s.labels, flags);
    this.#events.push(ev);
    const hasAnomaly = s.labels.some((l) => l === 1);
    const row: Record<string, number> = { threshold: round(s.threshold), event_alarms: ev.alarms, event_true_alarms: ev.trueAlarms };
    if (hasAnomaly) {
      const pm = pointMetrics(s.labels, flags);
      const ap = prAuc(s.labels, s.scores);
      this.#precision.push(pm.precision);
      this.#recall.push(pm.recall);
      this.#f1.push(pm.f1);
      this.#prAuc.push(ap);
      Object.assign(row, {
        point_precision: round(pm.precision),
        point_recall: round(pm.recall),
        point_f1: round(pm.f1),
        pr_auc: round(ap),
      });
    } else this.skippedNoAnomaly++;
    Object.assign(row, extra);
    this.series[name] = row;
    return flags;
  }

  summary(): Record<string, number> {
    const pooled = poolEventMetrics(this.#events);
    return {
      point_precision: round(mean(this.#precision)),
      point_recall: round(mean(this.#recall)),
      point_f1: round(mean(this.#f1)),
      pr_auc: round(mean(this.#prAuc)),
      event_precision: round(pooled.precision),
      event_recall: round(pooled.recall),
      event_alarms: pooled.alarms,
      event_segments: pooled.segments,
    };
  }
}

interface Timer {
  seconds: number;
  points: number;
}

function timed<T>(timer: Timer, points: number, f: () => T): T {
  const start = performance.now();
  const out = f();
  timer.seconds += (performance.now() - start) / 1000;
  timer.points += points;
  return out;
}

function speed(t: Timer): Record<string, number> {
  return { points_per_s: Math.round(t.points / Math.max(t.seconds, 1e-9)), seconds: round(t.seconds, 3) };
}

/** Writes one score CSV: `index,timestamp,score,confidence,anomaly`. */
function writeScores(
  file: string,
  from: number,
  timestamps: ((i: number) => string) | undefined,
  scores: Float64Array,
  confidence: (raw: number) => number,
  flags: Uint8Array,
): void {
  const rows: string[] = ['index,timestamp,score,confidence,anomaly'];
  for (let j = 0; j < scores.length; j++) {
    const i = from + j;
    const s = scores[j] as number;
    const ok = !Number.isNaN(s);
    rows.push(`${i},${timestamps ? timestamps(i) : i},${ok ? round(s, 6) : ''},${ok ? round(confidence(s), 6) : ''},${flags[j]}`);
  }
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${rows.join('\n')}\n`);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** What one dataset run adds to the bench. */
interface DatasetResult {
  readonly metrics: Record<AnomalyMethod, MethodMetrics>;
  readonly charts: ReportChart[];
  readonly notes: string[];
}

interface Context {
  readonly out: string | undefined;
  readonly charts: number;
  readonly tick: () => void;
}

function chartOf(
  title: string,
  values: ArrayLike<number>,
  labels: ArrayLike<number>,
  scores: Float64Array,
  flags: Uint8Array,
  threshold: number,
): ReportChart {
  return { title, values: Float64Array.from(values as ArrayLike<number>), labels: Uint8Array.from(labels), scores, flags, threshold };
}

function runSmd(machines: readonly SmdMachine[], ctx: Context): DatasetResult {
  const acc = { homeostat: new PointEventAccumulator(), robust_z_rolling: new PointEventAccumulator() };
  const timers: Record<AnomalyMethod, Timer> = { homeostat: { seconds: 0, points: 0 }, robust_z_rolling: { seconds: 0, points: 0 } };
  const hits: Record<AnomalyMethod, { h100: number[]; h150: number[] }> = {
    homeostat: { h100: [], h150: [] },
    robust_z_rolling: { h100: [], h150: [] },
  };
  let unmatched = 0;
  let lines = 0;
  const calibrator = logisticCalibratorSpec.create(logisticCalibratorSpec.defaults);
  const charts: ReportChart[] = [];
  for (const m of machines) {
    const trainRows = m.train[0]?.length ?? 0;
    const testRows = m.test[0]?.length ?? 0;
    const points = (trainRows + testRows) * m.test.length;
    const perMetric: Record<AnomalyMethod, { train: Float64Array[]; test: Float64Array[] }> = {
      homeostat: timed(timers.homeostat, points, () => {
        const train: Float64Array[] = [];
        const test: Float64Array[] = [];
        for (let c = 0; c < m.test.length; c++) {
          const d = robustZSpec.create(robustZSpec.defaults);
          train.push(robustZScores(m.train[c] as Float64Array, d));
          test.push(robustZScores(m.test[c] as Float64Array, d));
        }
        return { train, test };
      }),
      robust_z_rolling: timed(timers.robust_z_rolling, points, () => {
        const train: Float64Array[] = [];
        const test: Float64Array[] = [];
        for (let c = 0; c < m.test.length; c++) {
          const all = new Float64Array(trainRows + testRows);
          all.set(m.train[c] as Float64Array, 0);
          all.set(m.test[c] as Float64Array, trainRows);
          const z = rollingRobustZ(all);
          train.push(z.subarray(0, trainRows));
          test.push(z.subarray(trainRows));
        }
        return { train, test };
      }),
    };
    const labelled = segments(m.labels);
    for (const method of METHODS) {
      const { train, test } = perMetric[method];
      const trainMax = maxOver(train, trainRows);
      const testMax = maxOver(test, testRows);
      const threshold = quantile(trainMax, SMD_TRAIN_QUANTILE);
      const h100: number[] = [];
      const h150: number[] = [];
      for (const line of m.interpretation) {
        const seg = labelled.find(([s]) => s === line.start);
        if (method === 'homeostat') {
          lines++;
          if (!seg) unmatched++;
        }
        const [from, to] = seg ?? [line.start, Math.max(line.start, line.end - 1)];
        const ranking = rankMetrics(test, from, Math.min(to, testRows - 1));
        h100.push(hitRate(line.dims, ranking, 100));
        h150.push(hitRate(line.dims, ranking, 150));
      }
      const extra: Record<string, number> = {};
      if (h100.length > 0) {
        extra.hitrate_100 = round(mean(h100));
        extra.hitrate_150 = round(mean(h150));
        hits[method].h100.push(mean(h100));
        hits[method].h150.push(mean(h150));
      }
      const flags = acc[method].add(m.name, { labels: m.labels, scores: testMax, threshold }, extra);
      if (method === 'homeostat') {
        if (ctx.out) {
          writeScores(
            join(ctx.out, 'anomaly', 'scores', 'smd', `${m.name}.csv`),
            0,
            undefined,
            testMax,
            (r) => calibrator.calibrate(r),
            flags,
          );
        }
        if (charts.length < ctx.charts && labelled.length > 0) {
          const col = (m.interpretation[0]?.dims[0] ?? 1) - 1;
          charts.push(
            chartOf(
              `smd ${m.name} (test; values of metric ${col + 1}; score = max over metrics)`,
              m.test[col] as Float64Array,
              m.labels,
              testMax,
              flags,
              threshold,
            ),
          );
        }
      }
    }
    ctx.tick();
  }
  const metrics = {} as Record<AnomalyMethod, MethodMetrics>;
  for (const method of METHODS) {
    metrics[method] = {
      ...acc[method].summary(),
      hitrate_100: round(mean(hits[method].h100)),
      hitrate_150: round(mean(hits[method].h150)),
      machines: machines.length,
      ...speed(timers[method]),
      series: acc[method].series,
    };
  }
  return {
    metrics,
    charts,
    notes: [
      `smd: learn on train, report test; threshold = the ${SMD_TRAIN_QUANTILE} quantile of the method's train scores (max over metrics); no point-adjust.`,
      `smd: homeostat confidence = calibrator/logistic prior (center 6, width 1), not fitted: SMD train has no labels.`,
      `smd: HitRate ranks metrics by their max per-metric robust z over the labelled segment; interpretation lines matched to labelled segments by start (the file's end is one past the last labelled row); ${unmatched} of ${lines} lines matched no segment start and used [start, end − 1].`,
    ],
  };
}

function maxOver(columns: readonly Float64Array[], rows: number): Float64Array {
  const out = new Float64Array(rows).fill(Number.NaN);
  for (const col of columns) {
    for (let i = 0; i < rows; i++) {
      const v = col[i] as number;
      if (v > (out[i] as number) || (Number.isNaN(out[i] as number) && !Number.isNaN(v))) out[i] = v;
    }
  }
  return out;
}

/** 1-based metric columns ranked by their max score over rows [from, to], highest first. */
function rankMetrics(columns: readonly Float64Array[], from: number, to: number): number[] {
  const best = columns.map((col) => {
    let b = Number.NEGATIVE_INFINITY;
    for (let i = from; i <= to; i++) {
      const v = col[i] as number;
      if (v > b) b = v;
    }
    return b;
  });
  return best
    .map((_, c) => c)
    .sort((a, b) => (best[b] as number) - (best[a] as number) || a - b)
    .map((c) => c + 1);
}

function runKpi(series: readonly KpiSeries[], ctx: Context): DatasetResult {
  const acc = { homeostat: new PointEventAccumulator(), robust_z_rolling: new PointEventAccumulator() };
  const timers: Record<AnomalyMethod, Timer> = { homeostat: { seconds: 0, points: 0 }, robust_z_rolling: { seconds: 0, points: 0 } };
  const charts: ReportChart[] = [];
  let fallback = 0;
  for (const s of series) {
    const n = s.values.length;
    const half = Math.floor(n / 2);
    const all: Record<AnomalyMethod, Float64Array> = {
      homeostat: timed(timers.homeostat, n, () => robustZScores(s.values)),
      robust_z_rolling: timed(timers.robust_z_rolling, n, () => rollingRobustZ(s.values)),
    };
    const firstLabels = s.labels.subarray(0, half);
    const labels = s.labels.subarray(half);
    const firstHasAnomaly = firstLabels.some((l) => l === 1);
    if (!firstHasAnomaly) fallback++;
    for (const method of METHODS) {
      const first = all[method].subarray(0, half);
      const second = all[method].subarray(half);
      const threshold = firstHasAnomaly ? bestF1Threshold(firstLabels, first) : quantile(first, SMD_TRAIN_QUANTILE);
      const flags = acc[method].add(s.name, { labels, scores: second, threshold });
      if (method !== 'homeostat') continue;
      const calibrator = fitCalibrator(first, firstLabels);
      if (ctx.out) {
        const ts = s.timestamps;
        writeScores(
          join(ctx.out, 'anomaly', 'scores', 'kpi', `${s.name}.csv`),
          half,
          (i) => iso(ts[i] as number),
          second,
          (r) => calibrator.calibrate(r),
          flags,
        );
      }
      if (charts.length < ctx.charts && labels.some((l) => l === 1)) {
        charts.push(chartOf(`kpi ${s.name} (second half)`, s.values.subarray(half), labels, second, flags, threshold));
      }
    }
    ctx.tick();
  }
  const metrics = {} as Record<AnomalyMethod, MethodMetrics>;
  for (const method of METHODS) {
    metrics[method] = {
      ...acc[method].summary(),
      series_count: series.length,
      series_skipped_no_anomaly: acc[method].skippedNoAnomaly,
      ...speed(timers[method]),
      series: acc[method].series,
    };
  }
  const skipped = acc.homeostat.skippedNoAnomaly;
  return {
    metrics,
    charts,
    notes: [
      "kpi: chronological 50/50 split per KPI; the threshold maximises point F1 on the first half's labels; the second half is reported; no point-adjust.",
      `kpi: ${fallback} KPI(s) had no anomaly in the first half and used the ${SMD_TRAIN_QUANTILE} quantile of first-half scores instead.`,
      `kpi: ${skipped} of ${series.length} KPI(s) have no anomaly in the second half: left out of the point-wise and PR-AUC means (their alarms still count in the pooled event figures).`,
      "kpi: homeostat confidence = calibrator/logistic fitted on the first half's scores and labels.",
    ],
  };
}

function fitCalibrator(scores: Float64Array, labels: Uint8Array): LogisticCalibrator {
  const c = logisticCalibratorSpec.create(logisticCalibratorSpec.defaults);
  const raws: number[] = [];
  const ys: boolean[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    if (!Number.isFinite(s)) continue;
    raws.push(Math.min(s, 1e6));
    ys.push(labels[i] === 1);
  }
  if (raws.length > 0) c.fit(raws, ys);
  return c;
}

const NAB_METRIC: Record<NabProfileName, string> = {
  standard: 'nab_standard',
  reward_low_FP_rate: 'nab_reward_low_fp',
  reward_low_FN_rate: 'nab_reward_low_fn',
};

/** Candidate thresholds of the NAB sweep: quantiles of the pooled post-probation scores. */
function sweepCandidates(scores: readonly Float64Array[]): number[] {
  const pooled: number[] = [];
  for (const s of scores) {
    const start = Math.min(Math.floor(NAB_PROBATION * s.length), NAB_PROBATION * 5000);
    for (let i = Math.ceil(start); i < s.length; i++) if (!Number.isNaN(s[i] as number)) pooled.push(s[i] as number);
  }
  const sorted = Float64Array.from(pooled).sort();
  const out = new Set<number>([Number.POSITIVE_INFINITY]);
  if (sorted.length === 0) return [...out];
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] as number;
  for (let i = 0; i <= 40; i++) out.add(at(0.5 + (0.4 * i) / 40));
  for (let i = 0; i <= 160; i++) out.add(at(1 - 10 ** (-1 - (5 * i) / 160)));
  out.add(sorted[sorted.length - 1] as number);
  return [...out].sort((a, b) => a - b);
}

function runNab(series: readonly NabSeries[], ctx: Context): DatasetResult {
  const timers: Record<AnomalyMethod, Timer> = { homeostat: { seconds: 0, points: 0 }, robust_z_rolling: { seconds: 0, points: 0 } };
  const scores: Record<AnomalyMethod, Float64Array[]> = { homeostat: [], robust_z_rolling: [] };
  for (const s of series) {
    scores.homeostat.push(timed(timers.homeostat, s.values.length, () => robustZScores(s.values)));
    scores.robust_z_rolling.push(timed(timers.robust_z_rolling, s.values.length, () => rollingRobustZ(s.values)));
    ctx.tick();
  }
  const metrics = {} as Record<AnomalyMethod, MethodMetrics>;
  const charts: ReportChart[] = [];
  const calibrator = logisticCalibratorSpec.create(logisticCalibratorSpec.defaults);
  const suppressPoints = nabWindowPoints(series);
  // NAB scores alarms, so homeostat's points go through its alarm rule (one alarm per episode);
  // the baseline flags every point above its threshold, as plain detectors do on NAB.
  const detect = (method: AnomalyMethod, scoresOf: Float64Array, threshold: number): Uint8Array =>
    method === 'homeostat' ? alarmsAt(scoresOf, threshold, calibrator, suppressPoints) : flagsAt(scoresOf, threshold);
  for (const method of METHODS) {
    const perSeries = scores[method];
    const best: Record<string, { score: number; threshold: number; files: readonly { name: string; raw: number }[] }> = {};
    for (const threshold of sweepCandidates(perSeries)) {
      const files: NabFile[] = series.map((s, k) => ({
        name: s.name,
        timestamps: s.timestamps,
        windows: s.windows,
        detections: detect(method, perSeries[k] as Float64Array, threshold),
      }));
      for (const profile of Object.keys(NAB_PROFILES) as NabProfileName[]) {
        const r = nabScore(files, profile, { probationPercent: NAB_PROBATION });
        const prev = best[profile];
        if (!prev || r.score > prev.score) best[profile] = { score: r.score, threshold, files: r.files };
      }
    }
    const out: Record<string, number | Record<string, Record<string, number>>> = {};
    const seriesRows: Record<string, Record<string, number>> = {};
    for (const profile of Object.keys(NAB_PROFILES) as NabProfileName[]) {
      const b = best[profile];
      out[NAB_METRIC[profile]] = round(b?.score ?? Number.NaN, 2);
      out[`${NAB_METRIC[profile]}_threshold`] = round(b?.threshold ?? Number.NaN);
    }
    const standardThreshold = best.standard?.threshold ?? Number.POSITIVE_INFINITY;
    series.forEach((s, k) => {
      const sc = perSeries[k] as Float64Array;
      const flags = detect(method, sc, standardThreshold);
      const file = best.standard?.files[k];
      seriesRows[s.name] = { nab_standard_raw: round(file?.raw ?? Number.NaN), detections: flags.reduce((a, b) => a + b, 0) };
      if (method !== 'homeostat') return;
      if (ctx.out) {
        const ts = s.timestamps;
        writeScores(
          join(ctx.out, 'anomaly', 'scores', 'nab', `${s.name.replace(/\.csv$/, '')}.csv`),
          0,
          (i) => iso(ts[i] as number),
          sc,
          (r) => calibrator.calibrate(r),
          flags,
        );
      }
      if (charts.length < ctx.charts && s.windows.length > 0 && s.name.startsWith('real')) {
        const labels = new Uint8Array(s.values.length);
        for (let i = 0; i < labels.length; i++) {
          const t = s.timestamps[i] as number;
          labels[i] = s.windows.some(([a, b]) => t >= a && t <= b) ? 1 : 0;
        }
        charts.push(
          chartOf(`nab ${s.name} (shaded: NAB windows; threshold: standard profile)`, s.values, labels, sc, flags, standardThreshold),
        );
      }
    });
    metrics[method] = { ...out, series_count: series.length, ...speed(timers[method]), series: seriesRows };
  }
  return {
    metrics,
    charts,
    notes: [
      `nab: every series scored streaming from its first point; first ${NAB_PROBATION * 100} % of each file (at most 750 points) is NAB's probationary period; the detection threshold is swept per profile over the whole corpus (about 200 quantiles of the pooled post-probation scores) and the best score kept — NAB's own published procedure (numenta/NAB sweeper.py), not a threshold from training data.`,
      'nab: homeostat confidence = calibrator/logistic prior (center 6, width 1); the sweep runs on raw scores (equivalent: the calibration is monotone).',
      `nab: homeostat's detections are the alarms of its alarm rule (models/alarm-rule.ts): an alarm when the confidence crosses the threshold, none again until it fell back under the confidence of z 3 or ${suppressPoints} points passed (the median NAB window size of this corpus: 10 % of a file ÷ its windows), re-notify every 60 points; settings fixed before scoring. robust_z_rolling flags every point above its threshold.`,
    ],
  };
}

/**
 * Runs the anomaly benchmark on the datasets under `root` that exist (a missing one is skipped
 * with a line through `onLog`) and, with `out`, writes `OUT/anomaly/metrics.json`,
 * `OUT/anomaly/scores/<dataset>/<series>.csv` (homeostat's scores of the reported part) and
 * `OUT/anomaly/report.html`.
 * @returns the metrics (also the content of metrics.json).
 * @throws HomeostatError invalid_argument on a malformed dataset file (from the readers).
 * @example const m = runAnomalyBench({ root: '../shared/datasets', out: 'bench-out' }); m.datasets.smd?.homeostat.point_f1
 */
export function runAnomalyBench(options: AnomalyBenchOptions): AnomalyBenchMetrics {
  const started = performance.now();
  const log = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const skipped: Partial<Record<AnomalyDataset, string>> = {};
  const nab = readNab(options.root);
  const smd = readSmd(options.root);
  const kpi = readKpi(options.root);
  const loaded = { nab, smd, kpi };
  for (const [name, l] of Object.entries(loaded) as Array<[AnomalyDataset, typeof nab | typeof smd | typeof kpi]>) {
    if (l.data === undefined) {
      skipped[name] = l.reason;
      log(`skipping ${name}: ${l.reason}`);
    } else if (l.data.length === 0) {
      skipped[name] = `${l.path} holds no series`;
      log(`skipping ${name}: ${l.path} holds no series`);
    } else for (const s of l.skipped) log(`${name}: skipping ${s.name}: ${s.reason}`);
  }
  const total = (nab.data?.length ?? 0) + (smd.data?.length ?? 0) + (kpi.data?.length ?? 0);
  let done = 0;
  const ctx: Context = {
    out: options.out,
    charts: options.charts ?? 2,
    tick: () => options.onProgress?.(++done, total),
  };
  const datasets: Partial<Record<AnomalyDataset, Record<AnomalyMethod, MethodMetrics>>> = {};
  const notes: string[] = [
    `homeostat = detector/robust-z defaults (alpha ${robustZSpec.defaults.alpha}, warm-up ${robustZSpec.defaults.warmupPoints}), streaming score-then-learn; robust_z_rolling = causal rolling median/MAD z over the previous ${ROLLING_WINDOW} points (≥ ${ROLLING_MIN_POINTS}); both max over metrics for SMD.`,
  ];
  const charts: ReportChart[] = [];
  const add = (name: AnomalyDataset, r: DatasetResult): void => {
    datasets[name] = r.metrics;
    charts.push(...r.charts);
    notes.push(...r.notes);
  };
  if (nab.data && nab.data.length > 0) add('nab', runNab(nab.data, ctx));
  if (smd.data && smd.data.length > 0) add('smd', runSmd(smd.data, ctx));
  if (kpi.data && kpi.data.length > 0) add('kpi', runKpi(kpi.data, ctx));
  const metrics: AnomalyBenchMetrics = {
    task: 'anomaly',
    data: options.root,
    datasets,
    skipped,
    notes,
    seconds: round((performance.now() - started) / 1000, 2),
  };
  if (options.out) {
    const dir = join(options.out, 'anomaly');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    writeFileSync(join(dir, 'report.html'), renderAnomalyReport(metrics, charts, formatAnomalyTables(metrics)));
  }
  return metrics;
}

const TABLE_METRICS: Record<AnomalyDataset, readonly string[]> = {
  nab: ['nab_standard', 'nab_reward_low_fp', 'nab_reward_low_fn', 'points_per_s', 'seconds'],
  smd: [
    'point_precision',
    'point_recall',
    'point_f1',
    'pr_auc',
    'event_precision',
    'event_recall',
    'hitrate_100',
    'hitrate_150',
    'points_per_s',
    'seconds',
  ],
  kpi: [
    'point_precision',
    'point_recall',
    'point_f1',
    'pr_auc',
    'event_precision',
    'event_recall',
    'series_skipped_no_anomaly',
    'points_per_s',
    'seconds',
  ],
};

/** The metric rows shown per dataset in the printed and HTML tables. */
export function tableMetrics(dataset: AnomalyDataset): readonly string[] {
  return TABLE_METRICS[dataset];
}

/**
 * One plain-text table per dataset (metrics as rows, methods as columns), then the notes.
 * @example process.stdout.write(formatAnomalyTables(runAnomalyBench({ root })))
 */
export function formatAnomalyTables(m: AnomalyBenchMetrics): string {
  const out: string[] = [];
  for (const name of ['nab', 'smd', 'kpi'] as const) {
    const d = m.datasets[name];
    if (!d) {
      if (m.skipped[name]) out.push(`${name}: skipped (${m.skipped[name]})`, '');
      continue;
    }
    const rows = TABLE_METRICS[name].map((metric) => [metric, ...METHODS.map((meth) => cell(d[meth][metric]))]);
    const head = [name, ...METHODS];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (r: readonly string[]): string =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    out.push(line(head), line(head.map((_, i) => '-'.repeat(widths[i] ?? 0))), ...rows.map(line), '');
  }
  out.push(...m.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

function cell(v: unknown): string {
  if (typeof v !== 'number') return '-';
  if (Number.isNaN(v)) return 'n/a';
  return Number.isInteger(v) ? String(v) : v.toFixed(v >= 100 ? 1 : 3);
}
