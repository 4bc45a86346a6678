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
  type ReliabilityBin,
  reliability,
  rocAuc,
  type ScoreGroups,
  scoreGroups,
  type ThresholdFigures,
  thresholdFigures,
} from './metrics.js';
export { FAILURE_TABLE_METRICS, failureCell, failureValue, prCurveSvg, reliabilitySvg, renderFailureReport } from './report.js';
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
  SIM_ONLY_METHODS,
  TEST_MONTHS,
  writePredictions,
} from './run.js';
export {
  fitHomeostatTrees,
  type HomeostatMethodOptions,
  type HomeostatTreesFit,
  homeostatMethod,
  predictHomeostatTrees,
} from './homeostat-method.js';
export {
  buildSimFailureGrid,
  SIM_FAILURE_FLEET,
  SIM_FIT_SEEDS,
  SIM_RISK_KINDS,
  SIM_TEST_SEEDS,
  SIM_TUNE_SEEDS,
  type SimFailure,
  type SimFailureGrid,
  type SimFailureGridOptions,
  type SimFailureOptions,
  type SimFailureRun,
  simulateFailureRun,
} from './sim-fleet.js';
export { failureHeuristicMethod, loadFailureTreesFile, shippedTreesMethod } from './sim-methods.js';
export { type FailureTreesFile, SHIPPED_SIM_MODEL, slimXgbModel, trainSimFailureTrees, writeSimFailureTrees } from './train-sim.js';
