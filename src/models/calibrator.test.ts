import { describe, expect, it } from 'vitest';
import { LogisticCalibrator, logisticCalibratorSpec } from './calibrator.js';
import { mulberry32 } from './detector-contract.js';

describe('LogisticCalibrator', () => {
  it('maps raw scores monotonically with the prior center 6, width 1', () => {
    const c = logisticCalibratorSpec.create(logisticCalibratorSpec.defaults);
    expect(c.calibrate(6)).toBe(0.5);
    expect(c.calibrate(8)).toBeCloseTo(1 / (1 + Math.exp(-2)), 15); // 0.8808
    expect(c.calibrate(4)).toBeCloseTo(0.1192, 4);
    expect(c.calibrate(0)).toBeCloseTo(0.00247, 5);
    expect(c.calibrate(Infinity)).toBe(1);
    expect(c.calibrate(Number.NaN)).toBe(0);
    const raws = [0, 1, 2, 3, 5, 5.5, 6, 7, 10, 40, 1000];
    const ps = raws.map((r) => c.calibrate(r));
    for (let i = 1; i < ps.length; i++) expect(ps[i]).toBeGreaterThanOrEqual(ps[i - 1] as number);
  });

  it('fit recovers a known logistic relation from synthetic labels', () => {
    const random = mulberry32(42);
    const raws: number[] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = 10 * random();
      raws.push(r);
      labels.push(random() < 1 / (1 + Math.exp(-(r - 4) / 0.5)));
    }
    const c = new LogisticCalibrator(logisticCalibratorSpec.defaults);
    const fitted = c.fit(raws, labels);
    expect(fitted.center).toBeCloseTo(4, 1);
    expect(fitted.width).toBeGreaterThan(0.4);
    expect(fitted.width).toBeLessThan(0.6);
    expect(c.calibrate(4)).toBeCloseTo(0.5, 1);
    const restored = logisticCalibratorSpec.create(logisticCalibratorSpec.defaults, JSON.parse(JSON.stringify(c.state())));
    expect(restored.calibrate(4.3)).toBe(c.calibrate(4.3));
  });

  it('stays finite and monotone on one-class or signal-free labels', () => {
    const c = new LogisticCalibrator({ center: 6, width: 1 });
    const allFalse = c.fit([1, 2, 3, 4, 5], [false, false, false, false, false]);
    expect(Number.isFinite(allFalse.center) && allFalse.width > 0).toBe(true);
    expect(allFalse.center).toBeGreaterThan(6); // pushed up: nothing here was an anomaly
    const d = new LogisticCalibrator({ center: 6, width: 1 });
    const inverted = d.fit([1, 2, 9, 10, 1, 2, 9, 10], [true, true, false, false, true, true, false, false], { l2: 0 });
    expect(inverted.width).toBeGreaterThan(0);
    expect(d.calibrate(10)).toBeGreaterThanOrEqual(d.calibrate(1));
  });

  it('rejects bad fit input, bad config and states of another version', () => {
    const c = new LogisticCalibrator({ center: 6, width: 1 });
    expect(() => c.fit([1, 2], [true])).toThrow('calibrator/logistic: fit needs one label per raw score (got 2 scores and 1 labels)');
    expect(() => c.fit([1, Number.NaN], [true, false])).toThrow('raw scores must be finite (got NaN at index 1)');
    expect(() => logisticCalibratorSpec.parse({ width: 0 })).toThrow('calibrator/logistic: width must be a number > 0 (got 0)');
    expect(() => logisticCalibratorSpec.create(logisticCalibratorSpec.defaults, { version: 2, center: 1, width: 1 })).toThrow(
      'state has version 2',
    );
    expect(() => logisticCalibratorSpec.create(logisticCalibratorSpec.defaults, { version: 1, center: 1, width: -1 })).toThrow(
      'width must be > 0 (got -1)',
    );
  });
});
