import { describe, expect, it } from 'vitest';
import { isotonicCalibratorSpec } from '../models/isotonic-calibrator.js';
import type { Hypothesis } from '../records/types.js';
import { calibrateRanking, DEFAULT_RCA_CALIBRATION } from './calibration.js';

const hypothesis = (entityId: string, confidence: number, extra: Partial<Hypothesis> = {}): Hypothesis => ({
  entityId,
  faultKind: 'memory_leak',
  confidence,
  score: confidence,
  evidence: ['e'],
  path: [entityId],
  contributors: [],
  ...extra,
});

describe('calibrateRanking', () => {
  it('calibrates the top, shares the rest in proportion to raw confidence and keeps the raw values', () => {
    const out = calibrateRanking([hypothesis('a', 0.6), hypothesis('b', 0.3), hypothesis('c', 0.1)], () => 0.8);
    expect(out.map((h) => h.entityId)).toEqual(['a', 'b', 'c']);
    expect(out[0]?.confidence).toBe(0.8);
    // The 0.4 left by the raw top becomes 0.2: b gets 0.3/0.4 of it, c 0.1/0.4.
    expect(out[1]?.confidence).toBeCloseTo(0.15, 12);
    expect(out[2]?.confidence).toBeCloseTo(0.05, 12);
    expect(out.map((h) => h.rawConfidence)).toEqual([0.6, 0.3, 0.1]);
    expect(out[0]?.evidence.at(-1)).toMatch(/raw confidence of 0\.60 named the true root cause 80 %/);
  });

  it('never lets a runner-up exceed the calibrated top', () => {
    const out = calibrateRanking([hypothesis('a', 0.4), hypothesis('b', 0.35)], () => 0.2);
    expect(out[0]?.confidence).toBe(0.2);
    expect(out[1]?.confidence).toBe(0.2);
  });

  it('leaves a skipped top (another model’s probability) and an empty ranking alone', () => {
    const plan = hypothesis('svc', 0.9, { faultKind: 'traffic_surge', params: { by: 2 } });
    const out = calibrateRanking(
      [plan, hypothesis('b', 0.05)],
      () => 0.1,
      (h) => h.params !== undefined,
    );
    expect(out[0]).toBe(plan);
    expect(out[1]?.confidence).toBe(0.05);
    expect(calibrateRanking([], () => 1)).toEqual([]);
  });

  it('recalibrates from the raw value when a ranking is calibrated twice', () => {
    const once = calibrateRanking([hypothesis('a', 0.6)], (r) => r + 0.3);
    const twice = calibrateRanking(once, (r) => r + 0.3);
    expect(twice[0]?.confidence).toBeCloseTo(0.9, 12);
    expect(twice[0]?.rawConfidence).toBe(0.6);
  });
});

describe('DEFAULT_RCA_CALIBRATION', () => {
  const calibrator = isotonicCalibratorSpec.create(isotonicCalibratorSpec.defaults, DEFAULT_RCA_CALIBRATION);

  it('holds monotone PAV blocks of the 201 dev rankings', () => {
    expect(DEFAULT_RCA_CALIBRATION.priorN.reduce((s, n) => s + n, 0)).toBe(201);
    const shares = DEFAULT_RCA_CALIBRATION.priorN.map((n, i) => (DEFAULT_RCA_CALIBRATION.priorPositives[i] ?? 0) / n);
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThan(shares[i - 1] ?? 1);
  });

  it('raises the modest middle and lowers the bold bottom of the raw confidence', () => {
    // Block 0.70: 26 of 28 right, shrunk by one pseudo-case at 1/2.
    expect(calibrator.calibrate(0.7046)).toBeCloseTo(26.5 / 29, 4);
    expect(calibrator.calibrate(0.3)).toBeCloseTo(1.5 / 7, 4);
    expect(calibrator.calibrate(0.65)).toBeGreaterThan(0.8);
  });
});
