/**
 * @module bench/anomaly
 * The door of the anomaly benchmark's foundation: the scoring rules of the datasets README and
 * the readers of NAB, SMD and KPI.
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
