/**
 * @module forecast/forecaster-config
 * The config of a catalog forecaster for data sampled every `stepMs`: the spec's defaults with
 * `stepMs` set and its season lengths rescaled so that they keep their duration (a daily season
 * of 1,440 one-minute steps becomes 288 five-minute steps). Used by `homeostat forecast` and
 * `homeostat bench capacity`, so both run a forecaster exactly alike. Pure.
 *
 * Rescaled keys: season lengths in steps — numbers of the defaults named `…Points` whose name
 * also contains `season`, `period`, `day`/`daily` or `week` (`seasonPoints`, `dailyPoints`,
 * `weeklyPoints`), and arrays of numbers whose name contains `season` or `period` — when the
 * default spans a whole number of hours at the default `stepMs`; each value becomes
 * round(value · defaultStepMs / stepMs). Other keys (`minPoints`, `windowDays`, `bucketsPerDay`,
 * error ring sizes …) are left as they are. A spec whose defaults have no `stepMs` is returned
 * with its defaults untouched: its season lengths cannot be read as durations.
 */
import { describe, invalid } from '../errors.js';
import { FORECASTER_SPECS } from '../models/index.js';

/** One day in ms. */
export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const PERIOD_POINTS_KEY = /(season|period|day|daily|week)\w*Points$/i;
const PERIOD_LIST_KEY = /season|period/i;

/** Options of {@link forecasterConfig}. */
export interface ForecasterConfigOptions {
  /** Interval coverage, set when the spec's defaults have a `level` key. Default: the spec's own. */
  readonly level?: number;
  /** Keys merged last (after the step mapping); unknown keys are rejected by the spec. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

function rescale(value: number, defaultStepMs: number, stepMs: number): number {
  if (!Number.isInteger(value) || (value * defaultStepMs) % HOUR_MS !== 0 || value * defaultStepMs < HOUR_MS) return value;
  return Math.round((value * defaultStepMs) / stepMs);
}

/**
 * A forecaster's `defaults` mapped to data with one point every `stepMs` (see the module comment),
 * not yet parsed: `stepMs` set and season lengths rescaled; returned unchanged (a copy) when the
 * defaults have no numeric `stepMs`.
 * @example configForStep({ stepMs: 60_000, dailyPoints: 1440, minPoints: 10 }, 300_000) // { stepMs: 300000, dailyPoints: 288, minPoints: 10 }
 */
export function configForStep(defaults: Readonly<Record<string, unknown>>, stepMs: number): Record<string, unknown> {
  const config: Record<string, unknown> = { ...defaults };
  const defaultStepMs = defaults.stepMs;
  if (typeof defaultStepMs !== 'number') return config;
  config.stepMs = stepMs;
  for (const [key, value] of Object.entries(defaults)) {
    if (typeof value === 'number' && PERIOD_POINTS_KEY.test(key)) config[key] = rescale(value, defaultStepMs, stepMs);
    else if (Array.isArray(value) && PERIOD_LIST_KEY.test(key) && value.every((v) => typeof v === 'number')) {
      config[key] = value.map((v: number) => rescale(v, defaultStepMs, stepMs));
    }
  }
  return config;
}

/**
 * The parsed config of forecaster `kind` for data with one point every `stepMs` (see the module comment).
 * @throws HomeostatError `invalid_argument` for a `kind` that is not a forecaster of the catalog,
 *   a `stepMs` that is not a positive finite number, or a config the spec rejects (e.g. a season
 *   shorter than 2 steps when `stepMs` is a day).
 * @example forecasterConfig('forecaster/seasonal-naive', 300_000) // { seasonPoints: 288, stepMs: 300000, ... }
 */
export function forecasterConfig(kind: string, stepMs: number, options: ForecasterConfigOptions = {}): unknown {
  const spec = FORECASTER_SPECS.find((s) => s.kind === kind);
  if (spec === undefined) {
    throw invalid(`unknown forecaster ${describe(kind)} (expected one of: ${FORECASTER_SPECS.map((s) => s.kind).join(', ')})`);
  }
  if (!(Number.isFinite(stepMs) && stepMs > 0)) throw invalid(`${kind}: stepMs must be a positive number of ms (got ${describe(stepMs)})`);
  const defaults = spec.defaults as Readonly<Record<string, unknown>>;
  const config = configForStep(defaults, stepMs);
  if (options.level !== undefined && 'level' in defaults) config.level = options.level;
  return spec.parse({ ...config, ...options.overrides });
}
