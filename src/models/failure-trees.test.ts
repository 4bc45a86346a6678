import { describe, expect, it } from 'vitest';
import { FAILURE_FEATURE_NAMES, failureHeuristicSpec } from './failure-risk.js';
import { describeFailureFeature, failureTreesSpec } from './failure-trees.js';
import type { XgbModelJson } from './xgboost/trees.js';

/**
 * Two stumps over the 16 features: memory_tte_min (column 2) < 120 → +2 (cover 10) else −1 (cover 30);
 * restarts_last_hour (column 12) < 0.5 → −0.5 (cover 36) else +1.5 (cover 4). base_score 0.5 → base margin 0.
 * Expected values: −0.25 and −0.3, so the bias is −0.55.
 */
function stumps(features = 16): XgbModelJson {
  const stump = (feature: number, threshold: number, left: number, right: number, cl: number, cr: number) => ({
    left_children: [1, -1, -1],
    right_children: [2, -1, -1],
    split_indices: [feature, 0, 0],
    split_conditions: [threshold, left, right],
    default_left: [0, 0, 0],
    sum_hessian: [cl + cr, cl, cr],
  });
  return {
    learner: {
      learner_model_param: { base_score: '0.5', num_feature: String(features) },
      objective: { name: 'binary:logistic' },
      gradient_booster: { name: 'gbtree', model: { trees: [stump(2, 120, 2, -1, 10, 30), stump(12, 0.5, -0.5, 1.5, 36, 4)] } },
    },
  };
}

const config = failureTreesSpec.parse({ model: stumps(), platt: { a: 2, b: -1 }, threshold: 0.6 });
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function vector(memoryTteMin: number, restarts: number, dataFraction = 0.8) {
  const values = new Float64Array(16).fill(Number.NaN);
  values[0] = 0.9;
  values[1] = 0.001;
  values[2] = memoryTteMin;
  values[5] = Infinity;
  values[8] = Infinity;
  values[12] = restarts;
  values[14] = Infinity;
  values[15] = dataFraction;
  return { names: FAILURE_FEATURE_NAMES, values };
}

describe('risk/failure-trees', () => {
  it('turns the tree margin into a Platt-calibrated probability and explains it by TreeSHAP in words', () => {
    const m = failureTreesSpec.create(config);
    // margin 2 − 0.5 = 1.5 → p = sigmoid(2 · 1.5 − 1) = sigmoid(2)
    const risk = m.predict(vector(60, 0));
    expect(risk.probability).toBeCloseTo(sigmoid(2), 12);
    expect(risk.probability).toBeCloseTo(0.880797, 6);
    expect(m.probability(vector(60, 0))).toBe(risk.probability);
    // SHAP: memory 2 − (−0.25) = 2.25 (raises), restarts −0.5 − (−0.3) = −0.2 (lowers)
    expect(risk.explanation.map((a) => a.name)).toEqual(['memory_utilization reaches 100 % in ~60 min', '0 restarts in the last hour']);
    expect(risk.explanation[0]?.weight).toBeCloseTo(2.25, 9);
    expect(risk.explanation[1]?.weight).toBeCloseTo(-0.2, 9);
    expect(risk.explanation.map((a) => a.actual)).toEqual([60, 0]);
    expect(risk.leadTimeMs).toBe(60 * 60_000);
    expect(risk.confidence).toBe(0.8);
  });

  it('puts risk-raising contributions first and gives no lead time when no time to exhaustion raises the risk', () => {
    const m = failureTreesSpec.create(config);
    // margin −1 + 1.5 = 0.5 → p = sigmoid(0) = 0.5; SHAP memory −0.75, restarts +1.8
    const risk = m.predict(vector(Infinity, 2, 0.25));
    expect(risk.probability).toBe(0.5);
    expect(risk.explanation.map((a) => [a.name, Math.round(a.weight * 1e9) / 1e9])).toEqual([
      ['2 restarts in the last hour', 1.8],
      ['memory_utilization not heading to 100 %', -0.75],
    ]);
    expect(risk.explanation[1]?.actual).toBeUndefined();
    expect(risk.leadTimeMs).toBeUndefined();
    expect(risk.confidence).toBe(0.25);
  });

  it('learns like the heuristic and restores its feature windows bit for bit', () => {
    const a = failureTreesSpec.create(config);
    const h = failureHeuristicSpec.create(failureHeuristicSpec.defaults);
    const t0 = Date.UTC(2026, 0, 5);
    for (let i = 0; i < 90; i++) {
      const p = { t: t0 + i * 60_000, v: 0.5 + 0.004 * i };
      a.learn('memory_utilization', p);
      h.learn('memory_utilization', p);
    }
    a.noteAnomaly(t0 + 80 * 60_000);
    h.noteAnomaly(t0 + 80 * 60_000);
    const t = t0 + 90 * 60_000;
    expect(Array.from(a.features(t).values)).toEqual(Array.from(h.features(t).values));
    const risk = a.assess(t);
    // memory at 0.856 rising 0.4 %/min: full in ~36 min, so the first stump says +2
    expect(risk.explanation[0]?.name).toMatch(/^memory_utilization reaches 100 % in ~3\d min$/);
    const b = failureTreesSpec.create(config, JSON.parse(JSON.stringify(a.state())));
    expect(b.assess(t)).toEqual(risk);
    expect(b.state()).toEqual(a.state());
  });

  it('rejects configs without a model, with unknown keys, other features or a decreasing calibration', () => {
    expect(() => failureTreesSpec.parse({})).toThrow(/risk\/failure-trees: model is required/);
    expect(() => failureTreesSpec.create(failureTreesSpec.defaults)).toThrow(/needs a trained model in config\.model/);
    expect(() => failureTreesSpec.parse({ model: stumps(), depth: 3 })).toThrow(
      'risk/failure-trees: unknown key "depth" (expected one of: horizonMs, model, platt, featureNames, threshold, features, topK)',
    );
    expect(() => failureTreesSpec.parse({ model: stumps(), featureNames: ['memory_level'] })).toThrow(
      /featureNames must be the features this version computes/,
    );
    expect(() => failureTreesSpec.parse({ model: stumps(13) })).toThrow('risk/failure-trees: model has 13 features (expected 16)');
    expect(() => failureTreesSpec.parse({ model: stumps(), platt: { a: 0, b: 1 } })).toThrow(
      'risk/failure-trees: platt.a must be a number > 0 (got 0)',
    );
    expect(() => failureTreesSpec.parse({ model: stumps(), threshold: 2 })).toThrow(
      'risk/failure-trees: threshold must be a number in [0, 1] (got 2)',
    );
    expect(() => failureTreesSpec.parse({ model: { learner: { objective: { name: 'reg:squarederror' } } } })).toThrow(
      /expected objective binary:logistic/,
    );
    expect(config.threshold).toBe(0.6);
    expect(config.features).toEqual(failureHeuristicSpec.defaults);
  });

  it('names every feature in words, starting with its metric', () => {
    expect(describeFailureFeature('temperature_tte_min', 0)).toBe('hw_temperature_c is at 90 °C');
    expect(describeFailureFeature('temperature_c', 71.26)).toBe('hw_temperature_c at 71 °C');
    expect(describeFailureFeature('disk_slope_per_min', -0.0012)).toBe('disk_utilization changing at −0.1 %/min');
    expect(describeFailureFeature('disk_level', Number.NaN)).toBe('disk_utilization not reported');
    expect(describeFailureFeature('ecc_ratio', 12.4)).toBe('hw_ecc_errors at 12× its baseline');
    expect(describeFailureFeature('error_rate', 0.021)).toBe('error_rate at 2.1 %');
    expect(describeFailureFeature('minutes_since_anomaly', 150)).toBe('anomaly on this entity 2.5 h ago');
    expect(describeFailureFeature('minutes_since_anomaly', 10_080)).toBe('no anomaly on this entity in the last week');
  });
});
