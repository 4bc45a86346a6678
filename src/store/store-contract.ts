/**
 * @module store/store-contract
 * The contract every {@link Store} adapter passes: call `storeContract('sqlite', open)` from the
 * adapter's test file. Each test gets a fresh, migrated, empty store from `open` and closes it.
 * Covers round-trips of every record type, upserts, list filters, ordering and limits, point
 * range reads, duplicate points, pruning, the append-only decision log, model version conflicts,
 * model states by prefix, version updates, aliases and their serving history, model outcomes,
 * runbooks and the error on a bad limit.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import type {
  Action,
  Anomaly,
  ChangeEvent,
  Decision,
  Feedback,
  Incident,
  ModelAliasEvent,
  ModelOutcome,
  ModelVersion,
  Prediction,
  Runbook,
} from '../records/types.js';
import type { SeriesRecord } from '../telemetry/types.js';
import type { Entity } from '../twin/types.js';
import type { Store } from './store.js';

function anomaly(id: string, at: number, over: Partial<Anomaly> = {}): Anomaly {
  return {
    id,
    seriesId: 's1',
    entityId: 'host:a',
    metric: 'cpu_usage',
    at,
    score: 7.5,
    confidence: 0.93,
    expected: 0.4,
    actual: 0.97,
    direction: 'up',
    model: { kind: 'detector/robust-seasonal', version: '1' },
    contributors: [{ name: 'cpu_usage', weight: 1, expected: 0.4, actual: 0.97 }],
    explanation: 'cpu_usage of host:a is 0.97, expected 0.40',
    status: 'open',
    ...over,
  };
}

function prediction(id: string, at: number, over: Partial<Prediction> = {}): Prediction {
  return {
    id,
    kind: 'demand',
    entityId: 'service:api',
    seriesId: 's2',
    metric: 'request_rate',
    at,
    horizonMs: 86_400_000,
    model: { kind: 'forecaster/seasonal-naive', version: '1' },
    value: 120.5,
    confidence: 0.8,
    forecast: { t: [60_000, 120_000], mean: [100, 120.5], lower: [90, 101.25], upper: [110, 140], level: 0.9 },
    explanation: [{ name: 'daily_season', weight: 0.7 }],
    summary: 'peak 120.5 req/s in 24 h',
    ...over,
  };
}

function event(id: string, at: number, entityId = 'service:api'): ChangeEvent {
  return { id, at, entityId, kind: 'deploy', detail: 'v1.2.3', attributes: { version: '1.2.3' } };
}

function incident(id: string, openedAt: number, over: Partial<Incident> = {}): Incident {
  return {
    id,
    title: 'api errors',
    status: 'open',
    severity: 'high',
    openedAt,
    updatedAt: openedAt,
    entities: ['service:api', 'database:main'],
    anomalyIds: ['a1', 'a2'],
    predictionIds: [],
    hypotheses: [
      {
        entityId: 'database:main',
        faultKind: 'dependency_outage',
        confidence: 0.71,
        score: 3.2,
        evidence: ['database:main latency rose first', 'service:api depends_on database:main'],
        path: ['database:main', 'service:api'],
        contributors: [{ name: 'latency_p99', weight: 0.6, expected: 12, actual: 480 }],
      },
    ],
    ...over,
  };
}

function decision(id: string, at: number, over: Partial<Decision> = {}): Decision {
  return {
    id,
    at,
    kind: 'act',
    subject: 'inc-1',
    model: { kind: 'policy/table', version: '1' },
    inputs: { hypotheses: 1, confidence: 0.71, nested: { list: [1, 2, 3], flag: true, none: null } },
    output: { action: 'restart' },
    confidence: 0.71,
    explanation: [{ name: 'confidence', weight: 0.71 }],
    latencyMs: 1.25,
    ...over,
  };
}

function action(id: string, proposedAt: number, over: Partial<Action> = {}): Action {
  return {
    id,
    incidentId: 'inc-1',
    kind: 'restart',
    target: 'pod:api-1',
    params: { grace_s: 30, tags: ['a', 'b'] },
    executor: 'simulator',
    status: 'proposed',
    dryRun: false,
    reason: 'memory leak on pod:api-1 (confidence 0.82)',
    policy: 'memory_leak-restart',
    proposedAt,
    ...over,
  };
}

function feedback(id: string, at: number, subjectId = 'a1'): Feedback {
  return {
    id,
    at,
    subjectType: 'anomaly',
    subjectId,
    label: 'true_positive',
    source: 'simulator',
    note: 'fault f-3',
  };
}

function modelVersion(name: string, version: number, over: Partial<ModelVersion> = {}): ModelVersion {
  return {
    name,
    version,
    kind: 'detector/robust-seasonal',
    specVersion: 1,
    config: { windowPoints: 60, threshold: 3.5 },
    state: { median: 0.5, mad: [0.1, 0.2] },
    metrics: { f1: 0.81, precision: 0.9 },
    stage: 'challenger',
    createdAt: 1_000 * version,
    ...over,
  };
}

const series: SeriesRecord[] = [
  { id: 's1', metric: 'cpu_usage', labels: { host: 'a', job: 'node' }, entityId: 'host:a' },
  { id: 's2', metric: 'request_rate', labels: { service: 'api' }, entityId: 'service:api' },
  { id: 's3', metric: 'cpu_usage', labels: { host: 'b' }, entityId: 'host:b' },
];

/** Ids of a list result, in order. */
function ids(records: readonly { id: string }[]): string[] {
  return records.map((r) => r.id);
}

/** Runs `promise` expecting a HomeostatError; returns it for further checks. */
async function rejection(promise: Promise<unknown>): Promise<HomeostatError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HomeostatError);
  return error as HomeostatError;
}

/**
 * Registers the Store contract suite for one adapter.
 * @param name shown in the suite title, e.g. `'sqlite'`.
 * @param open returns a fresh, migrated, empty store; the suite closes it after each test.
 */
export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('migrate', () => {
      it('is idempotent and keeps data', async () => {
        await store.upsertSeries([series[0] as SeriesRecord]);
        await store.migrate();
        await store.migrate();
        expect(await store.getSeries('s1')).toEqual(series[0]);
      });
    });

    describe('series', () => {
      it('round-trips, lists by id and filters by entity and metric', async () => {
        await store.upsertSeries(series);
        expect(await store.getSeries('s2')).toEqual(series[1]);
        expect(await store.getSeries('nope')).toBeUndefined();
        expect(await store.listSeries()).toEqual(series);
        expect(ids(await store.listSeries({ metric: 'cpu_usage' }))).toEqual(['s1', 's3']);
        expect(ids(await store.listSeries({ entityId: 'host:b' }))).toEqual(['s3']);
        expect(await store.listSeries({ entityId: 'host:a', metric: 'request_rate' })).toEqual([]);
      });

      it('upsert replaces by id, and the last of a batch wins', async () => {
        await store.upsertSeries(series);
        const moved = { ...series[0], entityId: 'host:z', labels: { host: 'z' } } as SeriesRecord;
        const last = { ...moved, metric: 'cpu_seconds' };
        await store.upsertSeries([moved, last]);
        expect(await store.getSeries('s1')).toEqual(last);
        expect(await store.listSeries()).toHaveLength(3);
      });
    });

    describe('points', () => {
      it('reads a series in time order within [from, to)', async () => {
        await store.appendPoints([
          { seriesId: 's1', t: 180_000, v: 3 },
          { seriesId: 's1', t: 60_000, v: 1.5 },
          { seriesId: 's2', t: 120_000, v: 99 },
          { seriesId: 's1', t: 120_000, v: -2 },
          { seriesId: 's1', t: 240_000, v: 4 },
        ]);
        expect(await store.readPoints('s1', 60_000, 240_000)).toEqual([
          { t: 60_000, v: 1.5 },
          { t: 120_000, v: -2 },
          { t: 180_000, v: 3 },
        ]);
        expect(await store.readPoints('s1', 0, 10_000_000, 2)).toEqual([
          { t: 60_000, v: 1.5 },
          { t: 120_000, v: -2 },
        ]);
        expect(await store.readPoints('s2', 0, 10_000_000)).toEqual([{ t: 120_000, v: 99 }]);
        expect(await store.readPoints('s9', 0, 10_000_000)).toEqual([]);
      });

      it('a repeated (series, t) replaces the value, across and within batches', async () => {
        await store.appendPoints([
          { seriesId: 's1', t: 60_000, v: 1 },
          { seriesId: 's1', t: 120_000, v: 2 },
        ]);
        await store.appendPoints([
          { seriesId: 's1', t: 60_000, v: 10 },
          { seriesId: 's1', t: 120_000, v: 20 },
          { seriesId: 's1', t: 120_000, v: 21 },
        ]);
        await store.appendPoints([]);
        expect(await store.readPoints('s1', 0, 1_000_000)).toEqual([
          { t: 60_000, v: 10 },
          { t: 120_000, v: 21 },
        ]);
      });

      it('keeps NaN and infinities', async () => {
        await store.appendPoints([
          { seriesId: 's1', t: 1, v: Number.NaN },
          { seriesId: 's1', t: 2, v: Number.POSITIVE_INFINITY },
          { seriesId: 's1', t: 3, v: 0 },
        ]);
        const points = await store.readPoints('s1', 0, 10);
        expect(points.map((p) => p.t)).toEqual([1, 2, 3]);
        expect(Number.isNaN(points[0]?.v)).toBe(true);
        expect(points[1]?.v).toBe(Number.POSITIVE_INFINITY);
        expect(points[2]?.v).toBe(0);
      });

      it('stores a large batch (more rows than a statement can bind)', async () => {
        const batch = Array.from({ length: 40_000 }, (_, i) => ({ seriesId: `s${i % 4}`, t: i * 1000, v: i }));
        await store.appendPoints(batch);
        const read = await store.readPoints('s3', 0, Number.MAX_SAFE_INTEGER);
        expect(read).toHaveLength(10_000);
        expect(read[0]).toEqual({ t: 3000, v: 3 });
        expect(read[9_999]).toEqual({ t: 39_999_000, v: 39_999 });
      });

      it('prune deletes points before a time in every series and counts them', async () => {
        await store.appendPoints([
          { seriesId: 's1', t: 1_000, v: 1 },
          { seriesId: 's1', t: 2_000, v: 2 },
          { seriesId: 's2', t: 1_500, v: 3 },
          { seriesId: 's2', t: 3_000, v: 4 },
        ]);
        expect(await store.prunePoints(2_000)).toBe(2);
        expect(await store.prunePoints(2_000)).toBe(0);
        expect(await store.readPoints('s1', 0, 10_000)).toEqual([{ t: 2_000, v: 2 }]);
        expect(await store.readPoints('s2', 0, 10_000)).toEqual([{ t: 3_000, v: 4 }]);
      });

      it('rejects a bad range or limit with invalid_argument', async () => {
        const limit = await rejection(store.readPoints('s1', 0, 10, 0));
        expect(limit.code).toBe('invalid_argument');
        expect(limit.message).toMatch(/^limit must be an integer from 1 to \d+ \(got 0\)$/);
        const from = await rejection(store.readPoints('s1', Number.NaN, 10));
        expect(from.code).toBe('invalid_argument');
        expect(from.message).toBe('fromMs must be a finite time in epoch milliseconds (got NaN)');
        const prune = await rejection(store.prunePoints(Number.POSITIVE_INFINITY));
        expect(prune.message).toBe('beforeMs must be a finite time in epoch milliseconds (got Infinity)');
      });
    });

    describe('entities and relations', () => {
      const entities: Entity[] = [
        { id: 'host:a', kind: 'host', name: 'a', attributes: { 'host.name': 'a' }, capacity: { cpu_cores: 8, memory_bytes: 3.2e10 } },
        { id: 'service:api', kind: 'service', name: 'api', attributes: { 'service.name': 'api' } },
      ];

      it('round-trip by id, with and without capacity; upsert replaces', async () => {
        await store.upsertEntities(entities);
        expect(await store.listEntities()).toEqual(entities);
        const grown = { ...entities[1], capacity: { replicas: 3 } } as Entity;
        await store.upsertEntities([grown]);
        const listed = await store.listEntities();
        expect(listed).toEqual([entities[0], grown]);
        await store.upsertEntities([{ ...grown, capacity: undefined }]);
        expect((await store.listEntities())[1]).toEqual(entities[1]);
      });

      it('relations are a set, listed by (from, to, kind)', async () => {
        await store.upsertRelations([
          { from: 'service:api', to: 'database:main', kind: 'depends_on' },
          { from: 'pod:api-1', to: 'host:a', kind: 'runs_on' },
          { from: 'service:api', to: 'database:main', kind: 'depends_on' },
        ]);
        await store.upsertRelations([
          { from: 'pod:api-1', to: 'host:a', kind: 'runs_on' },
          { from: 'pod:api-1', to: 'host:a', kind: 'part_of' },
        ]);
        expect(await store.listRelations()).toEqual([
          { from: 'pod:api-1', to: 'host:a', kind: 'part_of' },
          { from: 'pod:api-1', to: 'host:a', kind: 'runs_on' },
          { from: 'service:api', to: 'database:main', kind: 'depends_on' },
        ]);
        await store.removeRelations([
          { from: 'pod:api-1', to: 'host:a', kind: 'runs_on' },
          { from: 'pod:api-1', to: 'host:zz', kind: 'runs_on' },
        ]);
        expect(await store.listRelations()).toEqual([
          { from: 'pod:api-1', to: 'host:a', kind: 'part_of' },
          { from: 'service:api', to: 'database:main', kind: 'depends_on' },
        ]);
      });
    });

    describe('anomalies', () => {
      it('round-trip exactly; get of an unknown id is undefined', async () => {
        const a = anomaly('a1', 60_000);
        await store.insertAnomalies([a]);
        expect(await store.getAnomaly('a1')).toEqual(a);
        expect(await store.getAnomaly('zz')).toBeUndefined();
      });

      it('a repeated id keeps the first record', async () => {
        await store.insertAnomalies([anomaly('a1', 60_000)]);
        await store.insertAnomalies([anomaly('a1', 60_000, { score: 99 })]);
        expect((await store.getAnomaly('a1'))?.score).toBe(7.5);
      });

      it('update changes status and incident link, keeping the rest', async () => {
        await store.insertAnomalies([anomaly('a1', 60_000), anomaly('a2', 120_000)]);
        await store.updateAnomaly('a1', { incidentId: 'inc-1' });
        expect(await store.getAnomaly('a1')).toEqual(anomaly('a1', 60_000, { incidentId: 'inc-1' }));
        await store.updateAnomaly('a1', { status: 'closed' });
        expect(await store.getAnomaly('a1')).toEqual(anomaly('a1', 60_000, { incidentId: 'inc-1', status: 'closed' }));
        expect(ids(await store.listAnomalies({ incidentId: 'inc-1' }))).toEqual(['a1']);
        expect(ids(await store.listAnomalies({ status: 'open' }))).toEqual(['a2']);
        expect(ids(await store.listAnomalies({ status: 'closed' }))).toEqual(['a1']);
      });

      it('update of an unknown id is not_found', async () => {
        const error = await rejection(store.updateAnomaly('ghost', { status: 'closed' }));
        expect(error.code).toBe('not_found');
        expect(error.message).toBe('anomaly "ghost" not found');
      });

      it('list: newest first, filters, [fromMs, toMs), limit', async () => {
        await store.insertAnomalies([
          anomaly('a1', 60_000),
          anomaly('a2', 180_000, { entityId: 'host:b', seriesId: 's3' }),
          anomaly('a3', 120_000),
          anomaly('a4', 240_000, { seriesId: 's9' }),
        ]);
        expect(ids(await store.listAnomalies())).toEqual(['a4', 'a2', 'a3', 'a1']);
        expect(ids(await store.listAnomalies({ entityId: 'host:a' }))).toEqual(['a4', 'a3', 'a1']);
        expect(ids(await store.listAnomalies({ seriesId: 's1' }))).toEqual(['a3', 'a1']);
        expect(ids(await store.listAnomalies({ entityId: 'host:a', seriesId: 's9' }))).toEqual(['a4']);
        expect(ids(await store.listAnomalies({ fromMs: 120_000, toMs: 240_000 }))).toEqual(['a2', 'a3']);
        expect(ids(await store.listAnomalies({ limit: 2 }))).toEqual(['a4', 'a2']);
        expect(await store.listAnomalies({ incidentId: 'none' })).toEqual([]);
      });

      it('same time: ties broken by id descending', async () => {
        await store.insertAnomalies([anomaly('b', 60_000), anomaly('c', 60_000), anomaly('a', 60_000)]);
        expect(ids(await store.listAnomalies())).toEqual(['c', 'b', 'a']);
      });
    });

    describe('predictions', () => {
      it('round-trip with and without a forecast; filter by kind, entity, series', async () => {
        const demand = prediction('p1', 60_000);
        const risk = prediction('p2', 120_000, {
          kind: 'failure_risk',
          entityId: 'host:a',
          seriesId: undefined,
          metric: undefined,
          forecast: undefined,
          value: 0.35,
        });
        await store.insertPredictions([demand, risk]);
        expect(await store.listPredictions()).toEqual([risk, demand]);
        expect(ids(await store.listPredictions({ kind: 'failure_risk' }))).toEqual(['p2']);
        expect(ids(await store.listPredictions({ entityId: 'service:api' }))).toEqual(['p1']);
        expect(ids(await store.listPredictions({ seriesId: 's2' }))).toEqual(['p1']);
        expect(ids(await store.listPredictions({ toMs: 120_000 }))).toEqual(['p1']);
      });
    });

    describe('events', () => {
      it('round-trip; filter by entity and time; newest first', async () => {
        const events = [event('e1', 1_000), event('e2', 3_000, 'host:a'), event('e3', 2_000)];
        await store.insertEvents(events);
        expect(await store.listEvents()).toEqual([events[1], events[2], events[0]]);
        expect(ids(await store.listEvents({ entityId: 'service:api' }))).toEqual(['e3', 'e1']);
        expect(ids(await store.listEvents({ fromMs: 2_000 }))).toEqual(['e2', 'e3']);
        expect(ids(await store.listEvents({ fromMs: 2_001, toMs: 3_000 }))).toEqual([]);
      });

      it('limit defaults to 100 and accepts up to 10,000', async () => {
        await store.insertEvents(Array.from({ length: 150 }, (_, i) => event(`e${String(i).padStart(3, '0')}`, i)));
        const page = await store.listEvents();
        expect(page).toHaveLength(100);
        expect(page[0]?.id).toBe('e149');
        expect(page[99]?.id).toBe('e050');
        expect(await store.listEvents({ limit: 10_000 })).toHaveLength(150);
      });
    });

    describe('incidents', () => {
      it('upsert inserts then replaces; get; list by status, newest opened first', async () => {
        const first = incident('inc-1', 60_000);
        const second = incident('inc-2', 120_000, { severity: 'low' });
        await store.upsertIncident(first);
        await store.upsertIncident(second);
        expect(await store.getIncident('inc-1')).toEqual(first);
        expect(await store.getIncident('inc-9')).toBeUndefined();
        expect(ids(await store.listIncidents())).toEqual(['inc-2', 'inc-1']);
        const resolved = {
          ...first,
          status: 'resolved',
          updatedAt: 300_000,
          resolvedAt: 300_000,
          resolution: 'restart of pod:api-1 verified',
        } satisfies Incident;
        await store.upsertIncident(resolved);
        expect(await store.getIncident('inc-1')).toEqual(resolved);
        expect(ids(await store.listIncidents({ status: 'open' }))).toEqual(['inc-2']);
        expect(await store.listIncidents({ status: 'resolved' })).toEqual([resolved]);
        expect(ids(await store.listIncidents({ fromMs: 100_000 }))).toEqual(['inc-2']);
      });
    });

    describe('decisions', () => {
      it('append and list round-trip; filter by subject and kind; newest first', async () => {
        const d1 = decision('d1', 1_000);
        const d2 = decision('d2', 2_000, { kind: 'escalate', explanation: 'confidence 0.41 below 0.6', output: null });
        const d3 = decision('d3', 3_000, { subject: 'a7', kind: 'detect', inputs: [1, 'two', { three: 3 }] });
        await store.appendDecisions([d1, d2]);
        await store.appendDecisions([d3]);
        expect(await store.listDecisions()).toEqual([d3, d2, d1]);
        expect(ids(await store.listDecisions({ subject: 'inc-1' }))).toEqual(['d2', 'd1']);
        expect(ids(await store.listDecisions({ kind: 'escalate' }))).toEqual(['d2']);
        expect(ids(await store.listDecisions({ subject: 'inc-1', kind: 'act', fromMs: 1_000, toMs: 2_000 }))).toEqual(['d1']);
      });

      it('are append-only: no method changes one, and re-appending an id keeps the original', async () => {
        const names = new Set([...Object.getOwnPropertyNames(store), ...Object.getOwnPropertyNames(Object.getPrototypeOf(store))]);
        expect([...names].filter((key) => /decision/i.test(key)).sort()).toEqual(['appendDecisions', 'listDecisions']);
        const original = decision('d1', 1_000);
        await store.appendDecisions([original]);
        await store.appendDecisions([decision('d1', 1_000, { confidence: 0.01, output: 'forged' })]);
        expect(await store.listDecisions()).toEqual([original]);
      });
    });

    describe('actions', () => {
      it('upsert inserts then replaces; get; list by incident, newest proposed first', async () => {
        const a1 = action('act-1', 1_000);
        const a2 = action('act-2', 2_000, { incidentId: 'inc-2', kind: 'rollback', dryRun: true, status: 'dry_run' });
        await store.upsertAction(a1);
        await store.upsertAction(a2);
        expect(await store.getAction('act-2')).toEqual(a2);
        expect(await store.getAction('nope')).toBeUndefined();
        const done = {
          ...a1,
          status: 'verified',
          executedAt: 1_500,
          verifiedAt: 1_900,
          outcome: { ok: true, message: 'restarted', details: { pid: 42 } },
        } satisfies Action;
        await store.upsertAction(done);
        expect(await store.getAction('act-1')).toEqual(done);
        expect(ids(await store.listActions())).toEqual(['act-2', 'act-1']);
        expect(await store.listActions({ incidentId: 'inc-1' })).toEqual([done]);
        expect(ids(await store.listActions({ toMs: 1_500 }))).toEqual(['act-1']);
      });
    });

    describe('feedback', () => {
      it('round-trip; filter by subject; newest first', async () => {
        const f1 = feedback('f1', 1_000);
        const f2: Feedback = {
          id: 'f2',
          at: 2_000,
          subjectType: 'incident',
          subjectId: 'inc-1',
          label: 'root_cause',
          value: 'database:main',
          source: 'operator',
        };
        const f3 = feedback('f3', 3_000);
        await store.insertFeedback([f1, f2, f3]);
        expect(await store.listFeedback()).toEqual([f3, f2, f1]);
        expect(await store.listFeedback({ subjectId: 'inc-1' })).toEqual([f2]);
        expect(ids(await store.listFeedback({ subjectId: 'a1', limit: 1 }))).toEqual(['f3']);
      });
    });

    describe('models', () => {
      it('upsert and list by name; upsert replaces', async () => {
        const m1 = { name: 'robust', kind: 'detector/robust-seasonal', description: 'per-series detector', createdAt: 5 };
        const m0 = { name: 'gbdt-risk', kind: 'classifier/gbdt', description: 'failure risk', createdAt: 9 };
        await store.upsertModel(m1);
        await store.upsertModel(m0);
        expect(await store.listModels()).toEqual([m0, m1]);
        await store.upsertModel({ ...m1, description: 'renamed' });
        expect((await store.listModels())[1]).toEqual({ ...m1, description: 'renamed' });
      });

      it('versions round-trip by version ascending; a repeated (name, version) is a conflict', async () => {
        const v2 = modelVersion('robust', 2, { stage: 'champion' });
        const v1 = modelVersion('robust', 1);
        await store.putModelVersion(v2);
        await store.putModelVersion(v1);
        await store.putModelVersion(modelVersion('other', 1));
        expect(await store.listModelVersions('robust')).toEqual([v1, v2]);
        expect(await store.listModelVersions('missing')).toEqual([]);
        const error = await rejection(store.putModelVersion(modelVersion('robust', 2, { stage: 'archived' })));
        expect(error.code).toBe('conflict');
        expect(error.message).toContain('"robust" already has version 2');
        expect(await store.listModelVersions('robust')).toEqual([v1, v2]);
      });
    });

    describe('model registry', () => {
      const model = { name: 'detector', kind: 'detector/robust-z', description: 'per-series detector', createdAt: 1 };
      const lineage = {
        trainedBy: 'cli:train',
        trainedAt: 500,
        codeVersion: '0.1.0',
        dataWindow: { fromMs: 0, toMs: 400 },
        dataFingerprint: 'ab12',
        featureSet: ['cpu_utilization'],
        parameters: { alpha: 0.05 },
        trigger: 'manual',
      };
      const aliasEvent = (alias: ModelAliasEvent['alias'], version: number | null, at: number): ModelAliasEvent => ({
        name: 'detector',
        alias,
        version,
        at,
        by: 'cli',
        reason: `step at ${at}`,
      });
      async function withVersions(): Promise<void> {
        await store.upsertModel(model);
        await store.putModelVersion(modelVersion('detector', 1, { stage: 'none' }));
        await store.putModelVersion(modelVersion('detector', 2, { stage: 'none', lineage, description: 'retrained' }));
      }

      it('updateModelVersion changes stage, metrics and description only, and returns the result', async () => {
        await withVersions();
        const updated = await store.updateModelVersion('detector', 2, { stage: 'champion', metrics: { mae: 0.5 } });
        const expected = modelVersion('detector', 2, { stage: 'champion', lineage, description: 'retrained', metrics: { mae: 0.5 } });
        expect(updated).toEqual(expected);
        expect(await store.listModelVersions('detector')).toEqual([modelVersion('detector', 1, { stage: 'none' }), expected]);
        const described = await store.updateModelVersion('detector', 2, { description: 'why' });
        expect(described).toEqual({ ...expected, description: 'why' });
        expect((await store.listModelVersions('detector'))[1]).toEqual({ ...expected, description: 'why' });
      });

      it('updateModelVersion of an unknown version is not_found', async () => {
        await withVersions();
        const error = await rejection(store.updateModelVersion('detector', 9, { stage: 'archived' }));
        expect(error.code).toBe('not_found');
        expect(error.message).toBe('model "detector" has no version 9');
        expect((await rejection(store.updateModelVersion('ghost', 1, { stage: 'archived' }))).code).toBe('not_found');
      });

      it('aliases move, are removed with null, and every change is kept in order', async () => {
        await withVersions();
        expect(await store.getModelAliases('detector')).toEqual({});
        await store.setModelAlias(aliasEvent('champion', 1, 100));
        await store.setModelAlias(aliasEvent('challenger', 2, 100));
        expect(await store.getModelAliases('detector')).toEqual({ champion: 1, challenger: 2 });
        await store.setModelAlias(aliasEvent('champion', 2, 200));
        await store.setModelAlias(aliasEvent('challenger', null, 200));
        expect(await store.getModelAliases('detector')).toEqual({ champion: 2 });
        expect(await store.listModelAliasEvents('detector')).toEqual([
          aliasEvent('champion', 1, 100),
          aliasEvent('challenger', 2, 100),
          aliasEvent('champion', 2, 200),
          aliasEvent('challenger', null, 200),
        ]);
        expect(await store.listModelAliasEvents('other')).toEqual([]);
        expect(await store.getModelAliases('other')).toEqual({});
      });

      it('an alias to an unknown model or version is not_found and changes nothing', async () => {
        await withVersions();
        await store.setModelAlias(aliasEvent('champion', 1, 100));
        const version = await rejection(store.setModelAlias(aliasEvent('champion', 3, 200)));
        expect(version.code).toBe('not_found');
        expect(version.message).toBe('model "detector" has no version 3');
        const unknown = await rejection(store.setModelAlias({ ...aliasEvent('champion', 1, 200), name: 'ghost' }));
        expect(unknown.message).toBe('model "ghost" not found');
        expect(await store.getModelAliases('detector')).toEqual({ champion: 1 });
        expect(await store.listModelAliasEvents('detector')).toEqual([aliasEvent('champion', 1, 100)]);
      });

      it('outcomes round-trip newest first, filter by version and time, keep the first of an id', async () => {
        const outcome = (id: string, version: number, at: number, over: Partial<ModelOutcome> = {}): ModelOutcome => ({
          id,
          name: 'detector',
          version,
          at,
          kind: 'classification',
          correct: true,
          confidence: 0.9,
          subject: `a-${id}`,
          ...over,
        });
        const o1 = outcome('o1', 1, 100);
        const o2 = outcome('o2', 2, 300, { correct: false, confidence: 0.6 });
        const o3 = outcome('o3', 2, 200);
        const o4: ModelOutcome = {
          id: 'o4',
          name: 'forecaster',
          version: 1,
          at: 250,
          kind: 'regression',
          error: 2.5,
          relError: 0.1,
          covered: true,
        };
        await store.insertModelOutcomes([o1, o2, o3, o4]);
        await store.insertModelOutcomes([{ ...o1, correct: false }]);
        expect(await store.listModelOutcomes({ name: 'detector' })).toEqual([o2, o3, o1]);
        expect(await store.listModelOutcomes({ name: 'detector', version: 2 })).toEqual([o2, o3]);
        expect(await store.listModelOutcomes({ name: 'detector', fromMs: 150, toMs: 300 })).toEqual([o3]);
        expect(await store.listModelOutcomes({ name: 'detector', limit: 1 })).toEqual([o2]);
        expect(await store.listModelOutcomes({ name: 'forecaster' })).toEqual([o4]);
        expect(await store.listModelOutcomes({ name: 'none' })).toEqual([]);
        const bad = await rejection(store.listModelOutcomes({ name: 'detector', fromMs: Number.NaN }));
        expect(bad.message).toBe('fromMs must be a finite time in epoch milliseconds (got NaN)');
      });

      it('runbooks upsert by id, get, list by status, most recently updated first', async () => {
        const runbook = (id: string, updatedAt: number, over: Partial<Runbook> = {}): Runbook => ({
          id,
          title: `memory leak on service (${id})`,
          status: 'draft',
          faultKind: 'memory_leak',
          entityKind: 'service',
          markdown: '# Memory leak\n\n1. restart (worked 9 of 10)',
          policyYaml: 'rules:\n  - fault: memory_leak\n    action: restart\n',
          incidentIds: ['inc-1', 'inc-2'],
          generator: 'offline',
          generatedAt: 100,
          updatedAt,
          ...over,
        });
        const r1 = runbook('rb-1', 100);
        const r2 = runbook('rb-2', 300, { faultKind: 'disk_fill', entityKind: 'host' });
        await store.upsertRunbook(r1);
        await store.upsertRunbook(r2);
        expect(await store.getRunbook('rb-1')).toEqual(r1);
        expect(await store.getRunbook('rb-9')).toBeUndefined();
        expect(await store.listRunbooks()).toEqual([r2, r1]);
        const approved = { ...r1, status: 'approved', updatedAt: 400, approvedAt: 400, approvedBy: 'alice' } satisfies Runbook;
        await store.upsertRunbook(approved);
        expect(await store.getRunbook('rb-1')).toEqual(approved);
        expect(await store.listRunbooks()).toEqual([approved, r2]);
        expect(await store.listRunbooks({ status: 'draft' })).toEqual([r2]);
        expect(await store.listRunbooks({ status: 'approved' })).toEqual([approved]);
        expect(await store.listRunbooks({ status: 'retired' })).toEqual([]);
      });
    });

    describe('model states', () => {
      it('save replaces by key; load by case-sensitive literal prefix, by key', async () => {
        await store.saveModelStates([
          { key: 'detector:s2', kind: 'detector/robust-seasonal', version: 1, state: { n: 2, window: [1, 2] }, updatedAt: 10 },
          { key: 'detector:s1', kind: 'detector/robust-seasonal', version: 1, state: { n: 1 }, updatedAt: 10 },
          { key: 'forecaster:s1', kind: 'forecaster/seasonal-naive', version: 1, state: [0.5, 1.5], updatedAt: 10 },
          { key: 'det_x%:s1', kind: 'k', version: 1, state: null, updatedAt: 10 },
        ]);
        await store.saveModelStates([{ key: 'detector:s1', kind: 'detector/robust-seasonal', version: 2, state: { n: 5 }, updatedAt: 20 }]);
        expect(await store.loadModelStates('detector:')).toEqual([
          { key: 'detector:s1', kind: 'detector/robust-seasonal', version: 2, state: { n: 5 }, updatedAt: 20 },
          { key: 'detector:s2', kind: 'detector/robust-seasonal', version: 1, state: { n: 2, window: [1, 2] }, updatedAt: 10 },
        ]);
        expect(await store.loadModelStates('Detector:')).toEqual([]);
        expect((await store.loadModelStates('det_x%')).map((s) => s.key)).toEqual(['det_x%:s1']);
        expect((await store.loadModelStates('det%')).map((s) => s.key)).toEqual([]);
        expect((await store.loadModelStates('')).map((s) => s.key)).toEqual(['det_x%:s1', 'detector:s1', 'detector:s2', 'forecaster:s1']);
      });
    });

    describe('concurrency', () => {
      it('overlapping calls all complete and none sees a half-written batch', async () => {
        const events = Array.from({ length: 500 }, (_, i) => event(`e${i}`, i));
        const points = Array.from({ length: 700 }, (_, i) => ({ seriesId: 's1', t: i * 60_000, v: i }));
        const [, , listed] = await Promise.all([
          store.insertEvents(events),
          store.appendPoints(points),
          store.listEvents({ limit: 10_000 }),
          store.upsertSeries(series),
        ]);
        expect([0, 500]).toContain(listed.length);
        expect(await store.listEvents({ limit: 10_000 })).toHaveLength(500);
        expect(await store.readPoints('s1', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(700);
        expect(await store.listSeries()).toHaveLength(3);
      });
    });

    describe('bad list options', () => {
      it.each([0, -1, 1.5, 10_001, Number.NaN])('limit %s is invalid_argument with a clear message', async (limit) => {
        const error = await rejection(store.listAnomalies({ limit }));
        expect(error.code).toBe('invalid_argument');
        expect(error.message).toBe(`limit must be an integer from 1 to 10000 (got ${String(limit)})`);
      });

      it('a non-finite fromMs is invalid_argument, on every list', async () => {
        const lists = [
          () => store.listAnomalies({ fromMs: Number.NaN }),
          () => store.listPredictions({ fromMs: Number.NaN }),
          () => store.listEvents({ fromMs: Number.NaN }),
          () => store.listIncidents({ fromMs: Number.NaN }),
          () => store.listDecisions({ fromMs: Number.NaN }),
          () => store.listActions({ fromMs: Number.NaN }),
          () => store.listFeedback({ fromMs: Number.NaN }),
        ];
        for (const list of lists) {
          const error = await rejection(list());
          expect(error.message).toBe('fromMs must be a finite time in epoch milliseconds (got NaN)');
        }
      });
    });
  });
}
