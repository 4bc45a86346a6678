/**
 * @module models/failure-trees
 * Servable failure risk from gradient-boosted trees (`risk/failure-trees`): the same streaming
 * feature window and the same verbs as `risk/failure-heuristic` (`learn`, `noteAnomaly`,
 * `features(t)`, `predict(vector)`, `assess(t)`), so the engine can serve either.
 *
 * Algorithm: {@link FailureFeatures} turns the entity's samples into the 16 features of
 * FAILURE_FEATURE_NAMES; {@link failureTreeRow} makes the times finite (cap 7 days); the trees of an
 * XGBoost JSON model (trained offline, e.g. by `bench/failure/train-sim.ts`) give a margin by the
 * TypeScript evaluator (models/xgboost/trees.ts, no native library); Platt scaling fitted on a
 * later slice of the training data maps it to a probability, `p = 1 / (1 + exp(−(a·margin + b)))`.
 * The explanation is exact TreeSHAP over the same trees: the `topK` features with the largest
 * |contribution| (log-odds), risk-raising ones first, each named in words with its value
 * ("memory_utilization reaches 100 % in ~2.1 h"). Confidence is the share of the feature window
 * filled with fresh data, as the heuristic's: the trees were trained on full windows, so a
 * half-filled window is outside what they have seen. `leadTimeMs` is the shortest projected time
 * to exhaustion within the horizon among the features that raise the risk.
 *
 * Works for: failures announced in telemetry the way the training fleet announced them (leaks,
 * disks filling, hardware errors and heat before a host dies). Fails on: failures without a
 * leading indicator (a store that is down at onset), fleets whose metrics differ in scale from
 * the training data (percent instead of shares), and on data unlike the training data, where
 * trees extrapolate flat; the probability is only as calibrated as the Platt fit on its tune slice.
 *
 * Reference: T. Chen & C. Guestrin, "XGBoost", KDD 2016; J. Platt, "Probabilistic outputs for
 * support vector machines", 1999; S. M. Lundberg et al., "From local explanations to global
 * understanding with explainable AI for trees", Nature Machine Intelligence 2020 (TreeSHAP).
 */
import { describe, invalid } from '../errors.js';
import type { Attribution } from '../records/types.js';
import { METRICS } from '../telemetry/metrics.js';
import type { Point } from '../telemetry/types.js';
import type { ModelSpec, Risk } from './contract.js';
import { FAILURE_TIME_CAP_MIN, FAILURE_TREE_FEATURE_NAMES, failureTreeRow } from './failure-features.js';
import {
  FAILURE_FEATURE_NAMES,
  type FailureFeatureVector,
  type FailureHeuristic,
  type FailureHeuristicConfig,
  type FailureHeuristicState,
  failureHeuristicSpec,
} from './failure-risk.js';
import { compileXgbModel, contributions, predictMargin, type XgbModelJson, type XgbTrees } from './xgboost/trees.js';

/** Platt scaling of a tree margin: p = sigmoid(a · margin + b). */
export interface PlattScaling {
  /** Slope, > 0 (keeps the order of the margins). */
  readonly a: number;
  readonly b: number;
}

/** Configuration of {@link FailureTrees}: the trained model and how it was trained. */
export interface FailureTreesConfig {
  /** Horizon the model was trained for (ms). Default 6 h. */
  readonly horizonMs: number;
  /** The XGBoost JSON model (binary:logistic, gbtree). Required: there is no untrained default. */
  readonly model: XgbModelJson | null;
  readonly platt: PlattScaling;
  /** Columns the model was trained on; must be FAILURE_TREE_FEATURE_NAMES in order. */
  readonly featureNames: readonly string[];
  /** Probability at or above which the trained operating point calls a failure (chosen on the tune data), in [0, 1]. Default 0.5. */
  readonly threshold: number;
  /** Feature-window settings used in training (the engine must feed the same). Default the heuristic's defaults. */
  readonly features: FailureHeuristicConfig;
  /** Contributions named in the explanation. Default 3. */
  readonly topK: number;
}

const KIND = 'risk/failure-trees';
const VERSION = 1;
const MINUTE = 60_000;

const DEFAULTS: FailureTreesConfig = {
  horizonMs: 6 * 3_600_000,
  model: null,
  platt: { a: 1, b: 0 },
  featureNames: FAILURE_TREE_FEATURE_NAMES,
  threshold: 0.5,
  features: failureHeuristicSpec.defaults,
  topK: 3,
};

const KEYS = Object.keys(DEFAULTS) as (keyof FailureTreesConfig)[];

function finite(key: string, v: unknown, ok: (x: number) => boolean, expected: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw invalid(`${KIND}: ${key} must be ${expected} (got ${describe(v)})`);
  return v;
}

/**
 * Parses a config: unknown keys rejected; `model` required and checked by compiling it; the
 * feature names must be those this build computes; `features` parsed as the heuristic's config.
 * @throws HomeostatError invalid_argument naming the key, what was expected and what was received.
 */
export function parseFailureTreesConfig(input: unknown): FailureTreesConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(`${KIND}: config must be an object with a trained model (got ${describe(input)})`);
  }
  const r = input as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!(KEYS as string[]).includes(key))
      throw invalid(`${KIND}: unknown key ${JSON.stringify(key)} (expected one of: ${KEYS.join(', ')})`);
  }
  if (r.model === undefined || r.model === null) {
    throw invalid(
      `${KIND}: model is required: the XGBoost JSON model to serve, e.g. the config in models/failure-trees-sim.json (got ${describe(r.model)})`,
    );
  }
  const names = r.featureNames ?? DEFAULTS.featureNames;
  if (
    !Array.isArray(names) ||
    names.length !== FAILURE_TREE_FEATURE_NAMES.length ||
    names.some((n, i) => n !== FAILURE_TREE_FEATURE_NAMES[i])
  ) {
    throw invalid(
      `${KIND}: featureNames must be the features this version computes, in order (${FAILURE_TREE_FEATURE_NAMES.join(', ')}); got ${describe(names)}: retrain the model`,
    );
  }
  const model = r.model as XgbModelJson;
  const trees = compileXgbModel(model);
  if (trees.features !== FAILURE_TREE_FEATURE_NAMES.length) {
    throw invalid(`${KIND}: model has ${trees.features} features (expected ${FAILURE_TREE_FEATURE_NAMES.length})`);
  }
  const plattIn = r.platt ?? DEFAULTS.platt;
  if (plattIn === null || typeof plattIn !== 'object' || Array.isArray(plattIn)) {
    throw invalid(`${KIND}: platt must be an object {a, b} (got ${describe(plattIn)})`);
  }
  const p = plattIn as Record<string, unknown>;
  for (const key of Object.keys(p)) if (key !== 'a' && key !== 'b') throw invalid(`${KIND}: unknown key platt.${key} (expected a, b)`);
  const platt = {
    a: finite('platt.a', p.a, (x) => x > 0, 'a number > 0'),
    b: finite('platt.b', p.b, () => true, 'a finite number'),
  };
  return {
    horizonMs: finite('horizonMs', r.horizonMs ?? DEFAULTS.horizonMs, (x) => x > 0, 'a number > 0'),
    model,
    platt,
    featureNames: FAILURE_TREE_FEATURE_NAMES,
    threshold: finite('threshold', r.threshold ?? DEFAULTS.threshold, (x) => x >= 0 && x <= 1, 'a number in [0, 1]'),
    features: failureHeuristicSpec.parse(r.features ?? {}),
    topK: finite('topK', r.topK ?? DEFAULTS.topK, (x) => Number.isInteger(x) && x >= 1 && x <= 16, 'an integer in [1, 16]'),
  };
}

function round(v: number): string {
  return String(Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 10) / 10);
}

function duration(minutes: number): string {
  return minutes < 90 ? `${round(minutes)} min` : `${round(minutes / 60)} h`;
}

const pct = (v: number): string => `${round(v * 100)} %`;
const signed = (v: number, unit: (x: number) => string): string => `${v >= 0 ? '+' : '−'}${unit(Math.abs(v))}`;

/** One feature and its value in words, starting with the metric it reads (as the heuristic's names do). */
export function describeFailureFeature(name: string, value: number, criticalTemperatureC = 90): string {
  const metricOf: Record<string, [string, (v: number) => string, string]> = {
    memory: [METRICS.memory, pct, '100 %'],
    disk: [METRICS.disk, pct, '100 %'],
    temperature: [METRICS.temperature, (v) => `${round(v)} °C`, `${criticalTemperatureC} °C`],
  };
  const [prefix] = name.split('_');
  const m = metricOf[prefix as string];
  if (m !== undefined) {
    const [metric, unit, limit] = m;
    if (Number.isNaN(value)) return `${metric} not reported`;
    if (name.endsWith('_tte_min')) {
      if (value <= 0) return `${metric} is at ${limit}`;
      return value >= FAILURE_TIME_CAP_MIN ? `${metric} not heading to ${limit}` : `${metric} reaches ${limit} in ~${duration(value)}`;
    }
    if (name.endsWith('_slope_per_min')) return `${metric} changing at ${signed(value, unit)}/min`;
    return `${metric} at ${unit(value)}`;
  }
  if (Number.isNaN(value)) return `${name} not reported`;
  switch (name) {
    case 'ecc_rate_per_min':
      return `${METRICS.eccErrors} at ${round(value)}/min`;
    case 'ecc_baseline_per_min':
      return `${METRICS.eccErrors} baseline of ${round(value)}/min`;
    case 'ecc_ratio':
      return `${METRICS.eccErrors} at ${round(value)}× its baseline`;
    case 'restarts_last_hour':
      return `${round(value)} ${METRICS.restarts} in the last hour`;
    case 'error_rate':
      return `${METRICS.errorRate} at ${pct(value)}`;
    case 'minutes_since_anomaly':
      return value >= FAILURE_TIME_CAP_MIN ? 'no anomaly on this entity in the last week' : `anomaly on this entity ${duration(value)} ago`;
    case 'data_fraction':
      return `feature window ${pct(value)} filled`;
    default:
      return `${name} = ${round(value)}`;
  }
}

/** What the engine needs of a failure-risk model (both `risk/failure-heuristic` and `risk/failure-trees` have it). */
export interface FailureRiskModel {
  learn(metric: string, p: Point): void;
  noteAnomaly(t: number): void;
  features(t: number): FailureFeatureVector;
  predict(features: FailureFeatureVector): Risk;
  assess(t: number): Risk;
  state(): FailureHeuristicState;
}

const TTE_COLUMNS: readonly number[] = FAILURE_FEATURE_NAMES.flatMap((n, i) => (n.endsWith('_tte_min') ? [i] : []));
const DATA_FRACTION = FAILURE_FEATURE_NAMES.indexOf('data_fraction');

/**
 * The tree risk model of one entity: a feature window plus the compiled trees and their calibration.
 * @example
 * const m = failureTreesSpec.create(failureTreesSpec.parse(JSON.parse(text).config));
 * m.learn('memory_utilization', { t, v });
 * const risk = m.assess(t); // { probability, confidence, explanation (TreeSHAP), leadTimeMs? }
 */
export class FailureTrees implements FailureRiskModel {
  readonly #config: FailureTreesConfig;
  readonly #trees: XgbTrees;
  readonly #window: FailureHeuristic;
  readonly #row = new Float64Array(FAILURE_TREE_FEATURE_NAMES.length);

  /** Use {@link failureTreesSpec}.create; `trees` is the compiled `config.model`. */
  constructor(config: FailureTreesConfig, trees: XgbTrees, window: FailureHeuristic) {
    this.#config = config;
    this.#trees = trees;
    this.#window = window;
  }

  /** Learns one sample of one of the entity's metrics (see FailureFeatures.learn). */
  learn(metric: string, p: Point): void {
    this.#window.learn(metric, p);
  }

  /** Records an anomaly on this entity at `t` (ms). */
  noteAnomaly(t: number): void {
    this.#window.noteAnomaly(t);
  }

  /** Feature vector at `t` (ms). */
  features(t: number): FailureFeatureVector {
    return this.#window.features(t);
  }

  /** `predict(features(t))`. */
  assess(t: number): Risk {
    return this.predict(this.#window.features(t));
  }

  /** The calibrated probability of a tree margin. */
  calibrate(margin: number): number {
    const { a, b } = this.#config.platt;
    return 1 / (1 + Math.exp(-(a * margin + b)));
  }

  /**
   * The calibrated probability only (no explanation): the cheap path for scoring many rows.
   * @throws HomeostatError `invalid_argument` when the vector does not have the expected names.
   */
  probability(features: FailureFeatureVector): number {
    return this.calibrate(predictMargin(this.#trees, failureTreeRow(features, this.#row)));
  }

  /**
   * Probability of failure within the horizon from a feature vector, with TreeSHAP explanation,
   * confidence and lead time; pure.
   * @throws HomeostatError `invalid_argument` when the vector does not have the expected names.
   */
  predict(features: FailureFeatureVector): Risk {
    const row = failureTreeRow(features);
    const probability = this.calibrate(predictMargin(this.#trees, row));
    const c = contributions(this.#trees, row);
    const crit = this.#config.features.criticalTemperatureC;
    const top = FAILURE_TREE_FEATURE_NAMES.map((name, j) => ({ j, name, w: c.contributions[j] as number }))
      .filter((e) => Math.abs(e.w) > 1e-9)
      .sort((x, y) => Math.abs(y.w) - Math.abs(x.w) || x.j - y.j)
      .slice(0, this.#config.topK)
      .sort((x, y) => (y.w > 0 ? 1 : 0) - (x.w > 0 ? 1 : 0) || Math.abs(y.w) - Math.abs(x.w));
    const explanation: Attribution[] =
      top.length === 0
        ? [{ name: 'no feature moves the risk from the base rate', weight: 0 }]
        : top.map((e) => {
            const actual = features.values[e.j] as number;
            return {
              name: describeFailureFeature(e.name, row[e.j] as number, crit),
              weight: e.w,
              ...(Number.isFinite(actual) ? { actual } : {}),
            };
          });
    const horizonMin = this.#config.horizonMs / MINUTE;
    let lead = Number.POSITIVE_INFINITY;
    for (const j of TTE_COLUMNS) {
      const tte = row[j] as number;
      if ((c.contributions[j] as number) > 0 && tte <= horizonMin && tte < lead) lead = tte;
    }
    const confidence = Math.min(1, Math.max(0, (features.values[DATA_FRACTION] as number) || 0));
    return { probability, confidence, explanation, ...(lead < Number.POSITIVE_INFINITY ? { leadTimeMs: lead * MINUTE } : {}) };
  }

  /** JSON state (the feature windows, the same shape as the heuristic's) that restores this model exactly. */
  state(): FailureHeuristicState {
    return this.#window.state();
  }
}

/** Spec of the tree failure-risk model: kind `risk/failure-trees`, state version 1 (the feature windows). */
export const failureTreesSpec: ModelSpec<FailureTreesConfig, FailureTrees> = {
  kind: KIND,
  version: VERSION,
  description:
    'Failure risk per entity within 6 h from gradient-boosted trees (XGBoost JSON, served in TypeScript) over the telemetry features, Platt-calibrated, explained by TreeSHAP.',
  defaults: DEFAULTS,
  parse: parseFailureTreesConfig,
  create(config, state) {
    if (config.model === null) {
      throw invalid(`${KIND}: needs a trained model in config.model (parse a config such as models/failure-trees-sim.json's)`);
    }
    const trees = compileXgbModel(config.model);
    if (trees.features !== FAILURE_TREE_FEATURE_NAMES.length) {
      throw invalid(`${KIND}: model has ${trees.features} features (expected ${FAILURE_TREE_FEATURE_NAMES.length})`);
    }
    return new FailureTrees(config, trees, failureHeuristicSpec.create(config.features, state));
  },
};
