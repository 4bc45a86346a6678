/**
 * @module rca
 * Root-cause analysis: ranks which entity, and which kind of fault, most likely caused an
 * incident, with evidence and a path through the topology (`rankRootCauses`, over the engine's
 * anomalies); and ranks the candidates of a case read from metric files (`createMetricRanker`,
 * `homeostat rca` and `bench rca`). `case-dir.ts` reads such a case from a folder (the CLI imports it).
 */
export type { FaultKindGuess, FaultKindInput, Symptom } from './infer-fault-kind.js';
export { inferFaultKind } from './infer-fault-kind.js';
export { DEFAULT_RCA_CONFIG, RCA_MODEL, rankRootCauses } from './rank-root-causes.js';
export { calibrateRanking, DEFAULT_RCA_CALIBRATION } from './calibration.js';
export type { PriorCandidate, PriorCount, RootCausePriorConfig, RootCausePriorState } from './root-cause-priors.js';
export { DEFAULT_ROOT_CAUSE_PRIOR_CONFIG, RootCausePriors } from './root-cause-priors.js';
export type { RcaConfig, RcaInput, RcaWeights, RootCausePriorView } from './types.js';
export type { CaseRanker, CaseRanking, RankedCandidate, RcaCase, RcaEdge, RcaMetric } from './case-types.js';
export type { AttributionOptions, MetricRankerSettings, RankerCalibration } from './metric-ranker.js';
export type { AttributionCalibration, MetricAttributionSettings, MetricChange } from './metric-attribution.js';
export {
  ATTRIBUTION_CALIBRATION_PRIOR,
  attributeCase,
  attributionMargin,
  DEFAULT_ATTRIBUTION_CALIBRATION,
  DEFAULT_METRIC_ATTRIBUTION_SETTINGS,
  fitAttributionCalibration,
  isPerMetricCase,
  metricChange,
  parseMetricAttributionSettings,
} from './metric-attribution.js';
export {
  createMetricRanker,
  DEFAULT_METRIC_RANKER_SETTINGS,
  DEFAULT_RANKER_CALIBRATION,
  fitRankerCalibration,
  METRIC_RANKER_DESCRIPTION,
  METRIC_RANKER_MODEL,
  parseMetricRankerSettings,
  RANKER_CALIBRATION_PRIOR,
  rankingMargin,
} from './metric-ranker.js';
