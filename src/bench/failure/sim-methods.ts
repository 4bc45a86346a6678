/**
 * @module bench/failure/sim-methods
 * Methods that only the simulated dataset can run, because they need the telemetry feature
 * vectors rather than a history grid:
 * - `failure_heuristic`: the engine's current model (`risk/failure-heuristic`), its probability of
 *   each row's feature vector as the score, computed while the dataset was built, and the engine's
 *   alerting probability (`predict.failureAlertProbability`, 0.7) as the threshold — as served.
 * - `failure_trees_shipped`: the model file the engine would serve (`models/failure-trees-sim.json`,
 *   kind `risk/failure-trees`), scored row by row through its public `probability` path, at the
 *   threshold stored in the file. Nothing is fitted here: it measures what is shipped.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_ENGINE_CONFIG } from '../../engine/config.js';
import { describe, invalid } from '../../errors.js';
import { FAILURE_FEATURE_NAMES } from '../../models/failure-risk.js';
import { type FailureTrees, failureTreesSpec } from '../../models/failure-trees.js';
import type { FeatureMatrix } from './grid.js';
import type { FailureMethod } from './methods.js';
import type { SimFailureGrid } from './sim-fleet.js';

/** The served heuristic on a simulated grid (its probabilities were computed with the rows). */
export function failureHeuristicMethod(grid: SimFailureGrid): FailureMethod {
  const threshold = DEFAULT_ENGINE_CONFIG.predict.failureAlertProbability;
  return {
    name: 'failure_heuristic',
    description: `risk/failure-heuristic as the engine serves it today: its probability of each row's feature vector; threshold = the engine's failure alert probability ${threshold}`,
    run: () => ({ tune: grid.heuristic.tune, test: grid.heuristic.test, threshold }),
  };
}

function scoreRows(model: FailureTrees, m: FeatureMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  const values = new Float64Array(m.d);
  const vector = { names: FAILURE_FEATURE_NAMES, values };
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.d; j++) values[j] = m.x[i * m.d + j] as number;
    out[i] = model.probability(vector);
  }
  return out;
}

/**
 * Reads a `risk/failure-trees` model file (`{kind, version, config, …}`) and builds the model.
 * @throws HomeostatError invalid_argument when the file is not such a model; the fs error when it cannot be read.
 */
export function loadFailureTreesFile(path: string): { model: FailureTrees; threshold: number } {
  const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (file?.kind !== failureTreesSpec.kind || file.version !== failureTreesSpec.version) {
    throw invalid(
      `${path}: expected a ${failureTreesSpec.kind} model file of version ${failureTreesSpec.version} (got kind ${describe(file?.kind)}, version ${describe(file?.version)})`,
    );
  }
  const config = failureTreesSpec.parse(file.config);
  return { model: failureTreesSpec.create(config), threshold: config.threshold };
}

/** The shipped tree model file, scored on the rows as the engine would serve it. */
export function shippedTreesMethod(path: string): FailureMethod {
  return {
    name: 'failure_trees_shipped',
    description: `the shipped risk/failure-trees model file (${path}) served through its TypeScript evaluator, at the threshold stored in it; trained on the fit and tune seeds by bench/failure/train-sim.ts`,
    run: (input) => {
      const { model, threshold } = loadFailureTreesFile(path);
      return { tune: scoreRows(model, input.tune), test: scoreRows(model, input.test), threshold };
    },
  };
}
