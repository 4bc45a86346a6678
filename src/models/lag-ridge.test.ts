import { describe, expect, it } from 'vitest';
import { checkForecasterSpec } from './forecaster-contract.js';
import { choleskySolve, lagRidgeBlocks, lagRidgeSpec, ridgeSolve } from './lag-ridge.js';

const MIN = 60_000;
const T0 = 1_767_571_200_000;
const PATTERN = [0, 3, 1, 4, 1, 5, 9, 2];
const config = lagRidgeSpec.parse({
  seasonPoints: 8,
  minPoints: 2,
  historySeasons: 10,
  fourierTerms: 1,
  smoothMs: MIN,
  levelMs: 2 * MIN,
  ridge: 0,
  robustIterations: 0,
  errorPoints: 70,
});
const make = (state?: unknown) => lagRidgeSpec.create(config, state);
const learnAll = (f: ReturnType<typeof make>, values: readonly number[], fromStep = 0) => {
  values.forEach((v, i) => {
    f.learn({ t: T0 + (fromStep + i) * MIN, v });
  });
};
const trend = (t: number) => 0.5 * t + (PATTERN[t % 8] as number);

describe('ridge algebra', () => {
  it('solves a 2×2 system by Cholesky', () => {
    // [[4, 2], [2, 3]] x = [2, 1] → x = [0.5, 0].
    const x = choleskySolve(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]), 2);
    expect(Array.from(x ?? [])).toEqual([0.5, 0]);
    expect(choleskySolve(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2)).toBeUndefined();
  });

  it('recovers known coefficients without penalty and shrinks them with one', () => {
    // y = 1 + 2·x1 − 3·x2 exactly.
    const rows = [
      [1, 0, 0],
      [1, 1, 0],
      [1, 0, 1],
      [1, 2, 1],
      [1, -1, 3],
    ];
    const design = Float64Array.from(rows.flat());
    const y = Float64Array.from(rows.map((r) => 1 + 2 * (r[1] as number) - 3 * (r[2] as number)));
    const beta = ridgeSolve(design, y, 5, 3, 0) ?? [];
    expect(beta[0]).toBeCloseTo(1, 6);
    expect(beta[1]).toBeCloseTo(2, 6);
    expect(beta[2]).toBeCloseTo(-3, 6);
    // XᵀX = 2·I, Xᵀy = [0, 4]; penalty 2 → β = [0, 4 / (2 + 2)] = [0, 1].
    const shrunk = ridgeSolve(Float64Array.from([1, -1, 1, 1]), Float64Array.from([-2, 2]), 2, 2, 2) ?? [];
    expect(shrunk[0]).toBeCloseTo(0, 9);
    expect(shrunk[1]).toBeCloseTo(1, 8);
  });

  it('splits the season into horizon blocks of 15 min, 1 h, 3 h, 6 h, 12 h and 24 h', () => {
    expect(lagRidgeBlocks(288)).toEqual([3, 12, 36, 72, 144, 288]);
    expect(lagRidgeBlocks(8)).toEqual([1, 2, 4, 8]);
  });
});

describe('LagRidge', () => {
  it('continues a periodic series exactly, with a zero-width interval', () => {
    const f = make();
    learnAll(
      f,
      Array.from({ length: 80 }, (_, t) => PATTERN[t % 8] as number),
    );
    expect(f.fit?.depth).toBe(7);
    const fc = f.forecast(10);
    expect(fc?.mean).toEqual([0, 3, 1, 4, 1, 5, 9, 2, 0, 3]);
    expect(fc?.lower).toEqual(fc?.mean);
    expect(fc?.upper).toEqual(fc?.mean);
    expect(fc?.t[0]).toBe(T0 + 80 * MIN);
  });

  it('learns the seasonal step of a linear trend (y = 0.5·t + pattern) and repeats the last season beyond it', () => {
    const f = make();
    learnAll(
      f,
      Array.from({ length: 80 }, (_, t) => trend(t)),
    );
    const fc = f.forecast(12);
    const expected = [80, 81, 82, 83, 84, 85, 86, 87].map(trend);
    for (let h = 0; h < 8; h++) expect(fc?.mean[h]).toBeCloseTo(expected[h] as number, 5);
    for (let h = 8; h < 12; h++) expect(fc?.mean[h]).toBe(fc?.mean[h - 8]);
    for (let h = 0; h < 8; h++) expect((fc?.upper[h] as number) - (fc?.lower[h] as number)).toBeLessThan(1e-5);
  });

  it('is naive with the one-step error quantile before the first fit, undefined before minPoints', () => {
    const f = make();
    expect(f.forecast(2)).toBeUndefined();
    f.learn({ t: T0, v: 10 });
    expect(f.forecast(2)).toBeUndefined();
    learnAll(f, [12, 11], 1);
    // One-step errors [2, 1]: rank ⌈0.9·3⌉ = 3, capped at 2 → 2; widened by √h.
    const fc = f.forecast(2);
    expect(fc?.mean).toEqual([11, 11]);
    expect(fc?.upper).toEqual([13, 11 + 2 * Math.SQRT2]);
    expect(fc?.lower).toEqual([9, 11 - 2 * Math.SQRT2]);
  });

  it('takes the interval from out-of-sample errors of the previous fit', () => {
    // Small rings (14 errors per block, 2 per refit) so that new errors show in the 0.9 quantile.
    const f = lagRidgeSpec.create({ ...config, errorPoints: 14 });
    learnAll(
      f,
      Array.from({ length: 80 }, (_, t) => PATTERN[t % 8] as number),
    );
    expect(f.forecast(1)?.upper[0]).toBe(f.forecast(1)?.mean[0]);
    // A level shift of +1 for two seasons: the fit made before it misses each target by 1.
    learnAll(
      f,
      Array.from({ length: 16 }, (_, i) => (PATTERN[i % 8] as number) + 1),
      80,
    );
    const fc = f.forecast(1);
    const half = (fc?.upper[0] as number) - (fc?.mean[0] as number);
    expect(half).toBeGreaterThan(0.5);
    expect(half).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('fills a skipped slot with the value one season earlier and ignores bad points', () => {
    const f = make();
    learnAll(f, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    f.learn({ t: T0 + 10 * MIN, v: 20 }); // step 9 skipped: takes step 1's value 2
    expect(f.state().values.slice(-3)).toEqual([9, 2, 20]);
    const before = JSON.stringify(f.state());
    f.learn({ t: T0 + 10 * MIN, v: 5 });
    f.learn({ t: T0 + 11 * MIN, v: Number.NaN });
    f.learn({ t: Number.NaN, v: 1 });
    expect(JSON.stringify(f.state())).toBe(before);
  });

  it('restores exactly from JSON state and rejects inconsistent states', () => {
    const a = make();
    const values = Array.from({ length: 90 }, (_, t) => trend(t) + ((t * 7) % 5) / 10);
    learnAll(a, values);
    const b = make(JSON.parse(JSON.stringify(a.state())));
    learnAll(a, [50, 51, 49], values.length);
    learnAll(b, [50, 51, 49], values.length);
    expect(JSON.stringify(b.forecast(12))).toBe(JSON.stringify(a.forecast(12)));
    expect(b.state()).toEqual(a.state());
    expect(() => make({ ...a.state(), valuesHead: 85 })).toThrow('forecaster/lag-ridge: state field valuesHead is inconsistent');
    expect(() => make({ ...a.state(), blockErrors: [[1]] })).toThrow('state field blockErrors must be 4 arrays');
    const fit = a.state().fit;
    expect(() => make({ ...a.state(), fit: { ...fit, coefficients: [[1], [1], [1], [1]] } })).toThrow('fit.coefficients[0]');
    expect(() => make(undefined).forecast(0)).toThrow('horizonSteps must be an integer ≥ 1 (got 0)');
  });

  it('has strict config and documented defaults', () => {
    expect(lagRidgeSpec.defaults).toMatchObject({ seasonPoints: 1440, stepMs: 60_000, level: 0.9, historySeasons: 14, ridge: 0.3 });
    expect(() => lagRidgeSpec.parse({ historySeasons: 2 })).toThrow(
      'forecaster/lag-ridge: historySeasons must be an integer in [3, 60] (got 2)',
    );
    expect(() => lagRidgeSpec.parse({ dayOfWeek: 'yes' })).toThrow('dayOfWeek must be true or false');
  });

  it('honours the forecaster contract with its defaults and with a short season (fitted mode)', () => {
    expect(checkForecasterSpec(lagRidgeSpec)).toEqual([]);
    expect(checkForecasterSpec(lagRidgeSpec, lagRidgeSpec.parse({ seasonPoints: 60, dayOfWeek: true }), 150)).toEqual([]);
  });
});
