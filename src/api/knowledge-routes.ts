/**
 * @module api/knowledge-routes
 * The knowledge base and runbooks over HTTP: text search of closed incidents, similar past
 * incidents of an incident (with the actions that fixed them and their success rates), runbook
 * drafts as JSON or Markdown, and their approval by a person (scope `operate`).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actionStatsOf, incidentQuery, type KnowledgeBase, type KnowledgeEntry, queryFeatures } from '../learn/knowledge-base.js';
import { approveRunbook } from '../learn/runbook.js';
import type { Anomaly, Runbook } from '../records/types.js';
import type { Store } from '../store/store.js';
import { notFound } from './errors.js';
import { ErrorResponse, IdParams } from './schemas.js';
import type { RouteGuard } from './route-guard.js';

export type { RouteGuard } from './route-guard.js';

/** The store methods these routes use. */
export type KnowledgeStore = Pick<
  Store,
  'getIncident' | 'getAnomaly' | 'listAnomalies' | 'listEntities' | 'getRunbook' | 'listRunbooks' | 'upsertRunbook'
>;

/** Options of {@link registerKnowledgeRoutes}. */
export interface KnowledgeRoutesOptions {
  /** The engine's current knowledge base (a function: it is rebuilt and replaced over time). */
  readonly knowledge: () => KnowledgeBase;
  readonly store: KnowledgeStore;
  readonly read: RouteGuard;
  readonly operate: RouteGuard;
  /** Who approves (recorded as `approvedBy`), e.g. the bearer token's name; default `api`. */
  readonly approver?: (request: FastifyRequest) => string;
  /** Current time (epoch ms) for `approvedAt`; default the wall clock. */
  readonly now?: () => number;
}

const Status = Type.Unsafe<Runbook['status']>({ type: 'string', enum: ['draft', 'approved', 'retired'] });

/** Query of `GET /api/v1/knowledge/search`. */
export const KnowledgeSearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'words to look for (BM25 over titles, root causes, signals, actions, notes)',
    }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'at most this many hits (default 10)' })),
  },
  { additionalProperties: false },
);
export type KnowledgeSearchQuery = Static<typeof KnowledgeSearchQuery>;

/** Query of `GET /api/v1/incidents/:id/similar`. */
export const SimilarQuery = Type.Object(
  { k: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'at most this many similar incidents (default 5)' })) },
  { additionalProperties: false },
);
export type SimilarQuery = Static<typeof SimilarQuery>;

/** Query of `GET /api/v1/runbooks`. */
export const RunbooksQuery = Type.Object({ status: Type.Optional(Status) }, { additionalProperties: false });
export type RunbooksQuery = Static<typeof RunbooksQuery>;

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const MAX_ANOMALIES = 1000;
const API = '/api/v1';

/**
 * Registers `GET /api/v1/knowledge/search`, `GET /api/v1/incidents/:id/similar`,
 * `GET /api/v1/runbooks`, `GET /api/v1/runbooks/:id` (JSON, or Markdown with
 * `Accept: text/markdown`) and `POST /api/v1/runbooks/:id/approve` (409 unless a draft).
 */
export function registerKnowledgeRoutes(app: FastifyInstance, options: KnowledgeRoutesOptions): void {
  const { store, read, operate } = options;
  const now = options.now ?? (() => Date.now());
  const tagged = (tag: string, summary: string) => ({ tags: [tag], summary, ...(read.security ? { security: read.security } : {}) });

  app.get<{ Querystring: KnowledgeSearchQuery }>(
    `${API}/knowledge/search`,
    {
      ...(read.onRequest ? { onRequest: read.onRequest } : {}),
      schema: { ...tagged('knowledge', 'Search closed incidents by text (BM25)'), querystring: KnowledgeSearchQuery, response: errors },
    },
    async (request) => {
      const { q, limit } = request.query;
      const hits = options.knowledge().search(q, limit ?? 10);
      return { query: q, results: hits.map((h) => ({ score: h.score, matched: h.matched, ...entrySummary(h.entry) })) };
    },
  );

  app.get<{ Params: IdParams; Querystring: SimilarQuery }>(
    `${API}/incidents/:id/similar`,
    {
      ...(read.onRequest ? { onRequest: read.onRequest } : {}),
      schema: {
        ...tagged('knowledge', 'Similar past incidents, the actions that fixed them and their success rates'),
        params: IdParams,
        querystring: SimilarQuery,
        response: errors,
      },
    },
    async (request) => {
      const { id } = request.params;
      const incident = await store.getIncident(id);
      if (!incident) throw notFound('incident', id);
      const kb = options.knowledge();
      const own = kb.get(id);
      const query = own
        ? {
            ...(own.rootCause ? { faultKind: own.rootCause.faultKind, rootEntityKind: own.rootCause.entityKind } : {}),
            signals: own.signals,
            excludeIncidentId: id,
          }
        : incidentQuery(incident, await incidentAnomalies(store, incident.id, incident.anomalyIds), await store.listEntities());
      const similar = kb.similar(query, request.query.k ?? 5);
      return {
        incidentId: id,
        features: queryFeatures(query),
        similar: similar.map((s) => ({ similarity: s.similarity, shared: s.shared, ...entrySummary(s.entry) })),
        actions: actionStatsOf(similar.map((s) => s.entry)),
      };
    },
  );

  app.get<{ Querystring: RunbooksQuery }>(
    `${API}/runbooks`,
    {
      ...(read.onRequest ? { onRequest: read.onRequest } : {}),
      schema: { ...tagged('runbooks', 'Runbooks drafted from resolved incidents'), querystring: RunbooksQuery, response: errors },
    },
    async (request) => {
      const { status } = request.query;
      const runbooks = await store.listRunbooks(status ? { status } : {});
      return { runbooks: [...runbooks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
    },
  );

  app.get<{ Params: IdParams }>(
    `${API}/runbooks/:id`,
    {
      ...(read.onRequest ? { onRequest: read.onRequest } : {}),
      schema: {
        ...tagged('runbooks', 'One runbook: JSON, or its Markdown with Accept: text/markdown'),
        params: IdParams,
        response: errors,
      },
    },
    async (request, reply) => {
      const runbook = await store.getRunbook(request.params.id);
      if (!runbook) throw notFound('runbook', request.params.id);
      if (prefersMarkdown(request.headers.accept)) return reply.type('text/markdown; charset=utf-8').send(runbook.markdown);
      return runbook;
    },
  );

  app.post<{ Params: IdParams }>(
    `${API}/runbooks/:id/approve`,
    {
      ...(operate.onRequest ? { onRequest: operate.onRequest } : {}),
      schema: {
        tags: ['runbooks'],
        summary: 'Approve a draft runbook (a revision replaces the approved runbook it sits beside)',
        ...(operate.security ? { security: operate.security } : {}),
        params: IdParams,
        response: { ...errors, 409: ErrorResponse },
      },
    },
    async (request) => {
      const runbook = await store.getRunbook(request.params.id);
      if (!runbook) throw notFound('runbook', request.params.id);
      const rows = approveRunbook(runbook, options.approver?.(request) ?? 'api', now());
      for (const r of rows) await store.upsertRunbook(r);
      return { runbook: rows[0] };
    },
  );
}

/** Whether an Accept header asks for Markdown before JSON. */
function prefersMarkdown(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.split(';')[0]?.trim().toLowerCase());
  const md = types.indexOf('text/markdown');
  const json = types.indexOf('application/json');
  return md >= 0 && (json < 0 || md < json);
}

async function incidentAnomalies(store: KnowledgeStore, incidentId: string, ids: readonly string[]): Promise<Anomaly[]> {
  const byId = new Map<string, Anomaly>();
  for (const a of await store.listAnomalies({ incidentId, limit: MAX_ANOMALIES })) byId.set(a.id, a);
  for (const id of ids) {
    if (byId.has(id)) continue;
    const a = await store.getAnomaly(id);
    if (a) byId.set(id, a);
  }
  return [...byId.values()].sort((a, b) => a.at - b.at);
}

/** What the API shows of an entry: the incident, its root cause and the actions with their result. */
function entrySummary(entry: KnowledgeEntry) {
  return {
    incidentId: entry.incidentId,
    title: entry.title,
    status: entry.status,
    closedAt: entry.closedAt,
    ...(entry.rootCause
      ? {
          rootCause: {
            entityId: entry.rootCause.entityId,
            faultKind: entry.rootCause.faultKind,
            entityKind: entry.rootCause.entityKind,
            confirmed: entry.rootCause.confirmed,
          },
        }
      : {}),
    actions: entry.actions.map((a) => ({
      kind: a.kind,
      target: a.target,
      result: a.result,
      ...(a.verifyMs !== undefined ? { verifyMs: a.verifyMs } : {}),
    })),
    ...(entry.resolution !== undefined ? { resolution: entry.resolution } : {}),
  };
}
