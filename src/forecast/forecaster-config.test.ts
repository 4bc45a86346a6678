import { describe, expect, it } from 'vitest';
import { createForecaster, DEFAULT_FORECASTER_KIND, FORECASTER_SPECS, seasonalNaiveSpec } from '../models/index.js';
import { configForStep, forecasterConfig } from './forecaster-config.js';

describe('forecasterConfig', () => {
  it('keeps the daily season a day long at the new step and leaves point counts alone', () => {
    expect(forecasterConfig('forecaster/seasonal-naive', 300_000)).toEqual({
      ...seasonalNaiveSpec.defaults,
      seasonPoints: 288,
      stepMs: 300_000,
    });
    expect(forecasterConfig('forecaster/seasonal-naive', 3_600_000)).toMatchObject({ seasonPoints: 24, stepMs: 3_600_000, minPoints: 10 });
  });

  it('rescales season lengths in steps (…Points, season lists) and nothing else', () => {
    const defaults = {
      stepMs: 60_000,
      dailyPoints: 1440,
      weeklyPoints: 10_080,
      seasons: [60, 1440],
      windowDays: 14,
      bucketsPerDay: 60,
      historySeasons: 21,
      minPoints: 10,
      errorPoints: 720,
      seasonTinyPoints: 7, // 7 minutes: not a whole number of hours, left alone
    };
    expect(configForStep(defaults, 300_000)).toEqual({
      ...defaults,
      stepMs: 300_000,
      dailyPoints: 288,
      weeklyPoints: 2016,
      seasons: [12, 288],
    });
    expect(configForStep({ seasonPoints: 24 }, 300_000)).toEqual({ seasonPoints: 24 }); // no stepMs: durations unknown
  });

  it('sets the level when asked and merges overrides last', () => {
    expect(forecasterConfig('forecaster/seasonal-naive', 300_000, { level: 0.8, overrides: { seasonPoints: 2016 } })).toMatchObject({
      level: 0.8,
      seasonPoints: 2016,
    });
  });

  it('gives every forecaster of the catalog a config that forecasts on the 5-minute grid after 4 days', () => {
    for (const spec of [...FORECASTER_SPECS.map((s) => s.kind), DEFAULT_FORECASTER_KIND]) {
      const f = createForecaster(spec, forecasterConfig(spec, 300_000, { level: 0.9 }));
      const n = 4 * 288;
      for (let i = 0; i < n; i++) f.learn({ t: i * 300_000, v: 10 + (i % 288 < 144 ? 5 : 0) });
      const fc = f.forecast(288);
      expect(fc?.t.length, spec).toBe(288);
      expect(fc?.t[0], spec).toBe(n * 300_000);
      expect(fc?.t[287], spec).toBe((n + 287) * 300_000);
      expect(fc?.level, spec).toBe(0.9);
    }
  });

  it('rejects an unknown kind, a bad step and a season the spec refuses', () => {
    expect(() => forecasterConfig('forecaster/nope', 300_000)).toThrow(
      /unknown forecaster "forecaster\/nope" \(expected one of: .*forecaster\/seasonal-naive/,
    );
    expect(() => forecasterConfig('forecaster/seasonal-naive', 0)).toThrow(/stepMs must be a positive number of ms \(got 0\)/);
    expect(() => forecasterConfig('forecaster/seasonal-naive', 86_400_000)).toThrow(/seasonPoints/);
  });
});
