import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  bestF1Threshold,
  calibration,
  eventFigures,
  median,
  prCurve,
  reliability,
  rocAuc,
  scoreGroups,
  thresholdFigures,
} from './metrics.js';

const SCORE = [0.9, 0.8, 0.8, 0.3, 0.1];
const LABEL = [1, 0, 1, 0, 0];

describe('ranking metrics', () => {
  it('groups ties and computes ROC-AUC (ties count one half) and average precision by hand', () => {
    const g = scoreGroups(SCORE, LABEL);
    expect(Array.from(g.score)).toEqual([0.9, 0.8, 0.3, 0.1]);
    expect(Array.from(g.pos)).toEqual([1, 1, 0, 0]);
    expect(Array.from(g.neg)).toEqual([0, 1, 1, 1]);
    // 0.9 beats 3 negatives; 0.8 beats 2 and ties 1: (3 + 2.5) / 6
    expect(rocAuc(g)).toBeCloseTo(5.5 / 6, 12);
    // recall 0.5 at precision 1, then recall 1 at precision 2/3
    expect(averagePrecision(g)).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
    expect(bestF1Threshold(g)).toBe(0.8);
  });

  it('weights rows', () => {
    const g = scoreGroups(SCORE, LABEL, [1, 1, 1, 2, 2]);
    // negative weight 5: 0.9 beats 5; 0.8 beats 4 and ties 1 → (5 + 4.5) / 10
    expect(rocAuc(g)).toBeCloseTo(0.95, 12);
  });

  it('gives the base rate as the PR-AUC of a constant score, and NaN without both classes', () => {
    expect(averagePrecision(scoreGroups([0, 0, 0, 0], [1, 0, 0, 0]))).toBe(0.25);
    expect(rocAuc(scoreGroups([0, 0, 0, 0], [1, 0, 0, 0]))).toBe(0.5);
    expect(rocAuc(scoreGroups([0.1, 0.2], [0, 0]))).toBeNaN();
  });

  it('thins a PR curve and keeps its last point', () => {
    const n = 1000;
    const g = scoreGroups(
      Array.from({ length: n }, (_, i) => i),
      Array.from({ length: n }, (_, i) => i % 2),
    );
    const c = prCurve(g, 50);
    expect(c.length).toBe(50);
    expect(c[0]).toEqual({ threshold: 999, recall: 1 / 500, precision: 1 });
    expect(c[49]).toEqual({ threshold: 0, recall: 1, precision: 0.5 });
  });

  it('rejects arrays of different lengths', () => {
    expect(() => scoreGroups([1, 2], [1])).toThrow('scoreGroups: expected arrays of the same length 2 (got 1)');
  });
});

describe('thresholdFigures', () => {
  it('counts a row positive when its probability is at least the threshold', () => {
    const f = thresholdFigures(SCORE, LABEL, 0.8);
    // tp 2, fp 1, fn 0, tn 2
    expect(f.accuracy).toBeCloseTo(0.8, 12);
    expect(f.base_rate).toBeCloseTo(0.4, 12);
    expect(f.precision).toBeCloseTo(2 / 3, 12);
    expect(f.recall).toBe(1);
    expect(f.balanced_accuracy).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(f.positive_rate).toBeCloseTo(0.6, 12);
    const none = thresholdFigures([0, 0], [1, 0], 0.5);
    expect(none.precision).toBeNaN();
    expect(none.recall).toBe(0);
    expect(none.accuracy).toBe(0.5);
  });
});

describe('calibration', () => {
  it('computes ECE over 10 bins and the Brier score by hand', () => {
    const c = calibration([0.05, 0.15, 0.95, 0.95], [0, 0, 1, 0]);
    // bins 0, 1, 9: |0.05 − 0| + |0.15 − 0| + 2·|0.95 − 0.5|, over 4 rows
    expect(c.ece).toBeCloseTo((0.05 + 0.15 + 0.9) / 4, 12);
    expect(c.brier).toBeCloseTo((0.0025 + 0.0225 + 0.0025 + 0.9025) / 4, 12);
    expect(calibration([1], [1]).ece).toBe(0);
  });
});

describe('eventFigures', () => {
  const H = 3_600_000;
  const rows = { entity: Int32Array.from([0, 0, 0, 0, 1, 1]), hour: Int32Array.from([0, 1, 2, 3, 0, 1]) };
  it('finds onsets with a positive row in the 6 hours before and their lead time', () => {
    const events = { entity: Int32Array.from([0, 1, 0, 2]), time: Float64Array.from([3.5 * H, 1 * H, 20 * H, 1 * H]) };
    const f = eventFigures(rows, 0, [0, 1, 1, 0, 0, 0], events, 6);
    // entity 0 at 3.5 h: rows 0..3 h, first positive at 1 h → lead 2.5 h; entity 1 at 1 h: no positive;
    // entity 0 at 20 h and entity 2: no rows in their windows → not counted
    expect(f).toEqual({ events: 2, detected: 1, event_recall: 0.5, median_lead_h: 2.5 });
  });

  it('counts a row at the onset hour (lead 0) but not one 6 hours before', () => {
    const events = { entity: Int32Array.from([0, 0]), time: Float64Array.from([3 * H, 7 * H]) };
    // the onset at 3 h is caught by the row at 3 h (lead 0); the onset at 7 h by the same row (lead 4)
    expect(eventFigures(rows, 0, [0, 0, 0, 1, 0, 0], events, 6)).toEqual({ events: 2, detected: 2, event_recall: 1, median_lead_h: 2 });
    expect(eventFigures(rows, 0, [1, 0, 0, 0, 0, 0], { entity: Int32Array.from([0]), time: Float64Array.from([6 * H]) }, 6).detected).toBe(
      0,
    );
  });

  it('reads row steps of any length (10-minute rows)', () => {
    const M = 600_000;
    const tenMin = { entity: Int32Array.from([0, 0, 0]), hour: Int32Array.from([0, 1, 2]) };
    // onset at 25 min: rows at 0, 10, 20 min are in its 6 h window; the first positive at 10 min → lead 15 min
    const f = eventFigures(tenMin, 0, [0, 1, 1], { entity: Int32Array.from([0]), time: Float64Array.from([25 * 60_000]) }, 6, M);
    expect(f).toEqual({ events: 1, detected: 1, event_recall: 1, median_lead_h: 0.25 });
  });

  it('rejects unsorted rows', () => {
    const bad = { entity: Int32Array.from([1, 0]), hour: Int32Array.from([0, 0]) };
    expect(() => eventFigures(bad, 0, [0, 0], { entity: new Int32Array(0), time: new Float64Array(0) }, 6)).toThrow(
      'eventFigures: expected rows sorted by entity then hour (row 1 is out of order)',
    );
  });

  it('takes medians', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('reliability', () => {
  it('bins probabilities like the ECE and gives count, mean predicted and observed rate per bin', () => {
    const bins = reliability([0.05, 0.15, 0.12, 0.95, 1], [0, 1, 0, 1, 1], [1, 2, 1, 1, 1], 10);
    expect(bins.length).toBe(10);
    expect(bins[0]).toEqual({ lo: 0, hi: 0.1, count: 1, mean_predicted: 0.05, observed_rate: 0 });
    // bin [0.1, 0.2): weights 2 (p 0.15, y 1) and 1 (p 0.12, y 0)
    expect(bins[1]?.count).toBe(3);
    expect(bins[1]?.mean_predicted).toBeCloseTo((2 * 0.15 + 0.12) / 3, 12);
    expect(bins[1]?.observed_rate).toBeCloseTo(2 / 3, 12);
    // p = 1 falls in the last bin
    expect(bins[9]).toEqual({ lo: 0.9, hi: 1, count: 2, mean_predicted: 0.975, observed_rate: 1 });
    expect(bins[5]?.count).toBe(0);
    expect(bins[5]?.observed_rate).toBeNaN();
    expect(() => reliability([0.5], [1, 0])).toThrow('reliability: expected arrays of the same length 1 (got 2)');
    expect(() => reliability([0.5], [1], undefined, 0)).toThrow('reliability: bins must be an integer ≥ 1 (got 0)');
  });
});
