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
