/**
 * @module learn/error-drift
 * Change detectors for a model's error stream (|forecast error| scaled to [0, 1], 0/1 mistakes,
 * rejected-anomaly flags): ADWIN and Page-Hinkley. Both take one value at a time in O(1)
 * (Page-Hinkley) or amortised O(log W) (ADWIN) time and memory.
 *
 * ADWIN (adaptive windowing): keeps a window W of the recent values, compressed into an
 * exponential histogram (at most `maxBuckets` buckets of each size 1, 2, 4, …, each holding its sum
 * and its sum of squared deviations, merged pairwise oldest first). Every `clock` values it tries
 * every bucket boundary as a split W = W₀ (older) · W₁ (newer) and cuts when
 * `|μ₀ − μ₁| > ε = √(2σ²_W·L/m) + (2/3)·range·L/m`, with `m = 1/(1/n₀ + 1/n₁)`,
 * `L = ln(2·ln|W|/δ)` and σ²_W the window's variance; on a cut it drops the oldest bucket and tries
 * again, so the window shrinks to the part after the change. Detects a change of the mean in either
 * direction, with a false-alarm rate bounded by δ per test for values in [0, range]. Fails on: values
 * outside [0, range] (the bound no longer holds: more false alarms), slow drifts (found late, when
 * the accumulated difference is large), and highly autocorrelated errors (the variance term is too
 * small: more alarms).
 *
 * Page-Hinkley: with the running mean x̄ₜ, the cumulative sum `mₜ = α·mₜ₋₁ + (xₜ − x̄ₜ − δ)` and
 * its minimum `Mₜ`, alarm when `mₜ − Mₜ > λ` (after `minInstances` values), then start over. Detects
 * an INCREASE of the mean (errors getting worse) of more than about δ; `λ` trades delay against
 * false alarms and is in the stream's unit (scale the stream or λ accordingly). For a stationary
 * stream of variance σ² the mean run between false alarms is about
 * `(σ²/2δ²)·(e^{2δλ/σ²} − 1 − 2δλ/σ²)` (Siegmund's approximation): ≈ 60,000 values for 0/1
 * mistakes at a 20 % rate with the defaults, ≈ 4,500 with δ 0.05, λ 8 (so raise λ for 0/1 streams:
 * λ 15 gives ≈ 390,000). `α < 1` forgets old deviations, but then the sum settles near
 * `−δ/(1 − α)` in a long stationary run (−50 = −λ with River's α 0.9999 and δ 0.005), where it
 * wanders like a random walk and false alarms come sooner: the default is α = 1. Fails on:
 * decreases (by design), and streams whose scale is unknown (λ must be set for it).
 *
 * Reference: A. Bifet, R. Gavaldà, "Learning from Time-Changing Data with Adaptive Windowing",
 * SIAM SDM 2007 (ADWIN2); E. S. Page, "Continuous inspection schemes", Biometrika 1954;
 * D. V. Hinkley, "Inference about the change-point from cumulative sum tests", Biometrika 1971;
 * D. Siegmund, "Sequential Analysis", Springer 1985 (the run-length approximation); defaults as in
 * River (`river.drift.ADWIN`, `river.drift.PageHinkley`) except Page-Hinkley's α.
 */
import { describe, invalid } from '../errors.js';
import { type ConfigRules, openState, parseConfig } from '../models/config.js';

/** Configuration of {@link Adwin}. */
export interface AdwinConfig {
  readonly method: 'adwin';
  /** Confidence of each cut test, in (0, 1); smaller = fewer false alarms, later detection. Default 0.002. */
  readonly delta: number;
  /** Cut tests run every `clock` values. Default 32. */
  readonly clock: number;
  /** Buckets of each size kept before two are merged. Default 5. */
  readonly maxBuckets: number;
  /** Values each side of a split needs at least. Default 5. */
  readonly minWindowLength: number;
  /** Values the window needs before any test. Default 10. */
  readonly gracePeriod: number;
  /** Width of the value range [0, range] the bound assumes. Default 1. */
  readonly range: number;
}

/** Configuration of {@link PageHinkley}. */
export interface PageHinkleyConfig {
  readonly method: 'page-hinkley';
  /** Tolerated increase of the mean, in the stream's unit. Default 0.005. */
  readonly delta: number;
  /** Alarm threshold on mₜ − Mₜ, in the stream's unit. Default 50. */
  readonly lambda: number;
  /** Forgetting factor of the cumulative sum, in (0, 1]. Default 1 (none; see the module comment). */
  readonly alpha: number;
  /** Values before an alarm can be raised. Default 30. */
  readonly minInstances: number;
}

/** Configuration of an error-stream detector; `method` picks the algorithm. */
export type ErrorDetectorConfig = AdwinConfig | PageHinkleyConfig;

/** What one `add` found. */
export interface ErrorDriftResult {
  /** True when this value completed a detected change. */
  readonly drift: boolean;
  /**
   * Current estimate of the stream's mean: ADWIN the window's (after any cut; it may still hold
   * values from before the change), Page-Hinkley on drift the mean since the change (= `after`),
   * else the running mean since the last reset.
   */
  readonly mean: number;
  /** Values behind `mean`. */
  readonly n: number;
  /** On drift: the mean before the change (ADWIN: of the older side of the first cut; Page-Hinkley: the running mean). */
  readonly before?: number;
  /** On drift: the mean after the change (ADWIN: of the newer side of the first cut; Page-Hinkley: since the cumulative sum's minimum). */
  readonly after?: number;
  /** ADWIN on drift: |before − after|; Page-Hinkley always: mₜ − Mₜ. */
  readonly statistic?: number;
  /** ADWIN on drift: the ε it crossed; Page-Hinkley always: λ. */
  readonly threshold?: number;
}

/** Saved state of {@link Adwin}: plain JSON numbers. */
export interface AdwinState {
  readonly version: 1;
  readonly method: 'adwin';
  readonly tick: number;
  readonly width: number;
  readonly total: number;
  /** Sum of squared deviations of the window. */
  readonly m2: number;
  /** Buckets per row (row i holds buckets of 2^i values), newest row first. */
  readonly rowLengths: readonly number[];
  /** Bucket sums, row after row, oldest first within a row. */
  readonly sums: readonly number[];
  /** Bucket sums of squared deviations, same layout. */
  readonly m2s: readonly number[];
}

/** Saved state of {@link PageHinkley}: plain JSON numbers. */
export interface PageHinkleyState {
  readonly version: 1;
  readonly method: 'page-hinkley';
  readonly n: number;
  readonly mean: number;
  readonly sum: number;
  readonly minSum: number;
  readonly sinceN: number;
  readonly sinceSum: number;
}

/** Saved state of an error-stream detector. */
export type ErrorDetectorState = AdwinState | PageHinkleyState;

/** A change detector on an error stream. */
export interface ErrorDetector {
  readonly config: ErrorDetectorConfig;
  /** Adds one value; non-finite values are ignored (the result then has `drift: false`). */
  add(x: number): ErrorDriftResult;
  /** Forgets everything learned. */
  reset(): void;
  /** JSON state that restores this detector exactly through {@link createErrorDetector}. */
  state(): ErrorDetectorState;
}

/** A split of ADWIN's window whose two means differ by more than ε. */
interface Cut {
  readonly before: number;
  readonly after: number;
  readonly statistic: number;
  readonly threshold: number;
}

const NAME = 'learn/error-drift';
const VERSION = 1;
const MAX_ROWS = 64;
const MAX_BUCKETS = 1000;

/** Defaults of {@link AdwinConfig}. */
export const adwinDefaults: AdwinConfig = {
  method: 'adwin',
  delta: 0.002,
  clock: 32,
  maxBuckets: 5,
  minWindowLength: 5,
  gracePeriod: 10,
  range: 1,
};

/** Defaults of {@link PageHinkleyConfig}. */
export const pageHinkleyDefaults: PageHinkleyConfig = {
  method: 'page-hinkley',
  delta: 0.005,
  lambda: 50,
  alpha: 1,
  minInstances: 30,
};

const ADWIN_RULES: ConfigRules<AdwinConfig> = {
  method: { type: 'oneOf', values: ['adwin'] },
  delta: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  clock: { type: 'number', integer: true, min: 1 },
  maxBuckets: { type: 'number', integer: true, min: 2, max: MAX_BUCKETS },
  minWindowLength: { type: 'number', integer: true, min: 1 },
  gracePeriod: { type: 'number', integer: true, min: 2 },
  range: { type: 'number', min: 0, minExclusive: true },
};

const PH_RULES: ConfigRules<PageHinkleyConfig> = {
  method: { type: 'oneOf', values: ['page-hinkley'] },
  delta: { type: 'number', min: 0 },
  lambda: { type: 'number', min: 0, minExclusive: true },
  alpha: { type: 'number', min: 0, max: 1, minExclusive: true },
  minInstances: { type: 'number', integer: true, min: 1 },
};

/**
 * Parses an error-detector config: `method` ('adwin', the default, or 'page-hinkley') and that
 * method's keys, merged with its defaults.
 * @throws HomeostatError `invalid_argument` on an unknown method or key or a value out of range.
 * @example parseErrorDetectorConfig({ method: 'page-hinkley', lambda: 10 })
 */
export function parseErrorDetectorConfig(input: unknown): ErrorDetectorConfig {
  const method = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as { method?: unknown }).method : undefined;
  if (method === undefined || method === 'adwin') return parseConfig(`${NAME} adwin`, adwinDefaults, input, ADWIN_RULES);
  if (method === 'page-hinkley') return parseConfig(`${NAME} page-hinkley`, pageHinkleyDefaults, input, PH_RULES);
  throw invalid(`${NAME}: method must be one of "adwin", "page-hinkley" (got ${describe(method)})`);
}

/**
 * Builds the detector `config.method` names, restoring a saved state when given.
 * @throws HomeostatError `invalid_argument` when the state is malformed or of another method.
 */
export function createErrorDetector(config: ErrorDetectorConfig, state?: unknown): ErrorDetector {
  if (config.method === 'adwin') return new Adwin(config, state === undefined ? undefined : parseAdwinState(state));
  return new PageHinkley(config, state === undefined ? undefined : parsePageHinkleyState(state));
}

/**
 * ADWIN2 on a bounded stream: an adaptive window that drops its older part when the means of the
 * two parts differ by more than the Hoeffding/Bernstein-style bound ε.
 * @example
 * const d = new Adwin(adwinDefaults);
 * for (const e of errors) if (d.add(e).drift) console.log('error rate changed to', d.mean);
 */
export class Adwin implements ErrorDetector {
  readonly config: AdwinConfig;
  /** Row i: buckets of 2^i values, oldest first; row i + 1 is older than row i. */
  #sums: number[][] = [];
  #m2s: number[][] = [];
  #tick = 0;
  #width = 0;
  #total = 0;
  #m2 = 0;

  constructor(config: AdwinConfig, state?: AdwinState) {
    this.config = config;
    if (state) {
      this.#tick = state.tick;
      this.#width = state.width;
      this.#total = state.total;
      this.#m2 = state.m2;
      let k = 0;
      for (const len of state.rowLengths) {
        this.#sums.push(state.sums.slice(k, k + len) as number[]);
        this.#m2s.push(state.m2s.slice(k, k + len) as number[]);
        k += len;
      }
    }
  }

  /** Mean of the current window; 0 when empty. */
  get mean(): number {
    return this.#width > 0 ? this.#total / this.#width : 0;
  }

  /** Values in the current window. */
  get width(): number {
    return this.#width;
  }

  /** Variance of the current window. */
  get variance(): number {
    return this.#width > 0 ? this.#m2 / this.#width : 0;
  }

  add(x: number): ErrorDriftResult {
    if (!Number.isFinite(x)) return { drift: false, mean: this.mean, n: this.#width };
    const v = x + 0;
    this.#tick++;
    this.#insert(v);
    const c = this.config;
    if (this.#tick % c.clock !== 0 || this.#width <= c.gracePeriod) return { drift: false, mean: this.mean, n: this.#width };
    let first: Cut | undefined;
    for (let cut = this.#findCut(); cut !== undefined; cut = this.#findCut()) {
      first ??= cut;
      this.#dropOldest();
    }
    if (first === undefined) return { drift: false, mean: this.mean, n: this.#width };
    return { drift: true, mean: this.mean, n: this.#width, ...first };
  }

  reset(): void {
    this.#sums = [];
    this.#m2s = [];
    this.#tick = 0;
    this.#width = 0;
    this.#total = 0;
    this.#m2 = 0;
  }

  state(): AdwinState {
    return {
      version: VERSION,
      method: 'adwin',
      tick: this.#tick,
      width: this.#width,
      total: this.#total,
      m2: this.#m2,
      rowLengths: this.#sums.map((r) => r.length),
      sums: this.#sums.flat(),
      m2s: this.#m2s.flat(),
    };
  }

  #insert(x: number): void {
    if (this.#sums.length === 0) {
      this.#sums.push([]);
      this.#m2s.push([]);
    }
    (this.#sums[0] as number[]).push(x);
    (this.#m2s[0] as number[]).push(0);
    this.#width++;
    if (this.#width > 1) {
      const d = x - this.#total / (this.#width - 1);
      this.#m2 += ((this.#width - 1) * d * d) / this.#width;
    }
    this.#total += x;
    for (let i = 0; i < this.#sums.length; i++) {
      const sums = this.#sums[i] as number[];
      if (sums.length <= this.config.maxBuckets) break;
      const m2s = this.#m2s[i] as number[];
      const n = 2 ** i;
      const s1 = sums[0] as number;
      const s2 = sums[1] as number;
      const d = s1 / n - s2 / n;
      const m2 = (m2s[0] as number) + (m2s[1] as number) + (n * d * d) / 2;
      sums.splice(0, 2);
      m2s.splice(0, 2);
      if (i + 1 === this.#sums.length) {
        this.#sums.push([]);
        this.#m2s.push([]);
      }
      (this.#sums[i + 1] as number[]).push(s1 + s2);
      (this.#m2s[i + 1] as number[]).push(m2);
    }
  }

  /** The first split (oldest first) whose means differ by more than ε, or undefined. */
  #findCut(): Cut | undefined {
    const c = this.config;
    const width = this.#width;
    if (width <= c.gracePeriod) return undefined;
    const variance = this.#m2 / width;
    const logTerm = Math.log((2 * Math.log(width)) / c.delta);
    let n0 = 0;
    let u0 = 0;
    for (let i = this.#sums.length - 1; i >= 0; i--) {
      const sums = this.#sums[i] as number[];
      const size = 2 ** i;
      for (const s of sums) {
        n0 += size;
        u0 += s;
        const n1 = width - n0;
        if (n1 < c.minWindowLength) return undefined;
        if (n0 < c.minWindowLength) continue;
        const before = u0 / n0;
        const after = (this.#total - u0) / n1;
        const diff = Math.abs(before - after);
        const invM = 1 / n0 + 1 / n1;
        const eps = Math.sqrt(2 * invM * variance * logTerm) + (2 / 3) * c.range * invM * logTerm;
        if (diff > eps) return { before, after, statistic: diff, threshold: eps };
      }
    }
    return undefined;
  }

  #dropOldest(): void {
    const last = this.#sums.length - 1;
    const sums = this.#sums[last] as number[];
    const m2s = this.#m2s[last] as number[];
    const n = 2 ** last;
    const s = sums.shift() as number;
    const m2 = m2s.shift() as number;
    if (sums.length === 0) {
      this.#sums.pop();
      this.#m2s.pop();
    }
    this.#width -= n;
    this.#total -= s;
    if (this.#width === 0) {
      this.#total = 0;
      this.#m2 = 0;
      return;
    }
    const d = s / n - this.#total / this.#width;
    this.#m2 = Math.max(0, this.#m2 - m2 - (n * this.#width * d * d) / (n + this.#width));
  }
}

/**
 * Page-Hinkley test for an increase of a stream's mean; restarts after each alarm.
 * @example
 * const d = new PageHinkley({ ...pageHinkleyDefaults, lambda: 5 });
 * for (const e of errors) if (d.add(e).drift) console.log('errors rose');
 */
export class PageHinkley implements ErrorDetector {
  readonly config: PageHinkleyConfig;
  #n = 0;
  #mean = 0;
  #sum = 0;
  #minSum = 0;
  #sinceN = 0;
  #sinceSum = 0;

  constructor(config: PageHinkleyConfig, state?: PageHinkleyState) {
    this.config = config;
    if (state) {
      this.#n = state.n;
      this.#mean = state.mean;
      this.#sum = state.sum;
      this.#minSum = state.minSum;
      this.#sinceN = state.sinceN;
      this.#sinceSum = state.sinceSum;
    }
  }

  /** Running mean since the last reset. */
  get mean(): number {
    return this.#mean;
  }

  add(x: number): ErrorDriftResult {
    const c = this.config;
    if (!Number.isFinite(x))
      return { drift: false, mean: this.#mean, n: this.#n, statistic: this.#sum - this.#minSum, threshold: c.lambda };
    const v = x + 0;
    this.#n++;
    this.#mean += (v - this.#mean) / this.#n;
    this.#sum = c.alpha * this.#sum + (v - this.#mean - c.delta);
    if (this.#n === 1 || this.#sum <= this.#minSum) {
      this.#minSum = this.#sum;
      this.#sinceN = 0;
      this.#sinceSum = 0;
    } else {
      this.#sinceN++;
      this.#sinceSum += v;
    }
    const statistic = this.#sum - this.#minSum;
    if (this.#n < c.minInstances || !(statistic > c.lambda)) {
      return { drift: false, mean: this.#mean, n: this.#n, statistic, threshold: c.lambda };
    }
    const after = this.#sinceSum / this.#sinceN;
    const result: ErrorDriftResult = {
      drift: true,
      mean: after,
      n: this.#sinceN,
      before: this.#mean,
      after,
      statistic,
      threshold: c.lambda,
    };
    this.reset();
    return result;
  }

  reset(): void {
    this.#n = 0;
    this.#mean = 0;
    this.#sum = 0;
    this.#minSum = 0;
    this.#sinceN = 0;
    this.#sinceSum = 0;
  }

  state(): PageHinkleyState {
    return {
      version: VERSION,
      method: 'page-hinkley',
      n: this.#n,
      mean: this.#mean,
      sum: this.#sum,
      minSum: this.#minSum,
      sinceN: this.#sinceN,
      sinceSum: this.#sinceSum,
    };
  }
}

function checkMethod(input: unknown, method: string): void {
  const got = (input as { method?: unknown }).method;
  if (got !== method) throw invalid(`${NAME}: state is for method ${describe(got)}, expected ${JSON.stringify(method)}`);
}

function nonNegativeInteger(name: string, key: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw invalid(`${name}: state field ${key} must be an integer ≥ 0 (got ${describe(v)})`);
  return v;
}

function parseAdwinState(input: unknown): AdwinState {
  const name = `${NAME} adwin`;
  const r = openState(name, VERSION, input);
  checkMethod(input, 'adwin');
  const rowLengths = r.numbers('rowLengths', MAX_ROWS);
  const sums = r.numbers('sums', MAX_ROWS * (MAX_BUCKETS + 1));
  const m2s = r.numbers('m2s', MAX_ROWS * (MAX_BUCKETS + 1));
  let total = 0;
  for (const len of rowLengths) total += nonNegativeInteger(name, 'rowLengths', len);
  if (total !== sums.length || total !== m2s.length) {
    throw invalid(`${name}: state rowLengths sum to ${total} but sums holds ${sums.length} and m2s ${m2s.length}`);
  }
  return {
    version: VERSION,
    method: 'adwin',
    tick: nonNegativeInteger(name, 'tick', r.number('tick')),
    width: nonNegativeInteger(name, 'width', r.number('width')),
    total: r.number('total'),
    m2: r.number('m2'),
    rowLengths,
    sums,
    m2s,
  };
}

function parsePageHinkleyState(input: unknown): PageHinkleyState {
  const name = `${NAME} page-hinkley`;
  const r = openState(name, VERSION, input);
  checkMethod(input, 'page-hinkley');
  return {
    version: VERSION,
    method: 'page-hinkley',
    n: nonNegativeInteger(name, 'n', r.number('n')),
    mean: r.number('mean'),
    sum: r.number('sum'),
    minSum: r.number('minSum'),
    sinceN: nonNegativeInteger(name, 'sinceN', r.number('sinceN')),
    sinceSum: r.number('sinceSum'),
  };
}
