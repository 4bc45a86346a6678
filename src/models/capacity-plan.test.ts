import { describe, expect, it } from 'vitest';
import type { Forecast } from '../records/types.js';
import { normalCdf, planCapacity, surgeScaleOut } from './capacity-plan.js';

const H = 3600_000;

/** A forecast at t = now + k h for k = 1..n, with symmetric bands of half-width `half`. */
function forecast(means: readonly number[], half: number, level = 0.9): Forecast {
  return {
    t: means.map((_, k) => (k + 1) * H),
    mean: [...means],
    lower: means.map((m) => m - half),
    upper: means.map((m) => m + half),
    level,
  };
}

describe('normalCdf', () => {
  it('matches known values of Φ', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.6448536)).toBeCloseTo(0.95, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
  });
});

describe('planCapacity', () => {
  it('reads headroom, saturation probability and times to saturation off the forecast', () => {
    // Peak mean 0.9 at +3 h with a 90 % half-width of 0.1645 → σ = 0.1; P(≥ 1) = 1 − Φ(1) ≈ 0.1587.
    const plan = planCapacity({ forecast: forecast([0.5, 0.8, 0.9, 0.7], 0.1645), limit: 1, units: 4, now: 0 });
    expect(plan.peakMean).toBe(0.9);
    expect(plan.peakAt).toBe(3 * H);
    expect(plan.headroom).toBeCloseTo(0.1, 12);
    expect(plan.saturationProbability).toBeCloseTo(1 - normalCdf(1), 4);
    expect(plan.timeToSaturationMs).toBeUndefined(); // the mean never reaches 1
    expect(plan.earliestSaturationMs).toBe(3 * H); // 0.9 + 0.1645 ≥ 1 at +3 h (0.8 + 0.1645 < 1 at +2 h)
  });

  it("scales out so that the peak's upper bound sits under the planning line, with P(needed) as confidence", () => {
    // upper at peak 1.0645; line 0.7: units 4 → ⌈4 · 1.0645 / 0.7⌉ = 7 → by 3.
    const plan = planCapacity({ forecast: forecast([0.5, 0.8, 0.9, 0.7], 0.1645), limit: 1, units: 4, now: 0 });
    expect(plan.recommendation).toMatchObject({ action: 'scale_out', by: 3 });
    // P(peak > 0.7) = 1 − Φ((0.7 − 0.9) / 0.1) = Φ(2) ≈ 0.977
    expect(plan.recommendation.confidence).toBeCloseTo(0.977, 3);
    expect(plan.recommendation.reason).toMatch(/4 → 7 units/);
  });

  it('recommends nothing, confidently, when the peak stays under the line; the mean crossing gives the time to saturation', () => {
    const calm = planCapacity({ forecast: forecast([0.3, 0.4, 0.35], 0.05), limit: 1, units: 2, now: 0 });
    expect(calm.recommendation).toMatchObject({ action: 'none', by: 0 });
    expect(calm.recommendation.confidence).toBe(1);
    expect(calm.saturationProbability).toBeLessThan(1e-9);
    const hot = planCapacity({ forecast: forecast([0.6, 1.1, 1.3], 0.05), limit: 1, now: 30 * 60_000 });
    expect(hot.timeToSaturationMs).toBe(2 * H - 30 * 60_000);
    expect(hot.recommendation.action).toBe('none'); // no units known: no size to give
    expect(hot.recommendation.reason).toMatch(/number of units is unknown/);
  });

  it('plans for sustained demand: one burst step does not size a scale-out when sustainMs spans it', () => {
    // Hourly steps; one inflated hour (0.95) among 0.55s. Over 3 h centred windows the peak is (0.55 + 0.95 + 0.55) / 3.
    const f = forecast([0.5, 0.55, 0.95, 0.55, 0.5], 0.05);
    expect(planCapacity({ forecast: f, limit: 1, units: 4, now: 0 }).recommendation.action).toBe('scale_out');
    const plan = planCapacity({ forecast: f, limit: 1, units: 4, now: 0, sustainMs: 3 * H });
    expect(plan.peakMean).toBeCloseTo(2.05 / 3, 12);
    expect(plan.peakUpper).toBeCloseTo(2.2 / 3, 12);
    expect(plan.peakAt).toBe(3 * H);
    // The ends average what they have: the first window is [0.5, 0.55].
    expect(plan.recommendation).toMatchObject({ action: 'scale_out', by: 1 }); // ⌈4 · 0.7333 / 0.7⌉ = 5
    // Over 5 h the burst weighs a fifth: the highest window, [0.5, 0.5, 0.55, 0.95], is 0.625 (+ 0.05 < 0.7).
    const longer = forecast([0.5, 0.5, 0.55, 0.95, 0.55, 0.5, 0.5], 0.05);
    expect(planCapacity({ forecast: longer, limit: 1, units: 4, now: 0, sustainMs: 5 * H }).recommendation.action).toBe('none');
    expect(() => planCapacity({ forecast: f, limit: 1, now: 0, sustainMs: -1 })).toThrow(
      'capacity plan: sustainMs must be a number ≥ 0 (got -1)',
    );
  });

  it('works with absolute demand against a capacity', () => {
    const plan = planCapacity({ forecast: forecast([40, 60, 55], 5), limit: 64, units: 8, target: 0.8, now: 0 });
    expect(plan.headroom).toBeCloseTo(1 - 60 / 64, 12);
    expect(plan.recommendation).toMatchObject({ action: 'scale_out', by: 3 }); // line 0.8 · 64 = 51.2; ⌈8 · 65 / 51.2⌉ = ⌈10.16⌉ = 11
  });

  it('rejects bad input, saying what was expected', () => {
    const f = forecast([0.5], 0.1);
    expect(() => planCapacity({ forecast: f, limit: 0, now: 0 })).toThrow(/limit must be a number > 0 \(got 0\)/);
    expect(() => planCapacity({ forecast: f, limit: 1, units: 1.5, now: 0 })).toThrow(/units must be an integer ≥ 1 \(got 1.5\)/);
    expect(() => planCapacity({ forecast: f, limit: 1, target: 0, now: 0 })).toThrow(/target must be in \(0, 1\]/);
    expect(() => planCapacity({ forecast: { ...f, mean: [] }, limit: 1, now: 0 })).toThrow(/one equal, non-zero length/);
  });
});

describe('surgeScaleOut', () => {
  it('adds the replicas that bring saturation to the target, as the HPA formula does', () => {
    expect(surgeScaleOut(3, 1.4, 0.7)).toBe(3); // ⌈3 · 1.4 / 0.7⌉ = 6
    expect(surgeScaleOut(2, 2.1, 0.7)).toBe(4); // ⌈2 · 3⌉ = 6
    expect(surgeScaleOut(4, 0.8, 0.7)).toBe(1); // ⌈4.57⌉ = 5
    expect(surgeScaleOut(3, 0.7, 0.7)).toBeUndefined(); // exactly at target: float noise must not add one
    expect(surgeScaleOut(5, 0.2, 0.7)).toBeUndefined();
  });

  it('rejects what cannot be sized', () => {
    expect(() => surgeScaleOut(0, 1, 0.7)).toThrow('surgeScaleOut: replicas must be an integer ≥ 1 (got 0)');
    expect(() => surgeScaleOut(2.5, 1, 0.7)).toThrow(/replicas must be an integer/);
    expect(() => surgeScaleOut(2, Number.NaN, 0.7)).toThrow(/saturation must be a finite number ≥ 0 \(got NaN\)/);
    expect(() => surgeScaleOut(2, 1, 0)).toThrow('surgeScaleOut: target must be in (0, 1] (got 0)');
  });
});
