import { afterEach, describe, expect, it } from 'vitest';
import { type HttpReceiver, type ReceivedRequest, startReceiver } from '../../test/fixtures/http-receiver.js';
import type { EngineEvent } from '../bus/events.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { ManualClock } from '../clock.js';
import type { Action, Hypothesis, Incident } from '../records/types.js';
import { Notifier } from './notifier.js';
import { PagerDutyClient, type PagerDutyOptions } from './pagerduty-client.js';

const receivers: HttpReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const KEY = 'R0123456789abcdef0123456789abcde';
const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);

const top: Hypothesis = {
  entityId: 'database:orders',
  faultKind: 'cpu_hog',
  confidence: 0.412,
  score: 2.5,
  evidence: ['cpu_utilization on database:orders rose first', 'service:checkout depends on database:orders'],
  path: ['database:orders', 'service:checkout'],
  contributors: [],
};

const incident: Incident = {
  id: 'inc-1',
  title: 'latency_p99_ms high on service:checkout',
  status: 'open',
  severity: 'high',
  openedAt: T0,
  updatedAt: T0,
  entities: ['service:checkout', 'database:orders'],
  anomalyIds: ['an-1', 'an-2'],
  predictionIds: [],
  hypotheses: [],
};

const escalated: Incident = {
  ...incident,
  status: 'escalated',
  updatedAt: T0 + 600_000,
  hypotheses: [top],
  resolution: 'escalated to a person: top hypothesis confidence 0.41 is below 0.6',
};

const action: Action = {
  id: 'act-1',
  incidentId: 'inc-1',
  kind: 'restart',
  target: 'database:orders',
  params: {},
  executor: 'simulator',
  status: 'executed',
  dryRun: false,
  reason: 'cpu_hog on database:orders (82 %)',
  policy: 'restart-cpu-hog',
  proposedAt: T0 + 200_000,
  executedAt: T0 + 200_000,
  outcome: { ok: true, message: 'restarted' },
};

const ev = {
  opened: { type: 'incident.opened', entity: 'service:checkout', incident } as EngineEvent,
  escalated: { type: 'incident.escalated', entity: 'database:orders', incident: escalated } as EngineEvent,
  executed: { type: 'action.executed', entity: 'database:orders', action } as EngineEvent,
  resolved: {
    type: 'incident.resolved',
    entity: 'database:orders',
    incident: { ...incident, status: 'resolved', resolvedAt: T0 + 900_000, updatedAt: T0 + 900_000 },
  } as EngineEvent,
};

function setup(rx: HttpReceiver, extra: Partial<PagerDutyOptions> = {}) {
  const delays: number[] = [];
  const log: string[] = [];
  const pd = new PagerDutyClient({ routingKey: KEY, baseUrl: 'http://homeostat.test:8080', url: `${rx.url}/v2/enqueue`, ...extra });
  const notifier = new Notifier([pd], {
    clock: new ManualClock(T0 + 601_000),
    random: () => 0.5,
    sleep: async (ms) => void delays.push(ms),
    resendEveryMs: 0,
    log: (l) => void log.push(l),
  });
  return { notifier, delays, log };
}

const body = (r: ReceivedRequest | undefined): Record<string, unknown> => JSON.parse(r?.body ?? 'null') as Record<string, unknown>;
const accepted = {
  status: 202,
  headers: { 'content-type': 'application/json' },
  body: '{"status":"success","message":"Event processed","dedup_key":"x"}',
};

describe('PagerDutyClient', () => {
  it('triggers on escalation with the exact Events API v2 body', async () => {
    const rx = await startReceiver(() => accepted);
    receivers.push(rx);
    const { notifier } = setup(rx);
    notifier.notify(ev.opened);
    notifier.notify(ev.escalated);
    await notifier.flush();
    expect(rx.received).toHaveLength(1);
    const req = rx.received[0];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v2/enqueue');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(body(req)).toEqual({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: 'homeostat-inc-1',
      payload: {
        summary: 'Escalated: latency_p99_ms high on service:checkout — likely cpu_hog on database:orders (41 %)',
        source: 'database:orders',
        severity: 'error',
        timestamp: '2024-01-15T10:10:00.000Z',
        component: 'database:orders',
        group: 'database',
        class: 'cpu_hog',
        custom_details: {
          incident_id: 'inc-1',
          status: 'escalated',
          severity: 'high',
          reason: 'escalated to a person: top hypothesis confidence 0.41 is below 0.6',
          root_cause: { entity: 'database:orders', fault_kind: 'cpu_hog', confidence: 0.412, path: 'database:orders → service:checkout' },
          confidence: 0.412,
          evidence: ['cpu_utilization on database:orders rose first', 'service:checkout depends on database:orders'],
          other_hypotheses: [],
          recommendation: 'investigate cpu_hog on database:orders',
          actions: [],
          entities: ['service:checkout', 'database:orders'],
          anomalies: 2,
          opened_at: '2024-01-15T10:00:00.000Z',
        },
      },
      links: [{ href: 'http://homeostat.test:8080/#/incidents/inc-1', text: 'Homeostat incident inc-1' }],
      client: 'Homeostat',
      client_url: 'http://homeostat.test:8080',
    });
    expect(notifier.stats().pagerduty).toMatchObject({ sent: 1, failed: 0 });
  });

  it('triggers on open, acknowledges on remediation, re-triggers an escalation apart, resolves both', async () => {
    const rx = await startReceiver(() => accepted);
    receivers.push(rx);
    const { notifier } = setup(rx, { triggerOn: ['opened', 'escalated'] });
    for (const e of [ev.opened, ev.executed, ev.escalated, ev.escalated, ev.resolved]) notifier.notify(e);
    await notifier.flush();
    expect(rx.received.map((r) => `${body(r).event_action} ${body(r).dedup_key}`)).toEqual([
      'trigger homeostat-inc-1',
      'acknowledge homeostat-inc-1',
      'trigger homeostat-inc-1-escalated',
      'resolve homeostat-inc-1',
      'resolve homeostat-inc-1-escalated',
    ]);
    expect(body(rx.received[3])).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: 'homeostat-inc-1' });
    const details = (body(rx.received[2]).payload as { custom_details: Record<string, unknown> }).custom_details;
    expect(details.actions).toEqual([
      { kind: 'restart', target: 'database:orders', status: 'executed', dry_run: false, outcome: 'restarted' },
    ]);
    expect(details.recommendation).toBe('restart database:orders: cpu_hog on database:orders (82 %)');
    expect(notifier.stats().pagerduty).toMatchObject({ sent: 5, deduplicated: 1 });
  });

  it('retries 429 and 503 with backoff (Retry-After honoured) and then succeeds', async () => {
    const answers = [{ status: 429, headers: { 'retry-after': '2' } }, { status: 503 }, accepted];
    const rx = await startReceiver((_r, n) => answers[n - 1] ?? accepted);
    receivers.push(rx);
    const { notifier, delays } = setup(rx);
    notifier.notify(ev.escalated);
    await notifier.flush();
    expect(rx.received).toHaveLength(3);
    expect(new Set(rx.received.map((r) => r.body)).size).toBe(1);
    // 429: Retry-After 2 s; 503 after the 2nd attempt: 1000 · 2^1 · (0.5 + 0.5 · 0.5) = 1500 ms.
    expect(delays).toEqual([2000, 1500]);
    expect(notifier.stats().pagerduty).toEqual({ sent: 1, failed: 0, dropped: 0, retried: 2, deduplicated: 0, queued: 0 });
  });

  it('does not retry a 400 and logs the errors PagerDuty returned', async () => {
    const rx = await startReceiver(() => ({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
      }),
    }));
    receivers.push(rx);
    const { notifier, delays, log } = setup(rx);
    notifier.notify(ev.escalated);
    await notifier.flush();
    expect(rx.received).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(notifier.stats().pagerduty).toMatchObject({ sent: 0, failed: 1, retried: 0 });
    expect(log).toEqual([
      "notify pagerduty: trigger homeostat-inc-1 refused: PagerDuty refused trigger homeostat-inc-1: Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters)",
    ]);
  });

  it('adds incident notes through the REST API, finding the incident by its key', async () => {
    const rx = await startReceiver((r) => {
      if (r.url.startsWith('/v2/enqueue')) return accepted;
      if (r.method === 'GET')
        return { status: 200, body: JSON.stringify({ incidents: [{ id: 'PT4KHLK', incident_key: 'homeostat-inc-1' }] }) };
      return { status: 201, body: '{"note":{"id":"PWL7QXS"}}' };
    });
    receivers.push(rx);
    const { notifier } = setup(rx, { triggerOn: ['opened'], notes: { token: 'tok-123', from: 'oncall@example.com', apiUrl: rx.url } });
    const bus = new MemoryBus();
    notifier.attach(bus);
    await bus.publish(ev.opened);
    await bus.publish(ev.executed);
    await notifier.flush();
    expect(rx.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v2/enqueue',
      'POST /v2/enqueue',
      'GET /incidents?incident_key=homeostat-inc-1',
      'POST /incidents/PT4KHLK/notes',
    ]);
    const note = rx.received[3];
    expect(note?.headers.authorization).toBe('Token token=tok-123');
    expect(note?.headers.from).toBe('oncall@example.com');
    expect(note?.headers.accept).toBe('application/vnd.pagerduty+json;version=2');
    expect(body(note)).toEqual({
      note: { content: 'Homeostat executed restart on database:orders: executed (restarted). Reason: cpu_hog on database:orders (82 %)' },
    });
    await notifier.close();
  });
});
