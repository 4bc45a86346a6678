import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ALERTMANAGER_DOCS_URL,
  ALERTMANAGER_DOCS_WEBHOOK_FORMAT,
  FIRING_NOTIFICATION,
  RESOLVED_NOTIFICATION,
} from '../../test/fixtures/alertmanager-payloads.js';
import { DemoEngine } from '../../test/fixtures/demo-fixture.js';
import {
  ALERTMANAGER_WEBHOOK_PATH,
  alertmanagerEvents,
  parseAlertmanagerWebhook,
  readAlertmanagerWebhook,
  registerAlertmanagerWebhook,
} from './alertmanager-webhook.js';
import { installErrorHandlers } from './errors.js';

const firing = (): Record<string, unknown> => JSON.parse(FIRING_NOTIFICATION) as Record<string, unknown>;
const resolved = (): Record<string, unknown> => JSON.parse(RESOLVED_NOTIFICATION) as Record<string, unknown>;
const firstAlert = (body: Record<string, unknown>): Record<string, unknown> =>
  (body.alerts as Record<string, unknown>[])[0] as Record<string, unknown>;

/** Keys named in the documented format, at the top level and inside an alert. */
function documentedKeys(): { top: string[]; alert: string[] } {
  const keys = [...ALERTMANAGER_DOCS_WEBHOOK_FORMAT.matchAll(/^( +)"(\w+)":/gm)].map((m) => ({
    depth: (m[1] as string).length,
    key: m[2] as string,
  }));
  return { top: keys.filter((k) => k.depth === 2).map((k) => k.key), alert: keys.filter((k) => k.depth === 6).map((k) => k.key) };
}

describe('the fixtures', () => {
  it('carry exactly the fields of the documented version-4 format', () => {
    const { top, alert } = documentedKeys();
    expect(ALERTMANAGER_DOCS_URL).toBe('https://prometheus.io/docs/alerting/latest/configuration/#webhook_config');
    expect(top).toEqual([
      'version',
      'groupKey',
      'truncatedAlerts',
      'status',
      'receiver',
      'groupLabels',
      'commonLabels',
      'commonAnnotations',
      'externalURL',
      'alerts',
    ]);
    expect(alert).toEqual(['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint']);
    for (const body of [firing(), resolved()]) {
      expect(Object.keys(body).sort()).toEqual([...top].sort());
      for (const a of body.alerts as Record<string, unknown>[]) expect(Object.keys(a).sort()).toEqual([...alert].sort());
    }
  });
});

describe('readAlertmanagerWebhook', () => {
  it('reads a firing notification with nanosecond times, offsets and Go zero end times', () => {
    const w = readAlertmanagerWebhook(firing());
    expect(w.version).toBe('4');
    expect(w.status).toBe('firing');
    expect(w.receiver).toBe('homeostat');
    expect(w.groupKey).toBe('{}:{alertname="HighMemoryUsage"}');
    expect(w.truncatedAlerts).toBe(0);
    expect(w.groupLabels).toEqual({ alertname: 'HighMemoryUsage' });
    expect(w.alerts.map((a) => [a.status, a.startsAtMs, a.endsAtMs, a.fingerprint])).toEqual([
      ['firing', Date.UTC(2024, 4, 1, 10, 15, 30, 123), undefined, '3f2c1a9b8e7d6c5a'],
      ['firing', Date.UTC(2024, 4, 1, 10, 16, 0, 500), undefined, 'a1b2c3d4e5f60718'],
    ]);
    expect(w.alerts[0]?.generatorURL).toBe('http://prometheus.example:9090/graph?g0.expr=node_memory_used_ratio+%3E+0.9&g0.tab=1');
  });

  const bad: [string, (b: Record<string, unknown>) => unknown, string][] = [
    ['a body that is not an object', () => [1, 2], 'body must be an Alertmanager webhook object (got an array of 2)'],
    ['another version', (b) => ({ ...b, version: '3' }), 'version must be "4", the Alertmanager webhook payload version (got "3")'],
    ['a numeric version', (b) => ({ ...b, version: 4 }), 'version must be "4", the Alertmanager webhook payload version (got 4)'],
    [
      'no alerts',
      (b) => {
        const { alerts: _alerts, ...rest } = b;
        return rest;
      },
      'alerts must be an array of alerts (got undefined)',
    ],
    ['a bad group status', (b) => ({ ...b, status: 'pending' }), 'status must be "firing" or "resolved" (got "pending")'],
    ['a negative truncatedAlerts', (b) => ({ ...b, truncatedAlerts: -1 }), 'truncatedAlerts must be a non-negative integer (got -1)'],
    ['a non-string groupKey', (b) => ({ ...b, groupKey: 7 }), 'groupKey must be a string (got 7)'],
    [
      'a date that is not RFC 3339',
      (b) => {
        firstAlert(b).startsAt = 'yesterday';
        return b;
      },
      'alerts[0].startsAt must be an RFC 3339 time like 2024-05-01T12:00:00Z (got "yesterday")',
    ],
    [
      'a date that does not exist',
      (b) => {
        firstAlert(b).startsAt = '2024-02-30T10:00:00Z';
        return b;
      },
      'alerts[0].startsAt must be a real date and time (got "2024-02-30T10:00:00Z")',
    ],
    [
      'a start at Go zero time',
      (b) => {
        firstAlert(b).startsAt = '0001-01-01T00:00:00Z';
        return b;
      },
      'alerts[0].startsAt must be set: an alert starts at a real time (got "0001-01-01T00:00:00Z")',
    ],
    [
      'a numeric label value',
      (b) => {
        (firstAlert(b).labels as Record<string, unknown>).severity = 3;
        return b;
      },
      'alerts[0].labels.severity must be a string (got 3)',
    ],
    [
      'missing labels',
      (b) => {
        delete firstAlert(b).labels;
        return b;
      },
      'alerts[0].labels must be an object of string values (got undefined)',
    ],
    [
      'a bad alert status',
      (b) => {
        firstAlert(b).status = 'active';
        return b;
      },
      'alerts[0].status must be "firing" or "resolved" (got "active")',
    ],
  ];
  for (const [what, mutate, message] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      expect(() => readAlertmanagerWebhook(mutate(firing()))).toThrow(message);
    });
  }

  it('rejects a resolved alert without an end, and an end before the start', () => {
    const noEnd = resolved();
    firstAlert(noEnd).endsAt = '0001-01-01T00:00:00Z';
    expect(() => readAlertmanagerWebhook(noEnd)).toThrow(
      'alerts[0].endsAt must be the RFC 3339 time a resolved alert ended (got "0001-01-01T00:00:00Z")',
    );
    const backwards = resolved();
    firstAlert(backwards).endsAt = '2024-05-01T10:00:00Z';
    expect(() => readAlertmanagerWebhook(backwards)).toThrow('alerts[0].endsAt must not be before startsAt');
  });
});

describe('alertmanagerEvents', () => {
  it('maps firing alerts to alert events on the entity their labels name', () => {
    const events = parseAlertmanagerWebhook(firing());
    expect(events).toHaveLength(2);
    const [node, pod] = events;
    expect(node).toMatchObject({
      id: `am:3f2c1a9b8e7d6c5a:firing:${Date.UTC(2024, 4, 1, 10, 15, 30, 123)}`,
      at: Date.UTC(2024, 4, 1, 10, 15, 30, 123),
      entityId: 'host:10.0.0.5',
      kind: 'alert',
      detail: 'HighMemoryUsage: High memory use on 10.0.0.5:9100',
    });
    expect(node?.attributes).toEqual({
      alertname: 'HighMemoryUsage',
      instance: '10.0.0.5:9100',
      job: 'node',
      severity: 'warning',
      'alert.status': 'firing',
      'alert.fingerprint': '3f2c1a9b8e7d6c5a',
      'alert.startsAt': '2024-05-01T10:15:30.123Z',
      'alert.generatorURL': 'http://prometheus.example:9090/graph?g0.expr=node_memory_used_ratio+%3E+0.9&g0.tab=1',
      'alert.receiver': 'homeostat',
      'alert.groupKey': '{}:{alertname="HighMemoryUsage"}',
      'annotation.description': 'Memory use on 10.0.0.5:9100 is above 90% for 5 minutes.',
      'annotation.summary': 'High memory use on 10.0.0.5:9100',
    });
    expect(pod?.entityId).toBe('pod:checkout-7d9f8b6c4-x2kqp');
  });

  it('prefers an entity the twin knows', () => {
    const known = new Set(['service:checkout']);
    const events = alertmanagerEvents(readAlertmanagerWebhook(firing()), { isKnownEntity: (id) => known.has(id) });
    expect(events.map((e) => e.entityId)).toEqual(['host:10.0.0.5', 'service:checkout']);
  });

  it('records a resolved alert at its end, as resolved', () => {
    const [event] = parseAlertmanagerWebhook(resolved());
    expect(event?.id).toBe(`am:3f2c1a9b8e7d6c5a:resolved:${Date.UTC(2024, 4, 1, 10, 42)}`);
    expect(event?.at).toBe(Date.UTC(2024, 4, 1, 10, 42));
    expect(event?.detail).toBe('HighMemoryUsage resolved: High memory use on 10.0.0.5:9100');
    expect(event?.attributes?.['alert.status']).toBe('resolved');
    expect(event?.attributes?.['alert.endsAt']).toBe('2024-05-01T10:42:00.000Z');
  });

  it('attaches an alert naming no entity to the fallback, or rejects it when there is none', () => {
    const body = firing();
    body.alerts = [{ ...firstAlert(body), labels: { alertname: 'Watchdog' }, fingerprint: '' }];
    const [event] = parseAlertmanagerWebhook(body);
    expect(event?.entityId).toBe('cluster:alertmanager');
    expect(event?.detail).toBe('Watchdog: High memory use on 10.0.0.5:9100');
    expect(event?.attributes?.['alert.fingerprint']).toMatch(/^[0-9a-f]{16}$/);
    expect(parseAlertmanagerWebhook(body, { fallbackEntity: 'cluster:prod' })[0]?.entityId).toBe('cluster:prod');
    expect(() => parseAlertmanagerWebhook(body, { fallbackEntity: null })).toThrow(
      'alerts[0].labels must name an entity (entity, service, job, instance, pod, node…) (got {"alertname":"Watchdog"})',
    );
  });

  it('gives a repeated notification the same ids', () => {
    expect(parseAlertmanagerWebhook(firing()).map((e) => e.id)).toEqual(parseAlertmanagerWebhook(firing()).map((e) => e.id));
  });
});

describe(`POST ${ALERTMANAGER_WEBHOOK_PATH}`, () => {
  let app: FastifyInstance;
  let strict: FastifyInstance;
  const engine = new DemoEngine();

  beforeAll(async () => {
    app = Fastify();
    installErrorHandlers(app);
    registerAlertmanagerWebhook(app, { engine });
    strict = Fastify();
    installErrorHandlers(strict);
    registerAlertmanagerWebhook(strict, { engine, fallbackEntity: null });
  });
  beforeEach(() => {
    engine.events.length = 0;
  });
  afterAll(async () => {
    await app.close();
    await strict.close();
  });

  const post = (target: FastifyInstance, payload: string | object) =>
    target.inject({
      method: 'POST',
      url: ALERTMANAGER_WEBHOOK_PATH,
      headers: { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.27.0' },
      payload,
    });

  it('records firing and resolved alerts through the engine and answers with counts', async () => {
    const res = await post(app, FIRING_NOTIFICATION);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 2, recorded: 2, firing: 2, resolved: 0, unattributed: 0, truncatedAlerts: 0 });
    expect(engine.events.map((e) => [e.kind, e.entityId])).toEqual([
      ['alert', 'host:10.0.0.5'],
      ['alert', 'service:checkout'],
    ]);
    const done = await post(app, RESOLVED_NOTIFICATION);
    expect(done.json()).toEqual({ received: 1, recorded: 1, firing: 0, resolved: 1, unattributed: 0, truncatedAlerts: 0 });
    expect(engine.events[2]?.attributes?.['alert.status']).toBe('resolved');
  });

  it('answers 400 naming the field and records nothing from a malformed notification', async () => {
    const body = firing();
    (body.alerts as Record<string, unknown>[])[1] = { ...firstAlert(body), endsAt: 'not a time' };
    const res = await post(app, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'invalid_argument',
      message: 'alerts[1].endsAt must be an RFC 3339 time like 2024-05-01T12:00:00Z (got "not a time")',
    });
    const wrongVersion = await post(app, { ...firing(), version: '3' });
    expect(wrongVersion.statusCode).toBe(400);
    expect(wrongVersion.json().error.message).toContain('version must be "4"');
    const broken = await post(app, '{"version":"4",');
    expect(broken.statusCode).toBe(400);
    expect(engine.events).toEqual([]);
  });

  it('counts alerts that fell back, and rejects them when no fallback is configured', async () => {
    const body = firing();
    body.alerts = [{ ...firstAlert(body), labels: { alertname: 'Watchdog' } }, firstAlert(firing())];
    body.truncatedAlerts = 3;
    const res = await post(app, body);
    expect(res.json()).toEqual({ received: 2, recorded: 2, firing: 2, resolved: 0, unattributed: 1, truncatedAlerts: 3 });
    expect(engine.events.map((e) => e.entityId)).toEqual(['cluster:alertmanager', 'host:10.0.0.5']);
    engine.events.length = 0;
    const rejected = await post(strict, body);
    expect(rejected.statusCode).toBe(400);
    expect(rejected.json().error.message).toContain('alerts[0].labels must name an entity');
    expect(engine.events).toEqual([]);
  });
});
