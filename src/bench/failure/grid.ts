/**
 * @module bench/failure/grid
 * The hourly entity grid of the failure benchmark: for every entity of a {@link FailureTrace} and
 * every whole UTC hour τ it is observed (start ≤ τ < end), the label "a failure onset falls in
 * [τ, τ + 6 h)" and history features computed from onsets and down intervals begun strictly
 * before τ (no look-ahead; see {@link ENTITY_FEATURES}): of the entity, hours since its last onset
 * (since its observation start when none yet), whether it has none yet, its onsets in the last
 * 1 h / 3 h / 6 h / 24 h / 7 d, whether it is down at τ (a down interval started before τ and not
 * ended) and for how long, hours since it last came back up and the length of that down interval,
 * its lifetime onset rate per day so far (denominator at least one day) and hours observed; the
 * UTC hour of day and day of week; and per grouping level (cluster and site, or system; the entity
 * included) its group's onsets in the last 1 h / 3 h / 6 h / 24 h / 7 d, hours since the group's
 * last onset (since the grid start when none) and the weighted share of its observed entities
 * down at τ.
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

/**
 * The entity's own features, in column order: name, kind. Hours since the last onset (since the
 * observation start when none yet), whether none yet, onsets in the last 6 h / 24 h / 7 d, down now,
 * lifetime onsets per day, onsets in the last 1 h / 3 h, hours since it last came back up (since
 * the observation start when never), hours down so far (0 when up), length of its last finished
 * down interval (0 when none), hours observed so far, UTC hour of day (0-23) and day of week
 * (Monday 0 … Sunday 6) of τ.
 */
export const ENTITY_FEATURES: readonly (readonly [string, FeatureKind])[] = [
  ['hours_since_failure', 'hours'],
  ['no_failure_yet', 'flag'],
  ['failures_6h', 'count'],
  ['failures_24h', 'count'],
  ['failures_7d', 'count'],
  ['unavailable_now', 'flag'],
  ['failure_rate_per_day', 'rate'],
  ['failures_1h', 'count'],
  ['failures_3h', 'count'],
  ['hours_since_up', 'hours'],
  ['down_hours', 'hours'],
  ['last_down_hours', 'hours'],
  ['hours_observed', 'hours'],
  ['hour_of_day', 'level'],
  ['day_of_week', 'level'],
  ['failures_6h_day_ago', 'count'],
  ['failures_6h_week_ago', 'count'],
];

/** Windows (hours) of the group onset counts, in column order. */
const GROUP_WINDOWS_H = [1, 3, 6, 24, 168] as const;
/** Windows (hours) of the entity onset counts and their columns in {@link ENTITY_FEATURES} (−1: only a bound of a window a day or a week before). */
const ENTITY_WINDOWS: readonly (readonly [number, number])[] = [
  [6, 2],
  [24, 3],
  [168, 4],
  [1, 7],
  [3, 8],
  [18, -1],
  [162, -1],
];
/** Columns per grouping level: the windows, hours since the last onset, down share, the 6-hour windows a day and a week before. */
const PER_LEVEL = GROUP_WINDOWS_H.length + 4;

function windowName(h: number): string {
  return h % 24 === 0 && h >= 168 ? `${h / 24}d` : `${h}h`;
}

/**
 * Feature names and kinds of a trace with these grouping levels: the entity's history
 * ({@link ENTITY_FEATURES}), the hour, then per level its group's onset counts in the last
 * 1 h / 3 h / 6 h / 24 h / 7 d, hours since its last onset and the share of it down now.
 */
export function featureNames(levels: readonly string[]): { names: string[]; kinds: FeatureKind[] } {
  const names: string[] = ENTITY_FEATURES.map((f) => f[0]);
  const kinds: FeatureKind[] = ENTITY_FEATURES.map((f) => f[1]);
  for (const l of levels) {
    for (const w of GROUP_WINDOWS_H) {
      names.push(`${l}_failures_${windowName(w)}`);
      kinds.push('count');
    }
    names.push(`${l}_hours_since_failure`, `${l}_down_share`, `${l}_failures_6h_day_ago`, `${l}_failures_6h_week_ago`);
    kinds.push('hours', 'level', 'count', 'count');
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

interface Plan {
  readonly t0: number;
  /** Grid hours 0 … hours − 1 (the last with its label window inside the trace). */
  readonly hours: number;
  readonly horizonH: number;
  /** Inclusive hour ranges of fit, tune, test. */
  readonly ranges: readonly (readonly [number, number])[];
  /** Per level, per group: prefix sums of onsets by hour bucket (length hours + horizon + 1). */
  readonly groupPrefix: readonly (readonly Int32Array[])[];
  /** Per level, per group: epoch ms of the last onset before hour k (−∞ when none), k = 0 … hours. */
  readonly groupLast: readonly (readonly Float64Array[])[];
  /** Per level, per group: weight of its entities down at hour k, and observed at hour k. */
  readonly groupDown: readonly (readonly Float64Array[])[];
  readonly groupObserved: readonly (readonly Float64Array[])[];
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

/** First and last-plus-one grid hours of an entity (observed: start ≤ τ < end). */
function hoursOf(plan: Pick<Plan, 't0' | 'hours'>, e: FailureEntity): [number, number] {
  return [Math.max(0, Math.ceil((e.start - plan.t0) / HOUR_MS)), Math.min(plan.hours, Math.ceil((e.end - plan.t0) / HOUR_MS))];
}

/** Hours k (0 … hours − 1) with a < τ < b, as [from, to) (empty when none). */
function hoursInside(plan: Pick<Plan, 't0' | 'hours'>, a: number, b: number): [number, number] {
  const from = Math.max(0, Math.floor((a - plan.t0) / HOUR_MS) + 1);
  const to = Math.min(plan.hours, Math.ceil((b - plan.t0) / HOUR_MS));
  return [from, Math.max(from, to)];
}

/**
 * Walks an entity's grid hours in order, calling `visit(k, split, label)`; with `features` given,
 * fills it with the features of hour k before each call (only onsets and down intervals begun
 * before τ are read; of a down interval begun before τ only whether it is still going on at τ,
 * or its end when that is before τ).
 */
function walk(
  plan: Plan,
  e: FailureEntity,
  index: number,
  features: Float64Array | undefined,
  visit: (k: number, split: number, label: number) => void,
): void {
  const { t0, horizonH } = plan;
  const [kFrom, kTo] = hoursOf(plan, e);
  const on = e.onsets;
  const n = on.length;
  const lo = ENTITY_WINDOWS.map(() => 0);
  let hi = 0;
  let downNext = 0;
  let downMaxEnd = Number.NEGATIVE_INFINITY;
  const merged = mergedDown(e);
  let begun = 0;
  const horizonMs = horizonH * HOUR_MS;
  const base = ENTITY_FEATURES.length;
  for (let k = kFrom; k < kTo; k++) {
    const split = splitOf(plan, k);
    if (split < 0) continue;
    const tau = t0 + k * HOUR_MS;
    while (hi < n && (on[hi] as number) < tau) hi++;
    const label = hi < n && (on[hi] as number) < tau + horizonMs ? 1 : 0;
    if (features) {
      ENTITY_WINDOWS.forEach(([hours, col], w) => {
        const from = tau - hours * HOUR_MS;
        let j = lo[w] as number;
        while (j < hi && (on[j] as number) < from) j++;
        lo[w] = j;
        if (col >= 0) features[col] = hi - j;
      });
      // [τ − 24 h, τ − 18 h) and [τ − 168 h, τ − 162 h): the 6-hour window a day and a week before
      features[15] = (lo[5] as number) - (lo[1] as number);
      features[16] = (lo[6] as number) - (lo[2] as number);
      while (downNext < e.downStart.length && (e.downStart[downNext] as number) < tau) {
        downMaxEnd = Math.max(downMaxEnd, e.downEnd[downNext] as number);
        downNext++;
      }
      while (begun < merged.length && (merged[begun] as [number, number])[0] < tau) begun++;
      const current = merged[begun - 1];
      const ongoing = current !== undefined && current[1] > tau;
      const last = ongoing ? merged[begun - 2] : current;
      const sinceStart = (tau - e.start) / HOUR_MS;
      features[0] = hi > 0 ? (tau - (on[hi - 1] as number)) / HOUR_MS : sinceStart;
      features[1] = hi > 0 ? 0 : 1;
      features[5] = downMaxEnd > tau ? 1 : 0;
      features[6] = hi / Math.max(1, sinceStart / 24);
      features[9] = last ? (tau - last[1]) / HOUR_MS : sinceStart;
      features[10] = ongoing ? (tau - current[0]) / HOUR_MS : 0;
      features[11] = last ? (last[1] - last[0]) / HOUR_MS : 0;
      features[12] = sinceStart;
      features[13] = ((Math.floor(tau / HOUR_MS) % 24) + 24) % 24;
      features[14] = (((Math.floor(tau / (24 * HOUR_MS)) + 3) % 7) + 7) % 7;
      for (let l = 0; l < plan.groupPrefix.length; l++) {
        const g = (plan.groupOf[l] as Int32Array)[index] as number;
        const prefix = (plan.groupPrefix[l] as readonly Int32Array[])[g] as Int32Array;
        const col = base + PER_LEVEL * l;
        const before = (hours: number): number => prefix[Math.max(0, k - hours)] as number;
        GROUP_WINDOWS_H.forEach((hours, w) => {
          features[col + w] = (prefix[k] as number) - before(hours);
        });
        features[col + PER_LEVEL - 2] = before(18) - before(24);
        features[col + PER_LEVEL - 1] = before(162) - before(168);
        const lastOnset = ((plan.groupLast[l] as readonly Float64Array[])[g] as Float64Array)[k] as number;
        features[col + GROUP_WINDOWS_H.length] = Number.isFinite(lastOnset) ? (tau - lastOnset) / HOUR_MS : k;
        const observed = ((plan.groupObserved[l] as readonly Float64Array[])[g] as Float64Array)[k] as number;
        const downWeight = ((plan.groupDown[l] as readonly Float64Array[])[g] as Float64Array)[k] as number;
        features[col + GROUP_WINDOWS_H.length + 1] = observed > 0 ? downWeight / observed : 0;
      }
    }
    visit(k, split, label);
  }
}

/** Down intervals of an entity merged where they overlap (LANL records may), by start. */
function mergedDown(e: FailureEntity): [number, number][] {
  const order = Array.from(e.downStart.keys()).sort((p, q) => (e.downStart[p] as number) - (e.downStart[q] as number));
  const out: [number, number][] = [];
  for (const i of order) {
    const a = e.downStart[i] as number;
    const b = e.downEnd[i] as number;
    const top = out[out.length - 1];
    if (top && a < top[1]) top[1] = Math.max(top[1], b);
    else out.push([a, b]);
  }
  return out;
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
  const groupLast: Float64Array[][] = [];
  const groupDown: Float64Array[][] = [];
  const groupObserved: Float64Array[][] = [];
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
    const last = Array.from({ length: ids.size }, () => new Float64Array(hours + 1).fill(Number.NEGATIVE_INFINITY));
    const down = Array.from({ length: ids.size }, () => new Float64Array(hours + 1));
    const observed = Array.from({ length: ids.size }, () => new Float64Array(hours + 1));
    entities.forEach((e, i) => {
      const g = of[i] as number;
      const lastOf = last[g] as Float64Array;
      for (const s of e.onsets) {
        const k = Math.floor((s - t0) / HOUR_MS) + 1; // first hour with s < τ
        if (k >= 0 && k <= hours) lastOf[k] = Math.max(lastOf[k] as number, s);
      }
      const [from, to] = hoursOf({ t0, hours }, e);
      const obs = observed[g] as Float64Array;
      obs[from] = (obs[from] as number) + e.weight;
      obs[to] = (obs[to] as number) - e.weight;
      const dn = down[g] as Float64Array;
      for (const [a, b] of mergedDown(e)) {
        const [kA, kB] = hoursInside({ t0, hours }, a, b);
        dn[kA] = (dn[kA] as number) + e.weight;
        dn[kB] = (dn[kB] as number) - e.weight;
      }
    });
    for (let g = 0; g < ids.size; g++) {
      const lastOf = last[g] as Float64Array;
      const obs = observed[g] as Float64Array;
      const dn = down[g] as Float64Array;
      for (let k = 1; k <= hours; k++) {
        lastOf[k] = Math.max(lastOf[k] as number, lastOf[k - 1] as number);
        obs[k] = (obs[k] as number) + (obs[k - 1] as number);
        dn[k] = (dn[k] as number) + (dn[k - 1] as number);
      }
    }
    groupPrefix.push(prefixes);
    groupLast.push(last);
    groupDown.push(down);
    groupObserved.push(observed);
    groupOf.push(of);
  });
  const plan: Plan = { t0, hours, horizonH, ranges, groupPrefix, groupLast, groupDown, groupObserved, groupOf };

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
