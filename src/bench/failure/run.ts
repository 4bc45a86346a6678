/**
 * @module bench/failure/run
 * The failure benchmark harness (`homeostat bench failure`): 6-hour failure forecasts per entity
 * and hour on the Grid'5000 availability trace and the LANL failure records laid out as in
 * `../shared/datasets/README.md`, with every method computed in the same run; writes
 * `OUT/failure/metrics.json`, the best method's test-period predictions as CSV and an HTML report.
 *
 * Protocol (grid.ts): hourly grid, label = an onset within 6 h, history features without
 * look-ahead; test = the last 3 months of the trace (Grid'5000) or the last 2 years (LANL), from
 * the data's own end; training = everything before, its first 80 % to fit and its last 20 % to
 * choose thresholds. Figures at the top level are on the test period; the same figures on the
 * tune rows sit under `tuning`. The method whose predictions are written is chosen by PR-AUC on
 * the tune rows (never on the test period).
 *
 * Unless `sim` is false, the `simulated` dataset (sim-fleet.ts) runs too: an open-loop simulated
 * fleet whose failures have leading indicators in telemetry, 10-minute rows of the engine's
 * failure features, fit / tune / test by seed; its methods are the `homeostat` trees, the shipped
 * `risk/failure-trees` model file, the served `risk/failure-heuristic`, logistic regression and
 * always-no (persistence needs a failure history column the telemetry rows do not have), and its
 * event recall is also reported per fault kind (`by_kind`). Every figure set carries its
 * reliability curve (`reliability`: 10 probability bins with count, mean predicted, observed rate).
 */
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, invalid } from '../../errors.js';
import { type FailureTrace, readGrid5000, readLanl } from './datasets.js';
import { buildFailureGrid, type FailureGrid, type FeatureMatrix, type GridSplit, HORIZON_H, HOUR_MS } from './grid.js';
import { homeostatMethod } from './homeostat-method.js';
import { type FailureMethod, failureBaselines } from './methods.js';
import {
  averagePrecision,
  calibration,
  eventFigures,
  type PrPoint,
  prCurve,
  type ReliabilityBin,
  reliability,
  rocAuc,
  type ScoreGroups,
  scoreGroups,
  type ThresholdFigures,
  thresholdFigures,
} from './metrics.js';
import { FAILURE_TABLE_METRICS, failureCell, failureValue, renderFailureReport } from './report.js';
import {
  buildSimFailureGrid,
  SIM_FIT_SEEDS,
  SIM_TEST_SEEDS,
  SIM_TUNE_SEEDS,
  type SimFailureGrid,
  type SimFailureGridOptions,
} from './sim-fleet.js';
import { failureHeuristicMethod, shippedTreesMethod } from './sim-methods.js';
import { SHIPPED_SIM_MODEL } from './train-sim.js';

/** Test period per dataset, in calendar months before the trace end. */
export const TEST_MONTHS: Readonly<Record<string, number>> = { grid5000: 3, lanl: 24, lanl_system: 24 };

/** The figures of one method on one period. */
export interface FailureFigures {
  readonly accuracy: number;
  readonly base_rate: number;
  readonly balanced_accuracy: number;
  readonly roc_auc: number;
  readonly pr_auc: number;
  readonly precision: number;
  readonly recall: number;
  readonly event_recall: number;
  readonly median_lead_h: number;
  readonly ece: number;
  readonly brier: number;
  readonly events: number;
  readonly events_detected: number;
  readonly positive_rate: number;
  /** Reliability curve: 10 equal-width probability bins (the ECE's bins). */
  readonly reliability: readonly ReliabilityBin[];
  /** Event recall and median lead time per fault kind (simulated dataset only). */
  readonly by_kind?: Readonly<Record<string, { events: number; detected: number; event_recall: number; median_lead_h: number }>>;
}

/** One method's figures on one dataset: test figures, the threshold, tune-row figures and timing. */
export interface FailureMethodMetrics extends FailureFigures {
  readonly threshold: number;
  readonly seconds: number;
  readonly tuning: FailureFigures;
  /**
   * Simulated dataset only: the test figures without the positive rows taken before the onset of
   * the fault behind their failure (nothing in telemetry can foresee those): how well the method
   * reads the leading indicators once they exist. A secondary view; the top-level figures are the
   * benchmark's.
   */
  readonly foreseeable?: ForeseeableFigures;
  readonly info?: Readonly<Record<string, unknown>>;
}

/** Row figures on the foreseeable test rows of the simulated dataset ({@link FailureMethodMetrics.foreseeable}). */
export interface ForeseeableFigures {
  readonly rows: number;
  readonly base_rate: number;
  readonly accuracy: number;
  readonly roc_auc: number;
  readonly pr_auc: number;
  readonly precision: number;
  readonly recall: number;
}

/**
 * Figures of `prob` on the rows of `m` whose `keep` flag is 1 (the others weigh 0), at `threshold`.
 * @throws HomeostatError invalid_argument when the arrays differ in length.
 */
export function foreseeableFigures(m: FeatureMatrix, keep: Uint8Array, prob: Float64Array, threshold: number): ForeseeableFigures {
  if (keep.length !== m.rows || prob.length !== m.rows)
    throw invalid(`foreseeableFigures: expected ${m.rows} flags and probabilities (got ${keep.length} and ${prob.length})`);
  const weight = Float32Array.from(m.weight, (w, i) => (keep[i] === 1 ? w : 0));
  const groups = scoreGroups(prob, m.label, weight);
  const { balanced_accuracy: _, ...figures } = rowFigures(thresholdFigures(prob, m.label, threshold, weight), groups);
  return { rows: keep.reduce((n, k) => n + k, 0), ...figures };
}

/** The row figures, rounded as reported: those at the threshold (`at`) and the ranking ones of the scores (`groups`). */
function rowFigures(at: ThresholdFigures, groups: ScoreGroups) {
  return {
    accuracy: round(at.accuracy, 6),
    base_rate: round(at.base_rate, 6),
    balanced_accuracy: round(at.balanced_accuracy, 6),
    roc_auc: round(rocAuc(groups), 6),
    pr_auc: round(averagePrecision(groups), 6),
    precision: round(at.precision, 6),
    recall: round(at.recall, 6),
  };
}

/** How a dataset was split and sampled. */
export interface FailureSplitInfo {
  readonly entities: number;
  readonly periods: Readonly<
    Record<
      'fit' | 'tune' | 'test',
      {
        from: string;
        to: string;
        rows: number;
        entity_hours: number;
        base_rate: number;
        sample_rate: number;
        events: number;
        /** Simulated dataset: share of positive rows taken at or after the onset of their fault (an upper bound of row recall from telemetry). */
        predictable_positive_share?: number;
      }
    >
  >;
  /** The method whose test predictions were written, and why. */
  readonly predictions: string;
}

/** The content of `OUT/failure/metrics.json` (the datasets README's "Benchmark output"). */
export interface FailureBenchMetrics {
  readonly task: 'failure';
  readonly data: string;
  readonly datasets: Record<string, Record<string, FailureMethodMetrics>>;
  readonly splits: Record<string, FailureSplitInfo>;
  /** Dataset (or folder) → why it was skipped. */
  readonly skipped: Record<string, string>;
  /** Method → what it is. */
  readonly methods: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
  readonly seconds: number;
}

/** Options of {@link runFailureBench}. */
export interface FailureBenchOptions {
  /** Datasets root (the folder holding `failure/`). */
  readonly root: string;
  /** Output folder; writes `OUT/failure/...`. Undefined = write nothing. */
  readonly out?: string;
  /** Called after each dataset and method (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Receives one line per skipped folder. Default: stderr. */
  readonly onLog?: (line: string) => void;
  /** The methods to run. Default {@link failureMethods}(). */
  readonly methods?: readonly FailureMethod[];
  /** Only these method names (of `methods`); unknown names are an error. Default all. */
  readonly only?: readonly string[];
  /** Row caps before negatives are sampled (see grid.ts). */
  readonly maxTrainRows?: number;
  readonly maxTestRows?: number;
  /** Whether to run the `simulated` dataset (needs no data root). Default true. */
  readonly sim?: boolean;
  /** Options of the simulated dataset (seeds, days, fleet…). Default sim-fleet.ts's. */
  readonly simOptions?: SimFailureGridOptions;
  /** The shipped tree model scored on the simulated dataset. Default {@link SHIPPED_SIM_MODEL}; a missing file is skipped with a line. */
  readonly shippedModel?: string;
}

/** Methods only the simulated dataset runs (they need telemetry feature vectors). */
export const SIM_ONLY_METHODS: readonly string[] = ['failure_trees_shipped', 'failure_heuristic'];

/** Every method of the benchmark, in report order: `homeostat` (XGBoost trees), then the baselines. */
export function failureMethods(): FailureMethod[] {
  return [homeostatMethod(), ...failureBaselines()];
}

function simSeedCount(o: SimFailureGridOptions | undefined): number {
  return (o?.fitSeeds ?? SIM_FIT_SEEDS).length + (o?.tuneSeeds ?? SIM_TUNE_SEEDS).length + (o?.testSeeds ?? SIM_TEST_SEEDS).length;
}

/** A PR curve of one method on one dataset's test period, for the report. */
export interface FailureCurve {
  readonly dataset: string;
  readonly method: string;
  readonly points: readonly PrPoint[];
}

function round(x: number, digits = 4): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** All figures of probabilities `prob` on one period at `threshold`. */
export function figuresOf(
  grid: FailureGrid,
  split: GridSplit,
  prob: Float64Array,
  threshold: number,
  eventKinds?: readonly string[],
): { figures: FailureFigures; curve: PrPoint[] } {
  const m = split.matrix;
  const stepMs = grid.stepMs ?? HOUR_MS;
  const groups = scoreGroups(prob, m.label, m.weight);
  const at = thresholdFigures(prob, m.label, threshold, m.weight);
  const positive = new Uint8Array(m.rows);
  for (let i = 0; i < m.rows; i++) positive[i] = (prob[i] as number) >= threshold ? 1 : 0;
  const ev = eventFigures(m, grid.t0, positive, split.events, grid.horizonH, stepMs);
  const cal = calibration(prob, m.label, m.weight);
  let byKind: Record<string, { events: number; detected: number; event_recall: number; median_lead_h: number }> | undefined;
  if (eventKinds) {
    byKind = {};
    for (const kind of [...new Set(eventKinds)].sort()) {
      const keep = eventKinds.flatMap((k, i) => (k === kind ? [i] : []));
      const e = eventFigures(
        m,
        grid.t0,
        positive,
        {
          entity: Int32Array.from(keep, (i) => split.events.entity[i] as number),
          time: Float64Array.from(keep, (i) => split.events.time[i] as number),
        },
        grid.horizonH,
        stepMs,
      );
      byKind[kind] = {
        events: e.events,
        detected: e.detected,
        event_recall: round(e.event_recall, 6),
        median_lead_h: round(e.median_lead_h, 2),
      };
    }
  }
  return {
    figures: {
      ...rowFigures(at, groups),
      event_recall: round(ev.event_recall, 6),
      median_lead_h: round(ev.median_lead_h, 2),
      ece: round(cal.ece, 6),
      brier: round(cal.brier, 6),
      events: ev.events,
      events_detected: ev.detected,
      positive_rate: round(at.positive_rate, 6),
      reliability: reliability(prob, m.label, m.weight).map((b) => ({
        ...b,
        count: round(b.count, 3),
        mean_predicted: round(b.mean_predicted, 6),
        observed_rate: round(b.observed_rate, 6),
      })),
      ...(byKind ? { by_kind: byKind } : {}),
    },
    curve: prCurve(groups),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Writes the test rows of a grid with their probabilities as CSV, streaming in chunks:
 * `entity,timestamp,probability,label`, plus `weight` when any row weight differs from 1.
 */
export function writePredictions(file: string, grid: FailureGrid, prob: Float64Array): void {
  const m = grid.test.matrix;
  const stepMs = grid.stepMs ?? HOUR_MS;
  let weighted = false;
  for (let i = 0; i < m.rows && !weighted; i++) weighted = m.weight[i] !== 1;
  mkdirSync(join(file, '..'), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    let chunk = weighted ? 'entity,timestamp,probability,label,weight\n' : 'entity,timestamp,probability,label\n';
    for (let i = 0; i < m.rows; i++) {
      const name = grid.entities[m.entity[i] as number] as string;
      const entity = /[",\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
      chunk += `${entity},${iso(grid.t0 + (m.hour[i] as number) * stepMs)},${Number((prob[i] as number).toPrecision(6))},${m.label[i]}`;
      chunk += weighted ? `,${Number((m.weight[i] as number).toPrecision(6))}\n` : '\n';
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk.length > 0) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

function splitInfo(grid: FailureGrid, predictions: string, sim?: SimFailureGrid): FailureSplitInfo {
  const info = (s: GridSplit, name: 'fit' | 'tune' | 'test') => {
    const positiveRows = s.matrix.label.reduce((n, y) => n + y, 0);
    return {
      from: Number.isFinite(s.from) ? iso(s.from) : '-',
      to: Number.isFinite(s.to) ? iso(s.to) : '-',
      rows: s.matrix.rows,
      entity_hours: round(s.entityHours, 2),
      base_rate: round(s.entityHours > 0 ? s.positives / s.entityHours : Number.NaN, 6),
      sample_rate: round(s.sampleRate, 6),
      events: s.events.time.length,
      ...(sim
        ? { predictable_positive_share: round(positiveRows > 0 ? sim.predictablePositives[name] / positiveRows : Number.NaN, 4) }
        : {}),
    };
  };
  return {
    entities: grid.entities.length,
    periods: { fit: info(grid.fit, 'fit'), tune: info(grid.tune, 'tune'), test: info(grid.test, 'test') },
    predictions,
  };
}

/**
 * Runs the failure benchmark on the traces under `root` that exist (a missing one is skipped with
 * a line through `onLog`) and, with `out`, writes `OUT/failure/metrics.json`,
 * `OUT/failure/predictions/<dataset>.csv` (test period, the method with the best PR-AUC on the
 * tune rows) and `OUT/failure/report.html`.
 * @returns the metrics (also the content of metrics.json).
 * @throws HomeostatError invalid_argument on a malformed trace, a trace too short to split, or an
 *   unknown method name in `only`.
 * @example const m = runFailureBench({ root: '../shared/datasets', out: 'bench-out' }); m.datasets.grid5000?.persistence?.roc_auc
 */
export function runFailureBench(options: FailureBenchOptions): FailureBenchMetrics {
  const started = performance.now();
  const log = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const every = options.methods ?? failureMethods();
  const runSim = options.sim !== false;
  const known = [...every.map((m) => m.name), ...(runSim ? SIM_ONLY_METHODS : [])];
  const only = options.only;
  if (only) {
    const unknown = only.filter((w) => !known.includes(w));
    if (unknown.length > 0) {
      throw invalid(`bench failure: unknown method ${unknown.map((u) => describe(u)).join(', ')} (expected some of: ${known.join(', ')})`);
    }
  }
  const methods = every.filter((m) => only === undefined || only.includes(m.name));
  const skipped: Record<string, string> = {};
  const traces: { trace: FailureTrace; testMonths: number }[] = [];
  for (const [name, loaded] of [
    ['grid5000', readGrid5000(options.root)],
    ['lanl', readLanl(options.root)],
  ] as const) {
    if (loaded.data === undefined) {
      skipped[name] = loaded.reason;
      log(`skipping ${name}: ${loaded.reason}`);
      continue;
    }
    for (const s of loaded.skipped) log(`${s.name}: ${s.reason}`);
    for (const trace of loaded.data) traces.push({ trace, testMonths: TEST_MONTHS[trace.name] ?? 3 });
  }
  const shipped = options.shippedModel ?? SHIPPED_SIM_MODEL;
  const pool = new Map(every.map((m) => [m.name, m]));
  const simNames: string[] = [];
  if (runSim) {
    for (const name of ['homeostat', 'failure_trees_shipped', 'failure_heuristic', 'logistic_regression', 'always_no']) {
      if (only !== undefined && !only.includes(name)) continue;
      if (name === 'failure_trees_shipped' && !existsSync(shipped)) {
        skipped['simulated/failure_trees_shipped'] = `no model file at ${shipped} (make it with: node dist/bench/failure/train-sim.js)`;
        log(`skipping failure_trees_shipped on simulated: ${skipped['simulated/failure_trees_shipped']}`);
      } else if (SIM_ONLY_METHODS.includes(name) || pool.has(name)) simNames.push(name);
    }
  }
  const simSeeds = runSim ? simSeedCount(options.simOptions) : 0;
  const total = traces.length * methods.length + (simNames.length > 0 ? simSeeds + simNames.length : 0);
  let done = 0;
  const datasets: Record<string, Record<string, FailureMethodMetrics>> = {};
  const splits: Record<string, FailureSplitInfo> = {};
  const curves: FailureCurve[] = [];
  const described: Record<string, string> = Object.fromEntries(methods.map((m) => [m.name, m.description]));
  const scoreDataset = (grid: FailureGrid, list: readonly FailureMethod[], sim?: SimFailureGrid): void => {
    const input = { fit: grid.fit.matrix, tune: grid.tune.matrix, test: grid.test.matrix };
    const results: Record<string, FailureMethodMetrics> = {};
    let best: { name: string; prAuc: number; test: Float64Array } | undefined;
    for (const method of list) {
      const t = performance.now();
      const output = method.run(input);
      const seconds = (performance.now() - t) / 1000;
      const test = figuresOf(grid, grid.test, output.test, output.threshold, sim?.eventKinds.test);
      const tuning = figuresOf(grid, grid.tune, output.tune, output.threshold, sim?.eventKinds.tune);
      results[method.name] = {
        ...test.figures,
        threshold: round(output.threshold, 6),
        seconds: round(seconds, 2),
        tuning: tuning.figures,
        ...(sim ? { foreseeable: foreseeableFigures(grid.test.matrix, sim.foreseeable.test, output.test, output.threshold) } : {}),
        ...(output.info ? { info: output.info } : {}),
      };
      described[method.name] = method.description;
      curves.push({ dataset: grid.dataset, method: method.name, points: test.curve });
      const prAuc = Number.isNaN(tuning.figures.pr_auc) ? -1 : tuning.figures.pr_auc;
      if (!best || prAuc > best.prAuc) best = { name: method.name, prAuc, test: output.test };
      options.onProgress?.(++done, total);
    }
    datasets[grid.dataset] = results;
    const why = best ? `${best.name} (best PR-AUC on the tune rows, ${best.prAuc})` : 'none';
    splits[grid.dataset] = splitInfo(grid, why, sim);
    if (options.out && best) writePredictions(join(options.out, 'failure', 'predictions', `${grid.dataset}.csv`), grid, best.test);
  };
  for (const { trace, testMonths } of traces) {
    const grid = buildFailureGrid(trace, {
      testMonths,
      ...(options.maxTrainRows ? { maxTrainRows: options.maxTrainRows } : {}),
      ...(options.maxTestRows ? { maxTestRows: options.maxTestRows } : {}),
    });
    scoreDataset(grid, methods);
  }
  let simSetup: string | undefined;
  if (simNames.length > 0) {
    const grid = buildSimFailureGrid({ ...(options.simOptions ?? {}), onProgress: () => options.onProgress?.(++done, total) });
    simSetup = grid.setup;
    const list = simNames.map((name) =>
      name === 'failure_heuristic'
        ? failureHeuristicMethod(grid)
        : name === 'failure_trees_shipped'
          ? shippedTreesMethod(shipped)
          : (pool.get(name) as FailureMethod),
    );
    scoreDataset(grid, list, grid);
  }
  const metrics: FailureBenchMetrics = {
    task: 'failure',
    data: options.root,
    datasets,
    splits,
    skipped,
    methods: described,
    notes: [
      `hourly grid per entity: label = a failure onset in [τ, τ + ${HORIZON_H} h) (Grid'5000: an unavailability interval starts — a node's first interval, when unavailable, is not an observed onset; LANL: a failure record starts; lanl_system: a record anywhere in the system); an entity is on the grid from the start to the end of its observation.`,
      "features use only onsets and down intervals begun before τ (grid.ts): of the entity, hours since the last onset (since observation start when none, with a no_failure_yet flag), onsets in the last 1 h / 3 h / 6 h / 24 h / 7 d and in the 6-hour window a day and a week before, down now and for how long, hours since it came back up and the length of that down interval, lifetime onsets per day, hours observed, UTC hour of day and day of week; per cluster and site (Grid'5000) or system (LANL): onsets in the same windows, hours since the group's last onset, share of the group down now. logistic_regression sees every column; homeostat chooses a subset on the tune rows (info.feature_set, info.features); persistence reads failures_6h only.",
      "split from the data: trace end = the last onset or interval start rounded up to a UTC day; test = the last 3 calendar months (Grid'5000) or 24 (LANL) before it; training = all before, its first 80 % to fit, its last 20 % (tune) to choose thresholds; rows whose 6-hour label window crosses into a later period are dropped.",
      'top-level figures are on the test period; "tuning" holds the same figures on the tune rows. Thresholds: always_no and persistence 0.5 (their probabilities are 0/1); logistic_regression and homeostat (after Platt calibration on the tune rows) the F1-maximising threshold on the tune rows.',
      'when a period holds more rows than its cap (training 2,000,000, test 3,000,000 by default), negative rows are sampled deterministically (hash of entity and hour) and weighted 1 / rate; positive rows are all kept, so event recall and lead time are exact; the other figures are weighted estimates (see splits.*.periods.*.sample_rate). Predictions CSVs hold the kept test rows, with a weight column when any weight differs from 1.',
      "LANL: systems are observed from their production month (or first record) until their decommission month or the trace end; a system's nodes that never fail form one row per hour (`<system>/others`) weighted by their number; records without a node number count at system level only; times read as UTC.",
      'event_recall = onsets with at least one positive prediction of their entity in the 6 hours before (rows τ with s − 6 h < τ ≤ s) / onsets with such rows; median_lead_h = median of s − the first positive τ; ece over 10 equal-width bins; brier = mean (p − y)²; reliability = per bin of those 10, the (weighted) row count, mean predicted probability and observed positive rate.',
      ...(simSetup === undefined
        ? []
        : [
            `simulated: ${simSetup}. Rows every 10 min: the engine's failure features of each entity at τ from samples before τ only, label = a failure of the entity in [τ, τ + 6 h). Failures: memory_leak → its service crashes (only the first crash: later ones depend on who repairs it), disk_fill → its host's disk is full, host_failure → its host is down, dependency_outage with the store down → the database or queue is down at onset (no leading indicator by construction); other kinds never fail. After its first failure an entity has no more rows. Split by seed: fit ${SIM_FIT_SEEDS.join(', ')}, tune ${SIM_TUNE_SEEDS.join(', ')}, test ${SIM_TEST_SEEDS.join(', ')} (by default); by_kind = event recall and lead per fault kind.`,
            'simulated: no anomaly detector runs while the rows are built (noteAnomaly is not fed), so minutes_since_anomaly is constant there; persistence is not run (no failure-history column in telemetry rows); predictable_positive_share = positive rows at or after the onset of the fault behind their failure: rows before it cannot be foreseen from telemetry, which bounds row recall; each method\'s "foreseeable" figures are its test figures without those rows (same threshold), a secondary view of how well it reads the leading indicators once they exist.',
          ]),
    ],
    seconds: round((performance.now() - started) / 1000, 2),
  };
  if (options.out) {
    const dir = join(options.out, 'failure');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    writeFileSync(join(dir, 'report.html'), renderFailureReport(metrics, curves, formatFailureTables(metrics)));
  }
  return metrics;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), line(head.map((_, i) => '-'.repeat(widths[i] ?? 0))), ...rows.map(line), ''];
}

/**
 * One plain-text table per dataset (metrics as rows, methods as columns), then the split of each
 * dataset, skipped folders, methods and notes.
 * @example process.stdout.write(formatFailureTables(runFailureBench({ root })))
 */
export function formatFailureTables(m: FailureBenchMetrics): string {
  const out: string[] = [];
  for (const [name, d] of Object.entries(m.datasets)) {
    const names = Object.keys(d);
    out.push(
      ...table(
        [name, ...names],
        FAILURE_TABLE_METRICS.map((metric) => [metric, ...names.map((meth) => failureCell(failureValue(d[meth], metric)))]),
      ),
    );
    const kinds = [...new Set(names.flatMap((meth) => Object.keys(d[meth]?.by_kind ?? {})))].sort();
    if (kinds.length > 0) {
      out.push(
        ...table(
          [`${name} event recall by fault kind (detected/events, median lead h)`, ...names],
          kinds.map((k) => [
            k,
            ...names.map((meth) => {
              const f = d[meth]?.by_kind?.[k];
              return f ? `${f.detected}/${f.events} ${failureCell(f.median_lead_h)}` : '-';
            }),
          ]),
        ),
      );
    }
    const s = m.splits[name];
    if (s) {
      for (const [period, p] of Object.entries(s.periods)) {
        out.push(
          `${name} ${period}: ${p.from} → ${p.to}, ${p.rows} rows (${p.entity_hours} entity-hours, sample rate ${p.sample_rate}), base rate ${p.base_rate}, ${p.events} onsets${p.predictable_positive_share === undefined ? '' : `, predictable positive share ${p.predictable_positive_share}`}`,
        );
      }
      out.push(`${name} predictions: ${s.predictions}`, '');
    }
  }
  for (const [name, reason] of Object.entries(m.skipped)) out.push(`${name}: skipped (${reason})`, '');
  out.push(...Object.entries(m.methods).map(([name, what]) => `- ${name}: ${what}`));
  out.push(...m.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
