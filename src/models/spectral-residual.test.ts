import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import type { Point } from '../telemetry/types.js';
import type { DetectorScore } from './contract.js';
import { checkDetectorSpec, checkSeries, mulberry32, sameScores } from './detector-contract.js';
import { type SpectralResidual, spectralResidualSpec } from './spectral-residual.js';

const at = (i: number, v: number): Point => ({ t: 1_000_000 + i * 60_000, v });

function feed(d: SpectralResidual, values: readonly number[], from = 0): (DetectorScore | undefined)[] {
  return values.map((v, i) => {
    const s = d.score(at(from + i, v));
    d.learn(at(from + i, v));
    return s;
  });
}

/**
 * The paper's ratio score of a step of height d on the newest point of a constant window (level
 * c > 0), derived by hand: the window x = c + d·δ_h (the estimated points are c too) has
 * X₀ = N·c + d and X_k = d·e^{−2πikh/N} elsewhere, so the log-amplitude is flat at log|d| except at
 * DC, and the residual R is non-zero only on the bins whose q = 3 average includes DC: trailing
 * R₁ = (log|d| − L₀)/2, R₂ = (log|d| − L₀)/3; centered R₀ = 2(L₀ − log|d|)/3,
 * R₁ = R_{N−1} = (log|d| − L₀)/3. Then S(t) = |e^{R₀} + sign(d)·Σ_{k≥1} e^{R_k} e^{2πik(t−h)/N}| / N,
 * summed directly here (no FFT).
 */
function constantSpikeRaw(n: number, h: number, z: number, c: number, d: number, averaging: 'trailing' | 'centered'): number {
  const l0 = Math.log(n * c + d);
  const ld = Math.log(Math.abs(d));
  const r = new Array<number>(n).fill(0);
  if (averaging === 'trailing') {
    r[1] = (ld - l0) / 2;
    r[2] = (ld - l0) / 3;
  } else {
    r[0] = (2 * (l0 - ld)) / 3;
    r[1] = (ld - l0) / 3;
    r[n - 1] = (ld - l0) / 3;
  }
  const saliency = (t: number): number => {
    let re = Math.exp(r[0] as number);
    let im = 0;
    for (let k = 1; k < n; k++) {
      const phase = (2 * Math.PI * k * (t - h)) / n;
      re += Math.sign(d) * Math.exp(r[k] as number) * Math.cos(phase);
      im += Math.sign(d) * Math.exp(r[k] as number) * Math.sin(phase);
    }
    return Math.hypot(re, im) / n;
  };
  let mean = 0;
  for (let t = h - z; t < h; t++) mean += saliency(t) / z;
  return Math.max(0, (saliency(h) - mean) / mean);
}

/** 32-point transform: the window is 27 points (26 learned + the newest), 5 estimated points. */
const small = (averaging: 'trailing' | 'centered') =>
  spectralResidualSpec.parse({ fftSize: 32, averagePoints: 3, scoreWindow: 21, averaging });

describe('SpectralResidual', () => {
  it('passes the generic detector checks with the defaults and other configs', () => {
    expect(checkDetectorSpec(spectralResidualSpec)).toEqual([]);
    expect(checkDetectorSpec(spectralResidualSpec, small('trailing'))).toEqual([]);
    expect(checkDetectorSpec(spectralResidualSpec, spectralResidualSpec.parse({ fftSize: 128, scoring: 'robust' }))).toEqual([]);
  });

  for (const averaging of ['trailing', 'centered'] as const) {
    it(`scores a spike after a constant window as derived by hand (${averaging} average)`, () => {
      const d = spectralResidualSpec.create(small(averaging));
      expect(feed(d, Array(26).fill(5)).every((s) => s === undefined)).toBe(true);
      const s = d.score(at(26, 7));
      const expected = constantSpikeRaw(32, 26, 21, 5, 2, averaging);
      expect(expected).toBeGreaterThan(1);
      expect(s?.raw).toBeCloseTo(expected, 9);
      expect(s?.expected).toBe(5);
      expect(s?.contributors).toEqual([{ name: 'spectral-residual', weight: s?.raw, expected: 5, actual: 7 }]);
      // A dip scores too (the saliency has no sign); the weight carries the sign.
      const dip = d.score(at(26, 3));
      const dipRaw = constantSpikeRaw(32, 26, 21, 5, -2, averaging);
      expect(dip?.raw).toBeCloseTo(dipRaw, 9);
      if (averaging === 'trailing') {
        expect(dipRaw).toBeGreaterThan(1);
        expect(dip?.contributors[0]?.weight).toBeCloseTo(-dipRaw, 9);
      } else expect(dipRaw).toBe(0); // the DC bin, boosted by the centered average, hides it
      // The constant itself is not salient at all.
      expect(d.score(at(26, 5))?.raw).toBeCloseTo(0, 9);
    });
  }

  it('scores a spike after an all-zero window at the 1e-6 floor, not 0', () => {
    const d = spectralResidualSpec.create(small('centered'));
    feed(d, Array(26).fill(0));
    // |X_k| = d for every k: the residual is 0, the saliency a unit impulse at the newest point.
    expect(d.score(at(26, 3))?.raw).toBeCloseTo(1e6 - 1, 3);
    expect(d.score(at(26, 0))?.raw).toBe(0);
  });

  it("gives a single spike in a noisy sine the highest score, well above the rest (defaults and the paper's q = 3)", () => {
    const paper = spectralResidualSpec.parse({ averaging: 'trailing', averagePoints: 3, scoreWindow: 21 });
    for (const [config, ratio, median] of [
      [spectralResidualSpec.defaults, 1.8, 0.05],
      [paper, 2.5, 0.5],
    ] as const) {
      const random = mulberry32(11);
      const values = Array.from(
        { length: 400 },
        (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 48) + (random() - 0.5) + (i === 300 ? 8 : 0),
      );
      const raws = feed(spectralResidualSpec.create(config), values).map((s) => s?.raw ?? Number.NaN);
      const spike = raws[300] as number;
      expect(spike).toBe(Math.max(...raws.filter((r) => !Number.isNaN(r))));
      // Away from the spike (its neighbours see it in their window), every score is far lower.
      const away = raws.filter((r, i) => !Number.isNaN(r) && Math.abs(i - 300) > 2).sort((a, b) => a - b);
      expect(spike).toBeGreaterThan(ratio * (away[away.length - 1] as number));
      expect(away[Math.floor(away.length / 2)]).toBeLessThan(median);
    }
  });

  it('does not depend on the unit: a series scaled by 1000 scores the same', () => {
    const series = checkSeries(5, 300).map((p) => p.v);
    const a = feed(spectralResidualSpec.create(spectralResidualSpec.defaults), series);
    const b = feed(
      spectralResidualSpec.create(spectralResidualSpec.defaults),
      series.map((v) => v * 1000),
    );
    for (let i = 0; i < a.length; i++) {
      if (a[i] === undefined) {
        expect(b[i]).toBeUndefined();
        continue;
      }
      expect(b[i]?.raw).toBeCloseTo(a[i]?.raw as number, 6);
      expect(b[i]?.expected).toBeCloseTo((a[i]?.expected as number) * 1000, 6);
    }
  });

  it('warms up until the window is full, takes the median of the window as expected, ignores NaN', () => {
    const d = spectralResidualSpec.create(small('trailing'));
    feed(d, [1, 2, Number.NaN, 3, Infinity]);
    expect(d.count).toBe(3);
    feed(
      d,
      Array.from({ length: 22 }, (_, i) => i + 4),
      5,
    );
    expect(d.count).toBe(25);
    expect(d.score(at(30, 10))).toBeUndefined();
    d.learn(at(30, 100));
    // Window: 1 … 25 and 100 (26 values): median (13 + 14) / 2.
    expect(d.score(at(31, 10))?.expected).toBe(13.5);
    expect(d.score(at(31, Number.NaN))).toBeUndefined();
  });

  it('restores bit for bit from JSON state, before and after the window fills', () => {
    const series = checkSeries(3, 1000).map((p) => p.v);
    for (const cut of [10, 500]) {
      const a = spectralResidualSpec.create(spectralResidualSpec.defaults);
      feed(a, series.slice(0, cut));
      const saved = JSON.parse(JSON.stringify(a.state()));
      const b = spectralResidualSpec.create(spectralResidualSpec.defaults, saved);
      const sa = feed(a, series.slice(cut), cut);
      const sb = feed(b, series.slice(cut), cut);
      expect(sa.filter((s) => s !== undefined).length).toBeGreaterThan(400);
      expect(sameScores(sa, sb)).toBe(true);
      expect(b.state()).toEqual(a.state());
    }
    const full = spectralResidualSpec.create(spectralResidualSpec.defaults);
    feed(full, series);
    expect((full.state().window as number[]).length).toBe(58);
    expect(JSON.stringify(full.state()).length).toBeLessThan(1500);
  });

  it('rejects bad configs and states, saying what was expected', () => {
    expect(() => spectralResidualSpec.parse({ fftSize: 100 })).toThrow('detector/spectral-residual: fftSize must be a power of two');
    expect(() => spectralResidualSpec.parse({ fftSize: 32, scoreWindow: 30 })).toThrow(
      'detector/spectral-residual: fftSize − extendPoints − 1 (the points learned in the window) must be ≥ scoreWindow and > slopePoints (got 32 − 5 − 1 = 26, scoreWindow 30, slopePoints 5)',
    );
    expect(() => spectralResidualSpec.parse({ averaging: 'centered', averagePoints: 4 })).toThrow('averagePoints must be odd');
    expect(() => spectralResidualSpec.parse({ scoring: 'max' })).toThrow(HomeostatError);
    const config = spectralResidualSpec.defaults;
    expect(() => spectralResidualSpec.create(config, { version: 2, n: 0, window: [] })).toThrow(
      'detector/spectral-residual: state has version 2 but this model reads version 1',
    );
    expect(() => spectralResidualSpec.create(config, { version: 1, n: 100, window: [1, 2] })).toThrow('was it saved with another fftSize');
    expect(() => spectralResidualSpec.create(config, { version: 1, n: 1, window: ['x'] })).toThrow(HomeostatError);
  });
});
