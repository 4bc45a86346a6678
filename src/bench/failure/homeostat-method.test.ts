import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from './grid.js';
import {
  featureSetColumns,
  firstTrees,
  homeostatMethod,
  selectColumns,
  TREE_FEATURE_SETS,
  type TreeFeatureSet,
} from './homeostat-method.js';
import type { XgbModelJson } from '../../models/xgboost/trees.js';
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
    // a and b are in no default set but 'all'; the other sets are the same columns or none: skipped
    expect(out.info?.feature_set).toBe('all');
    expect(Object.keys(out.info?.tune_roc_auc as object)).toEqual([
      'all_depth_4_mcw_100',
      'all_depth_4_mcw_1',
      'all_depth_2_mcw_100',
      'all_depth_2_mcw_1',
    ]);
    const kept = out.info?.trees as number;
    expect(kept % 25).toBe(0);
    const trees = (out.info?.tune_trees ?? {}) as Record<string, number>;
    expect(kept).toBe(trees[`all_depth_${out.info?.depth}_mcw_1`]);
  });

  it('chooses the feature set on tune: a lifetime column that leaks in fit and flips in tune is left out', () => {
    const leak = (rows: number, flip: boolean): FeatureMatrix => {
      const m = xorMatrix(rows);
      const x = new Float32Array(rows * 2);
      const label = new Uint8Array(rows);
      for (let i = 0; i < rows; i++) {
        const count = i % 4;
        label[i] = count >= 2 !== (i % 10 === 9) ? 1 : 0;
        x[i * 2] = count;
        x[i * 2 + 1] = ((label[i] === 1) !== flip ? 1 : 0) * 10;
      }
      return { ...m, names: ['failures_6h', 'hours_observed'], kinds: ['count', 'hours'], x, label };
    };
    const out = homeostatMethod({ depths: [2], minChildWeights: [1], rounds: 50 }).run({
      fit: leak(400, false),
      tune: leak(200, true),
      test: leak(200, true),
    });
    expect(out.info?.feature_set).toBe('recent');
    expect(out.info?.features).toEqual(['failures_6h']);
    const roc = out.info?.tune_roc_auc as Record<string, number>;
    expect(roc.all_depth_2_mcw_1).toBeLessThan(0.5);
    // flips fall on odd rows (counts 1 and 3): positive rates by count 0 / 1 / 2 / 3 are 0 / 0.2 / 1 / 0.8,
    // ranked 2 > 3 > 1 > 0: (50·100 + 40·(90 + 10/2) + 10·(50 + 40/2)) / (100·100) = 0.95
    expect(roc.recent_depth_2_mcw_1).toBeCloseTo(0.95, 6);
    expect(Object.keys(roc)).toEqual(['all_depth_2_mcw_1', 'recent_depth_2_mcw_1']);
  });

  it('is deterministic and rejects an empty grid', () => {
    const a = homeostatMethod({ depths: [2], minChildWeights: [1] }).run(input);
    const b = homeostatMethod({ depths: [2], minChildWeights: [1] }).run(input);
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(() => homeostatMethod({ depths: [] })).toThrow(/expected at least one depth and one min child weight \(got 0 and 2\)/);
    expect(() => homeostatMethod({ featureSets: [{ name: 'none', only: ['x'] }] }).run(input)).toThrow(/no feature set holds a column/);
  });
});

describe('feature sets and early stopping helpers', () => {
  it('selects columns by set', () => {
    const names = ['hours_since_failure', 'hours_observed', 'failures_6h', 'cluster_failures_6h', 'hour_of_day'];
    expect(featureSetColumns(TREE_FEATURE_SETS[0] as TreeFeatureSet, names)).toEqual([0, 1, 2, 3, 4]);
    expect(featureSetColumns(TREE_FEATURE_SETS[1] as TreeFeatureSet, names)).toEqual([0, 2, 3, 4]);
    expect(featureSetColumns(TREE_FEATURE_SETS[2] as TreeFeatureSet, names)).toEqual([0, 2, 3]);
    const m = xorMatrix(3);
    const one = selectColumns(m, [1]);
    expect(one.names).toEqual(['b']);
    expect(Array.from(one.x)).toEqual([0, 0, 1]);
    expect(selectColumns(m, [0, 1])).toBe(m);
  });

  it('cuts a model to its first trees', () => {
    const tree = (id: number) => ({ id }) as unknown as XgbModelJson['learner']['gradient_booster']['model']['trees'][number];
    const model = {
      learner: {
        learner_model_param: { base_score: '0.5', num_feature: '2' },
        objective: { name: 'binary:logistic' },
        gradient_booster: {
          name: 'gbtree',
          model: { trees: [tree(0), tree(1), tree(2)], tree_info: [0, 0, 0], gbtree_model_param: { num_trees: '3' } },
        },
      },
    } as XgbModelJson;
    const cut = firstTrees(model, 2).learner.gradient_booster.model as XgbModelJson['learner']['gradient_booster']['model'] & {
      gbtree_model_param: { num_trees: string };
    };
    expect(cut.trees).toEqual([tree(0), tree(1)]);
    expect(cut.tree_info).toEqual([0, 0]);
    expect(cut.gbtree_model_param.num_trees).toBe('2');
    expect(model.learner.gradient_booster.model.trees.length).toBe(3);
    expect(firstTrees(model, 3)).toBe(model);
  });
});
