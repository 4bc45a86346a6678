import { describe, expect, it } from 'vitest';
import { FeedbackCalibrator, feedbackCalibratorSpec } from './feedback-calibrator.js';

const prior = feedbackCalibratorSpec.defaults;

describe('FeedbackCalibrator', () => {
  it('starts at the prior: raw 6 is a coin flip, 8 is 0.881', () => {
    const c = new FeedbackCalibrator(prior);
    expect(c.calibrate(6)).toBeCloseTo(0.5, 12);
    expect(c.calibrate(8)).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(c.labelCount).toBe(0);
  });

  it('a rejected anomaly lowers the confidence of its score; confirmations raise it back', () => {
    const c = new FeedbackCalibrator(prior);
    const before = c.calibrate(7);
    c.label(7, false);
    const afterFp = c.calibrate(7);
    expect(before).toBeCloseTo(0.7311, 4);
    expect(afterFp).toBeLessThan(0.6);
    c.label(7, false);
    c.label(7.5, false);
    expect(c.calibrate(7)).toBeLessThan(afterFp);
    const lowered = c.calibrate(7);
    c.label(7, true);
    c.label(7.2, true);
    expect(c.calibrate(7)).toBeGreaterThan(lowered);
    expect(c.calibrate(20)).toBeGreaterThan(c.calibrate(7));
  });

  it('moves the center by at most maxStep per label, however extreme the score', () => {
    const c = new FeedbackCalibrator(prior);
    c.label(65, false);
    expect(c.params.center).toBeCloseTo(8, 6);
    expect(c.params.width).toBe(1);
    for (let i = 1; i < 10; i++) c.label(65, false);
    expect(c.params.center).toBeCloseTo(26, 6);
    c.label(9, true);
    expect(c.params.center).toBeCloseTo(24, 5);
  });

  it('refits from the prior, not from the last fit: the result depends only on the kept labels', () => {
    const a = new FeedbackCalibrator(prior);
    a.label(7, false);
    a.label(9, true);
    const b = new FeedbackCalibrator(prior);
    b.label(9, true);
    b.label(7, false);
    expect(a.params.center).toBeCloseTo(b.params.center, 6);
    expect(a.params.width).toBeCloseTo(b.params.width, 6);
  });

  it('keeps only the last maxLabels labels', () => {
    const c = new FeedbackCalibrator({ ...prior, maxLabels: 2 });
    c.label(7, false);
    c.label(8, true);
    c.label(9, true);
    expect(c.state().raws).toEqual([8, 9]);
    expect(c.state().labels).toEqual([1, 1]);
  });

  it('restores bit for bit and rejects bad states and labels clearly', () => {
    const c = new FeedbackCalibrator(prior);
    c.label(7.3, false);
    const restored = feedbackCalibratorSpec.create(prior, JSON.parse(JSON.stringify(c.state())));
    for (const x of [0, 5, 7.3, 9, 30]) expect(restored.calibrate(x)).toBe(c.calibrate(x));
    restored.label(8, true);
    c.label(8, true);
    expect(restored.calibrate(8)).toBe(c.calibrate(8));
    expect(() => c.label(Number.NaN, true)).toThrow(/labelled raw score must be finite \(got NaN\)/);
    expect(() => feedbackCalibratorSpec.create(prior, { version: 1, center: 6, width: 1, raws: [1], labels: [2] })).toThrow(
      /labels\[0\] must be 0 or 1 \(got 2\)/,
    );
    expect(() => feedbackCalibratorSpec.create(prior, { version: 1, center: 6, width: 1, raws: [1, 2], labels: [1] })).toThrow(
      /one label per raw score/,
    );
    expect(() => feedbackCalibratorSpec.parse({ maxLabels: 0 })).toThrow(/maxLabels/);
  });
});
