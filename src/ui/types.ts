/**
 * @module ui/types
 * The API's JSON as the dashboard reads it: the server's record types (type-only imports, erased
 * from the browser build), plus the shapes of the API's composite responses.
 */

export type { IncidentDetail, TimelineEntry } from '../api/types.js';
export type { EngineStatus, TwinView } from '../engine/handle.js';
export type { Action, Anomaly, Attribution, Decision, Forecast, Hypothesis, Incident, Prediction } from '../records/types.js';
export type { Point, SeriesRecord } from '../telemetry/types.js';
export type { Entity, EntityState, Health, Relation } from '../twin/types.js';

import type { Anomaly, Prediction } from '../records/types.js';
import type { SeriesRecord } from '../telemetry/types.js';
import type { Entity, EntityState, Relation } from '../twin/types.js';

export interface EntityDetail {
  readonly entity: Entity;
  readonly state: EntityState | null;
  readonly relations: { readonly in: readonly Relation[]; readonly out: readonly Relation[] };
  readonly series: readonly SeriesRecord[];
  readonly anomalies: readonly Anomaly[];
  readonly predictions: readonly Prediction[];
}

export type { ActionStat } from '../learn/knowledge-base.js';
export type { ModelLineage, ModelVersion, Runbook } from '../records/types.js';
export type { LiveMetrics, LiveTrend, OutcomeMetrics, ReliabilityBin } from '../registry/live-metrics.js';

import type { ActionStat, ActionResult } from '../learn/knowledge-base.js';
import type { ActionKind, ModelLineage, ModelVersion } from '../records/types.js';
import type { LiveMetrics } from '../registry/live-metrics.js';
import type { AliasStint } from '../registry/registry.js';

/** One period during which a version held an alias (the registry's serving history, as JSON). */
export type ServingStint = AliasStint;

/** A model version as the MLflow-shaped registry routes answer it, with Homeostat's extras. */
export interface RegistryVersion {
  readonly name: string;
  /** MLflow's version: a number as a string. */
  readonly version: string;
  readonly creation_timestamp: number;
  readonly last_updated_timestamp: number;
  readonly user_id: string;
  /** `Production`, `Staging`, `Archived` or `None`. */
  readonly current_stage: string;
  readonly description: string;
  readonly aliases: readonly string[];
  readonly homeostat: {
    readonly kind: string;
    readonly spec_version: number;
    readonly stage: ModelVersion['stage'];
    /** Whether this version is the one the engine serves. */
    readonly serving: boolean;
    readonly config: unknown;
    readonly lineage: ModelLineage | null;
    readonly metrics: Readonly<Record<string, number>>;
    readonly live: LiveMetrics;
    readonly serving_history: readonly ServingStint[];
  };
}

/** A registered model as the MLflow-shaped registry routes answer it (latest version per stage). */
export interface RegisteredModel {
  readonly name: string;
  readonly creation_timestamp: number;
  readonly last_updated_timestamp: number;
  readonly description: string;
  readonly latest_versions: readonly RegistryVersion[];
  readonly aliases: readonly { readonly alias: string; readonly version: string }[];
  readonly homeostat: {
    readonly kind: string;
    readonly serving: number | null;
    readonly champion: number | null;
    readonly challenger: number | null;
    readonly serving_history: readonly ServingStint[];
  };
}

/** A closed incident similar to the one shown, as `GET /incidents/:id/similar` answers it. */
export interface SimilarIncident {
  /** Weighted Jaccard index of the features, in (0, 1]. */
  readonly similarity: number;
  /** Features both share, heaviest first (`fault:…`, `root:…`, `signal:…`). */
  readonly shared: readonly string[];
  readonly incidentId: string;
  readonly title: string;
  readonly status: 'resolved' | 'escalated';
  readonly closedAt: number;
  readonly rootCause?: {
    readonly entityId: string;
    readonly faultKind: string;
    readonly entityKind: string;
    readonly confirmed: boolean;
  };
  readonly actions: readonly {
    readonly kind: ActionKind;
    readonly target: string;
    readonly result: ActionResult;
    readonly verifyMs?: number;
  }[];
  readonly resolution?: string;
}

/** `GET /incidents/:id/similar`: the features looked for, the similar incidents and how their actions fared. */
export interface SimilarIncidents {
  readonly incidentId: string;
  readonly features: readonly string[];
  readonly similar: readonly SimilarIncident[];
  readonly actions: readonly ActionStat[];
}
