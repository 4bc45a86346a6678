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
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, invalid } from '../../errors.js';
import { type FailureTrace, readGrid5000, readLanl } from './datasets.js';
import { buildFailureGrid, type FailureGrid, type GridSplit, HORIZON_H, HOUR_MS } from './grid.js';
import { homeostatMethod } from './homeostat-method.js';
import { type FailureMethod, failureBaselines } from './methods.js';
import { averagePrecision, calibration, eventFigures, type PrPoint, prCurve, rocAuc, scoreGroups, thresholdFigures } from './metrics.js';
import { FAILURE_TABLE_METRICS, failureCell, failureValue, renderFailureReport } from './report.js';

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
}

/** One method's figures on one dataset: test figures, the threshold, tune-row figures and timing. */
export interface FailureMethodMetrics extends FailureFigures {
  readonly threshold: number;
  readonly seconds: number;
  readonly tuning: FailureFigures;
  readonly info?: Readonly<Record<string, unknown>>;
}

/** How a dataset was split and sampled. */
export interface FailureSplitInfo {
  readonly entities: number;
  readonly periods: Readonly<
    Record<
      'fit' | 'tune' | 'test',
      { from: string; to: string; rows: number; entity_hours: number; base_rate: number; sample_rate: number; events: number }
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
}

/** Every method of the benchmark, in report order: `homeostat` (XGBoost trees), then the baselines. */
export function failureMethods(): FailureMethod[] {
  return [homeostatMethod(), ...failureBaselines()];
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
): { figures: FailureFigures; curve: PrPoint[] } {
  const m = split.matrix;
  const groups = scoreGroups(prob, m.label, m.weight);
  const at = thresholdFigures(prob, m.label, threshold, m.weight);
  const positive = new Uint8Array(m.rows);
  for (let i = 0; i < m.rows; i++) positive[i] = (prob[i] as number) >= threshold ? 1 : 0;
  const ev = eventFigures(m, grid.t0, positive, split.events, grid.horizonH);
  const cal = calibration(prob, m.label, m.weight);
  return {
    figures: {
      accuracy: round(at.accuracy, 6),
      base_rate: round(at.base_rate, 6),
      balanced_accuracy: round(at.balanced_accuracy, 6),
      roc_auc: round(rocAuc(groups), 6),
      pr_auc: round(averagePrecision(groups), 6),
      precision: round(at.precision, 6),
      recall: round(at.recall, 6),
      event_recall: round(ev.event_recall, 6),
      median_lead_h: round(ev.median_lead_h, 2),
      ece: round(cal.ece, 6),
      brier: round(cal.brier, 6),
      events: ev.events,
      events_detected: ev.detected,
      positive_rate: round(at.positive_rate, 6),
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
  let weighted = false;
  for (let i = 0; i < m.rows && !weighted; i++) weighted = m.weight[i] !== 1;
  mkdirSync(join(file, '..'), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    let chunk = weighted ? 'entity,timestamp,probability,label,weight\n' : 'entity,timestamp,probability,label\n';
    for (let i = 0; i < m.rows; i++) {
      const name = grid.entities[m.entity[i] as number] as string;
      const entity = /[",\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
      chunk += `${entity},${iso(grid.t0 + (m.hour[i] as number) * HOUR_MS)},${Number((prob[i] as number).toPrecision(6))},${m.label[i]}`;
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

function splitInfo(grid: FailureGrid, predictions: string): FailureSplitInfo {
  const info = (s: GridSplit) => ({
    from: iso(s.from),
    to: iso(s.to),
    rows: s.matrix.rows,
    entity_hours: s.entityHours,
    base_rate: round(s.entityHours > 0 ? s.positives / s.entityHours : Number.NaN, 6),
    sample_rate: round(s.sampleRate, 6),
    events: s.events.time.length,
  });
  return { entities: grid.entities.length, periods: { fit: info(grid.fit), tune: info(grid.tune), test: info(grid.test) }, predictions };
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
  const known = every.map((m) => m.name);
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
  const total = traces.length * methods.length;
  let done = 0;
  const datasets: Record<string, Record<string, FailureMethodMetrics>> = {};
  const splits: Record<string, FailureSplitInfo> = {};
  const curves: FailureCurve[] = [];
  for (const { trace, testMonths } of traces) {
    const grid = buildFailureGrid(trace, {
      testMonths,
      ...(options.maxTrainRows ? { maxTrainRows: options.maxTrainRows } : {}),
      ...(options.maxTestRows ? { maxTestRows: options.maxTestRows } : {}),
    });
    const input = { fit: grid.fit.matrix, tune: grid.tune.matrix, test: grid.test.matrix };
    const results: Record<string, FailureMethodMetrics> = {};
    let best: { name: string; prAuc: number; test: Float64Array } | undefined;
    for (const method of methods) {
      const t = performance.now();
      const output = method.run(input);
      const seconds = (performance.now() - t) / 1000;
      const test = figuresOf(grid, grid.test, output.test, output.threshold);
      const tuning = figuresOf(grid, grid.tune, output.tune, output.threshold);
      results[method.name] = {
        ...test.figures,
        threshold: round(output.threshold, 6),
        seconds: round(seconds, 2),
        tuning: tuning.figures,
        ...(output.info ? { info: output.info } : {}),
      };
      curves.push({ dataset: trace.name, method: method.name, points: test.curve });
      const prAuc = Number.isNaN(tuning.figures.pr_auc) ? -1 : tuning.figures.pr_auc;
      if (!best || prAuc > best.prAuc) best = { name: method.name, prAuc, test: output.test };
      options.onProgress?.(++done, total);
    }
    datasets[trace.name] = results;
    const why = best ? `${best.name} (best PR-AUC on the tune rows, ${best.prAuc})` : 'none';
    splits[trace.name] = splitInfo(grid, why);
    if (options.out && best) writePredictions(join(options.out, 'failure', 'predictions', `${trace.name}.csv`), grid, best.test);
  }
  const metrics: FailureBenchMetrics = {
    task: 'failure',
    data: options.root,
    datasets,
    splits,
    skipped,
    methods: Object.fromEntries(methods.map((m) => [m.name, m.description])),
    notes: [
      `hourly grid per entity: label = a failure onset in [τ, τ + ${HORIZON_H} h) (Grid'5000: an unavailability interval starts — a node's first interval, when unavailable, is not an observed onset; LANL: a failure record starts; lanl_system: a record anywhere in the system); an entity is on the grid from the start to the end of its observation.`,
      "features use only onsets before τ: hours since the last onset (since observation start when none, with a no_failure_yet flag), onsets in the last 6 h / 24 h / 7 d, down now, lifetime onsets per day; the same counts for the cluster and site (Grid'5000) or system (LANL).",
      "split from the data: trace end = the last onset or interval start rounded up to a UTC day; test = the last 3 calendar months (Grid'5000) or 24 (LANL) before it; training = all before, its first 80 % to fit, its last 20 % (tune) to choose thresholds; rows whose 6-hour label window crosses into a later period are dropped.",
      'top-level figures are on the test period; "tuning" holds the same figures on the tune rows. Thresholds: always_no and persistence 0.5 (their probabilities are 0/1); logistic_regression and homeostat (after Platt calibration on the tune rows) the F1-maximising threshold on the tune rows.',
      'when a period holds more rows than its cap (training 2,000,000, test 3,000,000 by default), negative rows are sampled deterministically (hash of entity and hour) and weighted 1 / rate; positive rows are all kept, so event recall and lead time are exact; the other figures are weighted estimates (see splits.*.periods.*.sample_rate). Predictions CSVs hold the kept test rows, with a weight column when any weight differs from 1.',
      "LANL: systems are observed from their production month (or first record) until their decommission month or the trace end; a system's nodes that never fail form one row per hour (`<system>/others`) weighted by their number; records without a node number count at system level only; times read as UTC.",
      'event_recall = onsets with at least one positive prediction of their entity in the 6 hours before (rows τ with s − 6 h < τ ≤ s) / onsets with such rows; median_lead_h = median of s − the first positive τ; ece over 10 equal-width bins; brier = mean (p − y)².',
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
    const s = m.splits[name];
    if (s) {
      for (const [period, p] of Object.entries(s.periods)) {
        out.push(
          `${name} ${period}: ${p.from} → ${p.to}, ${p.rows} rows (${p.entity_hours} entity-hours, sample rate ${p.sample_rate}), base rate ${p.base_rate}, ${p.events} onsets`,
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
