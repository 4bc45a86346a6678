/**
 * @module api/server
 * The HTTP API of Homeostat on Fastify 5: health, ingest, twin, series, anomalies, predictions,
 * incidents, decisions, actions, models, switches and feedback, an OpenAPI 3 document, and the
 * dashboard's static files. Reads go to the Store; changes go through the EngineHandle.
 */
import { performance } from 'node:perf_hooks';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type onRequestHookHandler } from 'fastify';
import type { EngineHandle } from '../engine/handle.js';
import { describe, HomeostatError, invalid } from '../errors.js';
import type { ModelVersion } from '../records/types.js';
import type { Store } from '../store/store.js';
import { type ApiToken, type Scope, TokenAuthenticator } from './auth.js';
import { installErrorHandlers, notFound } from './errors.js';
import { loadIncidentDetail } from './incident-detail.js';
import { IngestBodySchema, parseIngestBody } from './ingest.js';
import {
  ActionsQuery,
  AnomaliesQuery,
  AnomalyFeedbackBody,
  DecisionsQuery,
  ErrorResponse,
  HealthResponse,
  IdParams,
  IncidentFeedbackBody,
  IncidentsQuery,
  IngestResponse,
  PointsQuery,
  PredictionsQuery,
  SeriesQuery,
  SwitchesBody,
} from './schemas.js';
import { registerAlertmanagerWebhook } from './alertmanager-webhook.js';
import { type HomeostatMetrics, registerMetricsRoute } from './metrics-exposition.js';
import type { KnowledgeBase } from '../learn/knowledge-base.js';
import { registerKnowledgeRoutes } from './knowledge-routes.js';
import { type RegistryRoutesOptions, registerRegistryRoutes } from './registry-routes.js';
import { registerStaticUi } from './static-ui.js';
import { registerTelemetryProtocols, type TelemetryProtocolsOptions } from './telemetry-protocols.js';

/** Options of {@link createApi}. */
export interface ApiOptions {
  readonly store: Store;
  readonly engine: EngineHandle;
  /** Accepted bearer tokens. With none, every protected route answers 401. */
  readonly tokens: readonly ApiToken[];
  /** When true (default) read routes need no token; when false they need scope `read`. */
  readonly openRead?: boolean;
  /** Folder of the built dashboard (index.html, app.js, style.css…); `/` answers 503 without it. */
  readonly uiDir?: string;
  /** Fastify request logging (default false). */
  readonly logger?: boolean;
  /** Largest accepted request body in bytes (default 10 MiB). */
  readonly bodyLimitBytes?: number;
  /** Homeostat's own metrics, served on `GET /metrics` (read scope); without it `/metrics` is 404. */
  readonly metrics?: HomeostatMetrics;
  /** Entity for Alertmanager alerts naming none (default `cluster:alertmanager`); null answers 400. */
  readonly alertFallbackEntity?: string | null;
  /** OTLP / remote_write limits and accepted time window (defaults: see TelemetryProtocolsOptions). */
  readonly telemetry?: Omit<TelemetryProtocolsOptions, 'engine' | 'onRequest' | 'bodyLimitBytes'>;
  /** The engine's knowledge base of closed incidents: search, similar incidents and runbooks routes (absent: not served). */
  readonly knowledge?: () => KnowledgeBase;
  /** Model registry routes: retraining plans shown on model cards, live-metrics window. */
  readonly registry?: Omit<RegistryRoutesOptions, 'store' | 'clock' | 'read' | 'operate'>;
}

/** The API version prefix. */
export const API_PREFIX = '/api/v1';

const DEFAULT_LIMIT = 100;
const DEFAULT_POINTS_LIMIT = 5_000;
const DEFAULT_WINDOW_MS = 6 * 3_600_000;
const BEARER = [{ bearerAuth: [] as string[] }];

/**
 * Builds the Fastify app (routes registered, not listening: call `listen` or use `inject`).
 * Fails with `invalid_argument` on a malformed token list.
 * @example const app = await createApi({ store, engine, tokens: [{ token: 's3cret-token', scopes: ['admin'], name: 'admin' }] });
 */
export async function createApi(options: ApiOptions): Promise<FastifyInstance> {
  const { store, engine } = options;
  const auth = new TokenAuthenticator(options.tokens);
  const openRead = options.openRead ?? true;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? 10 * 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false, verbose: true } },
  });
  installErrorHandlers(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Homeostat API',
        description: 'Telemetry ingest, digital twin, anomalies, predictions, incidents with root cause, decisions, actions and models.',
        version: '1',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });

  const guard = (scope: Scope): { onRequest?: onRequestHookHandler; security?: typeof BEARER } => {
    if (scope === 'read' && openRead) return {};
    return {
      onRequest: async (request) => {
        auth.require(request, scope);
      },
      security: BEARER,
    };
  };
  const read = guard('read');
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
  const tagged = (tag: string, summary: string) => ({ tags: [tag], summary, security: read.security });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness', response: { 200: HealthResponse } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: 200 once the engine is ready, else 503',
        response: { 200: HealthResponse, 503: HealthResponse },
      },
    },
    async (_request, reply) => (engine.ready() ? { status: 'ready' } : reply.status(503).send({ status: 'starting' })),
  );

  const ingest = guard('ingest');
  app.post(
    `${API_PREFIX}/ingest`,
    {
      onRequest: ingest.onRequest,
      schema: {
        tags: ['telemetry'],
        summary: 'Ingest JSON point batches: points as {t, v} or [t, v], t in epoch ms',
        security: ingest.security,
        body: IngestBodySchema,
        response: { 200: IngestResponse, ...errors },
      },
      validatorCompiler: () => (data: unknown) => {
        try {
          return { value: { series: parseIngestBody(data) } };
        } catch (err) {
          return { error: err as Error };
        }
      },
    },
    async (request) => {
      const body = request.body as { series: Parameters<EngineHandle['ingest']>[0] };
      const started = performance.now();
      const result = await engine.ingest(body.series);
      options.metrics?.observeIngest('json', (performance.now() - started) / 1000, result.accepted, result.rejected);
      return result;
    },
  );
  await registerTelemetryProtocols(app, {
    engine,
    ...(ingest.onRequest ? { onRequest: ingest.onRequest } : {}),
    ...(options.bodyLimitBytes !== undefined ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.telemetry ?? {}),
  });
  registerAlertmanagerWebhook(app, {
    engine,
    ...(ingest.onRequest ? { onRequest: ingest.onRequest } : {}),
    ...(options.alertFallbackEntity !== undefined ? { fallbackEntity: options.alertFallbackEntity } : {}),
  });
  if (options.metrics) {
    registerMetricsRoute(app, { metrics: options.metrics, ...(read.onRequest ? { onRequest: read.onRequest } : {}) });
  }

  app.get(`${API_PREFIX}/status`, { onRequest: read.onRequest, schema: tagged('engine', 'Engine status, counts and switches') }, async () =>
    engine.status(),
  );

  const operate = guard('operate');
  app.patch<{ Body: SwitchesBody }>(
    `${API_PREFIX}/switches`,
    {
      onRequest: operate.onRequest,
      schema: {
        tags: ['engine'],
        summary: 'Flip the kill switch or dry-run mode',
        security: operate.security,
        body: SwitchesBody,
        response: errors,
      },
    },
    async (request) => engine.setSwitches(request.body),
  );

  await registerRegistryRoutes(app, { store, clock: { now: () => engine.status().now }, read, operate, ...options.registry });
  if (options.knowledge) {
    registerKnowledgeRoutes(app, {
      knowledge: options.knowledge,
      store,
      read,
      operate,
      approver: (request) => auth.require(request, 'operate').name,
      now: () => engine.status().now,
    });
  }

  app.get(`${API_PREFIX}/twin`, { onRequest: read.onRequest, schema: tagged('twin', 'Entities, relations and live states') }, async () =>
    engine.twin(),
  );

  app.get<{ Params: IdParams }>(
    `${API_PREFIX}/twin/entities/:id`,
    {
      onRequest: read.onRequest,
      schema: {
        ...tagged('twin', 'One entity with its state, relations, series, anomalies and predictions'),
        params: IdParams,
        response: errors,
      },
    },
    async (request) => {
      const { id } = request.params;
      const twin = engine.twin();
      const entity = twin.entities.find((e) => e.id === id) ?? (await store.listEntities()).find((e) => e.id === id);
      if (!entity) throw notFound('entity', id);
      const relations = twin.relations.length > 0 ? twin.relations : await store.listRelations();
      return {
        entity,
        state: twin.states.find((s) => s.entityId === id) ?? null,
        relations: { out: relations.filter((r) => r.from === id), in: relations.filter((r) => r.to === id) },
        series: await store.listSeries({ entityId: id }),
        anomalies: await store.listAnomalies({ entityId: id, limit: 50 }),
        predictions: await store.listPredictions({ entityId: id, limit: 50 }),
      };
    },
  );

  app.get<{ Querystring: SeriesQuery }>(
    `${API_PREFIX}/series`,
    {
      onRequest: read.onRequest,
      schema: { ...tagged('telemetry', 'Series, by entity and/or metric'), querystring: SeriesQuery, response: errors },
    },
    async (request) => {
      const { entity, metric } = request.query;
      return { series: await store.listSeries({ ...(entity ? { entityId: entity } : {}), ...(metric ? { metric } : {}) }) };
    },
  );

  app.get<{ Params: IdParams; Querystring: PointsQuery }>(
    `${API_PREFIX}/series/:id/points`,
    {
      onRequest: read.onRequest,
      schema: {
        ...tagged('telemetry', 'Points of a series in [from, to); default the last 6 h of engine time'),
        params: IdParams,
        querystring: PointsQuery,
        response: errors,
      },
    },
    async (request) => {
      const { id } = request.params;
      const series = await store.getSeries(id);
      if (!series) throw notFound('series', id);
      const q = request.query;
      const toMs = q.to !== undefined ? parseTime('to', q.to) : engine.status().now + 1;
      const fromMs = q.from !== undefined ? parseTime('from', q.from) : toMs - DEFAULT_WINDOW_MS;
      if (fromMs >= toMs) throw invalid(`from must be before to (got from=${fromMs}, to=${toMs})`);
      const points = await store.readPoints(id, fromMs, toMs, q.limit ?? DEFAULT_POINTS_LIMIT);
      return { series, fromMs, toMs, points };
    },
  );

  app.get<{ Querystring: AnomaliesQuery }>(
    `${API_PREFIX}/anomalies`,
    {
      onRequest: read.onRequest,
      schema: { ...tagged('anomalies', 'Anomalies, newest first'), querystring: AnomaliesQuery, response: errors },
    },
    async (request) => {
      const q = request.query;
      const anomalies = await store.listAnomalies({
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.entity ? { entityId: q.entity } : {}),
        ...(q.series ? { seriesId: q.series } : {}),
        ...(q.incident ? { incidentId: q.incident } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...timeRange(q.from, q.to),
      });
      return { anomalies };
    },
  );

  app.get<{ Params: IdParams }>(
    `${API_PREFIX}/anomalies/:id`,
    { onRequest: read.onRequest, schema: { ...tagged('anomalies', 'One anomaly'), params: IdParams, response: errors } },
    async (request) => {
      const anomaly = await store.getAnomaly(request.params.id);
      if (!anomaly) throw notFound('anomaly', request.params.id);
      return anomaly;
    },
  );

  app.post<{ Params: IdParams; Body: AnomalyFeedbackBody }>(
    `${API_PREFIX}/anomalies/:id/feedback`,
    {
      onRequest: operate.onRequest,
      schema: {
        tags: ['anomalies'],
        summary: 'Label an anomaly as a true or false positive',
        security: operate.security,
        params: IdParams,
        body: AnomalyFeedbackBody,
        response: errors,
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await store.getAnomaly(id))) throw notFound('anomaly', id);
      const { label, note } = request.body;
      const feedback = await engine.feedback({
        subjectType: 'anomaly',
        subjectId: id,
        label,
        source: 'operator',
        ...(note ? { note } : {}),
      });
      return { feedback };
    },
  );

  app.get<{ Querystring: PredictionsQuery }>(
    `${API_PREFIX}/predictions`,
    {
      onRequest: read.onRequest,
      schema: { ...tagged('predictions', 'Predictions, newest first'), querystring: PredictionsQuery, response: errors },
    },
    async (request) => {
      const q = request.query;
      const predictions = await store.listPredictions({
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.entity ? { entityId: q.entity } : {}),
        ...(q.series ? { seriesId: q.series } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
      });
      return { predictions };
    },
  );

  app.get<{ Querystring: IncidentsQuery }>(
    `${API_PREFIX}/incidents`,
    {
      onRequest: read.onRequest,
      schema: { ...tagged('incidents', 'Incidents, newest first'), querystring: IncidentsQuery, response: errors },
    },
    async (request) => {
      const q = request.query;
      return { incidents: await store.listIncidents({ limit: q.limit ?? DEFAULT_LIMIT, ...(q.status ? { status: q.status } : {}) }) };
    },
  );

  app.get<{ Params: IdParams }>(
    `${API_PREFIX}/incidents/:id`,
    {
      onRequest: read.onRequest,
      schema: {
        ...tagged('incidents', 'An incident with its anomalies, decisions, actions and timeline'),
        params: IdParams,
        response: errors,
      },
    },
    async (request) => loadIncidentDetail(store, request.params.id),
  );

  app.post<{ Params: IdParams; Body: IncidentFeedbackBody }>(
    `${API_PREFIX}/incidents/:id/feedback`,
    {
      onRequest: operate.onRequest,
      schema: {
        tags: ['incidents'],
        summary: 'Confirm the root-cause entity of an incident',
        security: operate.security,
        params: IdParams,
        body: IncidentFeedbackBody,
        response: errors,
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await store.getIncident(id))) throw notFound('incident', id);
      const { rootCause, note } = request.body;
      const known = engine.twin().entities.some((e) => e.id === rootCause) || (await store.listEntities()).some((e) => e.id === rootCause);
      if (!known) throw invalid(`rootCause must be the id of a known entity (got ${describe(rootCause)})`);
      const feedback = await engine.feedback({
        subjectType: 'incident',
        subjectId: id,
        label: 'root_cause',
        value: rootCause,
        source: 'operator',
        ...(note ? { note } : {}),
      });
      return { feedback };
    },
  );

  app.get<{ Querystring: DecisionsQuery }>(
    `${API_PREFIX}/decisions`,
    {
      onRequest: read.onRequest,
      schema: { ...tagged('decisions', 'The decision log, newest first'), querystring: DecisionsQuery, response: errors },
    },
    async (request) => {
      const q = request.query;
      const decisions = await store.listDecisions({
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.subject ? { subject: q.subject } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
      });
      return { decisions };
    },
  );

  app.get<{ Querystring: ActionsQuery }>(
    `${API_PREFIX}/actions`,
    {
      onRequest: read.onRequest,
      schema: { ...tagged('actions', 'Heal actions, newest first'), querystring: ActionsQuery, response: errors },
    },
    async (request) => {
      const q = request.query;
      return { actions: await store.listActions({ limit: q.limit ?? DEFAULT_LIMIT, ...(q.incident ? { incidentId: q.incident } : {}) }) };
    },
  );

  app.get(
    `${API_PREFIX}/models`,
    { onRequest: read.onRequest, schema: tagged('models', 'Registered models with their versions (state omitted)') },
    async () => {
      const models = await store.listModels();
      const out = [];
      for (const m of models) {
        const versions = (await store.listModelVersions(m.name)).map(({ state: _state, ...rest }: ModelVersion) => rest);
        out.push({ ...m, versions });
      }
      return { models: out };
    },
  );

  registerStaticUi(app, options.uiDir);
  return app;
}

/**
 * Parses a time query parameter: epoch milliseconds (digits) or an ISO 8601 time.
 * Throws `invalid_argument` naming the parameter otherwise.
 */
export function parseTime(name: string, text: string): number {
  if (/^-?\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new HomeostatError(
      'invalid_argument',
      `${name} must be epoch milliseconds or an ISO 8601 time like 2024-05-01T12:00:00Z (got ${describe(text)})`,
    );
  }
  return ms;
}

function timeRange(from: string | undefined, to: string | undefined): { fromMs?: number; toMs?: number } {
  const range: { fromMs?: number; toMs?: number } = {};
  if (from !== undefined) range.fromMs = parseTime('from', from);
  if (to !== undefined) range.toMs = parseTime('to', to);
  if (range.fromMs !== undefined && range.toMs !== undefined && range.fromMs >= range.toMs) {
    throw invalid(`from must be before to (got from=${range.fromMs}, to=${range.toMs})`);
  }
  return range;
}
