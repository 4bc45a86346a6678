/**
 * @module models/xgboost/trees
 * A pure TypeScript evaluator of XGBoost's JSON model (gbtree, `binary:logistic`), so that serving
 * a failure-risk model needs no native library: margins, probabilities and exact TreeSHAP
 * contributions per feature.
 *
 * Algorithm: each tree is walked from the root, going left when `x[split] < split_condition`
 * (float32 comparison, as XGBoost), to the default child when x is NaN; the margin is the float32
 * sum, in tree order, of the leaf values started from the base margin logit(base_score), as
 * XGBoost's CPU predictor does — so margins equal XGBoost's up to float32 rounding of the sigmoid.
 * Contributions are exact TreeSHAP (Lundberg et al.; the same recursion as XGBoost's
 * `pred_contribs`, in float64) over the trees' node covers (sum_hessian): per feature the Shapley
 * value of the margin, plus a bias = base margin + Σ cover-weighted mean leaf value of every tree,
 * so Σ contributions + bias = margin.
 *
 * Works for: models saved by XGBoost 1.x/2.x with numerical splits. Fails on: categorical splits,
 * multi-class or dart boosters, and objectives other than binary:logistic / reg:logistic (a
 * HomeostatError 'invalid_argument' names what was found).
 *
 * Reference: S. M. Lundberg, G. Erion et al., "From local explanations to global understanding with
 * explainable AI for trees", Nature Machine Intelligence 2020 (Algorithm 2, TreeSHAP); XGBoost
 * src/tree/tree_model.cc (TreeShap) and src/predictor/cpu_predictor.cc.
 */
import { describe, invalid } from '../../errors.js';

/** One tree as XGBoost writes it in its JSON model (the fields used here). */
export interface XgbTreeJson {
  readonly left_children: readonly number[];
  readonly right_children: readonly number[];
  readonly split_indices: readonly number[];
  /** Threshold of an internal node; the leaf value of a leaf. */
  readonly split_conditions: readonly number[];
  readonly default_left: readonly (number | boolean)[];
  /** Cover (sum of hessians) of each node. */
  readonly sum_hessian: readonly number[];
  readonly split_type?: readonly number[];
}

/** XGBoost's JSON model (XGBoosterSaveModelToBuffer with format json), the fields used here. */
export interface XgbModelJson {
  readonly version?: readonly number[];
  readonly learner: {
    readonly learner_model_param: { readonly base_score: string; readonly num_feature: string; readonly num_class?: string };
    readonly objective: { readonly name: string };
    readonly gradient_booster: {
      readonly name: string;
      readonly model: { readonly trees: readonly XgbTreeJson[]; readonly tree_info?: readonly number[] };
    };
  };
}

/** A compiled model: flat float32 node arrays per tree, the base margin and node mean values. */
export interface XgbTrees {
  /** Features per row. */
  readonly features: number;
  /** logit(base_score), float32. */
  readonly baseMargin: number;
  readonly trees: readonly CompiledTree[];
}

/** One compiled tree. Leaves have left = -1. */
export interface CompiledTree {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  /** Threshold (internal) or leaf value (leaf), float32. */
  readonly value: Float32Array;
  readonly defaultLeft: Uint8Array;
  readonly cover: Float64Array;
  /** Cover-weighted mean leaf value below each node (the expected value of the subtree). */
  readonly mean: Float64Array;
  readonly depth: number;
}

/** Per-feature contributions of one row and the bias; Σ contributions + bias = margin. */
export interface XgbContributions {
  readonly contributions: Float64Array;
  readonly bias: number;
}

function arr(where: string, name: string, v: unknown, n: number | undefined): readonly number[] {
  if (!Array.isArray(v) || (n !== undefined && v.length !== n))
    throw invalid(`${where}: expected ${name} as an array${n !== undefined ? ` of ${n}` : ''} (got ${describe(v)})`);
  return v as number[];
}

/**
 * Checks an XGBoost JSON model and compiles it for fast evaluation.
 * @throws HomeostatError invalid_argument when it is not a numerical gbtree model of
 *   binary:logistic / reg:logistic, or a tree's arrays are malformed.
 * @example const trees = compileXgbModel(trainXgboost(matrix, params)); predictProbability(trees, row)
 */
export function compileXgbModel(model: XgbModelJson): XgbTrees {
  const learner = model?.learner;
  const objective = learner?.objective?.name;
  if (objective !== 'binary:logistic' && objective !== 'reg:logistic')
    throw invalid(`compileXgbModel: expected objective binary:logistic or reg:logistic (got ${describe(objective)})`);
  const booster = learner.gradient_booster;
  if (booster?.name !== 'gbtree') throw invalid(`compileXgbModel: expected the gbtree booster (got ${describe(booster?.name)})`);
  const numClass = Number(learner.learner_model_param?.num_class ?? 0);
  if (numClass > 1) throw invalid(`compileXgbModel: expected one output (got num_class ${numClass})`);
  const baseScore = Number(learner.learner_model_param?.base_score);
  if (!(baseScore > 0 && baseScore < 1))
    throw invalid(`compileXgbModel: base_score must be in (0, 1) (got ${describe(learner.learner_model_param?.base_score)})`);
  const features = Number(learner.learner_model_param.num_feature);
  if (!Number.isInteger(features) || features < 1)
    throw invalid(`compileXgbModel: num_feature must be a positive integer (got ${describe(features)})`);
  const trees = arr('compileXgbModel', 'trees', booster.model?.trees, undefined) as unknown as XgbTreeJson[];
  const compiled = trees.map((t, k) => compileTree(t, k, features));
  // float32 steps as XGBoost's ProbToMargin: -logf(1.0f / base_score - 1.0f)
  const odds = Math.fround(Math.fround(1 / Math.fround(baseScore)) - 1);
  return { features, baseMargin: Math.fround(-Math.log(odds)), trees: compiled };
}

function compileTree(t: XgbTreeJson, k: number, features: number): CompiledTree {
  const where = `compileXgbModel: tree ${k}`;
  const left = arr(where, 'left_children', t?.left_children, undefined);
  const n = left.length;
  if (n === 0) throw invalid(`${where}: expected at least one node (got 0)`);
  const right = arr(where, 'right_children', t.right_children, n);
  const split = arr(where, 'split_indices', t.split_indices, n);
  const cond = arr(where, 'split_conditions', t.split_conditions, n);
  const dflt = arr(where, 'default_left', t.default_left, n);
  const hess = arr(where, 'sum_hessian', t.sum_hessian, n);
  if (t.split_type?.some((s) => s !== 0)) throw invalid(`${where}: categorical splits are not supported`);
  const c: CompiledTree = {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    feature: Int32Array.from(split),
    value: Float32Array.from(cond),
    defaultLeft: Uint8Array.from(dflt, (v) => (v ? 1 : 0)),
    cover: Float64Array.from(hess),
    mean: new Float64Array(n),
    depth: 0,
  };
  for (let i = 0; i < n; i++) {
    const l = c.left[i] as number;
    if (l === -1) continue;
    const r = c.right[i] as number;
    const f = c.feature[i] as number;
    if (!(l > i && l < n && r > i && r < n) || f < 0 || f >= features)
      throw invalid(
        `${where}: node ${i} has children ${l}, ${r} and feature ${f} (expected children after it and a feature < ${features})`,
      );
  }
  const depth = fillMeans(c, 0);
  return { ...c, depth };
}

/** Fills `mean` below `node` (children have larger indices) and returns the subtree depth. */
function fillMeans(t: CompiledTree, node: number): number {
  const l = t.left[node] as number;
  if (l === -1) {
    t.mean[node] = t.value[node] as number;
    return 0;
  }
  const r = t.right[node] as number;
  const dl = fillMeans(t, l);
  const dr = fillMeans(t, r);
  const cover = t.cover[node] as number;
  t.mean[node] = cover > 0 ? ((t.mean[l] as number) * (t.cover[l] as number) + (t.mean[r] as number) * (t.cover[r] as number)) / cover : 0;
  return 1 + Math.max(dl, dr);
}

function leafOf(t: CompiledTree, row: ArrayLike<number>, offset: number): number {
  let node = 0;
  for (;;) {
    const l = t.left[node] as number;
    if (l === -1) return node;
    const v = row[offset + (t.feature[node] as number)] as number;
    if (Number.isNaN(v)) node = t.defaultLeft[node] ? l : (t.right[node] as number);
    else node = Math.fround(v) < (t.value[node] as number) ? l : (t.right[node] as number);
  }
}

function checkRow(where: string, model: XgbTrees, row: ArrayLike<number>, offset: number): void {
  if (!(offset >= 0) || row.length < offset + model.features)
    throw invalid(`${where}: expected ${model.features} features at offset ${offset} (got ${row.length - offset})`);
}

/**
 * The raw margin (log-odds) of one row: float32 sum of the base margin and the trees' leaves.
 * @param offset index of the row's first feature in `row` (for row-major matrices). Default 0.
 * @throws HomeostatError invalid_argument when `row` holds fewer than `model.features` values after offset.
 */
export function predictMargin(model: XgbTrees, row: ArrayLike<number>, offset = 0): number {
  checkRow('predictMargin', model, row, offset);
  let sum = model.baseMargin;
  for (const t of model.trees) sum = Math.fround(sum + (t.value[leafOf(t, row, offset)] as number));
  return sum;
}

/** The logistic function in float64: probability of a margin. */
export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

/**
 * The probability of one row (sigmoid of {@link predictMargin}), as XGBoost's `binary:logistic`.
 * @throws as {@link predictMargin}.
 */
export function predictProbability(model: XgbTrees, row: ArrayLike<number>, offset = 0): number {
  return sigmoid(predictMargin(model, row, offset));
}

/**
 * Margins of every row of a row-major matrix (`model.features` columns).
 * @throws HomeostatError invalid_argument when x.length is not a multiple of model.features.
 */
export function predictMargins(model: XgbTrees, x: ArrayLike<number>): Float64Array {
  const d = model.features;
  if (x.length % d !== 0) throw invalid(`predictMargins: expected a multiple of ${d} values (got ${x.length})`);
  const out = new Float64Array(x.length / d);
  for (let i = 0; i < out.length; i++) out[i] = predictMargin(model, x, i * d);
  return out;
}

/** The path of TreeSHAP: flat arrays, one slot per (depth level, path element). */
interface ShapPath {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  weight: Float64Array;
}

function extendPath(p: ShapPath, at: number, depth: number, zero: number, one: number, feature: number): void {
  p.feature[at + depth] = feature;
  p.zero[at + depth] = zero;
  p.one[at + depth] = one;
  p.weight[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    p.weight[at + i + 1] = (p.weight[at + i + 1] as number) + (one * (p.weight[at + i] as number) * (i + 1)) / (depth + 1);
    p.weight[at + i] = (zero * (p.weight[at + i] as number) * (depth - i)) / (depth + 1);
  }
}

function unwindPath(p: ShapPath, at: number, depth: number, index: number): void {
  const one = p.one[at + index] as number;
  const zero = p.zero[at + index] as number;
  let next = p.weight[at + depth] as number;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.weight[at + i] as number;
      p.weight[at + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - ((p.weight[at + i] as number) * zero * (depth - i)) / (depth + 1);
    } else {
      p.weight[at + i] = ((p.weight[at + i] as number) * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[at + i] = p.feature[at + i + 1] as number;
    p.zero[at + i] = p.zero[at + i + 1] as number;
    p.one[at + i] = p.one[at + i + 1] as number;
  }
}

function unwoundPathSum(p: ShapPath, at: number, depth: number, index: number): number {
  const one = p.one[at + index] as number;
  const zero = p.zero[at + index] as number;
  let next = p.weight[at + depth] as number;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = (p.weight[at + i] as number) - tmp * zero * ((depth - i) / (depth + 1));
    } else {
      total += (p.weight[at + i] as number) / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

function treeShap(
  t: CompiledTree,
  row: ArrayLike<number>,
  offset: number,
  phi: Float64Array,
  node: number,
  depth: number,
  p: ShapPath,
  parentAt: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  const at = parentAt + depth + 1;
  for (let i = 0; i <= depth; i++) {
    p.feature[at + i] = p.feature[parentAt + i] as number;
    p.zero[at + i] = p.zero[parentAt + i] as number;
    p.one[at + i] = p.one[parentAt + i] as number;
    p.weight[at + i] = p.weight[parentAt + i] as number;
  }
  extendPath(p, at, depth, parentZero, parentOne, parentFeature);
  const l = t.left[node] as number;
  if (l === -1) {
    const leaf = t.value[node] as number;
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(p, at, depth, i);
      const f = p.feature[at + i] as number;
      phi[f] = (phi[f] as number) + w * ((p.one[at + i] as number) - (p.zero[at + i] as number)) * leaf;
    }
    return;
  }
  const r = t.right[node] as number;
  const split = t.feature[node] as number;
  const v = row[offset + split] as number;
  const hot = Number.isNaN(v) ? (t.defaultLeft[node] ? l : r) : Math.fround(v) < (t.value[node] as number) ? l : r;
  const cold = hot === l ? r : l;
  const w = t.cover[node] as number;
  const hotZero = (t.cover[hot] as number) / w;
  const coldZero = (t.cover[cold] as number) / w;
  let inZero = 1;
  let inOne = 1;
  let index = 0;
  for (; index <= depth; index++) if (p.feature[at + index] === split) break;
  let d = depth;
  if (index !== depth + 1) {
    inZero = p.zero[at + index] as number;
    inOne = p.one[at + index] as number;
    unwindPath(p, at, d, index);
    d -= 1;
  }
  treeShap(t, row, offset, phi, hot, d + 1, p, at, hotZero * inZero, inOne, split);
  treeShap(t, row, offset, phi, cold, d + 1, p, at, coldZero * inZero, 0, split);
}

/**
 * Exact TreeSHAP contributions of one row to its margin: one value per feature and the bias
 * (base margin + the trees' expected values); Σ contributions + bias = {@link predictMargin} up to
 * float rounding. Matches XGBoost's `pred_contribs` up to float32 rounding. O(trees · leaves · depth²).
 * @throws as {@link predictMargin}.
 */
export function contributions(model: XgbTrees, row: ArrayLike<number>, offset = 0): XgbContributions {
  checkRow('contributions', model, row, offset);
  const phi = new Float64Array(model.features);
  let bias = model.baseMargin;
  let maxDepth = 0;
  for (const t of model.trees) maxDepth = Math.max(maxDepth, t.depth);
  const size = ((maxDepth + 2) * (maxDepth + 3)) / 2 + maxDepth + 3;
  const p: ShapPath = {
    feature: new Int32Array(size),
    zero: new Float64Array(size),
    one: new Float64Array(size),
    weight: new Float64Array(size),
  };
  for (const t of model.trees) {
    bias += t.mean[0] as number;
    if (t.left[0] === -1) continue;
    treeShap(t, row, offset, phi, 0, 0, p, 0, 1, 1, -1);
  }
  return { contributions: phi, bias };
}

/**
 * The `k` features with the largest |contribution|, largest first, with their signed contributions.
 * @throws HomeostatError invalid_argument when names and contributions differ in length.
 * @example topContributions(contributions(trees, row), ['failures_6h', …], 3)
 */
export function topContributions(c: XgbContributions, names: readonly string[], k: number): { name: string; contribution: number }[] {
  if (names.length !== c.contributions.length)
    throw invalid(`topContributions: expected ${c.contributions.length} names (got ${names.length})`);
  return names
    .map((name, j) => ({ name, contribution: c.contributions[j] as number }))
    .filter((e) => e.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.name < b.name ? -1 : 1))
    .slice(0, Math.max(0, k));
}
