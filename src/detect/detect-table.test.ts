import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCommand } from '../cli/detect.js';
import { mulberry32 } from '../models/index.js';
import { type MetricTable, parseMetricTable } from '../telemetry/csv-table.js';
import { detectCsv, detectTable } from './detect-table.js';

/** n one-minute rows of two noisy metrics around 50 and 10; `spikeAt` adds +40 to cpu at that row. */
function table(n: number, seed: number, startMs: number, spikeAt = -1): MetricTable {
  const random = mulberry32(seed);
  const cpu = new Float64Array(n);
  const mem = new Float64Array(n);
  const timestamps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestamps[i] = startMs + i * 60_000;
    cpu[i] = 50 + (random() - 0.5) * 2 + (i === spikeAt ? 40 : 0);
    mem[i] = 10 + (random() - 0.5);
  }
  return { metrics: ['cpu', 'mem'], timestamps, columns: [cpu, mem] };
}

describe('detectTable', () => {
  it('flags the injected spike, names cpu as the top contributor, and flags nothing else', () => {
    const train = table(600, 1, 0);
    const input = table(200, 2, 600 * 60_000, 120);
    const result = detectTable(train, input);
    expect(result.detector).toBe('detector/ensemble');
    expect(result.trainScored).toBe(600 - 30);
    expect(result.center).toBeGreaterThanOrEqual(6);
    expect(result.width).toBeCloseTo(result.center / 6, 12);
    const flagged = result.rows.flatMap((r, i) => (r.anomaly ? [i] : []));
    expect(flagged).toEqual([120]);
    const spike = result.rows[120];
    expect(spike?.contributors[0]?.name).toBe('cpu');
    expect(spike?.contributors[0]?.actual).toBeCloseTo(input.columns[0]?.[120] as number, 12);
    expect(spike?.confidence).toBeGreaterThan(0.99);
    expect(result.rows[119]?.confidence).toBeLessThan(0.5);
  });

  it('centres the confidence on the training tail: a noisier training table raises the center', () => {
    const calm = detectTable(table(600, 1, 0), table(10, 2, 0));
    const noisyTrain = table(600, 1, 0);
    for (let i = 40; i < 600; i += 25) (noisyTrain.columns[0] as Float64Array)[i] = 80; // frequent spikes of ~30 σ
    const noisy = detectTable(noisyTrain, table(10, 2, 0));
    expect(calm.center).toBe(6);
    expect(noisy.center).toBeGreaterThan(10);
  });

  it('gives identical rows to a run without training when there is none, and NaN during warm-up', () => {
    const input = table(40, 3, 0);
    const result = detectTable(undefined, input);
    expect(result.center).toBe(6);
    expect(Number.isNaN(result.rows[0]?.score)).toBe(true);
    expect(result.rows[0]?.anomaly).toBe(false);
    expect(Number.isFinite(result.rows[30]?.score)).toBe(true);
  });

  it("with multi/pca, fits on the training rows and flags a row that breaks the metrics' correlation", () => {
    const make = (n: number, seed: number, breakAt = -1): MetricTable => {
      const random = mulberry32(seed);
      const load = new Float64Array(n);
      const cpu = new Float64Array(n);
      const net = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const l = 0.3 + 0.2 * Math.sin(i / 30) + 0.02 * random();
        load[i] = l;
        cpu[i] = 0.8 * l + 0.01 * random();
        net[i] = i >= breakAt && i < breakAt + 10 ? 0.02 : 0.5 * l + 0.01 * random(); // net collapses for 10 rows while load stays
      }
      return {
        metrics: ['load', 'cpu', 'net'],
        timestamps: Float64Array.from({ length: n }, (_, i) => i * 60_000),
        columns: [load, cpu, net],
      };
    };
    const result = detectTable(make(2000, 4), make(300, 5, 150), { detector: 'multi/pca' });
    expect(result.detector).toBe('multi/pca');
    expect(result.trainScored).toBe(2000);
    const flagged = result.rows.flatMap((r, i) => (r.anomaly ? [i] : []));
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every((i) => i >= 150 && i < 165)).toBe(true);
    const first = result.rows[flagged[0] as number];
    expect(first?.contributors[0]?.name).toBe('net');
    expect(first?.contributors[0]?.actual).toBe(0.02);
    expect(result.rows[100]?.anomaly).toBe(false);
    expect(() => detectTable(undefined, make(10, 1), { detector: 'multi/pca' })).toThrow(
      /multi\/pca is fitted on history: give a training table/,
    );
  });

  it('rejects an input missing a training column and bad options, saying what was expected', () => {
    const train = table(50, 1, 0);
    const input: MetricTable = { metrics: ['cpu'], timestamps: train.timestamps, columns: [train.columns[0] as Float64Array] };
    expect(() => detectTable(train, input)).toThrow(/input has no column "mem" \(expected the training columns cpu, mem; got cpu\)/);
    expect(() => detectTable(train, train, { tailQuantile: 1 })).toThrow(/tailQuantile must be a number in \(0, 1\) \(got 1\)/);
    expect(() => detectTable(train, train, { detector: 'forecaster/seasonal-naive' })).toThrow(/is not a detector/);
    expect(() => detectTable(train, train, { config: { alpha: 2 } })).toThrow(/alpha/);
  });
});

describe('detectCsv and homeostat detect', () => {
  it('writes timestamp,score,confidence,anomaly,contributors per input row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-detect-'));
    const csv = (t: MetricTable): string =>
      `timestamp,cpu,mem,label\n${[...t.timestamps].map((ts, i) => `${ts / 1000},${t.columns[0]?.[i]},${t.columns[1]?.[i]},0`).join('\n')}\n`;
    writeFileSync(join(dir, 'train.csv'), csv(table(300, 1, 1_700_000_000_000)));
    writeFileSync(join(dir, 'test.csv'), csv(table(100, 2, 1_700_018_000_000, 50)));
    const code = await detectCommand([
      '--train',
      join(dir, 'train.csv'),
      '--input',
      join(dir, 'test.csv'),
      '--out',
      join(dir, 'scores.csv'),
    ]);
    expect(code).toBe(0);
    const lines = readFileSync(join(dir, 'scores.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,score,confidence,anomaly,contributors');
    expect(lines).toHaveLength(101);
    expect(lines[51]).toMatch(
      /^2023-11-15T04:03:20\.000Z,\d+(\.\d+)?,1,1,"cpu=\d+(\.\d+)? \(expected 5\d(\.\d+)?, actual 9\d(\.\d+)?\); mem=/,
    );
    expect(lines[1]).toMatch(/^2023-11-15T03:13:20\.000Z,[\d.]+,[\d.e-]+,0,"cpu=/);
    const reparsed = parseMetricTable(
      lines
        .join('\n')
        .replace(/,"[^"]*"/g, ',0')
        .replace('contributors', 'c'),
      'out',
    );
    expect(reparsed.timestamps).toHaveLength(100);
  });

  it('fails clearly without --input or with an unreadable file', async () => {
    await expect(detectCommand([])).rejects.toThrow(/--input is required/);
    await expect(detectCommand(['--input', '/nonexistent/x.csv'])).rejects.toThrow(/cannot read --input \/nonexistent\/x\.csv \(ENOENT\)/);
  });

  it('quotes contributors and leaves NaN cells empty', () => {
    const out = detectCsv([{ t: 0, score: Number.NaN, confidence: Number.NaN, anomaly: false, contributors: [] }]);
    expect(out).toBe('timestamp,score,confidence,anomaly,contributors\n1970-01-01T00:00:00.000Z,,,0,""\n');
  });
});
