/**
 * @module api/demo-fixture
 * A small, hand-made fleet with one resolved and one escalated incident, written into a Store, and
 * a recording EngineHandle over it. Used by the API tests and to preview the dashboard; not used by
 * the engine.
 */
import type { EngineHandle, EngineStatus, EngineSwitches, IngestResult, IngestSeries, TwinView } from '../engine/handle.js';
import type { Action, Anomaly, Decision, Feedback, Incident, Prediction } from '../records/types.js';
import type { Store, StoredPoint } from '../store/store.js';
import type { SeriesRecord } from '../telemetry/types.js';
import type { Entity, EntityState, Relation } from '../twin/types.js';

/** Start of the demo's data (2024-05-01T00:00:00Z). */
export const DEMO_START_MS = Date.UTC(2024, 4, 1);
/** The demo engine's current time: six hours after the start. */
export const DEMO_NOW_MS = DEMO_START_MS + 6 * 3_600_000;
const MIN = 60_000;

const entity = (kind: Entity['kind'], name: string): Entity => ({ id: `${kind}:${name}`, kind, name, attributes: {} });

/** The demo topology. */
export const DEMO_ENTITIES: readonly Entity[] = [
  entity('load_balancer', 'edge'),
  entity('service', 'checkout'),
  entity('service', 'cart'),
  entity('service', 'payments'),
  entity('database', 'orders'),
  entity('queue', 'events'),
  entity('host', 'h1'),
  entity('host', 'h2'),
  entity('host', 'h3'),
];

/** The demo relations. */
export const DEMO_RELATIONS: readonly Relation[] = [
  { from: 'load_balancer:edge', to: 'service:checkout', kind: 'connects_to' },
  { from: 'service:checkout', to: 'service:cart', kind: 'depends_on' },
  { from: 'service:checkout', to: 'service:payments', kind: 'depends_on' },
  { from: 'service:payments', to: 'database:orders', kind: 'depends_on' },
  { from: 'service:cart', to: 'queue:events', kind: 'depends_on' },
  { from: 'service:checkout', to: 'host:h1', kind: 'runs_on' },
  { from: 'service:cart', to: 'host:h2', kind: 'runs_on' },
  { from: 'service:payments', to: 'host:h2', kind: 'runs_on' },
  { from: 'database:orders', to: 'host:h3', kind: 'runs_on' },
  { from: 'queue:events', to: 'host:h3', kind: 'runs_on' },
];

const series = (id: string, metric: string, entityId: string): SeriesRecord => ({
  id,
  metric,
  labels: { entity: entityId },
  entityId,
});

/** The demo series (ids are readable on purpose). */
export const DEMO_SERIES: readonly SeriesRecord[] = [
  series('s-pay-mem', 'memory_utilization', 'service:payments'),
  series('s-pay-lat', 'latency_p99_ms', 'service:payments'),
  series('s-co-lat', 'latency_p99_ms', 'service:checkout'),
  series('s-co-rps', 'request_rate', 'service:checkout'),
  series('s-cart-cpu', 'cpu_utilization', 'service:cart'),
  series('s-h3-disk', 'disk_utilization', 'host:h3'),
];

/** Value of each demo series at minute `m` (0..360): smooth, deterministic, with the leak in it. */
export function demoValue(seriesIdText: string, m: number): number {
  const wave = Math.sin((m / 360) * Math.PI * 2);
  switch (seriesIdText) {
    case 's-pay-mem':
      return m < 200 ? 0.45 + 0.02 * wave : Math.min(0.98, 0.45 + (m - 200) * 0.004) - (m > 300 ? 0.5 : 0);
    case 's-pay-lat':
      return 120 + 10 * wave + (m >= 260 && m < 300 ? 300 : 0);
    case 's-co-lat':
      return 180 + 15 * wave + (m >= 270 && m < 300 ? 400 : 0);
    case 's-co-rps':
      return 800 + 200 * wave;
    case 's-cart-cpu':
      return 0.35 + 0.1 * wave;
    default:
      return 0.6 + m * 0.0005;
  }
}

function anomaly(
  id: string,
  s: string,
  minute: number,
  expected: number,
  incidentId: string | undefined,
  status: Anomaly['status'],
): Anomaly {
  const rec = DEMO_SERIES.find((x) => x.id === s) as SeriesRecord;
  const actual = demoValue(s, minute);
  return {
    id,
    seriesId: s,
    entityId: rec.entityId,
    metric: rec.metric,
    at: DEMO_START_MS + minute * MIN,
    score: 7.5,
    confidence: 0.91,
    expected,
    actual,
    direction: actual > expected ? 'up' : 'down',
    model: { kind: 'detector/robust-zscore', version: '1' },
    contributors: [{ name: rec.metric, weight: 1, expected, actual }],
    explanation: `${rec.metric} is ${actual.toFixed(2)}, expected about ${expected.toFixed(2)}`,
    status,
    ...(incidentId ? { incidentId } : {}),
  };
}

/** The demo anomalies. */
export const DEMO_ANOMALIES: readonly Anomaly[] = [
  anomaly('an-1', 's-pay-mem', 250, 0.46, 'inc-1', 'closed'),
  anomaly('an-2', 's-pay-lat', 262, 125, 'inc-1', 'closed'),
  anomaly('an-3', 's-co-lat', 272, 185, 'inc-1', 'closed'),
  anomaly('an-4', 's-h3-disk', 340, 0.7, 'inc-2', 'open'),
];

/** The demo incidents: one resolved by a restart, one escalated. */
export const DEMO_INCIDENTS: readonly Incident[] = [
  {
    id: 'inc-1',
    title: 'Memory leak on payments slows checkout',
    status: 'resolved',
    severity: 'high',
    openedAt: DEMO_START_MS + 252 * MIN,
    updatedAt: DEMO_START_MS + 310 * MIN,
    resolvedAt: DEMO_START_MS + 310 * MIN,
    entities: ['service:payments', 'service:checkout'],
    anomalyIds: ['an-1', 'an-2', 'an-3'],
    predictionIds: ['pr-risk'],
    hypotheses: [
      {
        entityId: 'service:payments',
        faultKind: 'memory_leak',
        confidence: 0.82,
        score: 3.1,
        evidence: ['memory_utilization on payments rose steadily for 50 min', 'checkout depends on payments and slowed after it'],
        path: ['service:payments', 'service:checkout'],
        contributors: [{ name: 'memory_utilization', weight: 0.7 }],
      },
      {
        entityId: 'database:orders',
        faultKind: 'unknown',
        confidence: 0.09,
        score: 0.4,
        evidence: ['payments depends on orders'],
        path: ['database:orders', 'service:payments', 'service:checkout'],
        contributors: [],
      },
    ],
    resolution: 'restart of payments verified: memory and latency recovered',
  },
  {
    id: 'inc-2',
    title: 'Disk filling on h3',
    status: 'escalated',
    severity: 'medium',
    openedAt: DEMO_START_MS + 341 * MIN,
    updatedAt: DEMO_START_MS + 345 * MIN,
    entities: ['host:h3'],
    anomalyIds: ['an-4'],
    predictionIds: [],
    hypotheses: [
      {
        entityId: 'host:h3',
        faultKind: 'disk_fill',
        confidence: 0.55,
        score: 1.2,
        evidence: ['disk_utilization on h3 grows linearly'],
        path: ['host:h3'],
        contributors: [],
      },
    ],
    resolution: 'confidence 0.55 below the 0.7 gate: escalated to a person',
  },
];

/** The demo action: a verified restart. */
export const DEMO_ACTIONS: readonly Action[] = [
  {
    id: 'act-1',
    incidentId: 'inc-1',
    kind: 'restart',
    target: 'service:payments',
    params: {},
    executor: 'simulator',
    status: 'verified',
    dryRun: false,
    reason: 'memory_leak on service:payments with confidence 0.82',
    policy: 'memory-leak-restart',
    proposedAt: DEMO_START_MS + 290 * MIN,
    executedAt: DEMO_START_MS + 291 * MIN,
    verifiedAt: DEMO_START_MS + 306 * MIN,
    outcome: { ok: true, message: 'restarted 3 replicas' },
  },
];

const decision = (
  id: string,
  minute: number,
  kind: Decision['kind'],
  subject: string,
  explanation: string,
  confidence: number,
): Decision => ({
  id,
  at: DEMO_START_MS + minute * MIN,
  kind,
  subject,
  model: { kind: kind === 'attribute' ? 'rca/topology-walk' : 'policy/table', version: '1' },
  inputs: { subject },
  output: { kind },
  confidence,
  explanation,
  latencyMs: 0.4,
});

/** The demo decision log. */
export const DEMO_DECISIONS: readonly Decision[] = [
  decision('d-1', 250, 'detect', 'an-1', 'memory 0.66 vs expected 0.46', 0.91),
  decision('d-2', 253, 'attribute', 'inc-1', 'payments ranked first: leak pattern and upstream of checkout', 0.82),
  decision('d-3', 290, 'act', 'inc-1', 'policy memory-leak-restart: restart service:payments', 0.82),
  decision('d-4', 306, 'verify', 'act-1', 'memory back to 0.45, latency back to baseline', 0.95),
  decision('d-5', 345, 'escalate', 'inc-2', 'confidence 0.55 below gate 0.7', 0.55),
];

/** The demo predictions: failure risk for payments and a demand forecast for checkout's request rate. */
export const DEMO_PREDICTIONS: readonly Prediction[] = [
  {
    id: 'pr-risk',
    kind: 'failure_risk',
    entityId: 'service:payments',
    at: DEMO_START_MS + 251 * MIN,
    horizonMs: 6 * 3_600_000,
    model: { kind: 'classifier/risk-score', version: '1' },
    value: 0.74,
    confidence: 0.7,
    explanation: [{ name: 'memory_utilization trend', weight: 0.6 }],
    summary: 'payments likely to run out of memory within 6 h',
  },
  {
    id: 'pr-demand',
    kind: 'demand',
    entityId: 'service:checkout',
    seriesId: 's-co-rps',
    metric: 'request_rate',
    at: DEMO_NOW_MS,
    horizonMs: 3_600_000,
    model: { kind: 'forecaster/seasonal-naive', version: '1' },
    value: 1000,
    confidence: 0.8,
    forecast: {
      t: [0, 1, 2, 3, 4, 5, 6].map((i) => DEMO_NOW_MS + i * 10 * MIN),
      mean: [800, 840, 870, 900, 930, 960, 990],
      lower: [760, 790, 810, 830, 850, 870, 890],
      upper: [840, 890, 930, 970, 1010, 1050, 1090],
      level: 0.9,
    },
    explanation: [{ name: 'daily season', weight: 1 }],
    summary: 'checkout request rate peaks near 990/s in the next hour',
  },
];

/** Writes the whole demo into a migrated store. */
export async function seedDemoStore(store: Store): Promise<void> {
  await store.upsertEntities(DEMO_ENTITIES);
  await store.upsertRelations(DEMO_RELATIONS);
  await store.upsertSeries(DEMO_SERIES);
  const points: StoredPoint[] = [];
  for (const s of DEMO_SERIES) {
    for (let m = 0; m <= 360; m++) points.push({ seriesId: s.id, t: DEMO_START_MS + m * MIN, v: demoValue(s.id, m) });
  }
  await store.appendPoints(points);
  await store.insertAnomalies(DEMO_ANOMALIES);
  await store.insertPredictions(DEMO_PREDICTIONS);
  for (const i of DEMO_INCIDENTS) await store.upsertIncident(i);
  await store.appendDecisions(DEMO_DECISIONS);
  for (const a of DEMO_ACTIONS) await store.upsertAction(a);
  await store.upsertModel({
    name: 'payments-memory',
    kind: 'detector/robust-zscore',
    description: 'memory detector of payments',
    createdAt: DEMO_START_MS,
  });
  await store.putModelVersion({
    name: 'payments-memory',
    version: 1,
    kind: 'detector/robust-zscore',
    specVersion: 1,
    config: { windowPoints: 60 },
    state: { big: [1, 2, 3] },
    metrics: { precision: 0.9 },
    stage: 'champion',
    createdAt: DEMO_START_MS,
  });
}

/** Health per demo entity at the demo's "now". */
export const DEMO_STATES: readonly EntityState[] = DEMO_ENTITIES.map((e) => ({
  entityId: e.id,
  signals: {},
  health: e.id === 'host:h3' ? 'degraded' : e.id === 'queue:events' ? 'critical' : 'healthy',
  openAnomalies: e.id === 'host:h3' ? ['an-4'] : [],
  updatedAt: DEMO_NOW_MS,
}));

/**
 * An EngineHandle over the demo: it records ingests, feedback and switch changes so tests can
 * assert on them, and reports a fixed clock at {@link DEMO_NOW_MS}.
 */
export class DemoEngine implements EngineHandle {
  readonly ingested: IngestSeries[][] = [];
  readonly feedbacks: Feedback[] = [];
  isReady = true;
  #switches: EngineSwitches = { killSwitch: false, dryRun: false };

  async ingest(series: readonly IngestSeries[]): Promise<IngestResult> {
    this.ingested.push([...series]);
    return { accepted: series.reduce((n, s) => n + s.points.length, 0), rejected: 0, errors: [] };
  }
  async feedback(feedback: Omit<Feedback, 'id' | 'at'>): Promise<Feedback> {
    const full: Feedback = { ...feedback, id: `fb-${this.feedbacks.length + 1}`, at: DEMO_NOW_MS };
    this.feedbacks.push(full);
    return full;
  }
  twin(): TwinView {
    return { entities: DEMO_ENTITIES, relations: DEMO_RELATIONS, states: DEMO_STATES };
  }
  status(): EngineStatus {
    return {
      ...this.#switches,
      startedAt: DEMO_START_MS,
      now: DEMO_NOW_MS,
      simulated: true,
      speed: 60,
      series: DEMO_SERIES.length,
      entities: DEMO_ENTITIES.length,
      pointsIngested: DEMO_SERIES.length * 361,
      pointsDropped: 0,
      anomalies: DEMO_ANOMALIES.length,
      openIncidents: 1,
      decisions: DEMO_DECISIONS.length,
      actions: DEMO_ACTIONS.length,
    };
  }
  setSwitches(patch: Partial<EngineSwitches>): EngineSwitches {
    this.#switches = { ...this.#switches, ...patch };
    return this.#switches;
  }
  ready(): boolean {
    return this.isReady;
  }
}
