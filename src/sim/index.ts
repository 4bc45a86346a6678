/**
 * @module sim
 * The fleet simulator: generated topology, realistic per-minute telemetry, fault injection with
 * exact ground truth, and responses to heal actions. Pure and deterministic under a seed.
 */
export type { FaultSpec, FaultTruth, SimApplyResult, SimOptions, SimSample, SimTick } from './types.js';
export { DEFAULT_SIM_OPTIONS, parseSimOptions } from './sim-options.js';
export { Rng, mixSeed, poissonInverse } from './rng.js';
export type { RngState } from './rng.js';
export { SERVICE_TIERS, TIER_ATTRIBUTE, generateTopology } from './topology.js';
export type { ServiceTier } from './topology.js';
export { ACTION_TARGET_KINDS, FAULT_FIX, FAULT_TARGET_KINDS } from './fault-library.js';
export { FleetSimulator, trafficSeason } from './fleet-simulator.js';
export type { SimAction } from './fleet-simulator.js';
export {
  createSimulation,
  csvHeader,
  csvLines,
  eventCsvLines,
  eventsCsvHeader,
  groundTruthJson,
  simulateToCsv,
} from './simulate-to-csv.js';
export type { CsvSink, SimulateOptions, Simulation } from './simulate-to-csv.js';
