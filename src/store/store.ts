/**
 * @module store/store
 * The Store port: everything the loop persists. Adapters (`sqlite/` now, `postgres/` later) run
 * the same contract tests. A write whose promise resolved survives a crash of the process.
 * Decisions are append-only: the port has no way to change or delete one.
 */
import type {
  Action,
  Anomaly,
  ChangeEvent,
  Decision,
  DecisionKind,
  Feedback,
  Incident,
  IncidentStatus,
  ModelAlias,
  ModelAliasEvent,
  ModelOutcome,
  ModelRecord,
  ModelVersion,
  Prediction,
  PredictionKind,
  Runbook,
} from '../records/types.js';
import type { Point, SeriesRecord } from '../telemetry/types.js';
import type { Entity, Relation } from '../twin/types.js';

/** A point of a given series, as appended. */
export interface StoredPoint {
  readonly seriesId: string;
  readonly t: number;
  readonly v: number;
}

/** Common list options: newest first, at most `limit` rows (default 100, at most 10,000). */
export interface Page {
  readonly limit?: number;
  /** Only rows at or after this time (epoch ms). */
  readonly fromMs?: number;
  /** Only rows before this time (epoch ms). */
  readonly toMs?: number;
}

/** Saved streaming state of a model instance (e.g. the detector of one series). */
export interface ModelStateRecord {
  /** E.g. `detector:<seriesId>`. */
  readonly key: string;
  readonly kind: string;
  readonly version: number;
  readonly state: unknown;
  readonly updatedAt: number;
}

/** The persistence port of Homeostat. All methods are async and batched where it matters. */
export interface Store {
  /** Applies pending migrations; idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  upsertSeries(series: readonly SeriesRecord[]): Promise<void>;
  getSeries(id: string): Promise<SeriesRecord | undefined>;
  listSeries(filter?: { entityId?: string; metric?: string }): Promise<SeriesRecord[]>;
  /** Appends points; a repeated (seriesId, t) replaces the earlier value. */
  appendPoints(points: readonly StoredPoint[]): Promise<void>;
  /** Points of one series in time order within [fromMs, toMs). */
  readPoints(seriesId: string, fromMs: number, toMs: number, limit?: number): Promise<Point[]>;
  /** Deletes points older than `beforeMs`; returns how many. */
  prunePoints(beforeMs: number): Promise<number>;

  upsertEntities(entities: readonly Entity[]): Promise<void>;
  upsertRelations(relations: readonly Relation[]): Promise<void>;
  /** Removes these relations (a placement that no longer holds); unknown ones are ignored. */
  removeRelations(relations: readonly Relation[]): Promise<void>;
  listEntities(): Promise<Entity[]>;
  listRelations(): Promise<Relation[]>;

  insertAnomalies(anomalies: readonly Anomaly[]): Promise<void>;
  /** Changes status and incident link of an anomaly. */
  updateAnomaly(id: string, patch: { status?: Anomaly['status']; incidentId?: string }): Promise<void>;
  getAnomaly(id: string): Promise<Anomaly | undefined>;
  listAnomalies(
    filter?: Page & { entityId?: string; seriesId?: string; incidentId?: string; status?: Anomaly['status'] },
  ): Promise<Anomaly[]>;

  insertPredictions(predictions: readonly Prediction[]): Promise<void>;
  listPredictions(filter?: Page & { entityId?: string; seriesId?: string; kind?: PredictionKind }): Promise<Prediction[]>;

  insertEvents(events: readonly ChangeEvent[]): Promise<void>;
  listEvents(filter?: Page & { entityId?: string }): Promise<ChangeEvent[]>;

  /** Inserts or replaces an incident by id. */
  upsertIncident(incident: Incident): Promise<void>;
  getIncident(id: string): Promise<Incident | undefined>;
  listIncidents(filter?: Page & { status?: IncidentStatus }): Promise<Incident[]>;

  /** Appends to the decision log. Rows are never updated or deleted. */
  appendDecisions(decisions: readonly Decision[]): Promise<void>;
  listDecisions(filter?: Page & { subject?: string; kind?: DecisionKind }): Promise<Decision[]>;

  /** Inserts or replaces an action by id. */
  upsertAction(action: Action): Promise<void>;
  getAction(id: string): Promise<Action | undefined>;
  listActions(filter?: Page & { incidentId?: string }): Promise<Action[]>;

  insertFeedback(feedback: readonly Feedback[]): Promise<void>;
  listFeedback(filter?: Page & { subjectId?: string }): Promise<Feedback[]>;

  upsertModel(model: ModelRecord): Promise<void>;
  listModels(): Promise<ModelRecord[]>;
  /** Adds a version; `conflict` if (name, version) exists. */
  putModelVersion(version: ModelVersion): Promise<void>;
  listModelVersions(name: string): Promise<ModelVersion[]>;
  /**
   * Changes a version's mutable fields (stage, offline metrics, description); `not_found` when it
   * does not exist. Config, state and lineage never change.
   */
  updateModelVersion(
    name: string,
    version: number,
    patch: Partial<Pick<ModelVersion, 'stage' | 'metrics' | 'description'>>,
  ): Promise<ModelVersion>;
  /**
   * Moves an alias to a version (or removes it with `version: null`) and appends the change to
   * the serving history, in one transaction; `not_found` for an unknown model or version.
   */
  setModelAlias(event: ModelAliasEvent): Promise<void>;
  /** Current aliases of a model: alias → version. */
  getModelAliases(name: string): Promise<Partial<Record<ModelAlias, number>>>;
  /** The serving history of a model, oldest first. */
  listModelAliasEvents(name: string): Promise<ModelAliasEvent[]>;

  insertModelOutcomes(outcomes: readonly ModelOutcome[]): Promise<void>;
  /** Outcomes of a model (one version, or all), newest first. */
  listModelOutcomes(filter: Page & { name: string; version?: number }): Promise<ModelOutcome[]>;

  /** Inserts or replaces a runbook by id. */
  upsertRunbook(runbook: Runbook): Promise<void>;
  getRunbook(id: string): Promise<Runbook | undefined>;
  listRunbooks(filter?: { status?: Runbook['status'] }): Promise<Runbook[]>;

  /** Saves streaming model states (replacing by key), in one transaction. */
  saveModelStates(states: readonly ModelStateRecord[]): Promise<void>;
  loadModelStates(keyPrefix: string): Promise<ModelStateRecord[]>;
}
