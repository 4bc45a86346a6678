/**
 * @module bench/failure/homeostat-method
 * The `homeostat` method of the failure benchmark: gradient-boosted trees (XGBoost via
 * models/xgboost/native.ts) trained on the weighted `fit` rows, served by the TypeScript tree
 * evaluator (models/xgboost/trees.ts), Platt-calibrated on the `tune` rows, threshold maximising
 * F1 on the `tune` rows, as the logistic baseline.
 *
 * Settings: a tiny grid of tree depths is trained on `fit` and the one with the best PR-AUC of
 * the margin on `tune` is kept (never the test period). The default grid (depth 2 / 4 × min child
 * weight 1 / 100, 200 rounds at eta 0.1) came from tune-row PR-AUC on Grid'5000 and LANL: depth 6
 * and above overfit the history features; min child weight 100 helps on the large grids, 1 on small
 * ones. base_score = the weighted base rate of
 * `fit`, so the first rounds are not spent on the intercept. Works when risk depends on
 * interactions of history features (recent failures of the entity and its group); fails like every
 * history-only model on failures without precursors. Needs libxgboost (`apt-get install libxgboost0`).
 * Reference: T. Chen & C. Guestrin, "XGBoost", KDD 2016; J. Platt, "Probabilistic outputs for
 * support vector machines", 1999.
 */
import { invalid } from '../../errors.js';
import { trainXgboost, type XgbNativeOptions, type XgbParams } from '../../models/xgboost/native.js';
import { compileXgbModel, predictMargins, type XgbTrees } from '../../models/xgboost/trees.js';
import type { FeatureMatrix } from './grid.js';
import type { FailureMethod } from './methods.js';
import { fitLogistic, predictLogistic } from './methods.js';
import { averagePrecision, bestF1Threshold, scoreGroups } from './metrics.js';

/** Options of {@link homeostatMethod}. */
export interface HomeostatMethodOptions {
  /** Tree depths tried (with every min child weight; chosen on tune by PR-AUC). Default [2, 4]. */
  readonly depths?: readonly number[];
  /** Boosting rounds. Default 200. */
  readonly rounds?: number;
  /** Learning rate. Default 0.1. */
  readonly eta?: number;
  /** Minimum weighted hessians per leaf tried (with every depth). Default [1, 100]. */
  readonly minChildWeights?: readonly number[];
  /** Row subsample per tree. Default 0.8. */
  readonly subsample?: number;
  /** Seed. Default 0. */
  readonly seed?: number;
  /** Passed to the native trainer (library name). */
  readonly native?: XgbNativeOptions;
}

function weightedRate(m: FeatureMatrix): number {
  let pos = 0;
  let total = 0;
  for (let i = 0; i < m.rows; i++) {
    const w = m.weight[i] as number;
    total += w;
    if (m.label[i] === 1) pos += w;
  }
  return Math.min(0.5, Math.max(1e-6, total > 0 ? pos / total : 0.5));
}

/** The margins as a one-column matrix (kind 'flag', so fitLogistic takes them as they are). */
function marginMatrix(m: FeatureMatrix, margin: Float64Array): FeatureMatrix {
  return { ...m, names: ['margin'], kinds: ['flag'], d: 1, x: Float32Array.from(margin) };
}

/**
 * The `homeostat` failure method: XGBoost trees on `fit`, depth chosen, Platt calibration and
 * threshold fitted on `tune`, `test` scored by the TypeScript evaluator.
 * @throws HomeostatError 'unavailable' when libxgboost is missing; invalid_argument on an empty fit period.
 * @example runFailureBench({ root, methods: [homeostatMethod(), ...failureBaselines()] })
 */
export function homeostatMethod(options: HomeostatMethodOptions = {}): FailureMethod {
  const depths = options.depths ?? [2, 4];
  const rounds = options.rounds ?? 200;
  const eta = options.eta ?? 0.1;
  const minChildWeights = options.minChildWeights ?? [1, 100];
  const subsample = options.subsample ?? 0.8;
  const seed = options.seed ?? 0;
  if (depths.length === 0 || minChildWeights.length === 0)
    throw invalid(
      `homeostatMethod: expected at least one depth and one min child weight (got ${depths.length} and ${minChildWeights.length})`,
    );
  return {
    name: 'homeostat',
    description: `gradient-boosted trees (XGBoost ${rounds} rounds, eta ${eta}, depth × min child weight chosen among ${depths.join(' / ')} × ${minChildWeights.join(' / ')} by PR-AUC on the tune rows, subsample ${subsample}, base score = fit base rate) on the weighted fit rows, served by the TypeScript evaluator; Platt calibration and F1-maximising threshold on the tune rows`,
    run: (input) => {
      const fit = input.fit;
      if (fit.rows === 0) throw invalid('homeostat: expected fit rows (got 0)');
      const baseScore = weightedRate(fit);
      let best: { depth: number; minChildWeight: number; trees: XgbTrees; tune: Float64Array; prAuc: number } | undefined;
      const tried: Record<string, number> = {};
      for (const depth of depths) {
        for (const minChildWeight of minChildWeights) {
          const params: XgbParams = { maxDepth: depth, eta, rounds, minChildWeight, subsample, baseScore, seed, nthread: 1 };
          const model = trainXgboost(
            { x: fit.x, rows: fit.rows, cols: fit.d, label: fit.label, weight: fit.weight },
            params,
            options.native,
          );
          const trees = compileXgbModel(model);
          const tune = predictMargins(trees, input.tune.x);
          const raw = averagePrecision(scoreGroups(tune, input.tune.label, input.tune.weight));
          const prAuc = Number.isNaN(raw) ? -1 : raw;
          tried[`depth_${depth}_mcw_${minChildWeight}`] = prAuc;
          if (!best || prAuc > best.prAuc) best = { depth, minChildWeight, trees, tune, prAuc };
        }
      }
      if (!best) throw invalid('homeostat: no model was trained');
      const platt = fitLogistic(marginMatrix(input.tune, best.tune));
      const tune = predictLogistic(platt, marginMatrix(input.tune, best.tune));
      const test = predictLogistic(platt, marginMatrix(input.test, predictMargins(best.trees, input.test.x)));
      const threshold = bestF1Threshold(scoreGroups(tune, input.tune.label, input.tune.weight));
      return {
        tune,
        test,
        threshold,
        info: {
          depth: best.depth,
          min_child_weight: best.minChildWeight,
          tune_pr_auc: tried,
          base_score: baseScore,
          trees: best.trees.trees.length,
          platt: {
            slope: (platt.coef[0] as number) / (platt.scale[0] as number),
            intercept: platt.intercept - ((platt.coef[0] as number) * (platt.mean[0] as number)) / (platt.scale[0] as number),
          },
        },
      };
    },
  };
}
