/**
 * @module bench/rca/run
 * The root-cause benchmark harness (`homeostat bench rca`): ranks the candidates of every case
 * found under a datasets root (Sock Shop, PetShop with its no-issue windows, SMD attribution) with
 * Homeostat's ranker and the baselines in the same run, and writes `OUT/rca/metrics.json`, the
 * homeostat rankings as CSV and an HTML report with a reliability diagram per method.
 *
 * Protocol: every method ranks every case independently (no state across cases). Figures per
 * dataset and method: the `report` cases at the top level, the `dev` cases (the only ones on which
 * settings may be chosen) under `tuning`. Splits: Sock Shop runs 1–2 dev, 3–5 report; PetShop
 * train issues dev, test issues report, no-issue windows first half dev, second half report; SMD
 * machine-1-* dev, the others report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, invalid } from '../../errors.js';
import type { CaseRanker, CaseRanking, RcaCase } from '../../rca/case-types.js';
import { figureCell } from '../report-html.js';
import {
  type Loaded,
  PETSHOP_WINDOW_NORMAL_ROWS,
  PETSHOP_WINDOW_ROWS,
  readPetshop,
  readSmdAttribution,
  readSockShop,
  SMD_REFERENCE_ROWS,
} from './datasets.js';
import { baro, type RcaMethod, rcaBaselines } from './methods.js';
import { BLAME_CONFIDENCE, type RcaFigures, rcaFigures, reliabilityBins, type ScoredCase, truthRank } from './metrics.js';
import { type RcaReliabilityChart, renderRcaReport } from './report.js';

/** One method's figures on one dataset: the report split at the top level, the dev split under `tuning`. */
export type RcaMethodMetrics = RcaFigures & { tuning?: RcaFigures };

/** The content of `OUT/rca/metrics.json` (the datasets README's "Benchmark output"). */
export interface RcaBenchMetrics {
  readonly task: 'rca';
  readonly data: string;
  readonly datasets: Record<string, Record<string, RcaMethodMetrics>>;
  /** Dataset → why it was skipped. */
  readonly skipped: Record<string, string>;
  /** Method → what it is. */
  readonly methods: Readonly<Record<string, string>>;
  /** The protocol behind the figures, one sentence each. */
  readonly notes: readonly string[];
  readonly seconds: number;
}

/** Options of {@link runRcaBench}. */
export interface RcaBenchOptions {
  /** Datasets root (the folder holding `rca/` and `anomaly/smd`). */
  readonly data: string;
  /** Output folder; writes `OUT/rca/...`. Undefined = write nothing. */
  readonly out?: string;
  /** Baselines to run besides `homeostat` (always run); default every baseline. Unknown names are an error. */
  readonly only?: readonly string[];
  /** Homeostat's ranker. Default: the BARO-like baseline, named as such in the methods and notes. */
  readonly homeostat?: CaseRanker;
  /** Description of `homeostat` when given. */
  readonly homeostatDescription?: string;
  /** Called after each case and method (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Receives one line per skipped folder or case. Default: stderr. */
  readonly onLog?: (line: string) => void;
}

/** The dataset names in the order they are read. */
export const RCA_DATASETS = ['sock-shop', 'petshop', 'smd-attribution'] as const;

const READERS: Readonly<Record<(typeof RCA_DATASETS)[number], (root: string) => Loaded<RcaCase>>> = {
  'sock-shop': readSockShop,
  petshop: readPetshop,
  'smd-attribution': readSmdAttribution,
};

function round(x: number | undefined, digits = 4): number | undefined {
  if (x === undefined || !Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function rounded(f: RcaFigures): RcaFigures {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(f)) {
    const r = round(v as number);
    if (r !== undefined) out[k] = r;
  }
  return out as unknown as RcaFigures;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function num(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : '';
}

/** A dataset name as a file name: anything but letters, digits, `.`, `_`, `-` becomes `_`. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Rankings CSV rows (`case,rank,candidate,confidence,truth`; truth 1/0 = the candidate is a true cause, empty when unknown). */
export function rankingRows(cases: readonly RcaCase[], rankings: readonly CaseRanking[]): string[] {
  const lines = ['case,rank,candidate,confidence,truth'];
  cases.forEach((c, i) => {
    const truth = c.truth ? new Set(c.truth) : undefined;
    (rankings[i] as CaseRanking).ranked.forEach((r, k) => {
      const label = truth === undefined ? '' : truth.has(r.candidate) ? '1' : '0';
      lines.push(`${csvField(c.id)},${k + 1},${csvField(r.candidate)},${num(r.confidence)},${label}`);
    });
  });
  return lines;
}

function methodsOf(options: RcaBenchOptions): RcaMethod[] {
  const baselines = rcaBaselines();
  const known = baselines.map((b) => b.name);
  const wanted = options.only;
  if (wanted) {
    const unknown = wanted.filter((w) => w !== 'homeostat' && !known.includes(w));
    if (unknown.length > 0) {
      throw invalid(`bench rca: unknown method ${unknown.map((u) => describe(u)).join(', ')} (expected some of: ${known.join(', ')})`);
    }
  }
  const homeostat: RcaMethod = options.homeostat
    ? { name: 'homeostat', description: options.homeostatDescription ?? "Homeostat's root-cause ranker", rank: options.homeostat }
    : {
        name: 'homeostat',
        description: 'PLACEHOLDER: the BARO-like baseline (same as baro) until the Homeostat ranker is wired in',
        rank: baro,
      };
  return [homeostat, ...baselines.filter((b) => wanted === undefined || wanted.includes(b.name))];
}

/**
 * Runs the root-cause benchmark on the datasets under `data` that exist (a missing folder is
 * skipped with a line through `onLog`) and, with `out`, writes `OUT/rca/metrics.json`,
 * `OUT/rca/rankings/<dataset>.csv` (homeostat's rankings of every case) and `OUT/rca/report.html`.
 * @returns the metrics (also the content of metrics.json).
 * @throws HomeostatError invalid_argument on a malformed dataset file or an unknown method name.
 * @example const m = runRcaBench({ data: '../shared/datasets', out: 'bench-out' }); m.datasets['sock-shop']?.baro?.ac1
 */
export function runRcaBench(options: RcaBenchOptions): RcaBenchMetrics {
  const started = performance.now();
  const log = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const methods = methodsOf(options);
  const skipped: Record<string, string> = {};
  const found: Array<{ name: string; cases: readonly RcaCase[] }> = [];
  for (const name of RCA_DATASETS) {
    const loaded = READERS[name](options.data);
    if (loaded.data === undefined) {
      skipped[name] = loaded.reason;
      log(`skipping ${name}: ${loaded.reason}`);
      continue;
    }
    for (const s of loaded.skipped) log(`${name}: skipping ${s.name}: ${s.reason}`);
    if (loaded.data.length === 0) {
      skipped[name] = `${loaded.path} holds no usable case`;
      log(`skipping ${name}: ${skipped[name]}`);
      continue;
    }
    found.push({ name, cases: loaded.data });
  }
  const total = found.reduce((a, d) => a + d.cases.length, 0) * methods.length;
  let done = 0;
  const datasets: Record<string, Record<string, RcaMethodMetrics>> = {};
  const pooled = new Map(methods.map((m) => [m.name, { correct: [] as boolean[], confidence: [] as number[] }]));
  for (const d of found) {
    const withHitRate = d.cases.some((c) => (c.truth?.length ?? 0) > 1);
    const perMethod: Record<string, RcaMethodMetrics> = {};
    for (const method of methods) {
      const rankings = d.cases.map((c) => {
        const r = method.rank(c);
        options.onProgress?.(++done, total);
        return r;
      });
      const scored = (split: 'dev' | 'report'): ScoredCase[] =>
        d.cases.flatMap((c, i) => ((c.split ?? 'report') === split ? [{ truth: c.truth, ranking: rankings[i] as CaseRanking }] : []));
      const report = rcaFigures(scored('report'), withHitRate);
      const dev = rcaFigures(scored('dev'), withHitRate);
      perMethod[method.name] = { ...rounded(report), tuning: rounded(dev) };
      const pool = pooled.get(method.name) as { correct: boolean[]; confidence: number[] };
      d.cases.forEach((c, i) => {
        if (!c.truth || c.truth.length === 0) return;
        const r = rankings[i] as CaseRanking;
        pool.correct.push(
          truthRank(
            r.ranked.map((x) => x.candidate),
            c.truth,
          ) === 1,
        );
        pool.confidence.push(r.ranked[0]?.confidence ?? 0);
      });
      if (method.name === 'homeostat' && options.out) {
        const dir = join(options.out, 'rca', 'rankings');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${fileSafe(d.name)}.csv`), `${rankingRows(d.cases, rankings).join('\n')}\n`);
      }
    }
    datasets[d.name] = perMethod;
  }
  const metrics: RcaBenchMetrics = {
    task: 'rca',
    data: options.data,
    datasets,
    skipped,
    methods: Object.fromEntries(methods.map((m) => [m.name, m.description])),
    notes: [
      'every method ranks the candidates of every case on its own (no state across cases); rows before anomalyStart are the normal reference, rows from it the incident.',
      'figures: the report cases at the top level, the dev cases under "tuning" (settings may be chosen on dev only). Splits: sock-shop runs 1–2 dev, 3–5 report; petshop train issues dev, test issues report, no-issue windows first half of the file dev, second half report; smd-attribution machine-1-* dev, others report.',
      `ac1 / ac3 = share of issue cases with a true cause at rank 1 / within the top 3; avg5 = mean of AC@1..AC@5; ece (10 equal-width bins) and brier of the top-1 confidence against "the top-1 candidate is a true cause"; mean_confidence = mean top-1 confidence; rankings are scored whatever the method's anomalous flag says.`,
      `specificity (petshop no-issue windows, truth = []) = share of windows where the method blames nobody: it says anomalous: false, or its top-1 confidence is below ${BLAME_CONFIDENCE}.`,
      'hitrate_100 / hitrate_150 (smd-attribution, several true metrics per segment) = mean over cases of the share of the true metrics among the top ⌊P·|truth|⌋ candidates (OmniAnomaly).',
      `sock-shop: one case per run, rows = normal.csv then anomalous.csv, candidates = containers (carts_cpu → carts), truth = the folder's service; orders-mem/5's normal window was recorded after its fault window and is re-timed to precede it (values untouched).`,
      `petshop: issue cases use the issue file's own rows before target.timestamp as the normal reference (2 of 5 rows; the noissue file is months apart with other columns); no-issue cases are consecutive ${PETSHOP_WINDOW_ROWS}-row windows of noissue/metrics.csv with ${PETSHOP_WINDOW_NORMAL_ROWS} reference rows, the shape of an issue file. The train issues all share one root cause (PetSearch): they check the format, not a ranking.`,
      `smd-attribution: one case per interpretation line; normal reference = the machine's last ${SMD_REFERENCE_ROWS} train rows, incident = the labelled test segment; candidates = the 38 metric columns m01..m38, each declared with the full scale 0–1 (the dataset's authors min-max scaled every metric; without that declaration the per-metric attribution measures changes against the range seen in the case, which ranks less well).`,
      'reliability diagrams pool every issue case of every dataset and split.',
      ...(options.homeostat ? [] : ['homeostat is a PLACEHOLDER here: the BARO-like baseline, until the Homeostat ranker is passed in.']),
    ],
    seconds: round((performance.now() - started) / 1000, 2) as number,
  };
  if (options.out) {
    const dir = join(options.out, 'rca');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    const charts: RcaReliabilityChart[] = methods.map((m) => {
      const p = pooled.get(m.name) as { correct: boolean[]; confidence: number[] };
      return { method: m.name, cases: p.correct.length, bins: reliabilityBins(p.correct, p.confidence, 10) };
    });
    writeFileSync(join(dir, 'report.html'), renderRcaReport(metrics, charts, formatRcaTables(metrics)));
  }
  return metrics;
}

/** The metric rows of the printed tables (`tuning.x` = the dev split). */
export const RCA_TABLE_METRICS = [
  'ac1',
  'ac3',
  'avg5',
  'ece',
  'brier',
  'mean_confidence',
  'specificity',
  'hitrate_100',
  'hitrate_150',
  'cases',
  'no_issue_cases',
] as const;

/** A method's figure by table row name (`tuning.ac1` reads the dev figures). */
export function rcaValue(m: RcaMethodMetrics | undefined, metric: string): number | undefined {
  if (metric.startsWith('tuning.')) return (m?.tuning as Record<string, number> | undefined)?.[metric.slice('tuning.'.length)];
  return (m as Record<string, number> | undefined)?.[metric];
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), line(head.map((_, i) => '-'.repeat(widths[i] ?? 0))), ...rows.map(line), ''];
}

/**
 * One plain-text table per dataset (metrics as rows: the report split, then `tuning.*` = the dev
 * split; rows no method has are left out), then the skipped datasets, methods and notes.
 * @example process.stdout.write(formatRcaTables(runRcaBench({ data: root })))
 */
export function formatRcaTables(m: RcaBenchMetrics): string {
  const out: string[] = [];
  for (const [name, d] of Object.entries(m.datasets)) {
    const names = Object.keys(d);
    const rows: string[][] = [];
    for (const metric of [...RCA_TABLE_METRICS, ...RCA_TABLE_METRICS.map((x) => `tuning.${x}`)]) {
      const values = names.map((meth) => rcaValue(d[meth], metric));
      if (values.every((v) => v === undefined)) continue;
      rows.push([metric, ...values.map(figureCell)]);
    }
    out.push(...table([name, ...names], rows));
  }
  for (const [name, reason] of Object.entries(m.skipped)) out.push(`${name}: skipped (${reason})`, '');
  out.push(...Object.entries(m.methods).map(([name, what]) => `- ${name}: ${what}`));
  out.push(...m.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
