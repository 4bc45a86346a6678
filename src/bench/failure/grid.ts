/**
 * @module bench/failure/grid
 * The hourly entity grid of the failure benchmark: for every entity of a {@link FailureTrace} and
 * every whole UTC hour τ it is observed (start ≤ τ < end), the label "a failure onset falls in
 * [τ, τ + 6 h)" and history features computed from onsets strictly before τ (no look-ahead):
 * hours since the entity's last onset (since its observation start when none yet), whether it has
 * none yet, its onsets in the last 6 h / 24 h / 7 d, whether it is down at τ (a down interval
 * started before τ and not ended), its lifetime onset rate per day so far (denominator at least one
 * day), and the onsets of its group at each level (cluster and site, or system; the entity
 * included) in the last 6 h / 24 h / 7 d.
 *
 * The split depends on the data only: test = hours from the trace end minus `testMonths` calendar
 * months; training = every hour before, cut at `tuneShare` from its end into `fit` (first 80 %) and
 * `tune` (last 20 %). A row is kept only when its label window ends inside its own period (fit
 * rows end by the tune start, tune rows by the test start), so no label looks into a later period.
 *
 * Memory: rows are kept in row-major Float32Array matrices. When a period holds more rows than
 * its cap, negative rows are sampled (deterministically, by a hash of entity and hour) at a rate that
 * fits the cap and carry the weight 1 / rate; positive rows are all kept, so event metrics stay
 * exact. Weighted entities (LANL nodes that never fail) multiply their rows' weight.
 */
import { invalid } from '../../errors.js';
import type { FailureEntity, FailureTrace } from './datasets.js';

/** One hour (ms). */
export const HOUR_MS = 3_600_000;
/** The forecast horizon (hours): a failure within the next 6 h. */
export const HORIZON_H = 6;
/** Default cap on training rows (fit + tune) before negatives are sampled. */
export const MAX_TRAIN_ROWS = 2_000_000;
/** Default cap on test rows before negatives are sampled. */
export const MAX_TEST_ROWS = 3_000_000;

/**
 * How a feature reads: hours or minutes (a time), a count, a 0/1 flag, a rate, or a level (a share,
 * a temperature, a slope: may be negative, taken as it is).
 */
export type FeatureKind = 'hours' | 'minutes' | 'count' | 'flag' | 'rate' | 'level';

/** The rows of one period: features (row-major), label, weight, entity and hour of each row. */
export interface FeatureMatrix {
  /** Feature names, one per column. */
  readonly names: readonly string[];
  readonly kinds: readonly FeatureKind[];
  readonly rows: number;
  /** Columns per row. */
  readonly d: number;
  /** rows × d, row-major (row i at i·d). */
  readonly x: Float32Array;
  /** 1 when an onset falls in [τ, τ + horizon). */
  readonly label: Uint8Array;
  /** Row weight: entity weight ÷ sampling rate (negatives) — 1 when nothing was sampled. */
  readonly weight: Float32Array;
  /** Index into {@link FailureGrid.entities}. */
  readonly entity: Int32Array;
  /**
   * Steps from {@link FailureGrid.t0}: τ = t0 + hour · stepMs (1 h unless the grid says otherwise).
   * Rows are by entity, then hour.
   */
  readonly hour: Int32Array;
}

/** Failure onsets of one period: entity index and epoch ms. */
export interface FailureEvents {
  readonly entity: Int32Array;
  readonly time: Float64Array;
}

/** Names of the periods of a grid. */
export type SplitName = 'fit' | 'tune' | 'test';

/** One period of the grid. */
export interface GridSplit {
  readonly matrix: FeatureMatrix;
  /** Onsets with s ∈ [from, to + horizon), whose 6-hour windows may hold rows of this period. */
  readonly events: FailureEvents;
  /** Epoch ms of the first and last row hour. */
  readonly from: number;
  readonly to: number;
  /** Share of negative rows kept (1 = all). */
  readonly sampleRate: number;
  /** Entity-hours in the period (weighted by entity weight) before sampling, and positives among them. */
  readonly entityHours: number;
  readonly positives: number;
}

/** The grid of one trace. */
export interface FailureGrid {
  readonly dataset: string;
  /** Entity names; the index is a row's `entity`. */
  readonly entities: readonly string[];
  /** Epoch ms of hour 0. */
  readonly t0: number;
  readonly horizonH: number;
  /** Length of one grid step (ms); absent = {@link HOUR_MS} (the hourly grid). */
  readonly stepMs?: number;
  readonly fit: GridSplit;
  readonly tune: GridSplit;
  readonly test: GridSplit;
}

/** Options of {@link buildFailureGrid}. */
export interface GridOptions {
  /** Test period: the last `testMonths` calendar months before the trace end. */
  readonly testMonths: number;
  /** Share of the training period, at its end, used to tune (thresholds, calibration). Default 0.2. */
  readonly tuneShare?: number;
  /** Hours ahead. Default {@link HORIZON_H}. */
  readonly horizonH?: number;
  /** Caps on rows (fit + tune, and test) before negatives are sampled. */
  readonly maxTrainRows?: number;
  readonly maxTestRows?: number;
}

/** Feature names and kinds of a trace with these grouping levels. */
export function featureNames(levels: readonly string[]): { names: string[]; kinds: FeatureKind[] } {
  const names = [
    'hours_since_failure',
    'no_failure_yet',
    'failures_6h',
    'failures_24h',
    'failures_7d',
    'unavailable_now',
    'failure_rate_per_day',
  ];
  const kinds: FeatureKind[] = ['hours', 'flag', 'count', 'count', 'count', 'flag', 'rate'];
  for (const l of levels) {
    names.push(`${l}_failures_6h`, `${l}_failures_24h`, `${l}_failures_7d`);
    kinds.push('count', 'count', 'count');
  }
  return { names, kinds };
}

/**
 * Epoch ms `months` calendar months before `ms` (UTC; the day is clamped to the month's length).
 * @example monthsBefore(Date.UTC(2006, 7, 10), 3) === Date.UTC(2006, 4, 10)
 */
export function monthsBefore(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() - months;
  const target = new Date(Date.UTC(y, m, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return Date.UTC(
    target.getUTCFullYear(),
    target.getUTCMonth(),
    Math.min(d.getUTCDate(), last),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/** A uniform number in [0, 1) from an entity index and an hour (deterministic). */
export function sampleHash(entity: number, hour: number): number {
  let h = Math.imul(entity + 1, 0x9e3779b1) ^ Math.imul(hour + 1, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

const WINDOWS_H = [6, 24, 168] as const;

interface Plan {
  readonly t0: number;
  /** Grid hours 0 … hours − 1 (the last with its label window inside the trace). */
  readonly hours: number;
  readonly horizonH: number;
  /** Inclusive hour ranges of fit, tune, test. */
  readonly ranges: readonly (readonly [number, number])[];
  /** Per level, per group: prefix sums of onsets by hour bucket (length hours + horizon + 1). */
  readonly groupPrefix: readonly (readonly Int32Array[])[];
  /** Per level, per entity: its group index. */
  readonly groupOf: readonly Int32Array[];
}

function splitOf(plan: Plan, k: number): number {
  for (let s = 0; s < plan.ranges.length; s++) {
    const r = plan.ranges[s] as readonly [number, number];
    if (k >= r[0] && k <= r[1]) return s;
  }
  return -1;
}

/**
 * Walks an entity's grid hours in order, calling `visit(k, split, label)`; with `features` given,
 * fills it with the features of hour k before each call.
 */
function walk(
  plan: Plan,
  e: FailureEntity,
  index: number,
  features: Float64Array | undefined,
  visit: (k: number, split: number, label: number) => void,
): void {
  const { t0, hours, horizonH } = plan;
  const kFrom = Math.max(0, Math.ceil((e.start - t0) / HOUR_MS));
  const kTo = Math.min(hours, Math.ceil((e.end - t0) / HOUR_MS));
  const on = e.onsets;
  const n = on.length;
  const lo = [0, 0, 0];
  let hi = 0;
  let downNext = 0;
  let downMaxEnd = Number.NEGATIVE_INFINITY;
  const horizonMs = horizonH * HOUR_MS;
  for (let k = kFrom; k < kTo; k++) {
    const split = splitOf(plan, k);
    if (split < 0) continue;
    const tau = t0 + k * HOUR_MS;
    while (hi < n && (on[hi] as number) < tau) hi++;
    const label = hi < n && (on[hi] as number) < tau + horizonMs ? 1 : 0;
    if (features) {
      for (let w = 0; w < WINDOWS_H.length; w++) {
        const from = tau - (WINDOWS_H[w] as number) * HOUR_MS;
        let j = lo[w] as number;
        while (j < hi && (on[j] as number) < from) j++;
        lo[w] = j;
        features[2 + w] = hi - j;
      }
      while (downNext < e.downStart.length && (e.downStart[downNext] as number) < tau) {
        downMaxEnd = Math.max(downMaxEnd, e.downEnd[downNext] as number);
        downNext++;
      }
      const sinceStart = (tau - e.start) / HOUR_MS;
      features[0] = hi > 0 ? (tau - (on[hi - 1] as number)) / HOUR_MS : sinceStart;
      features[1] = hi > 0 ? 0 : 1;
      features[5] = downMaxEnd > tau ? 1 : 0;
      features[6] = hi / Math.max(1, sinceStart / 24);
      for (let l = 0; l < plan.groupPrefix.length; l++) {
        const prefix = (plan.groupPrefix[l] as readonly Int32Array[])[(plan.groupOf[l] as Int32Array)[index] as number] as Int32Array;
        for (let w = 0; w < WINDOWS_H.length; w++) {
          features[7 + 3 * l + w] = (prefix[k] as number) - (prefix[Math.max(0, k - (WINDOWS_H[w] as number))] as number);
        }
      }
    }
    visit(k, split, label);
  }
}

function emptyEvents(): { entity: number[]; time: number[] } {
  return { entity: [], time: [] };
}

/**
 * Builds the hourly grid of a trace: rows of the fit, tune and test periods with their features,
 * labels and weights, and the onsets of each period (see the module comment for the rules).
 * @throws HomeostatError invalid_argument when the options are out of range or the trace leaves
 *   no training or no test hour (too short for `testMonths`).
 * @example const g = buildFailureGrid(trace, { testMonths: 3 }); g.test.matrix.rows
 */
export function buildFailureGrid(trace: FailureTrace, options: GridOptions): FailureGrid {
  const horizonH = options.horizonH ?? HORIZON_H;
  const tuneShare = options.tuneShare ?? 0.2;
  const maxTrain = options.maxTrainRows ?? MAX_TRAIN_ROWS;
  const maxTest = options.maxTestRows ?? MAX_TEST_ROWS;
  if (!(options.testMonths > 0) || !Number.isInteger(options.testMonths))
    throw invalid(`failure grid: testMonths must be a positive integer (got ${options.testMonths})`);
  if (!(tuneShare > 0 && tuneShare < 1)) throw invalid(`failure grid: tuneShare must be in (0, 1) (got ${tuneShare})`);
  if (!(Number.isInteger(horizonH) && horizonH > 0)) throw invalid(`failure grid: horizonH must be a positive integer (got ${horizonH})`);
  if (!(maxTrain > 0 && maxTest > 0)) throw invalid(`failure grid: row caps must be positive (got ${maxTrain}, ${maxTest})`);
  const entities = trace.entities;
  const start = Math.min(...entities.map((e) => e.start));
  const t0 = Math.floor(start / HOUR_MS) * HOUR_MS;
  const hours = Math.floor((trace.end - horizonH * HOUR_MS - t0) / HOUR_MS) + 1;
  const kTest = Math.ceil((monthsBefore(trace.end, options.testMonths) - t0) / HOUR_MS);
  const kTune = Math.floor(kTest * (1 - tuneShare));
  if (kTune - horizonH < 0 || kTest - horizonH < kTune || hours <= kTest) {
    throw invalid(
      `failure grid: ${trace.name} spans ${Math.max(0, hours)} hours, too short for a ${options.testMonths}-month test period after a training period (expected more than ${options.testMonths} months of trace)`,
    );
  }
  const ranges: [number, number][] = [
    [0, kTune - horizonH],
    [kTune, kTest - horizonH],
    [kTest, hours - 1],
  ];
  const buckets = hours + horizonH;
  const groupPrefix: Int32Array[][] = [];
  const groupOf: Int32Array[] = [];
  trace.levels.forEach((_, l) => {
    const ids = new Map<string, number>();
    const of = new Int32Array(entities.length);
    entities.forEach((e, i) => {
      const g = e.groups[l] ?? '';
      if (!ids.has(g)) ids.set(g, ids.size);
      of[i] = ids.get(g) as number;
    });
    const prefixes = Array.from({ length: ids.size }, () => new Int32Array(buckets + 1));
    entities.forEach((e, i) => {
      const p = prefixes[of[i] as number] as Int32Array;
      for (const s of e.onsets) {
        const b = Math.floor((s - t0) / HOUR_MS);
        if (b >= 0 && b < buckets) p[b + 1] = (p[b + 1] as number) + e.weight;
      }
    });
    for (const p of prefixes) for (let b = 1; b <= buckets; b++) p[b] = (p[b] as number) + (p[b - 1] as number);
    groupPrefix.push(prefixes);
    groupOf.push(of);
  });
  const plan: Plan = { t0, hours, horizonH, ranges, groupPrefix, groupOf };

  const rowsPos = [0, 0, 0];
  const rowsNeg = [0, 0, 0];
  const weighted = [0, 0, 0];
  const weightedPos = [0, 0, 0];
  entities.forEach((e, i) => {
    walk(plan, e, i, undefined, (_k, split, label) => {
      if (label) rowsPos[split] = (rowsPos[split] as number) + 1;
      else rowsNeg[split] = (rowsNeg[split] as number) + 1;
      weighted[split] = (weighted[split] as number) + e.weight;
      if (label) weightedPos[split] = (weightedPos[split] as number) + e.weight;
    });
  });
  const rateFor = (cap: number, pos: number, neg: number): number =>
    pos + neg <= cap || neg === 0 ? 1 : Math.max(1e-4, Math.min(1, (cap - pos) / neg));
  const trainRate = rateFor(maxTrain, (rowsPos[0] as number) + (rowsPos[1] as number), (rowsNeg[0] as number) + (rowsNeg[1] as number));
  const rates = [trainRate, trainRate, rateFor(maxTest, rowsPos[2] as number, rowsNeg[2] as number)];
  const keep = (i: number, k: number, split: number, label: number): boolean =>
    label === 1 || (rates[split] as number) >= 1 || sampleHash(i, k) < (rates[split] as number);

  const kept = [0, 0, 0];
  entities.forEach((e, i) => {
    walk(plan, e, i, undefined, (k, split, label) => {
      if (keep(i, k, split, label)) kept[split] = (kept[split] as number) + 1;
    });
  });
  const { names, kinds } = featureNames(trace.levels);
  const d = names.length;
  const mats = kept.map((rows) => ({
    x: new Float32Array(rows * d),
    label: new Uint8Array(rows),
    weight: new Float32Array(rows),
    entity: new Int32Array(rows),
    hour: new Int32Array(rows),
  }));
  const fill = [0, 0, 0];
  const features = new Float64Array(d);
  entities.forEach((e, i) => {
    walk(plan, e, i, features, (k, split, label) => {
      if (!keep(i, k, split, label)) return;
      const m = mats[split] as (typeof mats)[number];
      const r = fill[split] as number;
      fill[split] = r + 1;
      m.x.set(features, r * d);
      m.label[r] = label;
      m.weight[r] = label === 1 || (rates[split] as number) >= 1 ? e.weight : e.weight / (rates[split] as number);
      m.entity[r] = i;
      m.hour[r] = k;
    });
  });
  const events = [emptyEvents(), emptyEvents(), emptyEvents()];
  const horizonMs = horizonH * HOUR_MS;
  entities.forEach((e, i) => {
    for (const s of e.onsets) {
      for (let split = 0; split < 3; split++) {
        const [a, b] = ranges[split] as [number, number];
        if (s >= t0 + a * HOUR_MS && s < t0 + b * HOUR_MS + horizonMs) {
          const ev = events[split] as ReturnType<typeof emptyEvents>;
          ev.entity.push(i);
          ev.time.push(s);
        }
      }
    }
  });
  const split = (s: number): GridSplit => {
    const m = mats[s] as (typeof mats)[number];
    const ev = events[s] as ReturnType<typeof emptyEvents>;
    const [a, b] = ranges[s] as [number, number];
    return {
      matrix: { names, kinds, rows: kept[s] as number, d, ...m },
      events: { entity: Int32Array.from(ev.entity), time: Float64Array.from(ev.time) },
      from: t0 + a * HOUR_MS,
      to: t0 + b * HOUR_MS,
      sampleRate: rates[s] as number,
      entityHours: weighted[s] as number,
      positives: weightedPos[s] as number,
    };
  };
  return { dataset: trace.name, entities: entities.map((e) => e.name), t0, horizonH, fit: split(0), tune: split(1), test: split(2) };
}
