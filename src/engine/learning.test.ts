import { describe, expect, it } from 'vitest';
import { registerPriorCalibrator, scoredAnomaly } from '../../test/fixtures/learning-fixture.js';
import { MemoryBus } from '../bus/memory/index.js';
import type { EngineEvent } from '../bus/index.js';
import { ManualClock } from '../clock.js';
import { ModelRegistry } from '../registry/registry.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { DEFAULT_LEARN_CONFIG, ModelLearning } from './learning.js';

const T0 = Date.UTC(2026, 0, 5);
const MIN = 60_000;
const H = 3600_000;

describe('ModelLearning', () => {
  it('records live outcomes, detects a drop of live precision, retrains, promotes and serves the challenger', async () => {
    const store = await openSqliteStore(':memory:');
    const bus = new MemoryBus();
    const clock = new ManualClock(T0);
    const events: EngineEvent[] = [];
    bus.subscribe('model.>', (e) => {
      events.push(e);
    });
    await registerPriorCalibrator(store, T0);
    let served: unknown = { center: 6, width: 1 };
    const applied: unknown[] = [];
    const logged: string[] = [];
    const learning = new ModelLearning({
      store,
      bus,
      clock,
      config: { ...DEFAULT_LEARN_CONFIG, minNewLabels: 1000, checkEveryMs: H },
      codeVersion: 'homeostat test',
      served: () => served,
      apply: (_, config) => {
        served = config;
        applied.push(config);
      },
      log: async (_subject, _model, _inputs, _output, _confidence, explanation) => {
        logged.push(explanation);
      },
      onError: (e) => {
        throw e;
      },
    });
    await learning.start();
    expect(learning.serving('anomaly-calibrator')).toBe(1);
    expect(await store.getModelAliases('anomaly-calibrator')).toEqual({ champion: 1 });

    // 180 labels, one every 10 min: the first 100 mostly right (strong faults scored 14–18, one
    // rejected 7 in ten), then the fleet changes and every alert scored 7–9 is rejected.
    let mistakesAfterChange = 0;
    for (let i = 0; i < 180; i++) {
      const at = T0 + i * 10 * MIN;
      clock.set(at + 5 * MIN);
      const changed = i >= 100;
      const real = changed ? i % 4 === 0 : i % 10 !== 0;
      const a = scoredAnomaly(`an-${i}`, at, real ? 14 + (i % 5) : 7 + (i % 3));
      await store.insertAnomalies([a]);
      const fb = {
        id: `fb-${i}`,
        at: at + 5 * MIN,
        subjectType: 'anomaly' as const,
        subjectId: a.id,
        label: real ? ('true_positive' as const) : ('false_positive' as const),
        source: 'simulator' as const,
      };
      await store.insertFeedback([fb]);
      await learning.onFeedback(fb, { anomaly: { at: a.at, confidence: a.confidence } });
      if (changed && !real) mistakesAfterChange++;
    }
    expect(mistakesAfterChange).toBeGreaterThan(30);
    const outcomes = await store.listModelOutcomes({ name: 'anomaly-calibrator', limit: 1000 });
    expect(outcomes).toHaveLength(180);
    expect(outcomes.every((o) => o.version === 1 && o.kind === 'classification')).toBe(true);
    const drift = events.filter((e) => e.type === 'model.drift');
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ name: 'anomaly-calibrator', signal: 'mistakes' });
    // It fired after the change, not before.
    expect((drift[0] as { at: number }).at).toBeGreaterThan(T0 + 100 * 10 * MIN);

    clock.set(T0 + 30 * H);
    const [report] = await learning.tick(clock.now());
    expect(report?.trigger).toMatch(/^accuracy: mistakes rose/);
    expect(report?.promoted).toBe(true);
    expect(report?.challenger?.version).toBe(2);
    // The rejected 7–9s push the center up past them; the confirmed 14–18s stay above it.
    const center = (applied[0] as { center: number }).center;
    expect(center).toBeGreaterThan(9);
    expect(center).toBeLessThan(14);
    expect(learning.serving('anomaly-calibrator')).toBe(2);
    expect(await store.getModelAliases('anomaly-calibrator')).toEqual({ champion: 2 });
    const history = await store.listModelAliasEvents('anomaly-calibrator');
    expect(history.map((h) => [h.version, h.by])).toEqual([
      [1, 'engine'],
      [2, 'engine:retrain'],
    ]);
    const versions = await store.listModelVersions('anomaly-calibrator');
    expect(versions.map((v) => v.stage)).toEqual(['archived', 'champion']);
    expect(versions[1]?.lineage).toMatchObject({ trainedBy: 'engine:retrain', codeVersion: 'homeostat test' });
    expect(events.filter((e) => e.type === 'model.promoted')).toHaveLength(1);
    expect(logged.some((l) => l.startsWith('retraining anomaly-calibrator (accuracy: mistakes rose'))).toBe(true);
    // Nothing new since: the next check trains nothing.
    clock.set(T0 + 31 * H);
    expect(await learning.tick(clock.now())).toEqual([]);

    // A restart serves the trained champion again.
    served = { center: 6, width: 1 };
    const again = new ModelLearning({
      store,
      bus,
      clock,
      config: DEFAULT_LEARN_CONFIG,
      codeVersion: 'x',
      served: () => served,
      apply: (_, config) => {
        served = config;
      },
      log: async () => {},
      onError: () => {},
    });
    await again.start();
    expect(again.serving('anomaly-calibrator')).toBe(2);
    expect((served as { center: number }).center).toBe(center);
    // A rollback made outside the engine (CLI, API) is served from the next tick.
    await new ModelRegistry(store, clock).rollback('anomaly-calibrator', { by: 'cli', reason: 'too quiet' });
    await again.tick(clock.now());
    expect(again.serving('anomaly-calibrator')).toBe(1);
    expect(served).toEqual({ center: 6, width: 1 });
    await store.close();
  });
});
