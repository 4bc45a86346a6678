import { describe, expect, it } from 'vitest';
import type { CaseRanking } from '../../rca/case-types.js';
import { acAt, avg5, blamesNobody, rcaFigures, reliabilityBins, truthRank } from './metrics.js';

function ranking(names: string[], topConfidence: number, anomalous = true): CaseRanking {
  return {
    anomalous,
    ranked: names.map((candidate, i) => ({ candidate, score: names.length - i, confidence: i === 0 ? topConfidence : 0, evidence: [] })),
  };
}

describe('truthRank, acAt, avg5', () => {
  it('finds the first true cause and averages AC@1..5', () => {
    expect(truthRank(['a', 'b', 'c'], ['c', 'b'])).toBe(2);
    expect(truthRank(['a'], ['x'])).toBe(Number.POSITIVE_INFINITY);
    expect(acAt([1, 2, 5], 3)).toBeCloseTo(2 / 3, 12);
    expect(acAt([], 1)).toBeNaN();
    expect(() => acAt([1], 0)).toThrow('acAt: k must be a positive integer (got 0)');
    // ranks 1 and 3: AC@1..5 = 0.5, 0.5, 1, 1, 1
    expect(avg5([1, 3])).toBeCloseTo(0.8, 12);
    expect(avg5([1, Number.POSITIVE_INFINITY])).toBeCloseTo(0.5, 12);
  });
});

describe('blamesNobody', () => {
  it('passes when not anomalous or when the top confidence is under 0.5', () => {
    expect(blamesNobody(ranking(['a'], 0.9, false))).toBe(true);
    expect(blamesNobody(ranking(['a'], 0.49))).toBe(true);
    expect(blamesNobody(ranking(['a'], 0.5))).toBe(false);
    expect(blamesNobody({ anomalous: true, ranked: [] })).toBe(true);
  });
});

describe('rcaFigures', () => {
  it('scores issue cases and no-issue cases separately (hand-checked)', () => {
    const f = rcaFigures([
      { truth: ['a'], ranking: ranking(['a', 'b', 'c'], 0.9) }, // rank 1, right at 0.9
      { truth: ['c'], ranking: ranking(['a', 'b', 'c'], 0.6) }, // rank 3, wrong at 0.6
      { truth: ['b'], ranking: ranking(['b', 'a', 'c'], 0.8, false) }, // rank 1 although not anomalous
      { truth: ['z'], ranking: ranking(['a', 'b', 'c'], 0.3) }, // never ranked, wrong at 0.3
      { truth: [], ranking: ranking(['a', 'b'], 0.7) }, // blames a
      { truth: [], ranking: ranking(['a', 'b'], 0.7, false) }, // says normal
      { truth: undefined, ranking: ranking(['a'], 1) }, // unknown: ignored
    ]);
    expect(f.cases).toBe(4);
    expect(f.no_issue_cases).toBe(2);
    expect(f.ac1).toBe(0.5);
    expect(f.ac3).toBe(0.75);
    // AC@1..5 = 0.5, 0.5, 0.75, 0.75, 0.75
    expect(f.avg5).toBeCloseTo(0.65, 12);
    // bins: 0.9 → [0.9,1) acc 1: |1 − 0.9| = 0.1; 0.6 → acc 0: 0.6; 0.8 → acc 1: 0.2; 0.3 → acc 0: 0.3
    expect(f.ece).toBeCloseTo((0.1 + 0.6 + 0.2 + 0.3) / 4, 12);
    expect(f.brier).toBeCloseTo((0.01 + 0.36 + 0.04 + 0.09) / 4, 12);
    expect(f.mean_confidence).toBeCloseTo(0.65, 12);
    expect(f.specificity).toBe(0.5);
    expect(f.hitrate_100).toBeUndefined();
  });

  it('gives HitRate@100/150 % when a case has several true causes', () => {
    const f = rcaFigures([
      // truth {a, c}: top 2 = a, b → 1/2; top 3 = a, b, c → 1
      { truth: ['a', 'c'], ranking: ranking(['a', 'b', 'c', 'd'], 0.5) },
      // truth {d}: top 1 = a → 0; top ⌊1.5⌋ = 1 → 0
      { truth: ['d'], ranking: ranking(['a', 'b', 'c', 'd'], 0.5) },
    ]);
    expect(f.hitrate_100).toBe(0.25);
    expect(f.hitrate_150).toBe(0.5);
    expect(f.ac1).toBe(0.5);
    expect(f.specificity).toBeUndefined();
    expect(rcaFigures([])).toEqual({ cases: 0, no_issue_cases: 0 });
  });
});

describe('reliabilityBins', () => {
  it('bins top-1 confidences as the ECE does', () => {
    const bins = reliabilityBins([true, false, true], [0.95, 0.91, 0.05], 10);
    expect(bins).toHaveLength(10);
    expect(bins[9]).toMatchObject({ lo: 0.9, hi: 1, count: 2, accuracy: 0.5 });
    expect(bins[9]?.meanConfidence).toBeCloseTo(0.93, 12);
    expect(bins[0]).toEqual({ lo: 0, hi: 0.1, count: 1, meanConfidence: 0.05, accuracy: 1 });
    expect(bins[5]?.count).toBe(0);
    expect(bins[5]?.accuracy).toBeNaN();
  });
});
