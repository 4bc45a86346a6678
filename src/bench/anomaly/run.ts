/**
 * @module bench/anomaly/run
 * The anomaly benchmark harness (`homeostat bench anomaly`): scores NAB, SMD and KPI laid out as
 * in `../shared/datasets/README.md` with Homeostat's detectors and baselines computed in the same
 * run, and writes `OUT/anomaly/metrics.json`, per-series score CSVs and an HTML report.
 *
 * Methods (see methods.ts): `homeostat` = the default detector ({@link DEFAULT_DETECTOR_KIND}),
 * one per series, streaming score-then-learn from the first point — and on SMD, whose machines
 * have 38 metrics, the default multivariate detector (`multi/pca`, fitted on train); every other detector of the catalog under its own name; the baselines
 * `robust_z_rolling` (causal rolling median/MAD z) and, on SMD, `robust_z_train` (the issue's
 * per-metric robust z against the training median/MAD).
 *
 * Protocol (no setting is chosen on the part a figure is reported on):
 * - SMD: learn on train, score test. Threshold = the {@link SMD_TRAIN_QUANTILE} quantile of the
 *   method's train scores (train has no labels). Attribution HitRate ranks the metrics by their
 *   max per-metric score over the labelled segment; an interpretation line is matched to the
 *   labelled segment with the same start (the file's end is one row past the segment). Machines
 *   `machine-1-*` are the TUNING part (settings of Homeostat's models were chosen on them) and the
 *   others the HELD-OUT part, reported separately under `heldout`. Homeostat's confidence is a
 *   logistic on log(1 + score) fitted on the tuning machines' test scores and labels; its reliability
 *   (ECE, Brier) is measured on the held-out machines only.
 * - KPI: chronological 50/50 split per KPI; the threshold maximises point F1 on the first half's
 *   labels (the {@link SMD_TRAIN_QUANTILE} quantile of first-half scores when the first half has
 *   no anomaly); the second half is reported. Series with no anomaly in the second half are left
 *   out of the point-wise and PR-AUC means (counted) but their alarms count in the pooled event
 *   figures. Confidence: a logistic on log(1 + score) fitted on the first half; ECE/Brier on the second.
 * - NAB: every series scored; the detection threshold is swept per application profile over the
 *   whole corpus and the best score kept — NAB's own published procedure (numenta/NAB
 *   `sweeper.py`), so NAB figures are comparable to the scoreboard but not "threshold from
 *   training data". Homeostat's methods alarm through their alarm rule; baselines flag every point.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  createAlarmRule,
  DEFAULT_DETECTOR_KIND,
  DEFAULT_MULTI_DETECTOR_KIND,
  DETECTOR_SPECS,
  type LogisticCalibrator,
  logisticCalibratorSpec,
} from '../../models/index.js';
import { describe, invalid } from '../../errors.js';
import { readKpi, readNab, readSmd, type KpiSeries, type NabSeries, type SmdMachine } from './datasets.js';
import {
  detectorMethod,
  type MatrixMethod,
  maxOverMetrics,
  pcaMethod,
  ROLLING_BASELINE,
  type SeriesMethod,
  TRAIN_ROBUST_Z_BASELINE,
} from './methods.js';
import {
  eventMetrics,
  hitRate,
  NAB_PROFILES,
  nabScore,
  pointMetrics,
  poolEventMetrics,
  prAuc,
  reliability,
  segments,
  type EventMetrics,
  type NabFile,
  type NabProfileName,
} from './metrics.js';
import { renderAnomalyReport, type ReportChart } from './report.js';
import { figureCell } from '../report-html.js';

export { ROLLING_MIN_POINTS, ROLLING_WINDOW, rollingRobustZ } from './methods.js';

/** Quantile of the train scores used as SMD threshold (and KPI's fallback). */
export const SMD_TRAIN_QUANTILE = 0.99;
/** NAB's probationary share of each file (not scored). */
export const NAB_PROBATION = 0.15;
/** SMD machines whose names match this are the tuning part; the others are held out. */
export const SMD_TUNING = /^machine-1-/;

/** A method's name in metrics.json: `homeostat`, a baseline's name, or a detector's. */
export type AnomalyMethod = string;
/** The datasets read. */
export type AnomalyDataset = 'nab' | 'smd' | 'kpi';

/** One method's figures on one dataset: metric name → number, with optional nested figures. */
export interface MethodMetrics {
  readonly [metric: string]: number | Readonly<Record<string, unknown>> | undefined;
  /** Per-series figures. */
  readonly series?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The same figures over the held-out series only (SMD: machines not matching {@link SMD_TUNING}). */
  readonly heldout?: Readonly<Record<string, number>>;
}

/** The content of `OUT/anomaly/metrics.json` (the datasets README's "Benchmark output"). */
export interface AnomalyBenchMetrics {
  readonly task: 'anomaly';
  readonly data: string;
  readonly datasets: Partial<Record<AnomalyDataset, Record<AnomalyMethod, MethodMetrics>>>;
  /** Dataset → why it was skipped. */
  readonly skipped: Partial<Record<AnomalyDataset, string>>;
  /** Method → what it is. */
  readonly methods: Readonly<Record<AnomalyMethod, string>>;
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
  /** Methods to run besides `homeostat` (always run); default every method. Unknown names are an error. */
  readonly methods?: readonly string[];
}

/** A detector kind's method name: `detector/seasonal-robust` → `seasonal_robust`. */
export function methodName(kind: string): string {
  return kind.replace(/^[a-z]+\//, '').replace(/-/g, '_');
}

/** The univariate methods: homeostat, the baseline, then every other detector of the catalog. */
function seriesMethods(): SeriesMethod[] {
  return [
    detectorMethod(
      'homeostat',
      DEFAULT_DETECTOR_KIND,
      undefined,
      `the default detector, ${DEFAULT_DETECTOR_KIND} (defaults), streaming score-then-learn`,
    ),
    ROLLING_BASELINE,
    ...DETECTOR_SPECS.filter((s) => s.kind !== DEFAULT_DETECTOR_KIND).map((s) => detectorMethod(methodName(s.kind), s.kind)),
  ];
}

/**
 * The SMD methods: homeostat = the default multivariate detector ({@link DEFAULT_MULTI_DETECTOR_KIND},
 * fitted on each machine's training rows), the two baselines, then every univariate method lifted
 * to machines (one detector per metric, max over metrics; the default univariate detector under its
 * own name).
 */
function matrixMethods(series: readonly SeriesMethod[]): MatrixMethod[] {
  return [
    pcaMethod(
      'homeostat',
      undefined,
      `the default multivariate detector, ${DEFAULT_MULTI_DETECTOR_KIND} (defaults), fitted on each machine's training rows, score-then-learn over train and test`,
    ),
    TRAIN_ROBUST_Z_BASELINE,
    ...series.map((m) => (m.name === 'homeostat' ? maxOverMetrics(m, methodName(DEFAULT_DETECTOR_KIND)) : maxOverMetrics(m))),
  ];
}

/** Baselines flag every point above the threshold; Homeostat's detectors alarm through the alarm rule on NAB. */
const BASELINES = new Set(['robust_z_rolling', 'robust_z_train']);

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

/** Event precision an alarm should reach (the target: right 97 times out of 100). */
export const EVENT_PRECISION_TARGET = 0.97;

/** Multipliers of the train-quantile threshold tried for SMD's high-precision operating point. */
const SMD_MARGINS = [1, 1.25, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128] as const;

/**
 * Of the candidates, the one whose event figures (from `evaluate`) reach `target` precision with
 * the highest recall (ties: the lower candidate); when none reaches it, the one with the highest
 * precision (ties: higher recall). Candidates are tried in the given order.
 */
function chooseForPrecision<T>(candidates: readonly T[], evaluate: (c: T) => EventMetrics, target = EVENT_PRECISION_TARGET): T | undefined {
  let best: { c: T; ok: boolean; p: number; r: number } | undefined;
  for (const c of candidates) {
    const e = evaluate(c);
    const ok = e.alarms > 0 && e.precision >= target;
    const better =
      best === undefined ||
      (ok && !best.ok) ||
      (ok && best.ok && e.recall > best.r) ||
      (!ok && !best.ok && (e.precision > best.p || (e.precision === best.p && e.recall > best.r)));
    if (better) best = { c, ok, p: e.precision, r: e.recall };
  }
  return best?.c;
}

/** High quantiles (0.9 … 0.99999, log-spaced tail) and the max of the finite scores, ascending, then +Infinity. */
function highCandidates(scores: ArrayLike<number>): number[] {
  const sorted = finiteSorted(scores).filter(Number.isFinite);
  const out = new Set<number>();
  if (sorted.length > 0) {
    for (let i = 0; i <= 40; i++) {
      const q = 1 - 0.1 * 10 ** (-4 * (i / 40));
      out.add(sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] as number);
    }
    out.add((sorted[sorted.length - 1] as number) * (1 + 1e-9) + 1e-12);
  }
  return [...out].sort((a, b) => a - b).concat(Number.POSITIVE_INFINITY);
}

/** `at_target` figures of pooled event metrics. */
function atTarget(e: EventMetrics): Record<string, number> {
  return {
    event_precision_at_target: round(e.precision),
    event_recall_at_target: round(e.recall),
    event_alarms_at_target: e.alarms,
  };
}

/**
 * Alarms of the alarm rule for one series at a raw-score threshold: the rule works on calibrated
 * confidences (clear under the confidence of raw 3 — robust z 3 — suppress `suppressPoints`,
 * re-notify every 60).
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

interface SeriesFigures {
  readonly events: EventMetrics;
  readonly point?: { readonly precision: number; readonly recall: number; readonly f1: number; readonly prAuc: number };
  readonly h100?: number;
  readonly h150?: number;
}

/** Series-level figures of the point/event protocol (SMD and KPI), summarised over any subset of series. */
class PointEventAccumulator {
  readonly series: Record<string, Record<string, number>> = {};
  readonly #figures = new Map<string, SeriesFigures>();

  add(name: string, s: Scored, hits?: { h100: number; h150: number }): Uint8Array {
    const flags = flagsAt(s.scores, s.threshold);
    const events = eventMetrics(s.labels, flags);
    const row: Record<string, number> = {
      threshold: round(s.threshold),
      event_alarms: events.alarms,
      event_true_alarms: events.trueAlarms,
    };
    let point: SeriesFigures['point'];
    if (s.labels.some((l) => l === 1)) {
      const pm = pointMetrics(s.labels, flags);
      point = { precision: pm.precision, recall: pm.recall, f1: pm.f1, prAuc: prAuc(s.labels, s.scores) };
      Object.assign(row, {
        point_precision: round(point.precision),
        point_recall: round(point.recall),
        point_f1: round(point.f1),
        pr_auc: round(point.prAuc),
      });
    }
    if (hits) Object.assign(row, { hitrate_100: round(hits.h100), hitrate_150: round(hits.h150) });
    this.series[name] = row;
    this.#figures.set(name, { events, ...(point ? { point } : {}), ...(hits ? { h100: hits.h100, h150: hits.h150 } : {}) });
    return flags;
  }

  /** Means over the series (point figures over those with an anomaly), pooled event figures. */
  summary(filter: (name: string) => boolean = () => true): Record<string, number> {
    const figs = [...this.#figures].filter(([name]) => filter(name)).map(([, f]) => f);
    const pts = figs.flatMap((f) => (f.point ? [f.point] : []));
    const pooled = poolEventMetrics(figs.map((f) => f.events));
    const out: Record<string, number> = {
      point_precision: round(mean(pts.map((p) => p.precision))),
      point_recall: round(mean(pts.map((p) => p.recall))),
      point_f1: round(mean(pts.map((p) => p.f1))),
      pr_auc: round(mean(pts.map((p) => p.prAuc))),
      event_precision: round(pooled.precision),
      event_recall: round(pooled.recall),
      event_alarms: pooled.alarms,
      event_segments: pooled.segments,
      series_count: figs.length,
      series_skipped_no_anomaly: figs.length - pts.length,
    };
    const withHits = figs.filter((f) => f.h100 !== undefined);
    if (withHits.length > 0) {
      out.hitrate_100 = round(mean(withHits.map((f) => f.h100 as number)));
      out.hitrate_150 = round(mean(withHits.map((f) => f.h150 as number)));
    }
    return out;
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

/**
 * A confidence fitted on labelled scores: Platt scaling on `log(1 + raw)` — a logistic with a log
 * link, because raw scores span orders of magnitude (PCA's SPE + T² reaches 10⁵ where a robust z
 * reaches 10²) and a logistic on the raw score saturates or flattens.
 */
interface ScoreCalibration {
  calibrate(raw: number): number;
  /** Fitted logistic parameters, on the log(1 + raw) scale. */
  readonly center: number;
  readonly width: number;
}

/** Fits a {@link ScoreCalibration} on scores and labels pooled over parts (non-finite scores left out). */
function fitCalibrator(parts: ReadonlyArray<{ readonly scores: Float64Array; readonly labels: Uint8Array }>): ScoreCalibration {
  const c = logisticCalibratorSpec.create({ center: Math.log1p(6), width: 0.2 });
  const xs: number[] = [];
  const ys: boolean[] = [];
  for (const { scores, labels } of parts) {
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i] as number;
      if (!Number.isFinite(s)) continue;
      xs.push(Math.log1p(Math.max(s, 0)));
      ys.push(labels[i] === 1);
    }
  }
  if (xs.length > 0) c.fit(xs, ys);
  return {
    calibrate: (raw) => c.calibrate(Math.log1p(Math.max(raw, 0))),
    center: c.config.center,
    width: c.config.width,
  };
}

/** ECE, Brier and mean confidence of a calibrator's probabilities over labelled parts. */
function calibrationFigures(
  parts: ReadonlyArray<{ readonly scores: Float64Array; readonly labels: Uint8Array; readonly calibrator: ScoreCalibration }>,
): Record<string, number> {
  let total = 0;
  for (const p of parts) total += p.scores.length;
  const probs = new Float64Array(total);
  const labels = new Uint8Array(total);
  let k = 0;
  for (const p of parts) {
    for (let i = 0; i < p.scores.length; i++, k++) {
      const s = p.scores[i] as number;
      probs[k] = Number.isNaN(s) ? Number.NaN : p.calibrator.calibrate(s);
      labels[k] = p.labels[i] as number;
    }
  }
  const r = reliability(labels, probs);
  // Brier skill: 1 − Brier / Brier of always saying the base rate (0 = no better than the base rate).
  const reference = r.baseRate * (1 - r.baseRate);
  return {
    ece: round(r.ece),
    brier: round(r.brier),
    brier_skill: round(reference > 0 ? 1 - r.brier / reference : Number.NaN),
    mean_confidence: round(r.meanConfidence),
    base_rate: round(r.baseRate),
  };
}

function runSmd(machines: readonly SmdMachine[], methods: readonly MatrixMethod[], ctx: Context): DatasetResult {
  const acc = new Map(methods.map((m) => [m.name, new PointEventAccumulator()]));
  const timers = new Map(methods.map((m) => [m.name, { seconds: 0, points: 0 } as Timer]));
  let unmatched = 0;
  let lines = 0;
  const charts: ReportChart[] = [];
  // Homeostat's reported part, kept to calibrate (on tuning machines) and write scores afterwards.
  const kept: Array<{ m: SmdMachine; scores: Float64Array; labels: Uint8Array; flags: Uint8Array; threshold: number }> = [];
  // Every method's test scores and train threshold per machine, for the high-precision operating point.
  const byMethod = new Map<string, Array<{ name: string; scores: Float64Array; labels: Uint8Array; threshold: number }>>(
    methods.map((m) => [m.name, []]),
  );
  for (const m of machines) {
    const trainRows = m.train[0]?.length ?? 0;
    const testRows = m.test[0]?.length ?? 0;
    const points = (trainRows + testRows) * m.test.length;
    const labelled = segments(m.labels);
    for (const method of methods) {
      const r = timed(timers.get(method.name) as Timer, points, () => method.run(m.train, m.test));
      const threshold = quantile(r.train, SMD_TRAIN_QUANTILE);
      const h100: number[] = [];
      const h150: number[] = [];
      for (const line of m.interpretation) {
        const seg = labelled.find(([s]) => s === line.start);
        if (method.name === 'homeostat') {
          lines++;
          if (!seg) unmatched++;
        }
        const [from, to] = seg ?? [line.start, Math.max(line.start, line.end - 1)];
        const ranking = rankMetrics(r.perMetric, from, Math.min(to, testRows - 1));
        h100.push(hitRate(line.dims, ranking, 100));
        h150.push(hitRate(line.dims, ranking, 150));
      }
      const hits = h100.length > 0 ? { h100: mean(h100), h150: mean(h150) } : undefined;
      const flags = (acc.get(method.name) as PointEventAccumulator).add(m.name, { labels: m.labels, scores: r.test, threshold }, hits);
      byMethod.get(method.name)?.push({ name: m.name, scores: r.test, labels: m.labels, threshold });
      if (method.name !== 'homeostat') continue;
      kept.push({ m, scores: r.test, labels: m.labels, flags, threshold });
      if (charts.length < ctx.charts && labelled.length > 0) {
        const col = (m.interpretation[0]?.dims[0] ?? 1) - 1;
        charts.push(
          chartOf(
            `smd ${m.name} (test; values of metric ${col + 1}; score = max over metrics)`,
            m.test[col] as Float64Array,
            m.labels,
            r.test,
            flags,
            threshold,
          ),
        );
      }
    }
    ctx.tick();
  }
  const tuning = kept.filter((k) => SMD_TUNING.test(k.m.name));
  const heldout = kept.filter((k) => !SMD_TUNING.test(k.m.name));
  const prior = logisticCalibratorSpec.create(logisticCalibratorSpec.defaults);
  const calibrator: ScoreCalibration =
    tuning.length > 0
      ? fitCalibrator(tuning)
      : { calibrate: (raw) => prior.calibrate(raw), center: prior.config.center, width: prior.config.width };
  if (ctx.out) {
    for (const k of kept) {
      writeScores(
        join(ctx.out, 'anomaly', 'scores', 'smd', `${k.m.name}.csv`),
        0,
        undefined,
        k.scores,
        (x) => calibrator.calibrate(x),
        k.flags,
      );
    }
  }
  const isHeldout = (name: string): boolean => !SMD_TUNING.test(name);
  const metrics: Record<AnomalyMethod, MethodMetrics> = {};
  const margins: string[] = [];
  for (const method of methods) {
    const a = acc.get(method.name) as PointEventAccumulator;
    // High-precision operating point: the train-quantile threshold times a margin chosen on the
    // tuning machines (highest pooled event recall at event precision ≥ target), applied to the held-out ones.
    const parts = byMethod.get(method.name) ?? [];
    const pooledAt = (margin: number, held: boolean): EventMetrics =>
      poolEventMetrics(
        parts.filter((x) => isHeldout(x.name) === held).map((x) => eventMetrics(x.labels, flagsAt(x.scores, x.threshold * margin))),
      );
    const hasTuning = parts.some((x) => !isHeldout(x.name));
    const margin = hasTuning ? chooseForPrecision(SMD_MARGINS, (mg) => pooledAt(mg, false)) : undefined;
    if (margin !== undefined) margins.push(`${method.name} ×${margin}`);
    const heldout = {
      ...a.summary(isHeldout),
      ...(margin !== undefined ? { ...atTarget(pooledAt(margin, true)), margin_at_target: margin } : {}),
    };
    metrics[method.name] = {
      ...a.summary(),
      ...(method.name === 'homeostat' && kept.some((k) => isHeldout(k.m.name)) && tuning.length > 0
        ? calibrationFigures(kept.filter((k) => isHeldout(k.m.name)).map((k) => ({ scores: k.scores, labels: k.labels, calibrator })))
        : {}),
      machines: machines.length,
      ...speed(timers.get(method.name) as Timer),
      heldout,
      series: a.series,
    };
  }
  const tuningNames = machines.filter((m) => SMD_TUNING.test(m.name)).length;
  return {
    metrics,
    charts,
    notes: [
      `smd: learn on train, report test; threshold = the ${SMD_TRAIN_QUANTILE} quantile of the method's train scores; no point-adjust.`,
      `smd: ${tuningNames} machine(s) named machine-1-* are the tuning part, ${machines.length - tuningNames} are held out; "heldout" gives the same figures over the held-out machines only.`,
      tuning.length > 0 && heldout.length > 0
        ? `smd: homeostat confidence = a logistic on log(1 + score) fitted on the tuning machines' test scores and labels (center ${round(calibrator.center, 3)}, width ${round(calibrator.width, 3)} on that scale); ece/brier are measured on the held-out machines only.`
        : 'smd: homeostat confidence = calibrator/logistic prior (center 6, width 1): no tuning/held-out split in this data, so no ece.',
      `smd: high-precision operating point (*_at_target, held-out only): threshold = the train ${SMD_TRAIN_QUANTILE} quantile × the margin (of ${SMD_MARGINS.join(', ')}) with the highest pooled event recall at event precision ≥ ${EVENT_PRECISION_TARGET} on the tuning machines (the highest precision when none reaches it): ${margins.join(', ')}.`,
      `smd: HitRate ranks metrics by their max per-metric score over the labelled segment; interpretation lines matched to labelled segments by start (the file's end is one past the last labelled row); ${unmatched} of ${lines} lines matched no segment start and used [start, end − 1].`,
    ],
  };
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

function runKpi(series: readonly KpiSeries[], methods: readonly SeriesMethod[], ctx: Context): DatasetResult {
  const acc = new Map(methods.map((m) => [m.name, new PointEventAccumulator()]));
  const timers = new Map(methods.map((m) => [m.name, { seconds: 0, points: 0 } as Timer]));
  const charts: ReportChart[] = [];
  const calibrated: Array<{ scores: Float64Array; labels: Uint8Array; calibrator: ScoreCalibration }> = [];
  const atTargetParts = new Map<string, EventMetrics[]>(methods.map((m) => [m.name, []]));
  let fallback = 0;
  for (const s of series) {
    const n = s.values.length;
    const half = Math.floor(n / 2);
    const firstLabels = s.labels.subarray(0, half);
    const labels = s.labels.subarray(half);
    const firstHasAnomaly = firstLabels.some((l) => l === 1);
    if (!firstHasAnomaly) fallback++;
    for (const method of methods) {
      const all = timed(timers.get(method.name) as Timer, n, () => method.run(s.values, s.timestamps));
      const first = all.subarray(0, half);
      const second = all.subarray(half);
      const threshold = firstHasAnomaly ? bestF1Threshold(firstLabels, first) : quantile(first, SMD_TRAIN_QUANTILE);
      const flags = (acc.get(method.name) as PointEventAccumulator).add(s.name, { labels, scores: second, threshold });
      // High-precision operating point: this KPI's threshold with the best first-half event recall at precision ≥ target.
      const precise = firstHasAnomaly
        ? (chooseForPrecision(highCandidates(first), (t) => eventMetrics(firstLabels, flagsAt(first, t))) ?? Number.POSITIVE_INFINITY)
        : quantile(first, SMD_TRAIN_QUANTILE);
      atTargetParts.get(method.name)?.push(eventMetrics(labels, flagsAt(second, precise)));
      if (method.name !== 'homeostat') continue;
      const calibrator = fitCalibrator([{ scores: first, labels: firstLabels }]);
      calibrated.push({ scores: second, labels, calibrator });
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
  const metrics: Record<AnomalyMethod, MethodMetrics> = {};
  for (const method of methods) {
    const a = acc.get(method.name) as PointEventAccumulator;
    metrics[method.name] = {
      ...a.summary(),
      ...atTarget(poolEventMetrics(atTargetParts.get(method.name) ?? [])),
      ...(method.name === 'homeostat' ? calibrationFigures(calibrated) : {}),
      ...speed(timers.get(method.name) as Timer),
      series: a.series,
    };
  }
  const skipped = (metrics.homeostat?.series_skipped_no_anomaly as number | undefined) ?? 0;
  return {
    metrics,
    charts,
    notes: [
      "kpi: chronological 50/50 split per KPI; the threshold maximises point F1 on the first half's labels; the second half is reported; no point-adjust.",
      `kpi: ${fallback} KPI(s) had no anomaly in the first half and used the ${SMD_TRAIN_QUANTILE} quantile of first-half scores instead.`,
      `kpi: ${skipped} of ${series.length} KPI(s) have no anomaly in the second half: left out of the point-wise and PR-AUC means (their alarms still count in the pooled event figures).`,
      `kpi: high-precision operating point (*_at_target): per KPI, the threshold (of ~40 high quantiles of its first-half scores) with the highest first-half event recall at event precision ≥ ${EVENT_PRECISION_TARGET} (the highest precision when none reaches it); second halves pooled.`,
      "kpi: homeostat confidence = a logistic on log(1 + score) fitted per KPI on the first half's scores and labels; ece/brier over the pooled second halves.",
    ],
  };
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

function runNab(series: readonly NabSeries[], methods: readonly SeriesMethod[], ctx: Context): DatasetResult {
  const timers = new Map(methods.map((m) => [m.name, { seconds: 0, points: 0 } as Timer]));
  const scores = new Map<string, Float64Array[]>(methods.map((m) => [m.name, []]));
  for (const s of series) {
    for (const method of methods) {
      scores.get(method.name)?.push(timed(timers.get(method.name) as Timer, s.values.length, () => method.run(s.values, s.timestamps)));
    }
    ctx.tick();
  }
  const metrics: Record<AnomalyMethod, MethodMetrics> = {};
  const charts: ReportChart[] = [];
  const calibrator = logisticCalibratorSpec.create(logisticCalibratorSpec.defaults);
  const suppressPoints = nabWindowPoints(series);
  // NAB scores alarms, so Homeostat's points go through its alarm rule (one alarm per episode);
  // baselines flag every point above their threshold, as plain detectors do on NAB.
  const detect = (method: AnomalyMethod, scoresOf: Float64Array, threshold: number): Uint8Array =>
    BASELINES.has(method) ? flagsAt(scoresOf, threshold) : alarmsAt(scoresOf, threshold, calibrator, suppressPoints);
  for (const method of methods) {
    const perSeries = scores.get(method.name) as Float64Array[];
    const best: Record<string, { score: number; threshold: number; files: readonly { name: string; raw: number }[] }> = {};
    for (const threshold of sweepCandidates(perSeries)) {
      const files: NabFile[] = series.map((s, k) => ({
        name: s.name,
        timestamps: s.timestamps,
        windows: s.windows,
        detections: detect(method.name, perSeries[k] as Float64Array, threshold),
      }));
      for (const profile of Object.keys(NAB_PROFILES) as NabProfileName[]) {
        const r = nabScore(files, profile, { probationPercent: NAB_PROBATION });
        const prev = best[profile];
        if (!prev || r.score > prev.score) best[profile] = { score: r.score, threshold, files: r.files };
      }
    }
    const out: Record<string, number> = {};
    const seriesRows: Record<string, Record<string, number>> = {};
    for (const profile of Object.keys(NAB_PROFILES) as NabProfileName[]) {
      const b = best[profile];
      out[NAB_METRIC[profile]] = round(b?.score ?? Number.NaN, 2);
      out[`${NAB_METRIC[profile]}_threshold`] = round(b?.threshold ?? Number.NaN);
    }
    const standardThreshold = best.standard?.threshold ?? Number.POSITIVE_INFINITY;
    series.forEach((s, k) => {
      const sc = perSeries[k] as Float64Array;
      const flags = detect(method.name, sc, standardThreshold);
      const file = best.standard?.files[k];
      seriesRows[s.name] = { nab_standard_raw: round(file?.raw ?? Number.NaN), detections: flags.reduce((a, b) => a + b, 0) };
      if (method.name !== 'homeostat') return;
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
    metrics[method.name] = { ...out, series_count: series.length, ...speed(timers.get(method.name) as Timer), series: seriesRows };
  }
  return {
    metrics,
    charts,
    notes: [
      `nab: every series scored streaming from its first point; first ${NAB_PROBATION * 100} % of each file (at most 750 points) is NAB's probationary period; the detection threshold is swept per profile over the whole corpus (about 200 quantiles of the pooled post-probation scores) and the best score kept — NAB's own published procedure (numenta/NAB sweeper.py), not a threshold from training data.`,
      'nab: homeostat confidence = calibrator/logistic prior (center 6, width 1); the sweep runs on raw scores (equivalent: the calibration is monotone). No ece: NAB labels are windows, not points.',
      `nab: Homeostat's methods detect through the alarm rule (models/alarm-rule.ts): an alarm when the score crosses the threshold, none again until it fell back under raw 3 or ${suppressPoints} points passed (the median NAB window size of this corpus: 10 % of a file ÷ its windows), re-notify every 60 points; settings fixed before scoring. Baselines flag every point above their threshold.`,
    ],
  };
}

/**
 * Runs the anomaly benchmark on the datasets under `root` that exist (a missing one is skipped
 * with a line through `onLog`) and, with `out`, writes `OUT/anomaly/metrics.json`,
 * `OUT/anomaly/scores/<dataset>/<series>.csv` (homeostat's scores of the reported part) and
 * `OUT/anomaly/report.html`.
 * @returns the metrics (also the content of metrics.json).
 * @throws HomeostatError invalid_argument on a malformed dataset file (from the readers) or an unknown method name.
 * @example const m = runAnomalyBench({ root: '../shared/datasets', out: 'bench-out' }); m.datasets.smd?.homeostat.point_f1
 */
export function runAnomalyBench(options: AnomalyBenchOptions): AnomalyBenchMetrics {
  const started = performance.now();
  const log = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const allSeries = seriesMethods();
  const allMatrix = matrixMethods(allSeries);
  const known = [...new Set([...allSeries, ...allMatrix].map((m) => m.name))];
  const wanted = options.methods;
  if (wanted) {
    const unknown = wanted.filter((w) => !known.includes(w));
    if (unknown.length > 0) {
      throw invalid(`bench anomaly: unknown method ${unknown.map((u) => describe(u)).join(', ')} (expected some of: ${known.join(', ')})`);
    }
  }
  const keep = <M extends { readonly name: string }>(ms: readonly M[]): M[] =>
    ms.filter((m) => m.name === 'homeostat' || wanted === undefined || wanted.includes(m.name));
  const series = keep(allSeries);
  const matrix = keep(allMatrix);
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
  const notes: string[] = [];
  const charts: ReportChart[] = [];
  const add = (name: AnomalyDataset, r: DatasetResult): void => {
    datasets[name] = r.metrics;
    charts.push(...r.charts);
    notes.push(...r.notes);
  };
  if (nab.data && nab.data.length > 0) add('nab', runNab(nab.data, series, ctx));
  if (smd.data && smd.data.length > 0) add('smd', runSmd(smd.data, matrix, ctx));
  if (kpi.data && kpi.data.length > 0) add('kpi', runKpi(kpi.data, series, ctx));
  const methods: Record<AnomalyMethod, string> = {};
  for (const m of [...series, ...matrix]) methods[m.name] ??= m.description;
  const multi = matrix.find((m) => m.name === 'homeostat');
  if (multi) methods.homeostat = `${methods.homeostat}; on SMD (38 metrics per machine): ${multi.description}`;
  const metrics: AnomalyBenchMetrics = {
    task: 'anomaly',
    data: options.root,
    datasets,
    skipped,
    methods,
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

const POINT_EVENT = ['point_precision', 'point_recall', 'point_f1', 'pr_auc', 'event_precision', 'event_recall'] as const;

const TABLE_METRICS: Record<AnomalyDataset, readonly string[]> = {
  nab: ['nab_standard', 'nab_reward_low_fp', 'nab_reward_low_fn', 'points_per_s', 'seconds'],
  smd: [
    ...POINT_EVENT,
    'hitrate_100',
    'hitrate_150',
    ...[...POINT_EVENT, 'hitrate_150', 'event_precision_at_target', 'event_recall_at_target'].map((k) => `heldout.${k}`),
    'ece',
    'brier',
    'brier_skill',
    'mean_confidence',
    'base_rate',
    'points_per_s',
    'seconds',
  ],
  kpi: [
    ...POINT_EVENT,
    'event_precision_at_target',
    'event_recall_at_target',
    'series_skipped_no_anomaly',
    'ece',
    'brier',
    'brier_skill',
    'mean_confidence',
    'base_rate',
    'points_per_s',
    'seconds',
  ],
};

/** The metric rows shown per dataset in the printed and HTML tables (`a.b` = field b of the nested object a). */
export function tableMetrics(dataset: AnomalyDataset): readonly string[] {
  return TABLE_METRICS[dataset];
}

/** A method's figure by table row name (`heldout.point_f1` reads the nested object). */
export function metricValue(m: MethodMetrics | undefined, metric: string): unknown {
  const dot = metric.indexOf('.');
  if (dot < 0) return m?.[metric];
  const nested = m?.[metric.slice(0, dot)];
  return typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>)[metric.slice(dot + 1)] : undefined;
}

/**
 * One plain-text table per dataset (metrics as rows, methods as columns), then the methods and notes.
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
    const names = Object.keys(d);
    const rows = TABLE_METRICS[name].map((metric) => [metric, ...names.map((meth) => figureCell(metricValue(d[meth], metric)))]);
    const head = [name, ...names];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (r: readonly string[]): string =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    out.push(line(head), line(head.map((_, i) => '-'.repeat(widths[i] ?? 0))), ...rows.map(line), '');
  }
  out.push(...Object.entries(m.methods).map(([name, what]) => `- ${name}: ${what}`));
  out.push(...m.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
