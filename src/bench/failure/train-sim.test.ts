import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILURE_FEATURE_NAMES } from '../../models/failure-risk.js';
import { failureTreesSpec } from '../../models/failure-trees.js';
import { xgboostTestsEnabled } from '../../models/xgboost/native.js';
import { homeostatMethod } from './homeostat-method.js';
import { buildSimFailureGrid, SIM_FIT_SEEDS, SIM_TUNE_SEEDS } from './sim-fleet.js';
import { loadFailureTreesFile, shippedTreesMethod } from './sim-methods.js';
import { SHIPPED_SIM_MODEL, slimXgbModel, trainSimFailureTrees } from './train-sim.js';

const ENABLED = xgboostTestsEnabled('bench/failure train-sim');

describe('the shipped model file', () => {
  it('is a risk/failure-trees model trained on the fit and tune seeds that parses, predicts and stays small', () => {
    const text = readFileSync(SHIPPED_SIM_MODEL, 'utf8');
    expect(text.length).toBeLessThan(200_000);
    const file = JSON.parse(text);
    expect([file.kind, file.version]).toEqual(['risk/failure-trees', 1]);
    expect(file.training.fitSeeds).toEqual(SIM_FIT_SEEDS);
    expect(file.training.tuneSeeds).toEqual(SIM_TUNE_SEEDS);
    expect(file.training.rounds).toBeLessThanOrEqual(200);
    const { model, threshold } = loadFailureTreesFile(SHIPPED_SIM_MODEL);
    expect(threshold).toBe(file.config.threshold);
    // memory at 97 % and rising fast, full in 10 min: the shipped model calls it a failure
    const values = new Float64Array(16).fill(Number.NaN);
    values.set([0.97, 0.003, 10], 0);
    values[12] = 0;
    values[13] = 0.002;
    values[14] = Infinity;
    values[15] = 1;
    const risk = model.predict({ names: FAILURE_FEATURE_NAMES, values });
    expect(risk.probability).toBeGreaterThan(threshold);
    expect(risk.explanation[0]?.name.startsWith('memory_utilization')).toBe(true);
  });
});

describe.skipIf(!ENABLED)('trainSimFailureTrees', () => {
  it('writes what the homeostat method fits, slimmed, and the shipped-model method scores it alike', () => {
    const grid = buildSimFailureGrid({
      days: 1,
      faults: 8,
      warmupMs: 2 * 3_600_000,
      fleet: { services: 6, hosts: 8, databases: 2, queues: 1, loadBalancers: 1 },
      fitSeeds: [201, 202],
      tuneSeeds: [204],
      testSeeds: [301],
    });
    const options = { depths: [2], minChildWeights: [1], rounds: 20 };
    const file = trainSimFailureTrees(grid, options);
    expect(file.training).toMatchObject({ fitSeeds: [201, 202], tuneSeeds: [204], depth: 2, minChildWeight: 1, rounds: 20 });
    const slim = file.config.model;
    expect(Object.keys(slim?.learner.gradient_booster.model.trees[0] ?? {})).toEqual([
      'left_children',
      'right_children',
      'split_indices',
      'split_conditions',
      'default_left',
      'sum_hessian',
    ]);
    expect(slimXgbModel(slim as never)).toEqual(slim);
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-train-sim-'));
    const path = join(dir, 'model.json');
    writeFileSync(path, JSON.stringify(file));
    try {
      const input = { fit: grid.fit.matrix, tune: grid.tune.matrix, test: grid.test.matrix };
      const fitted = homeostatMethod(options).run(input);
      const shipped = shippedTreesMethod(path).run(input);
      expect(shipped.threshold).toBe(fitted.threshold);
      for (let i = 0; i < input.test.rows; i++) expect(shipped.test[i]).toBeCloseTo(fitted.test[i] as number, 12);
      expect(failureTreesSpec.parse(file.config).platt).toEqual(file.config.platt);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
