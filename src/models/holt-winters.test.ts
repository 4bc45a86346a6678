import { describe, expect, it } from 'vitest';
import { checkForecasterSpec } from './forecaster-contract.js';
import { type HoltWintersConfig, holtWintersSpec } from './holt-winters.js';

const MIN = 60_000;
const T0 = 1_767_571_200_000;
const make = (overrides: Partial<HoltWintersConfig>, state?: unknown) =>
  holtWintersSpec.create(
    holtWintersSpec.parse({ dailyPoints: 4, weeklyPoints: 0, refit: false, windowDays: 3, bucketsPerDay: 2, ...overrides }),
    state,
  );
const learnAll = (f: ReturnType<typeof make>, values: readonly number[], fromStep = 0) => {
  values.forEach((v, i) => {
    f.learn({ t: T0 + (fromStep + i) * MIN, v });
  });
};
const PATTERN = [0, 1, 0, -1];

describe('HoltWinters', () => {
  it('forecasts a period-4 wave on a linear trend almost exactly after a few seasons', () => {
    const f = make({ alpha: 0.5, beta: 0.2, phi: 1, gammaDaily: 0.3, huberK: 1e9 });
    const y = (i: number) => 10 + 0.5 * i + (PATTERN[i % 4] as number);
    learnAll(
      f,
      Array.from({ length: 200 }, (_, i) => y(i)),
    );
    const fc = f.forecast(6);
    expect(fc?.t).toEqual([200, 201, 202, 203, 204, 205].map((s) => T0 + s * MIN));
    const expected = [110, 111.5, 111, 110.5, 112, 113.5];
    fc?.mean.forEach((m, i) => {
      expect(m).toBeCloseTo(expected[i] as number, 6);
    });
  });

  it('moves the level by at most α·k·σ on a spike (Huber clip)', () => {
    const f = make({ alpha: 0.1, gammaDaily: 0.1, huberK: 2 });
    const base = [10, 12, 11, 13];
    learnAll(
      f,
      Array.from({ length: 40 }, (_, i) => (base[i % 4] as number) + (i % 3 === 0 ? 0.5 : -0.25)),
    );
    const before = f.state();
    const [level, trend, mad, absMean] = before.core as [number, number, number, number];
    const sigma = Math.max(mad * Math.sqrt(Math.PI / 2), 1e-6 * absMean);
    f.learn({ t: T0 + 40 * MIN, v: 1000 });
    const [levelAfter] = f.state().core as [number];
    // φ·b stays 0 (β = 0): the spike adds exactly α·k·σ (σ ≈ 1.6 here), not α·(1000 − 10) ≈ 99.
    expect(trend).toBe(0);
    expect(levelAfter - level).toBeCloseTo(0.1 * 2 * sigma, 12);
    expect(levelAfter - level).toBeLessThan(0.5);
  });

  it('takes the interval from the conformal quantile of past errors per horizon bucket', () => {
    // α = γ = 0: the first day [10, 20, 30, 40] is repeated forever; later days are off by +1 or −3.
    const f = make({ alpha: 0, gammaDaily: 0, minErrors: 4, minPoints: 2 });
    const days = [[10, 20, 30, 40]];
    for (let d = 0; d < 6; d++) days.push([10, 20, 30, 40].map((v) => v + (d % 2 === 0 ? 1 : -3)));
    learnAll(f, days.flat());
    const fc = f.forecast(4);
    expect(fc?.mean).toEqual([10, 20, 30, 40]);
    // Both buckets hold errors of 1 and 3; the ⌈0.9·(n + 1)⌉-th smallest is 3.
    expect(fc?.lower).toEqual([7, 17, 27, 37]);
    expect(fc?.upper).toEqual([13, 23, 33, 43]);
    // Beyond a day the half-width grows by √⌈h / day⌉.
    expect(f.forecast(5)?.upper[4]).toBe(10 + 3 * Math.SQRT2);
  });

  it('adapts the working miscoverage to the misses of the intervals it issued (adaptive conformal)', () => {
    // One bucket of a 4-step day; α = γd = 0 keeps every mean at 10. The anchors at steps 4, 8, 12
    // and 16 sample the steps 6, 11, 16 and 17 (the sampled step rotates with the anchor).
    const config = { alpha: 0, gammaDaily: 0, bucketsPerDay: 1, minErrors: 1, minPoints: 2, level: 0.5 };
    const values = [10, 10, 10, 10, 10, 10, 11, 10, 10, 10, 10, 12, 10, 10, 10, 10, 13, 14];
    const adaptive = make({ ...config, adaptRate: 0.2 });
    const fixed = make({ ...config, adaptRate: 0 });
    learnAll(adaptive, values);
    learnAll(fixed, values);
    // Errors 1, 2, 3, 4. Issued half-widths: none (step 6), 1 (step 11: miss, α 0.5 → 0.4),
    // 2 (step 16, rank ⌈0.6·3⌉ = 2: miss, α → 0.3), 3 (step 17, rank ⌈0.7·4⌉ = 3: miss, α → 0.2).
    expect(adaptive.alphaWork).toBeCloseTo(0.2, 12);
    expect(fixed.alphaWork).toBe(0.5);
    const a = adaptive.forecast(4);
    const f = fixed.forecast(4);
    expect(a?.mean).toEqual([10, 10, 10, 10]);
    expect(f?.mean).toEqual(a?.mean);
    // Errors [1, 2, 3, 4]: rank ⌈0.8·5⌉ = 4 → 4 adaptive; ⌈0.5·5⌉ = 3 → 3 at the fixed level.
    expect(a?.upper).toEqual([14, 14, 14, 14]);
    expect(f?.upper).toEqual([13, 13, 13, 13]);
  });

  it('keeps the working miscoverage at most twice the nominal one on a series it forecasts exactly', () => {
    const f = make({ alpha: 0, gammaDaily: 0, bucketsPerDay: 1, minErrors: 1, minPoints: 2, adaptRate: 0.5 });
    learnAll(f, new Array<number>(40).fill(10));
    // Every outcome is a hit (error 0 ≤ half-width 0): α_t rises by 0.05 each time, up to 2 · 0.1.
    expect(f.alphaWork).toBeCloseTo(0.2, 12);
  });

  it('restores a state saved before adaptive intervals at the configured level, and rejects a bad working level', () => {
    const config = { alpha: 0, gammaDaily: 0, bucketsPerDay: 1, minErrors: 1, minPoints: 2 };
    const a = make(config);
    learnAll(a, [10, 10, 10, 10, 10, 10, 11, 10, 10]);
    const { alphaWork: _, issuedSteps: __, issued: ___, ...old } = a.state();
    const b = make(config, old);
    expect(b.alphaWork).toBeCloseTo(0.1, 12);
    expect(b.forecast(2)?.mean).toEqual(a.forecast(2)?.mean);
    expect(() => make(config, { ...a.state(), alphaWork: 2 })).toThrow('state field alphaWork must be in [0, 1] (got 2)');
    expect(() => make(config, { ...a.state(), issued: [1] })).toThrow('state field issued must hold 2 × bucketsPerDay numbers');
  });

  it('falls back to the last value with one-step errors before a day is known, undefined before minPoints', () => {
    const f = make({ dailyPoints: 8, bucketsPerDay: 2, minPoints: 2 });
    expect(f.forecast(3)).toBeUndefined();
    f.learn({ t: T0, v: 10 });
    expect(f.forecast(3)).toBeUndefined();
    learnAll(f, [12, 11], 1);
    // Step errors [2, 1]: rank ⌈0.9·3⌉ = 3, capped at 2 → 2; widened by √h.
    const fc = f.forecast(4);
    expect(fc?.mean).toEqual([11, 11, 11, 11]);
    expect(fc?.upper).toEqual([13, 11 + 2 * Math.SQRT2, 11 + 2 * Math.sqrt(3), 15]);
    expect(fc?.lower[0]).toBe(9);
  });

  it('learns a weekly cycle whole in its first week and uses it from the second', () => {
    // Days of 2 steps, weeks of 2 days: [1, 2] then [3, 4], repeating.
    const f = make({
      dailyPoints: 2,
      weeklyPoints: 4,
      bucketsPerDay: 1,
      alpha: 0,
      gammaDaily: 0,
      gammaWeekly: 0.5,
      huberK: 1e9,
      minPoints: 2,
    });
    learnAll(f, [1, 2, 3, 4, 1, 2]);
    expect(f.forecast(4)?.mean).toEqual([3, 4, 1, 2]);
  });

  it('re-estimates the smoothing once a day from the window and picks the weekly model on a weekly series', () => {
    const f = make({ dailyPoints: 2, weeklyPoints: 4, bucketsPerDay: 1, windowDays: 5, refit: true, gammaWeekly: 0, huberK: 1e9 });
    learnAll(
      f,
      Array.from({ length: 22 }, (_, i) => [1, 2, 3, 4][i % 4] as number),
    );
    expect(f.params).toEqual({ alpha: 0, gammaDaily: 0, gammaWeekly: 0.5 });
    expect(f.forecast(4)?.mean).toEqual([3, 4, 1, 2]);
  });

  it('clamps mean and lower bound at 0 for a series that never went negative', () => {
    const f = make({ alpha: 0, gammaDaily: 0, minErrors: 1000, minPoints: 2 });
    learnAll(f, [0, 0, 0, 8, 0, 0, 0, 8]);
    const fc = f.forecast(4);
    expect(fc?.mean).toEqual([0, 0, 0, 8]);
    expect(fc?.lower.every((v) => v === 0)).toBe(true);
  });

  it('restores exactly from JSON state, with refits, and rejects inconsistent states', () => {
    const config = { dailyPoints: 6, weeklyPoints: 12, bucketsPerDay: 3, refit: true, windowDays: 4, minErrors: 2 };
    const a = make(config);
    const values = Array.from({ length: 40 }, (_, i) => 50 + 10 * Math.sin(i / 2) + (i % 7) - (i % 5 === 0 ? 30 : 0));
    learnAll(a, values.slice(0, 25));
    const b = make(config, JSON.parse(JSON.stringify(a.state())));
    learnAll(a, values.slice(25), 25);
    learnAll(b, values.slice(25), 25);
    expect(JSON.stringify(b.forecast(9))).toBe(JSON.stringify(a.forecast(9)));
    expect(b.state()).toEqual(a.state());
    expect(() => make(config, { ...a.state(), windowHead: 99 })).toThrow(
      'forecaster/holt-winters: state field windowHead is inconsistent with its ring (got 99)',
    );
    expect(() => make(config, { ...a.state(), core: [1, 2] })).toThrow('state field core must hold 0 or 5 numbers (got 2)');
    expect(() => make(config).forecast(0)).toThrow('horizonSteps must be an integer ≥ 1 (got 0)');
  });

  it('rejects configs whose buckets do not divide the day or whose week is not whole days', () => {
    expect(() => holtWintersSpec.parse({ dailyPoints: 10, bucketsPerDay: 3 })).toThrow(
      'forecaster/holt-winters: bucketsPerDay must divide dailyPoints (got 3 buckets for 10 points)',
    );
    expect(() => holtWintersSpec.parse({ dailyPoints: 10, weeklyPoints: 15, bucketsPerDay: 2 })).toThrow(
      'weeklyPoints must be 0 or a multiple of dailyPoints above it (got 15 for 10)',
    );
    expect(() => holtWintersSpec.parse({ alpha: 1 })).toThrow('alpha must be a number in [0, 1) (got 1)');
  });

  it('honours the forecaster contract with its defaults and with short seasons that refit', () => {
    expect(checkForecasterSpec(holtWintersSpec)).toEqual([]);
    const short = holtWintersSpec.parse({
      dailyPoints: 60,
      weeklyPoints: 120,
      bucketsPerDay: 6,
      windowDays: 3,
      errorsPerBucket: 50,
      minErrors: 5,
    });
    expect(checkForecasterSpec(holtWintersSpec, short, 90)).toEqual([]);
  });
});
