import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_FORECASTER_KIND, FORECASTER_SPECS } from '../../models/index.js';
import { methodName } from '../anomaly/run.js';
import { AWS_DIR } from './datasets.js';
import { capacityMethods, type CapacityBenchMetrics, formatCapacityTables, runCapacityBench } from './run.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'capacity-bench-'));
  dirs.push(d);
  return d;
}

const DAY = 288;
/** A daily pattern (integers, period 288) plus `perDay` per elapsed day: seasonal-naive is off by exactly `perDay`. */
const value = (i: number, start: number, perDay: number): number => start + (((i % DAY) * 7) % 13) + perDay * Math.floor(i / DAY);

function nabTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** toy_5min.csv: 17 days, no timestamp (up: +2 a day, down: −1 a day); ts_5min.csv: 5 days with timestamps (+3 a day). */
function writeCapacity(root: string): void {
  const dir = join(root, 'capacity');
  mkdirSync(dir, { recursive: true });
  const toy = Array.from({ length: 17 * DAY }, (_, i) => `${value(i, 100, 2)},${value(i, 200, -1)}`);
  writeFileSync(join(dir, 'toy_5min.csv'), `up,down\n${toy.join('\n')}\n`);
  const ts = Array.from({ length: 5 * DAY }, (_, i) => `${i * 300},${value(i, 10, 3)}`);
  writeFileSync(join(dir, 'ts_5min.csv'), `timestamp,cpu\n${ts.join('\n')}\n`);
}

/** inst_a: 6 days with a repeated timestamp and a missing row; inst_short: 2 days (too short). */
function writeAws(root: string): void {
  const dir = join(root, AWS_DIR);
  mkdirSync(dir, { recursive: true });
  const t0 = Date.UTC(2014, 1, 14);
  const rows: string[] = [];
  for (let i = 0; i < 6 * DAY; i++) {
    if (i === 5 * DAY + 10) continue; // a missing slot in the last day
    rows.push(`${nabTime(t0 + i * 300_000)},${value(i, 40, 1)}`);
    if (i === 100) rows.push(`${nabTime(t0 + i * 300_000)},${value(i, 40, 1)}`); // repeated timestamp, same value
  }
  writeFileSync(join(dir, 'inst_a.csv'), `timestamp,value\n${rows.join('\n')}\n`);
  const short = Array.from({ length: 2 * DAY }, (_, i) => `${nabTime(t0 + i * 300_000)},${value(i, 5, 0)}`);
  writeFileSync(join(dir, 'inst_short.csv'), `timestamp,value\n${short.join('\n')}\n`);
}

/** Σ|y| over the points of days [from, to) of a series. */
function sumOver(from: number, to: number, start: number, perDay: number, skip = -1): number {
  let s = 0;
  for (let i = from * DAY; i < to * DAY; i++) if (i !== skip) s += Math.abs(value(i, start, perDay));
  return s;
}

describe('capacityMethods', () => {
  it('lists homeostat, the two baselines, then every other forecaster of the catalog', () => {
    const others = FORECASTER_SPECS.filter((s) => s.kind !== DEFAULT_FORECASTER_KIND)
      .map((s) => methodName(s.kind))
      .filter((n) => n !== 'seasonal_naive' && n !== 'weekly_naive');
    expect(capacityMethods().map((m) => m.name)).toEqual(['homeostat', 'seasonal_naive', 'weekly_naive', ...others]);
    const snaive = capacityMethods().find((m) => m.name === 'seasonal_naive');
    expect(snaive?.description).toContain('"seasonPoints":288,"stepMs":300000,"level":0.9');
    expect(capacityMethods().find((m) => m.name === 'weekly_naive')?.description).toContain('"seasonPoints":2016');
  });
});

describe('runCapacityBench', () => {
  const root = tempDir();
  writeCapacity(root);
  writeAws(root);
  const out = tempDir();
  const progress: Array<[number, number]> = [];
  const logs: string[] = [];
  const m = runCapacityBench({
    root,
    out,
    methods: ['seasonal_naive', 'weekly_naive'],
    onProgress: (done, total) => progress.push([done, total]),
    onLog: (l) => logs.push(l),
  });
  const json = JSON.parse(readFileSync(join(out, 'capacity', 'metrics.json'), 'utf8')) as CapacityBenchMetrics;

  it('writes metrics.json in the README shape: every capacity file and aws_instances, every method', () => {
    expect(json.task).toBe('capacity');
    expect(json.data).toBe(root);
    expect(Object.keys(json.datasets)).toEqual(['toy', 'ts', 'aws_instances']);
    for (const d of Object.values(json.datasets)) expect(Object.keys(d)).toEqual(['homeostat', 'seasonal_naive', 'weekly_naive']);
    expect(json.skipped).toEqual({});
    expect(Object.keys(json.methods)).toEqual(['homeostat', 'seasonal_naive', 'weekly_naive']);
    expect(json.notes.length).toBeGreaterThan(3);
    expect(progress[progress.length - 1]).toEqual([15, 15]); // 5 series × 3 methods
    expect(logs).toEqual([`aws_instances: skipping inst_short: ${2 * DAY} points, fewer than 3 days of history before a 1-day horizon`]);
  });

  it('scores seasonal-naive exactly on a series that rises 2 a day: 1 − WAPE, MASE 1, rel MAE 1, coverage 1', () => {
    const up = m.datasets.toy?.seasonal_naive?.series?.up;
    // reported origins: the last 7 of 17 days; every forecast is off by exactly 2
    expect(up?.origins).toBe(7);
    expect(up?.points).toBe(7 * DAY);
    expect(up?.one_minus_wape).toBeCloseTo(1 - (2 * 7 * DAY) / sumOver(10, 17, 100, 2), 4);
    expect(up?.mase).toBe(1);
    expect(up?.rel_mae_vs_snaive).toBe(1);
    expect(up?.coverage_90).toBe(1); // the interval's half-width is the past error, 2
    expect(up?.rel_width_90).toBeCloseTo((4 * 7 * DAY) / sumOver(10, 17, 100, 2), 4); // width 4 everywhere
    expect(up?.interval_score_90).toBe(up?.rel_width_90); // no miss: the score is the width
    const down = m.datasets.toy?.seasonal_naive?.series?.down;
    expect(down?.one_minus_wape).toBeCloseTo(1 - (7 * DAY) / sumOver(10, 17, 200, -1), 4);
    const toy = m.datasets.toy?.seasonal_naive;
    expect(toy?.one_minus_wape).toBeCloseTo(((up?.one_minus_wape ?? 0) + (down?.one_minus_wape ?? 0)) / 2, 4);
    expect(toy?.series_count).toBe(2);
    expect(toy?.origins).toBe(14);
  });

  it('scores weekly-naive at 7 times the daily error on the same series', () => {
    const up = m.datasets.toy?.weekly_naive?.series?.up;
    expect(up?.mase).toBe(7);
    expect(up?.rel_mae_vs_snaive).toBe(7);
    expect(up?.one_minus_wape).toBeCloseTo(1 - (14 * 7 * DAY) / sumOver(10, 17, 100, 2), 4);
  });

  it('reports the 7 tuning origins before the reported ones separately', () => {
    const t = m.datasets.toy?.seasonal_naive?.tuning;
    expect(t?.origins).toBe(14);
    expect(t?.series?.up?.origins).toBe(7);
    expect(t?.series?.up?.one_minus_wape).toBeCloseTo(1 - (2 * 7 * DAY) / sumOver(3, 10, 100, 2), 4);
    expect(t?.series?.up?.mase).toBe(1);
    // ts: 5 days → 2 reported origins (≥ 3 days of history each), no tuning origin
    expect(m.datasets.ts?.seasonal_naive?.series?.cpu?.origins).toBe(2);
    expect(m.datasets.ts?.seasonal_naive?.tuning?.series_count).toBe(0);
    expect(m.datasets.ts?.seasonal_naive?.series?.cpu?.mase).toBe(1);
  });

  it('puts AWS series on the 5-minute grid: the repeated row is one point, the missing one is not scored', () => {
    const a = m.datasets.aws_instances?.seasonal_naive;
    const s = a?.series?.inst_a;
    expect(s?.origins).toBe(3); // 6 days: origins at days 3, 4, 5
    expect(s?.points).toBe(3 * DAY - 1);
    expect(s?.missing_points).toBe(0);
    expect(s?.one_minus_wape).toBeCloseTo(1 - (3 * DAY - 1) / sumOver(3, 6, 40, 1, 5 * DAY + 10), 4);
    expect(s?.rel_mae_vs_snaive).toBe(1);
    expect(a?.median_one_minus_wape).toBe(s?.one_minus_wape);
    expect(a?.median_rel_mae_vs_snaive).toBe(1);
    expect(a?.series_count).toBe(1);
  });

  it("writes homeostat's reported forecasts as origin,timestamp,mean,lower,upper,actual", () => {
    const lines = readFileSync(join(out, 'capacity', 'forecasts', 'toy', 'up.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('origin,timestamp,mean,lower,upper,actual');
    expect(lines.length).toBe(1 + 7 * DAY);
    const first = (lines[1] as string).split(',');
    const origin = new Date(10 * DAY * 300_000).toISOString();
    expect(first[0]).toBe(origin);
    expect(first[1]).toBe(origin);
    expect(Number(first[5])).toBe(value(10 * DAY, 100, 2));
    expect(Number.isFinite(Number(first[2]))).toBe(true);
    const last = (lines[lines.length - 1] as string).split(',');
    expect(last[1]).toBe(new Date((17 * DAY - 1) * 300_000).toISOString());
    const aws = readFileSync(join(out, 'capacity', 'forecasts', 'aws_instances', 'inst_a.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(aws.length).toBe(1 + 3 * DAY);
    expect(aws.filter((l) => l.endsWith(',')).length).toBe(1); // the missing slot has no actual
  });

  it('writes an HTML report with the tables and SVG charts', () => {
    const html = readFileSync(join(out, 'capacity', 'report.html'), 'utf8');
    expect(html).toContain('<h2>toy</h2>');
    expect(html).toContain('<h2>aws_instances</h2>');
    expect(html).toContain('tuning.one_minus_wape');
    expect(html.match(/<svg /g)?.length).toBe(4); // at most 2 per dataset: toy 2, ts 1, aws 1 (inst_short is skipped)
  });

  it('prints one table per dataset with the per-series figures', () => {
    const text = formatCapacityTables(m);
    expect(text).toMatch(/^toy\s+homeostat\s+seasonal_naive\s+weekly_naive$/m);
    expect(text).toMatch(/^one_minus_wape\s/m);
    expect(text).toMatch(/^up\s+\S+ \/ \S+\s+\S+ \/ 1\s+\S+ \/ 7$/m);
    expect(text).toMatch(/^median_one_minus_wape\s/m);
  });
});

describe('runCapacityBench on partial roots', () => {
  it('skips a missing folder with a line and runs the rest', () => {
    const root = tempDir();
    writeAws(root);
    const logs: string[] = [];
    const m = runCapacityBench({ root, methods: [], onLog: (l) => logs.push(l) });
    expect(m.skipped).toEqual({ capacity: `${join(root, 'capacity')} not found` });
    expect(logs[0]).toBe(`skipping capacity: ${join(root, 'capacity')} not found`);
    expect(Object.keys(m.datasets)).toEqual(['aws_instances']);
    expect(Object.keys(m.datasets.aws_instances ?? {})).toEqual(['homeostat']);
  });

  it('skips both when nothing is there, and rejects an unknown method', () => {
    const root = tempDir();
    const m = runCapacityBench({ root, onLog: () => {} });
    expect(Object.keys(m.skipped)).toEqual(['capacity', 'aws_instances']);
    expect(m.datasets).toEqual({});
    expect(() => runCapacityBench({ root, methods: ['nope'], onLog: () => {} })).toThrow(
      /bench capacity: unknown method "nope" \(expected some of: homeostat, seasonal_naive, weekly_naive/,
    );
  });
});
