import { describe, expect, it } from 'vitest';
import { kolmogorovQ, ksTwoSample, PSI_EPSILON, psi } from './drift-stats.js';

describe('psi', () => {
  it('compares proportions in quantile bins of the reference', () => {
    // Edge at sorted[5] = 6: reference 5/10 and 5/10, current 3/4 and 1/4.
    expect(psi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 1, 1, 7], 2)).toBeCloseTo(0.25 * Math.log(1.5) + 0.25 * Math.log(2), 12);
    expect(psi([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 1, 1, 7], 2)).toBeCloseTo(0.2746530721670274, 12);
  });

  it('is 0 for the same sample and does not depend on order', () => {
    expect(psi([3, 1, 2, 5, 4, 6], [6, 5, 4, 3, 2, 1], 3)).toBe(0);
  });

  it('floors an empty bin at PSI_EPSILON', () => {
    // Edge at 3: reference 1/2, 1/2; current 0 → 1e-4, and 1.
    const expected = (PSI_EPSILON - 0.5) * Math.log(PSI_EPSILON / 0.5) + 0.5 * Math.log(2);
    expect(psi([1, 2, 3, 4], [5, 6], 2)).toBeCloseTo(expected, 12);
    expect(psi([1, 2, 3, 4], [5, 6], 2)).toBeCloseTo(4.60431846666895, 10);
  });

  it('merges tied quantiles (a 0/1 reference gets two bins)', () => {
    // Edges sorted[1] = 0 and sorted[2] = 0 are the minimum, dropped; sorted[3] = 1 kept.
    expect(psi([0, 0, 0, 1], [0, 1, 1, 1], 4)).toBeCloseTo(Math.log(3), 12);
  });

  it('skips non-finite values and rejects bad input', () => {
    expect(psi([1, 2, Number.NaN, 3, 4], [1, 2, 3, Number.POSITIVE_INFINITY, 4], 2)).toBe(0);
    expect(() => psi([1, 2], [1], 1)).toThrow(/bins must be an integer ≥ 2 \(got 1\)/);
    expect(() => psi([Number.NaN], [1], 2)).toThrow(/reference needs at least one finite value/);
    expect(() => psi([1], [], 2)).toThrow(/current needs at least one finite value \(got 0 values/);
  });
});

describe('ksTwoSample', () => {
  it('gives the largest CDF gap and the asymptotic p-value', () => {
    // CDFs at 1..6: a .25 .5 .75 1 1 1, b 0 0 .25 .5 .75 1 → D = 0.5; nₑ = 2, λ ≈ 0.80600.
    const r = ksTwoSample([1, 2, 3, 4], [3, 4, 5, 6]);
    expect(r.statistic).toBe(0.5);
    expect(r.pValue).toBeCloseTo(0.5344157192165071, 12); // scipy kstwobign.sf(0.8059976541518077)
  });

  it('steps past ties in both samples at once', () => {
    expect(ksTwoSample([1, 1, 2], [1, 2, 2]).statistic).toBeCloseTo(1 / 3, 15);
    expect(ksTwoSample([5, 5, 5], [5, 5]).statistic).toBe(0);
    expect(ksTwoSample([5, 5, 5], [5, 5]).pValue).toBe(1);
  });

  it('rejects disjoint samples of 30 at 1 %', () => {
    const a = Array.from({ length: 30 }, (_, i) => i);
    const b = Array.from({ length: 30 }, (_, i) => 100 + i);
    const r = ksTwoSample(a, b);
    expect(r.statistic).toBe(1);
    // λ = (√15 + 0.12 + 0.11/√15)·1 ≈ 4.0214; Q = 2·e^{−2λ²} ≈ 1.8e-14.
    expect(r.pValue).toBeLessThan(1e-13);
    expect(r.pValue).toBeGreaterThan(1e-15);
  });

  it('rejects an empty sample', () => {
    expect(() => ksTwoSample([], [1])).toThrow(/ksTwoSample: a needs at least one finite value/);
  });
});

describe('kolmogorovQ', () => {
  it('matches the Kolmogorov survival function on both series', () => {
    // Reference values: scipy.stats.kstwobign.sf.
    expect(kolmogorovQ(0.3)).toBeCloseTo(0.9999906941986655, 13);
    expect(kolmogorovQ(0.5)).toBeCloseTo(0.9639452436648751, 13);
    expect(kolmogorovQ(1)).toBeCloseTo(0.26999967167735456, 13);
    expect(kolmogorovQ(1.18)).toBeCloseTo(0.1234538094297657, 13);
    expect(kolmogorovQ(1.3581)).toBeCloseTo(0.0499996304316674, 13);
    expect(kolmogorovQ(1.6276)).toBeCloseTo(0.010001537333060776, 13);
    expect(kolmogorovQ(2)).toBeCloseTo(0.0006709252557796953, 15);
  });

  it('is 1 at and below 0', () => {
    expect(kolmogorovQ(0)).toBe(1);
    expect(kolmogorovQ(-1)).toBe(1);
    expect(kolmogorovQ(0.05)).toBe(1);
  });
});
