import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ANOMALIES, DEMO_INCIDENTS, DEMO_PREDICTIONS, DemoEngine, seedDemoStore } from '../../test/fixtures/demo-fixture.js';
import { MemoryBus } from '../bus/memory/index.js';
import type { TwinView } from '../engine/handle.js';
import { HomeostatError } from '../errors.js';
import type { Action, Anomaly, Incident } from '../records/types.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { FIRING_NOTIFICATION } from '../../test/fixtures/alertmanager-payloads.js';
import { ALERTMANAGER_WEBHOOK_PATH } from './alertmanager-webhook.js';
import { installErrorHandlers } from './errors.js';
import { HomeostatMetrics, OTHER_LABEL_VALUE, prefersOpenMetrics, registerMetricsRoute } from './metrics-exposition.js';
import { createApi } from './server.js';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}
interface Exposition {
  readonly types: Map<string, string>;
  readonly help: Map<string, string>;
  readonly samples: Sample[];
}

/** Parses the Prometheus text format (and OpenMetrics' subset used here) back into samples. */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line === '# EOF') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'TYPE' ? types : help).set(meta[2] as string, meta[3] as string);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const body = (m[2] ?? '{}').slice(1, -1);
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    let consumed = 0;
    for (let lm = re.exec(body); lm !== null; lm = re.exec(body)) {
      labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
      consumed += lm[0].length;
    }
    if (consumed !== body.length) throw new Error(`unparsable labels: ${body}`);
    const raw = m[3] as string;
    samples.push({ name: m[1] as string, labels, value: raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw) });
  }
  return { types, help, samples };
}

const find = (e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined =>
  e.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
const all = (e: Exposition, name: string): Sample[] => e.samples.filter((s) => s.name === name);

/** The demo engine with failure risk and headroom on some entities, as the twin keeps them. */
class RiskyDemoEngine extends DemoEngine {
  override twin(): TwinView {
    const base = super.twin();
    return {
      ...base,
      states: base.states.map((s) => {
        if (s.entityId === 'service:payments') return { ...s, failureRisk: 0.74, headroom: { memory_utilization: 0.12 } };
        if (s.entityId === 'host:h3') return { ...s, failureRisk: 0.31, headroom: { disk_utilization: 0.25, 'odd "name"\\x': 0.5 } };
        return s;
      }),
    };
  }
}

const action = (status: Action['status']): Action => ({
  id: 'act-9',
  incidentId: 'inc-1',
  kind: 'restart',
  target: 'service:payments',
  params: {},
  executor: 'simulator',
  status,
  dryRun: false,
  reason: 'test',
  policy: 'memory-leak-restart',
  proposedAt: 0,
});

describe('HomeostatMetrics exposition', () => {
  it('exposes histograms with their buckets, sum and count after observations', async () => {
    const metrics = new HomeostatMetrics();
    metrics.observeIngest('json', 0.003, 10, 2);
    metrics.observeIngest('json', 0.0004, 5, 0);
    metrics.observeIngest('otlp', 2, 1, 0);
    metrics.observeInference('detector/robust-seasonal', 0.00009);
    metrics.observeDecision('act', 0.02);
    const e = parseExposition((await metrics.render()).body);

    expect(e.types.get('homeostat_ingest_duration_seconds')).toBe('histogram');
    expect(e.types.get('homeostat_inference_duration_seconds')).toBe('histogram');
    expect(e.types.get('homeostat_decision_duration_seconds')).toBe('histogram');
    expect(e.types.get('homeostat_ingest_points_total')).toBe('counter');
    const json = all(e, 'homeostat_ingest_duration_seconds_bucket').filter((s) => s.labels.protocol === 'json');
    expect(json.map((s) => [s.labels.le, s.value])).toEqual([
      ['0.0001', 0],
      ['0.00025', 0],
      ['0.0005', 1],
      ['0.001', 1],
      ['0.0025', 1],
      ['0.005', 2],
      ['0.01', 2],
      ['0.025', 2],
      ['0.05', 2],
      ['0.1', 2],
      ['0.25', 2],
      ['0.5', 2],
      ['1', 2],
      ['2.5', 2],
      ['+Inf', 2],
    ]);
    expect(find(e, 'homeostat_ingest_duration_seconds_sum', { protocol: 'json' })).toBeCloseTo(0.0034, 12);
    expect(find(e, 'homeostat_ingest_duration_seconds_count', { protocol: 'json' })).toBe(2);
    expect(find(e, 'homeostat_ingest_duration_seconds_bucket', { protocol: 'otlp', le: '1' })).toBe(0);
    expect(find(e, 'homeostat_ingest_duration_seconds_bucket', { protocol: 'otlp', le: '2.5' })).toBe(1);
    expect(find(e, 'homeostat_ingest_points_total', { protocol: 'json', outcome: 'accepted' })).toBe(15);
    expect(find(e, 'homeostat_ingest_points_total', { protocol: 'json', outcome: 'rejected' })).toBe(2);
    expect(find(e, 'homeostat_inference_duration_seconds_bucket', { model: 'detector/robust-seasonal', le: '0.0001' })).toBe(1);
    expect(find(e, 'homeostat_decision_duration_seconds_bucket', { kind: 'act', le: '0.01' })).toBe(0);
    expect(find(e, 'homeostat_decision_duration_seconds_bucket', { kind: 'act', le: '0.025' })).toBe(1);
  });

  it('ignores and counts observations that are not finite non-negative numbers', async () => {
    const metrics = new HomeostatMetrics();
    metrics.observeIngest('json', Number.NaN, 3, 0);
    metrics.observeDecision('detect', -1);
    metrics.observeAnomalyScore('host:h1', 'cpu', Number.POSITIVE_INFINITY);
    metrics.observeIngest('csv', 0.001, -4, 0);
    const e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_metrics_dropped_observations_total')).toBe(4);
    expect(find(e, 'homeostat_ingest_duration_seconds_count', { protocol: 'json' })).toBeUndefined();
    expect(find(e, 'homeostat_ingest_duration_seconds_count', { protocol: 'csv' })).toBe(1);
    expect(find(e, 'homeostat_ingest_points_total', { protocol: 'csv', outcome: 'accepted' })).toBeUndefined();
    expect(all(e, 'homeostat_anomaly_score')).toEqual([]);
  });

  it('computes scrape-time gauges from the engine handle and its twin', async () => {
    const engine = new RiskyDemoEngine();
    const metrics = new HomeostatMetrics({ engine });
    let e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_engine_ready')).toBe(1);
    expect(find(e, 'homeostat_engine_kill_switch')).toBe(0);
    expect(find(e, 'homeostat_engine_series')).toBe(6);
    expect(find(e, 'homeostat_engine_entities')).toBe(9);
    expect(find(e, 'homeostat_engine_open_incidents')).toBe(1);
    expect(find(e, 'homeostat_engine_points_ingested_total')).toBe(6 * 361);
    expect(find(e, 'homeostat_engine_points_dropped_total')).toBe(0);
    expect(e.types.get('homeostat_failure_probability')).toBe('gauge');
    expect(all(e, 'homeostat_failure_probability').map((s) => [s.labels.entity, s.labels.horizon, s.value])).toEqual([
      ['service:payments', '6h', 0.74],
      ['host:h3', '6h', 0.31],
    ]);
    expect(find(e, 'homeostat_capacity_headroom', { entity: 'service:payments', resource: 'memory_utilization' })).toBe(0.12);
    expect(find(e, 'homeostat_capacity_headroom', { entity: 'host:h3', resource: 'disk_utilization' })).toBe(0.25);
    expect(find(e, 'homeostat_capacity_headroom', { entity: 'host:h3', resource: 'odd "name"\\x' })).toBe(0.5);

    engine.setSwitches({ killSwitch: true });
    engine.isReady = false;
    e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_engine_kill_switch')).toBe(1);
    expect(find(e, 'homeostat_engine_ready')).toBe(0);
  });

  it('leaves the engine gauges out until an engine is bound, and names the horizon it is given', async () => {
    const bare = parseExposition((await new HomeostatMetrics().render()).body);
    expect(bare.types.has('homeostat_engine_ready')).toBe(false);
    expect(bare.types.has('homeostat_failure_probability')).toBe(false);
    const e = parseExposition((await new HomeostatMetrics({ engine: new RiskyDemoEngine(), failureHorizonMs: 90 * 60_000 }).render()).body);
    expect(find(e, 'homeostat_failure_probability', { entity: 'service:payments' })).toBe(0.74);
    expect(all(e, 'homeostat_failure_probability')[0]?.labels.horizon).toBe('90m');
    const late = new HomeostatMetrics();
    late.observeFeedback('m', 'true_positive');
    late.bindEngine(new RiskyDemoEngine());
    const bound = parseExposition((await late.render('application/openmetrics-text')).body);
    expect(find(bound, 'homeostat_engine_points_ingested_total')).toBe(6 * 361);
    expect(bound.types.get('homeostat_engine_points_ingested')).toBe('counter');
    expect(find(bound, 'homeostat_failure_probability', { entity: 'host:h3', horizon: '6h' })).toBe(0.31);
    expect(() => late.bindEngine(new DemoEngine())).toThrow('an engine is already bound');
    expect(() => new HomeostatMetrics({ failureHorizonMs: 0 })).toThrow(
      'failureHorizonMs must be a positive integer of milliseconds (got 0)',
    );
  });

  it("exposes the notifier's delivery counts per sink, read at scrape time", async () => {
    const metrics = new HomeostatMetrics();
    let sent = 3;
    metrics.watchNotifier(() => ({
      pagerduty: { sent, failed: 1, dropped: 0, retried: 2, deduplicated: 4, queued: 5 },
      'webhook:0': { sent: 0, failed: 0, dropped: 7, retried: 0, deduplicated: 0, queued: 0 },
    }));
    let e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_notifications_total', { sink: 'pagerduty', outcome: 'sent' })).toBe(3);
    expect(find(e, 'homeostat_notifications_total', { sink: 'pagerduty', outcome: 'deduplicated' })).toBe(4);
    expect(find(e, 'homeostat_notifications_total', { sink: 'webhook:0', outcome: 'dropped' })).toBe(7);
    expect(find(e, 'homeostat_notification_queue', { sink: 'pagerduty' })).toBe(5);
    sent = 9;
    e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_notifications_total', { sink: 'pagerduty', outcome: 'sent' })).toBe(9);
    expect(() => metrics.watchNotifier(() => ({}))).toThrow('a notifier is already watched');
  });

  it('counts bus events and keeps the latest anomaly score', async () => {
    const bus = new MemoryBus();
    const metrics = new HomeostatMetrics({ engine: new DemoEngine() });
    const off = metrics.attach(bus);
    const a1 = DEMO_ANOMALIES[0] as Anomaly;
    for (const anomaly of [a1, { ...a1, id: 'an-1b', score: 9.25 }, DEMO_ANOMALIES[1] as Anomaly, DEMO_ANOMALIES[3] as Anomaly]) {
      await bus.publish({ type: 'anomaly.raised', entity: anomaly.entityId, anomaly });
    }
    for (const p of DEMO_PREDICTIONS) await bus.publish({ type: 'prediction.made', entity: p.entityId, prediction: p });
    const inc1 = DEMO_INCIDENTS[0] as Incident;
    const inc2 = DEMO_INCIDENTS[1] as Incident;
    await bus.publish({ type: 'incident.opened', entity: 'service:payments', incident: inc1 });
    await bus.publish({ type: 'incident.opened', entity: 'host:h3', incident: inc2 });
    await bus.publish({ type: 'incident.resolved', entity: 'service:payments', incident: inc1 });
    await bus.publish({ type: 'incident.escalated', entity: 'host:h3', incident: inc2 });
    await bus.publish({ type: 'action.proposed', entity: 'service:payments', action: action('proposed') });
    await bus.publish({ type: 'action.executed', entity: 'service:payments', action: action('executed') });
    await bus.publish({ type: 'action.verified', entity: 'service:payments', action: action('verified') });
    await bus.publish({
      type: 'change.recorded',
      entity: 'service:cart',
      event: { id: 'ch-1', at: 0, entityId: 'service:cart', kind: 'alert', detail: 'HighLatency' },
    });

    let e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_anomalies_total', { entity_kind: 'service', metric: 'memory_utilization' })).toBe(2);
    expect(find(e, 'homeostat_anomalies_total', { entity_kind: 'service', metric: 'latency_p99_ms' })).toBe(1);
    expect(find(e, 'homeostat_anomalies_total', { entity_kind: 'host', metric: 'disk_utilization' })).toBe(1);
    expect(find(e, 'homeostat_anomaly_score', { entity: 'service:payments', metric: 'memory_utilization' })).toBe(9.25);
    expect(find(e, 'homeostat_anomaly_score', { entity: 'host:h3', metric: 'disk_utilization' })).toBe(7.5);
    expect(find(e, 'homeostat_predictions_total', { kind: 'failure_risk' })).toBe(1);
    expect(find(e, 'homeostat_predictions_total', { kind: 'demand' })).toBe(1);
    expect(find(e, 'homeostat_incidents_opened_total', { severity: 'high' })).toBe(1);
    expect(find(e, 'homeostat_incidents_opened_total', { severity: 'medium' })).toBe(1);
    expect(find(e, 'homeostat_incidents_resolved_total')).toBe(1);
    expect(find(e, 'homeostat_escalations_total')).toBe(1);
    expect(find(e, 'homeostat_actions_total', { kind: 'restart', status: 'proposed' })).toBe(1);
    expect(find(e, 'homeostat_actions_total', { kind: 'restart', status: 'executed' })).toBe(1);
    expect(find(e, 'homeostat_actions_total', { kind: 'restart', status: 'verified' })).toBe(1);
    expect(find(e, 'homeostat_change_events_total', { kind: 'alert' })).toBe(1);

    off();
    await bus.publish({ type: 'incident.resolved', entity: 'service:payments', incident: inc1 });
    metrics.observeAnomalyScore('service:payments', 'memory_utilization', 0.4);
    metrics.observeAnomalyScore('host:gone', 'cpu', 3);
    e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_incidents_resolved_total')).toBe(1);
    expect(find(e, 'homeostat_anomaly_score', { entity: 'service:payments', metric: 'memory_utilization' })).toBe(0.4);
    expect(find(e, 'homeostat_anomaly_score', { entity: 'host:gone' })).toBeUndefined();
  });

  it('escapes label values and bounds free-text labels', async () => {
    const metrics = new HomeostatMetrics({ maxLabelValues: 2 });
    metrics.observeAnomalyScore('service:a"b\\c\nd', 'm1', 1);
    metrics.observeAnomalyScore('service:x', 'm2', 2);
    metrics.observeAnomalyScore('service:x', 'm3', 3);
    const text = (await metrics.render()).body;
    expect(text).toContain('entity="service:a\\"b\\\\c\\nd"');
    const e = parseExposition(text);
    expect(find(e, 'homeostat_anomaly_score', { entity: 'service:a"b\\c\nd', metric: 'm1' })).toBe(1);
    expect(find(e, 'homeostat_anomaly_score', { entity: 'service:x', metric: 'm2' })).toBe(2);
    expect(find(e, 'homeostat_anomaly_score', { entity: 'service:x', metric: OTHER_LABEL_VALUE })).toBe(3);
  });

  it('derives live precision from feedback, seeds it from the store, and lets a setter win', async () => {
    const metrics = new HomeostatMetrics();
    metrics.observeFeedback('detector/robust-zscore', 'true_positive');
    metrics.observeFeedback('detector/robust-zscore', 'true_positive');
    metrics.observeFeedback('detector/robust-zscore', 'true_positive');
    metrics.observeFeedback('detector/robust-zscore', 'false_positive');
    let e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_model_live_precision', { model: 'detector/robust-zscore' })).toBe(0.75);
    expect(find(e, 'homeostat_feedback_total', { model: 'detector/robust-zscore', label: 'false_positive' })).toBe(1);

    const store = await openSqliteStore(':memory:');
    try {
      await seedDemoStore(store);
      const fb = (id: string, subjectId: string, label: 'true_positive' | 'false_positive' | 'root_cause') => ({
        id,
        at: 0,
        subjectType: label === 'root_cause' ? ('incident' as const) : ('anomaly' as const),
        subjectId,
        label,
        source: 'operator' as const,
      });
      await store.insertFeedback([
        fb('f1', 'an-1', 'true_positive'),
        fb('f2', 'an-2', 'false_positive'),
        fb('f3', 'an-3', 'false_positive'),
        fb('f4', 'inc-1', 'root_cause'),
        fb('f5', 'an-missing', 'true_positive'),
      ]);
      expect(await metrics.loadFeedback(store)).toBe(3);
    } finally {
      await store.close();
    }
    e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_model_live_precision', { model: 'detector/robust-zscore' })).toBeCloseTo(1 / 3, 12);
    expect(find(e, 'homeostat_feedback_total', { model: 'detector/robust-zscore', label: 'false_positive' })).toBe(2);

    metrics.setLivePrecision('detector/robust-zscore', 0.9);
    e = parseExposition((await metrics.render()).body);
    expect(find(e, 'homeostat_model_live_precision', { model: 'detector/robust-zscore' })).toBe(0.9);
    expect(() => metrics.setLivePrecision('x', 1.5)).toThrow('precision must be a number in [0, 1] (got 1.5)');
  });
});

describe('prefersOpenMetrics', () => {
  it('follows the weights of the Accept header', () => {
    const prometheus =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    expect(prefersOpenMetrics(prometheus)).toBe(true);
    expect(prefersOpenMetrics('text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5')).toBe(false);
    expect(prefersOpenMetrics('application/openmetrics-text')).toBe(true);
    expect(prefersOpenMetrics('application/openmetrics-text;version=2.0.0')).toBe(false);
    expect(prefersOpenMetrics('application/openmetrics-text;q=0')).toBe(false);
    expect(prefersOpenMetrics('*/*')).toBe(false);
    expect(prefersOpenMetrics(undefined)).toBe(false);
  });
});

describe('GET /metrics', () => {
  let app: FastifyInstance;
  let guarded: FastifyInstance;
  const metrics = new HomeostatMetrics({ engine: new RiskyDemoEngine() });

  beforeAll(async () => {
    metrics.observeDecision('escalate', 0.001);
    metrics.observeFeedback('detector/robust-zscore', 'true_positive');
    app = Fastify();
    installErrorHandlers(app);
    registerMetricsRoute(app, { metrics });
    guarded = Fastify();
    installErrorHandlers(guarded);
    registerMetricsRoute(guarded, {
      metrics,
      onRequest: async (request) => {
        if (request.headers.authorization !== 'Bearer reader-token-123')
          throw new HomeostatError('unauthenticated', 'missing bearer token');
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await guarded.close();
  });

  it('answers the Prometheus text format 0.0.4 by default', async () => {
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const e = parseExposition(res.body);
    expect(e.types.get('homeostat_feedback_total')).toBe('counter');
    expect(find(e, 'homeostat_feedback_total', { model: 'detector/robust-zscore', label: 'true_positive' })).toBe(1);
    expect(res.body.endsWith('# EOF\n')).toBe(false);
  });

  it('answers OpenMetrics when the scraper prefers it, and text again afterwards', async () => {
    const res = await app.inject({
      url: '/metrics',
      headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    });
    expect(res.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(res.body.endsWith('# EOF\n')).toBe(true);
    const om = parseExposition(res.body);
    expect(om.types.get('homeostat_feedback')).toBe('counter');
    expect(find(om, 'homeostat_feedback_total', { label: 'true_positive' })).toBe(1);
    expect(find(om, 'homeostat_decision_duration_seconds_count', { kind: 'escalate' })).toBe(1);
    expect(find(om, 'homeostat_failure_probability', { entity: 'host:h3' })).toBe(0.31);

    const again = parseExposition((await app.inject({ url: '/metrics' })).body);
    expect(again.types.get('homeostat_feedback_total')).toBe('counter');
    expect(again.types.has('homeostat_feedback')).toBe(false);
  });

  it('keeps concurrent scrapes in their own formats', async () => {
    const [om, text] = await Promise.all([metrics.render('application/openmetrics-text'), metrics.render('text/plain')]);
    expect(parseExposition(om.body).types.get('homeostat_feedback')).toBe('counter');
    expect(parseExposition(text.body).types.get('homeostat_feedback_total')).toBe('counter');
    expect(text.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('runs the guard it is given', async () => {
    const denied = await guarded.inject({ url: '/metrics' });
    expect(denied.statusCode).toBe(401);
    expect(denied.json().error.message).toBe('missing bearer token');
    const ok = await guarded.inject({ url: '/metrics', headers: { authorization: 'Bearer reader-token-123' } });
    expect(ok.statusCode).toBe(200);
    expect(find(parseExposition(ok.body), 'homeostat_engine_entities')).toBe(9);
  });
});

describe('inside createApi', () => {
  it('is served by createApi: /metrics behind the read guard, the Alertmanager webhook behind ingest, both in OpenAPI', async () => {
    const store = await openSqliteStore(':memory:');
    const engine = new RiskyDemoEngine();
    const app = await createApi({
      store,
      engine,
      openRead: false,
      metrics: new HomeostatMetrics({ engine }),
      tokens: [
        { token: 'ingest-token-123', scopes: ['ingest'], name: 'am' },
        { token: 'reader-token-123', scopes: ['read'], name: 'prometheus' },
      ],
    });
    try {
      expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
      const scrape = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer reader-token-123' } });
      expect(find(parseExposition(scrape.body), 'homeostat_engine_series')).toBe(6);
      const denied = await app.inject({
        method: 'POST',
        url: ALERTMANAGER_WEBHOOK_PATH,
        payload: FIRING_NOTIFICATION,
        headers: { 'content-type': 'application/json' },
      });
      expect(denied.statusCode).toBe(401);
      const ok = await app.inject({
        method: 'POST',
        url: ALERTMANAGER_WEBHOOK_PATH,
        payload: FIRING_NOTIFICATION,
        headers: { 'content-type': 'application/json', authorization: 'Bearer ingest-token-123' },
      });
      expect(ok.json().recorded).toBe(2);
      expect(engine.events).toHaveLength(2);
      const paths = Object.keys(
        (await app.inject({ url: '/openapi.json', headers: { authorization: 'Bearer reader-token-123' } })).json().paths,
      );
      expect(paths).toContain('/metrics');
      expect(paths).toContain(ALERTMANAGER_WEBHOOK_PATH);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('answers 404 on /metrics when no metrics are given', async () => {
    const store = await openSqliteStore(':memory:');
    const app = await createApi({ store, engine: new RiskyDemoEngine(), tokens: [] });
    try {
      expect((await app.inject({ url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
