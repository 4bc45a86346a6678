import { describe, expect, it } from 'vitest';
import { inSampleSeasonalMae, meanOf, medianOf, type OriginForecast, rollingOrigins, scoreForecasts, seasonalNaiveAt } from './metrics.js';

function origin(at: number, mean: number[], lower: number[], upper: number[], ms = 1): OriginForecast {
  return { origin: at, mean: Float64Array.from(mean), lower: Float64Array.from(lower), upper: Float64Array.from(upper), ms };
}

describe('rollingOrigins', () => {
  it('anchors daily origins at the end, reported last, tuning before, dropping short histories', () => {
    expect(rollingOrigins(10, { dayPoints: 2, reportedDays: 2, tuningDays: 2, minHistoryPoints: 3 })).toEqual({
      reported: [6, 8],
      tuning: [4],
    });
    expect(rollingOrigins(20, { dayPoints: 2, reportedDays: 3, tuningDays: 2, minHistoryPoints: 0 })).toEqual({
      reported: [14, 16, 18],
      tuning: [10, 12],
    });
    expect(rollingOrigins(4, { dayPoints: 2, reportedDays: 7, tuningDays: 7, minHistoryPoints: 3 })).toEqual({ reported: [], tuning: [] });
  });
});

describe('seasonal naive helpers', () => {
  it('in-sample seasonal MAE skips pairs with a missing value', () => {
    expect(inSampleSeasonalMae([1, 2, 2, 4, 3], 5, 2)).toBeCloseTo(4 / 3, 12);
    // pairs (2,0): |2−1| = 1, (3,1): NaN skipped, (4,2): |3−2| = 1
    expect(inSampleSeasonalMae([1, Number.NaN, 2, 4, 3], 5, 2)).toBe(1);
    expect(inSampleSeasonalMae([1, 2], 2, 2)).toBeNaN();
  });

  it('repeats the last season beyond one season ahead', () => {
    const v = [1, 2, 3, 4, 5, 6];
    expect([0, 1, 2, 3].map((h) => seasonalNaiveAt(v, 4, h, 2))).toEqual([3, 4, 3, 4]);
    expect(seasonalNaiveAt(v, 1, 0, 2)).toBeNaN();
  });
});

describe('scoreForecasts', () => {
  it('computes 1 − WAPE, MASE, relative MAE and coverage on hand-made numbers', () => {
    const values = [10, 20, 12, 24, 10, 30];
    const s = scoreForecasts(values, [origin(4, [11, 27], [10, 20], [12, 26], 3)], 2);
    expect(s.one_minus_wape).toBeCloseTo(1 - 4 / 40, 12); // errors 1 + 3 over |10| + |30|
    expect(s.mase).toBeCloseTo(2 / 3, 12); // MAE 2 ÷ in-sample (|12−10| + |24−20|) / 2 = 3
    expect(s.rel_mae_vs_snaive).toBeCloseTo(4 / 8, 12); // snaive 12, 24 → errors 2 + 6
    expect(s.coverage_90).toBe(0.5); // 10 ∈ [10, 12], 30 ∉ [20, 26]
    expect(s.rel_width_90).toBeCloseTo((2 + 6) / 40, 12);
    expect(s.interval_score_90).toBeCloseTo((2 + 6 + 20 * (30 - 26)) / 40, 12); // one miss, 4 above the upper bound
    expect(s.fit_forecast_ms).toBe(3);
    expect([s.origins, s.points, s.missing_points]).toEqual([1, 2, 0]);
  });

  it('pools WAPE and relative MAE over origins, averages MASE per origin', () => {
    const values = [1, 3, 2, 4, 4, 6, 5, 9];
    // origin 4: history scale (|2−1| + |4−3|) / 2 = 1, errors |4−5| = 1, |6−6| = 0 → MASE 0.5
    // origin 6: scale (1 + 1 + 2 + 2) / 4 = 1.5, errors |5−5| = 0, |9−6| = 3 → MASE 1.5 / 1.5 = 1
    const s = scoreForecasts(values, [origin(4, [5, 6], [0, 0], [9, 9], 1), origin(6, [5, 6], [4, 5], [6, 7], 3)], 2);
    expect(s.one_minus_wape).toBeCloseTo(1 - 4 / 24, 12);
    expect(s.mase).toBeCloseTo((0.5 + 1) / 2, 12);
    // snaive: origin 4 → 2, 4 (errors 2, 2); origin 6 → 4, 6 (errors 1, 3)
    expect(s.rel_mae_vs_snaive).toBeCloseTo(4 / 8, 12);
    expect(s.coverage_90).toBe(3 / 4);
    // widths 9 + 9 + 2 + 2 = 22; the miss is 9 − 7 = 2 above at origin 6
    expect(s.rel_width_90).toBeCloseTo(22 / 24, 12);
    expect(s.interval_score_90).toBeCloseTo((22 + 20 * 2) / 24, 12);
    expect(s.fit_forecast_ms).toBe(2);
  });

  it('counts missing forecasts, skips missing actuals, and leaves NaN where nothing is defined', () => {
    const values = [1, 2, 1, 2, Number.NaN, 4];
    const s = scoreForecasts(values, [origin(4, [1, Number.NaN], [0, 0], [2, 2])], 2);
    expect(s.points).toBe(0);
    expect(s.missing_points).toBe(1);
    expect(s.one_minus_wape).toBeNaN();
    expect(s.rel_mae_vs_snaive).toBeNaN();
    expect(s.coverage_90).toBeNaN();
    expect(s.rel_width_90).toBeNaN();
    expect(s.interval_score_90).toBeNaN();
    expect(scoreForecasts(values, [], 2).fit_forecast_ms).toBeNaN();
  });
});

describe('meanOf and medianOf', () => {
  it('ignore NaN', () => {
    expect(meanOf([1, Number.NaN, 3])).toBe(2);
    expect(medianOf([5, 1, Number.NaN, 3, 10])).toBe(4);
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(meanOf([Number.NaN])).toBeNaN();
  });
});
