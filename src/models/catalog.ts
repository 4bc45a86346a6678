/**
 * @module models/catalog
 * The one explicit catalog of model kinds: a spec is found by its `kind` here and nowhere else.
 * Adding a model means adding one line below; nothing registers itself by being imported.
 */
import { HomeostatError } from '../errors.js';
import { logisticCalibratorSpec } from './calibrator.js';
import type { Calibrator, Detector, Forecaster, ModelSpec, MultiDetector } from './contract.js';
import { type Cusum, cusumSpec } from './cusum.js';
import { type EnsembleDetector, ensembleDetectorSpec } from './ensemble-detector.js';
import { type FailureHeuristic, failureHeuristicSpec } from './failure-risk.js';
import { type FailureTrees, failureTreesSpec } from './failure-trees.js';
import { type FeedbackCalibrator, feedbackCalibratorSpec } from './feedback-calibrator.js';
import { type ForecastResidual, forecastResidualSpec } from './forecast-residual.js';
import { type ForecastSelector, forecastSelectorSpec } from './forecast-selector.js';
import { type HoltWinters, holtWintersSpec } from './holt-winters.js';
import { isotonicCalibratorSpec } from './isotonic-calibrator.js';
import { type LagRidge, lagRidgeSpec } from './lag-ridge.js';
import { type Likelihood, likelihoodSpec } from './likelihood.js';
import { type PcaDetector, pcaDetectorSpec } from './pca-detector.js';
import { type RobustZ, robustZSpec } from './robust-z.js';
import { type SeasonalNaive, seasonalNaiveSpec } from './seasonal-naive.js';
import { seasonalRobustSpec } from './seasonal-robust.js';
import { type SpectralResidual, spectralResidualSpec } from './spectral-residual.js';
import type { LogisticCalibrator } from './calibrator.js';

/** Every model kind Homeostat knows, by kind. */
export const MODEL_CATALOG = {
  'detector/robust-z': robustZSpec,
  'detector/seasonal-robust': seasonalRobustSpec,
  'detector/forecast-residual': forecastResidualSpec,
  'detector/ensemble': ensembleDetectorSpec,
  'detector/spectral-residual': spectralResidualSpec,
  'detector/cusum': cusumSpec,
  'detector/likelihood': likelihoodSpec,
  'forecaster/seasonal-naive': seasonalNaiveSpec,
  'forecaster/holt-winters': holtWintersSpec,
  'forecaster/lag-ridge': lagRidgeSpec,
  'forecaster/select': forecastSelectorSpec,
  'risk/failure-heuristic': failureHeuristicSpec,
  'risk/failure-trees': failureTreesSpec,
  'calibrator/logistic': logisticCalibratorSpec,
  'calibrator/feedback': feedbackCalibratorSpec,
  'calibrator/isotonic': isotonicCalibratorSpec,
  'multi/pca': pcaDetectorSpec,
} as const;

/** A kind listed in {@link MODEL_CATALOG}. */
export type ModelKind = keyof typeof MODEL_CATALOG;

/** Any spec of the catalog. */
export type AnyModelSpec = (typeof MODEL_CATALOG)[ModelKind];

/** The detector Homeostat uses for every series unless told otherwise (engine, `homeostat detect`). */
export const DEFAULT_DETECTOR_KIND = 'detector/ensemble';

/** Detector specs of the catalog, for the engine's defaults and the generic detector checks. */
export const DETECTOR_SPECS: readonly ModelSpec<unknown, Detector>[] = [
  robustZSpec,
  seasonalRobustSpec,
  forecastResidualSpec,
  ensembleDetectorSpec,
  spectralResidualSpec,
  cusumSpec,
  likelihoodSpec,
];

/**
 * The forecaster Homeostat uses for demand unless told otherwise (engine, `homeostat forecast`, `bench capacity`):
 * chosen by mean relative MAE vs seasonal-naive on the tuning origins of `bench capacity` (see README).
 */
export const DEFAULT_FORECASTER_KIND = 'forecaster/holt-winters';

/** Forecaster specs of the catalog. */
export const FORECASTER_SPECS: readonly ModelSpec<unknown, Forecaster>[] = [
  seasonalNaiveSpec,
  holtWintersSpec as ModelSpec<unknown, Forecaster>,
  lagRidgeSpec,
  forecastSelectorSpec,
];

/** Risk model specs of the catalog. */
export const RISK_SPECS: readonly ModelSpec<unknown, FailureHeuristic | FailureTrees>[] = [
  failureHeuristicSpec,
  failureTreesSpec as ModelSpec<unknown, FailureTrees>,
];

/** Calibrator specs of the catalog. */
export const CALIBRATOR_SPECS: readonly ModelSpec<unknown, Calibrator>[] = [
  logisticCalibratorSpec,
  feedbackCalibratorSpec,
  isotonicCalibratorSpec,
];

/** Multivariate detector specs of the catalog (one model over several metrics of an entity). */
export const MULTI_DETECTOR_SPECS: readonly ModelSpec<unknown, MultiDetector>[] = [pcaDetectorSpec as ModelSpec<unknown, MultiDetector>];

/** The multivariate detector Homeostat uses for an entity with many metrics (fitted on its history). */
export const DEFAULT_MULTI_DETECTOR_KIND = 'multi/pca';

/** Whether `kind` is listed in the catalog. */
export function isModelKind(kind: string): kind is ModelKind {
  return Object.hasOwn(MODEL_CATALOG, kind);
}

/**
 * The spec of `kind`.
 * @throws HomeostatError `not_found` naming the known kinds when `kind` is not in the catalog.
 * @example getSpec('detector/robust-z').create(getSpec('detector/robust-z').defaults)
 */
export function getSpec<K extends ModelKind>(kind: K): (typeof MODEL_CATALOG)[K];
export function getSpec(kind: string): AnyModelSpec;
export function getSpec(kind: string): AnyModelSpec {
  if (!isModelKind(kind)) {
    throw new HomeostatError(
      'not_found',
      `unknown model kind ${JSON.stringify(kind)} (known kinds: ${Object.keys(MODEL_CATALOG).join(', ')})`,
    );
  }
  return MODEL_CATALOG[kind];
}

/** A model built by any spec of the catalog. */
export type CatalogModel =
  | RobustZ
  | ForecastResidual
  | EnsembleDetector
  | SpectralResidual
  | Cusum
  | Likelihood
  | SeasonalNaive
  | FailureTrees
  | HoltWinters
  | LagRidge
  | ForecastSelector
  | FailureHeuristic
  | LogisticCalibrator
  | FeedbackCalibrator
  | PcaDetector;

/**
 * Parses `config` (unknown keys rejected; undefined = defaults) and creates, or with `state`
 * restores, a model of `kind` — what the registry does with a stored `{kind, config, state}`.
 * @throws HomeostatError `not_found` for an unknown kind, `invalid_argument` for a bad config or state.
 */
export function createModel(kind: string, config?: unknown, state?: unknown): CatalogModel {
  const spec = getSpec(kind) as ModelSpec<unknown, CatalogModel>;
  return spec.create(spec.parse(config), state);
}

/**
 * {@link createModel} for a kind of the `detector/` family.
 * @throws HomeostatError `invalid_argument` when `kind` names a model of another family.
 */
export function createDetector(kind: string, config?: unknown, state?: unknown): Detector {
  const spec = DETECTOR_SPECS.find((s) => s.kind === kind);
  if (spec === undefined) {
    getSpec(kind);
    throw new HomeostatError('invalid_argument', `${kind} is not a detector (detectors: ${DETECTOR_SPECS.map((s) => s.kind).join(', ')})`);
  }
  return spec.create(spec.parse(config), state);
}

/**
 * {@link createModel} for a kind of the `forecaster/` family.
 * @throws HomeostatError `invalid_argument` when `kind` names a model of another family.
 */
export function createForecaster(kind: string, config?: unknown, state?: unknown): Forecaster {
  const spec = FORECASTER_SPECS.find((s) => s.kind === kind);
  if (spec === undefined) {
    getSpec(kind);
    throw new HomeostatError(
      'invalid_argument',
      `${kind} is not a forecaster (forecasters: ${FORECASTER_SPECS.map((s) => s.kind).join(', ')})`,
    );
  }
  return spec.create(spec.parse(config), state);
}
