import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../bus/index.js';
import { MemoryBus } from '../bus/memory/index.js';
import { ManualClock } from '../clock.js';
import { type ActionDraft, parsePolicy } from '../decide/index.js';
import { ExecutorSet, type Executor } from '../heal/index.js';
import type { Anomaly, Hypothesis, Incident } from '../records/types.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/index.js';
import { Twin } from '../twin/index.js';
import { DEFAULT_ENGINE_CONFIG } from './config.js';
import { Engine, type EngineDeps } from './engine.js';
import { DEFAULT_LEARN_CONFIG } from './learning.js';

const POLICY = readFileSync(new URL('../../policies/default.yaml', import.meta.url), 'utf8');
const T0 = Date.UTC(2026, 0, 5);
const MIN = 60_000;
/** Scores about 9.4 robust σ: above the prior's alert line (confidence 0.9 at 8.2), below it after one rejected spike. */
const SECOND_SPIKE = 0.48;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function makeEngine(
  store: Store,
  clock: ManualClock,
  prefix: string,
  models?: EngineDeps['models'],
  config: EngineDeps['config'] = { ...DEFAULT_ENGINE_CONFIG, persistPoints: true },
): Promise<Engine> {
  const engine = new Engine({
    ...(models ? { models } : {}),
    store,
    bus: new MemoryBus(),
    twin: new Twin(),
    clock,
    executors: new ExecutorSet([]),
    policy: parsePolicy(POLICY),
    config,
    idPrefix: prefix,
  });
  await engine.start();
  return engine;
}

/** Deps of an engine that is only constructed (its constructor checks the models), never started. */
function bareDeps(models: EngineDeps['models']): EngineDeps {
  return {
    store: {} as Store,
    bus: new MemoryBus(),
    twin: new Twin(),
    clock: new ManualClock(T0),
    executors: new ExecutorSet([]),
    policy: parsePolicy(POLICY),
    config: DEFAULT_ENGINE_CONFIG,
    ...(models ? { models } : {}),
  };
}

/** A deterministic wiggle around 0.4 with a spike of 0.95 at minutes 350–352 and a smaller one at 600–602. */
function value(i: number): number {
  if (i >= 350 && i <= 352) return 0.95;
  if (i >= 600 && i <= 602) return SECOND_SPIKE;
  return 0.4 + 0.01 * Math.sin(i / 7) + 0.004 * Math.cos(i * 1.3);
}

async function feed(engine: Engine, clock: ManualClock, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    clock.set(T0 + i * MIN);
    const result = await engine.ingest([
      { metric: 'cpu_utilization', labels: { 'service.name': 'checkout' }, points: [{ t: T0 + i * MIN, v: value(i) }] },
    ]);
    expect(result.accepted).toBe(1);
    await engine.tick();
  }
}

/** A resolved incident on service:checkout, opened at T0, with these hypotheses (for root-cause labels). */
function resolvedIncident(id: string, hypotheses: Hypothesis[]): Incident {
  return {
    id,
    title: id,
    status: 'resolved',
    severity: 'low',
    openedAt: T0,
    updatedAt: T0,
    entities: ['service:checkout'],
    anomalyIds: [],
    predictionIds: [],
    hypotheses,
  };
}

function strip(a: Anomaly): unknown {
  return { at: a.at, score: a.score, confidence: a.confidence, expected: a.expected, actual: a.actual };
}

describe('Engine', () => {
  it('raises an anomaly on a spike with confidence, expected vs actual and a decision row', async () => {
    const store = await openSqliteStore(':memory:');
    const clock = new ManualClock(T0);
    const engine = await makeEngine(store, clock, 'e1');
    await feed(engine, clock, 0, 360);
    const anomalies = await store.listAnomalies({ limit: 10 });
    expect(anomalies).toHaveLength(1);
    const [a] = anomalies;
    expect(a).toMatchObject({ entityId: 'service:checkout', metric: 'cpu_utilization', direction: 'up', actual: 0.95, at: T0 + 351 * MIN });
    expect(a?.confidence).toBeGreaterThanOrEqual(0.9);
    expect(a?.expected).toBeGreaterThan(0.38);
    expect(a?.expected).toBeLessThan(0.42);
    expect(a?.explanation).toMatch(
      /^cpu_utilization on service:checkout is 0\.950, above the expected 0\.(39|40)\d? by [\d.]+σ for 2 points$/,
    );
    const decisions = await store.listDecisions({ kind: 'detect' });
    expect(decisions.map((d) => d.subject)).toEqual([a?.id]);
    expect(decisions[0]?.model).toEqual({ kind: 'detector/robust-z', version: '1' });
    const incidents = await store.listIncidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.anomalyIds).toEqual([a?.id]);
    // The spike ended after three points: once settled, the incident resolves as transient.
    expect(incidents[0]?.status).toBe('resolved');
    expect(incidents[0]?.resolution).toMatch(/transient/);
    await store.close();
  });

  it('rejects bad points with a message, keeps the good ones', async () => {
    const store = await openSqliteStore(':memory:');
    const clock = new ManualClock(T0);
    const engine = await makeEngine(store, clock, 'e2');
    const result = await engine.ingest([
      {
        metric: 'cpu_utilization',
        labels: { 'host.name': 'h1' },
        points: [
          { t: T0, v: 0.5 },
          { t: T0 + MIN, v: Number.NaN },
          { t: -5, v: 1 },
        ],
      },
      { metric: 'bad metric', labels: { 'host.name': 'h1' }, points: [{ t: T0, v: 1 }] },
      { metric: 'up', labels: { job: 'x' }, points: [{ t: T0, v: 1 }] },
    ]);
    expect(result.accepted).toBe(1);
    expect(result.rejected).toBe(4);
    expect(result.errors).toEqual([
      'series[0].points[1].v must be a finite number (got NaN)',
      'series[0].points[2].t must be epoch milliseconds, a non-negative integer (got -5)',
      'series[1] (bad metric): metric must match [a-zA-Z_:][a-zA-Z0-9_:]* (got "bad metric")',
      'series[2] (up): no entity: give "entity" or a label such as entity, service.name, host.name, k8s.pod.name or instance',
    ]);
    const series = await store.listSeries();
    expect(series.map((s) => s.entityId)).toEqual(['host:h1']);
    expect(await store.readPoints(series[0]?.id ?? '', 0, T0 + 10 * MIN)).toEqual([{ t: T0, v: 0.5 }]);
    await store.close();
  });

  it.each([['detector/robust-z'], ['detector/ensemble']])(
    'restores %s state after a restart and scores exactly as an engine that never stopped',
    async (detectorKind) => {
      const dir = mkdtempSync(join(tmpdir(), 'homeostat-engine-'));
      dirs.push(dir);
      const path = join(dir, 'h.db');
      let store = await openSqliteStore(path);
      let clock = new ManualClock(T0);
      let engine = await makeEngine(store, clock, 'r1', { detectorKind });
      await feed(engine, clock, 0, 300);
      await engine.stop();
      await store.close();
      store = await openSqliteStore(path);
      clock = new ManualClock(T0 + 299 * MIN);
      engine = await makeEngine(store, clock, 'r2', { detectorKind });
      // With no simulator and no topology file, the twin comes back from what the store learned.
      expect(engine.twin().entities.map((e) => e.id)).toEqual(['service:checkout']);
      await feed(engine, clock, 300, 360);
      const restored = (await store.listAnomalies({ limit: 10 })).map(strip);
      await store.close();

      const fresh = await openSqliteStore(':memory:');
      const clock2 = new ManualClock(T0);
      const straight = await makeEngine(fresh, clock2, 's1', { detectorKind });
      await feed(straight, clock2, 0, 360);
      const expected = (await fresh.listAnomalies({ limit: 10 })).map(strip);
      await fresh.close();
      expect(restored.length).toBeGreaterThanOrEqual(1);
      expect(restored).toEqual(expected);
      expect(
        (
          await openSqliteStore(path).then(async (s) => {
            const m = await s.loadModelStates('detector:');
            await s.close();
            return m;
          })
        )[0]?.kind,
      ).toBe(detectorKind);
    },
  );
});

describe('Engine feedback', () => {
  it("a false-positive mark refits that series' calibration, is logged, saved, and raises its alert line past a similar spike", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-feedback-'));
    dirs.push(dir);
    const path = join(dir, 'h.db');
    let store = await openSqliteStore(path);
    let clock = new ManualClock(T0);
    let engine = await makeEngine(store, clock, 'f1');
    await feed(engine, clock, 0, 360);
    const [first] = await store.listAnomalies({ limit: 10 });
    expect(first).toBeDefined();
    await engine.feedback({ subjectType: 'anomaly', subjectId: first?.id as string, label: 'false_positive', source: 'operator' });
    const [learn] = await store.listDecisions({ kind: 'learn' });
    expect(learn?.subject).toBe(first?.id);
    expect(learn?.model).toEqual({ kind: 'calibrator/feedback', version: '1' });
    expect(learn?.explanation).toMatch(/^rejected anomaly on cpu_utilization of service:checkout: a score of [\d.]+ now has confidence/);
    const saved = await store.loadModelStates('calibrator:');
    expect(saved).toHaveLength(1);
    expect(saved[0]?.state).toMatchObject({ raws: [first?.score], labels: [0] });
    // One label moves the center by at most maxStep = 2: from the prior's 6 to 8 for a 65σ spike.
    expect((saved[0]?.state as { center?: number } | undefined)?.center).toBeCloseTo(8, 6);
    // The refitted calibration survives a restart and applies to the next spike of the same series.
    await engine.stop();
    await store.close();
    store = await openSqliteStore(path);
    clock = new ManualClock(T0 + 359 * MIN);
    engine = await makeEngine(store, clock, 'f2');
    await feed(engine, clock, 360, 610);
    const second = (await store.listAnomalies({ limit: 10 })).find((a) => a.at >= T0 + 600 * MIN);
    await store.close();

    const plain = await openSqliteStore(':memory:');
    const clock2 = new ManualClock(T0);
    const straight = await makeEngine(plain, clock2, 'p1');
    await feed(straight, clock2, 0, 610);
    const unlabelled = (await plain.listAnomalies({ limit: 10 })).find((a) => a.at >= T0 + 600 * MIN);
    await plain.close();
    expect(unlabelled?.score).toBeGreaterThan(8.2);
    expect(unlabelled?.score).toBeLessThan(10.2);
    expect(unlabelled?.confidence).toBeGreaterThanOrEqual(0.9);
    expect(second).toBeUndefined();
  });

  it('a confirmed root cause labels the root-cause calibration once per incident, is logged, saved and restored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-rca-feedback-'));
    dirs.push(dir);
    const path = join(dir, 'h.db');
    let store = await openSqliteStore(path);
    const clock = new ManualClock(T0);
    let engine = await makeEngine(store, clock, 'r1');
    await feed(engine, clock, 0, 3);
    const hypothesis = (entityId: string, raw: number): Hypothesis => ({
      entityId,
      faultKind: 'cpu_hog',
      confidence: 0.9,
      rawConfidence: raw,
      score: 1,
      evidence: [],
      path: [entityId],
      contributors: [],
    });
    const incident = (id: string, top: Hypothesis): Incident => resolvedIncident(id, [top]);
    await store.upsertIncident(incident('inc-a', hypothesis('service:checkout', 0.7)));
    await store.upsertIncident(incident('inc-b', hypothesis('host:gone', 0.95)));
    const confirm = (id: string) =>
      engine.feedback({ subjectType: 'incident', subjectId: id, label: 'root_cause', value: 'service:checkout', source: 'operator' });
    await confirm('inc-a');
    await confirm('inc-a'); // a second label on the same incident teaches nothing more
    await confirm('inc-b');
    const decisions = (await store.listDecisions({ kind: 'learn' })).reverse();
    const learned = decisions.filter((d) => d.model.kind === 'calibrator/isotonic');
    expect(learned.map((d) => [d.subject, (d.inputs as { right: boolean }).right])).toEqual([
      ['inc-a', true],
      ['inc-b', false],
    ]);
    expect(learned[0]?.model).toEqual({ kind: 'calibrator/isotonic', version: '1' });
    expect(learned[1]?.explanation).toMatch(
      /^root cause of inc-b confirmed as service:checkout: the top hypothesis host:gone was wrong; a raw confidence of 0\.950 now means [\d.]+ \(was [\d.]+\), from 2 confirmed root causes/,
    );
    // The wrong answer at 0.95 lowers what 0.95 means.
    expect(learned[1]?.confidence).toBeLessThan(Number(/was ([\d.]+)/.exec(String(learned[1]?.explanation))?.[1]));
    const [saved] = await store.loadModelStates('rca-calibrator');
    expect(saved?.state).toMatchObject({ raws: [0.7, 0.95], labels: [1, 0] });
    // The same labels teach the ranking's prior: each incident's hypotheses were candidates.
    const taught = decisions.filter((d) => d.model.kind === 'rca/root-cause-priors');
    expect(taught.map((d) => [d.subject, (d.inputs as { candidates: string[] }).candidates])).toEqual([
      ['inc-a', ['service:checkout']],
      ['inc-b', ['host:gone']],
    ]);
    expect(taught[1]?.explanation).toMatch(
      /^root cause of inc-b confirmed as service:checkout: its prior lift is now [\d.]+ \(was [\d.]+\); 1 candidate counted, from 2 confirmed root causes$/,
    );
    const [priors] = await store.loadModelStates('rca-priors');
    expect(priors?.state).toMatchObject({
      total: { n: 3, k: 2 },
      entities: { 'host:gone': { n: 1, k: 0 }, 'service:checkout': { n: 2, k: 2 } },
    });
    await engine.stop();
    await store.close();

    store = await openSqliteStore(path);
    engine = await makeEngine(store, clock, 'r2');
    await store.upsertIncident(incident('inc-c', hypothesis('service:checkout', 0.8)));
    await confirm('inc-c');
    const [last] = await store.listDecisions({ kind: 'learn' });
    expect(last?.explanation).toMatch(/from 3 confirmed root causes/);
    const [restored] = await store.loadModelStates('rca-priors');
    expect(restored?.state).toMatchObject({ total: { n: 4, k: 3 }, entities: { 'service:checkout': { n: 3, k: 3 } } });
    await engine.stop();
    await store.close();
  });

  it('rejects a detector kind that is not in the catalog', () => {
    expect(() => new Engine(bareDeps({ detectorKind: 'detector/magic' }))).toThrow(
      /models\.detectorKind must be a detector of the catalog \(detector\/robust-z, .*; got "detector\/magic"\)/,
    );
  });

  it('rejects feedback on an unknown anomaly and leaves calibration alone', async () => {
    const store = await openSqliteStore(':memory:');
    const engine = await makeEngine(store, new ManualClock(T0), 'f3');
    await expect(
      engine.feedback({ subjectType: 'anomaly', subjectId: 'an-x', label: 'false_positive', source: 'operator' }),
    ).rejects.toThrow(/anomaly "an-x" not found/);
    expect(await store.loadModelStates('calibrator:')).toEqual([]);
    await store.close();
  });
});

describe('Engine demand forecasts', () => {
  it('averages capacity signals into 5-minute buckets for the default forecaster and stores 24 h forecasts with intervals', async () => {
    const store = await openSqliteStore(':memory:');
    const clock = new ManualClock(T0);
    const engine = await makeEngine(store, clock, 'd1');
    // Two days of a daily wave on cpu_utilization, one point a minute, with minute-level jitter
    // that the 5-minute means smooth out.
    const day = 1440;
    const wave = (i: number): number => 0.4 + 0.2 * Math.sin((2 * Math.PI * i) / day) + (i % 2 === 0 ? 0.01 : -0.01);
    for (let i = 0; i < 2 * day + 5; i += 5) {
      clock.set(T0 + (i + 4) * MIN);
      await engine.ingest([
        {
          metric: 'cpu_utilization',
          labels: { 'service.name': 'checkout' },
          points: Array.from({ length: 5 }, (_, k) => ({ t: T0 + (i + k) * MIN, v: wave(i + k) })),
        },
      ]);
      await engine.tick();
    }
    const [latest] = await store.listPredictions({ kind: 'demand', limit: 1 });
    expect(latest?.model).toEqual({ kind: 'forecaster/holt-winters', version: '1' });
    expect(latest?.horizonMs).toBe(24 * 3600_000);
    const f = latest?.forecast;
    expect(f?.t).toHaveLength(144); // 24 h kept at one point per 10 min
    expect((f?.t[1] ?? 0) - (f?.t[0] ?? 0)).toBe(10 * MIN);
    // The forecast follows the wave: one day after the made-at time it is close to the wave's value.
    const at = latest?.at ?? 0;
    f?.t.forEach((t, k) => {
      const i = (t - T0) / MIN;
      expect(Math.abs((f.mean[k] ?? 0) - wave(i))).toBeLessThan(0.06);
      expect(f.lower[k] ?? 0).toBeLessThanOrEqual(f.mean[k] ?? 0);
      expect(f.upper[k] ?? 0).toBeGreaterThanOrEqual(f.mean[k] ?? 0);
      expect(t).toBeGreaterThan(at);
    });
    // The capacity model reads the forecast: the wave peaks near 0.6 of a utilisation share.
    const c = latest?.capacity;
    expect(c?.limit).toBe(1);
    // The plan reads demand sustained an hour: its peak is at most the forecast's 5-minute peak.
    expect(c?.headroom).toBeCloseTo(1 - (c?.peakMean ?? 0), 12);
    expect(c?.peakMean ?? 1).toBeLessThanOrEqual(latest?.value ?? 0);
    expect(c?.peakMean ?? 0).toBeGreaterThan((latest?.value ?? 0) - 0.01);
    expect(c?.headroom).toBeGreaterThan(0.3);
    expect(c?.saturationProbability).toBeLessThan(0.01);
    expect(c?.timeToSaturationMs).toBeUndefined();
    expect(c?.recommendation.action).toBe('none'); // no replicas known for a service learned from telemetry
    expect(latest?.summary).toMatch(/; headroom \d+ %, P\(saturation\) [\d.e-]+; no scaling needed$/);
    // Each forecast, once replaced, is scored against the 5-minute means that arrived meanwhile:
    // live error of the demand forecaster, one regression outcome per forecast, small on a clean wave.
    const outcomes = await store.listModelOutcomes({ name: 'demand-forecaster', limit: 100 });
    expect(outcomes.length).toBeGreaterThan(5);
    expect(outcomes.every((o) => o.kind === 'regression' && o.version === 1)).toBe(true);
    const late = outcomes.filter((o) => o.at >= T0 + day * MIN);
    expect(late.length).toBeGreaterThan(0);
    for (const o of late) {
      expect(o.error).toBeLessThan(0.1); // half the wave's amplitude: a misaligned comparison would be near 0.2
      expect(o.relError).toBeLessThan(0.25);
    }
    await store.close();
  });
});

describe('Engine input drift', () => {
  it('alerts once when a demand series leaves the profile of its reference days, not on another ordinary day', async () => {
    const store = await openSqliteStore(':memory:');
    const clock = new ManualClock(T0);
    const bus = new MemoryBus();
    const drifts: EngineEvent[] = [];
    bus.subscribe('model.drift.>', (e) => {
      drifts.push(e);
    });
    const engine = new Engine({
      store,
      bus,
      twin: new Twin(),
      clock,
      executors: new ExecutorSet([]),
      policy: parsePolicy(POLICY),
      config: {
        ...DEFAULT_ENGINE_CONFIG,
        persistPoints: false,
        learn: { ...DEFAULT_LEARN_CONFIG, featureDriftReferenceMs: 2 * 1440 * MIN },
      },
      idPrefix: 'fd',
    });
    await engine.start();
    const day = 1440;
    // A daily wave with a little deterministic wobble; from day 3 on the level is 60 % higher.
    const wave = (i: number): number =>
      (0.3 + 0.15 * Math.sin((2 * Math.PI * i) / day) + 0.01 * Math.sin(i / 7)) * (i >= 3 * day ? 1.6 : 1);
    const run = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 5) {
        clock.set(T0 + (i + 4) * MIN);
        await engine.ingest([
          {
            metric: 'saturation',
            labels: { 'service.name': 'checkout' },
            points: Array.from({ length: 5 }, (_, k) => ({ t: T0 + (i + k) * MIN, v: wave(i + k) })),
          },
        ]);
        await engine.tick();
      }
    };
    await run(0, 3 * day);
    expect(drifts).toEqual([]);
    await run(3 * day, 4 * day);
    expect(drifts).toHaveLength(1);
    expect(drifts[0]).toMatchObject({ type: 'model.drift', name: 'demand-forecaster', signal: 'saturation of service:checkout' });
    const [logged] = (await store.listDecisions({ kind: 'learn', limit: 10 })).filter((d) => d.subject === 'demand-forecaster');
    expect(logged?.model).toEqual({ kind: 'drift/seasonal-psi-ks', version: '1' });
    expect(logged?.explanation).toMatch(/^input drift of demand-forecaster on saturation of service:checkout: /);
    await store.close();
  });
});

describe('Engine saturation ceilings', () => {
  /** CPU swinging 0.33–0.57 every 4 hours (a robust z's scale absorbs the swing), pinned at 0.93 from minute 600. */
  const swinging = (i: number): number => (i >= 600 ? 0.93 + 0.005 * Math.sin(i) : 0.45 + 0.12 * Math.sin((2 * Math.PI * i) / 240));

  async function run(prefix: string, ceilings: Readonly<Record<string, number>>, level: (i: number) => number) {
    const store = await openSqliteStore(':memory:');
    const clock = new ManualClock(T0);
    const config = { ...DEFAULT_ENGINE_CONFIG, detect: { ...DEFAULT_ENGINE_CONFIG.detect, ceilings }, persistPoints: false };
    const engine = await makeEngine(store, clock, prefix, undefined, config);
    for (let i = 0; i < 620; i++) {
      clock.set(T0 + i * MIN);
      await engine.ingest([
        { metric: 'cpu_utilization', labels: { 'service.name': 'checkout' }, points: [{ t: T0 + i * MIN, v: level(i) }] },
      ]);
      await engine.tick();
    }
    return store;
  }

  it('alarms on a CPU pinned above its ceiling that its score alone (under the alert line) would miss, and dates it from where it began', async () => {
    const store = await run('c1', DEFAULT_ENGINE_CONFIG.detect.ceilings, swinging);
    const [a, ...more] = await store.listAnomalies({ limit: 10 });
    expect(more).toEqual([]);
    expect(a).toMatchObject({ metric: 'cpu_utilization', direction: 'up', at: T0 + 601 * MIN, confidence: 0.9 });
    // 3–8 robust σ: over the ceiling's gate, under the calibrated alert line (8.2σ).
    expect(a?.score).toBeGreaterThanOrEqual(3);
    expect(a?.score).toBeLessThan(8);
    expect(a?.explanation).toMatch(/for 2 points, at or above its saturation ceiling 0\.900$/);
    // The ranking sees the deviation from its first point (10:00), not from when it alerted (10:01).
    const [incident] = await store.listIncidents({ limit: 5 });
    expect(incident?.hypotheses[0]?.entityId).toBe('service:checkout');
    expect(incident?.hypotheses[0]?.evidence[0]).toMatch(/cpu_utilization rose at 10:00 /);
    await store.close();
  });

  it('stays quiet without a ceiling, and on a series whose usual level is already above it', async () => {
    const none = await run('c2', {}, swinging);
    expect(await none.listAnomalies({ limit: 10 })).toEqual([]);
    await none.close();
    // A service that always runs at 0.91–0.95 (its expected value is over the ceiling).
    const hot = await run('c3', DEFAULT_ENGINE_CONFIG.detect.ceilings, (i) => 0.93 + 0.02 * Math.sin((2 * Math.PI * i) / 240));
    expect(await hot.listAnomalies({ limit: 10 })).toEqual([]);
    await hot.close();
  });
});

describe('Engine external alerts', () => {
  it('takes a firing Alertmanager alert on the incident’s entities as root-cause evidence, once however often it is re-sent', async () => {
    const store = await openSqliteStore(':memory:');
    const clock = new ManualClock(T0);
    const engine = await makeEngine(store, clock, 'x1');
    await feed(engine, clock, 0, 340);
    const alert = {
      id: 'am:abc:firing:1',
      at: T0 + 349 * MIN,
      entityId: 'service:checkout',
      kind: 'alert' as const,
      detail: 'HighCPU: checkout CPU above 90 %',
      attributes: { alertname: 'HighCPU', severity: 'critical', 'alert.status': 'firing', 'alert.fingerprint': 'abc' },
    };
    await engine.recordEvents([alert]);
    await engine.recordEvents([alert]); // Alertmanager's repeat notification
    expect((await store.listEvents({ limit: 10 })).filter((e) => e.id === alert.id)).toHaveLength(1);
    // A CPU that stays high (not a three-point spike that clears before anyone ranks it).
    for (let i = 340; i < 375; i++) {
      clock.set(T0 + i * MIN);
      const v = i >= 350 ? 0.95 : value(i);
      await engine.ingest([{ metric: 'cpu_utilization', labels: { 'service.name': 'checkout' }, points: [{ t: T0 + i * MIN, v }] }]);
      await engine.tick();
    }
    const [incident] = await store.listIncidents({ limit: 5 });
    const top = incident?.hypotheses[0];
    expect(top?.entityId).toBe('service:checkout');
    expect(top?.evidence.some((line) => line.includes('alert:HighCPU'))).toBe(true);
    await store.close();
  });
});

describe('Engine root-cause priors', () => {
  it('reads what confirmed root causes taught only when models.rcaPriors is on', async () => {
    const evidenceOf = async (rcaPriors: boolean): Promise<readonly string[]> => {
      const store = await openSqliteStore(':memory:');
      const clock = new ManualClock(T0);
      const engine = await makeEngine(store, clock, rcaPriors ? 'p1' : 'p0', { rcaPriors });
      await feed(engine, clock, 0, 340);
      await store.upsertIncident(resolvedIncident('inc-past', []));
      await engine.feedback({
        subjectType: 'incident',
        subjectId: 'inc-past',
        label: 'root_cause',
        value: 'service:checkout',
        source: 'operator',
      });
      for (let i = 340; i < 375; i++) {
        clock.set(T0 + i * MIN);
        const v = i >= 350 ? 0.95 : value(i);
        await engine.ingest([{ metric: 'cpu_utilization', labels: { 'service.name': 'checkout' }, points: [{ t: T0 + i * MIN, v }] }]);
        await engine.tick();
      }
      const incident = (await store.listIncidents({ limit: 5 })).find((i) => i.id !== 'inc-past');
      await store.close();
      return incident?.hypotheses[0]?.evidence ?? [];
    };
    const history = (lines: readonly string[]) => lines.filter((l) => l.startsWith('history:'));
    // One confirmed root cause, a lone candidate: p₀ = 2/3, service kind (1 + 5·2/3)/6 = 0.7222,
    // checkout (1 + 5·0.7222)/6 = 0.7685, lift 0.7685 / (2/3) = 1.15.
    expect(history(await evidenceOf(true))).toEqual([
      "history: checkout was the confirmed root cause of 1 of 1 labelled incidents it was a candidate in (few: read with its service kind's); prior ×1.15",
    ]);
    expect(history(await evidenceOf(false))).toEqual([]);
  });
});

describe('Engine model records', () => {
  it('registers the models it serves, and a new version only when a config changes', async () => {
    const store = await openSqliteStore(':memory:');
    const clock = new ManualClock(T0);
    await makeEngine(store, clock, 'm1');
    const names = (await store.listModels()).map((m) => m.name);
    expect(names).toEqual([
      'anomaly-calibrator',
      'anomaly-detector',
      'decision-policy',
      'demand-forecaster',
      'failure-risk',
      'root-cause',
      'root-cause-calibration',
    ]);
    expect((await store.listModelVersions('root-cause-calibration'))[0]?.config).toMatchObject({
      enabled: true,
      priorWeight: 1,
      smoothing: 1,
      maxLabels: 1000,
      blocks: [
        { x: 0.4037, n: 6, positives: 1 },
        expect.anything(),
        expect.anything(),
        expect.anything(),
        { x: 0.9725, n: 97, positives: 97 },
      ],
    });
    // Each model is served from the version just registered.
    expect(await store.getModelAliases('failure-risk')).toEqual({ champion: 1 });
    expect((await store.listModelVersions('demand-forecaster')).map((v) => v.kind)).toEqual(['forecaster/holt-winters']);
    expect((await store.listModelVersions('anomaly-detector')).map((v) => [v.version, v.kind])).toEqual([[1, 'detector/robust-z']]);
    await makeEngine(store, clock, 'm2');
    expect(await store.listModelVersions('anomaly-detector')).toHaveLength(1);
    await makeEngine(store, clock, 'm3', { detector: { alpha: 0.02 } }, DEFAULT_ENGINE_CONFIG);
    const versions = await store.listModelVersions('anomaly-detector');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]?.config).toMatchObject({ alpha: 0.02 });
    await store.close();
  });
});

describe('Engine failure-risk model', () => {
  it('serves the trained trees when told: predictions name risk/failure-trees and explain by TreeSHAP', async () => {
    const store = await openSqliteStore(':memory:');
    const clock = new ManualClock(T0);
    const file = JSON.parse(readFileSync(new URL('../../models/failure-trees-sim.json', import.meta.url), 'utf8')) as { config: unknown };
    const twin = new Twin();
    twin.load({ entities: [{ id: 'host:h1', kind: 'host', name: 'h1', attributes: {} }], relations: [] });
    const engine = new Engine({
      store,
      bus: new MemoryBus(),
      twin,
      clock,
      executors: new ExecutorSet([]),
      policy: parsePolicy(POLICY),
      config: { ...DEFAULT_ENGINE_CONFIG, persistPoints: false },
      models: { failureRiskKind: 'risk/failure-trees', failureTrees: file.config as Record<string, unknown> },
      idPrefix: 'ft',
    });
    await engine.start();
    // A disk filling from 60 % by 0.2 % a minute: full in about 3 h.
    for (let i = 0; i < 120; i++) {
      const t = T0 + i * MIN;
      clock.set(t);
      await engine.ingest([{ metric: 'disk_utilization', labels: {}, entity: 'host:h1', points: [{ t, v: 0.6 + 0.002 * i }] }]);
      await engine.tick();
    }
    const [p] = await store.listPredictions({ kind: 'failure_risk', limit: 1 });
    expect(p?.model).toEqual({ kind: 'risk/failure-trees', version: '1' });
    expect(p?.value).toBeGreaterThan(0.5);
    expect(p?.explanation[0]?.name).toMatch(/^disk_utilization /);
    expect((await store.listModelVersions('failure-risk')).map((v) => v.kind)).toEqual(['risk/failure-trees']);
    // It alerts at the trees' own operating threshold (stored in the model), and the alert opens an incident.
    const threshold = (file.config as { threshold: number }).threshold;
    expect(p?.value).toBeGreaterThanOrEqual(threshold);
    expect(p?.value).toBeLessThan(DEFAULT_ENGINE_CONFIG.predict.failureAlertProbability); // the heuristic's line would not alert
    const incidents = await store.listIncidents({ limit: 5 });
    expect(incidents.map((i) => i.entities)).toContainEqual(['host:h1']);
    await engine.stop();
    await store.close();
  });

  it('rejects an unknown risk kind, and the trees without a trained model', () => {
    expect(() => new Engine(bareDeps({ failureRiskKind: 'risk/oracle' }))).toThrow(
      'models.failureRiskKind must be risk/failure-heuristic or risk/failure-trees (got "risk/oracle")',
    );
    expect(() => new Engine(bareDeps({ failureRiskKind: 'risk/failure-trees' }))).toThrow(/needs models\.failureTrees/);
  });
});

/**
 * An engine (default policy) over one service, `service:api` with `replicas` replicas, whose fake
 * executor scales it out: `onScale(action)` runs first, then the replicas grow by the action's `by`.
 */
async function scalingEngine(
  clock: ManualClock,
  idPrefix: string,
  replicas: number,
  onScale: (a: ActionDraft) => void,
): Promise<{ engine: Engine; store: Store; replicas: () => number }> {
  const store = await openSqliteStore(':memory:');
  const twin = new Twin();
  twin.load({ entities: [{ id: 'service:api', kind: 'service', name: 'api', attributes: {}, capacity: { replicas } }], relations: [] });
  let n = replicas;
  const executor: Executor = {
    kind: 'fake',
    supports: (k) => k === 'scale_out',
    plan: (a) => ({ steps: [`scale ${a.target}`], blastRadius: [a.target] }),
    dryRun: async () => ({ ok: true, message: 'would scale' }),
    execute: async (a) => {
      onScale(a);
      n += Number(a.params.by);
      return { ok: true, message: 'scaled' };
    },
  };
  const engine = new Engine({
    store,
    bus: new MemoryBus(),
    twin,
    clock,
    executors: new ExecutorSet([executor]),
    policy: parsePolicy(POLICY),
    config: { ...DEFAULT_ENGINE_CONFIG, persistPoints: false },
    idPrefix,
  });
  await engine.start();
  return { engine, store, replicas: () => n };
}

describe('Engine pre-emptive scaling', () => {
  it('scales a service out before its forecast peak outgrows the planning line, by the size the capacity plan asks for, and verifies it', async () => {
    const clock = new ManualClock(T0);
    const acted: string[] = [];
    const { engine, store, replicas } = await scalingEngine(clock, 'cap', 4, (a) =>
      acted.push(
        `${a.kind} ${a.target} by ${String(a.params.by)} at ${(clock.now() - T0) / MIN} min, saturation ${saturation(clock.now()).toFixed(2)}`,
      ),
    );
    // Demand in replica loads: a daily wave peaking at 15:00 with 3.2 replica loads, i.e. 80 % of
    // four replicas — above the 70 % planning line every afternoon, never above the limit.
    const day = 1440;
    const demand = (t: number): number => {
      const i = (t - T0) / MIN;
      return 1.6 + 1.6 * Math.cos((2 * Math.PI * (i - 900)) / day) + (i % 2 === 0 ? 0.02 : -0.02);
    };
    const saturation = (t: number): number => demand(t) / replicas();
    for (let i = 0; i < 4 * day; i++) {
      const t = T0 + i * MIN;
      clock.set(t);
      await engine.ingest([
        { metric: 'saturation', labels: { 'service.name': 'api' }, entity: 'service:api', points: [{ t, v: saturation(t) }] },
        { metric: 'replicas', labels: { 'service.name': 'api' }, entity: 'service:api', points: [{ t, v: replicas() }] },
      ]);
      await engine.tick();
    }
    // One scale-out, by the plan's size: ⌈4 · 3.2 / 0.7⌉ − 4 = 1 or 2 replicas (the 95 % bound is a little above the peak).
    expect(acted, JSON.stringify(acted)).toHaveLength(1);
    expect(acted[0]).toMatch(/^scale_out service:api by [12] at \d+ min, saturation 0\.\d\d$/);
    // Pre-emptive: taken while the service still had room (below the planning line), before a peak.
    const at = Number(/at (\d+) min/.exec(acted[0] ?? '')?.[1]);
    expect(Number(/saturation (0\.\d+)/.exec(acted[0] ?? '')?.[1])).toBeLessThan(0.7);
    const incidents = await store.listIncidents({ limit: 10 });
    const capacity = incidents.find((i) => /^capacity forecast: service:api needs [12] more replicas?$/.test(i.title));
    expect(capacity?.status, JSON.stringify(incidents.map((i) => [i.title, i.status, i.resolution]))).toBe('resolved');
    expect(capacity?.hypotheses[0]).toMatchObject({ entityId: 'service:api', faultKind: 'traffic_surge' });
    expect(capacity?.hypotheses[0]?.confidence).toBeGreaterThanOrEqual(0.8);
    const actions = await store.listActions({ incidentId: capacity?.id ?? '' });
    expect(actions.map((a) => [a.kind, a.status])).toEqual([['scale_out', 'verified']]);
    const decisions = await store.listDecisions({ limit: 1000 });
    const act = decisions.find((d) => d.kind === 'act');
    expect(act?.explanation).toMatch(/sizing: by \d as the model suggests/);
    // After the scale-out the forecasts are read at the new replicas: no more alerts, and the
    // stored plan has room (the forecaster learned demand in replica units, so it did not see a drop).
    const [latest] = await store.listPredictions({ kind: 'demand', limit: 1 });
    expect(latest?.capacity?.units).toBe(replicas());
    expect(latest?.capacity?.recommendation.action).toBe('none');
    expect(latest?.capacity?.peakMean ?? 1).toBeLessThan(0.7);
    // Three days of history before the forecast may act (capacityMinHistoryMs), then before the next 15:00 peak.
    expect(at).toBeGreaterThanOrEqual(3 * day);
    expect(at).toBeLessThan(3 * day + 900);
    await store.close();
  }, 60_000);
});

describe('Engine reactive scaling', () => {
  it('sizes the scale-out of a surge under way from the live saturation and replicas, as an autoscaler would, and verifies it', async () => {
    const clock = new ManualClock(T0);
    const acted: string[] = [];
    const { engine, store, replicas } = await scalingEngine(clock, 'surge', 2, (a) =>
      acted.push(`${a.kind} ${a.target} by ${String(a.params.by)}`),
    );
    // Demand in replica loads: 0.6 (30 % of two replicas), then from minute 720 a surge to 3.6
    // (saturation 1.8): the rule's fixed "two more" would leave it at 0.9, above its 0.8 bound.
    const surgeAt = 720;
    const demand = (i: number): number => (i < surgeAt ? 0.6 : 3.6) * (1 + (i % 2 === 0 ? 0.02 : -0.02));
    const labels = { 'service.name': 'api' };
    for (let i = 0; i < surgeAt + 120; i++) {
      const t = T0 + i * MIN;
      clock.set(t);
      const d = demand(i);
      const sat = d / replicas();
      await engine.ingest([
        { metric: 'request_rate', labels, entity: 'service:api', points: [{ t, v: 100 * d }] },
        { metric: 'saturation', labels, entity: 'service:api', points: [{ t, v: sat }] },
        { metric: 'cpu_utilization', labels, entity: 'service:api', points: [{ t, v: Math.min(0.95, 0.05 + 0.8 * sat) }] },
        { metric: 'replicas', labels, entity: 'service:api', points: [{ t, v: replicas() }] },
      ]);
      await engine.tick();
    }
    // ⌈2 · 1.8 / 0.7⌉ − 2 = 4 replicas, once: at six the surge runs at 0.6.
    expect(acted).toEqual(['scale_out service:api by 4']);
    const incidents = await store.listIncidents({ limit: 10 });
    const surge = incidents.find((i) => i.hypotheses[0]?.faultKind === 'traffic_surge');
    expect(surge?.status, JSON.stringify(incidents.map((i) => [i.title, i.status, i.resolution]))).toBe('resolved');
    expect(surge?.hypotheses[0]?.evidence.at(-1)).toMatch(
      /^sizing: saturation 1\.\d+ on 2 replicas; 4 more bring it to 0\.7, as an autoscaler would\.$/,
    );
    const decisions = await store.listDecisions({ limit: 1000 });
    expect(decisions.find((d) => d.kind === 'act')?.explanation).toMatch(/sizing: by 4 as the model suggests/);
    await engine.stop();
  });
});
