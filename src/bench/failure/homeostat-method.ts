/**
 * @module bench/failure/homeostat-method
 * The `homeostat` method of the failure benchmark: gradient-boosted trees (XGBoost via
 * models/xgboost/native.ts) trained on the weighted `fit` rows, served by the TypeScript tree
 * evaluator (models/xgboost/trees.ts), Platt-calibrated on the `tune` rows, threshold maximising
 * F1 on the `tune` rows, as the logistic baseline.
 *
 * Settings, all chosen by the margin's ROC-AUC on `tune` (never the test period): the feature set
 * (every column; all but the lifetime ones; the original history counts — see
 * {@link TREE_FEATURE_SETS}), then depth × min child weight (4 / 2 × 100 / 1), then the number of
 * trees (early stopping: up to 200 at eta 0.05, checked every 25). The trees overfit the training
 * period with more rounds (Grid'5000 and LANL drift: the tune period's base rate differs from
 * fit's), and lifetime features help on one trace and hurt on another, hence the choices on tune.
 * base_score = the weighted base rate of
 * `fit`, so the first rounds are not spent on the intercept. Works when risk depends on
 * interactions of history features (recent failures of the entity and its group); fails like every
 * history-only model on failures without precursors. Needs libxgboost (`apt-get install libxgboost0`).
 * Reference: T. Chen & C. Guestrin, "XGBoost", KDD 2016; J. Platt, "Probabilistic outputs for
 * support vector machines", 1999.
 */
import { invalid } from '../../errors.js';
import { trainXgboost, type XgbNativeOptions, type XgbParams } from '../../models/xgboost/native.js';
import { compileXgbModel, predictMargins, type XgbModelJson, type XgbTrees } from '../../models/xgboost/trees.js';
import type { FeatureKind, FeatureMatrix } from './grid.js';
import type { FailureMethod } from './methods.js';
import { fitLogistic, predictLogistic } from './methods.js';
import { averagePrecision, bestF1Threshold, rocAuc, scoreGroups } from './metrics.js';

/** A subset of the grid's columns tried by the trees: every column but `exclude`, or only `only`. */
export interface TreeFeatureSet {
  readonly name: string;
  readonly exclude?: readonly string[];
  readonly only?: readonly string[];
}

/**
 * The feature sets tried by default, in order: every column; every column but the lifetime ones
 * (hours observed, lifetime onset rate, no onset yet: they drift with the age of the trace); and
 * the original history columns (entity and group onset counts, hours since the last onset, down
 * now). A set whose columns equal an earlier set's, or that holds none of the grid's, is skipped.
 */
export const TREE_FEATURE_SETS: readonly TreeFeatureSet[] = [
  { name: 'all' },
  { name: 'recent', exclude: ['hours_observed', 'failure_rate_per_day', 'no_failure_yet'] },
  {
    name: 'base',
    only: [
      'hours_since_failure',
      'no_failure_yet',
      'failures_6h',
      'failures_24h',
      'failures_7d',
      'unavailable_now',
      'failure_rate_per_day',
      ...['cluster', 'site', 'system'].flatMap((l) => [`${l}_failures_6h`, `${l}_failures_24h`, `${l}_failures_7d`]),
    ],
  },
];

/** Options of {@link homeostatMethod}. */
export interface HomeostatMethodOptions {
  /** Tree depths tried (with every min child weight). Default [4, 2]. */
  readonly depths?: readonly number[];
  /** Boosting rounds at most. Default 200. */
  readonly rounds?: number;
  /** Rounds between early-stopping checkpoints on tune (the best checkpoint's trees are kept). Default 25. */
  readonly checkEvery?: number;
  /** Learning rate. Default 0.05. */
  readonly eta?: number;
  /** Minimum weighted hessians per leaf tried (with every depth). Default [100, 1]. */
  readonly minChildWeights?: readonly number[];
  /** Feature sets tried with the first depth × min child weight. Default {@link TREE_FEATURE_SETS}. */
  readonly featureSets?: readonly TreeFeatureSet[];
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

/** Column indices of a feature set in `names` (empty when it holds none). */
export function featureSetColumns(set: TreeFeatureSet, names: readonly string[]): number[] {
  return names.flatMap((n, j) => ((set.only ? set.only.includes(n) : !(set.exclude ?? []).includes(n)) ? [j] : []));
}

/** The rows of `m` restricted to `columns` (a copy; the same matrix when every column is kept). */
export function selectColumns(m: FeatureMatrix, columns: readonly number[]): FeatureMatrix {
  if (columns.length === m.d && columns.every((c, j) => c === j)) return m;
  const d = columns.length;
  const x = new Float32Array(m.rows * d);
  for (let i = 0; i < m.rows; i++) for (let c = 0; c < d; c++) x[i * d + c] = m.x[i * m.d + (columns[c] as number)] as number;
  return { ...m, names: columns.map((j) => m.names[j] as string), kinds: columns.map((j) => m.kinds[j] as FeatureKind), d, x };
}

/** The first `n` trees of a model (early stopping): the JSON with its tree list and tree_info cut. */
export function firstTrees(model: XgbModelJson, n: number): XgbModelJson {
  const gb = model.learner.gradient_booster;
  const m = gb.model as XgbModelJson['learner']['gradient_booster']['model'] & { gbtree_model_param?: Record<string, string> };
  if (n >= m.trees.length) return model;
  return {
    ...model,
    learner: {
      ...model.learner,
      gradient_booster: {
        ...gb,
        model: {
          ...m,
          trees: m.trees.slice(0, n),
          ...(m.tree_info ? { tree_info: m.tree_info.slice(0, n) } : {}),
          ...(m.gbtree_model_param ? { gbtree_model_param: { ...m.gbtree_model_param, num_trees: String(n) } } : {}),
        },
      },
    },
  };
}

/** What {@link fitHomeostatTrees} learned: the chosen trees, their Platt scaling and threshold. */
export interface HomeostatTreesFit {
  /** The XGBoost JSON model of the chosen setting, cut at the chosen number of trees. */
  readonly model: XgbModelJson;
  readonly trees: XgbTrees;
  /** The chosen feature set: its name, and its columns in the input matrices. */
  readonly featureSet: string;
  readonly columns: readonly number[];
  readonly depth: number;
  readonly minChildWeight: number;
  /** Per setting tried (`<set>_depth_<d>_mcw_<w>`): PR-AUC of the margin on the tune rows at its best checkpoint. */
  readonly tried: Readonly<Record<string, number>>;
  /** Per setting tried: ROC-AUC of the margin on the tune rows at its best checkpoint (what chooses), and the trees kept there. */
  readonly triedRocAuc: Readonly<Record<string, number>>;
  readonly triedTrees: Readonly<Record<string, number>>;
  readonly baseScore: number;
  /** Platt scaling fitted on the tune rows: p = sigmoid(a · margin + b). */
  readonly platt: { readonly a: number; readonly b: number };
  /** F1-maximising threshold of the calibrated probability on the tune rows. */
  readonly threshold: number;
  /** Calibrated probabilities of the tune rows. */
  readonly tune: Float64Array;
}

/** The options with their defaults, checked (what {@link fitHomeostatTrees} trains with and {@link homeostatMethod} describes). */
function treeSettings(options: HomeostatMethodOptions) {
  const settings = {
    depths: options.depths ?? [4, 2],
    rounds: options.rounds ?? 200,
    checkEvery: options.checkEvery ?? 25,
    eta: options.eta ?? 0.05,
    minChildWeights: options.minChildWeights ?? [100, 1],
    subsample: options.subsample ?? 0.8,
    seed: options.seed ?? 0,
  };
  const { depths, minChildWeights, checkEvery } = settings;
  if (depths.length === 0 || minChildWeights.length === 0)
    throw invalid(
      `homeostatMethod: expected at least one depth and one min child weight (got ${depths.length} and ${minChildWeights.length})`,
    );
  if (!(Number.isInteger(checkEvery) && checkEvery >= 1))
    throw invalid(`homeostatMethod: checkEvery must be an integer ≥ 1 (got ${checkEvery})`);
  return settings;
}

interface Candidate {
  readonly set: string;
  readonly columns: readonly number[];
  readonly depth: number;
  readonly minChildWeight: number;
  readonly model: XgbModelJson;
  readonly trees: XgbTrees;
  readonly tune: Float64Array;
  readonly rocAuc: number;
  readonly prAuc: number;
}

/**
 * Trains the `homeostat` trees. Stage 1: every feature set with the first depth × min child
 * weight; stage 2: the other depths × min child weights on the best set. Each training is cut at
 * the checkpoint (every `checkEvery` trees) with the best margin ROC-AUC on `tune`, ties to fewer
 * trees; the best cut over all kept (never the test period). Platt scaling and the F1 threshold
 * are fitted on `tune`. Deterministic (nthread 1).
 * @throws HomeostatError 'unavailable' when libxgboost is missing; invalid_argument on an empty fit
 *   period, an empty option list or no feature set holding a column of the grid.
 * @example const { model, platt } = fitHomeostatTrees(grid.fit.matrix, grid.tune.matrix)
 */
export function fitHomeostatTrees(fit: FeatureMatrix, tuneRows: FeatureMatrix, options: HomeostatMethodOptions = {}): HomeostatTreesFit {
  const { depths, rounds, checkEvery, eta, minChildWeights, subsample, seed } = treeSettings(options);
  if (fit.rows === 0) throw invalid('homeostat: expected fit rows (got 0)');
  const sets: { name: string; columns: number[] }[] = [];
  for (const set of options.featureSets ?? TREE_FEATURE_SETS) {
    const columns = featureSetColumns(set, fit.names);
    if (columns.length > 0 && !sets.some((s) => s.columns.join() === columns.join())) sets.push({ name: set.name, columns });
  }
  if (sets.length === 0) throw invalid(`homeostat: no feature set holds a column of the grid (got ${fit.names.join(', ')})`);
  const baseScore = weightedRate(fit);
  const tried: Record<string, number> = {};
  const triedRocAuc: Record<string, number> = {};
  const triedTrees: Record<string, number> = {};
  const score = (p: Float64Array): { roc: number; pr: number } => {
    const g = scoreGroups(p, tuneRows.label, tuneRows.weight);
    const roc = rocAuc(g);
    const pr = averagePrecision(g);
    return { roc: Number.isNaN(roc) ? -1 : roc, pr: Number.isNaN(pr) ? -1 : pr };
  };
  const train = (set: { name: string; columns: number[] }, depth: number, minChildWeight: number): Candidate => {
    const f = selectColumns(fit, set.columns);
    const t = selectColumns(tuneRows, set.columns);
    const params: XgbParams = { maxDepth: depth, eta, rounds, minChildWeight, subsample, baseScore, seed, nthread: 1 };
    const full = trainXgboost({ x: f.x, rows: f.rows, cols: f.d, label: f.label, weight: f.weight }, params, options.native);
    const all = compileXgbModel(full);
    const margin = new Float64Array(t.rows).fill(all.baseMargin);
    let best = { n: 0, roc: -2, pr: -2, margin };
    for (let n = 0; n < all.trees.length; ) {
      const next = Math.min(all.trees.length, n + checkEvery);
      const part = predictMargins({ ...all, baseMargin: 0, trees: all.trees.slice(n, next) }, t.x);
      for (let i = 0; i < margin.length; i++) margin[i] = Math.fround((margin[i] as number) + (part[i] as number));
      n = next;
      const s = score(margin);
      if (s.roc > best.roc) best = { n, ...s, margin: margin.slice() };
    }
    const key = `${set.name}_depth_${depth}_mcw_${minChildWeight}`;
    tried[key] = best.pr;
    triedRocAuc[key] = best.roc;
    triedTrees[key] = best.n;
    const model = firstTrees(full, best.n);
    const trees = compileXgbModel(model);
    return {
      set: set.name,
      columns: set.columns,
      depth,
      minChildWeight,
      model,
      trees,
      tune: predictMargins(trees, t.x),
      rocAuc: best.roc,
      prAuc: best.pr,
    };
  };
  const better = (a: Candidate, b: Candidate | undefined): boolean => !b || a.rocAuc > b.rocAuc;
  const first = { depth: depths[0] as number, minChildWeight: minChildWeights[0] as number };
  let best: Candidate | undefined;
  for (const set of sets) {
    const c = train(set, first.depth, first.minChildWeight);
    if (better(c, best)) best = c;
  }
  const chosen = sets.find((s) => s.name === best?.set) as { name: string; columns: number[] };
  for (const depth of depths) {
    for (const minChildWeight of minChildWeights) {
      if (depth === first.depth && minChildWeight === first.minChildWeight) continue;
      const c = train(chosen, depth, minChildWeight);
      if (better(c, best)) best = c;
    }
  }
  if (!best) throw invalid('homeostat: no model was trained');
  const platt = fitLogistic(marginMatrix(tuneRows, best.tune));
  const tune = predictLogistic(platt, marginMatrix(tuneRows, best.tune));
  const a = (platt.coef[0] as number) / (platt.scale[0] as number);
  return {
    model: best.model,
    trees: best.trees,
    featureSet: best.set,
    columns: best.columns,
    depth: best.depth,
    minChildWeight: best.minChildWeight,
    tried,
    triedRocAuc,
    triedTrees,
    baseScore,
    platt: { a, b: platt.intercept - a * (platt.mean[0] as number) },
    threshold: bestF1Threshold(scoreGroups(tune, tuneRows.label, tuneRows.weight)),
    tune,
  };
}

/** Calibrated probabilities of the rows of `m` under a fit of {@link fitHomeostatTrees}. */
export function predictHomeostatTrees(fitted: Pick<HomeostatTreesFit, 'trees' | 'platt' | 'columns'>, m: FeatureMatrix): Float64Array {
  const margins = predictMargins(fitted.trees, selectColumns(m, fitted.columns).x);
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
  const { depths, rounds, checkEvery, eta, minChildWeights, subsample } = treeSettings(options);
  const sets = (options.featureSets ?? TREE_FEATURE_SETS).map((s) => s.name);
  return {
    name: 'homeostat',
    description: `gradient-boosted trees (XGBoost, eta ${eta}, subsample ${subsample}, base score = fit base rate) on the weighted fit rows, served by the TypeScript evaluator; chosen by margin ROC-AUC on the tune rows: the feature set (${sets.join(' / ')}) at depth ${depths[0]} × min child weight ${minChildWeights[0]}, then depth × min child weight among ${depths.join(' / ')} × ${minChildWeights.join(' / ')}, and the number of trees (up to ${rounds}, every ${checkEvery}); Platt calibration and F1-maximising threshold on the tune rows`,
    run: (input) => {
      const fitted = fitHomeostatTrees(input.fit, input.tune, options);
      return {
        tune: fitted.tune,
        test: predictHomeostatTrees(fitted, input.test),
        threshold: fitted.threshold,
        info: {
          feature_set: fitted.featureSet,
          features: fitted.columns.map((j) => input.fit.names[j]),
          depth: fitted.depth,
          min_child_weight: fitted.minChildWeight,
          trees: fitted.trees.trees.length,
          tune_roc_auc: fitted.triedRocAuc,
          tune_pr_auc: fitted.tried,
          tune_trees: fitted.triedTrees,
          base_score: fitted.baseScore,
          platt: { slope: fitted.platt.a, intercept: fitted.platt.b },
        },
      };
    },
  };
}
