import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from './grid.js';
import { homeostatMethod } from './homeostat-method.js';
import { logisticRegression } from './methods.js';
import { xgboostTestsEnabled } from '../../models/xgboost/native.js';
import { rocAuc, scoreGroups } from './metrics.js';

const ENABLED = xgboostTestsEnabled('bench/failure homeostat');

/** Two flags a, b cycling through the 4 combinations; label = a xor b, every 10th row flipped. */
function xorMatrix(rows: number): FeatureMatrix {
  const x = new Float32Array(rows * 2);
  const label = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = i % 2;
    const b = Math.floor(i / 2) % 2;
    x[i * 2] = a;
    x[i * 2 + 1] = b;
    label[i] = ((a ^ b) === 1) !== (i % 10 === 9) ? 1 : 0;
  }
  return {
    names: ['a', 'b'],
    kinds: ['flag', 'flag'],
    rows,
    d: 2,
    x,
    label,
    weight: new Float32Array(rows).fill(1),
    entity: new Int32Array(rows),
    hour: Int32Array.from({ length: rows }, (_, i) => i),
  };
}

describe.skipIf(!ENABLED)('homeostatMethod', () => {
  const input = { fit: xorMatrix(400), tune: xorMatrix(200), test: xorMatrix(200) };

  it('learns an interaction the logistic regression cannot, choosing its settings on tune', () => {
    const out = homeostatMethod().run(input);
    const test = input.test;
    // flips fall on a = 1 only: (a, b) = (0, 1) all positive, (1, 0) 80 %, (1, 1) 20 %, (0, 0) none.
    // Ranked in that order, ROC-AUC = (50·100 + 40·(90 + 10/2) + 10·(50 + 40/2)) / (100·100) = 0.95
    expect(rocAuc(scoreGroups(out.test, test.label, test.weight))).toBeCloseTo(0.95, 6);
    const lr = logisticRegression().run(input);
    // additive in a and b: a carries no signal (its effect flips sign with b), b alone ranks at
    // (60·60 + (60·40 + 40·60) / 2) / (100·100) = 0.6
    expect(rocAuc(scoreGroups(lr.test, test.label, test.weight))).toBeCloseTo(0.6, 3);
    expect(out.test[2]).toBeGreaterThan(0.9);
    expect(out.test[1]).toBeCloseTo(0.8, 1);
    expect(out.test[3]).toBeCloseTo(0.2, 1);
    expect(out.test[0]).toBeLessThan(0.1);
    // F1 is best when (0, 1) and (1, 0) are positive: 2·90 / (2·90 + 10 + 10) = 0.9
    expect(out.threshold).toBe(out.tune[1]);
    // 400 rows hold too little hessian for min child weight 100: the tune rows pick 1
    expect(out.info?.min_child_weight).toBe(1);
    expect(Object.keys(out.info?.tune_pr_auc as object)).toEqual(['depth_2_mcw_1', 'depth_2_mcw_100', 'depth_4_mcw_1', 'depth_4_mcw_100']);
  });

  it('is deterministic and rejects an empty grid', () => {
    const a = homeostatMethod({ depths: [2], minChildWeights: [1] }).run(input);
    const b = homeostatMethod({ depths: [2], minChildWeights: [1] }).run(input);
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(() => homeostatMethod({ depths: [] })).toThrow(/expected at least one depth and one min child weight \(got 0 and 2\)/);
  });
});
