import { describe, expect, it } from 'vitest';
import { checkDetectorSpec, mulberry32 } from './detector-contract.js';
import { ensembleDetectorSpec } from './ensemble-detector.js';
import { type LikelihoodConfig, likelihoodSpec } from './likelihood.js';

const small: LikelihoodConfig = likelihoodSpec.parse({ averagePoints: 3, historyPoints: 50, learnPoints: 20 });

/** n one-minute points of noise around 10 (seeded), with `bump` added on [from, to). */
function series(n: number, seed: number, from = -1, to = -1, bump = 0): { t: number; v: number }[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({ t: i * 60_000, v: 10 + random() - 0.5 + (i >= from && i < to ? bump : 0) }));
}

describe('detector/likelihood', () => {
  it('honours the detector contract', () => {
    expect(checkDetectorSpec(likelihoodSpec)).toEqual([]);
    expect(checkDetectorSpec(likelihoodSpec, small)).toEqual([]);
  });

  it('is the one-sided z of the mean of the last log(1 + raw) scores against their EW history, as written out by hand', () => {
    const base = ensembleDetectorSpec.create(small.base);
    const d = likelihoodSpec.create(small);
    const xs: number[] = [];
    let n = 0;
    let mean = 0;
    let variance = 0;
    const rate = 2 / (50 + 1);
    for (const p of series(300, 3, 250, 260, 5)) {
      const b = base.score(p);
      const x = b === undefined ? 0 : Math.log1p(b.raw);
      const window = [...xs.slice(-2), x];
      const m = window.reduce((a, c) => a + c, 0) / window.length;
      const s = d.score(p);
      if (n < 20) expect(s).toBeUndefined();
      else {
        const z = (m - mean) / Math.max(Math.sqrt(variance), 0.01);
        expect(s?.raw).toBeCloseTo(Math.max(z, 0), 10);
        expect(s?.contributors[0]).toMatchObject({ name: 'likelihood' });
      }
      d.learn(p);
      base.learn(p);
      xs.push(x);
      if (b !== undefined) {
        n++;
        const a = Math.max(rate, 1 / n);
        const dev = m - mean;
        mean += a * dev;
        variance = (1 - a) * (variance + a * dev * dev);
      }
    }
  });

  it('scores a sustained shift well above an isolated spike of the same size', () => {
    const averaged = { ...small, averagePoints: 10 };
    const peak = (points: { t: number; v: number }[]): number => {
      const d = likelihoodSpec.create(averaged);
      let best = 0;
      for (const p of points) {
        best = Math.max(best, d.score(p)?.raw ?? 0);
        d.learn(p);
      }
      return best;
    };
    const shift = peak(series(400, 5, 300, 320, 6));
    const spike = peak(series(400, 5, 300, 301, 6));
    const quiet = peak(series(400, 5));
    expect(shift).toBeGreaterThan(4);
    expect(shift).toBeGreaterThan(1.5 * spike);
    expect(spike).toBeGreaterThanOrEqual(quiet); // the average dilutes a single spike to about the noise level
  });

  it('restores mid-stream bit for bit and rejects bad states and configs', () => {
    const points = series(200, 7, 150, 160, 4);
    const a = likelihoodSpec.create(small);
    for (const p of points.slice(0, 120)) a.learn(p);
    const b = likelihoodSpec.create(small, JSON.parse(JSON.stringify(a.state())));
    for (const p of points.slice(120)) {
      expect(b.score(p)).toEqual(a.score(p));
      a.learn(p);
      b.learn(p);
    }
    expect(b.state()).toEqual(a.state());
    expect(() => likelihoodSpec.create(small, { ...a.state(), variance: -1 })).toThrow(/variance must be ≥ 0 \(got -1\)/);
    expect(() => likelihoodSpec.create(small, { ...a.state(), base: 3 })).toThrow(/base must be the ensemble's state/);
    expect(() => likelihoodSpec.parse({ averagePoints: 0 })).toThrow(/averagePoints/);
    expect(() => likelihoodSpec.parse({ base: { combine: 'median' } })).toThrow(/combine/);
    expect(() => likelihoodSpec.parse({ windows: 3 })).toThrow(/windows/);
  });

  it('keeps a small state at its defaults', () => {
    const d = likelihoodSpec.create(likelihoodSpec.defaults);
    for (const p of series(3000, 9)) d.learn(p);
    expect(JSON.stringify(d.state()).length).toBeLessThan(4096);
  });
});
