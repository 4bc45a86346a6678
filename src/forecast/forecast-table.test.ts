import { describe, expect, it } from 'vitest';
import type { MetricTable } from '../telemetry/csv-table.js';
import { forecastCsv, forecastTable, inferStepMs } from './forecast-table.js';

const STEP = 300_000;
const DAY = 288;
const SN = 'forecaster/seasonal-naive';
const T0 = Date.UTC(2024, 0, 1);

/** Two days of 5-minute rows: cpu = (i mod 288) + day (so yesterday's error is 1), mem = 2·cpu with its last `memMissing` rows empty. */
function table(memMissing = 0): MetricTable {
  const n = 2 * DAY;
  const timestamps = new Float64Array(n);
  const cpu = new Float64Array(n);
  const mem = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestamps[i] = T0 + i * STEP;
    const c = (i % DAY) + Math.floor(i / DAY);
    cpu[i] = c;
    mem[i] = i >= n - memMissing ? Number.NaN : 2 * c;
  }
  return { metrics: ['cpu', 'mem'], timestamps, columns: [cpu, mem] };
}

describe('inferStepMs', () => {
  it('takes the median positive difference, ignoring repeats and one long gap', () => {
    expect(inferStepMs(Float64Array.of(0, 300_000, 300_000, 600_000, 1_500_000, 1_800_000))).toBe(300_000);
    expect(inferStepMs(Float64Array.of(0, 60_000, 180_000))).toBe(90_000);
    expect(inferStepMs(Float64Array.of(5))).toBeUndefined();
  });
});

describe('forecastTable', () => {
  it('forecasts each metric for the horizon after the last row, yesterday plus the interval of past errors', () => {
    const t = table();
    const r = forecastTable(t, { horizonMs: 86_400_000, forecaster: SN });
    expect(r.stepMs).toBe(STEP);
    expect(r.stepInferred).toBe(true);
    expect(r.horizonSteps).toBe(DAY);
    expect(r.level).toBe(0.9);
    expect(r.config).toMatchObject({ seasonPoints: DAY, stepMs: STEP });
    expect(r.rows.length).toBe(2 * DAY);
    const cpu = r.rows.filter((x) => x.metric === 'cpu');
    const last = T0 + (2 * DAY - 1) * STEP;
    expect(cpu[0]).toEqual({ t: last + STEP, metric: 'cpu', mean: 1, lower: 0, upper: 2 });
    expect(cpu[DAY - 1]).toEqual({ t: last + DAY * STEP, metric: 'cpu', mean: DAY, lower: DAY - 1, upper: DAY + 1 });
    expect(r.rows[DAY]?.metric).toBe('mem');
    expect(r.warnings).toEqual([]);
  });

  it('warns when a metric has less than a season of history', () => {
    const short: MetricTable = {
      metrics: ['cpu'],
      timestamps: table().timestamps.slice(0, 100),
      columns: [Float64Array.from({ length: 100 }, (_, i) => i)],
    };
    const r = forecastTable(short, { horizonMs: 3_600_000, forecaster: SN });
    expect(r.rows.length).toBe(12);
    expect(r.warnings).toEqual([
      'metric "cpu": 100 point(s) of history, less than a full season of 288 points (1d): the forecast may not be seasonal yet',
    ]);
  });

  it('forecasts a metric whose last rows are missing from its last value, on the same timestamps', () => {
    const r = forecastTable(table(3), { horizonMs: 3_600_000, forecaster: SN });
    const cpu = r.rows.filter((x) => x.metric === 'cpu');
    const mem = r.rows.filter((x) => x.metric === 'mem');
    expect(r.horizonSteps).toBe(12);
    expect(mem.map((x) => x.t)).toEqual(cpu.map((x) => x.t));
    // the first step after the table is row 576, whose seasonal-naive value is row 288's: mem = 2 · (0 + 1)
    expect(mem[0]?.mean).toBe(2);
    expect(mem[11]?.mean).toBe(2 * 12);
  });

  it('uses a given step and rounds the horizon to whole steps', () => {
    const r = forecastTable(table(), { horizonMs: 1_000_000, stepMs: STEP, forecaster: SN });
    expect(r.stepInferred).toBe(false);
    expect(r.horizonSteps).toBe(3);
    expect(r.rows.length).toBe(6);
  });

  it('runs the default forecaster when none is named', () => {
    const r = forecastTable(table(), { horizonMs: 3_600_000 });
    expect(r.rows.length).toBe(24);
    expect(r.rows.every((x) => x.lower <= x.mean && x.mean <= x.upper)).toBe(true);
  });

  it('explains bad input: decreasing times, too few rows, a short horizon, too little history, unknown kind', () => {
    const t = table();
    const back: MetricTable = { ...t, timestamps: Float64Array.of(...t.timestamps.slice(0, 3), T0) };
    const cols = (n: number): MetricTable => ({
      metrics: ['cpu'],
      timestamps: t.timestamps.slice(0, n),
      columns: [(t.columns[0] as Float64Array).slice(0, n)],
    });
    expect(() => forecastTable({ ...back, columns: [Float64Array.of(1, 2, 3, 4)], metrics: ['cpu'] }, { horizonMs: 3_600_000 })).toThrow(
      /timestamps must not decrease \(row 4 at 2024-01-01T00:00:00.000Z comes after 2024-01-01T00:10:00.000Z\)/,
    );
    expect(() => forecastTable(cols(1), { horizonMs: 3_600_000 })).toThrow(/cannot infer the step from 1 row\(s\)/);
    expect(() => forecastTable(t, { horizonMs: 60_000 })).toThrow(/the horizon must be at least one step \(5m\) \(got 60000 ms\)/);
    expect(() => forecastTable(cols(3), { horizonMs: 3_600_000, forecaster: SN })).toThrow(
      'forecast: too little history for metric "cpu": 3 point(s) with a value; forecaster/seasonal-naive needs at least 10 points (its minPoints) and a full season of 288 points (1d) for a seasonal forecast at a 5m step',
    );
    expect(() => forecastTable(t, { horizonMs: 3_600_000, forecaster: 'forecaster/nope' })).toThrow(
      /unknown forecaster "forecaster\/nope"/,
    );
    expect(() => forecastTable(t, { horizonMs: 3_600_000, forecaster: SN, config: { bogus: 1 } })).toThrow(/bogus/);
  });
});

describe('forecastCsv', () => {
  it('writes ISO timestamps, 6 significant digits and quotes metric names that need it', () => {
    const csv = forecastCsv([
      { t: T0, metric: 'cpu', mean: 1.23456789, lower: 0.5, upper: 2 },
      { t: T0 + STEP, metric: 'disk,"a"', mean: 3, lower: Number.NaN, upper: 4 },
    ]);
    expect(csv).toBe(
      'timestamp,metric,mean,lower,upper\n2024-01-01T00:00:00.000Z,cpu,1.23457,0.5,2\n2024-01-01T00:05:00.000Z,"disk,""a""",3,,4\n',
    );
  });
});
