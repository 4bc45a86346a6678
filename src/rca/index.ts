/**
 * @module rca
 * Root-cause analysis: ranks which entity, and which kind of fault, most likely caused an
 * incident, with evidence and a path through the topology.
 */
export type { FaultKindGuess, FaultKindInput, Symptom } from './infer-fault-kind.js';
export { inferFaultKind } from './infer-fault-kind.js';
export { DEFAULT_RCA_CONFIG, RCA_MODEL, rankRootCauses } from './rank-root-causes.js';
export type { RcaConfig, RcaInput, RcaWeights } from './types.js';
