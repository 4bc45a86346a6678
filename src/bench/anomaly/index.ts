/**
 * @module bench/anomaly
 * The door of the anomaly benchmark's foundation: the scoring rules of the datasets README and
 * the readers of NAB, SMD and KPI, and the harness that runs them (`homeostat bench anomaly`).
 */
export {
  eventMetrics,
  type EventMetrics,
  type Flag,
  hitRate,
  NAB_PROFILES,
  type NabCostMatrix,
  type NabFile,
  type NabFileScore,
  type NabOptions,
  type NabProfileName,
  nabScaledSigmoid,
  type NabScore,
  nabScore,
  pointMetrics,
  type PointMetrics,
  poolEventMetrics,
  prAuc,
  type Reliability,
  reliability,
  segments,
} from './metrics.js';
export {
  type KpiSeries,
  type Loaded,
  type NabSeries,
  readKpi,
  readNab,
  readSmd,
  type Skipped,
  type SmdInterpretation,
  type SmdMachine,
} from './datasets.js';
export {
  type AnomalyBenchMetrics,
  type AnomalyBenchOptions,
  type AnomalyDataset,
  type AnomalyMethod,
  bestF1Threshold,
  formatAnomalyTables,
  type MethodMetrics,
  NAB_PROBATION,
  quantile,
  ROLLING_MIN_POINTS,
  ROLLING_WINDOW,
  rollingRobustZ,
  runAnomalyBench,
  SMD_TRAIN_QUANTILE,
  SMD_TUNING,
  tableMetrics,
} from './run.js';
export {
  detectorMethod,
  detectorScores,
  type MatrixMethod,
  type MatrixScores,
  maxOverMetrics,
  ROLLING_BASELINE,
  type SeriesMethod,
  TRAIN_ROBUST_Z_BASELINE,
} from './methods.js';
export { chartSvg, renderAnomalyReport, type ReportChart } from './report.js';
