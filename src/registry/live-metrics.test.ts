import { describe, expect, it } from 'vitest';
import { reliability } from '../bench/anomaly/metrics.js';
import type { ModelOutcome } from '../records/types.js';
import { liveMetricsOf, outcomeMetrics } from './live-metrics.js';

const HOUR = 3_600_000;

function label(id: string, at: number, correct: boolean, confidence?: number): ModelOutcome {
  return { id, name: 'm', version: 1, at, kind: 'classification', correct, ...(confidence === undefined ? {} : { confidence }) };
}

function actual(id: string, at: number, error: number, relError?: number, covered?: boolean): ModelOutcome {
  return {
    id,
    name: 'f',
    version: 1,
    at,
    kind: 'regression',
    error,
    ...(relError === undefined ? {} : { relError }),
    ...(covered === undefined ? {} : { covered }),
  };
}

describe('outcomeMetrics', () => {
  it('classification: accuracy, mean confidence, ECE and Brier by hand, reliability bins', () => {
    const outcomes = [label('a', 1, true, 0.9), label('b', 2, true, 0.9), label('c', 3, false, 0.9), label('d', 4, false, 0.2)];
    const m = outcomeMetrics(outcomes).classification;
    expect(m?.n).toBe(4);
    expect(m?.accuracy).toBe(0.5);
    expect(m?.withConfidence).toBe(4);
    expect(m?.meanConfidence).toBeCloseTo(0.725, 12);
    // bins: 0.9 → 3 outcomes, 2 right (|0.667 − 0.9| = 0.2333); 0.2 → 1, none right (0.2)
    expect(m?.ece).toBeCloseTo(0.75 * (0.9 - 2 / 3) + 0.25 * 0.2, 12);
    expect(m?.brier).toBeCloseTo((0.01 + 0.01 + 0.81 + 0.04) / 4, 12);
    expect(m?.bins).toEqual([
      { lower: 0.2, upper: 0.3, n: 1, meanConfidence: 0.2, accuracy: 0 },
      { lower: 0.9, upper: 1, n: 3, meanConfidence: 0.9, accuracy: 2 / 3 },
    ]);
    const bench = reliability([1, 1, 0, 0], [0.9, 0.9, 0.9, 0.2]);
    expect(m?.ece).toBeCloseTo(bench.ece, 12);
    expect(m?.brier).toBeCloseTo(bench.brier, 12);
  });

  it('classification without confidences: accuracy only; confidence 1 falls in the top bin', () => {
    expect(outcomeMetrics([label('a', 1, true), label('b', 2, false), label('c', 3, true)]).classification).toEqual({
      n: 3,
      accuracy: 2 / 3,
      withConfidence: 0,
      bins: [],
    });
    expect(outcomeMetrics([label('a', 1, true, 1)]).classification?.bins).toEqual([
      { lower: 0.9, upper: 1, n: 1, meanConfidence: 1, accuracy: 1 },
    ]);
  });

  it('regression: MAE, mean relative error, coverage over the outcomes that say', () => {
    const m = outcomeMetrics([actual('a', 1, 1, 0.1, true), actual('b', 2, 3, 0.3, false), actual('c', 3, 2)]);
    expect(m.n).toBe(3);
    expect(m.classification).toBeUndefined();
    expect(m.regression).toEqual({ n: 3, mae: 2, meanRelError: 0.2, coverage: 0.5, withInterval: 2 });
  });

  it('an empty set has n 0 and no sections', () => {
    expect(outcomeMetrics([])).toEqual({ n: 0 });
  });
});

describe('liveMetricsOf', () => {
  it('splits at the window, ignores the future, and finds a worsening accuracy (z = −2.58)', () => {
    const now = 100 * HOUR;
    const earlier = Array.from({ length: 10 }, (_, i) => label(`e${i}`, 10 * HOUR + i, true, 0.9));
    const recent = Array.from({ length: 10 }, (_, i) => label(`r${i}`, 90 * HOUR + i, i < 5, 0.9));
    const future = label('x', now + 1, false, 0.9);
    const live = liveMetricsOf('m', [...recent, future, ...earlier], { at: now, windowMs: 24 * HOUR, version: 1 });
    expect(live.version).toBe(1);
    expect(live.overall.n).toBe(20);
    expect(live.recent.classification?.accuracy).toBe(0.5);
    expect(live.earlier.classification?.accuracy).toBe(1);
    expect(live.trend).toHaveLength(1);
    const t = live.trend[0];
    expect(t?.metric).toBe('accuracy');
    expect(t?.delta).toBe(-0.5);
    // pooled 0.75: se = √(0.75 · 0.25 · (1/10 + 1/10)) = 0.19365
    expect(t?.z).toBeCloseTo(-0.5 / Math.sqrt(0.0375), 10);
    expect(t?.direction).toBe('worsening');
  });

  it('a small change is stable; too few outcomes give no trend', () => {
    const now = 100 * HOUR;
    const earlier = Array.from({ length: 10 }, (_, i) => label(`e${i}`, HOUR + i, i < 8));
    const recent = Array.from({ length: 10 }, (_, i) => label(`r${i}`, 99 * HOUR + i, i < 7));
    const live = liveMetricsOf('m', [...earlier, ...recent], { at: now, windowMs: 24 * HOUR });
    expect(live.trend[0]?.direction).toBe('stable');
    expect(live.trend[0]?.z).toBeCloseTo(-0.1 / Math.sqrt(0.0375), 10);
    expect(liveMetricsOf('m', [...earlier, ...recent.slice(0, 9)], { at: now, windowMs: 24 * HOUR }).trend).toEqual([]);
  });

  it('MAE trend: constant errors that differ have z null and a direction; lower error is improving', () => {
    const now = 100 * HOUR;
    const worse = [
      ...Array.from({ length: 10 }, (_, i) => actual(`e${i}`, HOUR + i, 1)),
      ...Array.from({ length: 10 }, (_, i) => actual(`r${i}`, 99 * HOUR + i, 2)),
    ];
    expect(liveMetricsOf('f', worse, { at: now, windowMs: 24 * HOUR }).trend).toEqual([
      { metric: 'mae', earlier: 1, recent: 2, delta: 1, z: null, direction: 'worsening' },
    ]);
    const better = [
      ...Array.from({ length: 10 }, (_, i) => actual(`e${i}`, HOUR + i, i % 2 === 0 ? 4 : 6)),
      ...Array.from({ length: 10 }, (_, i) => actual(`r${i}`, 99 * HOUR + i, i % 2 === 0 ? 1 : 3)),
    ];
    const t = liveMetricsOf('f', better, { at: now, windowMs: 24 * HOUR }).trend[0];
    // means 5 and 2, sample variances 10/9 each: z = −3 / √(2 · (10/9) / 10) = −6.36
    expect(t?.z).toBeCloseTo(-3 / Math.sqrt((2 * 10) / 9 / 10), 10);
    expect(t?.direction).toBe('improving');
  });
});
