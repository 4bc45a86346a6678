import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import { type Cusum, cusumSpec } from './cusum.js';
import { checkDetectorSpec, checkSeries, mulberry32, sameScores } from './detector-contract.js';

const at = (i: number, v: number) => ({ t: 1_000_000 + i * 60_000, v });

function feed(d: Cusum, values: readonly number[], from = 0) {
  return values.map((v, i) => {
    const s = d.score(at(from + i, v));
    d.learn(at(from + i, v));
    return s;
  });
}

/** A baseline that barely moves (alpha 1e-6), so each step's increment can be checked by hand. */
const still = cusumSpec.parse({ alpha: 1e-6, drift: 0.5, clipZ: 4, resetAt: 9.9 });

describe('Cusum', () => {
  it('passes the generic detector checks with the defaults and another config', () => {
    expect(checkDetectorSpec(cusumSpec)).toEqual([]);
    expect(checkDetectorSpec(cusumSpec, still)).toEqual([]);
    expect(checkDetectorSpec(cusumSpec, cusumSpec.parse({ direction: 'down', resetAt: 5 }))).toEqual([]);
  });

  it('rises by (z − drift) per point on a clean step, then re-baselines to the new level (hand-checked)', () => {
    const d = cusumSpec.create(still);
    expect(feed(d, Array(30).fill(10)).every((s) => s === undefined)).toBe(true);
    expect(d.location).toBe(10);
    expect(d.scale).toBeCloseTo(0.1, 12); // relative floor 0.01·10 (mad is 0)
    // Step of 0.3 = 3 scale units: each point adds 3 − 0.5 = 2.5.
    const step = feed(d, [10.3, 10.3, 10.3], 30);
    expect(step.map((s) => s?.raw)).toEqual([expect.closeTo(2.5, 4), expect.closeTo(5, 4), expect.closeTo(7.5, 4)]);
    expect(step[0]?.contributors).toEqual([{ name: 'level-shift', weight: step[0]?.raw, expected: 10, actual: 10.3 }]);
    expect(d.statistics.up).toBeCloseTo(7.5, 4);
    // The fourth point takes S⁺ to 10 ≥ resetAt 9.9: the baseline jumps to the mean of the run.
    expect(d.score(at(33, 10.3))?.raw).toBeCloseTo(10, 4);
    d.learn(at(33, 10.3));
    expect(d.statistics).toEqual({ up: 0, down: 0 });
    expect(d.location).toBeCloseTo(10.3, 12);
    const after = d.score(at(34, 10.3));
    expect(after?.raw).toBe(0);
    expect(after?.expected).toBeCloseTo(10.3, 12);
  });

  it('gives a single spike at most clipZ − drift, decaying by drift per normal point', () => {
    const d = cusumSpec.create(still);
    feed(d, Array(30).fill(10));
    const s = feed(d, [100, 10, 10, 10, 10, 10, 10, 10, 10], 30).map((x) => x?.raw);
    expect(s[0]).toBeCloseTo(3.5, 5); // z = 900 clipped to 4, minus drift 0.5
    expect(s.slice(1)).toEqual([3, 2.5, 2, 1.5, 1, 0.5, 0, 0].map((v) => expect.closeTo(v, 4)));
  });

  it('scores a shift downward with a negative weight, and direction up ignores it', () => {
    const both = cusumSpec.create(still);
    const up = cusumSpec.create(cusumSpec.parse({ ...still, direction: 'up' }));
    feed(both, Array(30).fill(10));
    feed(up, Array(30).fill(10));
    const s = both.score(at(30, 9.7));
    expect(s?.raw).toBeCloseTo(2.5, 5);
    expect(s?.contributors[0]?.weight).toBeCloseTo(-2.5, 5);
    expect(up.score(at(30, 9.7))?.raw).toBe(0);
    expect(up.score(at(30, 10.3))?.raw).toBeCloseTo(2.5, 5);
  });

  it('with the defaults, scores a sustained 8σ shift high within a few points and a single spike low', () => {
    const random = mulberry32(5);
    const values = Array.from({ length: 400 }, (_, i) => 10 + 2 * (random() - 0.5) + (i === 200 ? 15 : 0) + (i >= 300 ? 5 : 0));
    const d = cusumSpec.create(cusumSpec.defaults);
    const raws = feed(d, values).map((s) => s?.raw ?? Number.NaN);
    // Uniform ±1 noise: σ ≈ 0.58 (scale ≈ 0.7), so both the spike and the shift clip at z = 6.
    expect(Math.max(...raws.slice(30, 200))).toBeLessThan(1);
    expect(raws[200]).toBeCloseTo(4, 9); // clipZ − drift
    expect(Math.max(...raws.slice(201, 300))).toBeLessThan(2);
    expect(raws.slice(300, 304)).toEqual([4, 8, 12, 16].map((v) => expect.closeTo(v, 9)));
    expect(Math.max(...raws.slice(300, 330))).toBeGreaterThan(20);
    // The baseline follows the new level (Huber steps and a growing scale): it scores low again.
    expect(Math.max(...raws.slice(330, 400))).toBeLessThan(4);
    expect(d.location).toBeCloseTo(15, 0);
  });

  it('ignores NaN and Infinity without throwing', () => {
    const d = cusumSpec.create(cusumSpec.parse({ warmupPoints: 2 }));
    feed(d, [5, Number.NaN, 5, Infinity, -Infinity]);
    expect(d.count).toBe(2);
    expect(d.location).toBe(5);
    expect(d.score(at(9, Number.NaN))).toBeUndefined();
  });

  it('restores bit for bit from JSON state, also in the middle of a run', () => {
    const series = checkSeries(3, 1000);
    const a = cusumSpec.create(cusumSpec.defaults);
    feed(
      a,
      series.slice(0, 500).map((p) => p.v),
    );
    feed(a, [200, 200], 500); // a run in progress: S⁺ and its sums are non-zero
    expect(a.statistics.up).toBeGreaterThan(0);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = cusumSpec.create(cusumSpec.defaults, saved);
    const rest = series.slice(502).map((p) => p.v);
    const sa = feed(a, rest, 502);
    const sb = feed(b, rest, 502);
    expect(sa.filter((s) => s !== undefined).length).toBeGreaterThan(400);
    expect(sameScores(sa, sb)).toBe(true);
    expect(b.state()).toEqual(a.state());
    expect(JSON.stringify(a.state()).length).toBeLessThan(300);
  });

  it('rejects bad configs and states, saying what was expected', () => {
    expect(() => cusumSpec.parse({ drift: 3, clipZ: 2 })).toThrow(
      'detector/cusum: clipZ must be greater than drift, or no shift could ever accumulate (got clipZ 2, drift 3)',
    );
    expect(() => cusumSpec.parse({ resetAt: 0 })).toThrow('detector/cusum: resetAt must be a number > 0 (got 0)');
    const good = cusumSpec.create(cusumSpec.defaults).state();
    expect(() => cusumSpec.create(cusumSpec.defaults, { ...good, version: 2 })).toThrow(
      'detector/cusum: state has version 2 but this model reads version 1',
    );
    expect(() => cusumSpec.create(cusumSpec.defaults, { ...good, up: -1 })).toThrow(HomeostatError);
    expect(() => cusumSpec.create(cusumSpec.defaults, { ...good, upCount: 1.5 })).toThrow('integer counts');
    expect(() => cusumSpec.create(cusumSpec.defaults, { ...good, downSum: 'x' })).toThrow(
      'detector/cusum: state field downSum must be a finite number (got "x")',
    );
  });
});
