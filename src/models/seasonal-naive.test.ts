import { describe, expect, it } from 'vitest';
import { seasonalNaiveSpec } from './seasonal-naive.js';

const MIN = 60_000;
const T0 = 1_767_571_200_000;
const config = seasonalNaiveSpec.parse({ seasonPoints: 4, minPoints: 2, errorPoints: 10 });
const make = (state?: unknown) => seasonalNaiveSpec.create(config, state);
const learnAll = (f: ReturnType<typeof make>, values: readonly number[], fromStep = 0) => {
  values.forEach((v, i) => {
    f.learn({ t: T0 + (fromStep + i) * MIN, v });
  });
};

describe('SeasonalNaive', () => {
  it('returns the value one season ago on a known period, with a zero-width interval when errors are zero', () => {
    const f = make();
    learnAll(f, [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    const fc = f.forecast(6);
    expect(fc?.mean).toEqual([1, 2, 3, 4, 1, 2]);
    expect(fc?.t).toEqual([12, 13, 14, 15, 16, 17].map((s) => T0 + s * MIN));
    expect(fc?.lower).toEqual(fc?.mean);
    expect(fc?.upper).toEqual(fc?.mean);
    expect(fc?.level).toBe(0.9);
  });

  it('takes the interval from the 0.9 quantile of past seasonal errors', () => {
    const f = make();
    // Season 1: 10 20 30 40; season 2 errors 1 2 3 4; season 3 errors (vs season 2) 0 0 0 0.
    learnAll(f, [10, 20, 30, 40, 11, 22, 33, 44, 11, 22, 33, 44]);
    // Errors [1, 2, 3, 4, 0, 0, 0, 0]: nearest rank ⌈0.9·8⌉ = 8 → 4.
    const fc = f.forecast(5);
    expect(fc?.mean).toEqual([11, 22, 33, 44, 11]);
    expect(fc?.lower).toEqual([7, 18, 29, 40, 11 - 4 * Math.SQRT2]);
    expect(fc?.upper).toEqual([15, 26, 37, 48, 11 + 4 * Math.SQRT2]);
  });

  it('falls back to the last value with one-step errors before a season is known, undefined before minPoints', () => {
    const f = make();
    expect(f.forecast(3)).toBeUndefined();
    f.learn({ t: T0, v: 10 });
    expect(f.forecast(3)).toBeUndefined();
    learnAll(f, [12, 11], 1);
    // Step errors [2, 1]; nearest rank ⌈0.9·2⌉ = 2 → 2; widened by √h.
    const fc = f.forecast(4);
    expect(fc?.mean).toEqual([11, 11, 11, 11]);
    expect(fc?.upper).toEqual([13, 11 + 2 * Math.SQRT2, 11 + 2 * Math.sqrt(3), 15]);
    expect(fc?.lower[0]).toBe(9);
  });

  it('leaves skipped slots at their value one season earlier (or the last value in the first season)', () => {
    const f = make();
    learnAll(f, [1, 2, 3, 4, 5, 6, 7, 8]);
    f.learn({ t: T0 + 9 * MIN, v: 20 }); // step 8 skipped: keeps step 4's value 5
    expect(f.forecast(4)?.mean).toEqual([7, 8, 5, 20]);

    const g = make();
    g.learn({ t: T0, v: 1 });
    g.learn({ t: T0 + 3 * MIN, v: 4 }); // steps 1 and 2 filled with 1
    expect(g.state().season).toEqual([1, 1, 1, 4]);
    expect(g.count).toBe(2);
  });

  it('ignores duplicates, out-of-order points and non-finite values', () => {
    const f = make();
    learnAll(f, [1, 2, 3]);
    const before = JSON.stringify(f.state());
    f.learn({ t: T0 + 2 * MIN, v: 99 });
    f.learn({ t: T0 + 2 * MIN + 20_000, v: 99 });
    f.learn({ t: T0 + 3 * MIN, v: Number.NaN });
    f.learn({ t: Number.NaN, v: 1 });
    expect(JSON.stringify(f.state())).toBe(before);
    f.learn({ t: T0 + 3 * MIN + 20_000, v: 4 }); // within half a step: taken as step 3
    expect(f.state().season).toEqual([1, 2, 3, 4]);
  });

  it('restores exactly from JSON state and rejects inconsistent states', () => {
    const a = make();
    const values = [5, 7, 9, 8, 6, 8, 10, 9, 5, 6, 11, 9, 6, 7];
    learnAll(a, values);
    const b = make(JSON.parse(JSON.stringify(a.state())));
    learnAll(a, [7, 9, 10], values.length);
    learnAll(b, [7, 9, 10], values.length);
    expect(JSON.stringify(b.forecast(9))).toBe(JSON.stringify(a.forecast(9)));
    expect(b.state()).toEqual(a.state());
    const bad = { ...a.state(), seasonHead: 7 };
    expect(() => make(bad)).toThrow('forecaster/seasonal-naive: state field seasonHead is inconsistent with its ring (got 7)');
    expect(() => seasonalNaiveSpec.create(seasonalNaiveSpec.defaults, { ...a.state(), version: 0 })).toThrow('version 0');
    expect(() => make(undefined).forecast(0)).toThrow('horizonSteps must be an integer ≥ 1 (got 0)');
  });

  it('defaults to a daily season of 1-minute steps at level 0.9', () => {
    expect(seasonalNaiveSpec.defaults).toEqual({ seasonPoints: 1440, stepMs: 60_000, level: 0.9, minPoints: 10, errorPoints: 720 });
    expect(() => seasonalNaiveSpec.parse({ seasonPoints: 1 })).toThrow(
      'forecaster/seasonal-naive: seasonPoints must be an integer in [2, 1000000] (got 1)',
    );
  });
});
