import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { forecastCommand } from './forecast.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-forecast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Two days of 5-minute rows (epoch seconds): cpu = (i mod 288) + day, mem = 100. */
function history(rows = 576): string {
  const t0 = 1_704_067_200; // 2024-01-01T00:00:00Z
  const lines = ['timestamp,cpu,mem'];
  for (let i = 0; i < rows; i++) lines.push(`${t0 + i * 300},${(i % 288) + Math.floor(i / 288)},100`);
  return `${lines.join('\n')}\n`;
}

describe('homeostat forecast', () => {
  it('writes timestamp,metric,mean,lower,upper for the horizon after the last row', async () => {
    const input = join(dir, 'history.csv');
    const out = join(dir, 'forecast.csv');
    writeFileSync(input, history());
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await forecastCommand(['--input', input, '--horizon', '2h', '--out', out, '--forecaster', 'forecaster/seasonal-naive']);
    expect(code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('timestamp,metric,mean,lower,upper');
    expect(lines.length).toBe(1 + 2 * 24);
    expect(lines[1]).toBe('2024-01-03T00:00:00.000Z,cpu,1,0,2');
    expect(lines[25]).toBe('2024-01-03T00:00:00.000Z,mem,100,100,100');
    expect(String(stderr.mock.calls.at(-1)?.[0])).toBe(
      `homeostat forecast: 2 metric(s) × 24 steps of 300 s (inferred) with forecaster/seasonal-naive, 90 % intervals; wrote ${out}\n`,
    );
  });

  it('takes --step over the inferred step', async () => {
    const input = join(dir, 'history-step.csv');
    const out = join(dir, 'forecast-step.csv');
    writeFileSync(input, history());
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await forecastCommand(['--input', input, '--horizon', '1h', '--step', '10m', '--out', out]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.length).toBe(1 + 2 * 6);
    // the last row is at 2024-01-02 23:55; steps of 10 minutes after it
    expect(lines.slice(1, 3).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      '2024-01-03T00:05:00.000Z,cpu',
      '2024-01-03T00:15:00.000Z,cpu',
    ]);
  });

  it('says what is wrong: the horizon, the input, too little history', async () => {
    const input = join(dir, 'short.csv');
    writeFileSync(input, history(4));
    await expect(forecastCommand(['--input', input, '--horizon', 'tomorrow'])).rejects.toThrow(
      'homeostat forecast: --horizon must be a duration like 90s, 15m, 6h or 2d (got "tomorrow")',
    );
    await expect(forecastCommand([])).rejects.toThrow(/--input is required/);
    await expect(forecastCommand(['--input', '/nonexistent/x.csv'])).rejects.toThrow(
      /cannot read --input \/nonexistent\/x\.csv \(ENOENT\)/,
    );
    await expect(forecastCommand(['--input', input, '--forecaster', 'forecaster/seasonal-naive'])).rejects.toThrow(
      /too little history for metric "cpu": 4 point\(s\) with a value; forecaster\/seasonal-naive needs at least 10 points/,
    );
    await expect(forecastCommand(['--input', input, '--config', '[1]'])).rejects.toThrow(/--config must be a JSON object/);
  });
});
