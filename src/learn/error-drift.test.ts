import { describe, expect, it } from 'vitest';
import {
  Adwin,
  adwinDefaults,
  createErrorDetector,
  type ErrorDetector,
  type ErrorDetectorConfig,
  PageHinkley,
  pageHinkleyDefaults,
  parseErrorDetectorConfig,
} from './error-drift.js';

/** Tiny seeded generator (LCG, Numerical Recipes constants), uniform in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Alarms over `n` values of `gen`, and the index (1-based) of the first alarm after `shiftAt`. */
function run(d: ErrorDetector, n: number, shiftAt: number, gen: (shifted: boolean) => number): { before: number; delay: number } {
  let before = 0;
  let delay = -1;
  for (let i = 0; i < n; i++) {
    const drift = d.add(gen(i >= shiftAt)).drift;
    if (drift && i < shiftAt) before++;
    if (drift && i >= shiftAt && delay < 0) delay = i - shiftAt + 1;
  }
  return { before, delay };
}

describe('Adwin', () => {
  it('keeps an exponential histogram of bucket sums and squared deviations', () => {
    const d = new Adwin({ ...adwinDefaults, maxBuckets: 2, clock: 1000 });
    for (let x = 1; x <= 7; x++) d.add(x);
    // 1..7 with at most 2 buckets a size: [1+2+3+4] [5+6] [7]; M2 of 1..4 = 5, of 5,6 = 0.5.
    expect(d.state()).toEqual({
      version: 1,
      method: 'adwin',
      tick: 7,
      width: 7,
      total: 28,
      m2: 28,
      rowLengths: [1, 1, 1],
      sums: [7, 11, 10],
      m2s: [0, 0.5, 5],
    });
    expect(d.mean).toBe(4);
    expect(d.variance).toBe(4);
  });

  it('cuts where the exact ADWIN cuts (one value per bucket, test every value)', () => {
    const d = new Adwin({ ...adwinDefaults, maxBuckets: 1000, clock: 1 });
    const xs = [
      ...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0.1 : 0.3)),
      ...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0.9 : 0.7)),
    ];
    const results = xs.map((x) => d.add(x));
    // Brute force over all splits (an independent Python loop): first cut at index 74, split
    // n₀ = 40 (mean 0.2) / n₁ = 35 (mean 28.1/35), |μ₀ − μ₁| = 0.602857 > ε = 0.599091; only the
    // oldest value (0.1) is dropped, which leaves no significant split.
    expect(results.findIndex((r) => r.drift)).toBe(74);
    const r = results[74];
    expect(r?.n).toBe(74);
    expect(r?.before).toBeCloseTo(0.2, 12);
    expect(r?.after).toBeCloseTo(28.1 / 35, 12);
    expect(r?.mean).toBeCloseTo(0.4864864864864862, 12);
    expect(r?.statistic).toBeCloseTo(0.6028571428571424, 12);
    expect(r?.threshold).toBeCloseTo(0.5990907552714733, 12);
    expect(results.filter((x) => x.drift).length).toBe(6);
  });

  it('stays silent on 10,000 stationary values and finds a +0.3 shift within 48 values', () => {
    const noise = rng(1);
    const d = new Adwin(adwinDefaults);
    const { before, delay } = run(d, 12_000, 10_000, (shifted) => 0.4 * noise() + (shifted ? 0.3 : 0));
    expect(before).toBe(0);
    // Measured 48 on seeds 1-20: tests run every 32 values (10,016 and 10,048 after the shift).
    expect(delay).toBe(48);
    expect(d.mean).toBeGreaterThan(0.45);
  });

  it('finds a rise of a 0/1 mistake rate from 20 % to 50 % within 112 values', () => {
    const noise = rng(3);
    const d = new Adwin(adwinDefaults);
    const { before, delay } = run(d, 12_000, 10_000, (shifted) => (noise() < (shifted ? 0.5 : 0.2) ? 1 : 0));
    expect(before).toBe(0);
    // Measured 48-112 over seeds 1-20.
    expect(delay).toBeGreaterThanOrEqual(48);
    expect(delay).toBeLessThanOrEqual(112);
  });

  it('ignores non-finite values and forgets on reset', () => {
    const d = new Adwin(adwinDefaults);
    d.add(0.5);
    expect(d.add(Number.NaN)).toEqual({ drift: false, mean: 0.5, n: 1 });
    d.reset();
    expect(d.width).toBe(0);
    expect(d.state().tick).toBe(0);
  });
});

describe('PageHinkley', () => {
  it('accumulates deviations from the running mean (hand-checked)', () => {
    const d = new PageHinkley({ ...pageHinkleyDefaults, delta: 0, lambda: 1, minInstances: 1 });
    // Means 0, 0, 0, 0.25, 0.4; sums 0, 0, 0, 0.75, 1.35; the minimum 0 is last reached at the 3rd value.
    expect(d.add(0).statistic).toBe(0);
    expect(d.add(0).statistic).toBe(0);
    expect(d.add(0).statistic).toBe(0);
    expect(d.add(1)).toEqual({ drift: false, mean: 0.25, n: 4, statistic: 0.75, threshold: 1 });
    const r = d.add(1);
    expect(r.drift).toBe(true);
    expect(r.statistic).toBeCloseTo(1.35, 15);
    expect(r.before).toBeCloseTo(0.4, 15);
    expect(r.after).toBe(1);
    expect(r).toMatchObject({ mean: 1, n: 2, threshold: 1 });
    // It restarts after an alarm.
    expect(d.state()).toEqual({ version: 1, method: 'page-hinkley', n: 0, mean: 0, sum: 0, minSum: 0, sinceN: 0, sinceSum: 0 });
  });

  it('waits for minInstances and does not alarm on a decrease', () => {
    const d = new PageHinkley({ ...pageHinkleyDefaults, delta: 0, lambda: 1, minInstances: 10 });
    const results = [0, 0, 0, 5, 5].map((x) => d.add(x));
    expect(results.some((r) => r.drift)).toBe(false);
    const down = new PageHinkley({ ...pageHinkleyDefaults, delta: 0, lambda: 1, minInstances: 1 });
    expect([1, 1, 1, 0, 0, 0, 0, 0].map((x) => down.add(x).drift)).not.toContain(true);
  });

  it('stays silent on 10,000 stationary values and finds a +0.3 shift within 153-182 values', () => {
    const noise = rng(1);
    const d = new PageHinkley(pageHinkleyDefaults);
    const { before, delay } = run(d, 12_000, 10_000, (shifted) => 0.4 * noise() + (shifted ? 0.3 : 0));
    expect(before).toBe(0);
    // Measured 153-182 on seeds 1-20 (λ 50 over an excess of 0.3 − δ per value ≈ 170).
    expect(delay).toBeGreaterThanOrEqual(153);
    expect(delay).toBeLessThanOrEqual(182);
  });
});

describe('state and config', () => {
  const configs: ErrorDetectorConfig[] = [
    adwinDefaults,
    { ...adwinDefaults, clock: 1 },
    pageHinkleyDefaults,
    { ...pageHinkleyDefaults, alpha: 0.999, lambda: 5 },
  ];
  for (const config of configs) {
    it(`restores ${config.method} (${JSON.stringify(config)}) and gives identical outputs`, () => {
      const noise = rng(5);
      const a = createErrorDetector(config);
      for (let i = 0; i < 3000; i++) a.add(0.4 * noise() + (i > 2000 ? 0.3 : 0));
      const b = createErrorDetector(config, JSON.parse(JSON.stringify(a.state())));
      expect(b.state()).toEqual(a.state());
      let drifts = 0;
      for (let i = 0; i < 3000; i++) {
        const x = 0.4 * noise() + (i > 1000 ? 0.5 : 0);
        const ra = a.add(x);
        expect(b.add(x)).toEqual(ra);
        if (ra.drift) drifts++;
      }
      expect(drifts).toBeGreaterThan(0);
      expect(b.state()).toEqual(a.state());
    });
  }

  it('parses configs by method with clear errors', () => {
    expect(parseErrorDetectorConfig(undefined)).toEqual(adwinDefaults);
    expect(parseErrorDetectorConfig({ method: 'page-hinkley', lambda: 10 })).toEqual({ ...pageHinkleyDefaults, lambda: 10 });
    expect(() => parseErrorDetectorConfig({ method: 'cusum' })).toThrow(/method must be one of "adwin", "page-hinkley" \(got "cusum"\)/);
    expect(() => parseErrorDetectorConfig({ lambda: 10 })).toThrow(/adwin: unknown key "lambda"/);
    expect(() => parseErrorDetectorConfig({ delta: 2 })).toThrow(/delta must be a number in \(0, 1\) \(got 2\)/);
  });

  it('rejects a state of the other method or a broken layout', () => {
    const ph = new PageHinkley(pageHinkleyDefaults).state();
    expect(() => createErrorDetector(adwinDefaults, ph)).toThrow(/state is for method "page-hinkley", expected "adwin"/);
    const ad = new Adwin(adwinDefaults).state();
    expect(() => createErrorDetector(adwinDefaults, { ...ad, rowLengths: [2] })).toThrow(/rowLengths sum to 2 but sums holds 0/);
    expect(() => createErrorDetector(pageHinkleyDefaults, { ...ph, n: -1 })).toThrow(/state field n must be an integer ≥ 0 \(got -1\)/);
  });
});
