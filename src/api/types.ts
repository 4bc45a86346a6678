/**
 * @module api/types
 * Shapes of the API's composite responses, types only, so that the dashboard's browser build can
 * import them as it imports the records.
 */
import type { Action, Anomaly, Decision, Incident } from '../records/types.js';

/** One line of an incident's timeline. `at` is epoch ms. */
export interface TimelineEntry {
  readonly at: number;
  readonly kind: 'incident' | 'anomaly' | 'decision' | 'action';
  /** Id of the record the entry is about. */
  readonly ref: string;
  readonly text: string;
}

/** What `GET /api/v1/incidents/:id` returns. */
export interface IncidentDetail {
  readonly incident: Incident;
  readonly anomalies: readonly Anomaly[];
  readonly decisions: readonly Decision[];
  readonly actions: readonly Action[];
  readonly timeline: readonly TimelineEntry[];
}
