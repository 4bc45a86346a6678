import { describe, expect, it } from 'vitest';
import { LogisticCalibrator } from '../models/calibrator.js';
import type { RcaCase, RcaMetric } from './case-types.js';
import {
  ATTRIBUTION_CALIBRATION_PRIOR,
  attributeCase,
  attributionMargin,
  DEFAULT_ATTRIBUTION_CALIBRATION,
  DEFAULT_METRIC_ATTRIBUTION_SETTINGS,
  fitAttributionCalibration,
  isPerMetricCase,
  metricChange,
  parseMetricAttributionSettings,
} from './metric-attribution.js';
import { createMetricRanker } from './metric-ranker.js';

const S = DEFAULT_METRIC_ATTRIBUTION_SETTINGS;
const UNIT = { min: 0, max: 1 } as const;

/** A metric that is its own candidate (as SMD's m01…), full scale 0–1 unless `range` is null. */
function own(name: string, values: readonly number[], range: { min: number; max: number } | null = UNIT): RcaMetric {
  return { name, candidate: name, kind: 'metric', values: Float64Array.from(values), ...(range ? { range } : {}) };
}

/** Five normal rows (one a minute), then the incident rows. */
function perMetricCase(metrics: RcaMetric[], truth?: string[]): RcaCase {
  const n = metrics[0]?.values.length ?? 0;
  return {
    id: 'host/1',
    dataset: 'synthetic',
    t: Float64Array.from({ length: n }, (_, i) => i * 60_000),
    anomalyStart: 5,
    metrics,
    candidates: metrics.map((m) => m.candidate).sort(),
    ...(truth ? { truth } : {}),
  };
}

/** x: a noisy metric (level 0.4, MAD spread 0.14826) jumping to 0.9; y: constant at 0 then a twitch of 0.02; z: constant. */
const host = perMetricCase([
  own('x', [0.3, 0.5, 0.3, 0.5, 0.4, 0.9, 0.9]),
  own('y', [0, 0, 0, 0, 0, 0.02, 0]),
  own('z', [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]),
]);

describe('metricChange', () => {
  it('scores ln(1 + z) times the change as a share of the known scale', () => {
    // level 0.1; MAD 0, IQR 0; normal 99th percentile 0.1192 → spread 0.0192; change 0.5.
    const m = metricChange([0.1, 0.1, 0.12, 0.08, 0.1, 0.6], 5, S, UNIT);
    expect(m?.level).toBeCloseTo(0.1, 12);
    expect(m?.change).toBeCloseTo(0.5, 12);
    expect(m?.z).toBeCloseTo(0.5 / 0.0192, 9);
    expect(m?.score).toBeCloseTo(0.5 * Math.log(1 + 0.5 / 0.0192), 9);
    expect(m?.score).toBeCloseTo(1.64869, 4);
    expect(m?.scale).toBe('known');
  });

  it('ranks a large move of a noisy metric above a twitch of a metric constant in the normal rows', () => {
    const noisy = metricChange([0.3, 0.5, 0.3, 0.5, 0.4, 0.9], 5, S, UNIT);
    // spread = max(1.4826 · 0.1, 0.2 / 1.349, 0.1, 0.04, 0.001) = 0.14826; z = 3.3725
    expect(noisy?.z).toBeCloseTo(0.5 / 0.14826, 9);
    expect(noisy?.score).toBeCloseTo(0.73766, 4);
    // constant 0: only the range floor 0.001 · 1 is left; z = 20, yet 2 % of the scale
    const twitch = metricChange([0, 0, 0, 0, 0, 0.02], 5, S, UNIT);
    expect(twitch?.z).toBeCloseTo(20, 9);
    expect(twitch?.score).toBeCloseTo(0.02 * Math.log(21), 12);
    expect((noisy?.score ?? 0) > (twitch?.score ?? 0)).toBe(true);
  });

  it('uses the observed range without a known scale and counts falls as well as rises', () => {
    // level 11, spread 1.4826 (MAD), change 19, observed range 30 − 10 = 20
    const up = metricChange([10, 12, 10, 12, 11, 30], 5, S);
    expect(up?.scale).toBe('observed');
    expect(up?.range).toBe(20);
    expect(up?.score).toBeCloseTo((19 / 20) * Math.log(1 + 19 / 1.4826), 9);
    // level 5, spread = 0.1 · 5, change 4 down: z 8
    const down = metricChange([5, 5, 5, 5, 5, 1, 3], 5, S);
    expect(down?.extreme).toBe(1);
    expect(down?.z).toBeCloseTo(8, 12);
    expect(down?.score).toBeCloseTo(Math.log(9), 12);
    expect(metricChange([5, 5, 5, 5, 5, 1, 3], 5, S, { min: 0, max: 10 })?.score).toBeCloseTo(0.4 * Math.log(9), 12);
  });

  it('leaves NaN out and needs two normal rows and one incident row', () => {
    expect(metricChange([0.1, Number.NaN, 0.1, 0.1, 0.1, 0.6], 5, S, UNIT)?.change).toBeCloseTo(0.5, 12);
    expect(metricChange([0.1, Number.NaN, Number.NaN, Number.NaN, Number.NaN, 0.6], 5, S, UNIT)).toBeUndefined();
    expect(metricChange([0.1, 0.1, 0.1, 0.1, 0.1, Number.NaN], 5, S, UNIT)).toBeUndefined();
    expect(metricChange([0.2, 0.2, 0.2, 0.2, 0.2, 0.2], 5, S, UNIT)?.score).toBe(0);
  });
});

describe('isPerMetricCase and attributeCase', () => {
  it('applies only when every metric is its own candidate', () => {
    expect(isPerMetricCase(host)).toBe(true);
    const services: RcaCase = {
      ...host,
      metrics: host.metrics.map((m) => ({ ...m, name: `${m.candidate}_cpu` })),
    };
    expect(isPerMetricCase(services)).toBe(false);
    expect(isPerMetricCase(perMetricCase([own('x', [1, 1, 1, 1, 1, 2])]))).toBe(false);
  });

  it('sorts by score (ties by name) and scores a cumulative counter on its differences', () => {
    expect(attributeCase(host).map((x) => [x.candidate, Number(x.score.toFixed(5))])).toEqual([
      ['x', 0.73766],
      ['y', 0.06089],
      ['z', 0],
    ]);
    // a counter growing by 1 a row, then by 5: its rate rows NaN, 1, 1, 1, 1 | 1, 5 (level 1, spread 0.1 · 1,
    // change 4, observed range 4); load: level 0.5, spread 0.05, change 0.1 of range 0.1
    const c = perMetricCase([own('bytes', [0, 1, 2, 3, 4, 5, 10], null), own('load', [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6], null)]);
    const [first, second] = attributeCase(c);
    expect(first?.candidate).toBe('bytes');
    expect(first?.counter).toBe(true);
    expect(first?.change?.change).toBe(4);
    expect(first?.change?.z).toBeCloseTo(40, 12);
    expect(first?.score).toBeCloseTo(Math.log(41), 12);
    expect(second?.counter).toBe(false);
    expect(second?.score).toBeCloseTo(Math.log(3), 12);
  });
});

describe('the metric ranker on a per-metric case', () => {
  it('ranks by the attribution score with its own calibration and evidence', () => {
    const r = createMetricRanker({ threshold: 3 })(host);
    expect(r.anomalous).toBe(true);
    expect(r.ranked.map((x) => x.candidate)).toEqual(['x', 'y', 'z']);
    expect(r.ranked[0]?.score).toBeCloseTo(0.73766, 4);
    const margin = Math.log(1 + (r.ranked[0]?.score as number)) - Math.log(1 + (r.ranked[1]?.score as number));
    const { center, width } = DEFAULT_ATTRIBUTION_CALIBRATION;
    const p1 = 1 / (1 + Math.exp(-(margin - center) / width));
    expect(r.ranked[0]?.confidence).toBeCloseTo(p1, 12);
    expect(r.ranked[1]?.confidence).toBeCloseTo(1 - p1, 12);
    expect(r.ranked[2]?.confidence).toBe(0);
    expect(r.ranked[0]?.evidence).toEqual([
      'x rose from 0.40 to 0.90: 50.0 % of its full scale, robust z 3.37',
      'anomalous from 00:05:00, first of all anomalous metrics (half the incident rows or more reach robust z 3.00)',
    ]);
    expect(r.ranked[2]?.evidence).toEqual(['z does not move away from its normal rows']);
  });

  it('keeps the persistence rule for anomalous but gives the conditional confidence anyway', () => {
    const r = createMetricRanker()(host);
    expect(r.anomalous).toBe(false);
    expect(r.ranked[0]?.candidate).toBe('x');
    expect(r.ranked[0]?.confidence).toBeCloseTo(createMetricRanker({ threshold: 3 })(host).ranked[0]?.confidence as number, 12);
  });

  it('takes attribution settings and calibration, and rejects bad ones', () => {
    const flat = createMetricRanker(undefined, undefined, { calibration: { center: 0, width: 1 } })(host);
    const margin = attributionMargin(flat.ranked.map((x) => x.score));
    expect(flat.ranked[0]?.confidence).toBeCloseTo(1 / (1 + Math.exp(-margin)), 12);
    expect(() => createMetricRanker(undefined, undefined, { calibration: { center: 0, width: -1 } })).toThrow(
      /rca\/metric-attribution: calibration must be \{ center: finite number, width: number > 0 \}/,
    );
    expect(() => parseMetricAttributionSettings({ rangeFlor: 0.1 })).toThrow(
      'rca/metric-attribution: unknown setting "rangeFlor" (expected one of: relativeFloor, rangeFloor, tailQuantile)',
    );
    expect(() => parseMetricAttributionSettings({ tailQuantile: 0.2 })).toThrow(
      'rca/metric-attribution: tailQuantile must be a number in [0.5, 1] (got 0.2)',
    );
    expect(parseMetricAttributionSettings({ rangeFloor: 0 })).toEqual({ ...S, rangeFloor: 0 });
  });
});

describe('attributionMargin and fitAttributionCalibration', () => {
  it('takes the log margin of the two best scores', () => {
    expect(attributionMargin([1, 3, 0.5])).toBeCloseTo(Math.log(4) - Math.log(2), 12);
    expect(attributionMargin([2])).toBeCloseTo(Math.log(3), 12);
    expect(attributionMargin([])).toBe(0);
  });

  it('fits the logistic map on margins and top-1 correctness of labelled per-metric cases only', () => {
    const right = { ...host, truth: ['x'] };
    const wrong = { ...host, id: 'host/2', truth: ['y', 'z'] };
    const services: RcaCase = { ...host, metrics: host.metrics.map((m) => ({ ...m, name: `${m.candidate}_cpu` })), truth: ['x'] };
    const margin = attributionMargin(attributeCase(host).map((x) => x.score));
    const expected = new LogisticCalibrator(ATTRIBUTION_CALIBRATION_PRIOR).fit([margin, margin], [true, false], { l2: 1 });
    expect(fitAttributionCalibration([right, wrong, services, { ...host, truth: [] }])).toEqual(expected);
    expect(() => fitAttributionCalibration([services])).toThrow(
      /calibration needs per-metric cases with known explaining metrics \(got 1 cases, none usable\)/,
    );
  });
});
