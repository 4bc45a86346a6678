import { describe, expect, it } from 'vitest';
import type { FailureEntity, FailureTrace } from './datasets.js';
import { buildFailureGrid, type FeatureMatrix, featureNames, monthsBefore, sampleHash } from './grid.js';

const H = 3_600_000;
const T = Date.UTC(2020, 0, 1);
const END = Date.UTC(2020, 4, 1); // 2020-05-01: test = April 2020

function entity(name: string, groups: string[], onsets: number[], down: [number, number][], weight = 1): FailureEntity {
  return {
    name,
    groups,
    weight,
    start: T,
    end: END + 30 * 24 * H,
    onsets: Float64Array.from(onsets),
    downStart: Float64Array.from(down.map((d) => d[0])),
    downEnd: Float64Array.from(down.map((d) => d[1])),
  };
}

const A = entity(
  'a',
  ['c1', 's1'],
  [T + 10.5 * H, T + 12 * H],
  [
    [T + 10.5 * H, T + 11 * H],
    [T + 12 * H, T + 12.2 * H],
  ],
);
const B = entity('b', ['c1', 's1'], [T + 11.5 * H], [[T + 11.5 * H, T + 30 * H]]);
const C = entity('c', ['c2', 's1'], [T + 13 * H, Date.UTC(2020, 3, 10, 5, 30)], []);
const TRACE: FailureTrace = { name: 'tiny', path: 'x', levels: ['cluster', 'site'], entities: [A, B, C], first: T, end: END };

function rowOf(m: FeatureMatrix, entity: number, hour: number): Record<string, number> {
  for (let i = 0; i < m.rows; i++) {
    if (m.entity[i] === entity && m.hour[i] === hour) {
      const out: Record<string, number> = { label: m.label[i] as number, weight: m.weight[i] as number };
      m.names.forEach((n, j) => {
        out[n] = m.x[i * m.d + j] as number;
      });
      return out;
    }
  }
  throw new Error(`no row ${entity}@${hour}`);
}

describe('buildFailureGrid', () => {
  const g = buildFailureGrid(TRACE, { testMonths: 1 });
  const fit = g.fit.matrix;

  it('labels an onset within the next 6 hours, [τ, τ + 6 h)', () => {
    expect(rowOf(fit, 0, 4).label).toBe(0); // [4, 10) h
    expect(rowOf(fit, 0, 5).label).toBe(1); // 10.5 h
    expect(rowOf(fit, 0, 12).label).toBe(1); // the onset at 12 h itself
    expect(rowOf(fit, 0, 13).label).toBe(0);
  });

  it('computes features from onsets strictly before τ', () => {
    expect(rowOf(fit, 0, 5)).toMatchObject({ hours_since_failure: 5, no_failure_yet: 1, failures_6h: 0, failure_rate_per_day: 0 });
    expect(rowOf(fit, 0, 11)).toMatchObject({ hours_since_failure: 0.5, no_failure_yet: 0, failures_6h: 1, unavailable_now: 0 });
    // the onset at 12 h is not yet history at τ = 12 h
    expect(rowOf(fit, 0, 12)).toMatchObject({ failures_6h: 1, unavailable_now: 0, cluster_failures_6h: 2, site_failures_6h: 2 });
    expect(rowOf(fit, 0, 13)).toMatchObject({
      hours_since_failure: 1,
      failures_6h: 2,
      failure_rate_per_day: 2,
      cluster_failures_6h: 3,
      site_failures_6h: 3,
    });
    // b is down from 11.5 h to 30 h
    expect(rowOf(fit, 1, 12).unavailable_now).toBe(1);
    expect(rowOf(fit, 1, 30).unavailable_now).toBe(0);
    // windows: 6 h, 24 h and 7 d
    expect(rowOf(fit, 0, 17)).toMatchObject({ failures_6h: 1, failures_24h: 2, failures_7d: 2 });
    expect(rowOf(fit, 0, 12 + 24)).toMatchObject({ failures_6h: 0, failures_24h: 1, failures_7d: 2 });
    expect(rowOf(fit, 0, 10 + 168 + 1)).toMatchObject({ failures_7d: 1, site_failures_7d: 3 });
    // c's cluster counts only c
    expect(rowOf(fit, 2, 14)).toMatchObject({ cluster_failures_6h: 1, site_failures_6h: 4 });
  });

  it('computes the richer history features from onsets and down intervals begun before τ', () => {
    // T is a Wednesday (day 2, Monday = 0); a: down 10.5–11 h and 12–12.2 h, b: down 11.5–30 h
    expect(rowOf(fit, 0, 13)).toMatchObject({
      failures_1h: 1,
      failures_3h: 2,
      hours_since_up: expect.closeTo(0.8, 5),
      down_hours: 0,
      last_down_hours: expect.closeTo(0.2, 5),
      hours_observed: 13,
      hour_of_day: 13,
      day_of_week: 2,
      cluster_failures_1h: 1,
      cluster_failures_3h: 3,
      cluster_hours_since_failure: 1,
      cluster_down_share: 0.5,
      site_failures_1h: 1, // c's onset at 13 h is not yet history
      site_down_share: expect.closeTo(1 / 3, 6),
    });
    // a's second down interval starts at τ = 12 h: not yet down; the first ended at 11 h
    expect(rowOf(fit, 0, 12)).toMatchObject({
      unavailable_now: 0,
      down_hours: 0,
      hours_since_up: 1,
      last_down_hours: 0.5,
      site_down_share: expect.closeTo(1 / 3, 6),
    });
    // an interval ending at τ is over at τ
    expect(rowOf(fit, 0, 11)).toMatchObject({ unavailable_now: 0, hours_since_up: 0, site_down_share: 0 });
    // b never came back up before 30 h: hours since up = hours observed
    expect(rowOf(fit, 1, 12)).toMatchObject({ down_hours: 0.5, hours_since_up: 12, last_down_hours: 0 });
    expect(rowOf(fit, 1, 30)).toMatchObject({ down_hours: 0, hours_since_up: 0, last_down_hours: 18.5 });
    // c's cluster: hours since the grid start until its first onset
    expect(rowOf(fit, 2, 5)).toMatchObject({ cluster_hours_since_failure: 5, cluster_failures_7d: 0 });
    expect(rowOf(fit, 2, 14)).toMatchObject({ cluster_hours_since_failure: 1, cluster_down_share: 0, hour_of_day: 14 });
    expect(rowOf(fit, 0, 24 + 5)).toMatchObject({ hour_of_day: 5, day_of_week: 3 });
    expect(rowOf(fit, 0, 5 * 24)).toMatchObject({ day_of_week: 0 });
    // the 6-hour window a day before: [τ − 24 h, τ − 18 h); a week before: [τ − 168 h, τ − 162 h)
    expect(rowOf(fit, 0, 34)).toMatchObject({ failures_6h_day_ago: 2, cluster_failures_6h_day_ago: 3, site_failures_6h_day_ago: 4 });
    expect(rowOf(fit, 0, 36)).toMatchObject({ failures_6h_day_ago: 1, failures_6h_week_ago: 0 });
    expect(rowOf(fit, 0, 37).failures_6h_day_ago).toBe(0);
    expect(rowOf(fit, 0, 178)).toMatchObject({ failures_6h_day_ago: 0, failures_6h_week_ago: 2, cluster_failures_6h_week_ago: 3 });
  });

  it('splits from the data: test = the last month, fit = the first 80 % of training, no label crossing a boundary', () => {
    const kTest = (Date.UTC(2020, 3, 1) - T) / H;
    const kTune = Math.floor(kTest * 0.8);
    expect(g.test.from).toBe(Date.UTC(2020, 3, 1));
    expect(g.test.to).toBe(END - 6 * H);
    expect(g.tune.from).toBe(T + kTune * H);
    expect(g.tune.to).toBe(Date.UTC(2020, 3, 1) - 6 * H);
    expect(g.fit.to).toBe(T + (kTune - 6) * H);
    expect(g.test.matrix.rows).toBe(3 * (30 * 24 - 5));
    expect(g.fit.matrix.rows).toBe(3 * (kTune - 5));
    expect(g.test.sampleRate).toBe(1);
    // c's April onset is a test event
    expect(Array.from(g.test.events.time)).toEqual([Date.UTC(2020, 3, 10, 5, 30)]);
    expect(g.fit.events.time.length).toBe(4);
    // a: hours 5..12 (onsets at 10.5 h and 12 h), b: 6..11, c: 8..13
    expect(g.fit.positives).toBe(8 + 6 + 6);
  });

  it('samples negatives under a row cap and weights them, keeping every positive', () => {
    const s = buildFailureGrid(TRACE, { testMonths: 1, maxTrainRows: 1000 });
    const m = s.fit.matrix;
    const rate = s.fit.sampleRate;
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThan(1);
    let positives = 0;
    let total = 0;
    for (let i = 0; i < m.rows; i++) {
      if (m.label[i] === 1) {
        positives++;
        expect(m.weight[i]).toBe(1);
      } else expect(m.weight[i]).toBeCloseTo(1 / rate, 4);
      total += m.weight[i] as number;
    }
    expect(positives).toBe(8 + 6 + 6);
    // weighted rows estimate the entity-hours (within 10 %)
    expect(Math.abs(total / s.fit.entityHours - 1)).toBeLessThan(0.1);
    // kept rows carry the same features as in the full grid
    expect(rowOf(m, 0, 12)).toMatchObject({ failures_6h: 1, cluster_failures_6h: 2, label: 1 });
  });

  it('multiplies the rows of a weighted entity', () => {
    const w = buildFailureGrid({ ...TRACE, entities: [A, entity('others', ['c1', 's1'], [], [], 5)] }, { testMonths: 1 });
    expect(rowOf(w.test.matrix, 1, (Date.UTC(2020, 3, 1) - T) / H).weight).toBe(5);
    expect(w.test.entityHours).toBe(6 * (30 * 24 - 5));
  });

  it('weights the down share and counts overlapping down intervals once', () => {
    const others = entity(
      'others',
      ['c1', 's1'],
      [],
      [
        [T + 100 * H, T + 103 * H],
        [T + 101 * H, T + 102 * H],
      ],
      5,
    );
    const w = buildFailureGrid({ ...TRACE, entities: [A, others] }, { testMonths: 1 });
    expect(rowOf(w.fit.matrix, 0, 102)).toMatchObject({ cluster_down_share: expect.closeTo(5 / 6, 6), unavailable_now: 0 });
    // the overlapping intervals are one stretch down from 100 h to 103 h
    expect(rowOf(w.fit.matrix, 1, 102)).toMatchObject({ unavailable_now: 1, down_hours: 2, hours_since_up: 102, last_down_hours: 0 });
    expect(rowOf(w.fit.matrix, 1, 103)).toMatchObject({ unavailable_now: 0, hours_since_up: 0, last_down_hours: 3 });
    expect(rowOf(w.fit.matrix, 0, 103).cluster_down_share).toBe(0);
  });

  it('rejects a trace too short for its test period and bad options', () => {
    expect(() => buildFailureGrid(TRACE, { testMonths: 5 })).toThrow(/tiny spans \d+ hours, too short for a 5-month test period/);
    expect(() => buildFailureGrid(TRACE, { testMonths: 0 })).toThrow('failure grid: testMonths must be a positive integer (got 0)');
    expect(() => buildFailureGrid(TRACE, { testMonths: 1, tuneShare: 1 })).toThrow('failure grid: tuneShare must be in (0, 1) (got 1)');
  });
});

describe('helpers', () => {
  it('names features per level', () => {
    expect(featureNames(['system']).names.slice(-9)).toEqual([
      'system_failures_1h',
      'system_failures_3h',
      'system_failures_6h',
      'system_failures_24h',
      'system_failures_7d',
      'system_hours_since_failure',
      'system_down_share',
      'system_failures_6h_day_ago',
      'system_failures_6h_week_ago',
    ]);
    expect(featureNames([]).names.length).toBe(17);
    expect(featureNames(['cluster', 'site']).kinds.length).toBe(35);
  });

  it('steps back calendar months, clamping the day', () => {
    expect(monthsBefore(Date.UTC(2006, 7, 10), 3)).toBe(Date.UTC(2006, 4, 10));
    expect(monthsBefore(Date.UTC(2005, 8, 10), 24)).toBe(Date.UTC(2003, 8, 10));
    expect(monthsBefore(Date.UTC(2020, 4, 31, 6), 3)).toBe(Date.UTC(2020, 1, 29, 6));
  });

  it('hashes to [0, 1), deterministically', () => {
    expect(sampleHash(3, 17)).toBe(sampleHash(3, 17));
    expect(sampleHash(3, 17)).not.toBe(sampleHash(17, 3));
    const xs = Array.from({ length: 10_000 }, (_, i) => sampleHash(i % 7, i));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((a, x) => a + x, 0) / xs.length - 0.5)).toBeLessThan(0.02);
  });
});
