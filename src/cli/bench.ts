/**
 * @module cli/bench
 * `homeostat bench <task>`: measured evaluations. `loop` runs the closed loop on the simulator;
 * `anomaly` scores the default detector and a baseline on NAB, SMD and KPI; `capacity` scores
 * 24-hour forecasts on the capacity traces and the AWS per-instance series; `failure` scores
 * 6-hour failure forecasts on the Grid'5000 and LANL failure traces; `rca` ranks root causes on
 * Sock Shop, PetShop and the SMD attribution labels beside NSigma and BARO-like baselines;
 * `scaling` runs the loop under growing demand with and without pre-emptive scaling; `ingest`
 * measures the telemetry doors (JSON, OTLP protobuf and JSON, remote_write) over real HTTP.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatAnomalyTables, runAnomalyBench } from '../bench/anomaly/index.js';
import { formatCapacityTables, runCapacityBench } from '../bench/capacity/index.js';
import { formatFailureTables, runFailureBench } from '../bench/failure/index.js';
import { formatIngestTable, runIngestBench } from '../bench/ingest.js';
import { formatLoopTable, runLoopBench } from '../bench/loop.js';
import { formatRcaTables, runRcaBench } from '../bench/rca/index.js';
import { formatScalingTable, runScalingBench } from '../bench/scaling.js';
import { invalid } from '../errors.js';
import { createMetricRanker, METRIC_RANKER_DESCRIPTION } from '../rca/index.js';
import { type FlagSpec, helpText, parseArgs } from './args.js';
import { ProgressBar } from './progress.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const LOOP_FLAGS: readonly FlagSpec[] = [
  { name: 'days', type: 'number', description: 'simulated days scored (after a 12 h warm-up)', defaultText: '3' },
  { name: 'faults', type: 'number', description: 'faults injected over the scored period (every kind in turn)', defaultText: '24' },
  { name: 'seed', type: 'number', description: 'simulator seed', defaultText: '7' },
  { name: 'out', type: 'string', description: 'output folder; writes OUT/loop/metrics.json', defaultText: 'bench-out' },
  { name: 'policy', type: 'string', description: 'policy table (YAML)', defaultText: 'policies/default.yaml' },
  {
    name: 'kill-switch',
    type: 'boolean',
    description: 'baseline: the engine pages but never acts; faults wait for the simulated on-call',
    defaultText: 'false',
  },
  {
    name: 'operator-labels',
    type: 'boolean',
    description: 'the simulated on-call also labels anomalies and root causes 30 min after, and the engine learns from them',
    defaultText: 'false',
  },
];

/** Help of `bench`. */
export const BENCH_HELP = `Runs a benchmark and prints its table.

Usage: homeostat bench <task> [options]

Tasks:
  loop     the closed Detect → Predict → Decide → Heal loop against the simulated fleet
  anomaly  anomaly detection on NAB, SMD and KPI (labelled real data) beside a baseline
  capacity 24-hour demand forecasts on the Google, Azure and AWS traces beside seasonal-naive
  failure  6-hour failure forecasts on the Grid'5000 and LANL traces beside simple baselines
  rca      root-cause ranking on Sock Shop, PetShop and SMD attribution beside NSigma and BARO-like
  scaling  the loop under growing demand, with and without pre-emptive scaling (capacity plans)
  ingest   throughput, latency, CPU and bytes per point of the telemetry doors over real HTTP

Run homeostat bench <task> --help for the options of a task.
`;

const LOOP_HELP = helpText(
  'homeostat bench loop --days D --faults K --seed S [--out OUT]',
  'Runs the engine against the fleet simulator in simulated time with K faults and scores it\nagainst the exact ground truth: detection, MTTD, top-1 root cause, auto-remediation, MTTR,\nescalations, wrong actions, false alarms, decisions per day and per wall-clock second.',
  LOOP_FLAGS,
);

const SCALING_FLAGS: readonly FlagSpec[] = [
  { name: 'growth', type: 'number', description: 'daily growth of every edge service demand, in [0, 1]', defaultText: '0.15' },
  { name: 'days', type: 'number', description: 'days of growth, scored', defaultText: '4' },
  { name: 'warmup-days', type: 'number', description: 'days of steady traffic before the growth', defaultText: '7' },
  { name: 'seed', type: 'number', description: 'simulator seed', defaultText: '11' },
  { name: 'out', type: 'string', description: 'output folder; writes OUT/scaling/metrics.json', defaultText: 'bench-out' },
  { name: 'policy', type: 'string', description: 'policy table (YAML)', defaultText: 'policies/default.yaml' },
];

const SCALING_HELP = helpText(
  'homeostat bench scaling [--growth G] [--days D] [--warmup-days W] [--seed S] [--out OUT]',
  'Runs the engine against a fleet of 12 simulated services whose edge demand grows by G a day\nafter W steady days, twice on the same seed: with capacity plans allowed to scale out ahead of\nthe forecast peak, and reactive only. Reports overloaded (saturation ≥ 1) and hot (≥ 0.9)\nservice-minutes, scale-outs (pre-emptive / reactive), replicas added, incidents, escalations.',
  SCALING_FLAGS,
);

async function scalingCommand(rest: readonly string[]): Promise<number> {
  const args = parseArgs(rest, SCALING_FLAGS, 'homeostat bench scaling');
  if (args.help) {
    process.stdout.write(SCALING_HELP);
    return 0;
  }
  const growth = (args.flags.growth as number | undefined) ?? 0.15;
  const days = (args.flags.days as number | undefined) ?? 4;
  const warmupDays = (args.flags['warmup-days'] as number | undefined) ?? 7;
  const seed = (args.flags.seed as number | undefined) ?? 11;
  const out = (args.flags.out as string | undefined) ?? 'bench-out';
  const policyPath = (args.flags.policy as string | undefined) ?? join(ROOT, 'policies/default.yaml');
  if (!(growth >= 0 && growth <= 1))
    throw invalid(`homeostat bench scaling: --growth must be in [0, 1], e.g. 0.15 for +15 % a day (got ${growth})`);
  if (!(days > 0 && days <= 30)) throw invalid(`homeostat bench scaling: --days must be in (0, 30] (got ${days})`);
  if (!(warmupDays >= 2 && warmupDays <= 30))
    throw invalid(`homeostat bench scaling: --warmup-days must be in [2, 30]: the forecasters need history (got ${warmupDays})`);
  if (!Number.isInteger(seed)) throw invalid(`homeostat bench scaling: --seed must be an integer (got ${seed})`);
  return simulatorTask(
    'scaling',
    out,
    (onProgress) => runScalingBench({ seed, days, warmupDays, growthPerDay: growth, policyPath, onProgress }),
    formatScalingTable,
  );
}

const INGEST_FLAGS: readonly FlagSpec[] = [
  { name: 'series', type: 'number', description: 'series per request (4 per host entity)', defaultText: '2000' },
  { name: 'points', type: 'number', description: 'points per series per request', defaultText: '10' },
  { name: 'requests', type: 'number', description: 'timed requests per door and mode', defaultText: '20' },
  { name: 'concurrency', type: 'number', description: 'requests in flight in the concurrent mode, 1 to 8', defaultText: '4' },
  { name: 'seed', type: 'number', description: 'seed of the values', defaultText: '1' },
  { name: 'out', type: 'string', description: 'output folder; writes OUT/ingest/metrics.json', defaultText: 'bench-out' },
  { name: 'policy', type: 'string', description: 'policy table (YAML)', defaultText: 'policies/default.yaml' },
];

const INGEST_HELP = helpText(
  'homeostat bench ingest [--series N] [--points P] [--requests R] [--concurrency C] [--out OUT]',
  'Starts a platform (SQLite in memory, points persisted) and its API on 127.0.0.1, then sends the\nsame data (N series × P points per request, R timed requests per door and mode) through the JSON\ningest (the baseline), OTLP/HTTP protobuf, OTLP/HTTP JSON and remote_write doors, one request at a\ntime and C at a time, over keep-alive HTTP. Reports points/s, latency p50/p95/p99, process CPU and\nbody bytes per point, each also as a ratio to JSON, and checks that every point was accepted.',
  INGEST_FLAGS,
);

async function ingestCommand(rest: readonly string[]): Promise<number> {
  const args = parseArgs(rest, INGEST_FLAGS, 'homeostat bench ingest');
  if (args.help) {
    process.stdout.write(INGEST_HELP);
    return 0;
  }
  if (args.positional.length > 0)
    throw invalid(`homeostat bench ingest: unexpected argument ${args.positional[0]} (see homeostat bench ingest --help)`);
  const out = (args.flags.out as string | undefined) ?? 'bench-out';
  const policyPath = (args.flags.policy as string | undefined) ?? join(ROOT, 'policies/default.yaml');
  const num = (name: string): number | undefined => args.flags[name] as number | undefined;
  const series = num('series');
  const points = num('points');
  const requests = num('requests');
  const concurrency = num('concurrency');
  const seed = num('seed');
  return simulatorTask(
    'ingest',
    out,
    (onProgress) =>
      runIngestBench({
        policyPath,
        onProgress,
        ...(series !== undefined ? { series } : {}),
        ...(points !== undefined ? { points } : {}),
        ...(requests !== undefined ? { requests } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(seed !== undefined ? { seed } : {}),
      }),
    formatIngestTable,
  );
}

/**
 * Runs a simulator benchmark (`loop`, `scaling`) or the `ingest` one with a progress bar, writes OUT/<task>/metrics.json
 * and prints its table.
 */
async function simulatorTask<M>(
  task: 'loop' | 'scaling' | 'ingest',
  out: string,
  run: (onProgress: (done: number, total: number) => void) => Promise<M>,
  format: (m: M) => string,
): Promise<number> {
  let bar: ProgressBar | undefined;
  const metrics = await run((done, total) => {
    bar ??= new ProgressBar(`bench ${task}`, total);
    bar.update(done);
  });
  bar?.done();
  const dir = join(out, task);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  process.stdout.write(`${format(metrics)}\nwrote ${join(dir, 'metrics.json')}\n`);
  return 0;
}

const ANOMALY_FLAGS: readonly FlagSpec[] = [
  { name: 'data', type: 'string', description: 'datasets root (holding anomaly/{nab,smd,kpi})', defaultText: '../shared/datasets' },
  {
    name: 'out',
    type: 'string',
    description: 'output folder; writes OUT/anomaly/{metrics.json,report.html,scores/}',
    defaultText: 'bench-out',
  },
  {
    name: 'methods',
    type: 'string',
    description: 'comma-separated methods to run besides homeostat (e.g. robust_z_train,seasonal_robust)',
    defaultText: 'all',
  },
];

const ANOMALY_HELP = helpText(
  'homeostat bench anomaly [--data DIR] [--out OUT]',
  "Scores Homeostat's default detector (homeostat), every other detector of the catalog and the\nbaselines (robust_z_rolling; robust_z_train on SMD) on NAB, SMD and KPI with the datasets README's\nmetrics; thresholds come from training data (SMD train, KPI first half) or NAB's per-profile sweep;\nSMD figures also over the held-out machines (not machine-1-*). Missing dataset folders are skipped\nwith a line saying so.",
  ANOMALY_FLAGS,
);

/** A benchmark over a datasets root: `--data`, `--out`, `--methods`, a progress bar, printed tables. */
interface DatasetTask<M extends { readonly seconds: number }> {
  readonly task: 'anomaly' | 'capacity' | 'failure' | 'rca';
  readonly flags: readonly FlagSpec[];
  readonly help: string;
  /** The folder of raw outputs under OUT/<task>, named in the last line. */
  readonly rawOutputs: string;
  run(options: {
    readonly root: string;
    readonly out: string;
    readonly methods: readonly string[] | undefined;
    readonly onProgress: (done: number, total: number) => void;
    /** Every parsed flag, for task-specific ones (e.g. failure's --no-sim). */
    readonly flags: Readonly<Record<string, string | number | boolean>>;
  }): M;
  format(metrics: M): string;
}

/** Runs `homeostat bench <task>` for a {@link DatasetTask}. */
async function datasetTaskCommand<M extends { readonly seconds: number }>(t: DatasetTask<M>, rest: readonly string[]): Promise<number> {
  const command = `homeostat bench ${t.task}`;
  const args = parseArgs(rest, t.flags, command);
  if (args.help) {
    process.stdout.write(t.help);
    return 0;
  }
  if (args.positional.length > 0) throw invalid(`${command}: unexpected argument ${args.positional[0]} (see ${command} --help)`);
  const root = resolve((args.flags.data as string | undefined) ?? '../shared/datasets');
  const out = (args.flags.out as string | undefined) ?? 'bench-out';
  const methods =
    args.flags.methods === undefined
      ? undefined
      : String(args.flags.methods)
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
  let bar: ProgressBar | undefined;
  const metrics = t.run({
    root,
    out,
    methods,
    flags: args.flags,
    onProgress: (done, total) => {
      bar ??= new ProgressBar(command.replace('homeostat ', ''), total);
      bar.update(done);
    },
  });
  bar?.done();
  const dir = join(out, t.task);
  process.stdout.write(
    `${t.format(metrics)}\n\nwall ${metrics.seconds} s\nwrote ${join(dir, 'metrics.json')}, ${join(dir, 'report.html')} and ${join(dir, t.rawOutputs)}/\n`,
  );
  return 0;
}

const ANOMALY_TASK: DatasetTask<ReturnType<typeof runAnomalyBench>> = {
  task: 'anomaly',
  flags: ANOMALY_FLAGS,
  help: ANOMALY_HELP,
  rawOutputs: 'scores',
  run: ({ methods, ...o }) => runAnomalyBench({ ...o, ...(methods ? { methods } : {}) }),
  format: formatAnomalyTables,
};

const CAPACITY_FLAGS: readonly FlagSpec[] = [
  {
    name: 'data',
    type: 'string',
    description: 'datasets root (holding capacity/*_5min.csv and anomaly/nab/data/realAWSCloudwatch)',
    defaultText: '../shared/datasets',
  },
  {
    name: 'out',
    type: 'string',
    description: 'output folder; writes OUT/capacity/{metrics.json,report.html,forecasts/}',
    defaultText: 'bench-out',
  },
  {
    name: 'methods',
    type: 'string',
    description: 'comma-separated methods to run besides homeostat (e.g. seasonal_naive,weekly_naive)',
    defaultText: 'all',
  },
];

const CAPACITY_HELP = helpText(
  'homeostat bench capacity [--data DIR] [--out OUT] [--methods M1,M2]',
  "Forecasts 24 h ahead (288 steps of 5 min) from rolling daily origins with Homeostat's default\nforecaster (homeostat), every other forecaster of the catalog and the seasonal_naive and\nweekly_naive baselines, streaming, on every capacity/*_5min.csv column and the AWS per-instance\nseries, with the datasets README's metrics: the last 7 days' origins reported, the 7 days before\nas tuning origins (under tuning). Missing folders are skipped with a line saying so.",
  CAPACITY_FLAGS,
);

const CAPACITY_TASK: DatasetTask<ReturnType<typeof runCapacityBench>> = {
  task: 'capacity',
  flags: CAPACITY_FLAGS,
  help: CAPACITY_HELP,
  rawOutputs: 'forecasts',
  run: ({ methods, ...o }) => runCapacityBench({ ...o, ...(methods ? { methods } : {}) }),
  format: formatCapacityTables,
};

const FAILURE_FLAGS: readonly FlagSpec[] = [
  {
    name: 'data',
    type: 'string',
    description: 'datasets root (holding failure/grid5000/event_trace.tab.gz and failure/lanl/)',
    defaultText: '../shared/datasets',
  },
  {
    name: 'out',
    type: 'string',
    description: 'output folder; writes OUT/failure/{metrics.json,report.html,predictions/}',
    defaultText: 'bench-out',
  },
  {
    name: 'methods',
    type: 'string',
    description: 'comma-separated methods to run (e.g. persistence,logistic_regression)',
    defaultText: 'all',
  },
  {
    name: 'sim',
    type: 'boolean',
    description: 'also run the simulated-fleet dataset (about 25 s; --no-sim skips it)',
    defaultText: 'true',
  },
];

const FAILURE_HELP = helpText(
  'homeostat bench failure [--data DIR] [--out OUT] [--methods M1,M2] [--no-sim]',
  "Forecasts, every hour for every node (and LANL system), whether a failure starts within 6 h, on\nthe Grid'5000 availability trace (test: its last 3 months) and the LANL records (test: the last\n2 years), trained on the period before (its last 20 % choose thresholds), with the datasets\nREADME's metrics for every method. Missing folders are skipped with a line saying so. The\nsimulated dataset (open-loop simulated fleet, telemetry features, fit/tune/test by seed) needs no\ndata and also scores the shipped models/failure-trees-sim.json; --no-sim skips it.",
  FAILURE_FLAGS,
);

const FAILURE_TASK: DatasetTask<ReturnType<typeof runFailureBench>> = {
  task: 'failure',
  flags: FAILURE_FLAGS,
  help: FAILURE_HELP,
  rawOutputs: 'predictions',
  run: ({ methods, flags, ...o }) => runFailureBench({ ...o, sim: flags.sim !== false, ...(methods ? { only: methods } : {}) }),
  format: formatFailureTables,
};

const RCA_FLAGS: readonly FlagSpec[] = [
  {
    name: 'data',
    type: 'string',
    description: 'datasets root (holding rca/sock-shop, rca/petshop and anomaly/smd)',
    defaultText: '../shared/datasets',
  },
  {
    name: 'out',
    type: 'string',
    description: 'output folder; writes OUT/rca/{metrics.json,report.html,rankings/}',
    defaultText: 'bench-out',
  },
  {
    name: 'methods',
    type: 'string',
    description: 'comma-separated baselines to run besides homeostat (nsigma, nsigma_rcaeval, baro)',
    defaultText: 'all',
  },
];

const RCA_HELP = helpText(
  'homeostat bench rca [--data DIR] [--out OUT] [--methods M1,M2]',
  "Ranks the root-cause candidates of every case found under DIR: Sock Shop fault injections, PetShop\nissues and no-issue windows (specificity), SMD per-metric attribution labels, with Homeostat's\nranker (homeostat) and the nsigma, nsigma_rcaeval and baro baselines, and scores AC@1, AC@3,\nAvg@5, ECE and Brier of the top-1 confidence, specificity and HitRate@100/150 %: report cases at\nthe top level, dev cases under tuning. Missing folders are skipped with a line saying so.",
  RCA_FLAGS,
);

const RCA_TASK: DatasetTask<ReturnType<typeof runRcaBench>> = {
  task: 'rca',
  flags: RCA_FLAGS,
  help: RCA_HELP,
  rawOutputs: 'rankings',
  run: ({ methods, root, out, onProgress }) =>
    runRcaBench({
      data: root,
      out,
      onProgress,
      homeostat: createMetricRanker(),
      homeostatDescription: METRIC_RANKER_DESCRIPTION,
      ...(methods ? { only: methods } : {}),
    }),
  format: formatRcaTables,
};

/** Runs `homeostat bench`. */
export async function benchCommand(argv: readonly string[]): Promise<number> {
  const [task, ...rest] = argv;
  if (task === undefined || task === '--help' || task === '-h') {
    process.stdout.write(BENCH_HELP);
    return task === undefined ? 2 : 0;
  }
  if (task === 'anomaly') return datasetTaskCommand(ANOMALY_TASK, rest);
  if (task === 'capacity') return datasetTaskCommand(CAPACITY_TASK, rest);
  if (task === 'failure') return datasetTaskCommand(FAILURE_TASK, rest);
  if (task === 'rca') return datasetTaskCommand(RCA_TASK, rest);
  if (task === 'scaling') return scalingCommand(rest);
  if (task === 'ingest') return ingestCommand(rest);
  if (task !== 'loop')
    throw invalid(`homeostat bench: unknown task "${task}" (expected: loop, anomaly, capacity, failure, rca, scaling or ingest)`);
  const args = parseArgs(rest, LOOP_FLAGS, 'homeostat bench loop');
  if (args.help) {
    process.stdout.write(LOOP_HELP);
    return 0;
  }
  const days = (args.flags.days as number | undefined) ?? 3;
  const faults = (args.flags.faults as number | undefined) ?? 24;
  const seed = (args.flags.seed as number | undefined) ?? 7;
  const out = (args.flags.out as string | undefined) ?? 'bench-out';
  const policyPath = (args.flags.policy as string | undefined) ?? join(ROOT, 'policies/default.yaml');
  if (!(days > 0) || days > 60) throw invalid(`homeostat bench loop: --days must be in (0, 60] (got ${days})`);
  if (!Number.isInteger(faults) || faults < 0)
    throw invalid(`homeostat bench loop: --faults must be a non-negative integer (got ${faults})`);
  if (!Number.isInteger(seed)) throw invalid(`homeostat bench loop: --seed must be an integer (got ${seed})`);
  const killSwitch = args.flags['kill-switch'] === true;
  const operatorLabels = args.flags['operator-labels'] === true;
  return simulatorTask(
    'loop',
    out,
    (onProgress) => runLoopBench({ days, faults, seed, policyPath, killSwitch, operatorLabels, onProgress }),
    formatLoopTable,
  );
}
