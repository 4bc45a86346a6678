import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import { fitPcaDetector, type PcaDetectorConfig, pcaDetectorSpec, symmetricEigen, trainThreshold } from './pca-detector.js';

/** 1.4826·MAD of 0..4 around its median 2 (MAD = 1). */
const S = 1.482602218505602;
/** a = b = i: one direction of variance; var(z) = 10/(4·S²) per column, λ = 2·var = 5/S². */
const TRAIN = [0, 1, 2, 3, 4].map((i) => [i, i]);

function config(overrides: Partial<PcaDetectorConfig> = {}): PcaDetectorConfig {
  return pcaDetectorSpec.parse({ smoothing: 1, ...overrides });
}

describe('symmetricEigen', () => {
  it('decomposes [[2, 1], [1, 2]] into 3 and 1 with (1, 1)/√2 first', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(vectors[0] as number)).toBeCloseTo(Math.SQRT1_2, 12);
    expect((vectors[0] as number) * (vectors[2] as number)).toBeCloseTo(0.5, 12);
  });
});

describe('fitPcaDetector', () => {
  it('fits median, MAD scale and one component for two equal columns (hand-checked)', () => {
    const d = fitPcaDetector(config(), ['a', 'b'], TRAIN);
    const st = d.state();
    expect(st.location).toEqual([2, 2]);
    expect(st.scale[0]).toBeCloseTo(S, 15);
    expect(d.components).toBe(1);
    expect(d.explained).toBe(1);
    expect(st.eigenvalues[0]).toBeCloseTo(5 / S ** 2, 12);
    expect(st.components[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(st.components[1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(st.mean[0]).toBeCloseTo(0, 15);
  });

  it('scores a row that breaks the correlation by its SPE, one on the subspace by t2Weight·T²', () => {
    const d = fitPcaDetector(config(), ['a', 'b'], TRAIN);
    // (3, 1): z = (1/S, −1/S), orthogonal to the component → SPE = 2/S², T² = 0.
    const off = d.score(0, [3, 1]);
    expect(off?.raw).toBeCloseTo(2 / S ** 2, 12);
    // (3, 3): on the component → SPE = 0, T² = (2/S²)/(5/S²) = 0.4, times the default weight 3.
    expect(d.score(0, [3, 3])?.raw).toBeCloseTo(1.2, 12);
    expect(d.instant([3, 3])).toBeCloseTo(1.2, 12);
    const plain = fitPcaDetector(config({ t2Weight: 0 }), ['a', 'b'], TRAIN);
    expect(plain.score(0, [3, 3])?.raw).toBeCloseTo(0, 12);
    expect(plain.score(0, [2, 2])?.raw).toBeCloseTo(0, 12);
  });

  it('lists contributors with signed z, reconstruction as expected and the actual value', () => {
    const d = fitPcaDetector(config(), ['a', 'b'], TRAIN);
    const s = d.score(0, [3, 1]);
    expect(s?.contributors.map((c) => c.name)).toEqual(['a', 'b']);
    expect(s?.contributors[0]?.weight).toBeCloseTo(1 / S, 12);
    expect(s?.contributors[1]?.weight).toBeCloseTo(-1 / S, 12);
    expect(s?.contributors[0]?.expected).toBeCloseTo(2, 12);
    expect(s?.actual).toBe(3);
    expect(s?.expected).toBeCloseTo(2, 12);
    // 'score' attribution: the SPE splits equally, shares 0.5 each.
    const byScore = fitPcaDetector(config({ attribution: 'score', maxContributors: 1 }), ['a', 'b'], TRAIN);
    const c = byScore.score(0, [3, 1])?.contributors;
    expect(c).toHaveLength(1);
    expect(c?.[0]?.weight).toBeCloseTo(0.5, 12);
  });

  it('keeps a column constant in training visible but bounded: floor 0.01 and clip 10', () => {
    const rows = [0, 1, 2, 3, 4].map((i) => [i, 0]);
    const d = fitPcaDetector(config({ t2Weight: 0 }), ['a', 'c'], rows);
    expect(d.state().scale[1]).toBe(0.01);
    const s = d.score(0, [2, 0.5]);
    // z_c = 0.5/0.01 = 50, clipped to 10 for the score; not in the component → SPE = 100.
    expect(s?.raw).toBeCloseTo(100, 9);
    expect(s?.contributors[0]).toEqual({ name: 'c', weight: 50, expected: 0, actual: 0.5 });
  });

  it('scores a non-finite cell as expected and leaves it out of the contributors', () => {
    const d = fitPcaDetector(config(), ['a', 'b'], TRAIN);
    // (NaN, 3): z = (0, 1/S); residual (−1, 1)/(2S) → SPE = 1/(2S²); T² = (1/(2S²))/(5/S²) = 0.1.
    const s = d.score(0, [Number.NaN, 3]);
    expect(s?.raw).toBeCloseTo(1 / (2 * S ** 2) + 3 * 0.1, 12);
    expect(s?.contributors.map((c) => c.name)).toEqual(['b']);
    expect(d.score(0, [Number.NaN, Number.POSITIVE_INFINITY])).toBeUndefined();
    expect(d.score(0, [1])).toBeUndefined();
    d.learn(0, [Number.NaN, Number.NaN]);
    expect(d.count).toBe(0);
  });

  it('ignores non-finite training cells: medians over finite values, z = 0 in the covariance', () => {
    const rows = [...TRAIN, [Number.NaN, Number.NaN]];
    const d = fitPcaDetector(config(), ['a', 'b'], rows);
    expect(d.state().location).toEqual([2, 2]);
    expect(d.state().scale[0]).toBeCloseTo(S, 15);
    // With a sixth row at z = 0 the variance is 10/(5·S²) per column: λ = 4/S².
    expect(d.state().eigenvalues[0]).toBeCloseTo(4 / S ** 2, 12);
  });

  it('smooths the score causally: score is pure, learn moves the EW average', () => {
    const d = fitPcaDetector(config({ smoothing: 0.5, t2Weight: 0 }), ['a', 'b'], TRAIN);
    const a = 2 / S ** 2;
    expect(d.score(0, [3, 1])?.raw).toBeCloseTo(a, 12);
    expect(d.score(0, [3, 1])?.raw).toBeCloseTo(a, 12);
    d.learn(0, [3, 1]);
    expect(d.count).toBe(1);
    // Rows on the subspace (instant 0) halve the average: a/2 scored, then a/4 after learning it.
    expect(d.score(1, [3, 3])?.raw).toBeCloseTo(a / 2, 12);
    d.learn(1, [3, 3]);
    expect(d.score(2, [3, 3])?.raw).toBeCloseTo(a / 4, 12);
  });

  it('rejects bad training input with what was expected and received', () => {
    const c = config();
    expect(() => fitPcaDetector(c, [], TRAIN)).toThrow(/metrics must be an array of 1 to 1000 names/);
    expect(() => fitPcaDetector(c, ['a', 'a'], TRAIN)).toThrow(/distinct non-empty strings \(got "a"\)/);
    expect(() => fitPcaDetector(c, ['a', 'b'], [[1, 2]])).toThrow(/at least 2 training rows \(got 1\)/);
    expect(() => fitPcaDetector(c, ['a', 'b'], [[1, 2], [1]])).toThrow(/training row 1 must hold 2 values/);
  });
});

describe('pcaDetectorSpec', () => {
  it('restores a fitted model from JSON bit for bit, also after learning', () => {
    const rows = Array.from({ length: 60 }, (_, i) => [Math.sin(i / 3), Math.cos(i / 5) + 0.1 * i, (i % 7) / 7]);
    const names = ['x', 'y', 'z'];
    const d = fitPcaDetector(pcaDetectorSpec.defaults, names, rows);
    for (const [i, r] of rows.slice(0, 10).entries()) d.learn(i, r);
    const copy = pcaDetectorSpec.create(pcaDetectorSpec.defaults, JSON.parse(JSON.stringify(d.state())));
    expect(copy.metrics).toEqual(names);
    const probe = [
      [0.3, 2, 0.9],
      [5, -1, 0],
      [Number.NaN, 0.5, 0.2],
    ];
    for (const [i, r] of probe.entries()) {
      expect(copy.score(i, r)).toEqual(d.score(i, r));
      copy.learn(i, r);
      d.learn(i, r);
    }
    expect(copy.state()).toEqual(d.state());
    expect(JSON.stringify(copy.state())).toBe(JSON.stringify(d.state()));
  });

  it('needs a fitted state and rejects a state that does not fit', () => {
    const c = pcaDetectorSpec.defaults;
    expect(() => pcaDetectorSpec.create(c)).toThrow(/needs the state of a fitted model/);
    const st = fitPcaDetector(config(), ['a', 'b'], TRAIN).state();
    expect(() => pcaDetectorSpec.create(c, { ...st, version: 2 })).toThrow(/version 2/);
    expect(() => pcaDetectorSpec.create(c, { ...st, scale: [1] })).toThrow(/scale has 1 entries/);
    expect(() => pcaDetectorSpec.create(c, { ...st, scale: [1, 0] })).toThrow(/a scale is not positive/);
    expect(() => pcaDetectorSpec.create(c, { ...st, metrics: 'a' })).toThrow(HomeostatError);
    expect(() => pcaDetectorSpec.create(c, { ...st, components: [1, 0, 0] })).toThrow(
      /components must be an array of at most 2 finite numbers/,
    );
  });

  it('parses configs strictly', () => {
    expect(pcaDetectorSpec.parse(undefined)).toEqual(pcaDetectorSpec.defaults);
    expect(pcaDetectorSpec.parse({ t2Weight: 0 }).t2Weight).toBe(0);
    expect(() => pcaDetectorSpec.parse({ alpha: 1 })).toThrow(/unknown key "alpha"/);
    expect(() => pcaDetectorSpec.parse({ varianceShare: 0 })).toThrow(/varianceShare must be a number in \(0, 1\]/);
    expect(() => pcaDetectorSpec.parse({ attribution: 'shap' })).toThrow(/one of "score", "deviation"/);
  });
});

describe('trainThreshold', () => {
  it('takes a quantile (linear interpolation) times the margin and skips non-finite scores', () => {
    const c = { ...pcaDetectorSpec.defaults, thresholdQuantile: 0.5, thresholdMargin: 2 };
    expect(trainThreshold([5, 1, Number.NaN, 3, 2, 4, undefined], c)).toBe(6);
    expect(trainThreshold([1, 2], { ...c, thresholdQuantile: 0.25, thresholdMargin: 1 })).toBe(1.25);
  });

  it('fits a GPD to the excesses with POT (method of moments, hand-checked)', () => {
    const scores = Array.from({ length: 100 }, (_, i) => i + 1);
    const c = { ...pcaDetectorSpec.defaults, thresholdMethod: 'pot' as const, thresholdQuantile: 0.9, thresholdRisk: 0.01 };
    // u = 90.1; excesses 0.9 … 9.9: mean 5.4, variance 8.25 → γ = −1.26727, σ = 12.24327;
    // risk·n/Nu = 0.1 → u + σ/γ·(0.1^−γ − 1) = 99.2390.
    expect(trainThreshold(scores, c)).toBeCloseTo(99.239017862, 6);
    expect(() => trainThreshold([Number.NaN], c)).toThrow(/at least one finite training score/);
  });
});
