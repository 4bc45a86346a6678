import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import { Rng, mixSeed, poissonInverse } from './rng.js';

describe('Rng', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
  });

  it('restores from its JSON state and continues identically, spare normal included', () => {
    const a = new Rng(7);
    a.uniform();
    a.normal();
    const saved = JSON.parse(JSON.stringify(a.state()));
    expect(saved.spare).not.toBeNull();
    const b = Rng.fromState(saved);
    expect([b.normal(), b.uniform(), b.int(1, 6)]).toEqual([a.normal(), a.uniform(), a.int(1, 6)]);
  });

  it('draws uniforms in range with mean near 1/2 and normals with mean 0, sd 1', () => {
    const r = new Rng(1);
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < 20_000; i++) {
      const u = r.uniform();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < 20_000; i++) {
      const z = r.normal(10, 2);
      s1 += z;
      s2 += z * z;
    }
    const mean = s1 / 20_000;
    expect(mean).toBeCloseTo(10, 1);
    expect(Math.sqrt(s2 / 20_000 - mean * mean)).toBeCloseTo(2, 1);
  });

  it('draws integers over the whole inclusive range, picks, and exponentials with the given mean', () => {
    const r = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(r.int(1, 6));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(['a', 'b', 'c']).toContain(r.pick(['a', 'b', 'c']));
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += r.exponential(5);
    expect(sum / 20_000).toBeGreaterThan(4.8);
    expect(sum / 20_000).toBeLessThan(5.2);
  });

  it('inverts the Poisson CDF with one uniform (hand-checked for λ = 2)', () => {
    expect(poissonInverse(0.1, 2)).toBe(0);
    expect(poissonInverse(0.3, 2)).toBe(1);
    expect(poissonInverse(0.5, 2)).toBe(2);
    expect(poissonInverse(0.99, 0)).toBe(0);
  });

  it('mixes seeds into distinct streams', () => {
    expect(mixSeed(1, 0)).toBe(mixSeed(1, 0));
    expect(new Set([mixSeed(1, 0), mixSeed(1, 1), mixSeed(2, 0)]).size).toBe(3);
  });

  it('rejects bad seeds, ranges, empty picks and bad state with invalid_argument', () => {
    expect(() => new Rng(1.5)).toThrow(/safe integer \(got 1.5\)/);
    expect(() => new Rng(1).int(5, 1)).toThrow(HomeostatError);
    expect(() => new Rng(1).pick([])).toThrow(/non-empty/);
    expect(() => new Rng(1).exponential(0)).toThrow(/mean > 0/);
    expect(() => Rng.fromState({ s: [1, 2, 3] as unknown as [number, number, number, number], spare: null })).toThrow(/four unsigned/);
  });
});
