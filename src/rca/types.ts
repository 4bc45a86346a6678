/**
 * @module rca/types
 * Inputs and configuration of root-cause ranking.
 */
import type { Anomaly, ChangeEvent, Prediction } from '../records/types.js';
import type { Topology } from '../twin/types.js';

/** What root-cause ranking looks at: the incident's anomalies and predictions, the topology and recent changes. */
export interface RcaInput {
  /**
   * Anomalies around the incident; those outside `[windowStartMs, windowEndMs]` are ignored. A
   * `closed` anomaly raised long before the incident began weighs less (see `staleScaleMs`).
   */
  readonly anomalies: readonly Anomaly[];
  /**
   * Failure-risk predictions (`kind: 'failure_risk'`, `value` = probability of failure within the
   * horizon); others are ignored, as are those outside the window or below `minPredictionRisk`.
   * The latest one per entity makes it a candidate and names its fault kind from its explanation.
   * Default none.
   */
  readonly predictions?: readonly Prediction[];
  readonly topology: Topology;
  /** Change events (deploys, config changes…); only deploys are used as evidence for now. */
  readonly events: readonly ChangeEvent[];
  /** Start of the incident window (epoch ms). */
  readonly windowStartMs: number;
  /** End of the incident window (epoch ms); must be ≥ `windowStartMs`. */
  readonly windowEndMs: number;
  /**
   * When the incident's own evidence began (epoch ms), e.g. `incident.openedAt`. Onset and time
   * relevance are measured from it. Default: the start of the last burst of evidence, where a
   * gap longer than `burstGapMs` between consecutive anomalies/predictions starts a new burst.
   */
  readonly incidentStartMs?: number;
  /**
   * What confirmed root causes taught (rca/root-cause-priors.ts): each candidate's ranking share
   * is multiplied by `lift(entityId, entityKind)` (1 = no history). Default none (every lift 1).
   */
  readonly priors?: RootCausePriorView;
}

/** The part of `RootCausePriors` the ranking reads. */
export interface RootCausePriorView {
  /** Prior lift of the entity being the root cause, relative to the average candidate; > 0. */
  lift(entityId: string, kind: string): number;
  /** Incidents in which the entity was a candidate (`n`) and the confirmed root cause (`k`). */
  countOf(entityId: string): { readonly n: number; readonly k: number };
}

/** Weights of the five score components; each component is in [0, 1]. */
export interface RcaWeights {
  /** Onset order relative to the incident's start: earlier = more likely root. Default 0.2. */
  readonly onset: number;
  /** Own evidence: time-relevant anomaly confidence, noisy-OR failure-risk probability. Default 0.2. */
  readonly magnitude: number;
  /** Share of a personalised random walk from symptoms towards their dependencies. Default 0.3. */
  readonly propagation: number;
  /** A deploy on the candidate shortly before its first anomaly. Default 0.15. */
  readonly change: number;
  /** A known fault signature: 1 from its own signals, 0.5 inferred from its dependents only. Default 0.15. */
  readonly kind: number;
}

/** Tuning of root-cause ranking. Every field has a default in {@link DEFAULT_RCA_CONFIG}. */
export interface RcaConfig {
  readonly weights: RcaWeights;
  /** Onset lag (ms) after the incident's first anomaly at which the onset score falls to 1/e. Default 10 min. */
  readonly onsetScaleMs: number;
  /** How long before a candidate's first anomaly a deploy still counts as evidence (ms). Default 30 min. */
  readonly deployWindowMs: number;
  /** Restart (teleport) probability of the random walk, in (0, 1). Default 0.15. */
  readonly restartProbability: number;
  /** Walk weight towards a dependency that shows no anomaly of its own, ≥ 0. Default 0.2. */
  readonly unobservedPrior: number;
  /** Power iterations of the random walk. Default 50. */
  readonly iterations: number;
  /**
   * Softmax temperature turning score margins into shares; smaller = sharper. A margin of one
   * temperature gives odds e:1 against that rival. Default 0.1.
   */
  readonly temperature: number;
  /**
   * Time relevance of a closed anomaly raised before the incident began: `exp(-lead / staleScaleMs)`
   * (lead = incident start − raise time); open anomalies and later ones count fully. Default 20 min.
   */
  readonly staleScaleMs: number;
  /** Gap (ms) between evidence times that starts a new burst, to find the incident's start. Default 30 min. */
  readonly burstGapMs: number;
  /** Failure-risk probability below which a prediction is ignored, in [0, 1]. Default 0.2. */
  readonly minPredictionRisk: number;
  /** Evidence factor of a candidate whose fault kind is `unknown`, in [0, 1]. Default 0.7. */
  readonly unknownKindFactor: number;
  /** Hypotheses returned at most. Default 5. */
  readonly maxHypotheses: number;
  /**
   * A host's (or vm's) memory/CPU rise counts as the load of a workload running on it when that
   * workload's same metric rose no later than this many ms after the host's. Default 2 min.
   */
  readonly loadOnsetSlackMs: number;
  /** Hops followed from a root cause to its symptoms when building `path`. Default 4. */
  readonly maxPathDepth: number;
}
