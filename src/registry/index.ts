/**
 * @module registry
 * The model registry: {@link ModelRegistry} over the Store port (models, versions, champion and
 * challenger aliases, serving history, outcomes and live metrics), model cards as Markdown.
 * `write-cards.ts` is a script (it starts an engine) and is not exported here.
 */
export {
  type ClassificationMetrics,
  type LiveMetrics,
  type LiveTrend,
  liveMetricsOf,
  MIN_TREND_OUTCOMES,
  type OutcomeMetrics,
  outcomeMetrics,
  type RegressionMetrics,
  RELIABILITY_BINS,
  type ReliabilityBin,
  TREND_Z,
} from './live-metrics.js';
export { type ModelCardInput, modelCard, type RetrainingPlan } from './model-card.js';
export { type KindNotes, KINDS_WITH_NOTES, kindNotes } from './model-limits.js';
export {
  type AliasChange,
  type AliasResult,
  type AliasStint,
  aliasStints,
  DEFAULT_LIVE_WINDOW_MS,
  effectiveStage,
  type LiveMetricsOptions,
  MAX_LIVE_OUTCOMES,
  MODEL_ALIASES,
  type ModelDetail,
  ModelRegistry,
  type ModelSummary,
  parseAlias,
  type PromoteOptions,
  versionUpdatedAt,
} from './registry.js';
export { DEFAULT_RETRAINING } from './retraining.js';
