import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseRecords, casesRecords, LEAK_CASES } from '../../test/fixtures/knowledge-fixture.js';
import { HomeostatError } from '../errors.js';
import { KnowledgeBase } from '../learn/knowledge-base.js';
import { REVISION_SUFFIX, regenerateRunbooks, runbookId } from '../learn/runbook.js';
import type { Anomaly, Incident, Runbook } from '../records/types.js';
import { installErrorHandlers } from './errors.js';
import { type KnowledgeStore, registerKnowledgeRoutes } from './knowledge-routes.js';

const NOW = Date.UTC(2024, 5, 1);
const RB = runbookId('memory_leak', 'service');

/** The store methods the routes use, over arrays. */
function memoryStore(incidents: readonly Incident[], anomalies: readonly Anomaly[]): KnowledgeStore & { runbooks: Map<string, Runbook> } {
  const runbooks = new Map<string, Runbook>();
  return {
    runbooks,
    async getIncident(id) {
      return incidents.find((i) => i.id === id);
    },
    async getAnomaly(id) {
      return anomalies.find((a) => a.id === id);
    },
    async listAnomalies(filter) {
      return anomalies.filter((a) => filter?.incidentId === undefined || a.incidentId === filter.incidentId);
    },
    async listEntities() {
      return [];
    },
    async getRunbook(id) {
      return runbooks.get(id);
    },
    async listRunbooks(filter) {
      return [...runbooks.values()].filter((r) => filter?.status === undefined || r.status === filter.status);
    },
    async upsertRunbook(r) {
      runbooks.set(r.id, r);
    },
  };
}

const closed = casesRecords(LEAK_CASES);
// An open incident that looks like the leaks, with one anomaly linked only through anomalyIds.
const open = caseRecords({
  id: 'live-1',
  at: 9000,
  fault: 'memory_leak',
  root: 'service:payments',
  signals: [
    ['service:payments', 'memory_utilization', 'up', 0],
    ['service:checkout', 'latency_p99_ms', 'up', 4],
  ],
});
const liveIncident: Incident = { ...(open.incidents[0] as Incident), status: 'open' };
const liveAnomalies = open.anomalies.map((a, i) => (i === 1 ? { ...a, incidentId: undefined } : a)) as Anomaly[];

let app: FastifyInstance;
let store: ReturnType<typeof memoryStore>;
let kb: KnowledgeBase;

beforeAll(async () => {
  kb = KnowledgeBase.build(closed);
  store = memoryStore([...closed.incidents, liveIncident], [...closed.anomalies, ...liveAnomalies]);
  await regenerateRunbooks(kb, store, { now: NOW });
  app = Fastify();
  installErrorHandlers(app);
  registerKnowledgeRoutes(app, {
    knowledge: () => kb,
    store,
    read: {},
    operate: {
      onRequest: async (request) => {
        if (request.headers.authorization !== 'Bearer op') throw new HomeostatError('permission_denied', 'needs scope "operate"');
      },
      security: [{ bearerAuth: [] }],
    },
    approver: () => 'oncall',
    now: () => NOW + 60_000,
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe('knowledge search', () => {
  it('finds closed incidents by text with scores and matched terms', async () => {
    const res = await app.inject({ url: '/api/v1/knowledge/search?q=rollback%20payments&limit=5' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.query).toBe('rollback payments');
    expect(body.results[0]).toMatchObject({
      incidentId: 'leak-3',
      matched: ['payments', 'rollback'],
      rootCause: { entityId: 'service:payments', faultKind: 'memory_leak', entityKind: 'service', confirmed: false },
      actions: [
        { kind: 'restart', result: 'failed', verifyMs: 12 * 60_000 },
        { kind: 'rollback', result: 'worked', verifyMs: 20 * 60_000 },
      ],
    });
    expect(body.results[0].score).toBeGreaterThan(body.results[1].score);
  });

  it('answers 400 without a query', async () => {
    const res = await app.inject({ url: '/api/v1/knowledge/search' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('querystring is missing required field "q"');
  });
});

describe('similar incidents', () => {
  it('ranks past incidents for an open one, with the actions that fixed them and their success rates', async () => {
    const res = await app.inject({ url: '/api/v1/incidents/live-1/similar?k=2' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.features).toEqual([
      'fault:memory_leak',
      'root:service',
      'signal:service:latency_p99_ms:up',
      'signal:service:memory_utilization:up',
    ]);
    // leak-1 and leak-2 share everything (7/7); leak-3 lacks latency (6/7).
    expect(body.similar.map((s: { incidentId: string; similarity: number }) => [s.incidentId, s.similarity])).toEqual([
      ['leak-2', 1],
      ['leak-1', 1],
    ]);
    expect(body.actions).toEqual([
      {
        kind: 'restart',
        attempts: 2,
        successes: 2,
        successRate: 1,
        interval: { lower: expect.closeTo(0.34238, 5), upper: 1 },
        medianVerifyMs: 12 * 60_000,
        incidentIds: ['leak-1', 'leak-2'],
      },
    ]);
  });

  it('leaves a closed incident out of its own answer, and 404s an unknown one', async () => {
    const res = await app.inject({ url: '/api/v1/incidents/leak-3/similar' });
    // Both share 6 of 7 weight units with leak-3; the tie goes to the more recently closed.
    expect(res.json().similar.map((s: { incidentId: string }) => s.incidentId)).toEqual(['leak-2', 'leak-1']);
    const missing = await app.inject({ url: '/api/v1/incidents/nope/similar' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toEqual({ code: 'not_found', message: 'incident "nope" not found' });
    expect((await app.inject({ url: '/api/v1/incidents/live-1/similar?k=0' })).statusCode).toBe(400);
  });
});

describe('runbooks', () => {
  it('lists runbooks by status and serves one as JSON or Markdown', async () => {
    const all = (await app.inject({ url: '/api/v1/runbooks' })).json();
    expect(all.runbooks.map((r: Runbook) => [r.id, r.status])).toEqual([[RB, 'draft']]);
    expect((await app.inject({ url: '/api/v1/runbooks?status=approved' })).json()).toEqual({ runbooks: [] });
    expect((await app.inject({ url: '/api/v1/runbooks?status=bogus' })).statusCode).toBe(400);

    const json = await app.inject({ url: `/api/v1/runbooks/${RB}` });
    expect(json.headers['content-type']).toContain('application/json');
    expect(json.json()).toMatchObject({ id: RB, faultKind: 'memory_leak', status: 'draft' });
    const md = await app.inject({ url: `/api/v1/runbooks/${RB}`, headers: { accept: 'text/markdown' } });
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.body).toBe(store.runbooks.get(RB)?.markdown);
    expect(md.body.startsWith('# Runbook: memory_leak on a service')).toBe(true);
    expect((await app.inject({ url: '/api/v1/runbooks/rb-none' })).statusCode).toBe(404);
  });

  it('approves a draft with scope operate, records who and when, and answers 409 the second time', async () => {
    const denied = await app.inject({ method: 'POST', url: `/api/v1/runbooks/${RB}/approve` });
    expect(denied.statusCode).toBe(403);
    const ok = await app.inject({ method: 'POST', url: `/api/v1/runbooks/${RB}/approve`, headers: { authorization: 'Bearer op' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().runbook).toMatchObject({ id: RB, status: 'approved', approvedBy: 'oncall', approvedAt: NOW + 60_000 });
    expect(store.runbooks.get(RB)?.status).toBe('approved');
    const again = await app.inject({ method: 'POST', url: `/api/v1/runbooks/${RB}/approve`, headers: { authorization: 'Bearer op' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toEqual({ code: 'conflict', message: `runbook "${RB}" is approved, only a draft can be approved` });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/v1/runbooks/${RB}${REVISION_SUFFIX}/approve`,
          headers: { authorization: 'Bearer op' },
        })
      ).statusCode,
    ).toBe(404);
  });
});
