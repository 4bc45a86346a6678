/**
 * @module models/ensemble-detector
 * The default univariate detector (`detector/ensemble`): a fixed combination of cheap streaming
 * detectors whose raw scores are put on one scale before they are combined.
 *
 * Algorithm: every member (by default `detector/robust-z`, `detector/forecast-residual` and a
 * compact `detector/seasonal-robust` with 48 half-hour slots) scores the point. Each member's raw
 * score is divided by a running estimate `q` of its own τ-quantile (`tailQuantile`, default 0.9)
 * of past raws and multiplied by `z_τ = Φ⁻¹((1 + τ)/2)` (1.645 at τ = 0.9): a member is "at 1.645"
 * when it is as far out as it usually is once in 1/(1 − τ) points, whatever its own units and
 * tail, so the combined raw reads like a |z|. `q` is learned in O(1) by stochastic approximation in the log domain: after each scored
 * point `q ← q·e^{η·τ}` when the raw exceeded `q`, else `q ← q·e^{−η·(1−τ)}` (η = `tailRate`), so
 * that `P(raw > q) → 1 − τ`; it starts at `z_τ` (a normal member) and is floored at `minTail`.
 * A long anomaly raises `q` by at most `e^{η·τ}` per point (≈ 1.1× over 50 points at the default
 * η), so it is not learned away quickly. Combination (`combine`): 'max' (default) takes the largest
 * normalised score; 'mean' averages the normalised scores of the members that scored. `expected`
 * and the first contributor come from the member with the largest normalised score; contributors
 * list every member that scored, highest first, with its normalised score as weight. `score`
 * returns undefined until a member scores (the members' own warm-ups: 30 points by default).
 *
 * Why these members: robust-z catches values far outside the recent range (slow drifts, level
 * shifts, on any series); forecast-residual catches jumps that stay inside the range (spikes on
 * smooth autocorrelated KPIs); seasonal-robust catches values normal for the day but wrong for the
 * time of day. All are O(1) per point; the state is 2.5–3 KB of JSON at the defaults. The
 * defaults (members' settings, τ, η, 'max') were chosen on the first halves of the 29 AIOps KPIs.
 *
 * Works for: a first detector on any series without choosing — stationary, trending, seasonal,
 * smooth or noisy — with a raw score in z-like units. Fails on: what all members miss (slow leaks
 * within the noise, changes of variance only, patterns longer than a day), and series that are
 * anomalous from their start (the members and the tail quantiles learn the anomaly as normal).
 * The 'max' rule raises false alarms a little (three chances per point); a calibrator or a
 * threshold from training data absorbs that.
 *
 * Reference: C. C. Aggarwal, "Outlier Ensembles: Position Paper", SIGKDD Explorations 2013 (score
 * normalisation, then max or average); H.-P. Kriegel et al., "Interpreting and Unifying Outlier
 * Scores", SDM 2011; H. Robbins, S. Monro, "A Stochastic Approximation Method", 1951 (quantile
 * tracking); Merlion's default ensemble (Bhatnagar et al., 2021).
 */
import { describe, invalid } from '../errors.js';
import type { Attribution } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Detector, DetectorScore, ModelSpec } from './contract.js';
import { type ForecastResidualConfig, forecastResidualSpec } from './forecast-residual.js';
import { type RobustZConfig, robustZSpec } from './robust-z.js';
import { type SeasonalRobustConfig, seasonalRobustSpec } from './seasonal-robust.js';

/** Names of the detectors an ensemble can hold, in the order they are combined and saved. */
export type EnsembleMemberName = 'robust-z' | 'forecast-residual' | 'seasonal-robust';

/** How normalised member scores are combined. */
export type EnsembleCombine = 'max' | 'mean';

/** The members of an ensemble and their configs; an absent key is a member turned off. */
export interface EnsembleMembers {
  readonly 'robust-z'?: RobustZConfig;
  readonly 'forecast-residual'?: ForecastResidualConfig;
  readonly 'seasonal-robust'?: SeasonalRobustConfig;
}

/** Configuration of {@link EnsembleDetector}. */
export interface EnsembleConfig {
  /**
   * Members and their full configs. Default: robust-z (its defaults), forecast-residual (its
   * defaults) and seasonal-robust with 48 slots a day, slotAlpha 0.02 and levelAlpha 0.05. In `parse`, a given `members` object
   * replaces the default set; each member's keys override the ensemble's default config of that
   * member (so `{ 'seasonal-robust': {} }` is the compact seasonal member alone).
   */
  readonly members: EnsembleMembers;
  /** 'max' (default) or 'mean' of the normalised member scores. */
  readonly combine: EnsembleCombine;
  /** Quantile τ of a member's past raws that maps to z_τ, in (0.5, 1). Default 0.9 (z_τ = 1.645). */
  readonly tailQuantile: number;
  /** Log-domain step η of the quantile tracking, in (0, 1). Default 0.002. */
  readonly tailRate: number;
  /** Floor of a member's tracked quantile, in its raw units, > 0. Default 1. */
  readonly minTail: number;
}

/** Saved state of {@link EnsembleDetector}: each member's own state and the tracked quantiles. */
export interface EnsembleState {
  readonly version: 1;
  /** Tracked tail quantile of each enabled member, in member order. */
  readonly tails: readonly number[];
  /** Each enabled member's state, by name. */
  readonly members: Readonly<Record<string, unknown>>;
}

const KIND = 'detector/ensemble';
const VERSION = 1;
const MEMBER_ORDER: readonly EnsembleMemberName[] = ['robust-z', 'forecast-residual', 'seasonal-robust'];
const MEMBER_SPECS: { readonly [K in EnsembleMemberName]: ModelSpec<unknown, Detector> } = {
  'robust-z': robustZSpec as ModelSpec<unknown, Detector>,
  'forecast-residual': forecastResidualSpec as ModelSpec<unknown, Detector>,
  'seasonal-robust': seasonalRobustSpec as ModelSpec<unknown, Detector>,
};

const DEFAULT_MEMBERS: Required<EnsembleMembers> = {
  'robust-z': robustZSpec.defaults,
  'forecast-residual': forecastResidualSpec.defaults,
  'seasonal-robust': { ...seasonalRobustSpec.defaults, slots: 48, slotAlpha: 0.02, levelAlpha: 0.05 },
};

type FlatConfig = Omit<EnsembleConfig, 'members'>;

const FLAT_DEFAULTS: FlatConfig = {
  combine: 'max',
  tailQuantile: 0.9,
  tailRate: 0.002,
  minTail: 1,
};

const DEFAULTS: EnsembleConfig = { members: DEFAULT_MEMBERS, ...FLAT_DEFAULTS };

const RULES: ConfigRules<FlatConfig> = {
  combine: { type: 'oneOf', values: ['max', 'mean'] },
  tailQuantile: { type: 'number', min: 0.5, max: 1, minExclusive: true, maxExclusive: true },
  tailRate: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  minTail: { type: 'number', min: 0, minExclusive: true },
};

/**
 * Parses an ensemble config: flat keys as usual, `members` member by member through each member's
 * own spec (over the ensemble's default config of that member).
 * @throws HomeostatError `invalid_argument` for an unknown key or member, a member config that is
 *   not an object or breaks its spec's rules, or no member at all.
 */
function parseEnsemble(input: unknown): EnsembleConfig {
  if (input === undefined || input === null) return { members: { ...DEFAULT_MEMBERS }, ...FLAT_DEFAULTS };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(`${KIND}: config must be an object (got ${describe(input)})`);
  }
  const { members: rawMembers, ...flat } = input as Record<string, unknown>;
  const parsedFlat = parseConfig(KIND, FLAT_DEFAULTS, flat, RULES);
  if (rawMembers === undefined) return { members: { ...DEFAULT_MEMBERS }, ...parsedFlat };
  if (typeof rawMembers !== 'object' || rawMembers === null || Array.isArray(rawMembers)) {
    throw invalid(`${KIND}: members must be an object like {"robust-z": {}} (got ${describe(rawMembers)})`);
  }
  const members: Record<string, unknown> = {};
  for (const key of Object.keys(rawMembers)) {
    if (!(MEMBER_ORDER as readonly string[]).includes(key)) {
      throw invalid(`${KIND}: unknown member ${JSON.stringify(key)} (expected one of: ${MEMBER_ORDER.join(', ')})`);
    }
  }
  for (const name of MEMBER_ORDER) {
    const value = (rawMembers as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalid(`${KIND}: member ${name} must be a config object, {} for its defaults (got ${describe(value)})`);
    }
    members[name] = MEMBER_SPECS[name].parse({ ...DEFAULT_MEMBERS[name], ...value });
  }
  if (Object.keys(members).length === 0) {
    throw invalid(`${KIND}: members must hold at least one of ${MEMBER_ORDER.join(', ')} (got none)`);
  }
  return { members: members as EnsembleMembers, ...parsedFlat };
}

/**
 * Φ⁻¹(p), the standard normal quantile, for p in (0, 1): P. J. Acklam's rational approximation
 * (relative error < 1.2e-9).
 */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
    return p < low ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/**
 * The default univariate detector: robust-z, forecast-residual and a compact seasonal baseline,
 * each normalised by a running tail quantile of its own raws, combined by max (or mean). `score` is
 * pure; `learn` is O(members). Non-finite values are unscored and ignored.
 * @example
 * const d = ensembleDetectorSpec.create(ensembleDetectorSpec.defaults);
 * for (const p of points) { const s = d.score(p); d.learn(p); }
 */
export class EnsembleDetector implements Detector {
  readonly #names: readonly EnsembleMemberName[];
  readonly #members: readonly Detector[];
  readonly #tails: Float64Array;
  readonly #mean: boolean;
  readonly #unit: number;
  readonly #up: number;
  readonly #down: number;
  readonly #minTail: number;
  /** Raws of the last scored point, reused by `learn` of the same point (NaN = member did not score). */
  readonly #lastRaws: Float64Array;
  #lastT = Number.NaN;
  #lastV = Number.NaN;
  #cached = false;

  constructor(config: EnsembleConfig, state?: EnsembleState) {
    const names = MEMBER_ORDER.filter((m) => config.members[m] !== undefined);
    this.#names = names;
    this.#members = names.map((m) => {
      const spec = MEMBER_SPECS[m];
      return spec.create(config.members[m], state?.members[m]);
    });
    const tau = config.tailQuantile;
    this.#unit = normalQuantile((1 + tau) / 2);
    this.#up = Math.exp(config.tailRate * tau);
    this.#down = Math.exp(-config.tailRate * (1 - tau));
    this.#minTail = config.minTail;
    this.#mean = config.combine === 'mean';
    this.#tails = new Float64Array(names.length).fill(Math.max(this.#unit, config.minTail));
    if (state) this.#tails.set(state.tails);
    this.#lastRaws = new Float64Array(names.length);
  }

  /** Names of the enabled members, in combination order. */
  get memberNames(): readonly EnsembleMemberName[] {
    return this.#names;
  }

  /** Current tracked tail quantile of each member, in member order (its raw units). */
  get tails(): readonly number[] {
    return Array.from(this.#tails);
  }

  /** Scores `p` with every member and combines the normalised scores; undefined while no member scores. */
  score(p: Point): DetectorScore | undefined {
    if (!Number.isFinite(p.v)) return undefined;
    const k = this.#names.length;
    const scored: { name: EnsembleMemberName; norm: number; s: DetectorScore }[] = [];
    for (let i = 0; i < k; i++) {
      const s = (this.#members[i] as Detector).score(p);
      this.#lastRaws[i] = s === undefined ? Number.NaN : s.raw;
      if (s !== undefined)
        scored.push({ name: this.#names[i] as EnsembleMemberName, norm: (this.#unit * s.raw) / (this.#tails[i] as number), s });
    }
    this.#lastT = p.t;
    this.#lastV = p.v;
    this.#cached = true;
    if (scored.length === 0) return undefined;
    scored.sort((a, b) => b.norm - a.norm);
    const top = scored[0] as (typeof scored)[number];
    let raw = top.norm;
    if (this.#mean) {
      let sum = 0;
      for (const m of scored) sum += m.norm;
      raw = sum / scored.length;
    }
    const contributors: Attribution[] = scored.map((m) => ({ name: m.name, weight: m.norm, expected: m.s.expected, actual: m.s.actual }));
    return { raw, expected: top.s.expected, actual: p.v, contributors };
  }

  /** Learns `p` (test-then-train: call after `score`): updates each member's tail quantile with its raw, then the member. */
  learn(p: Point): void {
    if (!Number.isFinite(p.v)) return;
    const k = this.#names.length;
    const cached = this.#cached && Object.is(p.t, this.#lastT) && Object.is(p.v, this.#lastV);
    for (let i = 0; i < k; i++) {
      const member = this.#members[i] as Detector;
      const raw = cached ? (this.#lastRaws[i] as number) : (member.score(p)?.raw ?? Number.NaN);
      if (!Number.isNaN(raw)) {
        const q = this.#tails[i] as number;
        this.#tails[i] = Math.max(this.#minTail, raw > q ? q * this.#up : q * this.#down);
      }
      member.learn(p);
    }
    this.#cached = false;
  }

  /** JSON state that restores this detector exactly through {@link ensembleDetectorSpec}.create. */
  state(): EnsembleState {
    const members: Record<string, unknown> = {};
    this.#names.forEach((name, i) => {
      members[name] = (this.#members[i] as Detector).state();
    });
    return { version: VERSION, tails: Array.from(this.#tails), members };
  }
}

/** Spec of the default ensemble detector: kind `detector/ensemble`, state version 1. */
export const ensembleDetectorSpec: ModelSpec<EnsembleConfig, EnsembleDetector> = {
  kind: KIND,
  version: VERSION,
  description:
    'Default detector: robust-z, forecast-residual and a 48-slot seasonal baseline, each scaled by a running tail quantile of its own scores, combined by max.',
  defaults: DEFAULTS,
  parse: parseEnsemble,
  create(config, state) {
    if (state === undefined) return new EnsembleDetector(config);
    const s = openState(KIND, VERSION, state);
    const names = MEMBER_ORDER.filter((m) => config.members[m] !== undefined);
    const tails = s.numbers('tails', MEMBER_ORDER.length);
    if (tails.length !== names.length || !tails.every((q) => q > 0)) {
      throw invalid(`${KIND}: state field tails must hold ${names.length} positive numbers, one per member (got ${describe(tails)})`);
    }
    const saved = s.object('members');
    const keys = saved.keys();
    if (keys.length !== names.length || !names.every((m) => keys.includes(m))) {
      throw invalid(
        `${KIND}: state holds members ${keys.join(', ') || 'none'} but this config has ${names.join(', ')}; was it saved with another members config?`,
      );
    }
    const raw = (state as { members: Record<string, unknown> }).members;
    return new EnsembleDetector(config, { version: VERSION, tails, members: raw });
  },
};
