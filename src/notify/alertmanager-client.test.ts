import { afterEach, describe, expect, it } from 'vitest';
import { type HttpReceiver, startReceiver } from '../../test/fixtures/http-receiver.js';
import type { EngineEvent } from '../bus/events.js';
import type { Anomaly, Incident, Prediction } from '../records/types.js';
import { AlertmanagerClient, type PostableAlert } from './alertmanager-client.js';
import type { NotifyMessage } from './types.js';

const receivers: HttpReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

const anomaly: Anomaly = {
  id: 'an-1',
  seriesId: 's-9',
  entityId: 'service:checkout',
  metric: 'latency_p99_ms',
  at: T0,
  score: 6.1,
  confidence: 0.97,
  expected: 120,
  actual: 480,
  direction: 'up',
  model: { kind: 'detector/robust-seasonal', version: '1' },
  contributors: [],
  explanation: 'latency_p99_ms on service:checkout is 480, above the expected 120 by 6.1σ for 2 points',
  status: 'open',
};

const incident: Incident = {
  id: 'inc-1',
  title: 'latency_p99_ms high on service:checkout',
  status: 'open',
  severity: 'high',
  openedAt: T0,
  updatedAt: T0,
  entities: ['service:checkout'],
  anomalyIds: ['an-1'],
  predictionIds: [],
  hypotheses: [],
};

function client(url: string): AlertmanagerClient {
  return new AlertmanagerClient({
    url,
    baseUrl: 'http://homeostat.test:8080/',
    runbookUrl: 'https://runbooks.example/homeostat/',
    labels: { cluster: 'prod' },
  });
}

function alertsOf(m: NotifyMessage | undefined): PostableAlert[] {
  if (m === undefined) throw new Error('expected a message');
  return m.body as PostableAlert[];
}

describe('AlertmanagerClient', () => {
  it('posts an opened incident as a postableAlert to /api/v2/alerts', async () => {
    const rx = await startReceiver();
    receivers.push(rx);
    const am = client(rx.url);
    const now = T0 + 30_000;
    const [m] = am.messagesFor({ type: 'incident.opened', entity: 'service:checkout', incident }, now);
    expect(m?.dedupKey).toBe('incident:inc-1:open');
    if (m === undefined) throw new Error('no message');
    expect(await am.send(m, now)).toEqual({ ok: true, status: 200, body: '' });
    const req = rx.received[0];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/api/v2/alerts');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual([
      {
        labels: {
          cluster: 'prod',
          alertname: 'HomeostatIncident',
          severity: 'critical',
          entity: 'service:checkout',
          entity_kind: 'service',
          incident: 'inc-1',
        },
        annotations: {
          summary: 'latency_p99_ms high on service:checkout',
          description: 'open: 1 entities, 1 anomalies',
          status: 'open',
          runbook_url: 'https://runbooks.example/homeostat/inc-1',
        },
        startsAt: '2024-01-15T10:00:00.000Z',
        endsAt: '2024-01-15T10:05:30.000Z',
        generatorURL: 'http://homeostat.test:8080/#/incidents/inc-1',
      },
    ]);
  });

  it('maps an anomaly, keeps labels stable, and resolves it with its incident', () => {
    const am = client('http://am.test:9093');
    const [a] = am.messagesFor({ type: 'anomaly.raised', entity: 'service:checkout', anomaly }, T0);
    const [alert] = alertsOf(a);
    expect(alert?.labels).toEqual({
      cluster: 'prod',
      alertname: 'HomeostatAnomaly',
      severity: 'warning',
      entity: 'service:checkout',
      entity_kind: 'service',
      metric: 'latency_p99_ms',
    });
    expect(alert?.annotations).toMatchObject({ confidence: '0.970', expected: '120', actual: '480', anomaly_id: 'an-1' });
    expect(alert?.generatorURL).toBe('http://homeostat.test:8080/#/entities/service%3Acheckout');
    am.messagesFor({ type: 'incident.opened', entity: 'service:checkout', incident }, T0 + 1000);
    expect(am.activeCount).toBe(2);
    am.messagesFor(
      {
        type: 'rca.ranked',
        entity: 'service:checkout',
        incidentId: 'inc-1',
        hypotheses: [
          {
            entityId: 'database:orders',
            faultKind: 'cpu_hog',
            confidence: 0.82,
            score: 3,
            evidence: ['cpu at 98 %'],
            path: [],
            contributors: [],
          },
        ],
      },
      T0 + 2000,
    );
    // Resolution: the incident's severity has dropped, but its alert keeps the labels it fired with.
    const resolved: Incident = {
      ...incident,
      severity: 'low',
      status: 'resolved',
      resolvedAt: T0 + 600_000,
      updatedAt: T0 + 600_000,
      resolution: 'remediated',
    };
    const [r] = am.messagesFor({ type: 'incident.resolved', entity: 'database:orders', incident: resolved }, T0 + 601_000);
    expect(r?.dedupKey).toBe('incident:inc-1:resolved');
    const ended = alertsOf(r);
    expect(ended.map((x) => [x.labels.alertname, x.labels.severity, x.endsAt])).toEqual([
      ['HomeostatIncident', 'critical', iso(T0 + 600_000)],
      ['HomeostatAnomaly', 'warning', iso(T0 + 600_000)],
    ]);
    expect(ended[0]?.labels.entity).toBe('service:checkout');
    expect(ended[0]?.annotations).toMatchObject({
      status: 'resolved',
      root_cause: 'cpu_hog on database:orders',
      confidence: '0.820',
      evidence: 'cpu at 98 %',
    });
    expect(am.activeCount).toBe(0);
  });

  it('re-sends firing alerts with a fresh endsAt until they go stale', () => {
    const am = new AlertmanagerClient({ url: 'http://am.test:9093', baseUrl: 'http://h.test', firingTtlMs: 60_000, staleAfterMs: 600_000 });
    am.messagesFor({ type: 'anomaly.raised', entity: 'service:checkout', anomaly }, T0);
    const again = am.resend(T0 + 120_000);
    expect(again).toHaveLength(1);
    expect(again[0]?.dedupKey).toBeUndefined();
    expect(alertsOf(again[0]).map((x) => [x.startsAt, x.endsAt])).toEqual([[iso(T0), iso(T0 + 180_000)]]);
    expect(am.resend(T0 + 600_001)).toEqual([]);
    expect(am.activeCount).toBe(0);
  });

  it('labels an alerting failure prediction with its horizon and probability', () => {
    const p: Prediction = {
      id: 'pr-1',
      kind: 'failure_risk',
      entityId: 'host:h-3',
      at: T0,
      horizonMs: 6 * 3600_000,
      model: { kind: 'risk/failure-heuristic', version: '1' },
      value: 0.93,
      confidence: 0.8,
      explanation: [
        { name: 'memory slope', weight: 0.6 },
        { name: 'ecc errors', weight: 0.3 },
      ],
      summary: 'host:h-3 may fail within 6 h (93 %)',
    };
    const e: EngineEvent = { type: 'prediction.made', entity: 'host:h-3', prediction: p };
    const [alert] = alertsOf(new AlertmanagerClient({ url: 'http://am.test', baseUrl: 'http://h.test' }).messagesFor(e, T0)[0]);
    expect(alert?.labels).toEqual({
      alertname: 'HomeostatFailureRisk',
      severity: 'critical',
      entity: 'host:h-3',
      entity_kind: 'host',
      horizon: '6h',
    });
    expect(alert?.annotations).toEqual({
      summary: 'host:h-3 may fail within 6 h (93 %)',
      description: 'main factors: memory slope, ecc errors',
      confidence: '0.800',
      probability: '0.930',
      prediction_id: 'pr-1',
    });
  });

  it('reports a 400 as final, with what Alertmanager said', async () => {
    const rx = await startReceiver(() => ({ status: 400, body: '"start time must be before end time"' }));
    receivers.push(rx);
    const am = client(rx.url);
    const [m] = am.messagesFor({ type: 'incident.opened', entity: 'service:checkout', incident }, T0);
    if (m === undefined) throw new Error('no message');
    const res = await am.send(m, T0);
    expect(res).toEqual({
      ok: false,
      retry: false,
      status: 400,
      error: `POST ${rx.url}/api/v2/alerts: HTTP 400: "start time must be before end time"`,
    });
  });
});
