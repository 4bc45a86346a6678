import { describe, expect, it } from 'vitest';
import { PSI_EPSILON } from './drift-stats.js';
import {
  createSeasonalDriftMonitor,
  parseSeasonalDriftConfig,
  type SeasonalDriftConfig,
  seasonalDriftDefaults,
  seasonSlot,
} from './seasonal-drift.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2024-01-01 00:00 UTC. */
const MONDAY = Date.UTC(2024, 0, 1);

/** Tiny seeded generator (LCG, Numerical Recipes constants), uniform in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A load with a daily cycle (peak at 14:00), weekends at 60 %, and ±2 % noise; every 5 minutes. */
function load(t: number, noise: () => number, factor = 1): number {
  const hour = (((t % DAY) + DAY) % DAY) / HOUR;
  const dow = new Date(t).getUTCDay();
  const weekend = dow === 0 || dow === 6 ? 0.6 : 1;
  return factor * weekend * (100 + 50 * Math.sin(((hour - 8) / 24) * 2 * Math.PI)) * (1 + 0.04 * (noise() - 0.5));
}

function config(over: Partial<SeasonalDriftConfig>): SeasonalDriftConfig {
  return parseSeasonalDriftConfig(over);
}

describe('seasonSlot', () => {
  it('crosses the hour of the local day with the day type', () => {
    expect(seasonSlot(seasonalDriftDefaults, 0)).toBe(0); // Thursday 00:00 UTC, weekday
    expect(seasonSlot(seasonalDriftDefaults, Date.UTC(2024, 0, 6, 13, 30))).toBe(24 + 13); // Saturday
    expect(seasonSlot(seasonalDriftDefaults, Date.UTC(2024, 0, 5, 23, 30))).toBe(23); // Friday
    // One hour east of UTC, Friday 23:30 UTC is Saturday 00:30.
    expect(seasonSlot({ ...seasonalDriftDefaults, utcOffsetMs: HOUR }, Date.UTC(2024, 0, 5, 23, 30))).toBe(24);
    expect(seasonSlot({ ...seasonalDriftDefaults, dayTypes: 'day-of-week' }, Date.UTC(2024, 0, 8, 10))).toBe(24 + 10); // Monday
    expect(seasonSlot({ ...seasonalDriftDefaults, dayTypes: 'day-of-week' }, Date.UTC(2024, 0, 7, 10))).toBe(10); // Sunday
    expect(seasonSlot({ ...seasonalDriftDefaults, dayTypes: 'all', slotsPerDay: 4 }, Date.UTC(2024, 0, 7, 17, 59))).toBe(2);
    // Before 1970: Wednesday 1969-12-31 12:00 is a weekday.
    expect(seasonSlot(seasonalDriftDefaults, Date.UTC(1969, 11, 31, 12))).toBe(12);
  });
});

describe('SeasonalDriftMonitor', () => {
  it('normalises by the median and MAD of the same slot (hand-checked)', () => {
    const m = createSeasonalDriftMonitor(config({ slotsPerDay: 2, dayTypes: 'all', minSlotPoints: 3, minPoints: 2, bins: 2 }));
    for (const [h, v] of [
      [1, 10],
      [2, 11],
      [3, 12],
      [13, 20],
      [14, 22],
      [15, 24],
    ] as const) {
      m.learnReference(MONDAY + h * HOUR, v);
    }
    // Slot 0: median 11, MAD 1; slot 1: median 22, MAD 2. Window z: 0, 2/(1.4826·1), 0, 4/(1.4826·2).
    for (const [h, v] of [
      [DAY + 1 * HOUR, 11],
      [DAY + 2 * HOUR, 13],
      [DAY + 13 * HOUR, 22],
      [DAY + 14 * HOUR, 26],
    ] as const) {
      m.observe(MONDAY + h, v);
    }
    const v = m.check(MONDAY + 2 * DAY);
    // Reference z: ±0.6745 (2 each) and 0 (2): edge at 0 → 2/6 below, 4/6 above; window 0/4 below, 4/4 above.
    const expectedPsi = (PSI_EPSILON - 1 / 3) * Math.log(PSI_EPSILON * 3) + (1 - 2 / 3) * Math.log(1.5);
    expect(v.n).toBe(4);
    expect(v.unmatched).toBe(0);
    expect(v.psi).toBeCloseTo(expectedPsi, 12);
    expect(v.psi).toBeCloseTo(2.838253, 5);
    expect(v.ks).toBe(0.5);
    expect(v.shift).toBeCloseTo(1 / 1.482602218505602, 12);
    // KS p for D = 0.5, n = 6, m = 4 is large: no drift although PSI is high.
    expect(v.pValue).toBeGreaterThan(0.3);
    expect(v.drifted).toBe(false);
    expect(v.explanation).toMatch(/^no drift: PSI 2\.8 ≥ 0\.25, KS D 0\.50 \(p 0\.\d+ ≥ 0\.01\) on 4 points/);
  });

  it('normalises each reference day by the median of the other days (leave one day out)', () => {
    const m = createSeasonalDriftMonitor(config({ slotsPerDay: 1, dayTypes: 'all', minSlotPoints: 2, minPoints: 1, bins: 2 }));
    m.learnReference(MONDAY + HOUR, 10);
    m.learnReference(MONDAY + 2 * HOUR, 12);
    m.learnReference(MONDAY + DAY + HOUR, 20);
    m.learnReference(MONDAY + DAY + 2 * HOUR, 22);
    m.observe(MONDAY + 2 * DAY + HOUR, 16);
    m.observe(MONDAY + 2 * DAY + 2 * HOUR, 26);
    // Full slot: median 16, MAD 5, scale σ = 1.4826·5. Reference z: day 0 against the median 21 of
    // day 1, day 1 against 11: (−11, −9, 9, 11)/σ. Window z against the full median: (0, 10)/σ.
    const v = m.check(MONDAY + 3 * DAY);
    const sigma = 1.482602218505602 * 5;
    expect(v.n).toBe(2);
    expect(v.psi).toBe(0); // edge at 9/σ: 2/4 and 2/4 in the reference, 1/2 and 1/2 in the window
    expect(v.ks).toBe(0.5); // at −9/σ: reference 2/4, window 0
    expect(v.shift).toBeCloseTo(5 / sigma, 12);
    expect(v.spreadRatio).toBeCloseTo(0.5, 12); // MAD 5/σ in the window, 10/σ in the reference
  });

  it('does not call a weekly pattern drift, but does flag a +30 % level from a point on', () => {
    const noise = rng(7);
    const m = createSeasonalDriftMonitor(seasonalDriftDefaults);
    const naive = createSeasonalDriftMonitor(config({ slotsPerDay: 1, dayTypes: 'all' }));
    for (let t = MONDAY; t < MONDAY + 7 * DAY; t += 300_000) {
      const v = load(t, noise);
      m.learnReference(t, v);
      naive.learnReference(t, v);
    }
    // The next Monday, same pattern.
    const nextMonday = MONDAY + 7 * DAY;
    for (let t = nextMonday; t < nextMonday + DAY; t += 300_000) {
      const v = load(t, noise);
      m.observe(t, v);
      naive.observe(t, v);
    }
    const same = m.check(nextMonday + DAY - 1);
    expect(same.n).toBe(288);
    expect(same.drifted).toBe(false);
    expect(same.psi).toBeLessThan(0.25);
    // Without slots the Monday is compared with a whole week (weekends lower, nights lower): drift.
    const naiveSame = naive.check(nextMonday + DAY - 1);
    expect(naiveSame.drifted).toBe(true);
    expect(naiveSame.shift).toBeGreaterThan(0);

    const tuesday = nextMonday + DAY;
    for (let t = tuesday; t < tuesday + DAY; t += 300_000) m.observe(t, load(t, noise, 1.3));
    const shifted = m.check(tuesday + DAY - 1);
    expect(shifted.n).toBe(288);
    expect(shifted.drifted).toBe(true);
    expect(shifted.psi).toBeGreaterThan(1);
    expect(shifted.pValue).toBeLessThan(1e-10);
    expect(shifted.shift).toBeGreaterThan(3);
    expect(shifted.explanation).toMatch(/^drift: PSI [\d.]+ ≥ 0\.25, KS D [\d.]+ \(p [\d.e-]+ < 0\.01\) on 288 points/);
    expect(shifted.explanation).toMatch(/values sit \+[\d.]+ slot scales above the reference/);

    // After a rebase the shifted level is the reference: the next shifted Tuesday is no drift.
    m.rebase();
    expect(m.windowCount).toBe(0);
    const next = tuesday + 7 * DAY;
    for (let t = next; t < next + DAY; t += 300_000) m.observe(t, load(t, noise, 1.3));
    const after = m.check(next + DAY - 1);
    expect(after.drifted).toBe(false);
    expect(Math.abs(after.shift ?? 99)).toBeLessThan(0.5);
  });

  it('says why there is no verdict', () => {
    const m = createSeasonalDriftMonitor(config({ minPoints: 3, minSlotPoints: 2 }));
    expect(m.check(MONDAY).explanation).toBe('no verdict: no reference slot has enough values yet');
    m.learnReference(MONDAY + 30 * 60_000, 1);
    m.learnReference(MONDAY + 40 * 60_000, 2);
    m.observe(MONDAY + DAY + 10 * 60_000, 1); // slot 0: matched
    m.observe(MONDAY + DAY + 5 * HOUR, 1); // slot 5: no reference
    const v = m.check(MONDAY + DAY + 6 * HOUR);
    expect(v).toMatchObject({ drifted: false, n: 1, unmatched: 1 });
    expect(v.explanation).toBe(
      'no verdict: 1 points matched a reference slot in the last window, 3 needed (1 more fell in slots without a reference)',
    );
    expect(v.psi).toBeUndefined();
  });

  it('keeps only the last windowMs and maxWindowPoints, and only the last maxSlotPoints per slot', () => {
    const m = createSeasonalDriftMonitor(config({ windowMs: HOUR, maxWindowPoints: 5, maxSlotPoints: 6 }));
    for (let i = 0; i < 10; i++) m.observe(MONDAY + i * 60_000, i);
    expect(m.windowCount).toBe(5);
    m.observe(MONDAY + 2 * HOUR, 1);
    expect(m.windowCount).toBe(1);
    for (let i = 0; i < 10; i++) m.learnReference(MONDAY + i * 60_000, i);
    expect(m.referenceCount).toBe(6);
    expect(m.state().referenceValues).toEqual([4, 5, 6, 7, 8, 9]);
    // Points after `now` or older than the window are not compared.
    expect(m.check(MONDAY + HOUR).n).toBe(0);
  });

  it('ignores non-finite times and values', () => {
    const m = createSeasonalDriftMonitor(seasonalDriftDefaults);
    m.observe(Number.NaN, 1);
    m.observe(MONDAY, Number.POSITIVE_INFINITY);
    m.learnReference(MONDAY, Number.NaN);
    expect(m.windowCount).toBe(0);
    expect(m.referenceCount).toBe(0);
  });

  it('restores from JSON state and then behaves identically', () => {
    const noise = rng(11);
    const cfg = config({ windowMs: 6 * HOUR, minPoints: 20 });
    const a = createSeasonalDriftMonitor(cfg);
    for (let t = MONDAY; t < MONDAY + 7 * DAY; t += 900_000) a.learnReference(t, load(t, noise));
    for (let t = MONDAY + 7 * DAY; t < MONDAY + 7.5 * DAY; t += 900_000) a.observe(t, load(t, noise, 1.1));
    const b = createSeasonalDriftMonitor(cfg, JSON.parse(JSON.stringify(a.state())));
    expect(b.state()).toEqual(a.state());
    for (let t = MONDAY + 7.5 * DAY; t < MONDAY + 8 * DAY; t += 900_000) {
      const v = load(t, noise, 1.2);
      a.observe(t, v);
      b.observe(t, v);
      expect(b.check(t)).toEqual(a.check(t));
    }
    a.rebase();
    b.rebase();
    expect(b.state()).toEqual(a.state());
  });

  it('rejects bad configs and states with a clear message', () => {
    expect(() => parseSeasonalDriftConfig({ slots: 3 })).toThrow(/learn\/seasonal-drift: unknown key "slots"/);
    expect(() => parseSeasonalDriftConfig({ dayTypes: 'weekly' })).toThrow(
      /dayTypes must be one of "all", "weekday-weekend", "day-of-week" \(got "weekly"\)/,
    );
    expect(() => parseSeasonalDriftConfig({ minSlotPoints: 10, maxSlotPoints: 5 })).toThrow(
      /minSlotPoints must be ≤ maxSlotPoints \(got 10 > 5\)/,
    );
    const saved = createSeasonalDriftMonitor(seasonalDriftDefaults).state();
    expect(() => createSeasonalDriftMonitor(config({ dayTypes: 'all' }), saved)).toThrow(
      /state has 48 slots but the config gives 24 \(slotsPerDay 24 × dayTypes all\)/,
    );
    expect(() => createSeasonalDriftMonitor(seasonalDriftDefaults, { ...saved, version: 2 })).toThrow(/state has version 2/);
    expect(() => createSeasonalDriftMonitor(seasonalDriftDefaults, { ...saved, windowT: [1] })).toThrow(
      /one window value per time \(got 1 times and 0 values\)/,
    );
  });
});
