/**
 * @module models/isotonic-calibrator
 * Isotonic calibration of a raw score from labelled cases (`calibrator/isotonic`), refitted on
 * every new label.
 *
 * Algorithm: pool-adjacent-violators (PAV) over the labelled cases sorted by raw score gives the
 * non-decreasing step function of the share of true labels that fits them best in squared error.
 * Each pooled block's share is then shrunk towards 1/2 by `smoothing` pseudo-cases
 * (`(positives + smoothing/2) / (n + smoothing)`, a symmetric Beta prior: a region with few cases
 * says "not sure" rather than borrowing the overall share, which for a mostly-right ranker would
 * make its rare low-confidence outputs look safe), PAV is run again on the shrunk shares, and the map interpolates linearly
 * between the blocks' mean raw scores (flat outside them). Cases come from a PRIOR — blocks of
 * `{x, n, positives}` learned offline and kept in the state, each case weighing `priorWeight` — and
 * from labels that arrive later (`label(raw, true|false)`, the most recent `maxLabels` kept), each
 * weighing 1: so local feedback takes over from the shipped prior after about `priorWeight · n`
 * labels. O((b + m) log(b + m)) per label for b prior blocks and m labels; O(log b) per calibrate.
 *
 * Works when the raw score orders cases by their chance of being right but its scale is off
 * (a ranking-derived confidence that is too modest in the middle and too bold at the bottom):
 * isotonic regression needs no sigmoid shape, unlike Platt scaling. Fails with few cases in a
 * region (the smoothing then pulls it to the overall share) and when labels are biased (only the
 * cases someone looked at are labelled).
 *
 * Reference: B. Zadrozny, C. Elkan, "Transforming classifier scores into accurate multiclass
 * probability estimates", KDD 2002; M. Ayer et al., "An empirical distribution function for
 * sampling with incomplete information", 1955 (PAV).
 */
import { describe, invalid } from '../errors.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Calibrator, ModelSpec } from './contract.js';

/** Configuration of {@link IsotonicCalibrator}. */
export interface IsotonicCalibratorConfig {
  /** Weight of each prior case against a new label (≥ 0; 0 ignores the prior). Default 1. */
  readonly priorWeight: number;
  /** Pseudo-cases at share 1/2 added to every block (≥ 0). Default 1. */
  readonly smoothing: number;
  /** New labels kept (the most recent), integer ≥ 1. Default 1000. */
  readonly maxLabels: number;
}

/** A run of labelled cases pooled at one raw score: `positives` of `n` were true. */
export interface IsotonicBlock {
  /** Mean raw score of the cases in the block. */
  readonly x: number;
  /** Case count (may be fractional once weighted). */
  readonly n: number;
  /** True cases among them, 0 ≤ positives ≤ n. */
  readonly positives: number;
}

/** Saved state: the prior blocks (as columns) and the labels that arrived since. */
export interface IsotonicCalibratorState {
  readonly version: 1;
  /** Mean raw score of each prior block, ascending. */
  readonly priorX: readonly number[];
  /** Case count of each prior block. */
  readonly priorN: readonly number[];
  /** True cases of each prior block. */
  readonly priorPositives: readonly number[];
  /** Raw scores of the new labels, oldest first. */
  readonly raws: readonly number[];
  /** 1 = true, 0 = false, one per raw. */
  readonly labels: readonly number[];
}

/**
 * The state of a calibrator that starts from `prior` (no label yet).
 * @example isotonicCalibratorSpec.create(isotonicCalibratorSpec.defaults, isotonicPrior([{ x: 0.9, n: 10, positives: 9 }]))
 */
export function isotonicPrior(prior: readonly IsotonicBlock[]): IsotonicCalibratorState {
  return {
    version: VERSION,
    priorX: prior.map((b) => b.x),
    priorN: prior.map((b) => b.n),
    priorPositives: prior.map((b) => b.positives),
    raws: [],
    labels: [],
  };
}

const KIND = 'calibrator/isotonic';
const VERSION = 1;
const MAX_STATE_ITEMS = 100_000;
const DEFAULTS: IsotonicCalibratorConfig = { priorWeight: 1, smoothing: 1, maxLabels: 1000 };
const RULES: ConfigRules<IsotonicCalibratorConfig> = {
  priorWeight: { type: 'number', min: 0 },
  smoothing: { type: 'number', min: 0 },
  maxLabels: { type: 'number', integer: true, min: 1 },
};

/**
 * Pool-adjacent-violators: the blocks of a non-decreasing step fit of `positives / n` over `x`.
 * Blocks with n ≤ 0 are dropped; the input need not be sorted. Pure.
 * @example poolAdjacentViolators([{ x: 0.2, n: 1, positives: 1 }, { x: 0.8, n: 1, positives: 0 }]) // one block { x: 0.5, n: 2, positives: 1 }
 */
export function poolAdjacentViolators(cases: readonly IsotonicBlock[]): IsotonicBlock[] {
  const sorted = cases.filter((c) => c.n > 0).sort((a, b) => a.x - b.x);
  const out: { sx: number; n: number; positives: number }[] = [];
  for (const c of sorted) {
    out.push({ sx: c.x * c.n, n: c.n, positives: c.positives });
    while (out.length >= 2) {
      const b = out[out.length - 1] as { sx: number; n: number; positives: number };
      const a = out[out.length - 2] as { sx: number; n: number; positives: number };
      if (a.positives / a.n < b.positives / b.n) break;
      out.pop();
      a.sx += b.sx;
      a.n += b.n;
      a.positives += b.positives;
    }
  }
  return out.map((b) => ({ x: b.sx / b.n, n: b.n, positives: b.positives }));
}

/**
 * Isotonic calibration from a prior of labelled blocks plus labels that arrive later.
 * @example
 * const c = isotonicCalibratorSpec.create({ priorWeight: 1, smoothing: 0, maxLabels: 10 },
 *   isotonicPrior([{ x: 0.3, n: 4, positives: 1 }, { x: 0.9, n: 4, positives: 4 }]));
 * c.calibrate(0.6) // 0.625, halfway between 0.25 and 1
 */
export class IsotonicCalibrator implements Calibrator {
  readonly #config: IsotonicCalibratorConfig;
  readonly #prior: readonly IsotonicBlock[];
  readonly #raws: number[] = [];
  readonly #labels: boolean[] = [];
  #xs: number[] = [];
  #ps: number[] = [];
  #fitted: IsotonicBlock[] = [];

  constructor(config: IsotonicCalibratorConfig, state?: IsotonicCalibratorState) {
    this.#config = config;
    this.#prior = (state?.priorX ?? []).map((x, i) => ({ x, n: state?.priorN[i] ?? 0, positives: state?.priorPositives[i] ?? 0 }));
    if (state) {
      this.#raws.push(...state.raws);
      this.#labels.push(...state.labels.map((l) => l === 1));
    }
    this.#refit();
  }

  /** The fitted blocks (mean raw score, weighted count, weighted positives), by raw score. */
  get blocks(): readonly IsotonicBlock[] {
    return this.#fitted;
  }

  /** Labels received since the prior. */
  get labelCount(): number {
    return this.#raws.length;
  }

  /** Probability in [0, 1] for `raw`; non-decreasing. 0.5 with no cases at all; NaN in gives the lowest value. */
  calibrate(raw: number): number {
    const xs = this.#xs;
    const ps = this.#ps;
    if (xs.length === 0) return 0.5;
    if (!(raw > (xs[0] as number))) return ps[0] as number;
    const last = xs.length - 1;
    if (raw >= (xs[last] as number)) return ps[last] as number;
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((xs[mid] as number) <= raw) lo = mid;
      else hi = mid;
    }
    const x0 = xs[lo] as number;
    const x1 = xs[hi] as number;
    const p0 = ps[lo] as number;
    const p1 = ps[hi] as number;
    return p0 + ((p1 - p0) * (raw - x0)) / (x1 - x0);
  }

  /**
   * Records one labelled case (was the output scored `raw` right?) and refits.
   * @throws HomeostatError `invalid_argument` when `raw` is not a finite number.
   */
  label(raw: number, isTrue: boolean): void {
    if (!Number.isFinite(raw)) throw invalid(`${KIND}: a labelled raw score must be finite (got ${describe(raw)})`);
    this.#raws.push(raw);
    this.#labels.push(isTrue);
    if (this.#raws.length > this.#config.maxLabels) {
      this.#raws.shift();
      this.#labels.shift();
    }
    this.#refit();
  }

  /** JSON state that restores this calibrator exactly. */
  state(): IsotonicCalibratorState {
    return {
      ...isotonicPrior(this.#prior),
      raws: [...this.#raws],
      labels: this.#labels.map((l) => (l ? 1 : 0)),
    };
  }

  #refit(): void {
    const w = this.#config.priorWeight;
    const cases: IsotonicBlock[] = this.#prior.map((b) => ({ x: b.x, n: b.n * w, positives: b.positives * w }));
    for (let i = 0; i < this.#raws.length; i++) {
      cases.push({ x: this.#raws[i] as number, n: 1, positives: this.#labels[i] ? 1 : 0 });
    }
    const pooled = poolAdjacentViolators(cases);
    const k = this.#config.smoothing;
    const shrunk = pooled.map((b) => ({ x: b.x, n: b.n, positives: (b.positives + k * 0.5) * (b.n / (b.n + k)) }));
    this.#fitted = poolAdjacentViolators(shrunk);
    this.#xs = this.#fitted.map((b) => b.x);
    this.#ps = this.#fitted.map((b) => b.positives / b.n);
  }
}

function parseState(input: unknown): IsotonicCalibratorState {
  const r = openState(KIND, VERSION, input);
  const xs = r.numbers('priorX', MAX_STATE_ITEMS);
  const ns = r.numbers('priorN', MAX_STATE_ITEMS);
  const ps = r.numbers('priorPositives', MAX_STATE_ITEMS);
  if (xs.length !== ns.length || xs.length !== ps.length) {
    throw invalid(`${KIND}: state needs priorX, priorN and priorPositives of one length (got ${xs.length}, ${ns.length}, ${ps.length})`);
  }
  for (let i = 0; i < xs.length; i++) {
    const n = ns[i] as number;
    const positives = ps[i] as number;
    if (!(n > 0) || !(positives >= 0) || positives > n) {
      throw invalid(
        `${KIND}: state prior block ${i} needs n > 0 and 0 <= positives <= n (got n ${describe(n)}, positives ${describe(positives)})`,
      );
    }
  }
  const raws = r.numbers('raws', MAX_STATE_ITEMS);
  const labels = r.numbers('labels', MAX_STATE_ITEMS);
  const bad = labels.findIndex((x) => x !== 0 && x !== 1);
  if (bad >= 0) throw invalid(`${KIND}: state labels[${bad}] must be 0 or 1 (got ${describe(labels[bad])})`);
  if (raws.length !== labels.length) {
    throw invalid(`${KIND}: state needs one label per raw score (got ${raws.length} raws and ${labels.length} labels)`);
  }
  return { version: 1, priorX: xs, priorN: ns, priorPositives: ps, raws, labels };
}

/** Spec of the isotonic calibrator: kind `calibrator/isotonic`, state version 1. */
export const isotonicCalibratorSpec: ModelSpec<IsotonicCalibratorConfig, IsotonicCalibrator> = {
  kind: KIND,
  version: VERSION,
  description:
    'Isotonic (PAV) calibration of a raw score from a prior of labelled blocks plus labels that arrive later, shrunk towards 1/2; refitted on every label.',
  defaults: DEFAULTS,
  parse: (input) => parseConfig(KIND, DEFAULTS, input, RULES),
  create: (config, state) => new IsotonicCalibrator(config, state === undefined ? undefined : parseState(state)),
};
