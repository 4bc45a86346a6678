import { describe, expect, it } from 'vitest';
import type { RcaCase, RcaMetric } from '../../rca/case-types.js';
import { fitAttributionCalibration } from '../../rca/metric-attribution.js';
import { fitRankerCalibration } from '../../rca/metric-ranker.js';
import { fitCaseCalibrations } from './train-calibration.js';

const NORMAL = [1, 1.1, 0.9, 1, 1.05, 0.95];

function kase(id: string, metrics: RcaMetric[], truth: string[], split: 'dev' | 'report'): RcaCase {
  const n = metrics[0]?.values.length ?? 0;
  return {
    id,
    dataset: 'synthetic',
    t: Float64Array.from({ length: n }, (_, i) => i * 60_000),
    anomalyStart: NORMAL.length,
    metrics,
    candidates: [...new Set(metrics.map((m) => m.candidate))].sort(),
    truth,
    split,
  };
}
const service = (name: string, values: number[]): RcaMetric => ({
  name: `${name}_cpu`,
  candidate: name,
  kind: 'cpu',
  values: Float64Array.from(values),
});
const own = (name: string, values: number[]): RcaMetric => ({
  name,
  candidate: name,
  kind: 'metric',
  values: Float64Array.from(values),
  range: { min: 0, max: 12 },
});

// Ranking cases (candidates own several-named metrics) and per-metric cases (each metric its own candidate).
const devRight = kase('d1', [service('a', [...NORMAL, 10, 10, 10, 10]), service('b', [...NORMAL, 1, 1, 1, 1])], ['a'], 'dev');
const devClose = kase('d2', [service('x', [...NORMAL, 40, 40, 40, 40]), service('y', [...NORMAL, 39, 39, 39, 39])], ['y'], 'dev');
const devMetric = kase('d3', [own('m1', [...NORMAL, 9, 9, 9, 9]), own('m2', [...NORMAL, 1, 1.2, 1, 1])], ['m1'], 'dev');
const devMetricWrong = kase('d4', [own('m1', [...NORMAL, 6, 6, 6, 6]), own('m2', [...NORMAL, 5, 5, 5, 5])], ['m2'], 'dev');
const report = kase('r1', [service('a', [...NORMAL, 1, 1, 1, 1]), service('b', [...NORMAL, 30, 30, 30, 30])], ['a'], 'report');
const reportMetric = kase('r2', [own('m1', [...NORMAL, 1, 1, 1, 1]), own('m2', [...NORMAL, 11, 11, 11, 11])], ['m1'], 'report');

describe('fitCaseCalibrations', () => {
  it('fits each calibration on the dev cases only', () => {
    const dev = [devRight, devClose, devMetric, devMetricWrong];
    const fitted = fitCaseCalibrations([...dev, report, reportMetric]);
    expect(fitted.devCases).toBe(4);
    expect(fitted.ranker).toEqual(fitRankerCalibration(dev));
    expect(fitted.attribution).toEqual(fitAttributionCalibration(dev));
    // the report cases would move both fits: leaving them out is not a no-op
    expect(fitRankerCalibration([...dev, report])).not.toEqual(fitted.ranker);
    expect(fitAttributionCalibration([...dev, reportMetric])).not.toEqual(fitted.attribution);
  });

  it('refuses to fit without dev cases', () => {
    expect(() => fitCaseCalibrations([report, reportMetric])).toThrow('fitCaseCalibrations: expected dev cases (got none among 2)');
  });
});
