import { describe, expect, it } from 'vitest';
import {
  eventMetrics,
  hitRate,
  NAB_PROFILES,
  type NabFile,
  nabScaledSigmoid,
  nabScore,
  pointMetrics,
  poolEventMetrics,
  prAuc,
  reliability,
  segments,
} from './metrics.js';

describe('pointMetrics', () => {
  it('counts tp, fp, fn without point-adjust', () => {
    // labels 0 1 1 1 0 0, flags 0 1 0 0 1 1 → tp 1, fp 2, fn 2
    const m = pointMetrics([0, 1, 1, 1, 0, 0], [0, 1, 0, 0, 1, 1]);
    expect(m).toMatchObject({ tp: 1, fp: 2, fn: 2 });
    expect(m.precision).toBeCloseTo(1 / 3, 12);
    expect(m.recall).toBeCloseTo(1 / 3, 12);
    expect(m.f1).toBeCloseTo(1 / 3, 12);
  });

  it('gives precision 0 when nothing is flagged and recall 0 when nothing is labelled', () => {
    expect(pointMetrics([0, 1, 0], [0, 0, 0])).toEqual({ precision: 0, recall: 0, f1: 0, tp: 0, fp: 0, fn: 1 });
    expect(pointMetrics([0, 0, 0], [1, 0, 0])).toEqual({ precision: 0, recall: 0, f1: 0, tp: 0, fp: 1, fn: 0 });
  });

  it('accepts booleans and typed arrays, and treats NaN as not flagged', () => {
    const m = pointMetrics(new Uint8Array([1, 1, 0, 0]), [true, Number.NaN, 2, false] as Array<number | boolean>);
    expect(m).toMatchObject({ tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5, f1: 0.5 });
  });

  it('rejects arrays of different lengths', () => {
    expect(() => pointMetrics([0, 1], [0])).toThrow(/same length \(got 2 labels and 1 flags\)/);
  });
});

describe('prAuc', () => {
  it('matches sklearn average_precision_score on its documentation example', () => {
    // thresholds 0.8: P 1 R .5; 0.4: P .5 R .5; 0.35: P 2/3 R 1 → .5·1 + .5·2/3 = 0.8333…
    expect(prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 12);
  });

  it('groups equal scores into one threshold', () => {
    // 0.5: tp 1 of 2 seen → R .5 P .5; 0.2: tp 2 of 4 → R 1 P .5 → .25 + .25
    expect(prAuc([1, 0, 1, 0], [0.5, 0.5, 0.2, 0.2])).toBeCloseTo(0.5, 12);
  });

  it('is 1 for a perfect ranking and ranks NaN and undefined lowest', () => {
    expect(prAuc([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8])).toBe(1);
    // 0.3: R 0; 0.1: R 0; NaN/undefined group: tp 1 of 4 seen → R 1 P 1/4
    expect(prAuc([1, 0, 0, 0], [Number.NaN, 0.3, 0.1, undefined])).toBeCloseTo(0.25, 12);
  });

  it('is NaN when no point is labelled', () => {
    expect(prAuc([0, 0], [0.1, 0.2])).toBeNaN();
  });
});

describe('segments', () => {
  it('returns inclusive [start, end] runs, including one at the end', () => {
    expect(segments([0, 1, 1, 0, 1])).toEqual([
      [1, 2],
      [4, 4],
    ]);
    expect(segments([1, 0, 0])).toEqual([[0, 0]]);
    expect(segments([0, 0])).toEqual([]);
  });
});

describe('eventMetrics', () => {
  it('cuts a flagged run into re-notify chunks, each one alarm', () => {
    // run 2..6 with renotify 2 → chunks [2,3] [4,5] [6]; only [2,3] overlaps the label at 1..2
    const m = eventMetrics([0, 1, 1, 0, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1, 1, 0], 2);
    expect(m).toEqual({ precision: 1 / 3, recall: 1, alarms: 3, trueAlarms: 1, segments: 1, segmentsHit: 1 });
  });

  it('with the default 60 points, a short run is one alarm', () => {
    const m = eventMetrics([0, 1, 1, 0, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1, 1, 0]);
    expect(m).toMatchObject({ alarms: 1, trueAlarms: 1, precision: 1 });
  });

  it('does not reward flagging everything', () => {
    const labels = new Uint8Array(150);
    labels[10] = 1;
    labels[11] = 1;
    const flags = new Uint8Array(150).fill(1);
    const m = eventMetrics(labels, flags);
    // chunks [0,59] [60,119] [120,149]
    expect(m).toEqual({ precision: 1 / 3, recall: 1, alarms: 3, trueAlarms: 1, segments: 1, segmentsHit: 1 });
  });

  it('counts missed segments and separate runs', () => {
    // segments [1,1] [4,5] [8,8]; runs [0,0] (false) [5,6] (true, hits seg 2)
    const m = eventMetrics([0, 1, 0, 0, 1, 1, 0, 0, 1], [1, 0, 0, 0, 0, 1, 1, 0, 0]);
    expect(m).toEqual({ precision: 0.5, recall: 1 / 3, alarms: 2, trueAlarms: 1, segments: 3, segmentsHit: 1 });
  });

  it('pools counts over series before dividing', () => {
    const a = eventMetrics([0, 1, 1, 0], [0, 1, 0, 0]);
    const b = eventMetrics([0, 0, 0, 1, 0, 1], [1, 0, 1, 0, 0, 0]);
    expect(poolEventMetrics([a, b])).toEqual({
      precision: 1 / 3,
      recall: 1 / 3,
      alarms: 3,
      trueAlarms: 1,
      segments: 3,
      segmentsHit: 1,
    });
  });

  it('rejects a bad re-notify period', () => {
    expect(() => eventMetrics([0], [0], 0)).toThrow(/positive integer \(got 0\)/);
  });
});

describe('hitRate', () => {
  it('looks at the top ⌊k·P/100⌋ of the ranking', () => {
    // k = 3: @100 top 3 = 7,1,2 → 1 of 3; @150 top 4 = 7,1,2,3 → 2 of 3
    expect(hitRate([3, 7, 9], [7, 1, 2, 3, 9], 100)).toBeCloseTo(1 / 3, 12);
    expect(hitRate([3, 7, 9], [7, 1, 2, 3, 9], 150)).toBeCloseTo(2 / 3, 12);
    // k = 1: ⌊1.5⌋ = 1
    expect(hitRate([4], [2, 4], 150)).toBe(0);
    expect(hitRate([4], [4, 2], 150)).toBe(1);
  });

  it('does not count a repeated dimension twice and rejects empty truth', () => {
    expect(hitRate([1, 2], [1, 1, 2], 100)).toBe(0.5);
    expect(() => hitRate([], [1], 100)).toThrow(/at least one dimension/);
  });
});

describe('nabScaledSigmoid', () => {
  it('follows NAB: 0.98661 at the left edge, 0 at the right, −1 from 3 on', () => {
    expect(nabScaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(nabScaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(nabScaledSigmoid(0)).toBe(0);
    expect(nabScaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(nabScaledSigmoid(3)).toBe(-1);
  });
});

function file(n: number, windows: Array<[number, number]>, flagged: number[]): NabFile {
  const detections = new Uint8Array(n);
  for (const i of flagged) detections[i] = 1;
  return {
    name: 'f.csv',
    timestamps: Array.from({ length: n }, (_, i) => i * 1000),
    windows: windows.map(([a, b]) => [a * 1000, b * 1000] as const),
    detections,
  };
}

describe('nabScore', () => {
  // 20 points, probation ⌊0.15·20⌋ = 3, window = points 10..13 (width 4).
  // Detections: 1 (probation, ignored), 5 (FP, no window before: −fpWeight), 11 (first in window:
  // tanh(2.5·3/4)/tanh(2.5) = 0.954045/0.986614 = 0.966989), 12 (adds nothing), 15 (FP 2 points
  // after the window: d = 2/3, tanh(−2.5·2/3)·fpWeight = −0.931109·fpWeight).
  const series = file(20, [[10, 13]], [1, 5, 11, 12, 15]);

  it('scores a hand-made series under the standard profile', () => {
    const s = nabScore([series], 'standard');
    const raw = 0.9669890878 - 0.102422057 - 0.11;
    expect(s.raw).toBeCloseTo(raw, 9);
    expect(s.null).toBe(-1);
    expect(s.perfect).toBe(1);
    expect(s.score).toBeCloseTo((100 * (raw + 1)) / 2, 7);
    expect(s.files[0]).toMatchObject({ windows: 1, scoredWindows: 1, windowsDetected: 1, falsePositives: 2, probationPoints: 3 });
  });

  it('weights FPs and FNs by the profile', () => {
    const lowFp = nabScore([series], 'reward_low_FP_rate');
    expect(lowFp.raw).toBeCloseTo(0.9669890878 - 0.2048441139 - 0.22, 9);
    const lowFn = nabScore([series], 'reward_low_FN_rate');
    expect(lowFn.null).toBe(-2);
    expect(lowFn.score).toBeCloseTo((100 * (0.7545670308 + 2)) / 3, 7);
    expect(NAB_PROFILES.reward_low_FN_rate).toEqual({ tpWeight: 1, fpWeight: 0.11, fnWeight: 2 });
  });

  it('gives 100 to a detection at each window start and 0 to the null detector', () => {
    expect(nabScore([file(20, [[10, 13]], [10])], 'standard').score).toBeCloseTo(100, 12);
    expect(nabScore([file(20, [[10, 13]], [])], 'standard').score).toBe(0);
    // right edge: tanh(2.5/4)/tanh(2.5)
    expect(nabScore([file(20, [[10, 13]], [13])], 'standard').raw).toBeCloseTo(0.5545997 / 0.9866143, 6);
  });

  it('does not score windows inside the probationary period but counts them as perfect', () => {
    // window at points 1..2 lies in probation (3 points); the FP at 4 is d = (4−2)/(2−1) = 2
    // after it: tanh(−5)·0.11 = −0.1099900
    const s = nabScore([file(20, [[1, 2]], [1, 4])], 'standard');
    expect(s.files[0]).toMatchObject({ scoredWindows: 0, falsePositives: 1 });
    expect(s.raw).toBeCloseTo(-0.9999092 * 0.11, 8);
    expect(s.null).toBe(0);
    expect(s.perfect).toBe(1);
  });

  it('caps the probationary period at 750 points (15 % of 5000)', () => {
    const s = nabScore([file(10_000, [], [749, 750])], 'standard');
    expect(s.files[0]).toMatchObject({ probationPoints: 750, falsePositives: 1 });
    expect(s.raw).toBeCloseTo(-0.11, 12);
  });

  it('sums raw and null over files before normalising', () => {
    const s = nabScore([series, file(20, [[10, 13]], [])], 'standard');
    expect(s.null).toBe(-2);
    expect(s.perfect).toBe(2);
    expect(s.score).toBeCloseTo((100 * (0.7545670308 - 1 + 2)) / 4, 7);
  });

  it('rejects mismatched lengths, windows without points and unknown profiles', () => {
    expect(() => nabScore([{ ...series, detections: [1] }], 'standard')).toThrow(/one entry per timestamp/);
    expect(() => nabScore([{ ...series, windows: [[10_500, 10_600]] }], 'standard')).toThrow(/contains no data point/);
    expect(() => nabScore([series], 'lenient' as 'standard')).toThrow(/profile must be one of/);
  });
});

describe('reliability', () => {
  it('computes ECE over 10 equal-width bins and the Brier score, ignoring non-finite probabilities', () => {
    // bin 2: p 0.2, 0.2 with outcomes 0, 1 → |0.5 − 0.2| = 0.3 over 2 of 4 points; bin 9: p 0.9, 0.95 with 1, 1 → |1 − 0.925|.
    const r = reliability([0, 1, 1, 1, 0], [0.2, 0.2, 0.9, 0.95, Number.NaN]);
    expect(r.n).toBe(4);
    expect(r.ece).toBeCloseTo(0.5 * 0.3 + 0.5 * 0.075, 12);
    expect(r.brier).toBeCloseTo((0.04 + 0.64 + 0.01 + 0.0025) / 4, 12);
    expect(r.meanConfidence).toBeCloseTo(2.25 / 4, 12);
    expect(r.baseRate).toBe(0.75);
    expect(reliability([1], [1]).ece).toBe(0);
    expect(Number.isNaN(reliability([], []).ece)).toBe(true);
  });
});
