/**
 * @module bench/capacity
 * The door of the capacity benchmark (`homeostat bench capacity`): the readers of the capacity
 * files and AWS per-instance series, the forecast scoring rules, and the harness.
 */
export {
  AWS_DIR,
  CAPACITY_STEP_MS,
  type CapacityDataset,
  type CapacitySeries,
  readAwsInstances,
  readCapacityFiles,
  readWideCsv,
  toGrid,
} from './datasets.js';
export {
  type ForecastScores,
  inSampleSeasonalMae,
  meanOf,
  medianOf,
  type OriginForecast,
  type OriginPlan,
  type Origins,
  rollingOrigins,
  scoreForecasts,
  seasonalNaiveAt,
} from './metrics.js';
export {
  AWS_DATASET,
  type CapacityBenchMetrics,
  type CapacityBenchOptions,
  type CapacityFigures,
  type CapacityMethod,
  type CapacityMethodMetrics,
  capacityMethods,
  capacityTableMetrics,
  capacityValue,
  DAY_POINTS,
  formatCapacityTables,
  INTERVAL_LEVEL,
  MIN_HISTORY_POINTS,
  REPORTED_DAYS,
  runCapacityBench,
  runOrigins,
  summarise,
  TUNING_DAYS,
  WEEK_POINTS,
} from './run.js';
export { type CapacityChart, capacityChartSvg, renderCapacityReport } from './report.js';
