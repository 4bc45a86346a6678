/**
 * @module bench/failure
 * The door of the failure benchmark (`homeostat bench failure`): the trace readers, the hourly
 * grid with its features and labels, the scoring rules, the methods and the harness.
 */
export {
  ceilDay,
  type FailureEntity,
  type FailureTrace,
  GRID5000_FILE,
  LANL_FILE,
  lanlMonth,
  lanlTime,
  parseFtaEventTrace,
  parseLanlCsv,
  readGrid5000,
  readLanl,
} from './datasets.js';
export {
  buildFailureGrid,
  type FailureEvents,
  type FailureGrid,
  type FeatureKind,
  type FeatureMatrix,
  featureNames,
  type GridOptions,
  type GridSplit,
  HORIZON_H,
  HOUR_MS,
  MAX_TEST_ROWS,
  MAX_TRAIN_ROWS,
  monthsBefore,
  type SplitName,
  sampleHash,
} from './grid.js';
export {
  alwaysNo,
  choleskySolve,
  type FailureMethod,
  failureBaselines,
  fitLogistic,
  type LogisticModel,
  type LogisticOptions,
  logisticRegression,
  type MethodInput,
  type MethodOutput,
  persistence,
  predictLogistic,
} from './methods.js';
export {
  averagePrecision,
  bestF1Threshold,
  calibration,
  type EventFigures,
  eventFigures,
  median,
  type PrPoint,
  prCurve,
  rocAuc,
  type ScoreGroups,
  scoreGroups,
  type ThresholdFigures,
  thresholdFigures,
} from './metrics.js';
export { FAILURE_TABLE_METRICS, failureCell, failureValue, prCurveSvg, renderFailureReport } from './report.js';
export {
  type FailureBenchMetrics,
  type FailureBenchOptions,
  type FailureCurve,
  type FailureFigures,
  type FailureMethodMetrics,
  type FailureSplitInfo,
  failureMethods,
  figuresOf,
  formatFailureTables,
  runFailureBench,
  TEST_MONTHS,
  writePredictions,
} from './run.js';
export { type HomeostatMethodOptions, homeostatMethod } from './homeostat-method.js';
