import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from './grid.js';
import { alwaysNo, choleskySolve, fitLogistic, logisticRegression, persistence, predictLogistic } from './methods.js';

function matrix(names: string[], kinds: FeatureMatrix['kinds'], rows: number[][], label: number[], weight?: number[]): FeatureMatrix {
  return {
    names,
    kinds,
    rows: rows.length,
    d: names.length,
    x: Float32Array.from(rows.flat()),
    label: Uint8Array.from(label),
    weight: Float32Array.from(weight ?? rows.map(() => 1)),
    entity: new Int32Array(rows.length),
    hour: Int32Array.from(rows.map((_, i) => i)),
  };
}

describe('choleskySolve', () => {
  it('solves a 2 × 2 system', () => {
    const z = choleskySolve(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]), 2);
    expect(z[0]).toBeCloseTo(0.5, 12);
    expect(z[1]).toBeCloseTo(0, 12);
    expect(() => choleskySolve(Float64Array.from([0, 0, 0, 0]), Float64Array.from([1, 1]), 2)).toThrow(/positive definite/);
  });
});

describe('fitLogistic', () => {
  // flag 0: 1 failure in 4 rows; flag 1: 3 in 4 → the unpenalised fit gives 0.25 and 0.75 exactly
  const m = matrix(['down'], ['flag'], [[0], [0], [0], [0], [1], [1], [1], [1]], [1, 0, 0, 0, 1, 1, 1, 0]);

  it('reaches the maximum-likelihood fit without a penalty', () => {
    const model = fitLogistic(m, { l2: 0 });
    // standardised flag = ±1, so coef = logit(0.75) = ln 3 and intercept 0
    expect(model.mean[0]).toBe(0.5);
    expect(model.scale[0]).toBe(0.5);
    expect(model.coef[0]).toBeCloseTo(Math.log(3), 8);
    expect(model.intercept).toBeCloseTo(0, 8);
    const p = predictLogistic(model, m);
    expect(p[0]).toBeCloseTo(0.25, 8);
    expect(p[7]).toBeCloseTo(0.75, 8);
  });

  it('honours weights: one negative of weight 3 counts as three rows', () => {
    const w = matrix(['down'], ['flag'], [[0], [0], [1], [1]], [1, 0, 1, 0], [1, 3, 3, 1]);
    const p = predictLogistic(fitLogistic(w, { l2: 0 }), w);
    expect(p[0]).toBeCloseTo(0.25, 8);
    expect(p[2]).toBeCloseTo(0.75, 8);
  });

  it('shrinks the coefficient with an L2 penalty and takes log1p of counts', () => {
    expect(fitLogistic(m, { l2: 4 }).coef[0]).toBeLessThan(Math.log(3) - 0.1);
    const c = matrix(['failures_6h'], ['count'], [[0], [Math.E - 1]], [0, 1]);
    const model = fitLogistic(c, { l2: 1 });
    expect(model.mean[0]).toBeCloseTo(0.5, 6);
    expect(model.scale[0]).toBeCloseTo(0.5, 6);
  });

  it('rejects an empty matrix and mismatched features', () => {
    expect(() => fitLogistic(matrix(['a'], ['flag'], [], []))).toThrow('fitLogistic: expected at least one row (got 0)');
    const model = fitLogistic(m, { l2: 1 });
    expect(() => predictLogistic(model, matrix(['b'], ['flag'], [[0]], [0]))).toThrow('predictLogistic: expected features down (got b)');
  });
});

describe('baselines', () => {
  const names = ['failures_6h', 'down'];
  const kinds: FeatureMatrix['kinds'] = ['count', 'flag'];
  const fit = matrix(
    names,
    kinds,
    [
      [0, 0],
      [1, 0],
      [2, 1],
      [0, 1],
      [0, 0],
      [3, 0],
    ],
    [0, 1, 1, 0, 0, 1],
  );
  const tune = matrix(
    names,
    kinds,
    [
      [0, 0],
      [2, 0],
      [0, 1],
      [1, 1],
    ],
    [0, 1, 0, 1],
  );
  const test = matrix(
    names,
    kinds,
    [
      [0, 0],
      [4, 0],
    ],
    [0, 1],
  );

  it('always_no says 0 and persistence says whether an onset fell in the last 6 h', () => {
    expect(Array.from(alwaysNo.run({ fit, tune, test }).test)).toEqual([0, 0]);
    const p = persistence.run({ fit, tune, test });
    expect(Array.from(p.tune)).toEqual([0, 1, 0, 1]);
    expect(p.threshold).toBe(0.5);
  });

  it('logistic_regression learns on fit and picks the F1-best threshold on tune', () => {
    const out = logisticRegression({ l2: 0.1 }).run({ fit, tune, test });
    // a positive coefficient on failures_6h: the rows with onsets rank first on tune, and the threshold admits exactly them
    expect((out.test[1] as number) > (out.test[0] as number)).toBe(true);
    const admitted = Array.from(out.tune, (p) => (p >= out.threshold ? 1 : 0));
    expect(admitted).toEqual([0, 1, 0, 1]);
    expect(out.info?.iterations).toBeGreaterThan(0);
  });
});
