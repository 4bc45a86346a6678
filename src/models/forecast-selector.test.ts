import { describe, expect, it } from 'vitest';
import { createForecastSelectorSpec, forecastSelectorSpec } from './forecast-selector.js';
import { checkForecasterSpec } from './forecaster-contract.js';
import { seasonalNaiveSpec } from './seasonal-naive.js';

const MIN = 60_000;
const T0 = 1_767_571_200_000;
const naive = { minPoints: 2, errorPoints: 50 };
const selector = (members: { name: string; seasons: number }[], extra: Record<string, unknown> = {}) =>
  forecastSelectorSpec.parse({
    seasonPoints: 4,
    scoreOrigins: 3,
    members: members.map((m) => ({ ...m, kind: 'forecaster/seasonal-naive', config: naive })),
    ...extra,
  });
type Selector = ReturnType<typeof forecastSelectorSpec.create>;
const learnAll = (f: Selector, values: readonly number[], fromStep = 0) => {
  values.forEach((v, i) => {
    f.learn({ t: T0 + (fromStep + i) * MIN, v });
  });
};
/** Day d of a week has values 10·d + slot: yesterday is always wrong, last week always right. */
const weekly = (t: number) => 10 * Math.floor((t % 28) / 4) + (t % 4);
/** Each day is one higher than the day before: errors 1 (one day ago) and 2 (two days ago). */
const rising = (t: number) => 3 * (t % 4) + Math.floor(t / 4);

describe('ForecastSelector', () => {
  it('picks the member that is exact on the past (weekly naive on a weekly series)', () => {
    const f = forecastSelectorSpec.create(
      selector([
        { name: 'daily', seasons: 1 },
        { name: 'weekly', seasons: 7 },
      ]),
    );
    learnAll(
      f,
      Array.from({ length: 84 }, (_, t) => weekly(t)),
    );
    expect(f.explain()).toEqual([
      { name: 'daily', weight: 0, score: expect.any(Number) },
      { name: 'weekly', weight: 1, score: 0 },
    ]);
    expect(f.explain()[0]?.score).toBeGreaterThan(9);
    // Steps 84..87 are day 0 of the fourth week: 0, 1, 2, 3.
    expect(f.forecast(4)?.mean).toEqual([0, 1, 2, 3]);
  });

  it('weights members by inverse backtest error in mode weight', () => {
    const f = forecastSelectorSpec.create(
      selector(
        [
          { name: 'one-day', seasons: 1 },
          { name: 'two-day', seasons: 2 },
        ],
        { mode: 'weight' },
      ),
    );
    learnAll(
      f,
      Array.from({ length: 40 }, (_, t) => rising(t)),
    );
    // Scores 1 and 2 → weights (1/1) / 1.5 = 2/3 and 1/3.
    const [a, b] = f.explain();
    expect(a?.score).toBe(1);
    expect(b?.score).toBe(2);
    expect(a?.weight).toBeCloseTo(2 / 3, 12);
    expect(b?.weight).toBeCloseTo(1 / 3, 12);
    // Day 9 was last: one-day says 3·slot + 9, two-day 3·slot + 8 → 3·slot + 9 − 1/3.
    const mean = f.forecast(4)?.mean ?? [];
    [0, 1, 2, 3].forEach((slot) => {
      expect(mean[slot]).toBeCloseTo(3 * slot + 9 - 1 / 3, 12);
    });
  });

  it('uses the first member that can forecast until an origin is scored', () => {
    const config = selector([
      { name: 'weekly', seasons: 7 },
      { name: 'daily', seasons: 1 },
    ]);
    const f = forecastSelectorSpec.create(config);
    expect(f.forecast(2)).toBeUndefined();
    learnAll(f, [5, 7, 6]);
    const alone = seasonalNaiveSpec.create(seasonalNaiveSpec.parse({ ...naive, seasonPoints: 28 }));
    [5, 7, 6].forEach((v, i) => {
      alone.learn({ t: T0 + i * MIN, v });
    });
    expect(f.forecast(3)).toEqual(alone.forecast(3));
    expect(f.explain().map((e) => e.weight)).toEqual([1, 0]);
  });

  it('restores exactly from JSON state and rejects inconsistent states', () => {
    const config = selector(
      [
        { name: 'daily', seasons: 1 },
        { name: 'weekly', seasons: 7 },
      ],
      { mode: 'weight' },
    );
    const a = forecastSelectorSpec.create(config);
    const values = Array.from({ length: 70 }, (_, t) => weekly(t) + ((t * 7) % 3));
    learnAll(a, values);
    const b = forecastSelectorSpec.create(config, JSON.parse(JSON.stringify(a.state())));
    learnAll(a, [3, 9, 4], values.length);
    learnAll(b, [3, 9, 4], values.length);
    expect(JSON.stringify(b.forecast(9))).toBe(JSON.stringify(a.forecast(9)));
    expect(b.state()).toEqual(a.state());
    expect(() => forecastSelectorSpec.create(config, { ...a.state(), members: [] })).toThrow(
      'forecaster/select: state field members must be an array of 2 member states',
    );
    expect(() => forecastSelectorSpec.create(config, { ...a.state(), scoresHead: 9 })).toThrow('state field scoresHead');
  });

  it('rejects bad members with what was expected', () => {
    expect(() => forecastSelectorSpec.parse({ members: [{ name: 'x', kind: 'forecaster/nope' }] })).toThrow(
      'forecaster/select: members[0].kind must be one of "forecaster/seasonal-naive", "forecaster/lag-ridge", "forecaster/holt-winters" (got "forecaster/nope")',
    );
    expect(() =>
      forecastSelectorSpec.parse({
        members: [
          { name: 'a', kind: 'forecaster/seasonal-naive' },
          { name: 'a', kind: 'forecaster/lag-ridge' },
        ],
      }),
    ).toThrow('members[1].name must be a unique non-empty string (got "a")');
    expect(() => forecastSelectorSpec.parse({ members: [{ name: 'a', kind: 'forecaster/lag-ridge', config: { ridge: -1 } }] })).toThrow(
      'forecaster/select: member "a": forecaster/lag-ridge: ridge must be a number ≥ 0 (got -1)',
    );
    expect(() => forecastSelectorSpec.parse({ seasonPoints: 10, originsPerSeason: 4 })).toThrow(
      'originsPerSeason must divide seasonPoints (got 4 and 10)',
    );
    expect(() => forecastSelectorSpec.parse({ members: [] })).toThrow('members must be a non-empty array');
    expect(() => createForecastSelectorSpec([seasonalNaiveSpec as never])).toThrow('members[2].kind must be one of');
  });

  it('defaults to daily and weekly seasonal-naive, lag-ridge and Holt-Winters, mode select', () => {
    expect(forecastSelectorSpec.defaults.members.map((m) => `${m.name}:${m.kind}:${m.seasons}`)).toEqual([
      'daily:forecaster/seasonal-naive:1',
      'weekly:forecaster/seasonal-naive:7',
      'ridge:forecaster/lag-ridge:1',
      'holt-winters:forecaster/holt-winters:1',
    ]);
    expect(forecastSelectorSpec.defaults.mode).toBe('select');
  });

  it('honours the forecaster contract with its defaults and with a short season', () => {
    expect(checkForecasterSpec(forecastSelectorSpec)).toEqual([]);
    expect(checkForecasterSpec(forecastSelectorSpec, forecastSelectorSpec.parse({ seasonPoints: 48, mode: 'weight' }), 150)).toEqual([]);
  });
});
