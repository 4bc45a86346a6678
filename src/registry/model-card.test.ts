import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';
import { modelCard } from './model-card.js';
import { KINDS_WITH_NOTES, kindNotes } from './model-limits.js';
import { ModelRegistry } from './registry.js';

const T0 = Date.UTC(2024, 4, 1);
const HOUR = 3_600_000;

let store: Store;
let clock: ManualClock;
let registry: ModelRegistry;

beforeEach(async () => {
  store = await openSqliteStore(':memory:');
  clock = new ManualClock(T0);
  registry = new ModelRegistry(store, clock);
  await store.upsertModel({ name: 'anomaly-detector', kind: 'detector/robust-z', description: 'robust z | per series', createdAt: T0 });
  await store.putModelVersion({
    name: 'anomaly-detector',
    version: 1,
    kind: 'detector/robust-z',
    specVersion: 1,
    config: { alpha: 0.05 },
    state: null,
    metrics: {},
    stage: 'none',
    createdAt: T0,
  });
  await store.putModelVersion({
    name: 'anomaly-detector',
    version: 2,
    kind: 'detector/robust-z',
    specVersion: 1,
    config: { alpha: 0.02 },
    state: null,
    metrics: { precision: 0.91, ece: 0.04 },
    stage: 'none',
    createdAt: T0 + HOUR,
    description: 'slower baseline',
    lineage: {
      trainedBy: 'cli:train',
      trainedAt: T0 + HOUR,
      codeVersion: '0.1.0',
      dataWindow: { fromMs: T0 - 7 * 24 * HOUR, toMs: T0 },
      dataFingerprint: 'a1b2c3',
      featureSet: ['cpu_utilization', 'latency_p99_ms'],
      parameters: { alpha: 0.02 },
      trigger: 'manual',
    },
  });
});
afterEach(async () => {
  await store.close();
});

describe('modelCard', () => {
  it('a fresh engine version: no lineage, no outcomes, served as the latest version', async () => {
    await store.putModelVersion({ ...(await registry.version('anomaly-detector', 1)), version: 3, createdAt: T0 + 2 * HOUR });
    const card = modelCard(await registry.cardInput('anomaly-detector'));
    expect(card).toContain('# Model card: anomaly-detector, version 3\n');
    expect(card).toContain('| Model | `anomaly-detector`: robust z \\| per series |');
    expect(card).toContain('| Served now | version 3 (the latest version; no champion promoted yet): this version |');
    expect(card).toContain('No lineage recorded: the engine recorded this version at start');
    expect(card).toContain('None recorded: this version was not validated offline');
    expect(card).toContain('No outcomes recorded for this version up to 2024-05-01T00:00:00.000Z');
    expect(card).toContain('- Level shifts: scored high for about 1/alpha points while the baseline adapts.');
    expect(card).toContain('No retraining schedule given.');
    expect(card).toContain('No alias has been set: the engine has served its latest version (now 3) since it was registered.');
    expect(card).toContain('```json\n{\n  "alpha": 0.05\n}\n```');
  });

  it('a trained, promoted version: lineage, offline and live metrics with reliability, retraining, history', async () => {
    await registry.promote('anomaly-detector', 1, { by: 'engine', reason: 'first version' });
    clock.advance(2 * HOUR);
    await registry.promote('anomaly-detector', 2, { by: 'alice', reason: 'better precision' });
    const at = (h: number) => T0 + h * HOUR;
    await registry.recordOutcomes([
      { id: 'o1', name: 'anomaly-detector', version: 2, at: at(3), kind: 'classification', correct: true, confidence: 0.9 },
      { id: 'o2', name: 'anomaly-detector', version: 2, at: at(4), kind: 'classification', correct: false, confidence: 0.9 },
      { id: 'o3', name: 'anomaly-detector', version: 2, at: at(30), kind: 'classification', correct: true, confidence: 0.6 },
    ]);
    const input = await registry.cardInput('anomaly-detector', 2, {
      now: at(31),
      retraining: { schedule: 'every 24 h', triggers: ['input drift (PSI > 0.2)', 'live precision below 0.8'] },
    });
    const card = modelCard(input);
    expect(card).toContain('| Stage | champion (alias champion) |');
    expect(card).toContain('| Description | slower baseline |');
    expect(card).toContain('| Data window | 2024-04-24T00:00:00.000Z to 2024-05-01T00:00:00.000Z |');
    expect(card).toContain('| Data fingerprint (SHA-256) | `a1b2c3` |');
    expect(card).toContain('| Features | `cpu_utilization`, `latency_p99_ms` |');
    expect(card).toContain('| precision | 0.910 |\n| ece | 0.040 |');
    // all: 2 of 3 right; confidences 0.9, 0.9, 0.6 (mean 0.8); Brier (0.01 + 0.81 + 0.16) / 3 = 0.327
    // ECE: bin 0.9: |0.5 − 0.9| · 2/3; bin 0.6: |1 − 0.6| · 1/3 → 0.4
    expect(card).toContain('| all | 3 | 0.667 | 0.800 | 0.400 | 0.327 |');
    expect(card).toContain('| last 1 d | 1 | 1.000 | 0.600 | 0.400 | 0.160 |');
    expect(card).toContain('| before | 2 | 0.500 | 0.900 | 0.400 | 0.410 |');
    expect(card).toContain('| 0.6–0.7 | 1 | 0.600 | 1.000 | +0.400 |\n| 0.9–1.0 | 2 | 0.900 | 0.500 | −0.400 |');
    expect(card).toContain('Trend: not enough outcomes on both sides of the last 1 d window.');
    expect(card).toContain('Schedule: every 24 h.\n\nTriggers:\n\n- input drift (PSI > 0.2)\n- live precision below 0.8');
    expect(card).toContain(
      '| champion | 1 | 2024-05-01T00:00:00.000Z | 2024-05-01T02:00:00.000Z | engine | first version |\n| champion | **2** | 2024-05-01T02:00:00.000Z | now | alice | better precision |',
    );
    expect(modelCard(input)).toBe(card);
  });

  it('regression outcomes give MAE, relative error and coverage', async () => {
    await registry.recordOutcomes([
      { id: 'f1', name: 'anomaly-detector', version: 1, at: T0, kind: 'regression', error: 2, relError: 0.1, covered: true },
      { id: 'f2', name: 'anomaly-detector', version: 1, at: T0, kind: 'regression', error: 4, relError: 0.3, covered: false },
    ]);
    const card = modelCard(await registry.cardInput('anomaly-detector', 1));
    expect(card).toContain('| all | 2 | 3.000 | 0.200 | 0.500 |');
  });

  it('every kind of the engine has notes with limits, and unknown kinds fall back', () => {
    for (const kind of KINDS_WITH_NOTES) expect(kindNotes(kind).limits.length, kind).toBeGreaterThan(0);
    expect(kindNotes('detector/new-one').use).toBe(kindNotes('detector/robust-z').use);
    expect(kindNotes('detector/new-one').limits).toEqual([]);
    expect(kindNotes('mystery/x').use).toBe('Not described for this kind.');
  });
});
