/**
 * @module learn
 * Continuous learning: the training pipeline (`trainAndValidate` and its trainers), calibration
 * figures, drift detection (seasonality-aware PSI/KS on features, ADWIN and Page-Hinkley on error
 * streams), the knowledge base of closed incidents and the runbooks drafted from it.
 */
export { type CalibrationFigures, calibrationFigures } from './calibration-metrics.js';
export { kolmogorovQ, type KsResult, ksTwoSample, PSI_EPSILON, psi } from './drift-stats.js';
export {
  createDriftMonitor,
  type DriftFinding,
  DriftMonitor,
  type DriftMonitorConfig,
  driftMonitorDefaults,
  parseDriftMonitorConfig,
} from './drift-monitor.js';
export { Adwin, adwinDefaults, createErrorDetector, type ErrorDriftResult, PageHinkley, pageHinkleyDefaults } from './error-drift.js';
export { KnowledgeBase, knowledgeEntry } from './knowledge-base.js';
export { LlmRewriter, type LlmRewriterOptions } from './llm-rewriter.js';
export { draftRunbook, regenerateRunbooks } from './runbook.js';
export { createSeasonalDriftMonitor, SeasonalDriftMonitor, seasonalDriftDefaults } from './seasonal-drift.js';
export {
  anomalyCalibratorTrainer,
  type CalibrationTrainer,
  rootCauseCalibrationTrainer,
  TRAINERS,
  type TrainingReport,
  trainAndValidate,
} from './training.js';
