import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import type { Point } from '../telemetry/types.js';
import type { Detector, DetectorScore } from './contract.js';
import { checkDetectorSpec, checkSeries, sameScores } from './detector-contract.js';
import { ensembleDetectorSpec } from './ensemble-detector.js';
import { forecastResidualSpec } from './forecast-residual.js';
import { robustZSpec } from './robust-z.js';

const at = (i: number, v: number): Point => ({ t: 1_000_000 + i * 60_000, v });
/** Φ⁻¹(0.95): the ensemble's unit at the default tailQuantile 0.9. */
const Z90 = 1.6448536269514722;

function feed(d: Detector, values: readonly number[], from = 0): (DetectorScore | undefined)[] {
  return values.map((v, i) => {
    const s = d.score(at(from + i, v));
    d.learn(at(from + i, v));
    return s;
  });
}

describe('EnsembleDetector', () => {
  it('passes the generic detector checks, by max and by mean', () => {
    expect(checkDetectorSpec(ensembleDetectorSpec)).toEqual([]);
    expect(checkDetectorSpec(ensembleDetectorSpec, ensembleDetectorSpec.parse({ combine: 'mean' }))).toEqual([]);
  });

  it('defaults to robust-z, forecast-residual and a 48-slot seasonal baseline', () => {
    const config = ensembleDetectorSpec.defaults;
    expect(Object.keys(config.members)).toEqual(['robust-z', 'forecast-residual', 'seasonal-robust']);
    expect(config.members['seasonal-robust']?.slots).toBe(48);
    expect(config.combine).toBe('max');
    expect(ensembleDetectorSpec.create(config).memberNames).toEqual(['robust-z', 'forecast-residual', 'seasonal-robust']);
  });

  it('with one member, scores z_τ·raw/q with q starting at z_τ: the member raw itself (hand-checked)', () => {
    const config = ensembleDetectorSpec.parse({ members: { 'robust-z': {} } });
    const d = ensembleDetectorSpec.create(config);
    const z = robustZSpec.create(robustZSpec.defaults);
    const values = Array(30).fill(10);
    feed(d, values);
    feed(z, values);
    expect(d.tails[0]).toBeCloseTo(Z90, 8); // Acklam's Φ⁻¹: relative error < 1.2e-9
    const s = d.score(at(30, 12));
    expect(s?.raw).toBeCloseTo(z.score(at(30, 12))?.raw as number, 12);
    expect(s?.raw).toBeCloseTo(20, 10);
    expect(s?.expected).toBe(10);
    expect(s?.contributors).toEqual([{ name: 'robust-z', weight: s?.raw, expected: 10, actual: 12 }]);
  });

  it('tracks each member tail quantile: ×e^{ητ} above it, ×e^{−η(1−τ)} below, floored at minTail (hand-checked)', () => {
    const config = ensembleDetectorSpec.parse({ members: { 'robust-z': { warmupPoints: 1 } }, tailRate: 0.1, tailQuantile: 0.9 });
    const d = ensembleDetectorSpec.create(config);
    d.learn(at(0, 10)); // unscored: tail unchanged
    expect(d.tails[0]).toBeCloseTo(Z90, 8); // Acklam's Φ⁻¹: relative error < 1.2e-9
    d.learn(at(1, 10)); // raw 0 < q → q·e^{−0.01}
    expect(d.tails[0]).toBeCloseTo(Z90 * Math.exp(-0.01), 8);
    d.learn(at(2, 1000)); // raw huge > q → q·e^{0.09}
    expect(d.tails[0]).toBeCloseTo(Z90 * Math.exp(-0.01 + 0.09), 8);
    const floored = ensembleDetectorSpec.create(
      ensembleDetectorSpec.parse({ members: { 'robust-z': { warmupPoints: 1 } }, tailRate: 0.9, minTail: 1.5 }),
    );
    floored.learn(at(0, 10));
    for (let i = 1; i < 20; i++) floored.learn(at(i, 10));
    expect(floored.tails[0]).toBe(1.5);
  });

  it('takes the max of normalised members and names the member that fired, with its expected value', () => {
    // A smooth slow wave: a jump inside the range fires the forecast residual, not the robust z.
    const wave = (i: number) => 100 + 50 * Math.sin((2 * Math.PI * i) / 600) + (i % 2 === 0 ? 0.2 : -0.2);
    const config = ensembleDetectorSpec.parse({ members: { 'robust-z': {}, 'forecast-residual': {} } });
    const d = ensembleDetectorSpec.create(config);
    feed(
      d,
      Array.from({ length: 1350 }, (_, i) => wave(i)),
    );
    const spike = at(1350, wave(1350) + 30);
    const s = d.score(spike);
    expect(s?.contributors.map((c) => c.name)).toEqual(['forecast-residual', 'robust-z']);
    const [fr, rz] = s?.contributors ?? [];
    expect(s?.raw).toBe(fr?.weight);
    expect(fr?.weight).toBeGreaterThan(5 * (rz?.weight as number));
    expect(s?.expected).toBe(fr?.expected);
    expect(Math.abs((s?.expected as number) - wave(1350))).toBeLessThan(2);
    const mean = ensembleDetectorSpec.create({ ...config, combine: 'mean' }, JSON.parse(JSON.stringify(d.state())));
    expect(mean.score(spike)?.raw).toBeCloseTo(((fr?.weight as number) + (rz?.weight as number)) / 2, 10);
  });

  it('learns the same whether or not score was called first (the score cache is only a shortcut)', () => {
    const series = checkSeries(11, 600);
    const a = ensembleDetectorSpec.create(ensembleDetectorSpec.defaults);
    const b = ensembleDetectorSpec.create(ensembleDetectorSpec.defaults);
    for (const p of series) {
      a.score(p);
      a.score({ t: p.t, v: p.v + 1 });
      a.learn(p);
      b.learn(p);
    }
    expect(JSON.stringify(a.state())).toBe(JSON.stringify(b.state()));
  });

  it('restores bit for bit, keeps its JSON state under 4 KB, and rejects mismatched states', () => {
    const series = checkSeries(5, 2000);
    const a = ensembleDetectorSpec.create(ensembleDetectorSpec.defaults);
    const run = (d: Detector, points: readonly Point[]) =>
      points.map((p) => {
        const s = d.score(p);
        d.learn(p);
        return s;
      });
    run(a, series.slice(0, 1000));
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = ensembleDetectorSpec.create(ensembleDetectorSpec.defaults, saved);
    expect(sameScores(run(a, series.slice(1000)), run(b, series.slice(1000)))).toBe(true);
    expect(JSON.stringify(a.state()).length).toBeLessThan(4096);
    const rzOnly = ensembleDetectorSpec.parse({ members: { 'robust-z': {} } });
    expect(() => ensembleDetectorSpec.create(rzOnly, saved)).toThrow(
      'detector/ensemble: state field tails must hold 1 positive numbers, one per member',
    );
    expect(() => ensembleDetectorSpec.create(ensembleDetectorSpec.defaults, { ...saved, tails: [1, 1, 0] })).toThrow(HomeostatError);
    const { 'seasonal-robust': _, ...twoMembers } = saved.members;
    expect(() => ensembleDetectorSpec.create(ensembleDetectorSpec.defaults, { ...saved, members: twoMembers })).toThrow(
      'detector/ensemble: state holds members robust-z, forecast-residual but this config has robust-z, forecast-residual, seasonal-robust',
    );
  });

  it('parses members through their own specs and rejects bad configs, saying what was expected', () => {
    const c = ensembleDetectorSpec.parse({ members: { 'forecast-residual': { alpha: 0.3 }, 'robust-z': {} } });
    expect(Object.keys(c.members)).toEqual(['robust-z', 'forecast-residual']);
    expect(c.members['forecast-residual']).toEqual({ ...forecastResidualSpec.defaults, alpha: 0.3 });
    expect(ensembleDetectorSpec.parse({ members: { 'seasonal-robust': {} } }).members['seasonal-robust']?.slots).toBe(48);
    expect(() => ensembleDetectorSpec.parse({ members: { isolation: {} } })).toThrow(
      'detector/ensemble: unknown member "isolation" (expected one of: robust-z, forecast-residual, seasonal-robust)',
    );
    expect(() => ensembleDetectorSpec.parse({ members: {} })).toThrow('detector/ensemble: members must hold at least one');
    expect(() => ensembleDetectorSpec.parse({ members: { 'robust-z': true } })).toThrow('member robust-z must be a config object');
    expect(() => ensembleDetectorSpec.parse({ members: { 'robust-z': { alpha: 2 } } })).toThrow(
      'detector/robust-z: alpha must be a number in (0, 1) (got 2)',
    );
    expect(() => ensembleDetectorSpec.parse({ combine: 'median' })).toThrow('detector/ensemble: combine must be one of "max", "mean"');
  });
});
