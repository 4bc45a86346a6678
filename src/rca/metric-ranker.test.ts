import { describe, expect, it } from 'vitest';
import { LogisticCalibrator } from '../models/calibrator.js';
import type { RcaCase, RcaEdge, RcaMetric } from './case-types.js';
import {
  createMetricRanker,
  DEFAULT_RANKER_CALIBRATION,
  fitRankerCalibration,
  parseMetricRankerSettings,
  RANKER_CALIBRATION_PRIOR,
  rankingMargin,
} from './metric-ranker.js';

/** One metric: six normal rows then the incident rows. */
function metric(name: string, values: readonly number[]): RcaMetric {
  const cut = name.indexOf('_');
  return { name, candidate: name.slice(0, cut), kind: name.slice(cut + 1), values: Float64Array.from(values) };
}

function makeCase(metrics: RcaMetric[], extra: Partial<RcaCase> = {}): RcaCase {
  const n = metrics[0]?.values.length ?? 0;
  return {
    id: 'synthetic/1',
    dataset: 'synthetic',
    t: Float64Array.from({ length: n }, (_, i) => i * 1000),
    anomalyStart: 6,
    metrics,
    candidates: [...new Set(metrics.map((m) => m.candidate))].sort(),
    ...extra,
  };
}

const NORMAL_CPU = [1, 1.1, 0.9, 1, 1.05, 0.95];
const logistic = (m: number): number => 1 / (1 + Math.exp(-(m - DEFAULT_RANKER_CALIBRATION.center) / DEFAULT_RANKER_CALIBRATION.width));

/** a: CPU hog (level 1, spread = floor 0.1, z 90); b: memory drift of 20 % (z 2); c: latency that fell (z 0). */
const hog = makeCase([
  metric('a_cpu', [...NORMAL_CPU, 10, 10, 10, 10]),
  metric('b_mem', [100, 100, 100, 100, 100, 100, 120, 120, 120, 120]),
  metric('c_latency', [5, 5.5, 4.5, 5, 5.2, 4.8, 1, 1, 1, 1]),
  metric('c_flat', [3, 3, 3, 3, 3, 3, 3, 3, 3, 3]),
]);

describe('createMetricRanker', () => {
  it('ranks the robust deviation from the normal rows, with a drift floor and harmful direction only', () => {
    const r = createMetricRanker()(hog);
    expect(r.anomalous).toBe(true);
    expect(r.ranked.map((x) => x.candidate)).toEqual(['a', 'b', 'c']);
    expect(r.ranked[0]?.score).toBeCloseTo(90, 10);
    expect(r.ranked[1]?.score).toBeCloseTo(2, 10);
    expect(r.ranked[2]?.score).toBe(0);
    expect(r.ranked[0]?.evidence).toEqual(['a_cpu rose to 10.0× its normal (robust z 90.0) at 00:00:06, first of all anomalous metrics']);
    expect(r.ranked[1]?.evidence).toEqual(['b_mem rose from 100 to 120 (robust z 2.00), below the anomaly threshold']);
    expect(r.ranked[2]?.evidence).toEqual(['no metric of c deviates from its normal rows in the harmful direction']);
  });

  it('calibrates the top-1 confidence on the margin and shares the rest, summing to at most 1', () => {
    const r = createMetricRanker()(hog);
    const margin = Math.log(91) - Math.log(3);
    expect(rankingMargin(r)).toBeCloseTo(margin, 12);
    const p1 = logistic(margin);
    expect(r.ranked[0]?.confidence).toBeCloseTo(p1, 12);
    expect(r.ranked[1]?.confidence).toBeCloseTo(1 - p1, 12);
    expect(r.ranked[2]?.confidence).toBe(0);
    const sum = r.ranked.reduce((s, x) => s + x.confidence, 0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('caps a runner-up confidence at the top-1 confidence', () => {
    const close = makeCase([metric('a_cpu', [...NORMAL_CPU, 4, 4, 4, 4]), metric('b_cpu', [...NORMAL_CPU, 3.9, 3.9, 3.9, 3.9])]);
    const r = createMetricRanker({ threshold: 8 })(close);
    const p1 = logistic(Math.log(31) - Math.log(30));
    expect(r.ranked[0]?.candidate).toBe('a');
    expect(r.ranked[0]?.confidence).toBeCloseTo(p1, 12);
    expect(r.ranked[1]?.confidence).toBeCloseTo(Math.min(p1, 1 - p1), 12);
  });

  it('blames nobody when no metric reaches the threshold', () => {
    const quiet = makeCase([metric('a_cpu', [...NORMAL_CPU, 1.5, 1.5, 1.5, 1.5]), metric('b_cpu', [...NORMAL_CPU, 1, 1, 1, 1])]);
    const r = createMetricRanker()(quiet);
    expect(r.anomalous).toBe(false);
    expect(r.ranked.map((x) => x.candidate)).toEqual(['a', 'b']);
    expect(r.ranked[0]?.score).toBeCloseTo(5, 10);
    expect(r.ranked.map((x) => x.confidence)).toEqual([0, 0]);
  });

  it('prefers the most downstream anomaly on a call graph and says why', () => {
    const graph: RcaEdge[] = [
      { from: 'site', to: 'search' },
      { from: 'site', to: 'db' },
    ];
    const c = makeCase(
      [
        // site: latency 1 -> 50 (z 490) from row 7; search: 1 -> 10 (z 90) from row 6; db quiet.
        metric('site_latency', [...NORMAL_CPU, 1, 50, 50, 50]),
        metric('search_latency', [...NORMAL_CPU, 10, 10, 10, 10]),
        metric('db_latency', [...NORMAL_CPU, 1, 1, 1, 1]),
      ],
      { graph },
    );
    const r = createMetricRanker()(c);
    expect(r.ranked.map((x) => x.candidate)).toEqual(['search', 'site', 'db']);
    expect(r.ranked[0]?.score).toBeCloseTo(90, 10);
    expect(r.ranked[1]?.score).toBeCloseTo(49, 10);
    expect(r.ranked[0]?.evidence).toEqual([
      'search_latency rose to 10.0× its normal (robust z 90.0) at 00:00:06, first of all anomalous metrics',
      'no anomalous dependency of search explains it; its anomalous caller site calls it (anomalies propagate from callee to caller)',
    ]);
    expect(r.ranked[1]?.evidence[0]).toBe(
      "site latency moved with or after search's; site calls search (directly or through others), so search explains it",
    );
    expect(r.ranked[1]?.evidence[1]).toBe('site_latency rose to 50.0× its normal (robust z 490) at 00:00:07');
  });

  it('does not let a callee that started later explain its caller', () => {
    const c = makeCase(
      [metric('site_latency', [...NORMAL_CPU, 50, 50, 50, 50]), metric('search_latency', [...NORMAL_CPU, 1, 10, 10, 10])],
      {
        graph: [{ from: 'site', to: 'search' }],
      },
    );
    const r = createMetricRanker()(c);
    expect(r.ranked.map((x) => x.candidate)).toEqual(['site', 'search']);
    expect(r.ranked[0]?.score).toBeCloseTo(490, 10);
  });

  it('differences counters and reads availability as harmful when it falls', () => {
    const c = makeCase([
      metric('api_errors', [0, 1, 2, 3, 4, 5, 15, 25, 35, 45]),
      metric('lb_availability', [100, 100, 100, 100, 100, 100, 40, 40, 40, 40]),
      metric('cache_availability', [100, 100, 100, 100, 100, 100, 100, 100, 100, 101]),
    ]);
    const r = createMetricRanker()(c);
    expect(r.ranked.map((x) => x.candidate)).toEqual(['api', 'lb', 'cache']);
    expect(r.ranked[0]?.score).toBeCloseTo(90, 10);
    expect(r.ranked[0]?.evidence[0]).toBe(
      'api_errors (rate) rose to 10.0× its normal (robust z 90.0) at 00:00:06, first of all anomalous metrics',
    );
    expect(r.ranked[1]?.score).toBeCloseTo(6, 10);
    expect(r.ranked[1]?.evidence[0]).toBe('lb_availability fell to 0.40× its normal (robust z 6.00), below the anomaly threshold');
    expect(r.ranked[2]?.score).toBe(0);
  });

  it('weighs load-like kinds by loadWeight', () => {
    const c = makeCase([metric('front_load', [...NORMAL_CPU, 10, 10, 10, 10]), metric('cart_cpu', [...NORMAL_CPU, 7, 7, 7, 7])]);
    const r = createMetricRanker()(c);
    expect(r.ranked.map((x) => [x.candidate, x.score])).toEqual([
      ['cart', expect.closeTo(60, 10)],
      ['front', expect.closeTo(45, 10)],
    ]);
  });

  it('scores a short fault by its peak but calls it anomalous only when it persists', () => {
    // x: one row of 10 in four (median z 0, peak z 90 → score 0.9·90 = 81); y: four rows of 4 (z 30).
    const c = makeCase([metric('x_cpu', [...NORMAL_CPU, 1, 1, 1, 10]), metric('y_cpu', [...NORMAL_CPU, 4, 4, 4, 4])]);
    const r = createMetricRanker()(c);
    expect(r.ranked.map((x) => [x.candidate, x.score])).toEqual([
      ['x', expect.closeTo(81, 10)],
      ['y', expect.closeTo(30, 10)],
    ]);
    expect(r.anomalous).toBe(true);
    expect(r.ranked[0]?.evidence).toEqual([
      'x_cpu peaked at 10.0× its normal (robust z 81.0), above the anomaly threshold too briefly to count',
    ]);
    expect(r.ranked[1]?.evidence).toEqual(['y_cpu rose to 4.00× its normal (robust z 30.0) at 00:00:06, first of all anomalous metrics']);
    const onlyX = makeCase([metric('x_cpu', [...NORMAL_CPU, 1, 1, 1, 10]), metric('z_cpu', [...NORMAL_CPU, 1, 1, 1, 1])]);
    expect(createMetricRanker()(onlyX).anomalous).toBe(false);
    expect(createMetricRanker()(onlyX).ranked.map((x) => x.confidence)).toEqual([0, 0]);
    expect(createMetricRanker({ persistence: 0.25 })(onlyX).anomalous).toBe(true);
    expect(createMetricRanker({ peakWeight: 0 })(c).ranked.map((x) => [x.candidate, x.score])).toEqual([
      ['y', expect.closeTo(30, 10)],
      ['x', 0],
    ]);
  });

  it('needs persistence of the incident rows: 3 of 4 rows pass at 0.5, not at 1', () => {
    const c = makeCase([metric('x_cpu', [...NORMAL_CPU, 10, 10, 10, 1])]);
    expect(createMetricRanker()(c).anomalous).toBe(true);
    expect(createMetricRanker({ persistence: 1 })(c).anomalous).toBe(false);
  });

  it("takes the normal rows' own tail as part of the spread", () => {
    // normal [0,0,0,0,0,5]: median, MAD, IQR 0; 99th percentile 0.95·5 = 4.75 → z of 5 = 5/4.75.
    const spiky = makeCase([metric('s_cpu', [0, 0, 0, 0, 0, 5, 5, 5, 5, 5])]);
    expect(createMetricRanker()(spiky).ranked[0]?.score).toBeCloseTo(5 / 4.75, 12);
    // without the tail term the spread falls back to relativeFloor · max |incident − level| = 0.5 → z 10.
    expect(createMetricRanker({ tailQuantile: 0.5 })(spiky).ranked[0]?.score).toBeCloseTo(10, 12);
    // for a falling kind the lower tail counts: normal [100,100,100,100,100,50] → spread 0.95·50 = 47.5.
    const dips = makeCase([metric('lb_availability', [100, 100, 100, 100, 100, 50, 50, 50, 50, 50])]);
    expect(createMetricRanker()(dips).ranked[0]?.score).toBeCloseTo(50 / 47.5, 12);
  });

  it('is deterministic and does not mutate its input', () => {
    const before = Array.from(hog.metrics[0]?.values ?? []);
    const ranker = createMetricRanker();
    expect(ranker(hog)).toEqual(ranker(hog));
    expect(Array.from(hog.metrics[0]?.values ?? [])).toEqual(before);
  });

  it('rejects bad settings, calibration and cases with what was expected and received', () => {
    expect(() => createMetricRanker({ threshold: 0 })).toThrow('rca/metric-rank: threshold must be a number > 0 (got 0)');
    expect(() => parseMetricRankerSettings({ thresold: 3 })).toThrow(
      /unknown setting "thresold" \(expected one of: relativeFloor, threshold, persistence, peakWeight, tailQuantile/,
    );
    expect(() => createMetricRanker({ persistence: 0 })).toThrow('rca/metric-rank: persistence must be a number in (0, 1] (got 0)');
    expect(() => createMetricRanker({ peakWeight: 1.5 })).toThrow('rca/metric-rank: peakWeight must be a number in [0, 1] (got 1.5)');
    expect(() => createMetricRanker({ tailQuantile: 0.4 })).toThrow('rca/metric-rank: tailQuantile must be a number in [0.5, 1] (got 0.4)');
    expect(() => createMetricRanker(undefined, { center: 0, width: 0 })).toThrow(
      /calibration must be \{ center: finite number, width: number > 0 \}/,
    );
    const ranker = createMetricRanker();
    expect(() => ranker({ ...hog, anomalyStart: 10 })).toThrow('rca case synthetic/1: anomalyStart must be an integer in [1, 9] (got 10)');
    expect(() => ranker({ ...hog, metrics: [metric('a_cpu', [1, 2])] })).toThrow(
      'rca case synthetic/1: metric a_cpu has 2 values (expected 10, one per row)',
    );
    expect(() => ranker({ ...hog, candidates: ['b', 'c'] })).toThrow(
      'rca case synthetic/1: metric a_cpu belongs to "a", which is not a candidate',
    );
  });
});

describe('fitRankerCalibration', () => {
  it('fits the logistic map on the margins and top-1 correctness of labelled cases', () => {
    const right = { ...hog, truth: ['a'] };
    const close = makeCase([metric('x_cpu', [...NORMAL_CPU, 40, 40, 40, 40]), metric('y_cpu', [...NORMAL_CPU, 39, 39, 39, 39])], {
      truth: ['y'],
    });
    const healthy = makeCase([metric('q_cpu', [...NORMAL_CPU, 1, 1, 1, 1])], { truth: [] });
    const fitted = fitRankerCalibration([right, close, healthy]);
    const ranker = createMetricRanker(undefined, RANKER_CALIBRATION_PRIOR);
    const expected = new LogisticCalibrator(RANKER_CALIBRATION_PRIOR).fit(
      [rankingMargin(ranker(right)), rankingMargin(ranker(close))],
      [true, false],
      {
        l2: 1,
      },
    );
    expect(fitted).toEqual(expected);
    expect(fitted.width).toBeGreaterThan(0);
    expect(() => fitRankerCalibration([healthy])).toThrow(
      /calibration needs anomalous cases with a known root cause \(got 1 cases, none usable\)/,
    );
  });
});
