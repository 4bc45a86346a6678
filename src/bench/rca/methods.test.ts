import { describe, expect, it } from 'vitest';
import type { RcaCase, RcaMetric } from '../../rca/case-types.js';
import { baro, normalStats, nsigma, nsigmaRcaeval, rcaevalPreprocess, shareRanking } from './methods.js';

function metric(name: string, candidate: string, kind: string, values: number[]): RcaMetric {
  return { name, candidate, kind, values: Float64Array.from(values) };
}

/** Normal rows 0..3, incident rows 4..5. */
const CASE: RcaCase = {
  id: 'x/1',
  dataset: 'test',
  t: Float64Array.from([0, 1, 2, 3, 4, 5]),
  anomalyStart: 4,
  metrics: [
    // mean 2, std √0.5; median 2, IQR 1.5 − … : sorted [1,2,2,3] → q25 1.75, q75 2.25, IQR 0.5
    metric('a_cpu', 'a', 'cpu', [1, 2, 2, 3, 4, 3]),
    // constant in the normal rows (bytes): std 0 → 1
    metric('b_mem', 'b', 'mem', [5e6, 5e6, 5e6, 5e6, 8e6, 5e6]),
    // constant over the whole case: dropped by the preprocessing
    metric('c_cpu', 'c', 'cpu', [7, 7, 7, 7, 7, 7]),
  ],
  candidates: ['a', 'b', 'c'],
  truth: ['a'],
};

describe('normalStats', () => {
  it('gives mean/std and median/IQR (type-7 quantiles), a zero scale as 1', () => {
    const v = Float64Array.from([1, 2, 2, 3, 99]);
    expect(normalStats(v, 4, 'mean_std')).toEqual({ centre: 2, scale: Math.sqrt(0.5) });
    expect(normalStats(v, 4, 'median_iqr')).toEqual({ centre: 2, scale: 0.5 });
    expect(normalStats(Float64Array.from([4, 4, Number.NaN]), 3, 'mean_std')).toEqual({ centre: 4, scale: 1 });
    // 0.1 × 3: the float mean differs from 0.1 by rounding only → constant
    expect(normalStats(Float64Array.from([0.1, 0.1, 0.1]), 3, 'mean_std')?.scale).toBe(1);
    expect(normalStats(Float64Array.from([Number.NaN, 1]), 1, 'mean_std')).toBeUndefined();
  });
});

describe('rcaevalPreprocess', () => {
  it('drops constant metrics, puts memory in MB and differences counters', () => {
    const counter = metric('req_total', 'a', 'load', [1, 3, 6, 6, 10, 20]);
    const out = rcaevalPreprocess({ ...CASE, metrics: [...CASE.metrics, counter] });
    expect(out.map((m) => m.name)).toEqual(['a_cpu', 'b_mem', 'req_total']);
    expect([...(out[1]?.values ?? [])]).toEqual([5, 5, 5, 5, 8, 5]);
    expect([...(out[2]?.values ?? [])]).toEqual([Number.NaN, 2, 3, 0, 4, 10]);
    expect([...(CASE.metrics[1]?.values ?? [])]).toEqual([5e6, 5e6, 5e6, 5e6, 8e6, 5e6]);
  });
});

describe('baseline rankers', () => {
  it('nsigma ranks by (max incident − mean) / std on raw values: bytes win', () => {
    const r = nsigma(CASE);
    // a: (4 − 2) / √0.5 = 2.828…; b: (8e6 − 5e6) / 1 = 3e6; c: 0
    expect(r.ranked.map((x) => x.candidate)).toEqual(['b', 'a', 'c']);
    expect(r.ranked[1]?.score).toBeCloseTo(2 * Math.SQRT2, 12);
    expect(r.ranked[0]?.confidence).toBeCloseTo(3e6 / (3e6 + 2 * Math.SQRT2), 12);
    expect(r.ranked[2]?.confidence).toBe(0);
    expect(r.anomalous).toBe(true);
    expect(r.ranked[1]?.evidence).toEqual(['a_cpu peaked at 4 against a normal mean of 2 (std 0.7071): z = 2.828']);
  });

  it('nsigma_rcaeval: memory in MB (3 MB over a constant → z 3), the constant metric unscored', () => {
    const r = nsigmaRcaeval(CASE);
    expect(r.ranked.map((x) => x.candidate)).toEqual(['b', 'a', 'c']);
    expect(r.ranked[0]?.score).toBe(3);
    expect(r.ranked[1]?.score).toBeCloseTo(2 * Math.SQRT2, 12);
    expect(r.ranked[2]?.score).toBeNaN();
    expect(r.ranked[0]?.confidence).toBeCloseTo(3 / (3 + 2 * Math.SQRT2), 12);
  });

  it('baro: (max − median) / IQR after the preprocessing', () => {
    const r = baro(CASE);
    // a: (4 − 2) / 0.5 = 4; b: 3 / 1 = 3
    expect(r.ranked.map((x) => [x.candidate, x.score])).toEqual([
      ['a', 4],
      ['b', 3],
      ['c', Number.NaN],
    ]);
    expect(r.ranked.map((x) => x.confidence)).toEqual([4 / 7, 3 / 7, 0]);
    expect(r.anomalous).toBe(true);
  });

  it('calls a window normal below z 3 and rejects a case without normal rows', () => {
    const quiet: RcaCase = { ...CASE, metrics: [metric('a_cpu', 'a', 'cpu', [1, 2, 2, 3, 3, 2])], candidates: ['a'] };
    expect(baro(quiet)).toEqual({
      anomalous: false,
      ranked: [
        { candidate: 'a', score: 2, confidence: 1, evidence: ['a_cpu peaked at 3 against a normal median of 2 (IQR 0.5000): z = 2'] },
      ],
    });
    expect(() => nsigma({ ...CASE, anomalyStart: 0 })).toThrow('case x/1: anomalyStart must be in [1, 5] (got 0)');
  });
});

describe('shareRanking', () => {
  it('breaks ties by name, puts NaN last and spreads confidence evenly without a positive score', () => {
    const r = shareRanking(
      new Map([
        ['z', -1],
        ['b', Number.NaN],
        ['a', -1],
      ]),
      new Map(),
    );
    expect(r.ranked.map((x) => [x.candidate, x.confidence])).toEqual([
      ['a', 1 / 3],
      ['z', 1 / 3],
      ['b', 1 / 3],
    ]);
    expect(r.anomalous).toBe(false);
  });
});
