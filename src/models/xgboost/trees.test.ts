import { describe, expect, it } from 'vitest';
import { compileXgbModel, contributions, predictMargin, predictProbability, topContributions, type XgbModelJson } from './trees.js';

describe('compileXgbModel + predictMargin + contributions', () => {
  it('evaluates a hand-written model: float32 split, default child for NaN, base score', () => {
    const model: XgbModelJson = {
      learner: {
        learner_model_param: { base_score: '5E-1', num_feature: '2' },
        objective: { name: 'binary:logistic' },
        gradient_booster: {
          name: 'gbtree',
          model: {
            trees: [
              {
                left_children: [1, -1, -1],
                right_children: [2, -1, -1],
                split_indices: [1, 0, 0],
                split_conditions: [0.25, -1, 2],
                default_left: [0, 0, 0],
                sum_hessian: [4, 3, 1],
              },
            ],
          },
        },
      },
    };
    const m = compileXgbModel(model);
    expect(predictMargin(m, [9, 0.1])).toBe(-1);
    expect(predictMargin(m, [9, 0.25])).toBe(2);
    expect(predictMargin(m, [9, Number.NaN])).toBe(2);
    expect(predictProbability(m, [0, 0.3])).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    // expected value (3·(−1) + 1·2) / 4 = −0.25; x1 = 0.3 takes the right leaf: φ1 = 2 − (−0.25)
    const c = contributions(m, [0, 0.3]);
    expect(c.bias).toBeCloseTo(-0.25, 12);
    expect(Array.from(c.contributions)).toEqual([0, 2.25]);
  });

  it('names the top features by |contribution|', () => {
    const top = topContributions({ contributions: Float64Array.from([0.1, -2, 0, 0.5]), bias: 0 }, ['a', 'b', 'c', 'd'], 2);
    expect(top).toEqual([
      { name: 'b', contribution: -2 },
      { name: 'd', contribution: 0.5 },
    ]);
  });
});
