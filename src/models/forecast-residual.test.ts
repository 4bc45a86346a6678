import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import type { Point } from '../telemetry/types.js';
import type { Detector, DetectorScore } from './contract.js';
import { checkDetectorSpec, checkSeries, sameScores } from './detector-contract.js';
import { forecastResidualSpec } from './forecast-residual.js';
import { robustZSpec } from './robust-z.js';

const at = (i: number, v: number): Point => ({ t: 1_000_000 + i * 60_000, v });
const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);

function feed(d: Detector, values: readonly number[], from = 0): (DetectorScore | undefined)[] {
  return values.map((v, i) => {
    const s = d.score(at(from + i, v));
    d.learn(at(from + i, v));
    return s;
  });
}

describe('ForecastResidual', () => {
  it('passes the generic detector checks, with and without a season', () => {
    expect(checkDetectorSpec(forecastResidualSpec)).toEqual([]);
    expect(checkDetectorSpec(forecastResidualSpec, forecastResidualSpec.parse({ seasonSlots: 24, warmupPoints: 10 }))).toEqual([]);
  });

  it('follows warm-up running means and forecasts level + φ·trend (hand-checked)', () => {
    const d = forecastResidualSpec.create(forecastResidualSpec.parse({ warmupPoints: 3, alpha: 0.5, beta: 0.1, phi: 0.5 }));
    expect(feed(d, [10, 12])).toEqual([undefined, undefined]);
    // n=2: f = 10, r = 2, α = max(0.5, 1/2) → l = 11, b = 0.1·2 = 0.2, mad = 2.
    expect(d.level).toBe(11);
    expect(d.trend).toBeCloseTo(0.2, 15);
    expect(d.score(at(2, 12))).toBeUndefined();
    d.learn(at(2, 12));
    // n=3: f = 11 + 0.5·0.2 = 11.1, r = 0.9, α = 0.5 → l = 11.1 + 0.45 = 11.55;
    // b = 0.1 + 0.09 = 0.19; mad = 2 + (0.9 − 2)/2 = 1.45.
    expect(d.level).toBeCloseTo(11.55, 12);
    expect(d.trend).toBeCloseTo(0.19, 12);
    const f = 11.55 + 0.5 * 0.19;
    expect(d.forecastAt(0)).toBeCloseTo(f, 12);
    const s = d.score(at(3, 20));
    expect(s?.expected).toBeCloseTo(f, 12);
    expect(s?.raw).toBeCloseTo((20 - f) / (1.45 * SQRT_HALF_PI), 10);
    expect(s?.contributors).toEqual([{ name: 'forecast-residual', weight: s?.raw, expected: s?.expected, actual: 20 }]);
  });

  it('follows a ramp that a robust z lags behind', () => {
    const ramp = Array.from({ length: 300 }, (_, i) => 100 + i + (i % 2 === 0 ? 0.5 : -0.5));
    const fr = forecastResidualSpec.create(forecastResidualSpec.defaults);
    const rz = robustZSpec.create(robustZSpec.defaults);
    const sf = feed(fr, ramp);
    const sr = feed(rz, ramp);
    expect(sf[299]?.raw).toBeLessThan(2);
    // The robust z baseline trails the ramp by tens of points (its scale grew to hide it).
    expect(sr[299]?.expected).toBeLessThan(380);
    // The damped trend has learned the slope: forecast ≈ last value + ~1.
    expect(sf[299]?.expected).toBeGreaterThan(397);
    expect(sf[299]?.expected).toBeLessThan(400);
  });

  it('scores a spike inside the daily range that a robust z misses, and is not dragged by it', () => {
    // A smooth slow wave 100 ± 50 (period 600 points), then a jump of +30 at a trough.
    const wave = (i: number) => 100 + 50 * Math.sin((2 * Math.PI * i) / 600) + (i % 2 === 0 ? 0.2 : -0.2);
    const values = Array.from({ length: 1350 }, (_, i) => wave(i));
    const fr = forecastResidualSpec.create(forecastResidualSpec.defaults);
    const rz = robustZSpec.create(robustZSpec.defaults);
    feed(fr, values);
    feed(rz, values);
    const spike = at(1350, wave(1350) + 30);
    expect(fr.score(spike)?.raw).toBeGreaterThan(20);
    expect(rz.score(spike)?.raw).toBeLessThan(3);
    const before = fr.forecastAt(spike.t);
    fr.learn(spike);
    // One clipped step: the forecast moves by at most (α + β)·k·σ above the trend's own move.
    const moved = fr.forecastAt(spike.t) - before;
    expect(moved).toBeLessThan(3 * fr.scaleAt(before));
  });

  it('learns a seasonal offset per slot with a season (hand-checked)', () => {
    const config = forecastResidualSpec.parse({ seasonSlots: 2, periodMs: 2000, warmupPoints: 1, alpha: 0.5, beta: 0, gamma: 0.5 });
    const d = forecastResidualSpec.create(config);
    d.learn({ t: 0, v: 10 }); // n=1: l = 10
    // Slot 1 (t = 1000): f = 10, r = 10, clip at 3·max(0, 0.001·10, 1e-3) = 0.03.
    d.learn({ t: 1000, v: 20 });
    expect(d.level).toBeCloseTo(10.015, 12);
    expect(d.forecastAt(1000)).toBeCloseTo(10.015 + 0.015, 12);
    expect(d.forecastAt(0)).toBeCloseTo(10.015, 12);
    expect(d.forecastAt(Number.NaN)).toBeNaN();
    expect(d.score({ t: Number.NaN, v: 1 })).toBeUndefined();
  });

  it('restores bit for bit from JSON state and rejects bad states and configs', () => {
    const series = checkSeries(5, 1000);
    const config = forecastResidualSpec.parse({ seasonSlots: 12 });
    const a = forecastResidualSpec.create(config);
    series.slice(0, 500).forEach((p) => {
      a.score(p);
      a.learn(p);
    });
    const b = forecastResidualSpec.create(config, JSON.parse(JSON.stringify(a.state())));
    const run = (d: Detector) =>
      series.slice(500).map((p) => {
        const s = d.score(p);
        d.learn(p);
        return s;
      });
    expect(sameScores(run(a), run(b))).toBe(true);
    expect(b.state()).toEqual(a.state());
    expect(() => forecastResidualSpec.create(forecastResidualSpec.defaults, a.state())).toThrow(
      'detector/forecast-residual: state field season must hold 0 numbers',
    );
    expect(() => forecastResidualSpec.create(config, { ...a.state(), mad: -1 })).toThrow(HomeostatError);
    expect(() => forecastResidualSpec.parse({ alpha: 0 })).toThrow('detector/forecast-residual: alpha must be a number in (0, 1] (got 0)');
    expect(() => forecastResidualSpec.parse({ seasonSlots: 2000 })).toThrow('seasonSlots must be an integer in [0, 1440] (got 2000)');
  });

  it('keeps a direction: up ignores drops', () => {
    const d = forecastResidualSpec.create(forecastResidualSpec.parse({ direction: 'up' }));
    feed(d, Array(40).fill(10));
    // Flat series: forecast 10, scale = relative floor 0.001·10 = 0.01.
    expect(d.score(at(40, 9))?.raw).toBe(0);
    expect(d.score(at(40, 10.1))?.raw).toBeCloseTo(10, 9);
  });
});
