import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import type { Point } from '../telemetry/types.js';
import type { Detector, DetectorScore } from './contract.js';
import { checkDetectorSpec, checkSeries, mulberry32, sameScores } from './detector-contract.js';
import { robustZSpec } from './robust-z.js';
import { seasonalRobustSpec } from './seasonal-robust.js';

const DAY = 86_400_000;
const STEP = 600_000; // 10 minutes: 144 points a day, 6 per hourly slot
const T0 = 1_767_571_200_000; // 2026-01-05T00:00:00Z, a day boundary

function feed(d: Detector, points: readonly Point[]): (DetectorScore | undefined)[] {
  return points.map((p) => {
    const s = d.score(p);
    d.learn(p);
    return s;
  });
}

/** `days` days of a daily sine (100 ± 50, peak at 06:00 UTC) with uniform noise in ±1, every 10 minutes. */
function dailySine(days: number, seed = 1, from = 0): Point[] {
  const random = mulberry32(seed);
  const out: Point[] = [];
  for (let i = from; i < from + days * 144; i++) {
    const t = T0 + i * STEP;
    out.push({ t, v: 100 + 50 * Math.sin((2 * Math.PI * (t - T0)) / DAY) + 2 * (random() - 0.5) });
  }
  return out;
}

/** Hourly slots over a day: small enough to warm up in one day of 10-minute points. */
const hourly = seasonalRobustSpec.parse({ slots: 24 });

describe('SeasonalRobust', () => {
  it('falls back to the global robust z before a slot is warm, then scores against the slot (hand-checked)', () => {
    const config = seasonalRobustSpec.parse({ periodMs: 2000, slots: 2, minSlotPoints: 2, warmupPoints: 2, slotAlpha: 0.5, levelAlpha: 0 });
    const d = seasonalRobustSpec.create(config);
    expect(d.score({ t: 0, v: 10 })).toBeUndefined();
    feed(d, [
      { t: 0, v: 10 },
      { t: 1000, v: 20 },
    ]);
    // Global running means: location 15, mad 5 → scale 5·√(π/2); slot 0 has 1 point < 2.
    const fallback = d.score({ t: 2000, v: 10 });
    expect(fallback?.expected).toBe(15);
    expect(fallback?.raw).toBeCloseTo(5 / (5 * Math.sqrt(Math.PI / 2)), 12);
    expect(fallback?.contributors[0]?.name).toBe('global-deviation');
    feed(d, [
      { t: 2000, v: 10 },
      { t: 3000, v: 20 },
    ]);
    expect(d.slot(0)).toEqual({ baseline: 10, mad: 0, count: 2 });
    expect(d.slot(1)).toEqual({ baseline: 20, mad: 0, count: 2 });
    // Warm slots: expected = baseline, scale = relative floor 0.01·|expected|.
    expect(d.score({ t: 4000, v: 10 })?.raw).toBe(0);
    expect(d.score({ t: 4000, v: 11 })?.raw).toBeCloseTo(10, 12);
    expect(d.score({ t: 5000, v: 22 })?.raw).toBeCloseTo(10, 12);
    expect(d.score({ t: 5000, v: 22 })?.contributors[0]).toEqual({
      name: 'seasonal-deviation',
      weight: d.score({ t: 5000, v: 22 })?.raw,
      expected: 20,
      actual: 22,
    });
    // Learning 12 in slot 0: r = 2 clipped to 3·0.1 → baseline 10 + 0.5·0.3, mad 0.5·0.3; pooled mad 0.3.
    d.learn({ t: 4000, v: 12 });
    const s0 = d.slot(0);
    expect(s0.baseline).toBeCloseTo(10.15, 12);
    expect(s0.mad).toBeCloseTo(0.15, 12);
    expect(s0.count).toBe(3);
    const s = d.score({ t: 6000, v: 11.15 });
    expect(s?.expected).toBeCloseTo(10.15, 12);
    expect(s?.raw).toBeCloseTo(1 / (0.15 * Math.sqrt(Math.PI / 2)), 9);
  });

  it('scores a spike at the peak hour high while the daily peak itself is not; robust z gets both wrong', () => {
    const train = dailySine(6);
    const sr = seasonalRobustSpec.create(hourly);
    const rz = robustZSpec.create(robustZSpec.defaults);
    feed(sr, train);
    feed(rz, train);
    const peak = { t: T0 + 6 * DAY + 36 * STEP, v: 150 }; // 06:00, the normal daily peak
    const peakSpike = { t: peak.t, v: 170 };
    const trough = { t: T0 + 6 * DAY + 108 * STEP, v: 50 }; // 18:00, the normal trough
    const nightSpike = { t: trough.t, v: 90 };
    const srPeak = sr.score(peak)?.raw ?? Number.NaN;
    const srPeakSpike = sr.score(peakSpike)?.raw ?? Number.NaN;
    const srNight = sr.score(nightSpike)?.raw ?? Number.NaN;
    expect(srPeak).toBeLessThan(2);
    expect(sr.score(trough)?.raw).toBeLessThan(2);
    expect(srPeakSpike).toBeGreaterThan(8);
    expect(srNight).toBeGreaterThan(8);
    expect(sr.score(peak)?.expected).toBeCloseTo(150, -0.5); // within ±1.6
    expect(sr.score(peakSpike)?.contributors[0]?.name).toBe('seasonal-deviation');
    // Robust z: the normal peak is scored about as high as the spike on it, and above the night spike.
    const rzPeak = rz.score(peak)?.raw ?? Number.NaN;
    const rzPeakSpike = rz.score(peakSpike)?.raw ?? Number.NaN;
    const rzNight = rz.score(nightSpike)?.raw ?? Number.NaN;
    expect(rzPeak).toBeGreaterThan(1);
    expect(rzPeakSpike / rzPeak).toBeLessThan(1.5);
    expect(rzNight).toBeLessThan(rzPeak);
    expect(srPeakSpike / srPeak).toBeGreaterThan(5);
  });

  it('lets a level that moved stop alarming: the level correction absorbs a sustained shift', () => {
    const d = seasonalRobustSpec.create(hourly);
    feed(d, dailySine(5));
    const shifted = dailySine(1, 9, 5 * 144).map((p) => ({ t: p.t, v: p.v + 30 }));
    const scores = feed(d, shifted).map((s) => s?.raw ?? Number.NaN);
    // +30 at 00:00, where the hourly slot spans the sine's steepest part (scale ≈ 5.6).
    expect(scores[0]).toBeGreaterThan(5);
    expect(Math.max(...scores.slice(0, 30))).toBeGreaterThan(6);
    expect(Math.max(...scores.slice(100))).toBeLessThan(3);
    expect(d.level).toBeGreaterThan(20);
  });

  it('takes the slot from the timestamp: gaps and irregular sampling keep the seasonal expectation', () => {
    const d = seasonalRobustSpec.create(hourly);
    feed(d, dailySine(3));
    // Two and a half days of silence, then irregular points: the slot still comes from t.
    const after = [T0 + 5.5 * DAY + 17_000, T0 + 5.75 * DAY + 3 * 60_000, T0 + 6 * DAY + 6 * 3_600_000 + 1_234];
    for (const t of after) {
      const v = 100 + 50 * Math.sin((2 * Math.PI * (t - T0)) / DAY);
      const s = d.score({ t, v });
      expect(s?.contributors[0]?.name).toBe('seasonal-deviation');
      expect(s?.raw).toBeLessThan(3);
      expect(Math.abs((s?.expected ?? 0) - v)).toBeLessThan(8); // hourly slots: the sine moves ≤ 13 within one
      d.learn({ t, v });
    }
    expect(d.slotOf(T0 + 6 * 3_600_000 + 1)).toBe(6);
    expect(d.slotOf(-1)).toBe(23);
    expect(d.slotOf(Number.NaN)).toBe(-1);
  });

  it('ignores NaN values and NaN timestamps without throwing', () => {
    const d = seasonalRobustSpec.create(seasonalRobustSpec.parse({ warmupPoints: 2 }));
    feed(d, [
      { t: T0, v: 5 },
      { t: T0 + 60_000, v: Number.NaN },
      { t: Number.NaN, v: 7 },
      { t: T0 + 120_000, v: Infinity },
      { t: T0 + 180_000, v: 5 },
    ]);
    expect(d.count).toBe(2);
    expect(d.score({ t: T0, v: Number.NaN })).toBeUndefined();
    expect(d.score({ t: Number.NaN, v: 5 })).toBeUndefined();
    expect(d.score({ t: T0, v: 5 })?.expected).toBe(5);
  });

  it('keeps a direction: up ignores drops, down ignores rises, the weight keeps the sign', () => {
    const up = seasonalRobustSpec.create(seasonalRobustSpec.parse({ slots: 24, direction: 'up' }));
    const down = seasonalRobustSpec.create(seasonalRobustSpec.parse({ slots: 24, direction: 'down' }));
    const train = dailySine(3);
    feed(up, train);
    feed(down, train);
    const t = T0 + 3 * DAY + 36 * STEP;
    expect(up.score({ t, v: 120 })?.raw).toBe(0);
    expect(up.score({ t, v: 120 })?.contributors[0]?.weight).toBeLessThan(-8);
    expect(up.score({ t, v: 180 })?.raw).toBeGreaterThan(8);
    expect(down.score({ t, v: 120 })?.raw).toBeGreaterThan(8);
    expect(down.score({ t, v: 180 })?.raw).toBe(0);
  });

  it('restores bit for bit from JSON state at the defaults, within 16 KB', () => {
    const series = checkSeries(3, 4000);
    const a = seasonalRobustSpec.create(seasonalRobustSpec.defaults);
    feed(a, series.slice(0, 2500));
    const json = JSON.stringify(a.state());
    expect(json.length).toBeLessThan(16_384);
    const b = seasonalRobustSpec.create(seasonalRobustSpec.defaults, JSON.parse(json));
    const sa = feed(a, series.slice(2500));
    const sb = feed(b, series.slice(2500));
    expect(sa.filter((s) => s?.contributors[0]?.name === 'seasonal-deviation').length).toBeGreaterThan(1000);
    expect(sameScores(sa, sb)).toBe(true);
    expect(b.state()).toEqual(a.state());
  });

  it('restores bit for bit even when the series starts at −0', () => {
    const config = seasonalRobustSpec.parse({ warmupPoints: 1, minSlotPoints: 1 });
    const a = seasonalRobustSpec.create(config);
    a.learn({ t: 0, v: -0 });
    const b = seasonalRobustSpec.create(config, JSON.parse(JSON.stringify(a.state())));
    expect(Object.is(a.score({ t: 0, v: 1 })?.expected, b.score({ t: 0, v: 1 })?.expected)).toBe(true);
    expect(Object.is(a.score({ t: 0, v: 1 })?.expected, 0)).toBe(true);
  });

  it('rejects bad configs and states with clear messages', () => {
    const config = seasonalRobustSpec.defaults;
    const good = seasonalRobustSpec.create(config).state();
    expect(() => seasonalRobustSpec.parse({ slots: 0 })).toThrow(
      'detector/seasonal-robust: slots must be an integer in [1, 10080] (got 0)',
    );
    expect(() => seasonalRobustSpec.parse({ minSlotPoints: 300 })).toThrow(HomeostatError);
    expect(() => seasonalRobustSpec.create(config, { ...good, version: 2 })).toThrow(
      'detector/seasonal-robust: state has version 2 but this model reads version 1',
    );
    expect(() => seasonalRobustSpec.create(seasonalRobustSpec.parse({ slots: 24 }), good)).toThrow(
      "state field slotStats must hold 48 numbers for this config's slots (got 576)",
    );
    expect(() => seasonalRobustSpec.create(config, { ...good, slotCounts: good.slotCounts.map(() => 300) })).toThrow(
      'state field slotCounts holds a value out of range',
    );
    expect(() => seasonalRobustSpec.create(config, { ...good, slotStats: 7 })).toThrow('state field slotStats must be an array of at most');
    expect(() => seasonalRobustSpec.create(config, { ...good, n: -1 })).toThrow(HomeostatError);
    expect(() => seasonalRobustSpec.create(config).slot(288)).toThrow('slot index must be an integer in [0, 288)');
  });

  it('passes the generic detector contract checks at the defaults and with hourly slots', () => {
    expect(checkDetectorSpec(seasonalRobustSpec)).toEqual([]);
    expect(checkDetectorSpec(seasonalRobustSpec, seasonalRobustSpec.parse({ slots: 24, minSlotPoints: 2, direction: 'up' }))).toEqual([]);
  });
});
