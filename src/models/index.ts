/**
 * @module models
 * The door of the models domain: the contract, the catalog, the first models and the generic
 * check suites. Pure: no I/O, no clock.
 */
export type { Calibrator, Detector, DetectorScore, Forecaster, ModelSpec, MultiDetector, Risk } from './contract.js';
export {
  expectation,
  openState,
  parseConfig,
  StateReader,
  type BooleanRule,
  type ConfigRule,
  type ConfigRules,
  type NumberRule,
  type OneOfRule,
} from './config.js';
export {
  CALIBRATOR_SPECS,
  DEFAULT_DETECTOR_KIND,
  DEFAULT_FORECASTER_KIND,
  DEFAULT_MULTI_DETECTOR_KIND,
  createDetector,
  createForecaster,
  createModel,
  DETECTOR_SPECS,
  FORECASTER_SPECS,
  getSpec,
  isModelKind,
  MODEL_CATALOG,
  MULTI_DETECTOR_SPECS,
  RISK_SPECS,
  type AnyModelSpec,
  type CatalogModel,
  type ModelKind,
} from './catalog.js';
export { RobustZ, robustZSpec, type Direction, type RobustZConfig, type RobustZState } from './robust-z.js';
export {
  LogisticCalibrator,
  logisticCalibratorSpec,
  type LogisticConfig,
  type LogisticFitOptions,
  type LogisticState,
} from './calibrator.js';
export {
  FeedbackCalibrator,
  feedbackCalibratorSpec,
  type FeedbackCalibratorConfig,
  type FeedbackCalibratorState,
} from './feedback-calibrator.js';
export {
  type IsotonicBlock,
  IsotonicCalibrator,
  type IsotonicCalibratorConfig,
  type IsotonicCalibratorState,
  isotonicCalibratorSpec,
  isotonicPrior,
  poolAdjacentViolators,
} from './isotonic-calibrator.js';
export {
  ALARM_RULE_DEFAULTS,
  AlarmRule,
  type AlarmRuleConfig,
  type AlarmRuleState,
  createAlarmRule,
  parseAlarmRule,
} from './alarm-rule.js';
export {
  ForecastResidual,
  forecastResidualSpec,
  type ForecastResidualConfig,
  type ForecastResidualState,
} from './forecast-residual.js';
export {
  EnsembleDetector,
  ensembleDetectorSpec,
  type EnsembleCombine,
  type EnsembleConfig,
  type EnsembleMemberName,
  type EnsembleMembers,
  type EnsembleState,
} from './ensemble-detector.js';
export {
  fitPcaDetector,
  type PcaAttribution,
  PcaDetector,
  type PcaDetectorConfig,
  type PcaDetectorState,
  pcaDetectorSpec,
  symmetricEigen,
  type ThresholdMethod,
  trainThreshold,
} from './pca-detector.js';
export {
  type SaliencyScoring,
  SpectralResidual,
  type SpectralResidualConfig,
  type SpectralResidualState,
  spectralResidualSpec,
  type SpectrumAveraging,
} from './spectral-residual.js';
export { Cusum, type CusumConfig, type CusumState, cusumSpec } from './cusum.js';
export { Likelihood, type LikelihoodConfig, type LikelihoodState, likelihoodSpec } from './likelihood.js';
export {
  SeasonalRobust,
  seasonalRobustSpec,
  type SeasonalRobustConfig,
  type SeasonalRobustState,
} from './seasonal-robust.js';
export {
  type CapacityInput,
  type CapacityPlan,
  type CapacityRecommendation,
  normalCdf,
  planCapacity,
  surgeScaleOut,
} from './capacity-plan.js';
export { HoltWinters, type HoltWintersConfig, type HoltWintersState, holtWintersSpec } from './holt-winters.js';
export {
  choleskySolve,
  LagRidge,
  type LagRidgeConfig,
  type LagRidgeFit,
  type LagRidgeState,
  lagRidgeBlocks,
  lagRidgeSpec,
  ridgeSolve,
} from './lag-ridge.js';
export {
  createForecastSelectorSpec,
  ForecastSelector,
  type ForecastSelectorConfig,
  type ForecastSelectorState,
  forecastSelectorSpec,
  SELECTOR_MEMBER_SPECS,
  type SelectorMember,
  type SelectorMode,
  type SelectorPending,
} from './forecast-selector.js';
export {
  SeasonalNaive,
  seasonalNaiveSpec,
  type SeasonalNaiveConfig,
  type SeasonalNaiveState,
} from './seasonal-naive.js';
export {
  FAILURE_FEATURE_NAMES,
  FAILURE_METRICS,
  FailureFeatures,
  FailureHeuristic,
  failureHeuristicSpec,
  type CountMode,
  type FailureFeatureName,
  type FailureFeatureVector,
  type FailureHeuristicConfig,
  type FailureHeuristicState,
  type MetricWindowState,
} from './failure-risk.js';
export {
  FAILURE_TIME_CAP_MIN,
  FAILURE_TREE_FEATURE_KINDS,
  FAILURE_TREE_FEATURE_NAMES,
  type FailureColumnKind,
  failureTreeRow,
} from './failure-features.js';
export {
  describeFailureFeature,
  FailureTrees,
  failureTreesSpec,
  parseFailureTreesConfig,
  type FailureRiskModel,
  type FailureTreesConfig,
  type PlattScaling,
} from './failure-trees.js';
export { checkDetectorSpec, checkSeries, checkSpecBasics, mulberry32, sameScores } from './detector-contract.js';
export { checkForecasterSpec } from './forecaster-contract.js';
