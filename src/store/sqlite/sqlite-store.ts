/**
 * @module store/sqlite/sqlite-store
 * The embedded default {@link Store}: one SQLite file through better-sqlite3, queried with kysely.
 *
 * Durability. The file is opened in WAL mode with `synchronous = NORMAL`. A transaction is
 * committed by appending it to the `-wal` file with write(2) before the call returns, so once a
 * Store promise resolves the data is in the operating system's page cache and survives a crash
 * of the process (SIGKILL, OOM kill, uncaught exception): the next open replays the WAL. Only
 * the loss of the whole machine (power cut, kernel panic) can lose the last few transactions,
 * because NORMAL does not fsync on every commit; `FULL` would close that gap at several times
 * the cost per commit, which the ingest hot path cannot afford. WAL also lets readers (the API)
 * run while the loop writes. `busy_timeout = 5000` makes a second process wait for the lock
 * rather than fail; `foreign_keys = ON` is set although the schema declares none today.
 *
 * Append cost. Points are keyed (series_id, t), so a batch of one minute for 700 series dirties
 * ~700 index pages, each written to the WAL at commit; checkpoints copy them back and fsync.
 * `wal_autocheckpoint = 10000` pages (≈40 MB of WAL, default 1000) checkpoints ten times less
 * often, so a hot page is copied once for many commits (≈2x faster appends; durability is
 * unchanged, recovery replays a longer WAL). `cache_size` of 64 MB keeps the hot pages in memory.
 *
 * Why kysely. Every query except the points hot path is built with kysely's `SqliteDialect`,
 * and the SQL it emits (`ON CONFLICT … DO UPDATE/NOTHING`, `substr`, `LIMIT`) is the same on
 * PostgreSQL, so a PostgreSQL adapter can reuse these queries with `PostgresDialect` and the same
 * migrations. `appendPoints` is called with ~700 points every simulated minute, thousands of times
 * in a benchmark: there a single prepared better-sqlite3 statement run in a synchronous
 * transaction avoids kysely's per-call compile and per-query `prepare` (about 10x faster). It
 * still runs while holding kysely's connection lock, so it never interleaves with a kysely
 * transaction.
 *
 * Records are stored as JSON in a `body` column next to the columns lists filter on, so each
 * record reads back exactly as written (keys whose value is `undefined` are dropped, as JSON does).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { type Expression, Kysely, type SqlBool, SqliteDialect, sql } from 'kysely';
import type { Clock } from '../../clock.js';
import { systemClock } from '../../clock.js';
import { HomeostatError, describe, invalid } from '../../errors.js';
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
} from '../../records/types.js';
import type { Point, SeriesRecord } from '../../telemetry/types.js';
import type { Entity, Relation } from '../../twin/types.js';
import type { ModelStateRecord, Page, Store, StoredPoint } from '../store.js';
import { applyMigrations, readMigrations } from './migrations.js';

/** Default `limit` of list methods. */
export const DEFAULT_LIST_LIMIT = 100;
/** Largest `limit` a list method accepts. */
export const MAX_LIST_LIMIT = 10_000;
/** Default `limit` of {@link SqliteStore.readPoints}: points are small and charts read whole windows. */
export const DEFAULT_POINTS_LIMIT = 100_000;
/** Largest `limit` {@link SqliteStore.readPoints} accepts. */
export const MAX_POINTS_LIMIT = 1_000_000;

/** SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32; multi-row inserts are chunked under it. */
const MAX_VARIABLES = 32_766;

/** The repo's `migrations/` folder: three levels above both src/store/sqlite/ and dist/store/sqlite/. */
const MIGRATIONS_URL = new URL('../../../migrations/', import.meta.url);

/** Options of {@link SqliteStore} and {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Folder of `NNN_name[.sqlite].sql` files; default the repo's `migrations/`. */
  readonly migrationsDir?: string;
  /** Stamps `schema_migrations.applied_at`; default the wall clock. */
  readonly clock?: Clock;
}

interface Tables {
  series: { id: string; metric: string; labels: string; entity_id: string };
  points: { series_id: string; t: number; v: number | null };
  entities: { id: string; kind: string; name: string; attributes: string; capacity: string | null };
  relations: { from_id: string; to_id: string; kind: string };
  anomalies: {
    id: string;
    series_id: string;
    entity_id: string;
    incident_id: string | null;
    status: string;
    at: number;
    body: string;
  };
  predictions: { id: string; kind: string; entity_id: string; series_id: string | null; at: number; body: string };
  events: { id: string; entity_id: string; kind: string; at: number; body: string };
  incidents: { id: string; status: string; opened_at: number; updated_at: number; body: string };
  decisions: { id: string; kind: string; subject: string; at: number; body: string };
  actions: { id: string; incident_id: string; status: string; proposed_at: number; body: string };
  feedback: { id: string; subject_type: string; subject_id: string; at: number; body: string };
  models: { name: string; kind: string; created_at: number; body: string };
  model_versions: { name: string; version: number; stage: string; created_at: number; body: string };
  model_states: { key: string; kind: string; version: number; state: string; updated_at: number };
  model_aliases: { name: string; alias: string; version: number; updated_at: number };
  model_alias_events: { name: string; seq: number; alias: string; version: number | null; at: number; body: string };
  model_outcomes: { id: string; name: string; version: number; at: number; body: string };
  runbooks: { id: string; status: string; fault_kind: string; entity_kind: string; updated_at: number; body: string };
}

/** Tables read by the paged list methods: each has `id`, `body` and a time column. */
type PagedTable = 'anomalies' | 'predictions' | 'events' | 'incidents' | 'decisions' | 'actions' | 'feedback' | 'model_outcomes';

/**
 * The SQLite adapter of the {@link Store} port. Prefer {@link openSqliteStore}, which also migrates.
 * Lists are newest first by their time column (`at`; incidents `openedAt`; actions `proposedAt`),
 * ties broken by id descending; `fromMs` is inclusive, `toMs` exclusive.
 * `insert*`/`append*` are idempotent by id: a repeated id keeps the first stored record.
 * @example
 * const store = await openSqliteStore(':memory:');
 * await store.upsertEntities([{ id: 'host:a', kind: 'host', name: 'a', attributes: {} }]);
 * await store.close();
 */
export class SqliteStore implements Store {
  readonly #sqlite: BetterSqlite3.Database;
  readonly #db: Kysely<Tables>;
  readonly #migrationsDir: string;
  readonly #clock: Clock;
  /** Prepared on first use: the statement needs the migrated `points` table. */
  #appendPoints: ((points: readonly StoredPoint[]) => void) | undefined;
  #closed = false;

  /**
   * Opens (creating if needed) the database at `path` (`:memory:` for a private in-memory one)
   * and sets its pragmas; does not migrate (call {@link SqliteStore.migrate}).
   * Creates the parent folder of a file path.
   * @throws HomeostatError('unavailable') if the file cannot be opened.
   */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (typeof path !== 'string' || path === '') {
      throw invalid(`database path must be a file path or ":memory:" (got ${describe(path)})`);
    }
    this.#migrationsDir = options.migrationsDir ?? fileURLToPath(MIGRATIONS_URL);
    this.#clock = options.clock ?? systemClock;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.#sqlite = new Database(path);
    } catch (cause) {
      throw new HomeostatError('unavailable', `cannot open SQLite database ${path}: ${(cause as Error).message}`, {
        cause,
      });
    }
    this.#sqlite.pragma('journal_mode = WAL');
    this.#sqlite.pragma('synchronous = NORMAL');
    this.#sqlite.pragma('busy_timeout = 5000');
    this.#sqlite.pragma('foreign_keys = ON');
    this.#sqlite.pragma('cache_size = -65536');
    this.#sqlite.pragma('wal_autocheckpoint = 10000');
    this.#db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: this.#sqlite }) });
  }

  /** Applies the migrations not yet recorded in `schema_migrations`; idempotent. */
  async migrate(): Promise<void> {
    await this.#db
      .connection()
      .execute(async () => applyMigrations(this.#sqlite, readMigrations(this.#migrationsDir, 'sqlite'), this.#clock.now()));
  }

  /** Closes the database (checkpointing the WAL); a second call does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }

  /** Inserts or replaces series by id. */
  async upsertSeries(series: readonly SeriesRecord[]): Promise<void> {
    const rows = lastById(series, (s) => s.id).map((s) => ({
      id: s.id,
      metric: s.metric,
      labels: JSON.stringify(s.labels),
      entity_id: s.entityId,
    }));
    await this.#inChunks(rows, 4, (trx, chunk) =>
      trx
        .insertInto('series')
        .values(chunk)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            metric: eb.ref('excluded.metric'),
            labels: eb.ref('excluded.labels'),
            entity_id: eb.ref('excluded.entity_id'),
          })),
        )
        .execute(),
    );
  }

  /** The series with this id, or undefined. */
  async getSeries(id: string): Promise<SeriesRecord | undefined> {
    const row = await this.#db.selectFrom('series').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toSeries(row);
  }

  /** Series matching every given filter, by id ascending. */
  async listSeries(filter: { entityId?: string; metric?: string } = {}): Promise<SeriesRecord[]> {
    let query = this.#db.selectFrom('series').selectAll();
    if (filter.entityId !== undefined) query = query.where('entity_id', '=', filter.entityId);
    if (filter.metric !== undefined) query = query.where('metric', '=', filter.metric);
    const rows = await query.orderBy('id').execute();
    return rows.map(toSeries);
  }

  /**
   * Appends points in one transaction; a repeated (seriesId, t) replaces the earlier value, also
   * within one batch (the last wins). NaN is stored as NULL and read back as NaN.
   */
  async appendPoints(points: readonly StoredPoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.#db.connection().execute(async () => {
      this.#appendPoints ??= this.#prepareAppendPoints();
      this.#appendPoints(points);
    });
  }

  /**
   * Points of one series with fromMs ≤ t < toMs, oldest first, at most `limit`
   * (default {@link DEFAULT_POINTS_LIMIT}, at most {@link MAX_POINTS_LIMIT}): the oldest are kept.
   * @throws HomeostatError('invalid_argument') on a non-finite time or a bad limit.
   */
  async readPoints(seriesId: string, fromMs: number, toMs: number, limit?: number): Promise<Point[]> {
    checkTime('fromMs', fromMs);
    checkTime('toMs', toMs);
    const rows = await this.#db
      .selectFrom('points')
      .select(['t', 'v'])
      .where('series_id', '=', seriesId)
      .where('t', '>=', fromMs)
      .where('t', '<', toMs)
      .orderBy('t')
      .limit(checkLimit(limit, DEFAULT_POINTS_LIMIT, MAX_POINTS_LIMIT))
      .execute();
    return rows.map((row) => ({ t: row.t, v: row.v ?? Number.NaN }));
  }

  /** Deletes points with t < beforeMs of every series; returns how many. */
  async prunePoints(beforeMs: number): Promise<number> {
    checkTime('beforeMs', beforeMs);
    const result = await this.#db.deleteFrom('points').where('t', '<', beforeMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Inserts or replaces entities by id. */
  async upsertEntities(entities: readonly Entity[]): Promise<void> {
    const rows = lastById(entities, (e) => e.id).map((e) => ({
      id: e.id,
      kind: e.kind,
      name: e.name,
      attributes: JSON.stringify(e.attributes),
      capacity: e.capacity === undefined ? null : JSON.stringify(e.capacity),
    }));
    await this.#inChunks(rows, 5, (trx, chunk) =>
      trx
        .insertInto('entities')
        .values(chunk)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            kind: eb.ref('excluded.kind'),
            name: eb.ref('excluded.name'),
            attributes: eb.ref('excluded.attributes'),
            capacity: eb.ref('excluded.capacity'),
          })),
        )
        .execute(),
    );
  }

  /** Adds relations; one that exists already (same from, to and kind) is kept once. */
  async upsertRelations(relations: readonly Relation[]): Promise<void> {
    const rows = lastById(relations, (r) => `${r.from}\u0000${r.to}\u0000${r.kind}`).map((r) => ({
      from_id: r.from,
      to_id: r.to,
      kind: r.kind,
    }));
    await this.#inChunks(rows, 3, (trx, chunk) =>
      trx
        .insertInto('relations')
        .values(chunk)
        .onConflict((oc) => oc.columns(['from_id', 'to_id', 'kind']).doNothing())
        .execute(),
    );
  }

  async removeRelations(relations: readonly Relation[]): Promise<void> {
    if (relations.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      for (const r of relations) {
        await trx.deleteFrom('relations').where('from_id', '=', r.from).where('to_id', '=', r.to).where('kind', '=', r.kind).execute();
      }
    });
  }

  /** Every entity, by id ascending. */
  async listEntities(): Promise<Entity[]> {
    const rows = await this.#db.selectFrom('entities').selectAll().orderBy('id').execute();
    return rows.map((row) => {
      const entity: Entity = {
        id: row.id,
        kind: row.kind as Entity['kind'],
        name: row.name,
        attributes: JSON.parse(row.attributes) as Entity['attributes'],
      };
      return row.capacity === null ? entity : { ...entity, capacity: JSON.parse(row.capacity) as NonNullable<Entity['capacity']> };
    });
  }

  /** Every relation, by (from, to, kind) ascending. */
  async listRelations(): Promise<Relation[]> {
    const rows = await this.#db.selectFrom('relations').selectAll().orderBy('from_id').orderBy('to_id').orderBy('kind').execute();
    return rows.map((row) => ({ from: row.from_id, to: row.to_id, kind: row.kind as Relation['kind'] }));
  }

  /** Inserts anomalies; a repeated id keeps the stored one. */
  async insertAnomalies(anomalies: readonly Anomaly[]): Promise<void> {
    await this.#inChunks(anomalies.map(anomalyRow), 7, (trx, chunk) =>
      trx
        .insertInto('anomalies')
        .values(chunk)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute(),
    );
  }

  /**
   * Changes status and/or incident link of an anomaly; absent fields are kept.
   * @throws HomeostatError('not_found') if no anomaly has this id.
   */
  async updateAnomaly(id: string, patch: { status?: Anomaly['status']; incidentId?: string }): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('anomalies').select('body').where('id', '=', id).executeTakeFirst();
      if (row === undefined) throw new HomeostatError('not_found', `anomaly ${describe(id)} not found`);
      const before = JSON.parse(row.body) as Anomaly;
      const after: Anomaly = {
        ...before,
        ...(patch.status === undefined ? {} : { status: patch.status }),
        ...(patch.incidentId === undefined ? {} : { incidentId: patch.incidentId }),
      };
      const { status, incident_id, body } = anomalyRow(after);
      await trx.updateTable('anomalies').set({ status, incident_id, body }).where('id', '=', id).execute();
    });
  }

  /** The anomaly with this id, or undefined. */
  async getAnomaly(id: string): Promise<Anomaly | undefined> {
    return this.#getBody<Anomaly>('anomalies', id);
  }

  /** Anomalies matching every given filter, newest first by `at`. */
  async listAnomalies(
    filter: Page & { entityId?: string; seriesId?: string; incidentId?: string; status?: Anomaly['status'] } = {},
  ): Promise<Anomaly[]> {
    return this.#list<Anomaly>('anomalies', 'at', filter, {
      entity_id: filter.entityId,
      series_id: filter.seriesId,
      incident_id: filter.incidentId,
      status: filter.status,
    });
  }

  /** Inserts predictions; a repeated id keeps the stored one. */
  async insertPredictions(predictions: readonly Prediction[]): Promise<void> {
    const rows = predictions.map((p) => ({
      id: p.id,
      kind: p.kind,
      entity_id: p.entityId,
      series_id: p.seriesId ?? null,
      at: p.at,
      body: JSON.stringify(p),
    }));
    await this.#inChunks(rows, 6, (trx, chunk) =>
      trx
        .insertInto('predictions')
        .values(chunk)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute(),
    );
  }

  /** Predictions matching every given filter, newest first by `at`. */
  async listPredictions(filter: Page & { entityId?: string; seriesId?: string; kind?: PredictionKind } = {}): Promise<Prediction[]> {
    return this.#list<Prediction>('predictions', 'at', filter, {
      entity_id: filter.entityId,
      series_id: filter.seriesId,
      kind: filter.kind,
    });
  }

  /** Inserts change events; a repeated id keeps the stored one. */
  async insertEvents(events: readonly ChangeEvent[]): Promise<void> {
    const rows = events.map((e) => ({ id: e.id, entity_id: e.entityId, kind: e.kind, at: e.at, body: JSON.stringify(e) }));
    await this.#inChunks(rows, 5, (trx, chunk) =>
      trx
        .insertInto('events')
        .values(chunk)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute(),
    );
  }

  /** Change events matching the filter, newest first by `at`. */
  async listEvents(filter: Page & { entityId?: string } = {}): Promise<ChangeEvent[]> {
    return this.#list<ChangeEvent>('events', 'at', filter, { entity_id: filter.entityId });
  }

  /** Inserts or replaces an incident by id. */
  async upsertIncident(incident: Incident): Promise<void> {
    await this.#db
      .insertInto('incidents')
      .values({
        id: incident.id,
        status: incident.status,
        opened_at: incident.openedAt,
        updated_at: incident.updatedAt,
        body: JSON.stringify(incident),
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          opened_at: eb.ref('excluded.opened_at'),
          updated_at: eb.ref('excluded.updated_at'),
          body: eb.ref('excluded.body'),
        })),
      )
      .execute();
  }

  /** The incident with this id, or undefined. */
  async getIncident(id: string): Promise<Incident | undefined> {
    return this.#getBody<Incident>('incidents', id);
  }

  /** Incidents matching the filter, newest first by `openedAt` (which `fromMs`/`toMs` bound). */
  async listIncidents(filter: Page & { status?: IncidentStatus } = {}): Promise<Incident[]> {
    return this.#list<Incident>('incidents', 'opened_at', filter, { status: filter.status });
  }

  /** Appends to the decision log; a repeated id keeps the stored row (rows never change). */
  async appendDecisions(decisions: readonly Decision[]): Promise<void> {
    const rows = decisions.map((d) => ({ id: d.id, kind: d.kind, subject: d.subject, at: d.at, body: JSON.stringify(d) }));
    await this.#inChunks(rows, 5, (trx, chunk) =>
      trx
        .insertInto('decisions')
        .values(chunk)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute(),
    );
  }

  /** Decisions matching every given filter, newest first by `at`. */
  async listDecisions(filter: Page & { subject?: string; kind?: DecisionKind } = {}): Promise<Decision[]> {
    return this.#list<Decision>('decisions', 'at', filter, { subject: filter.subject, kind: filter.kind });
  }

  /** Inserts or replaces an action by id. */
  async upsertAction(action: Action): Promise<void> {
    await this.#db
      .insertInto('actions')
      .values({
        id: action.id,
        incident_id: action.incidentId,
        status: action.status,
        proposed_at: action.proposedAt,
        body: JSON.stringify(action),
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          incident_id: eb.ref('excluded.incident_id'),
          status: eb.ref('excluded.status'),
          proposed_at: eb.ref('excluded.proposed_at'),
          body: eb.ref('excluded.body'),
        })),
      )
      .execute();
  }

  /** The action with this id, or undefined. */
  async getAction(id: string): Promise<Action | undefined> {
    return this.#getBody<Action>('actions', id);
  }

  /** Actions matching the filter, newest first by `proposedAt`. */
  async listActions(filter: Page & { incidentId?: string } = {}): Promise<Action[]> {
    return this.#list<Action>('actions', 'proposed_at', filter, { incident_id: filter.incidentId });
  }

  /** Inserts feedback; a repeated id keeps the stored one. */
  async insertFeedback(feedback: readonly Feedback[]): Promise<void> {
    const rows = feedback.map((f) => ({
      id: f.id,
      subject_type: f.subjectType,
      subject_id: f.subjectId,
      at: f.at,
      body: JSON.stringify(f),
    }));
    await this.#inChunks(rows, 5, (trx, chunk) =>
      trx
        .insertInto('feedback')
        .values(chunk)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute(),
    );
  }

  /** Feedback matching the filter, newest first by `at`. */
  async listFeedback(filter: Page & { subjectId?: string } = {}): Promise<Feedback[]> {
    return this.#list<Feedback>('feedback', 'at', filter, { subject_id: filter.subjectId });
  }

  /** Inserts or replaces a model record by name. */
  async upsertModel(model: ModelRecord): Promise<void> {
    await this.#db
      .insertInto('models')
      .values({ name: model.name, kind: model.kind, created_at: model.createdAt, body: JSON.stringify(model) })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          created_at: eb.ref('excluded.created_at'),
          body: eb.ref('excluded.body'),
        })),
      )
      .execute();
  }

  /** Every model record, by name ascending. */
  async listModels(): Promise<ModelRecord[]> {
    const rows = await this.#db.selectFrom('models').select('body').orderBy('name').execute();
    return rows.map((row) => JSON.parse(row.body) as ModelRecord);
  }

  /**
   * Adds a model version.
   * @throws HomeostatError('conflict') if (name, version) exists; the stored version is unchanged.
   */
  async putModelVersion(version: ModelVersion): Promise<void> {
    const result = await this.#db
      .insertInto('model_versions')
      .values({
        name: version.name,
        version: version.version,
        stage: version.stage,
        created_at: version.createdAt,
        body: JSON.stringify(version),
      })
      .onConflict((oc) => oc.columns(['name', 'version']).doNothing())
      .executeTakeFirst();
    if (result.numInsertedOrUpdatedRows === 0n) {
      throw new HomeostatError(
        'conflict',
        `model ${describe(version.name)} already has version ${version.version}; versions are immutable, put a new version number`,
      );
    }
  }

  /** Versions of one model, by version ascending (empty for an unknown name). */
  async listModelVersions(name: string): Promise<ModelVersion[]> {
    const rows = await this.#db.selectFrom('model_versions').select('body').where('name', '=', name).orderBy('version').execute();
    return rows.map((row) => JSON.parse(row.body) as ModelVersion);
  }

  /**
   * Changes a version's stage, offline metrics and/or description (absent fields are kept),
   * rewriting its JSON body and stage column in one transaction; returns the changed version.
   * @throws HomeostatError('not_found') if the model has no such version.
   */
  async updateModelVersion(
    name: string,
    version: number,
    patch: Partial<Pick<ModelVersion, 'stage' | 'metrics' | 'description'>>,
  ): Promise<ModelVersion> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('model_versions')
        .select('body')
        .where('name', '=', name)
        .where('version', '=', version)
        .executeTakeFirst();
      if (row === undefined) throw new HomeostatError('not_found', `model ${describe(name)} has no version ${describe(version)}`);
      const before = JSON.parse(row.body) as ModelVersion;
      const after: ModelVersion = {
        ...before,
        ...(patch.stage === undefined ? {} : { stage: patch.stage }),
        ...(patch.metrics === undefined ? {} : { metrics: patch.metrics }),
        ...(patch.description === undefined ? {} : { description: patch.description }),
      };
      await trx
        .updateTable('model_versions')
        .set({ stage: after.stage, body: JSON.stringify(after) })
        .where('name', '=', name)
        .where('version', '=', version)
        .execute();
      return after;
    });
  }

  /**
   * Moves an alias to a version (or removes it with `version: null`) and appends the event to the
   * serving history, in one transaction.
   * @throws HomeostatError('not_found') for an unknown model, or a version the model does not have.
   */
  async setModelAlias(event: ModelAliasEvent): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const model = await trx.selectFrom('models').select('name').where('name', '=', event.name).executeTakeFirst();
      if (model === undefined) throw new HomeostatError('not_found', `model ${describe(event.name)} not found`);
      if (event.version === null) {
        await trx.deleteFrom('model_aliases').where('name', '=', event.name).where('alias', '=', event.alias).execute();
      } else {
        const version = await trx
          .selectFrom('model_versions')
          .select('version')
          .where('name', '=', event.name)
          .where('version', '=', event.version)
          .executeTakeFirst();
        if (version === undefined) {
          throw new HomeostatError('not_found', `model ${describe(event.name)} has no version ${describe(event.version)}`);
        }
        await trx
          .insertInto('model_aliases')
          .values({ name: event.name, alias: event.alias, version: event.version, updated_at: event.at })
          .onConflict((oc) =>
            oc.columns(['name', 'alias']).doUpdateSet((eb) => ({
              version: eb.ref('excluded.version'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      const last = await trx
        .selectFrom('model_alias_events')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('name', '=', event.name)
        .executeTakeFirst();
      await trx
        .insertInto('model_alias_events')
        .values({
          name: event.name,
          seq: (last?.seq ?? 0) + 1,
          alias: event.alias,
          version: event.version,
          at: event.at,
          body: JSON.stringify(event),
        })
        .execute();
    });
  }

  /** Current aliases of a model, alias → version (empty for an unknown model). */
  async getModelAliases(name: string): Promise<Partial<Record<ModelAlias, number>>> {
    const rows = await this.#db
      .selectFrom('model_aliases')
      .select(['alias', 'version'])
      .where('name', '=', name)
      .orderBy('alias')
      .execute();
    const aliases: Partial<Record<ModelAlias, number>> = {};
    for (const row of rows) aliases[row.alias as ModelAlias] = row.version;
    return aliases;
  }

  /** The serving history of a model in the order the changes were made (empty for an unknown model). */
  async listModelAliasEvents(name: string): Promise<ModelAliasEvent[]> {
    const rows = await this.#db.selectFrom('model_alias_events').select('body').where('name', '=', name).orderBy('seq').execute();
    return rows.map((row) => JSON.parse(row.body) as ModelAliasEvent);
  }

  /** Inserts outcomes; a repeated id keeps the stored one. */
  async insertModelOutcomes(outcomes: readonly ModelOutcome[]): Promise<void> {
    const rows = outcomes.map((o) => ({ id: o.id, name: o.name, version: o.version, at: o.at, body: JSON.stringify(o) }));
    await this.#inChunks(rows, 5, (trx, chunk) =>
      trx
        .insertInto('model_outcomes')
        .values(chunk)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute(),
    );
  }

  /** Outcomes of one model (one version, or all), newest first by `at`, ties by id descending. */
  async listModelOutcomes(filter: Page & { name: string; version?: number }): Promise<ModelOutcome[]> {
    return this.#list<ModelOutcome>('model_outcomes', 'at', filter, { name: filter.name, version: filter.version });
  }

  /** Inserts or replaces a runbook by id. */
  async upsertRunbook(runbook: Runbook): Promise<void> {
    await this.#db
      .insertInto('runbooks')
      .values({
        id: runbook.id,
        status: runbook.status,
        fault_kind: runbook.faultKind,
        entity_kind: runbook.entityKind,
        updated_at: runbook.updatedAt,
        body: JSON.stringify(runbook),
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          fault_kind: eb.ref('excluded.fault_kind'),
          entity_kind: eb.ref('excluded.entity_kind'),
          updated_at: eb.ref('excluded.updated_at'),
          body: eb.ref('excluded.body'),
        })),
      )
      .execute();
  }

  /** The runbook with this id, or undefined. */
  async getRunbook(id: string): Promise<Runbook | undefined> {
    return this.#getBody<Runbook>('runbooks', id);
  }

  /** Runbooks (of one status, or all), most recently updated first, ties by id ascending. */
  async listRunbooks(filter: { status?: Runbook['status'] } = {}): Promise<Runbook[]> {
    let query = this.#db.selectFrom('runbooks').select('body');
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    const rows = await query.orderBy('updated_at', 'desc').orderBy('id').execute();
    return rows.map((row) => JSON.parse(row.body) as Runbook);
  }

  /** Saves streaming model states in one transaction, replacing by key (a repeated key: the last wins). */
  async saveModelStates(states: readonly ModelStateRecord[]): Promise<void> {
    const rows = lastById(states, (s) => s.key).map((s) => ({
      key: s.key,
      kind: s.kind,
      version: s.version,
      state: JSON.stringify(s.state),
      updated_at: s.updatedAt,
    }));
    await this.#inChunks(rows, 5, (trx, chunk) =>
      trx
        .insertInto('model_states')
        .values(chunk)
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            kind: eb.ref('excluded.kind'),
            version: eb.ref('excluded.version'),
            state: eb.ref('excluded.state'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute(),
    );
  }

  /** Model states whose key starts with `keyPrefix` (case-sensitive, no wildcards), by key ascending. */
  async loadModelStates(keyPrefix: string): Promise<ModelStateRecord[]> {
    const rows = await this.#db
      .selectFrom('model_states')
      .selectAll()
      // substr, not LIKE: LIKE is case-insensitive in SQLite and treats % and _ as wildcards.
      .where(sql<SqlBool>`substr(${sql.ref('key')}, 1, ${[...keyPrefix].length}) = ${keyPrefix}`)
      .orderBy('key')
      .execute();
    return rows.map((row) => ({
      key: row.key,
      kind: row.kind,
      version: row.version,
      state: JSON.parse(row.state) as unknown,
      updatedAt: row.updated_at,
    }));
  }

  #prepareAppendPoints(): (points: readonly StoredPoint[]) => void {
    const upsert = this.#sqlite.prepare(
      'INSERT INTO points (series_id, t, v) VALUES (?, ?, ?) ON CONFLICT (series_id, t) DO UPDATE SET v = excluded.v',
    );
    return this.#sqlite.transaction((points: readonly StoredPoint[]) => {
      for (const p of points) upsert.run(p.seriesId, p.t, Number.isNaN(p.v) ? null : p.v);
    });
  }

  /** Runs `insert` on chunks of `rows` that stay under the variable limit, all in one transaction. */
  async #inChunks<R>(rows: readonly R[], columns: number, insert: (trx: Kysely<Tables>, chunk: R[]) => Promise<unknown>): Promise<void> {
    if (rows.length === 0) return;
    const size = Math.floor(MAX_VARIABLES / columns);
    await this.#db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += size) await insert(trx, rows.slice(i, i + size));
    });
  }

  async #getBody<T>(table: 'anomalies' | 'incidents' | 'actions' | 'runbooks', id: string): Promise<T | undefined> {
    const row = await this.#db.selectFrom(table).select('body').where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.body) as T);
  }

  async #list<T>(
    table: PagedTable,
    timeColumn: string,
    page: Page,
    equals: Readonly<Record<string, string | number | undefined>>,
  ): Promise<T[]> {
    const limit = checkLimit(page.limit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    const time = sql.ref(timeColumn);
    const conditions: Expression<SqlBool>[] = [];
    for (const [column, value] of Object.entries(equals)) {
      if (value !== undefined) conditions.push(sql<SqlBool>`${sql.ref(column)} = ${value}`);
    }
    if (page.fromMs !== undefined) {
      checkTime('fromMs', page.fromMs);
      conditions.push(sql<SqlBool>`${time} >= ${page.fromMs}`);
    }
    if (page.toMs !== undefined) {
      checkTime('toMs', page.toMs);
      conditions.push(sql<SqlBool>`${time} < ${page.toMs}`);
    }
    let query = this.#db.selectFrom(table).select('body');
    if (conditions.length > 0) query = query.where((eb) => eb.and(conditions));
    const rows = await query.orderBy(time, 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((row) => JSON.parse(row.body) as T);
  }
}

/**
 * Opens the SQLite store at `path` (`:memory:` for a private in-memory database), creating the
 * file and its parent folder if needed, and applies pending migrations.
 * @throws HomeostatError('unavailable') if the file cannot be opened, ('internal') if a migration fails.
 * @example const store = await openSqliteStore('.homeostat/homeostat.db');
 */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const store = new SqliteStore(path, options);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function toSeries(row: Tables['series']): SeriesRecord {
  return {
    id: row.id,
    metric: row.metric,
    labels: JSON.parse(row.labels) as SeriesRecord['labels'],
    entityId: row.entity_id,
  };
}

function anomalyRow(a: Anomaly): Tables['anomalies'] {
  return {
    id: a.id,
    series_id: a.seriesId,
    entity_id: a.entityId,
    incident_id: a.incidentId ?? null,
    status: a.status,
    at: a.at,
    body: JSON.stringify(a),
  };
}

/** Keeps the last item per key, in first-seen key order: one multi-row upsert may not touch a row twice. */
function lastById<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(key(item), item);
  return [...byKey.values()];
}

function checkLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw invalid(`limit must be an integer from 1 to ${max} (got ${describe(limit)})`);
  }
  return limit;
}

function checkTime(name: string, ms: number): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw invalid(`${name} must be a finite time in epoch milliseconds (got ${describe(ms)})`);
  }
}
