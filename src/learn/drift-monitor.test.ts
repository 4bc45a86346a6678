import { describe, expect, it } from 'vitest';
import { createDriftMonitor, type DriftMonitor, DriftMonitor as DriftMonitorClass, parseDriftMonitorConfig } from './drift-monitor.js';
import { adwinDefaults, pageHinkleyDefaults } from './error-drift.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** Tiny seeded generator (LCG, Numerical Recipes constants), uniform in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const config = parseDriftMonitorConfig({
  feature: { slotsPerDay: 1, dayTypes: 'all', minSlotPoints: 3, minPoints: 50, windowMs: 200 * MIN },
  error: { method: 'adwin', clock: 1 },
});

/** A monitor with feature `cpu` (reference: 200 uniform values, one a minute) and error stream `ape`. */
function setUp(noise: () => number): DriftMonitor {
  const m = createDriftMonitor('forecaster/holt-winters:cpu', config);
  for (let i = 0; i < 200; i++) m.feature('cpu').learnReference(T0 + i * MIN, noise());
  return m;
}

describe('DriftMonitor', () => {
  it('raises a drifted feature once, again after acknowledge, and not after rebase', () => {
    const noise = rng(1);
    const m = setUp(noise);
    for (let i = 0; i < 100; i++) m.feature('cpu').observe(T0 + (200 + i) * MIN, noise());
    expect(m.check(T0 + 300 * MIN)).toEqual([]);
    for (let i = 100; i < 200; i++) m.feature('cpu').observe(T0 + (200 + i) * MIN, 2 + noise());
    const at = T0 + 400 * MIN;
    const [finding, ...rest] = m.check(at);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      model: 'forecaster/holt-winters:cpu',
      signal: 'cpu',
      kind: 'feature',
      method: 'seasonal-psi-ks',
      since: at,
    });
    // The window is (now − 200 min, now]: the point at exactly now − 200 min is out.
    expect(finding?.statistics.n).toBe(199);
    expect(finding?.statistics.psi).toBeGreaterThan(0.25);
    expect(finding?.statistics.pValue).toBeLessThan(0.01);
    expect(finding?.explanation).toMatch(/^cpu: drift: PSI [\d.]+ ≥ 0\.25/);
    expect(m.raised).toEqual([{ signal: 'cpu', since: at }]);
    expect(m.check(at + MIN)).toEqual([]);
    expect(m.acknowledge('cpu')).toBe(true);
    expect(m.acknowledge('cpu')).toBe(false);
    expect(m.check(at + 2 * MIN).map((f) => f.signal)).toEqual(['cpu']);
    // The window fills with the new level; rebasing makes it the reference.
    for (let i = 0; i < 200; i++) m.feature('cpu').observe(at + (3 + i) * MIN, 2 + noise());
    m.rebase();
    expect(m.raised).toEqual([]);
    for (let i = 0; i < 200; i++) m.feature('cpu').observe(at + (203 + i) * MIN, 2 + noise());
    expect(m.check(at + 403 * MIN)).toEqual([]);
    expect(m.feature('cpu').check(at + 403 * MIN)).toMatchObject({ drifted: false, n: 199 });
  });

  it('raises an error-stream change at the next check with the time it happened', () => {
    const noise = rng(2);
    const m = setUp(noise);
    const ape = m.error('ape');
    let changedAt = -1;
    for (let i = 0; i < 400; i++) {
      const t = T0 + i * MIN;
      if (ape.add(0.2 * noise() + (i >= 300 ? 0.4 : 0), t).drift && changedAt < 0) changedAt = t;
    }
    expect(changedAt).toBeGreaterThan(T0 + 300 * MIN);
    const findings = m.check(T0 + 400 * MIN);
    expect(findings).toHaveLength(1);
    const f = findings[0];
    expect(f).toMatchObject({ signal: 'ape', kind: 'error', method: 'adwin', since: changedAt });
    expect(f?.statistics.before).toBeLessThan(0.2);
    expect(f?.statistics.after).toBeGreaterThan(0.2);
    expect(f?.statistics.statistic).toBeGreaterThan(f?.statistics.threshold ?? 1);
    expect(f?.explanation).toMatch(/^ape: the mean rose from 0\.\d+ to 0\.\d+ \(ADWIN: \|Δ\| [\d.]+ > ε [\d.]+; window now \d+ values\)$/);
    // Raised: a further change is not kept; after acknowledge a new change is raised again.
    for (let i = 0; i < 200; i++) ape.add(0.2 * noise() + 0.8, T0 + (400 + i) * MIN);
    expect(ape.pending).toBeUndefined();
    expect(m.check(T0 + 600 * MIN)).toEqual([]);
    m.acknowledge('ape');
    let again = -1;
    for (let i = 0; i < 300; i++) {
      const t = T0 + (600 + i) * MIN;
      if (ape.add(0.2 * noise(), t).drift && again < 0) again = t;
    }
    expect(m.check(T0 + 900 * MIN)).toMatchObject([{ signal: 'ape', since: again }]);
    expect(m.check(T0 + 900 * MIN)).toEqual([]);
  });

  it('uses the check time when no time came with the value, and Page-Hinkley when configured', () => {
    const m = createDriftMonitor('risk/failure', parseDriftMonitorConfig({ error: { method: 'page-hinkley', lambda: 5, delta: 0.01 } }));
    const e = m.error('mistakes');
    expect(e.detector.config).toEqual({ ...pageHinkleyDefaults, lambda: 5, delta: 0.01 });
    for (let i = 0; i < 40; i++) e.add(0);
    for (let i = 0; i < 20; i++) e.add(1);
    const [f] = m.check(12_345);
    expect(f).toMatchObject({ signal: 'mistakes', method: 'page-hinkley', since: 12_345 });
    expect(f?.explanation).toMatch(/^mistakes: the mean rose from 0\.\d+ to about 1\.00 \(Page-Hinkley: [\d.]+ > λ 5\.00\)$/);
  });

  it('restores from JSON state, raised signals and waiting changes included', () => {
    const noise = rng(3);
    const a = setUp(noise);
    a.error('ape', { ...adwinDefaults, clock: 1 });
    a.error('quiet');
    for (let i = 0; i < 200; i++) a.feature('cpu').observe(T0 + (200 + i) * MIN, 2 + noise());
    expect(a.check(T0 + 400 * MIN)).toHaveLength(1);
    for (let i = 0; i < 400; i++) a.error('ape').add(0.2 * noise() + (i >= 300 ? 0.5 : 0), T0 + i * MIN);
    expect(a.error('ape').pending).toBeDefined();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = createDriftMonitor(a.model, config, saved);
    expect(b.state()).toEqual(a.state());
    expect(b.signals).toEqual({ features: ['cpu'], errors: ['ape', 'quiet'] });
    expect(b.check(T0 + 401 * MIN)).toEqual(a.check(T0 + 401 * MIN));
    for (let i = 0; i < 300; i++) {
      const x = 0.2 * noise() + (i >= 150 ? 0 : 0.5);
      expect(b.error('ape').add(x, T0 + (400 + i) * MIN)).toEqual(a.error('ape').add(x, T0 + (400 + i) * MIN));
    }
    a.rebase('ape');
    b.rebase('ape');
    expect(b.state()).toEqual(a.state());
    expect(b.raised).toEqual([{ signal: 'cpu', since: T0 + 400 * MIN }]);
  });

  it('rejects clashing names, unknown signals, bad configs and foreign states', () => {
    const m = createDriftMonitor('m');
    m.feature('x');
    expect(() => m.error('x')).toThrow(/"x" already names a feature of m; signal names are shared/);
    expect(() => m.rebase('y')).toThrow(/m has no feature or error stream "y"/);
    expect(() => new DriftMonitorClass('')).toThrow(/model must be a non-empty string \(got ""\)/);
    expect(() => parseDriftMonitorConfig({ features: {} })).toThrow(/unknown key "features" \(expected one of: feature, error\)/);
    expect(() => parseDriftMonitorConfig({ error: { method: 'ddm' } })).toThrow(/method must be one of "adwin", "page-hinkley"/);
    expect(() => createDriftMonitor('other', config, m.state())).toThrow(/state is for model "m", not "other"/);
    expect(() => createDriftMonitor('m', config, { ...m.state(), raised: [{ signal: 'x', since: 'now' }] })).toThrow(
      /raised\[0\]\.since must be a finite number \(got "now"\)/,
    );
  });
});
