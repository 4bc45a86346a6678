/**
 * @module ui/types
 * The API's JSON as the dashboard reads it: a subset of the server's record types, repeated here
 * because the browser build cannot import server files.
 */

export type Health = 'healthy' | 'degraded' | 'critical' | 'unknown';

export interface Attribution {
  readonly name: string;
  readonly weight: number;
  readonly expected?: number;
  readonly actual?: number;
}

export interface EngineStatus {
  readonly killSwitch: boolean;
  readonly dryRun: boolean;
  readonly now: number;
  readonly simulated: boolean;
  readonly speed: number;
  readonly series: number;
  readonly entities: number;
  readonly anomalies: number;
  readonly openIncidents: number;
  readonly decisions: number;
  readonly actions: number;
}

export interface Entity {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
}

export interface Relation {
  readonly from: string;
  readonly to: string;
  readonly kind: string;
}

export interface EntityState {
  readonly entityId: string;
  readonly signals: Readonly<Record<string, { readonly t: number; readonly v: number }>>;
  readonly health: Health;
  readonly openAnomalies: readonly string[];
  readonly failureRisk?: number;
  readonly headroom?: Readonly<Record<string, number>>;
}

export interface TwinView {
  readonly entities: readonly Entity[];
  readonly relations: readonly Relation[];
  readonly states: readonly EntityState[];
}

export interface SeriesRecord {
  readonly id: string;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly entityId: string;
}

export interface Point {
  readonly t: number;
  readonly v: number;
}

export interface Anomaly {
  readonly id: string;
  readonly seriesId: string;
  readonly entityId: string;
  readonly metric: string;
  readonly at: number;
  readonly confidence: number;
  readonly expected: number;
  readonly actual: number;
  readonly explanation: string;
  readonly status: 'open' | 'closed';
}

export interface Forecast {
  readonly t: readonly number[];
  readonly mean: readonly number[];
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  readonly level: number;
}

export interface Prediction {
  readonly id: string;
  readonly kind: 'failure_risk' | 'demand';
  readonly entityId: string;
  readonly seriesId?: string;
  readonly at: number;
  readonly value: number;
  readonly confidence: number;
  readonly forecast?: Forecast;
  readonly summary: string;
}

export interface Hypothesis {
  readonly entityId: string;
  readonly faultKind: string;
  readonly confidence: number;
  readonly evidence: readonly string[];
  readonly path: readonly string[];
}

export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly severity: string;
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly resolvedAt?: number;
  readonly entities: readonly string[];
  readonly hypotheses: readonly Hypothesis[];
  readonly resolution?: string;
}

export interface Decision {
  readonly id: string;
  readonly at: number;
  readonly kind: string;
  readonly subject: string;
  readonly model: { readonly kind: string; readonly version: string };
  readonly confidence: number;
  readonly explanation: readonly Attribution[] | string;
  readonly latencyMs: number;
}

export interface Action {
  readonly id: string;
  readonly kind: string;
  readonly target: string;
  readonly status: string;
  readonly dryRun: boolean;
  readonly reason: string;
  readonly policy: string;
  readonly proposedAt: number;
  readonly executedAt?: number;
  readonly verifiedAt?: number;
  readonly outcome?: { readonly ok: boolean; readonly message: string };
}

export interface TimelineEntry {
  readonly at: number;
  readonly kind: 'incident' | 'anomaly' | 'decision' | 'action';
  readonly ref: string;
  readonly text: string;
}

export interface IncidentDetail {
  readonly incident: Incident;
  readonly anomalies: readonly Anomaly[];
  readonly decisions: readonly Decision[];
  readonly actions: readonly Action[];
  readonly timeline: readonly TimelineEntry[];
}

export interface EntityDetail {
  readonly entity: Entity;
  readonly state: EntityState | null;
  readonly relations: { readonly in: readonly Relation[]; readonly out: readonly Relation[] };
  readonly series: readonly SeriesRecord[];
  readonly anomalies: readonly Anomaly[];
  readonly predictions: readonly Prediction[];
}
