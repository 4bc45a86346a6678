/**
 * @module bench/failure/train-sim
 * Trains the servable `risk/failure-trees` model on the simulated fleet and writes it as
 * `models/failure-trees-sim.json` — the model file the engine can serve and the failure bench
 * scores on the test seeds.
 *
 * Recipe (deterministic: XGBoost with nthread 1 and seed 0): rows of {@link buildSimFailureGrid}
 * (fit seeds 201–203, tune seed 204; the test seeds are not simulated here); the `homeostat`
 * method's fit (homeostat-method.ts: depth × min child weight chosen by margin PR-AUC on the tune
 * seed, Platt scaling and F1 threshold on the tune seed); the XGBoost JSON slimmed to the fields
 * the TypeScript evaluator reads. Run it with `node dist/bench/failure/train-sim.js [OUT.json]`
 * after `npm run build` (default OUT: models/failure-trees-sim.json in the package root).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, invalid } from '../../errors.js';
import { FAILURE_TREE_FEATURE_NAMES } from '../../models/failure-features.js';
import type { FailureTreesConfig } from '../../models/failure-trees.js';
import type { XgbModelJson, XgbTreeJson } from '../../models/xgboost/trees.js';
import { fitHomeostatTrees, type HomeostatMethodOptions } from './homeostat-method.js';
import {
  buildSimFailureGrid,
  SIM_FEATURE_CONFIG,
  SIM_FIT_SEEDS,
  SIM_TUNE_SEEDS,
  type SimFailureGrid,
  type SimFailureGridOptions,
} from './sim-fleet.js';

/** Where the shipped simulated-fleet model lives: `models/failure-trees-sim.json` in the package root. */
export const SHIPPED_SIM_MODEL = resolve(dirname(fileURLToPath(import.meta.url)), '../../../models/failure-trees-sim.json');

/** The content of a model file: kind, state version, the config to parse, and how it was trained. */
export interface FailureTreesFile {
  readonly kind: 'risk/failure-trees';
  readonly version: 1;
  readonly config: FailureTreesConfig;
  readonly training: {
    readonly data: string;
    readonly fitSeeds: readonly number[];
    readonly tuneSeeds: readonly number[];
    readonly depth: number;
    readonly minChildWeight: number;
    readonly rounds: number;
    readonly tunePrAuc: Readonly<Record<string, number>>;
    readonly command: string;
  };
}

/** The XGBoost JSON with only what models/xgboost/trees.ts reads (keeps the file small). */
export function slimXgbModel(model: XgbModelJson): XgbModelJson {
  const l = model.learner;
  const trees: XgbTreeJson[] = l.gradient_booster.model.trees.map((t) => ({
    left_children: t.left_children,
    right_children: t.right_children,
    split_indices: t.split_indices,
    split_conditions: t.split_conditions,
    default_left: t.default_left.map((v) => (v ? 1 : 0)),
    sum_hessian: t.sum_hessian,
  }));
  return {
    ...(model.version ? { version: model.version } : {}),
    learner: {
      learner_model_param: {
        base_score: l.learner_model_param.base_score,
        num_feature: l.learner_model_param.num_feature,
        ...(l.learner_model_param.num_class === undefined ? {} : { num_class: l.learner_model_param.num_class }),
      },
      objective: { name: l.objective.name },
      gradient_booster: { name: l.gradient_booster.name, model: { trees } },
    },
  };
}

/**
 * Fits the tree model on a simulated grid's fit and tune periods and returns the model file.
 * @throws HomeostatError 'unavailable' when libxgboost is missing (`apt-get install libxgboost0`).
 * @example writeFileSync(SHIPPED_SIM_MODEL, JSON.stringify(trainSimFailureTrees(buildSimFailureGrid({ testSeeds: [] }))))
 */
export function trainSimFailureTrees(grid: SimFailureGrid, options: HomeostatMethodOptions = {}): FailureTreesFile {
  const fitted = fitHomeostatTrees(grid.fit.matrix, grid.tune.matrix, options);
  if (fitted.columns.length !== FAILURE_TREE_FEATURE_NAMES.length) {
    // The served model reads the whole failure feature vector: a subset would shift its columns.
    throw invalid(
      `trainSimFailureTrees: the trees must use all ${FAILURE_TREE_FEATURE_NAMES.length} failure features (feature set ${describe(fitted.featureSet)} kept ${fitted.columns.length}); pass featureSets: [{ name: 'all' }]`,
    );
  }
  return {
    kind: 'risk/failure-trees',
    version: 1,
    config: {
      horizonMs: grid.horizonH * 3_600_000,
      model: slimXgbModel(fitted.model),
      platt: fitted.platt,
      featureNames: FAILURE_TREE_FEATURE_NAMES,
      threshold: fitted.threshold,
      features: SIM_FEATURE_CONFIG,
      topK: 3,
    },
    training: {
      data: `simulated fleet: ${grid.setup}`,
      fitSeeds: grid.seeds.fit,
      tuneSeeds: grid.seeds.tune,
      depth: fitted.depth,
      minChildWeight: fitted.minChildWeight,
      rounds: fitted.trees.trees.length,
      tunePrAuc: fitted.tried,
      command: 'npm run build && node dist/bench/failure/train-sim.js',
    },
  };
}

/**
 * Simulates the fit and tune seeds, trains, and writes the model file to `out`.
 * @returns the file written.
 */
export function writeSimFailureTrees(out: string = SHIPPED_SIM_MODEL, options: SimFailureGridOptions = {}): FailureTreesFile {
  const grid = buildSimFailureGrid({ fitSeeds: SIM_FIT_SEEDS, tuneSeeds: SIM_TUNE_SEEDS, testSeeds: [], ...options });
  const file = trainSimFailureTrees(grid);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(file)}\n`);
  return file;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = resolve(process.argv[2] ?? SHIPPED_SIM_MODEL);
  const file = writeSimFailureTrees(out);
  process.stdout.write(
    `wrote ${out}: depth ${file.training.depth}, min child weight ${file.training.minChildWeight}, ${file.training.rounds} trees, threshold ${file.config.threshold}\n`,
  );
}
