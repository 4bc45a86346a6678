import { describe, expect, it } from 'vitest';
import { FAILURE_FEATURE_NAMES, FailureFeatures, failureHeuristicSpec } from './failure-risk.js';

const MIN = 60_000;
const T0 = 1_767_571_200_000;
const at = (step: number) => T0 + step * MIN;
const feature = (x: { values: Float64Array }, name: (typeof FAILURE_FEATURE_NAMES)[number]) =>
  x.values[FAILURE_FEATURE_NAMES.indexOf(name)] as number;
const make = (input?: unknown, state?: unknown) => failureHeuristicSpec.create(failureHeuristicSpec.parse(input), state);

describe('FailureHeuristic', () => {
  it('memory rising 1 %/min from 0.5 reaches 100 % in ~50 min: probability > 0.9', () => {
    const m = make();
    for (let i = 0; i <= 10; i++) m.learn('memory_utilization', { t: at(i), v: 0.4 + 0.01 * i }); // 0.50 at step 10
    const x = m.features(at(10));
    expect(feature(x, 'memory_level')).toBeCloseTo(0.5, 12);
    expect(feature(x, 'memory_slope_per_min')).toBeCloseTo(0.01, 12);
    expect(feature(x, 'memory_tte_min')).toBeCloseTo(50, 6);
    const risk = m.predict(x);
    expect(risk.probability).toBeGreaterThan(0.9);
    expect(risk.leadTimeMs).toBeCloseTo(50 * MIN, 0);
    expect(risk.explanation[0]?.name).toBe('memory_utilization reaches 100 % in ~50 min at +1 %/min');
    expect(risk.explanation[0]?.weight).toBe(1);
    expect(risk.confidence).toBeCloseTo(11 / 60, 12); // warm-up: 11 of 60 window points
    // Ten minutes later without new data the projection counts the elapsed time.
    expect(feature(m.features(at(20)), 'memory_tte_min')).toBeCloseTo(40, 6);
  });

  it('a flat series gives probability < 0.05 and no lead time', () => {
    const m = make();
    for (let i = 0; i < 60; i++) m.learn('memory_utilization', { t: at(i), v: 0.5 });
    for (let i = 0; i < 60; i++) m.learn('disk_utilization', { t: at(i), v: i % 2 === 0 ? 0.71 : 0.69 });
    const risk = m.assess(at(59));
    expect(risk.probability).toBeLessThan(0.05);
    expect(risk.probability).toBe(0);
    expect(risk.leadTimeMs).toBeUndefined();
    expect(risk.confidence).toBe(1);
    expect(risk.explanation).toEqual([{ name: 'no failure indicator is rising in the window', weight: 0 }]);
    expect(feature(m.features(at(59)), 'disk_tte_min')).toBe(Infinity);
  });

  it('exhaustion exactly at the 6 h horizon is a coin flip (hazard ln 2)', () => {
    const m = make();
    for (let i = 0; i < 20; i++) m.learn('disk_utilization', { t: at(i), v: 0.621 + 0.001 * i }); // 0.64 at step 19, +0.1 %/min
    const risk = m.assess(at(19));
    expect(risk.probability).toBeCloseTo(0.5, 6);
    expect(risk.leadTimeMs).toBeCloseTo(360 * MIN, -1);
    expect(risk.explanation[0]?.name).toBe('disk_utilization reaches 100 % in ~6 h at +0.1 %/min');
  });

  it('needs a significant slope: noise around a level does not project exhaustion', () => {
    const m = make();
    const noise = [0.02, -0.01, 0.015, -0.02, 0.01, -0.015, 0.005, -0.005];
    for (let i = 0; i < 60; i++) m.learn('memory_utilization', { t: at(i), v: 0.9 + (noise[i % 8] as number) + 0.00001 * i });
    expect(feature(m.features(at(59)), 'memory_tte_min')).toBe(Infinity);
    expect(m.assess(at(59)).probability).toBe(0);
  });

  it('counts restarts in the last hour from a cumulative counter', () => {
    const m = make();
    const counter = [3, 3, 4, 4, 4, 5, 5];
    for (const [i, v] of counter.entries()) m.learn('restarts', { t: at(i * 10), v });
    const x = m.features(at(60));
    expect(feature(x, 'restarts_last_hour')).toBe(2);
    const risk = m.predict(x);
    expect(risk.probability).toBeCloseTo(1 - Math.exp(-0.7), 12);
    expect(risk.explanation[0]?.name).toBe('2 restarts in the last hour');
    // Per-sample mode reads each sample as a count.
    const p = make({ countMode: 'per-sample' });
    for (const [i, v] of [0, 1, 0, 2].entries()) p.learn('restarts', { t: at(i), v });
    expect(feature(p.features(at(3)), 'restarts_last_hour')).toBe(3);
  });

  it('raises ECC errors against their own baseline', () => {
    const m = make({ countMode: 'per-sample' });
    for (let i = 0; i < 100; i++) m.learn('hw_ecc_errors', { t: at(i), v: 0 });
    for (let i = 100; i < 110; i++) m.learn('hw_ecc_errors', { t: at(i), v: 1 });
    const x = m.features(at(109));
    // Window: last 60 samples over 59 min → 60 min of intervals; 10 errors → 1/6 per min.
    expect(feature(x, 'ecc_rate_per_min')).toBeCloseTo(10 / 60, 12);
    const baseline = 1 - (1 - 1 / 1440) ** 10; // EW from 0 toward 1 per minute
    expect(feature(x, 'ecc_baseline_per_min')).toBeCloseTo(baseline, 12);
    const ratio = 10 / 60 / 0.01; // baseline below the 0.01/min floor
    expect(feature(x, 'ecc_ratio')).toBeCloseTo(ratio, 9);
    const risk = m.predict(x);
    expect(risk.probability).toBeCloseTo(1 - Math.exp(-(Math.LN2 * (ratio - 2)) / 8), 9);
    expect(risk.explanation[0]?.name).toBe('hw_ecc_errors at 0.2/min, 17× its baseline of 0/min');
  });

  it('adds error rate, temperature and recent anomalies; ignores stale and unknown metrics', () => {
    const m = make();
    for (let i = 0; i < 5; i++) m.learn('error_rate', { t: at(i), v: 0.05 });
    for (let i = 0; i < 5; i++) m.learn('cpu_utilization', { t: at(i), v: 0.99 });
    m.noteAnomaly(at(4));
    const risk = m.assess(at(4));
    expect(risk.probability).toBeCloseTo(1 - Math.exp(-(3 * 0.04 + 0.1)), 12);
    expect(risk.explanation.map((a) => a.name)).toEqual(['error_rate at 5 %', 'anomaly on this entity 0 min ago']);
    expect(risk.explanation[0]?.weight).toBeCloseTo(0.12 / 0.22, 12);
    const stale = m.assess(at(4 + 16));
    expect(stale.explanation.map((a) => a.name)).toEqual(['anomaly on this entity 16 min ago']);
    expect(stale.confidence).toBe(0);

    const hot = make();
    for (let i = 0; i < 30; i++) hot.learn('hw_temperature_c', { t: at(i), v: 60 + 0.5 * i }); // 74.5 °C at +0.5 °C/min
    const r = hot.assess(at(29));
    expect(feature(hot.features(at(29)), 'temperature_tte_min')).toBeCloseTo(31, 6);
    expect(r.probability).toBeGreaterThan(0.99);
    expect(r.explanation[0]?.name).toBe('hw_temperature_c reaches 90 °C in ~31 min at +0.5 °C/min');
  });

  it('has no risk and no confidence without data', () => {
    const risk = make().assess(T0);
    expect(risk).toEqual({
      probability: 0,
      confidence: 0,
      explanation: [{ name: 'no failure indicator is rising in the window', weight: 0 }],
    });
  });

  it('restores its windows exactly from JSON state and rejects bad states', () => {
    const a = make();
    for (let i = 0; i < 90; i++) {
      a.learn('memory_utilization', { t: at(i), v: 0.3 + 0.004 * i + 0.01 * Math.sin(i) });
      a.learn('hw_ecc_errors', { t: at(i), v: Math.floor(i / 7) });
    }
    a.noteAnomaly(at(80));
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = make(undefined, saved);
    for (let i = 90; i < 130; i++) {
      for (const m of [a, b]) {
        m.learn('memory_utilization', { t: at(i), v: 0.3 + 0.004 * i });
        m.learn('hw_ecc_errors', { t: at(i), v: Math.floor(i / 7) });
      }
    }
    expect(Array.from(b.features(at(130)).values)).toEqual(Array.from(a.features(at(130)).values));
    expect(b.assess(at(130))).toEqual(a.assess(at(130)));
    expect(b.state()).toEqual(a.state());
    expect(() => make(undefined, { ...saved, version: 3 })).toThrow('risk/failure-heuristic: state has version 3');
    expect(() => make(undefined, { version: 1, windows: { nope: { t: [], v: [], head: 0 } } })).toThrow(
      'state has a window for unknown metric "nope"',
    );
    expect(() => make({ windowPoints: 10 }, saved)).toThrow('at most 10 finite numbers');
    expect(() => a.predict({ names: ['x' as never], values: new Float64Array(1) })).toThrow('predict expects the features');
  });

  it('FailureFeatures alone: named vector, NaN for unknown, out-of-order and non-finite samples ignored', () => {
    const f = new FailureFeatures(failureHeuristicSpec.defaults);
    f.learn('disk_utilization', { t: at(5), v: 0.4 });
    f.learn('disk_utilization', { t: at(3), v: 0.9 });
    f.learn('disk_utilization', { t: at(6), v: Number.NaN });
    f.learn('disk_utilization', { t: at(7), v: 0.41 });
    const x = f.features(at(7));
    expect(x.names).toEqual(FAILURE_FEATURE_NAMES);
    expect(feature(x, 'disk_level')).toBe(0.41);
    expect(feature(x, 'disk_slope_per_min')).toBeNaN(); // fewer than minPoints samples
    expect(feature(x, 'memory_level')).toBeNaN();
    expect(feature(x, 'memory_tte_min')).toBe(Infinity);
    expect(feature(x, 'minutes_since_anomaly')).toBe(Infinity);
    expect(feature(x, 'data_fraction')).toBeCloseTo(2 / 60, 12);
    expect(f.state().windows.disk_utilization?.v).toEqual([0.4, 0.41]);
  });

  it('parses its config strictly', () => {
    expect(failureHeuristicSpec.defaults.horizonMs).toBe(6 * 3_600_000);
    expect(() => failureHeuristicSpec.parse({ horizon: 1 })).toThrow('risk/failure-heuristic: unknown key "horizon"');
    expect(() => failureHeuristicSpec.parse({ countMode: 'gauge' })).toThrow(
      'countMode must be one of "counter", "per-sample" (got "gauge")',
    );
  });
});

describe('FailureHeuristic: usual cycles are not trends', () => {
  const T0 = Date.UTC(2026, 0, 5);
  const at = (i: number): number => T0 + i * 60_000;
  it('ignores a 60-minute GC sawtooth climbing back to its usual peak, and flags a climb past it', () => {
    const m = failureHeuristicSpec.create(failureHeuristicSpec.defaults);
    // Four hours of a sawtooth: 0.50 → 0.58 over 60 minutes, then a drop.
    const saw = (i: number): number => 0.5 + 0.08 * ((i % 60) / 60);
    for (let i = 0; i < 240; i++) m.learn('memory_utilization', { t: at(i), v: saw(i) });
    // At the top of a cycle the 60-point window is one steady climb (slope 0.0013/min), yet
    // it stays below the peaks of the earlier cycles: no exhaustion projected.
    expect(m.assess(at(239)).probability).toBe(0);
    // A leak on top of the cycle: +0.004/min for 45 minutes passes the earlier peaks.
    for (let i = 240; i < 285; i++) m.learn('memory_utilization', { t: at(i), v: saw(i) + 0.004 * (i - 240) });
    const risk = m.assess(at(284));
    expect(risk.probability).toBeGreaterThan(0.9);
    expect(risk.explanation[0]?.name).toMatch(/^memory_utilization reaches 100 %/);
  });
});
