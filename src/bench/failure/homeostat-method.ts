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
import { compileXgbModel, predictMargins, type XgbModelJson, type XgbTrees } from '../../models/xgboost/trees.js';
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

/** What {@link fitHomeostatTrees} learned: the chosen trees, their Platt scaling and threshold. */
export interface HomeostatTreesFit {
  /** The XGBoost JSON model of the chosen setting. */
  readonly model: XgbModelJson;
  readonly trees: XgbTrees;
  readonly depth: number;
  readonly minChildWeight: number;
  /** PR-AUC of the margin on the tune rows per setting tried. */
  readonly tried: Readonly<Record<string, number>>;
  readonly baseScore: number;
  /** Platt scaling fitted on the tune rows: p = sigmoid(a · margin + b). */
  readonly platt: { readonly a: number; readonly b: number };
  /** F1-maximising threshold of the calibrated probability on the tune rows. */
  readonly threshold: number;
  /** Calibrated probabilities of the tune rows. */
  readonly tune: Float64Array;
}

/**
 * Trains the `homeostat` trees: every depth × min child weight on `fit`, the best margin PR-AUC
 * on `tune` kept, Platt scaling and the F1 threshold fitted on `tune`. Deterministic (nthread 1).
 * @throws HomeostatError 'unavailable' when libxgboost is missing; invalid_argument on an empty fit period.
 * @example const { model, platt } = fitHomeostatTrees(grid.fit.matrix, grid.tune.matrix)
 */
export function fitHomeostatTrees(fit: FeatureMatrix, tuneRows: FeatureMatrix, options: HomeostatMethodOptions = {}): HomeostatTreesFit {
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
  if (fit.rows === 0) throw invalid('homeostat: expected fit rows (got 0)');
  const baseScore = weightedRate(fit);
  let best: { depth: number; minChildWeight: number; model: XgbModelJson; trees: XgbTrees; tune: Float64Array; prAuc: number } | undefined;
  const tried: Record<string, number> = {};
  for (const depth of depths) {
    for (const minChildWeight of minChildWeights) {
      const params: XgbParams = { maxDepth: depth, eta, rounds, minChildWeight, subsample, baseScore, seed, nthread: 1 };
      const model = trainXgboost({ x: fit.x, rows: fit.rows, cols: fit.d, label: fit.label, weight: fit.weight }, params, options.native);
      const trees = compileXgbModel(model);
      const tune = predictMargins(trees, tuneRows.x);
      const raw = averagePrecision(scoreGroups(tune, tuneRows.label, tuneRows.weight));
      const prAuc = Number.isNaN(raw) ? -1 : raw;
      tried[`depth_${depth}_mcw_${minChildWeight}`] = prAuc;
      if (!best || prAuc > best.prAuc) best = { depth, minChildWeight, model, trees, tune, prAuc };
    }
  }
  if (!best) throw invalid('homeostat: no model was trained');
  const platt = fitLogistic(marginMatrix(tuneRows, best.tune));
  const tune = predictLogistic(platt, marginMatrix(tuneRows, best.tune));
  const a = (platt.coef[0] as number) / (platt.scale[0] as number);
  return {
    model: best.model,
    trees: best.trees,
    depth: best.depth,
    minChildWeight: best.minChildWeight,
    tried,
    baseScore,
    platt: { a, b: platt.intercept - a * (platt.mean[0] as number) },
    threshold: bestF1Threshold(scoreGroups(tune, tuneRows.label, tuneRows.weight)),
    tune,
  };
}

/** Calibrated probabilities of the rows of `m` under a fit of {@link fitHomeostatTrees}. */
export function predictHomeostatTrees(fitted: Pick<HomeostatTreesFit, 'trees' | 'platt'>, m: FeatureMatrix): Float64Array {
  const margins = predictMargins(fitted.trees, m.x);
  const { a, b } = fitted.platt;
  // The margins go through float32 as in fitting (marginMatrix), so tune and test are scored alike.
  return Float64Array.from(margins, (v) => 1 / (1 + Math.exp(-(a * Math.fround(v) + b))));
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
  if (depths.length === 0 || minChildWeights.length === 0)
    throw invalid(
      `homeostatMethod: expected at least one depth and one min child weight (got ${depths.length} and ${minChildWeights.length})`,
    );
  return {
    name: 'homeostat',
    description: `gradient-boosted trees (XGBoost ${rounds} rounds, eta ${eta}, depth × min child weight chosen among ${depths.join(' / ')} × ${minChildWeights.join(' / ')} by PR-AUC on the tune rows, subsample ${subsample}, base score = fit base rate) on the weighted fit rows, served by the TypeScript evaluator; Platt calibration and F1-maximising threshold on the tune rows`,
    run: (input) => {
      const fitted = fitHomeostatTrees(input.fit, input.tune, options);
      return {
        tune: fitted.tune,
        test: predictHomeostatTrees(fitted, input.test),
        threshold: fitted.threshold,
        info: {
          depth: fitted.depth,
          min_child_weight: fitted.minChildWeight,
          tune_pr_auc: fitted.tried,
          base_score: fitted.baseScore,
          trees: fitted.trees.trees.length,
          platt: { slope: fitted.platt.a, intercept: fitted.platt.b },
        },
      };
    },
  };
}
