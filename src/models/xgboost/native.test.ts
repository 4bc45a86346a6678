import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../../errors.js';
import { trainXgboost, trainXgboostChecked, type XgbParams, xgboostTestsEnabled } from './native.js';
import {
  compileXgbModel,
  contributions,
  predictMargin,
  predictMargins,
  predictProbability,
  topContributions,
  type XgbModelJson,
} from './trees.js';

const ROWS = 2000;
const COLS = 4;

/** label = (x0 > 0.5) xor noise (5 %), from a fixed LCG. */
function synthetic(): { x: Float32Array; label: Float32Array } {
  let s = 12345;
  const next = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const x = new Float32Array(ROWS * COLS);
  const label = new Float32Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    for (let j = 0; j < COLS; j++) x[i * COLS + j] = next();
    label[i] = (x[i * COLS] as number) > 0.5 !== next() < 0.05 ? 1 : 0;
  }
  return { x, label };
}

const PARAMS: XgbParams = { maxDepth: 3, eta: 0.3, rounds: 20, minChildWeight: 1, subsample: 0.8, seed: 7, nthread: 1 };
const data = synthetic();
const matrix = { x: data.x, rows: ROWS, cols: COLS, label: data.label };
const checkRows = data.x.subarray(0, 50 * COLS);
const ENABLED = xgboostTestsEnabled('models/xgboost');
const trained = ENABLED
  ? trainXgboostChecked(matrix, PARAMS, {}, checkRows)
  : (undefined as unknown as ReturnType<typeof trainXgboostChecked>);
const trees = ENABLED ? compileXgbModel(trained.model) : (undefined as unknown as ReturnType<typeof compileXgbModel>);

describe.skipIf(!ENABLED)('trainXgboost, checked against the TypeScript evaluator', () => {
  it('learns x0 > 0.5 (accuracy > 0.9 on the training rows)', () => {
    const margins = predictMargins(trees, data.x);
    let correct = 0;
    for (let i = 0; i < ROWS; i++) if ((margins[i] as number) > 0 === (data.label[i] === 1)) correct++;
    expect(correct / ROWS).toBeGreaterThan(0.9);
    expect(trained.model.learner.gradient_booster.model.trees).toHaveLength(20);
  });

  it('gives the margins and probabilities of XGBoost itself within 1e-6', () => {
    for (let i = 0; i < 50; i++) {
      expect(Math.abs(predictMargin(trees, data.x, i * COLS) - (trained.native.margin[i] as number))).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(predictProbability(trees, data.x, i * COLS) - (trained.native.probability[i] as number))).toBeLessThanOrEqual(1e-6);
    }
  });

  it('gives TreeSHAP contributions equal to XGBoost pred_contribs, summing to the margin', () => {
    for (let i = 0; i < 50; i++) {
      const c = contributions(trees, data.x, i * COLS);
      const nat = trained.native.contributions.subarray(i * (COLS + 1), (i + 1) * (COLS + 1));
      for (let j = 0; j < COLS; j++) expect(Math.abs((c.contributions[j] as number) - (nat[j] as number))).toBeLessThan(1e-5);
      expect(Math.abs(c.bias - (nat[COLS] as number))).toBeLessThan(1e-5);
      const sum = c.contributions.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - (predictMargin(trees, data.x, i * COLS) - c.bias))).toBeLessThan(1e-5);
    }
    const top = topContributions(contributions(trees, data.x, 0), ['x0', 'x1', 'x2', 'x3'], 1);
    expect(top[0]?.name).toBe('x0');
  });

  it('matches XGBoost with a base score other than 0.5 (base margin logit(0.1))', () => {
    const other = trainXgboostChecked(matrix, { ...PARAMS, baseScore: 0.1 }, {}, checkRows);
    const m = compileXgbModel(other.model);
    expect(m.baseMargin).toBeCloseTo(Math.log(0.1 / 0.9), 6);
    for (let i = 0; i < 50; i++)
      expect(Math.abs(predictMargin(m, data.x, i * COLS) - (other.native.margin[i] as number))).toBeLessThanOrEqual(1e-6);
  });

  it('is deterministic for a seed and differs for another seed', () => {
    const again = trainXgboost(matrix, PARAMS);
    expect(JSON.stringify(again)).toBe(JSON.stringify(trained.model));
    const other = trainXgboost(matrix, { ...PARAMS, seed: 8 });
    expect(JSON.stringify(other.learner.gradient_booster.model.trees)).not.toBe(
      JSON.stringify(trained.model.learner.gradient_booster.model.trees),
    );
  });

  it('uses the weights', () => {
    const weight = Float32Array.from(data.label, (y) => (y === 1 ? 10 : 1));
    const weighted = compileXgbModel(trainXgboost({ ...matrix, weight }, PARAMS));
    expect(predictProbability(weighted, [0.55, 0.5, 0.5, 0.5])).toBeGreaterThan(predictProbability(trees, [0.55, 0.5, 0.5, 0.5]));
  });

  it('rejects a malformed model and a short row with a clear error', () => {
    expect(() => compileXgbModel({ learner: { objective: { name: 'reg:squarederror' } } } as unknown as XgbModelJson)).toThrow(
      /expected objective binary:logistic or reg:logistic \(got "reg:squarederror"\)/,
    );
    expect(() => predictMargin(trees, [1, 2])).toThrow(/expected 4 features at offset 0 \(got 2\)/);
  });
});

describe('trainXgboost errors', () => {
  it('says how to install XGBoost when the library is missing', () => {
    let error: unknown;
    try {
      trainXgboost(matrix, PARAMS, { library: 'libxgboost-missing.so.9' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HomeostatError);
    expect((error as HomeostatError).code).toBe('unavailable');
    expect((error as Error).message).toMatch(/could not load "libxgboost-missing\.so\.9".*apt-get install libxgboost0/);
  });

  it.skipIf(!ENABLED)('rejects bad shapes and parameters', () => {
    expect(() => trainXgboost({ ...matrix, rows: 3 }, PARAMS)).toThrow(/x must hold rows × cols = 12 values \(got 8000\)/);
    expect(() => trainXgboost(matrix, { ...PARAMS, eta: 0 })).toThrow(/eta must be in \(0, 1\] \(got 0\)/);
  });
});
