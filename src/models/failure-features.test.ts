import { describe, expect, it } from 'vitest';
import { FAILURE_TIME_CAP_MIN, FAILURE_TREE_FEATURE_KINDS, FAILURE_TREE_FEATURE_NAMES, failureTreeRow } from './failure-features.js';
import { FAILURE_FEATURE_NAMES } from './failure-risk.js';

function vector(values: number[]) {
  return { names: FAILURE_FEATURE_NAMES, values: Float64Array.from(values) };
}

describe('failureTreeRow', () => {
  it('caps infinite and long times at 7 days, clamps negative times to 0, keeps levels and NaN', () => {
    // memory: level 0.7, slope 0.001, tte 120 min; disk: unknown, tte Infinity; temperature 50 °C, slope −0.1, tte 20000 min
    const v = [0.7, 0.001, 120, Number.NaN, Number.NaN, Infinity, 50, -0.1, 20_000, 0.5, 0.01, 50, 2, 0.03, Infinity, 0.9];
    const row = failureTreeRow(vector(v));
    expect(Array.from(row)).toEqual([
      0.7,
      0.001,
      120,
      Number.NaN,
      Number.NaN,
      10_080,
      50,
      -0.1,
      10_080,
      0.5,
      0.01,
      50,
      2,
      0.03,
      10_080,
      0.9,
    ]);
    expect(FAILURE_TIME_CAP_MIN).toBe(10_080);
    const zero = failureTreeRow(vector([0, 0, -5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(zero[2]).toBe(0);
  });

  it('is idempotent (a capped row read back as a vector gives the same row) and fills a given row', () => {
    const v = [0.7, 0.001, Infinity, 0.5, 0, 30, 50, 0, Infinity, 0, 0, 0, 0, 0.01, Infinity, 1];
    const once = failureTreeRow(vector(v));
    const out = new Float64Array(16);
    expect(failureTreeRow({ names: FAILURE_FEATURE_NAMES, values: once }, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(once));
  });

  it('names the column kinds: times in minutes, restarts a count, ECC rates, the rest levels', () => {
    const kinds = Object.fromEntries(FAILURE_TREE_FEATURE_NAMES.map((n, i) => [n, FAILURE_TREE_FEATURE_KINDS[i]]));
    expect(kinds).toMatchObject({
      memory_tte_min: 'minutes',
      minutes_since_anomaly: 'minutes',
      restarts_last_hour: 'count',
      ecc_rate_per_min: 'rate',
      ecc_ratio: 'level',
      memory_slope_per_min: 'level',
      data_fraction: 'level',
    });
  });

  it('rejects a vector of other features, saying what it expected and got', () => {
    expect(() => failureTreeRow({ names: ['memory_level'], values: Float64Array.of(1) } as never)).toThrow(
      'failureTreeRow: expected the 16 features of FAILURE_FEATURE_NAMES in order (got 1: memory_level)',
    );
    expect(() => failureTreeRow(vector(new Array(16).fill(0)), new Float64Array(3))).toThrow(
      'failureTreeRow: out must hold 16 values (got 3)',
    );
  });
});
