import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import { checkSeries, sameScores } from './detector-contract.js';
import { type RobustZ, robustZSpec } from './robust-z.js';

const at = (i: number, v: number) => ({ t: 1_000_000 + i * 60_000, v });

function feed(d: RobustZ, values: readonly number[], from = 0) {
  return values.map((v, i) => {
    const s = d.score(at(from + i, v));
    d.learn(at(from + i, v));
    return s;
  });
}

describe('RobustZ', () => {
  it('scores a spike after a constant series high, with the constant as expected', () => {
    const d = robustZSpec.create(robustZSpec.defaults);
    feed(d, Array(40).fill(10));
    expect(d.location).toBe(10);
    expect(d.scale).toBeCloseTo(0.1, 12); // relative floor: 0.01 · |10|
    const s = d.score(at(40, 12));
    expect(s?.raw).toBeCloseTo(20, 10);
    expect(s?.raw).toBeGreaterThan(10);
    expect(s?.expected).toBe(10);
    expect(s?.actual).toBe(12);
    expect(s?.contributors).toEqual([{ name: 'deviation', weight: s?.raw, expected: 10, actual: 12 }]);
    expect(d.score(at(40, 10))?.raw).toBe(0);
  });

  it('returns undefined during warm-up and follows running means there (hand-checked)', () => {
    const d = robustZSpec.create(robustZSpec.parse({ warmupPoints: 3 }));
    expect(feed(d, [1, 2])).toEqual([undefined, undefined]);
    expect(d.score(at(2, 3))).toBeUndefined();
    d.learn(at(2, 3));
    // n=2: m = 1.5, mad = 0.5; n=3: rate 1/3, d = 1.5 → m = 2, mad = 0.5 + (1.5 − 0.5)/3.
    expect(d.location).toBe(2);
    const mad = 0.5 + 1 / 3;
    expect(d.scale).toBeCloseTo(mad * Math.sqrt(Math.PI / 2), 12);
    expect(d.score(at(3, 4))?.raw).toBeCloseTo(2 / (mad * Math.sqrt(Math.PI / 2)), 12);
    expect(d.count).toBe(3);
  });

  it('is not dragged by a spike: the baseline moves by at most alpha·k·scale', () => {
    const d = robustZSpec.create(robustZSpec.defaults);
    feed(
      d,
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 9.9 : 10.1)),
    );
    const before = d.location;
    const limit = 0.01 * 3 * d.scale;
    d.learn(at(200, 1000));
    expect(Math.abs(d.location - before)).toBeLessThanOrEqual(limit + 1e-12);
    expect(Math.abs(d.location - before)).toBeLessThan(0.01);
    expect(d.score(at(201, 10.1))?.raw).toBeLessThan(2);
  });

  it('floors the scale of a flat zero series with minScaleAbs', () => {
    const d = robustZSpec.create(robustZSpec.defaults);
    feed(d, Array(30).fill(0));
    expect(d.scale).toBe(1e-3);
    expect(d.score(at(30, 0.05))?.raw).toBeCloseTo(50, 9);
  });

  it('keeps a direction: up ignores drops, down ignores rises, the weight keeps the sign', () => {
    const up = robustZSpec.create(robustZSpec.parse({ direction: 'up' }));
    const down = robustZSpec.create(robustZSpec.parse({ direction: 'down' }));
    feed(up, Array(30).fill(10));
    feed(down, Array(30).fill(10));
    expect(up.score(at(30, 8))?.raw).toBe(0);
    expect(up.score(at(30, 8))?.contributors[0]?.weight).toBeCloseTo(-20, 9);
    expect(up.score(at(30, 12))?.raw).toBeCloseTo(20, 9);
    expect(down.score(at(30, 8))?.raw).toBeCloseTo(20, 9);
    expect(down.score(at(30, 12))?.raw).toBe(0);
  });

  it('ignores NaN and Infinity without throwing', () => {
    const d = robustZSpec.create(robustZSpec.parse({ warmupPoints: 2 }));
    feed(d, [5, Number.NaN, 5, Infinity, -Infinity]);
    expect(d.count).toBe(2);
    expect(d.location).toBe(5);
    expect(d.score(at(9, Number.NaN))).toBeUndefined();
  });

  it('restores bit for bit from JSON state: 500 points, save, 500 more to both', () => {
    const series = checkSeries(3, 1000);
    const a = robustZSpec.create(robustZSpec.defaults);
    feed(
      a,
      series.slice(0, 500).map((p) => p.v),
    );
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = robustZSpec.create(robustZSpec.defaults, saved);
    const rest = series.slice(500).map((p) => p.v);
    const sa = feed(a, rest, 500);
    const sb = feed(b, rest, 500);
    expect(sa.filter((s) => s !== undefined).length).toBeGreaterThan(400);
    expect(sameScores(sa, sb)).toBe(true);
    expect(b.state()).toEqual(a.state());
    expect(JSON.stringify(a.state()).length).toBeLessThan(200);
  });

  it('restores bit for bit even when the series starts at −0', () => {
    const a = robustZSpec.create(robustZSpec.parse({ warmupPoints: 1 }));
    a.learn(at(0, -0));
    const b = robustZSpec.create(robustZSpec.parse({ warmupPoints: 1 }), JSON.parse(JSON.stringify(a.state())));
    expect(Object.is(a.score(at(1, 1))?.expected, b.score(at(1, 1))?.expected)).toBe(true);
  });

  it('rejects a state of another version or with bad fields', () => {
    const config = robustZSpec.defaults;
    expect(() => robustZSpec.create(config, { version: 2, n: 1, location: 0, mad: 0 })).toThrow(
      'detector/robust-z: state has version 2 but this model reads version 1',
    );
    expect(() => robustZSpec.create(config, { version: 1, n: 1, location: null, mad: 0 })).toThrow(HomeostatError);
    expect(() => robustZSpec.parse({ alpha: 'x' })).toThrow('detector/robust-z: alpha must be a number in (0, 1) (got "x")');
  });
});
