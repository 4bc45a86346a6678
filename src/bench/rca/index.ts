/**
 * @module bench/rca
 * The door of the root-cause benchmark (`homeostat bench rca`): the case readers (Sock Shop,
 * PetShop, SMD attribution), the baseline rankers, the scoring rules and the harness.
 */
export {
  type Loaded,
  PETSHOP_WINDOW_NORMAL_ROWS,
  PETSHOP_WINDOW_ROWS,
  readPetshop,
  readPetshopGraph,
  readPetshopMetrics,
  readSmdAttribution,
  readSockShop,
  readSockShopRun,
  SMD_REFERENCE_ROWS,
  type Skipped,
  smdAttributionCases,
  smdCandidate,
  sockShopColumn,
} from './datasets.js';
export {
  ANOMALOUS_Z,
  baro,
  createStatRanker,
  type MetricScore,
  type NormalStatistic,
  normalStats,
  nsigma,
  nsigmaRcaeval,
  type RcaMethod,
  rcaBaselines,
  rcaevalPreprocess,
  type StatRankerOptions,
  scoreMetric,
  shareRanking,
} from './methods.js';
export {
  acAt,
  avg5,
  BLAME_CONFIDENCE,
  blamesNobody,
  type RcaFigures,
  type ReliabilityBin,
  rcaFigures,
  reliabilityBins,
  type ScoredCase,
  truthRank,
} from './metrics.js';
export { type RcaReliabilityChart, reliabilitySvg, renderRcaReport } from './report.js';
export {
  formatRcaTables,
  RCA_DATASETS,
  RCA_TABLE_METRICS,
  type RcaBenchMetrics,
  type RcaBenchOptions,
  type RcaMethodMetrics,
  rankingRows,
  rcaValue,
  runRcaBench,
} from './run.js';
