/**
 * @module bench/failure/sim-fleet
 * The simulated-fleet dataset of the failure benchmark (`simulated`): failures with leading
 * indicators in telemetry and exact ground truth, in the same {@link FailureGrid} shape as the
 * Grid'5000 and LANL grids, so the same methods and metrics apply.
 *
 * Protocol: per seed, a {@link FleetSimulator} runs OPEN-LOOP (no heal action, so every fault runs
 * to its failure) for `days` days; `faults` faults of every kind, round-robin, are scheduled
 * between the warm-up and `horizon` before the end. Every sample of every host, service, database
 * and queue (the engine's risk kinds) is fed to one {@link FailureFeatures} per entity exactly as
 * the engine feeds it (`learn(metric, {t, v})` for every sample). Every `rowEveryMs` (10 min)
 * after the warm-up, BEFORE the samples of that minute are learned, one row per entity is taken:
 * the {@link failureTreeRow} of `features(t)` (only samples before t: no look-ahead), the
 * served heuristic's probability of that vector, and the label "a failure of this entity starts in
 * [t, t + 6 h)". Rows whose label window passes the end of the run are dropped. `noteAnomaly` is
 * NOT fed (no detector runs here), so `minutes_since_anomaly` is always the cap: a model trained on
 * these rows never splits on it.
 *
 * Failures (read from the simulator's ground truth and its fault rules, fleet-simulator.ts):
 * - memory_leak → its service crashes at `failureMs` = onset + d. Left alone the simulator crashes
 *   it again every d (the leak goes on after each restart); those later crashes are not used: they
 *   teach "a service that just restarted is about to crash", which is false wherever a crash gets
 *   the leak fixed (the closed loop, an on-call person), and it made the trees blame restarts;
 * - disk_fill → its host's disk is full at `failureMs` and stays full;
 * - host_failure → its host goes down at `failureMs` and stays down;
 * - dependency_outage with the store down → the database or queue is down from onset
 *   (`failureMs` = onset): no leading indicator by construction;
 * - cpu_hog, bad_deploy, network_loss, traffic_surge, and outages without `down`, never fail.
 * After its first failure (a crash, a full disk, a host or store down) the entity has no more
 * rows: what follows depends on who repairs it, which an open loop does not model. Only the fault's root cause fails: a database on a host that goes down is down
 * too but is not labelled (the label is the fault's root cause, as the ground truth states it).
 *
 * Split by seed: fit on {@link SIM_FIT_SEEDS}, tune (thresholds, calibration, model choice) on
 * {@link SIM_TUNE_SEEDS}, test on {@link SIM_TEST_SEEDS}, never used for a choice. Deterministic.
 */
import { invalid } from '../../errors.js';
import { FAILURE_TREE_FEATURE_KINDS, FAILURE_TREE_FEATURE_NAMES, failureTreeRow } from '../../models/failure-features.js';
import { FailureFeatures, FailureHeuristic, type FailureHeuristicConfig, failureHeuristicSpec } from '../../models/failure-risk.js';
import type { FaultKind } from '../../records/types.js';
import { FleetSimulator } from '../../sim/fleet-simulator.js';
import type { SimOptions } from '../../sim/types.js';
import type { FailureGrid, FeatureKind, GridSplit } from './grid.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Seeds whose runs the models learn on. */
export const SIM_FIT_SEEDS: readonly number[] = [201, 202, 203];
/** Seed whose run chooses thresholds, calibration and model settings. */
export const SIM_TUNE_SEEDS: readonly number[] = [204];
/** Seeds whose runs are only scored (never used for a choice). */
export const SIM_TEST_SEEDS: readonly number[] = [301, 302, 303];

/** Entity kinds that get a failure-risk row (the engine's RISK_ENTITY_KINDS). */
export const SIM_RISK_KINDS: readonly string[] = ['host', 'service', 'database', 'queue'];

/** The fleet of the simulated dataset: 20 services, 30 hosts, 4 databases, 3 queues, 2 load balancers. */
export const SIM_FAILURE_FLEET: Readonly<Omit<SimOptions, 'seed' | 'startMs' | 'stepMs'>> = Object.freeze({
  services: 20,
  hosts: 30,
  databases: 4,
  queues: 3,
  loadBalancers: 2,
});

/** Options of {@link simulateFailureRun} and {@link buildSimFailureGrid}. */
export interface SimFailureOptions {
  /** Simulated days per seed. Default 4. */
  readonly days?: number;
  /** Faults per seed, every kind round-robin. Default 32. */
  readonly faults?: number;
  /** No rows and no faults before this much simulated time (ms). Default 6 h. */
  readonly warmupMs?: number;
  /** One row per entity every this many ms. Default 10 min. */
  readonly rowEveryMs?: number;
  /** Label horizon (ms). Default 6 h. */
  readonly horizonMs?: number;
  /** Fleet size. Default {@link SIM_FAILURE_FLEET}. */
  readonly fleet?: Partial<Omit<SimOptions, 'seed'>>;
  /** Feature window settings. Default {@link SIM_FEATURE_CONFIG} (the engine's on the simulator). */
  readonly features?: FailureHeuristicConfig;
}

/** One failure of one entity in a run. */
export interface SimFailure {
  readonly entity: string;
  /** Epoch ms. */
  readonly time: number;
  readonly kind: FaultKind;
  readonly fault: string;
  /** When the symptoms that lead to this failure began (the fault's onset). */
  readonly onsetMs: number;
}

/** The rows of one seed's run, by entity then time. */
export interface SimFailureRun {
  readonly seed: number;
  /** Epoch ms of the run start (= step 0). */
  readonly t0: number;
  readonly stepMs: number;
  readonly horizonMs: number;
  readonly entities: readonly string[];
  readonly failures: readonly SimFailure[];
  /** Faults injected (kinds in order), for the record. */
  readonly faultKinds: readonly FaultKind[];
  readonly rows: number;
  readonly d: number;
  /** rows × d, row-major: {@link failureTreeRow} of features(t). */
  readonly x: Float32Array;
  readonly label: Uint8Array;
  /** Index into `entities`. */
  readonly entity: Int32Array;
  /** Steps of `stepMs` from t0. */
  readonly step: Int32Array;
  /** The served heuristic's probability (`risk/failure-heuristic` predict of the same vector). */
  readonly heuristic: Float64Array;
  /** Positive rows taken at or after the onset of the fault behind their failure (the rest cannot be foreseen from telemetry). */
  readonly predictablePositives: number;
  /** Per row: 0 for a positive row taken before the onset of the fault behind its failure (nothing in telemetry can foresee it), 1 otherwise. */
  readonly foreseeable: Uint8Array;
}

/**
 * Feature-window settings on the simulator, as the engine reads it (engine/platform.ts): restarts
 * and ECC errors are counts per sample, not cumulative counters.
 */
export const SIM_FEATURE_CONFIG: FailureHeuristicConfig = failureHeuristicSpec.parse({ countMode: 'per-sample' });

function settings(options: SimFailureOptions) {
  const days = options.days ?? 4;
  const faults = options.faults ?? 32;
  const warmupMs = options.warmupMs ?? 6 * HOUR;
  const rowEveryMs = options.rowEveryMs ?? 10 * MINUTE;
  const horizonMs = options.horizonMs ?? 6 * HOUR;
  if (!(days > 0)) throw invalid(`simulated failures: days must be > 0 (got ${days})`);
  if (!(Number.isInteger(faults) && faults >= 1)) throw invalid(`simulated failures: faults must be an integer ≥ 1 (got ${faults})`);
  if (!(rowEveryMs >= MINUTE && rowEveryMs % MINUTE === 0))
    throw invalid(`simulated failures: rowEveryMs must be a whole number of minutes ≥ 1 min (got ${rowEveryMs})`);
  if (!(horizonMs > 0)) throw invalid(`simulated failures: horizonMs must be > 0 (got ${horizonMs})`);
  if (!(warmupMs >= 0 && warmupMs + horizonMs < days * DAY))
    throw invalid(`simulated failures: warm-up + horizon must fit in the run (got ${warmupMs} + ${horizonMs} ms for ${days} days)`);
  return { days, faults, warmupMs, rowEveryMs, horizonMs, features: options.features ?? SIM_FEATURE_CONFIG };
}

/** Failure times per fault, from the ground truth and the simulator's rules (see the module comment). */
function failuresOf(sim: FleetSimulator, endMs: number): SimFailure[] {
  const out: SimFailure[] = [];
  for (const f of sim.truth()) {
    if (f.failureMs === undefined) continue;
    const base = { entity: f.rootCause, kind: f.kind, fault: f.id };
    if (f.failureMs < endMs) {
      out.push({ ...base, time: f.failureMs, onsetMs: f.onsetMs });
    }
  }
  return out.sort((a, b) => a.time - b.time || (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0));
}

/**
 * Runs one seed open-loop and returns its rows (see the module comment).
 * @throws HomeostatError invalid_argument on bad options; `conflict` when the fleet has too few
 *   free targets for the faults.
 * @example const run = simulateFailureRun(201); run.rows, run.failures.length
 */
export function simulateFailureRun(seed: number, options: SimFailureOptions = {}): SimFailureRun {
  const s = settings(options);
  const sim = new FleetSimulator({ ...SIM_FAILURE_FLEET, ...(options.fleet ?? {}), seed });
  const t0 = sim.now();
  const endMs = t0 + s.days * DAY;
  const faultKinds = sim.scheduleFaults(s.faults, t0 + s.warmupMs, endMs - s.horizonMs).map((f) => f.kind);
  const entities = sim.topology.entities.filter((e) => SIM_RISK_KINDS.includes(e.kind)).map((e) => e.id);
  const index = new Map(entities.map((id, i) => [id, i]));
  const windows = entities.map(() => new FailureFeatures(s.features));
  const heuristic = new FailureHeuristic(s.features);
  const d = FAILURE_TREE_FEATURE_NAMES.length;
  const perEntity = entities.map(() => ({ t: [] as number[], x: [] as Float64Array[], p: [] as number[] }));
  const lastRowT = endMs - s.horizonMs;
  while (sim.now() < endMs) {
    const t = sim.now();
    if (t - t0 >= s.warmupMs && t <= lastRowT && (t - t0) % s.rowEveryMs === 0) {
      windows.forEach((w, i) => {
        const vector = w.features(t);
        const rows = perEntity[i] as (typeof perEntity)[number];
        rows.t.push(t);
        rows.x.push(failureTreeRow(vector));
        rows.p.push(heuristic.predict(vector).probability);
      });
    }
    const tick = sim.step();
    for (const sample of tick.samples) {
      const i = index.get(sample.entityId);
      if (i !== undefined) (windows[i] as FailureFeatures).learn(sample.metric, { t: tick.t, v: sample.v });
    }
  }
  const failures = failuresOf(sim, endMs);
  const byEntity = entities.map(() => [] as SimFailure[]);
  const failedAt = new Float64Array(entities.length).fill(Number.POSITIVE_INFINITY);
  for (const f of failures) {
    const i = index.get(f.entity);
    if (i === undefined) continue;
    (byEntity[i] as SimFailure[]).push(f);
    failedAt[i] = Math.min(failedAt[i] as number, f.time);
  }
  let rows = 0;
  perEntity.forEach((r, i) => {
    for (const t of r.t) if (t <= (failedAt[i] as number)) rows++;
  });
  const x = new Float32Array(rows * d);
  const label = new Uint8Array(rows);
  const entity = new Int32Array(rows);
  const step = new Int32Array(rows);
  const prob = new Float64Array(rows);
  const foreseeable = new Uint8Array(rows).fill(1);
  let k = 0;
  let predictablePositives = 0;
  perEntity.forEach((r, i) => {
    const own = byEntity[i] as SimFailure[];
    let next = 0;
    r.t.forEach((t, j) => {
      if (t > (failedAt[i] as number)) return;
      while (next < own.length && (own[next] as SimFailure).time < t) next++;
      const failure = own[next];
      label[k] = failure !== undefined && failure.time < t + s.horizonMs ? 1 : 0;
      if (label[k] === 1 && t >= (failure as SimFailure).onsetMs) predictablePositives++;
      else if (label[k] === 1) foreseeable[k] = 0;
      x.set(r.x[j] as Float64Array, k * d);
      entity[k] = i;
      step[k] = (t - t0) / s.rowEveryMs;
      prob[k] = r.p[j] as number;
      k++;
    });
  });
  return {
    seed,
    t0,
    stepMs: s.rowEveryMs,
    horizonMs: s.horizonMs,
    entities,
    failures,
    faultKinds,
    rows,
    d,
    x,
    label,
    entity,
    step,
    heuristic: prob,
    predictablePositives,
    foreseeable,
  };
}

/** The simulated dataset as a failure grid, with what the generic grid does not carry. */
export interface SimFailureGrid extends FailureGrid {
  readonly stepMs: number;
  /** Fault kind of each event of each period (same order as `events`). */
  readonly eventKinds: Readonly<Record<'fit' | 'tune' | 'test', readonly string[]>>;
  /** The served heuristic's probability of each row of each period. */
  readonly heuristic: Readonly<Record<'fit' | 'tune' | 'test', Float64Array>>;
  /** Seeds of each period. */
  readonly seeds: Readonly<Record<'fit' | 'tune' | 'test', readonly number[]>>;
  /** Per period: positive rows taken at or after the onset of the fault behind their failure. */
  readonly predictablePositives: Readonly<Record<'fit' | 'tune' | 'test', number>>;
  /** Per period and row: 0 for a positive row before its fault's onset (see {@link SimFailureRun.foreseeable}), 1 otherwise. */
  readonly foreseeable: Readonly<Record<'fit' | 'tune' | 'test', Uint8Array>>;
  /** Simulated days, faults and fleet per seed, in words. */
  readonly setup: string;
}

/** Options of {@link buildSimFailureGrid}: the run options and the seeds of each period. */
export interface SimFailureGridOptions extends SimFailureOptions {
  readonly fitSeeds?: readonly number[];
  readonly tuneSeeds?: readonly number[];
  readonly testSeeds?: readonly number[];
  /** Called after each seed's run (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

const FEATURE_KINDS: readonly FeatureKind[] = FAILURE_TREE_FEATURE_KINDS;

function splitOf(
  runs: readonly SimFailureRun[],
  names: string[],
  offset: number,
): { split: GridSplit; kinds: string[]; heuristic: Float64Array; foreseeable: Uint8Array } {
  const d = FAILURE_TREE_FEATURE_NAMES.length;
  const rows = runs.reduce((n, r) => n + r.rows, 0);
  const x = new Float32Array(rows * d);
  const label = new Uint8Array(rows);
  const entity = new Int32Array(rows);
  const hour = new Int32Array(rows);
  const heuristic = new Float64Array(rows);
  const foreseeable = new Uint8Array(rows);
  const evEntity: number[] = [];
  const evTime: number[] = [];
  const kinds: string[] = [];
  let k = 0;
  let base = offset;
  let positives = 0;
  let from = runs.length === 0 ? Number.NaN : Number.POSITIVE_INFINITY;
  let to = runs.length === 0 ? Number.NaN : Number.NEGATIVE_INFINITY;
  const stepMs = runs[0]?.stepMs ?? 10 * MINUTE;
  for (const r of runs) {
    x.set(r.x, k * d);
    label.set(r.label, k);
    heuristic.set(r.heuristic, k);
    foreseeable.set(r.foreseeable, k);
    hour.set(r.step, k);
    for (let i = 0; i < r.rows; i++) {
      entity[k + i] = base + (r.entity[i] as number);
      positives += r.label[i] as number;
      const t = r.t0 + (r.step[i] as number) * r.stepMs;
      if (t < from) from = t;
      if (t > to) to = t;
    }
    const local = new Map(r.entities.map((id, i) => [id, i]));
    for (const f of r.failures) {
      const i = local.get(f.entity);
      if (i === undefined) continue;
      evEntity.push(base + i);
      evTime.push(f.time);
      kinds.push(f.kind);
    }
    for (const id of r.entities) names.push(`${r.seed}/${id}`);
    k += r.rows;
    base += r.entities.length;
  }
  const perHour = stepMs / HOUR;
  return {
    split: {
      matrix: {
        names: FAILURE_TREE_FEATURE_NAMES,
        kinds: FEATURE_KINDS,
        rows,
        d,
        x,
        label,
        weight: new Float32Array(rows).fill(1),
        entity,
        hour,
      },
      events: { entity: Int32Array.from(evEntity), time: Float64Array.from(evTime) },
      from,
      to,
      sampleRate: 1,
      entityHours: rows * perHour,
      positives: positives * perHour,
    },
    kinds,
    heuristic,
    foreseeable,
  };
}

/**
 * Runs every seed and assembles the simulated failure grid: fit, tune and test periods are the
 * runs of their seeds (entities named `<seed>/<entity id>`), events are every failure of an
 * entity with rows, with its fault kind.
 * The test seeds may be empty (training only: the test period then has no rows).
 * @throws HomeostatError invalid_argument on bad options or no fit or tune seed; as {@link simulateFailureRun}.
 * @example const g = buildSimFailureGrid(); g.test.matrix.rows
 */
export function buildSimFailureGrid(options: SimFailureGridOptions = {}): SimFailureGrid {
  const s = settings(options);
  const seeds = {
    fit: options.fitSeeds ?? SIM_FIT_SEEDS,
    tune: options.tuneSeeds ?? SIM_TUNE_SEEDS,
    test: options.testSeeds ?? SIM_TEST_SEEDS,
  };
  for (const name of ['fit', 'tune'] as const) {
    if (seeds[name].length === 0) throw invalid(`simulated failures: expected at least one ${name} seed (got none)`);
  }
  const total = seeds.fit.length + seeds.tune.length + seeds.test.length;
  let done = 0;
  const run = (list: readonly number[]): SimFailureRun[] =>
    list.map((seed) => {
      const r = simulateFailureRun(seed, options);
      options.onProgress?.(++done, total);
      return r;
    });
  const runs = { fit: run(seeds.fit), tune: run(seeds.tune), test: run(seeds.test) };
  const names: string[] = [];
  const fit = splitOf(runs.fit, names, 0);
  const tune = splitOf(runs.tune, names, names.length);
  const test = splitOf(runs.test, names, names.length);
  const first = runs.fit[0] as SimFailureRun;
  const fleet = { ...SIM_FAILURE_FLEET, ...(options.fleet ?? {}) };
  return {
    dataset: 'simulated',
    entities: names,
    t0: first.t0,
    horizonH: s.horizonMs / HOUR,
    stepMs: s.rowEveryMs,
    fit: fit.split,
    tune: tune.split,
    test: test.split,
    eventKinds: { fit: fit.kinds, tune: tune.kinds, test: test.kinds },
    heuristic: { fit: fit.heuristic, tune: tune.heuristic, test: test.heuristic },
    seeds,
    predictablePositives: {
      fit: runs.fit.reduce((n, r) => n + r.predictablePositives, 0),
      tune: runs.tune.reduce((n, r) => n + r.predictablePositives, 0),
      test: runs.test.reduce((n, r) => n + r.predictablePositives, 0),
    },
    foreseeable: { fit: fit.foreseeable, tune: tune.foreseeable, test: test.foreseeable },
    setup: `${s.days} simulated days per seed, open loop (no heal actions), ${s.faults} faults per seed (every kind, round-robin), fleet of ${fleet.services} services, ${fleet.hosts} hosts, ${fleet.databases} databases, ${fleet.queues} queues; one row per host, service, database and queue every ${s.rowEveryMs / MINUTE} min after a ${s.warmupMs / HOUR} h warm-up`,
  };
}
