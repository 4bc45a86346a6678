import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';
import type { ApiToken } from './auth.js';
import { DEMO_NOW_MS, DEMO_START_MS, DemoEngine, seedDemoStore } from '../../test/fixtures/demo-fixture.js';
import { createApi } from './server.js';

const TOKENS: ApiToken[] = [
  { token: 'admin-token-123', scopes: ['admin'], name: 'admin' },
  { token: 'reader-token-123', scopes: ['read'], name: 'reader' },
  { token: 'ingest-token-123', scopes: ['ingest'], name: 'collector' },
  { token: 'operate-token-123', scopes: ['operate'], name: 'oncall' },
];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let store: Store;
let engine: DemoEngine;
let app: FastifyInstance;
let closedApp: FastifyInstance;
let uiDir: string;

beforeAll(async () => {
  store = await openSqliteStore(':memory:');
  await seedDemoStore(store);
  engine = new DemoEngine();
  uiDir = await mkdtemp(join(tmpdir(), 'homeostat-ui-'));
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Homeostat</title>');
  await writeFile(join(uiDir, 'app.js'), 'export {};');
  await writeFile(join(uiDir, 'style.css'), 'body{}');
  app = await createApi({ store, engine, tokens: TOKENS, uiDir });
  closedApp = await createApi({ store, engine, tokens: TOKENS, openRead: false });
});

afterAll(async () => {
  await app.close();
  await closedApp.close();
  await store.close();
  await rm(uiDir, { recursive: true, force: true });
});

describe('health', () => {
  it('answers liveness always and readiness from the engine', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    engine.isReady = false;
    const notReady = await app.inject({ url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    engine.isReady = true;
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
  });
});

describe('auth', () => {
  const ingestBody = { series: [{ metric: 'cpu_utilization', labels: { host: 'h1' }, points: [[DEMO_NOW_MS, 0.5]] }] };

  it('rejects a protected route without a token with 401 and WWW-Authenticate', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/ingest', payload: ingestBody });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json().error.code).toBe('unauthenticated');
  });

  it('rejects an unknown token with 401', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/ingest', payload: ingestBody, headers: bearer('nope-nope-nope') });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toBe('unknown bearer token');
  });

  it('answers 403 naming the scope when the token lacks it', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/ingest', payload: ingestBody, headers: bearer('reader-token-123') });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toEqual({
      code: 'permission_denied',
      message: 'token "reader" lacks scope "ingest" needed here (it has: read)',
    });
  });

  it('lets the ingest scope and admin ingest', async () => {
    for (const token of ['ingest-token-123', 'admin-token-123']) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/ingest', payload: ingestBody, headers: bearer(token) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
    }
  });

  it('guards switches with operate', async () => {
    const denied = await app.inject({
      method: 'PATCH',
      url: '/api/v1/switches',
      payload: { dryRun: true },
      headers: bearer('ingest-token-123'),
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toContain('"operate"');
    const ok = await app.inject({
      method: 'PATCH',
      url: '/api/v1/switches',
      payload: { dryRun: true },
      headers: bearer('operate-token-123'),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ killSwitch: false, dryRun: true });
    expect(engine.status().dryRun).toBe(true);
    engine.setSwitches({ dryRun: false });
  });

  it('leaves reads open by default and closes them with openRead: false', async () => {
    expect((await app.inject({ url: '/api/v1/incidents' })).statusCode).toBe(200);
    expect((await closedApp.inject({ url: '/api/v1/incidents' })).statusCode).toBe(401);
    expect((await closedApp.inject({ url: '/api/v1/incidents', headers: bearer('ingest-token-123') })).statusCode).toBe(403);
    expect((await closedApp.inject({ url: '/api/v1/incidents', headers: bearer('reader-token-123') })).statusCode).toBe(200);
    expect((await closedApp.inject({ url: '/api/v1/incidents', headers: bearer('admin-token-123') })).statusCode).toBe(200);
    expect((await closedApp.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('refuses a token list with a short token', async () => {
    await expect(createApi({ store, engine, tokens: [{ token: 'x', scopes: ['admin'], name: 'bad' }] })).rejects.toThrow(
      'tokens[0] (bad) must be a string of at least 8 characters',
    );
  });
});

describe('ingest', () => {
  const post = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/api/v1/ingest', payload: payload as object, headers: bearer('ingest-token-123') });

  it('normalises [t, v] pairs and {t, v} objects and passes entity and labels on', async () => {
    engine.ingested.length = 0;
    const res = await post({
      series: [
        { metric: 'cpu_utilization', labels: { host: 'h1' }, entity: 'host:h1', points: [[1000, 0.5], { t: 2000, v: 0.25 }] },
        { metric: 'up', points: [{ t: 1000, v: 1 }] },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 3, rejected: 0, errors: [] });
    expect(engine.ingested[0]).toEqual([
      {
        metric: 'cpu_utilization',
        labels: { host: 'h1' },
        entity: 'host:h1',
        points: [
          { t: 1000, v: 0.5 },
          { t: 2000, v: 0.25 },
        ],
      },
      { metric: 'up', labels: {}, points: [{ t: 1000, v: 1 }] },
    ]);
  });

  it('names the field, the expectation and the value received', async () => {
    const cases: [unknown, string][] = [
      [{}, 'body.series must be a non-empty array of series (got undefined)'],
      [{ series: [{ metric: 'cpu', points: [[1000, 'high']] }] }, 'series[0].points[0][1] must be a finite number (got "high")'],
      [
        { series: [{ metric: 'cpu', points: [{ t: 'noon', v: 1 }] }] },
        'series[0].points[0].t must be a time in epoch milliseconds (got "noon")',
      ],
      [
        { series: [{ metric: '9cpu', points: [[1, 1]] }] },
        'series[0].metric must be a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]* (got "9cpu")',
      ],
      [{ series: [{ metric: 'cpu', labels: { host: 3 }, points: [[1, 1]] }] }, 'series[0].labels.host must be a string (got 3)'],
      [
        { series: [{ metric: 'cpu', points: [] }] },
        'series[0].points must be a non-empty array of {t, v} objects or [t, v] pairs (got an array of 0)',
      ],
      [{ series: [{ metric: 'cpu', points: [[1, 2, 3]] }] }, 'series[0].points[0] must be a [t, v] pair (got an array of 3)'],
      [
        { series: [{ metric: 'cpu', value: 1, points: [[1, 1]] }] },
        'series[0] has unknown field "value" (expected metric, labels, entity, points)',
      ],
    ];
    for (const [payload, message] of cases) {
      const res = await post(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'invalid_argument', message } });
    }
  });

  it('lists several problems at once', async () => {
    const res = await post({
      series: [
        {
          metric: 'cpu',
          points: [
            [1, 'a'],
            [-5, 1],
          ],
        },
      ],
    });
    expect(res.json().error.message).toBe(
      'series[0].points[0][1] must be a finite number (got "a"); series[0].points[1][0] must be a time in epoch milliseconds (got -5)',
    );
  });

  it('rejects malformed JSON with 400 and a non-JSON content type with 415', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      payload: '{"series": [',
      headers: { ...bearer('ingest-token-123'), 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_argument');
    const csv = await app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      payload: 'timestamp,metric,value\n1,cpu,1',
      headers: { ...bearer('ingest-token-123'), 'content-type': 'text/csv' },
    });
    expect(csv.statusCode).toBe(415);
  });
});

describe('records', () => {
  it('returns the incident detail with anomalies, decisions, actions and a time-ordered timeline', async () => {
    const res = await app.inject({ url: '/api/v1/incidents/inc-1' });
    expect(res.statusCode).toBe(200);
    const detail = res.json();
    expect(detail.incident.id).toBe('inc-1');
    expect(detail.incident.hypotheses[0].entityId).toBe('service:payments');
    expect(detail.anomalies.map((a: { id: string }) => a.id)).toEqual(['an-1', 'an-2', 'an-3']);
    expect(detail.decisions.map((d: { id: string }) => d.id)).toEqual(['d-1', 'd-2', 'd-3', 'd-4']);
    expect(detail.actions.map((a: { id: string }) => a.id)).toEqual(['act-1']);
    const kinds = detail.timeline.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual([
      'anomaly',
      'decision',
      'incident',
      'decision',
      'anomaly',
      'anomaly',
      'decision',
      'action',
      'action',
      'decision',
      'action',
      'incident',
    ]);
    const times = detail.timeline.map((e: { at: number }) => e.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(detail.timeline[2].text).toBe('Incident opened: Memory leak on payments slows checkout (high)');
    expect(detail.timeline[8].text).toBe('Executed restart on service:payments: restarted 3 replicas');
    expect(detail.timeline.at(-1).text).toBe('Incident resolved: restart of payments verified: memory and latency recovered');
  });

  it('answers 404 naming unknown ids', async () => {
    for (const [url, message] of [
      ['/api/v1/incidents/inc-404', 'incident "inc-404" not found'],
      ['/api/v1/anomalies/an-404', 'anomaly "an-404" not found'],
      ['/api/v1/twin/entities/host:nowhere', 'entity "host:nowhere" not found'],
      ['/api/v1/series/s-404/points', 'series "s-404" not found'],
    ] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message } });
    }
    const route = await app.inject({ url: '/api/v1/nothing' });
    expect(route.statusCode).toBe(404);
    expect(route.json().error.message).toBe('no route GET /api/v1/nothing');
  });

  it('filters lists and validates query parameters', async () => {
    const open = (await app.inject({ url: '/api/v1/incidents?status=escalated' })).json();
    expect(open.incidents.map((i: { id: string }) => i.id)).toEqual(['inc-2']);
    const anomalies = (await app.inject({ url: '/api/v1/anomalies?entity=service:payments' })).json();
    expect(anomalies.anomalies.map((a: { id: string }) => a.id).sort()).toEqual(['an-1', 'an-2']);
    const demand = (await app.inject({ url: '/api/v1/predictions?kind=demand' })).json();
    expect(demand.predictions.map((p: { id: string }) => p.id)).toEqual(['pr-demand']);
    const acts = (await app.inject({ url: '/api/v1/decisions?kind=act' })).json();
    expect(acts.decisions.map((d: { id: string }) => d.id)).toEqual(['d-3']);
    const actions = (await app.inject({ url: '/api/v1/actions?incident=inc-1' })).json();
    expect(actions.actions).toHaveLength(1);

    const badStatus = await app.inject({ url: '/api/v1/incidents?status=burning' });
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().error.message).toBe(
      'querystring.status must be one of "open", "remediating", "verifying", "resolved", "escalated" (got "burning")',
    );
    const badLimit = await app.inject({ url: '/api/v1/anomalies?limit=0' });
    expect(badLimit.json().error.message).toBe('querystring.limit must be >= 1 (got 0)');
    const unknown = await app.inject({ url: '/api/v1/series?host=h1' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toBe('querystring has unknown field "host" (expected only entity, metric)');
    const badTime = await app.inject({ url: '/api/v1/anomalies?from=yesterday' });
    expect(badTime.json().error.message).toBe(
      'from must be epoch milliseconds or an ISO 8601 time like 2024-05-01T12:00:00Z (got "yesterday")',
    );
  });

  it('reads points in the last 6 h of engine time by default, or in a given ISO or epoch range', async () => {
    const all = (await app.inject({ url: '/api/v1/series/s-co-rps/points' })).json();
    expect(all.toMs).toBe(DEMO_NOW_MS + 1);
    expect(all.fromMs).toBe(DEMO_NOW_MS + 1 - 6 * 3_600_000);
    expect(all.points).toHaveLength(360);
    expect(all.series.metric).toBe('request_rate');
    const from = new Date(DEMO_START_MS).toISOString();
    const some = (await app.inject({ url: `/api/v1/series/s-co-rps/points?from=${from}&to=${DEMO_START_MS + 3 * 60_000}` })).json();
    expect(some.points.map((p: { t: number }) => p.t)).toEqual([DEMO_START_MS, DEMO_START_MS + 60_000, DEMO_START_MS + 120_000]);
    expect(some.points[0].v).toBe(800);
  });

  it('shows an entity with its state, relations, series, anomalies and predictions', async () => {
    const res = await app.inject({ url: '/api/v1/twin/entities/service:payments' });
    const body = res.json();
    expect(body.entity.name).toBe('payments');
    expect(body.state.health).toBe('healthy');
    expect(body.relations.in).toEqual([{ from: 'service:checkout', to: 'service:payments', kind: 'depends_on' }]);
    expect(body.relations.out.map((r: { to: string }) => r.to).sort()).toEqual(['database:orders', 'host:h2']);
    expect(body.series.map((s: { id: string }) => s.id).sort()).toEqual(['s-pay-lat', 's-pay-mem']);
    expect(body.predictions.map((p: { id: string }) => p.id)).toEqual(['pr-risk']);
  });

  it('lists models with versions but without their state', async () => {
    const body = (await app.inject({ url: '/api/v1/models' })).json();
    expect(body.models).toHaveLength(1);
    expect(body.models[0].versions[0]).toMatchObject({ version: 1, stage: 'champion', metrics: { precision: 0.9 } });
    expect(body.models[0].versions[0].state).toBeUndefined();
  });
});

describe('feedback', () => {
  it('records anomaly labels through the engine', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/anomalies/an-4/feedback',
      payload: { label: 'false_positive', note: 'planned backup' },
      headers: bearer('operate-token-123'),
    });
    expect(res.statusCode).toBe(200);
    expect(engine.feedbacks.at(-1)).toMatchObject({
      subjectType: 'anomaly',
      subjectId: 'an-4',
      label: 'false_positive',
      source: 'operator',
      note: 'planned backup',
    });
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/anomalies/an-4/feedback',
      payload: { label: 'maybe' },
      headers: bearer('operate-token-123'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('body.label must be one of "true_positive", "false_positive" (got "maybe")');
  });

  it('records a confirmed root cause and rejects an unknown entity', async () => {
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/incidents/inc-2/feedback',
      payload: { rootCause: 'host:h3' },
      headers: bearer('admin-token-123'),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().feedback).toMatchObject({ subjectType: 'incident', subjectId: 'inc-2', label: 'root_cause', value: 'host:h3' });
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/incidents/inc-2/feedback',
      payload: { rootCause: 'host:h9' },
      headers: bearer('admin-token-123'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('rootCause must be the id of a known entity (got "host:h9")');
    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/incidents/inc-9/feedback',
      payload: { rootCause: 'host:h3' },
      headers: bearer('admin-token-123'),
    });
    expect(missing.statusCode).toBe(404);
  });
});

describe('openapi and ui', () => {
  it('documents every route with the bearer scheme', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    for (const path of [
      '/healthz',
      '/readyz',
      '/api/v1/ingest',
      '/api/v1/incidents/{id}',
      '/api/v1/series/{id}/points',
      '/api/v1/models',
      '/api/v1/switches',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/api/v1/ingest'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/v1/incidents'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['limit', 'status']);
    expect(doc.paths['/']).toBeUndefined();
  });

  it('serves the built UI with content types, and a 503 page when it is not built', async () => {
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    const js = await app.inject({ url: '/ui/app.js' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('export {};');
    expect((await app.inject({ url: '/ui/style.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await app.inject({ url: '/ui/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/ui/..%2Fsecret.js' })).statusCode).toBe(404);
    const none = await closedApp.inject({ url: '/' });
    expect(none.statusCode).toBe(503);
    expect(none.body).toContain('npm run build');
  });
});
