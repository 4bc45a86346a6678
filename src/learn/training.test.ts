import { describe, expect, it } from 'vitest';
import { scoredAnomaly } from '../../test/fixtures/learning-fixture.js';
import type { Anomaly, Feedback, Hypothesis, Incident, ModelVersion } from '../records/types.js';
import type { Store } from '../store/store.js';
import { calibrationFigures } from './calibration-metrics.js';
import { anomalyCalibratorTrainer, fingerprint, rootCauseCalibrationTrainer, trainAndValidate } from './training.js';

const T0 = Date.UTC(2026, 0, 5);
const MIN = 60_000;

/** Just what the pipeline reads and writes, in memory. */
class FakeStore {
  readonly feedback: Feedback[] = [];
  readonly anomalies = new Map<string, Anomaly>();
  readonly incidents = new Map<string, Incident>();
  readonly versions: ModelVersion[] = [];
  champion: number | undefined;

  async listFeedback(filter: { fromMs?: number; toMs?: number; limit?: number }): Promise<Feedback[]> {
    return this.feedback
      .filter((f) => f.at >= (filter.fromMs ?? 0) && f.at < (filter.toMs ?? Number.POSITIVE_INFINITY))
      .sort((a, b) => b.at - a.at)
      .slice(0, filter.limit ?? 100);
  }
  async getAnomaly(id: string): Promise<Anomaly | undefined> {
    return this.anomalies.get(id);
  }
  async getIncident(id: string): Promise<Incident | undefined> {
    return this.incidents.get(id);
  }
  async getModelAliases(): Promise<{ champion?: number }> {
    return this.champion === undefined ? {} : { champion: this.champion };
  }
  async listModelVersions(name: string): Promise<ModelVersion[]> {
    return this.versions.filter((v) => v.name === name);
  }
  async putModelVersion(v: ModelVersion): Promise<void> {
    this.versions.push(v);
  }
}

/** Anomalies scored 7–9 are noise (rejected), 12–16 are faults (confirmed): the prior (center 6) trusts both. */
function noisyFleet(store: FakeStore, n: number): void {
  for (let i = 0; i < n; i++) {
    const fault = i % 3 === 0;
    const score = fault ? 12 + (i % 5) : 7 + (i % 3);
    const at = T0 + i * 10 * MIN;
    store.anomalies.set(`an-${i}`, scoredAnomaly(`an-${i}`, at, score));
    store.feedback.push({
      id: `fb-${i}`,
      at: at + 5 * MIN,
      subjectType: 'anomaly',
      subjectId: `an-${i}`,
      label: fault ? 'true_positive' : 'false_positive',
      source: 'simulator',
    });
  }
}

describe('trainAndValidate', () => {
  const promote = (log: unknown[]) => async (name: string, version: number, why: { by: string; reason: string }) => {
    log.push({ name, version, ...why });
  };

  it('fits a challenger on the earlier rows, beats the champion on the later ones, registers it with lineage and promotes it', async () => {
    const store = new FakeStore();
    noisyFleet(store, 90);
    const promoted: unknown[] = [];
    const report = await trainAndValidate(anomalyCalibratorTrainer, store as unknown as Store, promote(promoted), {
      now: T0 + 2 * 86_400_000,
      trigger: 'accuracy: live precision fell',
      trainedBy: 'engine:retrain',
      codeVersion: 'homeostat 0.1.0',
      servedConfig: { center: 6, width: 1 },
    });
    expect(report).toMatchObject({ rows: 90, trainRows: 63, validateRows: 27, promoted: true });
    const center = (report.challenger?.config as { center: number } | undefined)?.center ?? Number.NaN;
    // The rejected 7–9s and confirmed 12–16s put the coin flip between them.
    expect(center).toBeGreaterThan(9);
    expect(center).toBeLessThan(12);
    expect(report.challenger?.figures.log_loss).toBeLessThan((report.champion?.figures.log_loss ?? 0) * 0.98);
    expect(promoted).toEqual([
      {
        name: 'anomaly-calibrator',
        version: 1,
        by: 'engine:retrain',
        reason: expect.stringMatching(/^accuracy: live precision fell: log-loss/),
      },
    ]);
    const [v] = store.versions;
    expect(v).toMatchObject({ name: 'anomaly-calibrator', version: 1, kind: 'calibrator/logistic', stage: 'none' });
    expect(v?.lineage).toMatchObject({
      trainedBy: 'engine:retrain',
      codeVersion: 'homeostat 0.1.0',
      trigger: 'accuracy: live precision fell',
      dataWindow: { fromMs: T0, toMs: T0 + 89 * 10 * MIN },
      featureSet: ['detector raw score (robust σ)'],
    });
    expect(v?.lineage?.dataFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(v?.metrics.champion_log_loss).toBeCloseTo(report.champion?.figures.log_loss ?? 0, 5);
  });

  it('keeps the champion and says why when the challenger is not better by the margin', async () => {
    const store = new FakeStore();
    noisyFleet(store, 90);
    // A champion that already separates the two groups well.
    store.versions.push({
      name: 'anomaly-calibrator',
      version: 4,
      kind: 'calibrator/logistic',
      specVersion: 1,
      config: { center: 10.5, width: 0.5 },
      state: null,
      metrics: {},
      stage: 'champion',
      createdAt: T0,
    });
    store.champion = 4;
    const promoted: unknown[] = [];
    const report = await trainAndValidate(anomalyCalibratorTrainer, store as unknown as Store, promote(promoted), {
      now: T0 + 2 * 86_400_000,
      trigger: 'schedule',
      trainedBy: 'cli:train',
      codeVersion: 'x',
      servedConfig: { center: 6, width: 1 },
      margin: 0.5,
    });
    expect(report.promoted).toBe(false);
    expect(report.reason).toMatch(/^not promoted: log-loss .* needed 50\.0 %\)$/);
    expect(report.champion?.version).toBe(4);
    expect(promoted).toEqual([]);
    expect(store.versions.at(-1)).toMatchObject({ version: 5, description: report.reason, metrics: { champion_version: 4 } });
  });

  it('does not train on too few labels or a one-class validation slice', async () => {
    const store = new FakeStore();
    noisyFleet(store, 20);
    const options = { now: T0 + 86_400_000, trigger: 'labels', trainedBy: 't', codeVersion: 'x', servedConfig: {} };
    const few = await trainAndValidate(anomalyCalibratorTrainer, store as unknown as Store, async () => {}, options);
    expect(few).toMatchObject({ rows: 20, promoted: false, reason: '20 labelled outputs in the window, fewer than the 40 needed' });
    expect(store.versions).toEqual([]);
    const one = new FakeStore();
    for (let i = 0; i < 40; i++) {
      one.anomalies.set(`a${i}`, scoredAnomaly(`a${i}`, T0 + i * MIN, 8));
      one.feedback.push({
        id: `f${i}`,
        at: T0 + i * MIN,
        subjectType: 'anomaly',
        subjectId: `a${i}`,
        label: 'false_positive',
        source: 'operator',
      });
    }
    expect((await trainAndValidate(anomalyCalibratorTrainer, one as unknown as Store, async () => {}, options)).reason).toMatch(
      /one class only/,
    );
    await expect(
      trainAndValidate(anomalyCalibratorTrainer, store as unknown as Store, async () => {}, { ...options, validateShare: 1 }),
    ).rejects.toThrow('validateShare must be in (0, 1) (got 1)');
  });
});

describe('rootCauseCalibrationTrainer', () => {
  const hypothesis = (entityId: string, raw: number): Hypothesis => ({
    entityId,
    faultKind: 'cpu_hog',
    confidence: 0.9,
    rawConfidence: raw,
    score: 1,
    evidence: [],
    path: [],
    contributors: [],
  });

  it('reads the first confirmed root cause of each incident against its top hypothesis', async () => {
    const store = new FakeStore();
    const incident = (id: string, openedAt: number, top: Hypothesis): Incident => ({
      id,
      title: id,
      status: 'resolved',
      severity: 'low',
      openedAt,
      updatedAt: openedAt,
      entities: [],
      anomalyIds: [],
      predictionIds: [],
      hypotheses: [top],
    });
    store.incidents.set('i1', incident('i1', T0, hypothesis('service:a', 0.7)));
    store.incidents.set('i2', incident('i2', T0 + MIN, hypothesis('service:b', 0.9)));
    const rc = (id: string, subjectId: string, at: number, value: string): Feedback => ({
      id,
      at,
      subjectType: 'incident',
      subjectId,
      label: 'root_cause',
      value,
      source: 'operator',
    });
    store.feedback.push(
      rc('f1', 'i1', T0 + 10 * MIN, 'service:a'),
      rc('f2', 'i1', T0 + 20 * MIN, 'service:z'),
      rc('f3', 'i2', T0 + 30 * MIN, 'service:c'),
    );
    const rows = await rootCauseCalibrationTrainer.collect(store as unknown as Store, { fromMs: T0, toMs: T0 + 86_400_000 });
    expect(rows.sort((a, b) => a.at - b.at)).toEqual([
      { at: T0, raw: 0.7, label: true, subject: 'i1' },
      { at: T0 + MIN, raw: 0.9, label: false, subject: 'i2' },
    ]);
  });

  it('fits on the champion blocks plus the new rows, so new wrong answers lower what a raw confidence means', () => {
    const champion = { blocks: [{ x: 0.9, n: 10, positives: 10 }], smoothing: 0 };
    const rows = Array.from({ length: 10 }, (_, i) => ({ at: T0 + i, raw: 0.9, label: false, subject: `i${i}` }));
    const fitted = rootCauseCalibrationTrainer.fit(rows, champion);
    expect(rootCauseCalibrationTrainer.probability(champion)(0.9)).toBe(1);
    expect(rootCauseCalibrationTrainer.probability(fitted)(0.9)).toBeCloseTo(0.5, 12);
    expect(() => rootCauseCalibrationTrainer.fit(rows, { blocks: 'x' })).toThrow(/needs blocks/);
  });
});

describe('calibrationFigures and fingerprint', () => {
  it('computes log-loss, Brier and ECE by hand', () => {
    const f = calibrationFigures([0.9, 0.2, 0.6], [true, false, false]);
    expect(f.brier).toBeCloseTo((0.01 + 0.04 + 0.36) / 3, 12);
    expect(f.log_loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.4)) / 3, 12);
    // Bins: 0.2 (|0 − 0.2|), 0.6 (|0 − 0.6|), 0.9 (|1 − 0.9|), one case each.
    expect(f.ece).toBeCloseTo((0.2 + 0.6 + 0.1) / 3, 12);
    expect(() => calibrationFigures([1.2], [true])).toThrow('probability 0 must be in [0, 1] (got 1.2)');
  });

  it('fingerprints rows: the same rows, the same hash', () => {
    const rows = [{ at: 1, raw: 2, label: true, subject: 'a' }];
    expect(fingerprint(rows)).toBe(fingerprint([{ at: 1, raw: 2, label: true, subject: 'a' }]));
    expect(fingerprint(rows)).not.toBe(fingerprint([{ at: 1, raw: 2, label: false, subject: 'a' }]));
  });
});
