/**
 * @module models/forecast-selector
 * Per-series choice among several forecasters by a backtest on the series' own past (`forecaster/select`).
 *
 * Algorithm: the selector holds member forecasters (by default seasonal-naive with a daily
 * season, seasonal-naive with a weekly season, lag-ridge and Holt-Winters) and feeds every point
 * to all of them. At each backtest origin (`originsPerSeason` per season, default once a day) it
 * records every member's forecast of the next season; as the actuals arrive it adds up each
 * member's absolute errors, and when the season is over it stores each member's mean absolute
 * error of that origin. The last `scoreOrigins` origins are kept. A member's score is its mean
 * MAE over the kept origins it forecast. `forecast` then returns, in mode `select` (default), the
 * forecast of the member with the lowest score (mean and interval as the member gives them), or,
 * in mode `weight`, the average of the members' means and bounds weighted by 1 / score (a member
 * with score 0 takes all the weight). Before any origin is scored it returns the first member (in
 * list order) that can forecast. Everything is scored on the past only: an origin's errors count
 * once its whole season has been observed.
 *
 * Interval: the selector also records its own forecast at each origin; as actuals arrive it keeps
 * the ratios |actual − mean| / half-width (sampled evenly, at most 1,000). Once 50 are known, the
 * member interval (chosen or weighted) is rescaled around the mean by their ⌈level·(n + 1)⌉-th
 * smallest ratio (split-conformal calibration of the interval's width; exchangeability is assumed,
 * so a sudden change of regime under-covers until the ratios catch up).
 *
 * Members: each is `{ name, kind, seasons, config }`; its config is the member spec's parse of
 * `config` over keys the selector fills in when the member's defaults have them: `stepMs`,
 * `level`, `seasonPoints` (= seasons × the selector's `seasonPoints`), `dailyPoints` (= the
 * selector's season) and `weeklyPoints` (= 7 seasons, when the member's default is not 0). The
 * kinds a selector accepts are those of the specs given to {@link createForecastSelectorSpec}.
 *
 * Works for: collections of series of unlike shape (smooth aggregates, weekly-cycled fleets,
 * bursty instances), where no single method wins everywhere and a week of history says which one
 * will. Fails on: series whose best method changes faster than `scoreOrigins` days (it follows a
 * few days late), and very short histories (no origin scored yet: the first member is used). Its
 * cost is the sum of its members' plus one season-long forecast per member per origin.
 *
 * Reference: R. J. Hyndman, G. Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed.,
 * §5.10 (time series cross-validation) and §13.4 (forecast combinations); R. Fildes,
 * F. Petropoulos, "Simple versus complex selection rules for forecasting many time series",
 * J. Business Research 68 (2015).
 */
import { describe, invalid } from '../errors.js';
import type { Forecast } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Forecaster, ModelSpec } from './contract.js';
import { holtWintersSpec } from './holt-winters.js';
import { lagRidgeSpec } from './lag-ridge.js';
import { seasonalNaiveSpec } from './seasonal-naive.js';

/** How the selector turns member scores into a forecast. */
export type SelectorMode = 'select' | 'weight';

/** One member of a selector. */
export interface SelectorMember {
  /** Unique name, used in explanations (e.g. `daily`, `weekly`, `ridge`). */
  readonly name: string;
  /** Kind of the member's spec (must be one the selector spec was built with). */
  readonly kind: string;
  /** Season of the member in selector seasons (7 = a weekly seasonal-naive). Default 1. */
  readonly seasons: number;
  /** Config overrides for the member, parsed by its spec. Default {}. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** Configuration of {@link ForecastSelector}. */
export interface ForecastSelectorConfig {
  /** Steps in one season (the backtest horizon). Default 1,440 (one day of 1-minute steps). */
  readonly seasonPoints: number;
  /** Step between points (ms). Default 60,000. */
  readonly stepMs: number;
  /** Interval coverage given to the members, in (0, 1). Default 0.9. */
  readonly level: number;
  /** `select` (the best member) or `weight` (inverse-error weighted average). Default `select`. */
  readonly mode: SelectorMode;
  /** Scored backtest origins kept per member. Default 7. */
  readonly scoreOrigins: number;
  /** Backtest origins per season; must divide `seasonPoints`. Default 1. */
  readonly originsPerSeason: number;
  readonly members: readonly SelectorMember[];
}

/** A backtest origin whose season is not over yet. */
export interface SelectorPending {
  /** Time of the first forecast step (ms). */
  readonly start: number;
  /** Per member: its forecast means over one season, or null if it could not forecast. */
  readonly means: (number[] | null)[];
  /** Per member: sum of absolute errors so far. */
  readonly errors: number[];
  /** Actuals scored so far. */
  readonly count: number;
  /** The selector's own forecast mean over the season, before interval rescaling. */
  readonly center: number[];
  /** Its interval half-widths, before rescaling. */
  readonly half: number[];
}

/** Saved state of {@link ForecastSelector}. */
export interface ForecastSelectorState {
  readonly version: 1;
  readonly lastT?: number;
  /** Grid step of the last learned point (0 = the first). */
  readonly step: number;
  /** Member states, in member order. */
  readonly members: unknown[];
  readonly pending: SelectorPending[];
  /** Ring of scored origins: per member its MAE, or null if it did not forecast. */
  readonly scores: (number | null)[][];
  readonly scoresHead: number;
  /** Ring of |actual − mean| / half-width of past own forecasts (interval calibration). */
  readonly ratios: number[];
  readonly ratiosHead: number;
}

const KIND = 'forecaster/select';
const VERSION = 1;
const WEEK = 7;
/** Capacity of the ring of interval ratios (sampled evenly over the kept origins' seasons). */
const RATIO_POINTS = 1000;
/** Ratios needed before the interval is rescaled. */
const MIN_RATIOS = 50;

/** The member specs the default selector accepts. */
export const SELECTOR_MEMBER_SPECS: readonly ModelSpec<unknown, Forecaster>[] = [
  seasonalNaiveSpec as ModelSpec<unknown, Forecaster>,
  lagRidgeSpec as ModelSpec<unknown, Forecaster>,
  holtWintersSpec as ModelSpec<unknown, Forecaster>,
];

type BaseConfig = Omit<ForecastSelectorConfig, 'members'>;
const BASE_DEFAULTS: BaseConfig = {
  seasonPoints: 1440,
  stepMs: 60_000,
  level: 0.9,
  mode: 'select',
  scoreOrigins: 7,
  originsPerSeason: 1,
};
const DEFAULT_MEMBERS: readonly SelectorMember[] = [
  { name: 'daily', kind: 'forecaster/seasonal-naive', seasons: 1, config: {} },
  { name: 'weekly', kind: 'forecaster/seasonal-naive', seasons: WEEK, config: {} },
  { name: 'ridge', kind: 'forecaster/lag-ridge', seasons: 1, config: {} },
  // The selector calibrates the chosen interval itself (ratios below): a member whose width also
  // adapts would be rescaled twice, and its narrow spells blow the ratios up.
  { name: 'holt-winters', kind: 'forecaster/holt-winters', seasons: 1, config: { adaptRate: 0 } },
];
const RULES: ConfigRules<BaseConfig> = {
  seasonPoints: { type: 'number', integer: true, min: 2, max: 100_000 },
  stepMs: { type: 'number', min: 0, minExclusive: true },
  level: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  mode: { type: 'oneOf', values: ['select', 'weight'] },
  scoreOrigins: { type: 'number', integer: true, min: 1, max: 100 },
  originsPerSeason: { type: 'number', integer: true, min: 1, max: 96 },
};

/** A member's spec and parsed config. */
interface Built {
  readonly spec: ModelSpec<unknown, Forecaster>;
  readonly config: unknown;
}

/**
 * Forecast selection (or inverse-error weighting) by a rolling backtest on the series' past.
 * `learn` costs the members' `learn` plus, at each origin, one season-long forecast per member;
 * `forecast` costs one forecast per member.
 * @example
 * const f = forecastSelectorSpec.create(forecastSelectorSpec.parse({ seasonPoints: 288, stepMs: 300_000 }));
 * for (const p of fiveMinutePoints) f.learn(p);
 * f.forecast(288); // the best member's forecast of the next day
 */
export class ForecastSelector implements Forecaster {
  readonly #config: ForecastSelectorConfig;
  readonly #members: Forecaster[];
  #lastT: number | undefined;
  #step = 0;
  #pending: SelectorPending[] = [];
  readonly #scores: (number | null)[][] = [];
  #scoresHead = 0;
  #ratios: number[] = [];
  #ratiosHead = 0;

  constructor(config: ForecastSelectorConfig, members: Forecaster[], state?: ForecastSelectorState) {
    this.#config = config;
    this.#members = members;
    if (state) {
      this.#lastT = state.lastT;
      this.#step = state.step;
      this.#pending = state.pending.map((p) => ({
        ...p,
        means: p.means.map((m) => m?.slice() ?? null),
        errors: p.errors.slice(),
        center: p.center.slice(),
        half: p.half.slice(),
      }));
      this.#scores = state.scores.map((s) => s.slice());
      this.#scoresHead = state.scoresHead;
      this.#ratios = state.ratios.slice();
      this.#ratiosHead = state.ratiosHead;
    }
  }

  /** Feeds a point to every member and scores the open backtest origins; non-finite values and out-of-order points are ignored. */
  learn(p: Point): void {
    const t = p.t;
    const v = p.v + 0;
    if (!Number.isFinite(v) || !Number.isFinite(t)) return;
    const { stepMs, seasonPoints, originsPerSeason } = this.#config;
    const lastT = this.#lastT;
    let steps = 0;
    if (lastT !== undefined) {
      steps = Math.round((t - lastT) / stepMs);
      if (steps < 1) return;
    }
    this.#score(t, v);
    for (const m of this.#members) m.learn(p);
    const every = seasonPoints / originsPerSeason;
    const before = this.#step;
    this.#step += steps;
    this.#lastT = t;
    if (lastT === undefined || Math.floor(this.#step / every) > Math.floor(before / every)) this.#open();
  }

  /** The chosen member's forecast (mode `select`) or the weighted average (mode `weight`); undefined while no member can forecast. */
  forecast(horizonSteps: number): Forecast | undefined {
    if (!Number.isInteger(horizonSteps) || horizonSteps < 1) {
      throw invalid(`${KIND}: horizonSteps must be an integer ≥ 1 (got ${horizonSteps})`);
    }
    const raw = this.#combine(
      this.#members.map((m) => m.forecast(horizonSteps)),
      horizonSteps,
    );
    if (raw === undefined) return undefined;
    const ratios = this.#ratios;
    if (ratios.length < MIN_RATIOS) return raw;
    const factor = conformalQuantile(ratios, this.#config.level);
    const lower = raw.mean.map((m, h) => m - factor * (m - (raw.lower[h] as number)));
    const upper = raw.mean.map((m, h) => m + factor * ((raw.upper[h] as number) - m));
    return { t: raw.t, mean: raw.mean, lower, upper, level: raw.level };
  }

  /** The members' forecasts turned into one by the current weights, before the interval is rescaled. */
  #combine(forecasts: readonly (Forecast | undefined)[], horizonSteps: number): Forecast | undefined {
    const weights = this.#weights(forecasts.map((f) => f !== undefined));
    if (weights === undefined) return undefined;
    let best = 0;
    for (let i = 1; i < weights.length; i++) if ((weights[i] as number) > (weights[best] as number)) best = i;
    const chosen = forecasts[best] as Forecast;
    if (weights[best] === 1) return chosen;
    const mean = new Array<number>(horizonSteps).fill(0);
    const lower = new Array<number>(horizonSteps).fill(0);
    const upper = new Array<number>(horizonSteps).fill(0);
    forecasts.forEach((f, i) => {
      const w = weights[i] as number;
      if (f === undefined || w === 0) return;
      for (let h = 0; h < horizonSteps; h++) {
        mean[h] = (mean[h] as number) + w * (f.mean[h] as number);
        lower[h] = (lower[h] as number) + w * (f.lower[h] as number);
        upper[h] = (upper[h] as number) + w * (f.upper[h] as number);
      }
    });
    for (let h = 0; h < horizonSteps; h++) {
      lower[h] = Math.min(lower[h] as number, mean[h] as number);
      upper[h] = Math.max(upper[h] as number, mean[h] as number);
    }
    return { t: chosen.t.slice(), mean, lower, upper, level: chosen.level };
  }

  /**
   * Current weight of each member by name (mode `select`: 1 for the chosen member, 0 otherwise)
   * and its backtest score (mean MAE over the kept origins; undefined if never scored).
   */
  explain(): { name: string; weight: number; score: number | undefined }[] {
    const can = this.#members.map((m) => m.forecast(1) !== undefined);
    const weights = this.#weights(can) ?? can.map(() => 0);
    const scores = this.#memberScores();
    return this.#config.members.map((m, i) => ({ name: m.name, weight: weights[i] as number, score: scores[i] }));
  }

  /** JSON state that restores this selector (and its members) exactly through {@link forecastSelectorSpec}.create. */
  state(): ForecastSelectorState {
    return {
      version: VERSION,
      ...(this.#lastT === undefined ? {} : { lastT: this.#lastT }),
      step: this.#step,
      members: this.#members.map((m) => m.state()),
      pending: this.#pending.map((p) => ({
        start: p.start,
        means: p.means.map((m) => m?.slice() ?? null),
        errors: p.errors.slice(),
        count: p.count,
        center: p.center.slice(),
        half: p.half.slice(),
      })),
      scores: this.#scores.map((s) => s.slice()),
      scoresHead: this.#scoresHead,
      ratios: this.#ratios.slice(),
      ratiosHead: this.#ratiosHead,
    };
  }

  /** Mean of each member's kept MAEs (undefined if it has none). */
  #memberScores(): (number | undefined)[] {
    return this.#members.map((_, i) => {
      let sum = 0;
      let n = 0;
      for (const s of this.#scores) {
        const e = s[i];
        if (e === null || e === undefined) continue;
        sum += e;
        n++;
      }
      return n > 0 ? sum / n : undefined;
    });
  }

  /** Weights over the members that can forecast (`can`); undefined when none can. */
  #weights(can: readonly boolean[]): number[] | undefined {
    const first = can.indexOf(true);
    if (first < 0) return undefined;
    const scores = this.#memberScores();
    const scored = scores.map((s, i) => (can[i] && s !== undefined ? s : undefined));
    const weights = can.map(() => 0);
    if (scored.every((s) => s === undefined)) {
      weights[first] = 1;
      return weights;
    }
    let best = -1;
    scored.forEach((s, i) => {
      if (s !== undefined && (best < 0 || s < (scored[best] as number))) best = i;
    });
    if (this.#config.mode === 'select' || (scored[best] as number) === 0) {
      weights[best] = 1;
      return weights;
    }
    let total = 0;
    scored.forEach((s, i) => {
      if (s === undefined) return;
      weights[i] = 1 / s;
      total += 1 / s;
    });
    return weights.map((w) => w / total);
  }

  /** Adds the point's absolute errors to the open origins; closes the origins whose season is over. */
  #score(t: number, v: number): void {
    const { stepMs, seasonPoints, scoreOrigins } = this.#config;
    const stride = Math.max(1, Math.ceil((seasonPoints * scoreOrigins) / RATIO_POINTS));
    const open: SelectorPending[] = [];
    for (const p of this.#pending) {
      const k = Math.round((t - p.start) / stepMs);
      let { count } = p;
      if (k >= 0 && k < seasonPoints) {
        p.means.forEach((m, i) => {
          if (m !== null) p.errors[i] = (p.errors[i] as number) + Math.abs(v - (m[k] as number));
        });
        count++;
        const half = p.half[k] as number;
        if (k % stride === 0 && half > 0) this.#pushRatio(Math.abs(v - (p.center[k] as number)) / half);
      }
      if (k < seasonPoints - 1) {
        open.push({ ...p, count });
        continue;
      }
      const entry = p.means.map((m, i) => (m === null || count === 0 ? null : (p.errors[i] as number) / count));
      if (this.#scores.length < scoreOrigins) {
        this.#scores.push(entry);
        this.#scoresHead = this.#scores.length % scoreOrigins;
      } else {
        this.#scores[this.#scoresHead] = entry;
        this.#scoresHead = (this.#scoresHead + 1) % scoreOrigins;
      }
    }
    this.#pending = open;
  }

  #pushRatio(r: number): void {
    if (this.#ratios.length < RATIO_POINTS) {
      this.#ratios.push(r);
      this.#ratiosHead = this.#ratios.length % RATIO_POINTS;
    } else {
      this.#ratios[this.#ratiosHead] = r;
      this.#ratiosHead = (this.#ratiosHead + 1) % RATIO_POINTS;
    }
  }

  /** Records every member's forecast of the next season (and the combined one) at this origin. */
  #open(): void {
    const S = this.#config.seasonPoints;
    const forecasts = this.#members.map((m) => m.forecast(S));
    const combined = this.#combine(forecasts, S);
    if (combined === undefined) return;
    this.#pending.push({
      start: combined.t[0] as number,
      means: forecasts.map((f) => (f === undefined ? null : f.mean.slice())),
      errors: forecasts.map(() => 0),
      count: 0,
      center: combined.mean.slice(),
      half: combined.mean.map((_, h) => ((combined.upper[h] as number) - (combined.lower[h] as number)) / 2),
    });
  }
}

/** The ⌈level·(n + 1)⌉-th smallest of `values` (capped at the largest): the split-conformal quantile. */
function conformalQuantile(values: readonly number[], level: number): number {
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(level * (sorted.length + 1))));
  return sorted[rank - 1] as number;
}

/** The member's config: the selector's step, level and seasons filled in where the member has such keys, then the overrides. */
function memberConfig(spec: ModelSpec<unknown, Forecaster>, base: BaseConfig, member: SelectorMember): unknown {
  const defaults = spec.defaults as Record<string, unknown>;
  const filled: Record<string, unknown> = {};
  if ('stepMs' in defaults) filled.stepMs = base.stepMs;
  if ('level' in defaults) filled.level = base.level;
  if ('seasonPoints' in defaults) filled.seasonPoints = member.seasons * base.seasonPoints;
  if ('dailyPoints' in defaults) filled.dailyPoints = base.seasonPoints;
  if ('weeklyPoints' in defaults && defaults.weeklyPoints !== 0) filled.weeklyPoints = WEEK * base.seasonPoints;
  try {
    return spec.parse({ ...filled, ...member.config });
  } catch (error) {
    throw invalid(`${KIND}: member ${JSON.stringify(member.name)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseMembers(input: unknown, specs: readonly ModelSpec<unknown, Forecaster>[], base: BaseConfig): SelectorMember[] {
  const kinds = specs.map((s) => s.kind);
  if (!Array.isArray(input) || input.length === 0) {
    throw invalid(`${KIND}: members must be a non-empty array of { name, kind, seasons?, config? } (got ${describe(input)})`);
  }
  const names = new Set<string>();
  return input.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw invalid(`${KIND}: members[${i}] must be an object { name, kind, seasons?, config? } (got ${describe(raw)})`);
    }
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!['name', 'kind', 'seasons', 'config'].includes(key)) {
        throw invalid(`${KIND}: members[${i}] has unknown key ${JSON.stringify(key)} (expected one of: name, kind, seasons, config)`);
      }
    }
    const { name, kind, seasons = 1, config = {} } = entry;
    if (typeof name !== 'string' || name === '' || names.has(name)) {
      throw invalid(`${KIND}: members[${i}].name must be a unique non-empty string (got ${describe(name)})`);
    }
    names.add(name);
    if (typeof kind !== 'string' || !kinds.includes(kind)) {
      throw invalid(`${KIND}: members[${i}].kind must be one of ${kinds.map((k) => JSON.stringify(k)).join(', ')} (got ${describe(kind)})`);
    }
    if (typeof seasons !== 'number' || !Number.isInteger(seasons) || seasons < 1 || seasons > 100) {
      throw invalid(`${KIND}: members[${i}].seasons must be an integer in [1, 100] (got ${describe(seasons)})`);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw invalid(`${KIND}: members[${i}].config must be an object (got ${describe(config)})`);
    }
    const member: SelectorMember = { name, kind, seasons, config: structuredClone(config as Record<string, unknown>) };
    memberConfig(specs[kinds.indexOf(kind)] as ModelSpec<unknown, Forecaster>, base, member);
    return member;
  });
}

function readState(config: ForecastSelectorConfig, state: unknown, built: readonly Built[]): ForecastSelector {
  const s = openState(KIND, VERSION, state);
  const record = state as Record<string, unknown>;
  const M = built.length;
  const S = config.seasonPoints;
  const fail = (key: string, expected: string, got: unknown): never => {
    throw invalid(`${KIND}: state field ${key} must be ${expected} (got ${describe(got)}); was it saved with another config?`);
  };
  const isNumbers = (a: unknown, n: number): a is number[] =>
    Array.isArray(a) && a.length === n && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  const memberStates = record.members;
  if (!Array.isArray(memberStates) || memberStates.length !== M) fail('members', `an array of ${M} member states`, memberStates);
  const members = built.map((b, i) => b.spec.create(b.config, (memberStates as unknown[])[i]));
  const pendingRaw = record.pending;
  if (!Array.isArray(pendingRaw) || pendingRaw.length > config.originsPerSeason + 1)
    fail('pending', 'an array of open origins', pendingRaw);
  const pending = (pendingRaw as unknown[]).map((raw, i) => {
    const p = raw as Record<string, unknown>;
    const means = p?.means;
    const ok =
      typeof p === 'object' &&
      p !== null &&
      typeof p.start === 'number' &&
      Number.isFinite(p.start) &&
      typeof p.count === 'number' &&
      Number.isInteger(p.count) &&
      isNumbers(p.errors, M) &&
      Array.isArray(means) &&
      means.length === M &&
      means.every((m) => m === null || isNumbers(m, S)) &&
      isNumbers(p.center, S) &&
      isNumbers(p.half, S);
    if (!ok) fail(`pending[${i}]`, `{ start, means: ${M} × (${S} numbers or null), errors: ${M} numbers, count, center, half }`, raw);
    return p as unknown as SelectorPending;
  });
  const scoresRaw = record.scores;
  const scoresOk =
    Array.isArray(scoresRaw) &&
    scoresRaw.length <= config.scoreOrigins &&
    scoresRaw.every(
      (e) => Array.isArray(e) && e.length === M && e.every((x) => x === null || (typeof x === 'number' && Number.isFinite(x))),
    );
  if (!scoresOk) fail('scores', `at most ${config.scoreOrigins} arrays of ${M} numbers or nulls`, scoresRaw);
  const scores = scoresRaw as (number | null)[][];
  const head = s.number('scoresHead');
  const expected = scores.length < config.scoreOrigins ? scores.length % config.scoreOrigins : head;
  if (!Number.isInteger(head) || head < 0 || head >= config.scoreOrigins || head !== expected)
    fail('scoresHead', 'consistent with scores', head);
  const ratios = s.numbers('ratios', RATIO_POINTS);
  const ratiosHead = s.number('ratiosHead');
  const expectedRatios = ratios.length < RATIO_POINTS ? ratios.length % RATIO_POINTS : ratiosHead;
  if (!Number.isInteger(ratiosHead) || ratiosHead !== expectedRatios || ratiosHead >= RATIO_POINTS)
    fail('ratiosHead', 'consistent with ratios', ratiosHead);
  const step = s.number('step');
  if (!Number.isInteger(step) || step < 0) fail('step', 'an integer ≥ 0', step);
  const lastT = s.optionalNumber('lastT');
  return new ForecastSelector(config, members, {
    version: VERSION,
    ...(lastT === undefined ? {} : { lastT }),
    step,
    members: memberStates as unknown[],
    pending,
    scores,
    scoresHead: head,
    ratios,
    ratiosHead,
  });
}

/**
 * Builds a selector spec whose members may be of the kinds of `memberSpecs` (e.g. the default list
 * plus a new forecaster), with `defaultMembers` as its default members.
 * @throws HomeostatError `invalid_argument` when a default member's kind is not among `memberSpecs`.
 */
export function createForecastSelectorSpec(
  memberSpecs: readonly ModelSpec<unknown, Forecaster>[],
  defaultMembers: readonly SelectorMember[] = DEFAULT_MEMBERS,
): ModelSpec<ForecastSelectorConfig, ForecastSelector> {
  const defaults: ForecastSelectorConfig = { ...BASE_DEFAULTS, members: parseMembers(defaultMembers, memberSpecs, BASE_DEFAULTS) };
  const build = (config: ForecastSelectorConfig): Built[] =>
    config.members.map((m) => {
      const spec = memberSpecs.find((s) => s.kind === m.kind);
      if (spec === undefined) throw invalid(`${KIND}: member ${JSON.stringify(m.name)} has unknown kind ${JSON.stringify(m.kind)}`);
      return { spec, config: memberConfig(spec, config, m) };
    });
  return {
    kind: KIND,
    version: VERSION,
    description:
      'Per-series choice (or inverse-error weighting) among member forecasters by their errors on rolling daily backtest origins of the series’ own past.',
    defaults,
    parse(input) {
      if (input === undefined || input === null) return structuredClone(defaults);
      if (typeof input !== 'object' || Array.isArray(input)) throw invalid(`${KIND}: config must be an object (got ${describe(input)})`);
      const { members, ...rest } = input as Record<string, unknown>;
      const base = parseConfig(KIND, BASE_DEFAULTS, rest, RULES);
      if (base.seasonPoints % base.originsPerSeason !== 0) {
        throw invalid(`${KIND}: originsPerSeason must divide seasonPoints (got ${base.originsPerSeason} and ${base.seasonPoints})`);
      }
      return { ...base, members: parseMembers(members ?? defaults.members, memberSpecs, base) };
    },
    create(config, state) {
      const built = build(config);
      if (state === undefined)
        return new ForecastSelector(
          config,
          built.map((b) => b.spec.create(b.config)),
        );
      return readState(config, state, built);
    },
  };
}

/** Spec of the forecast selector over seasonal-naive, lag-ridge and Holt-Winters members: kind `forecaster/select`, state version 1. */
export const forecastSelectorSpec: ModelSpec<ForecastSelectorConfig, ForecastSelector> = createForecastSelectorSpec(SELECTOR_MEMBER_SPECS);
