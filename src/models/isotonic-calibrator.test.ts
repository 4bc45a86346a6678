import { describe, expect, it } from 'vitest';
import { isotonicCalibratorSpec, isotonicPrior, poolAdjacentViolators } from './isotonic-calibrator.js';

const config = (over: Partial<{ priorWeight: number; smoothing: number; maxLabels: number }> = {}) =>
  isotonicCalibratorSpec.parse({ priorWeight: 1, smoothing: 0, maxLabels: 100, ...over });

describe('poolAdjacentViolators', () => {
  it('pools a decreasing pair into one block at the mean', () => {
    expect(
      poolAdjacentViolators([
        { x: 0.2, n: 1, positives: 1 },
        { x: 0.8, n: 1, positives: 0 },
      ]),
    ).toEqual([{ x: 0.5, n: 2, positives: 1 }]);
  });

  it('keeps an increasing sequence, sorts by x and drops empty blocks', () => {
    expect(
      poolAdjacentViolators([
        { x: 0.9, n: 2, positives: 2 },
        { x: 0.1, n: 2, positives: 0 },
        { x: 0.5, n: 0, positives: 0 },
        { x: 0.5, n: 4, positives: 2 },
      ]),
    ).toEqual([
      { x: 0.1, n: 2, positives: 0 },
      { x: 0.5, n: 4, positives: 2 },
      { x: 0.9, n: 2, positives: 2 },
    ]);
  });

  it('pools backwards as far as needed: 1, 1, 0 → one block of 2/3', () => {
    const out = poolAdjacentViolators([
      { x: 1, n: 1, positives: 0 },
      { x: 2, n: 1, positives: 1 },
      { x: 3, n: 1, positives: 1 },
      { x: 4, n: 1, positives: 0 },
    ]);
    // 0 | 1, 1, 0 → the last three pool to 2/3 at x = 3.
    expect(out).toEqual([
      { x: 1, n: 1, positives: 0 },
      { x: 3, n: 3, positives: 2 },
    ]);
  });
});

describe('IsotonicCalibrator', () => {
  it('interpolates between block means and is flat outside them', () => {
    const c = isotonicCalibratorSpec.create(
      config(),
      isotonicPrior([
        { x: 0.3, n: 4, positives: 1 },
        { x: 0.9, n: 4, positives: 4 },
      ]),
    );
    expect(c.calibrate(0.6)).toBeCloseTo(0.625, 12);
    expect(c.calibrate(0.1)).toBe(0.25);
    expect(c.calibrate(0.99)).toBe(1);
    expect(c.calibrate(Number.NaN)).toBe(0.25);
  });

  it('shrinks each block towards 1/2 by `smoothing` pseudo-cases', () => {
    const c = isotonicCalibratorSpec.create(config({ smoothing: 2 }), isotonicPrior([{ x: 0.9, n: 8, positives: 8 }]));
    // (8 + 1) / (8 + 2)
    expect(c.calibrate(0.9)).toBeCloseTo(0.9, 12);
  });

  it('returns 1/2 with no case at all', () => {
    expect(isotonicCalibratorSpec.create(config()).calibrate(0.7)).toBe(0.5);
  });

  it('learns from labels weighed against the prior by priorWeight', () => {
    const prior = isotonicPrior([{ x: 0.8, n: 4, positives: 4 }]);
    const heavy = isotonicCalibratorSpec.create(config({ priorWeight: 1 }), prior);
    const light = isotonicCalibratorSpec.create(config({ priorWeight: 0.25 }), prior);
    for (const c of [heavy, light]) {
      c.label(0.8, false);
      c.label(0.8, false);
    }
    // 4 of 6 right vs 1 of 3 right.
    expect(heavy.calibrate(0.8)).toBeCloseTo(4 / 6, 12);
    expect(light.calibrate(0.8)).toBeCloseTo(1 / 3, 12);
    expect(heavy.labelCount).toBe(2);
  });

  it('stays non-decreasing when labels contradict the prior', () => {
    const c = isotonicCalibratorSpec.create(
      config({ smoothing: 1 }),
      isotonicPrior([
        { x: 0.4, n: 6, positives: 1 },
        { x: 0.7, n: 28, positives: 26 },
        { x: 0.95, n: 90, positives: 90 },
      ]),
    );
    for (let i = 0; i < 20; i++) c.label(0.95, false);
    let last = -1;
    for (let x = 0; x <= 1.0001; x += 0.05) {
      const p = c.calibrate(x);
      expect(p).toBeGreaterThanOrEqual(last);
      last = p;
    }
    expect(c.calibrate(0.95)).toBeLessThan(0.9);
  });

  it('keeps the most recent maxLabels labels', () => {
    const c = isotonicCalibratorSpec.create(config({ maxLabels: 2 }));
    c.label(0.5, true);
    c.label(0.5, false);
    c.label(0.5, false);
    expect(c.state().labels).toEqual([0, 0]);
    expect(c.calibrate(0.5)).toBe(0);
  });

  it('restores bit for bit from its state', () => {
    const c = isotonicCalibratorSpec.create(config({ smoothing: 1 }), isotonicPrior([{ x: 0.6, n: 10, positives: 7 }]));
    c.label(0.9, true);
    c.label(0.3, false);
    const copy = isotonicCalibratorSpec.create(config({ smoothing: 1 }), JSON.parse(JSON.stringify(c.state())));
    for (const x of [0, 0.3, 0.45, 0.6, 0.77, 0.9, 1]) expect(copy.calibrate(x)).toBe(c.calibrate(x));
    expect(copy.state()).toEqual(c.state());
  });

  it('rejects a bad label, config and state with what was expected', () => {
    const c = isotonicCalibratorSpec.create(config());
    expect(() => c.label(Number.POSITIVE_INFINITY, true)).toThrow(/must be finite \(got Infinity\)/);
    expect(() => isotonicCalibratorSpec.parse({ smoothing: -1 })).toThrow(/smoothing/);
    expect(() => isotonicCalibratorSpec.parse({ nope: 1 })).toThrow(/nope/);
    const state = { ...isotonicPrior([{ x: 0.5, n: 2, positives: 1 }]), priorPositives: [3] };
    expect(() => isotonicCalibratorSpec.create(config(), state)).toThrow(/0 <= positives <= n/);
    expect(() => isotonicCalibratorSpec.create(config(), { ...isotonicPrior([]), raws: [0.5], labels: [] })).toThrow(
      /one label per raw score/,
    );
    expect(() => isotonicCalibratorSpec.create(config(), { ...isotonicPrior([]), raws: [0.5], labels: [2] })).toThrow(/0 or 1/);
  });
});
