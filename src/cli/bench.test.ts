import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { benchCommand } from './bench.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-bench-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('homeostat bench capacity', () => {
  it('prints one table per dataset, skips the missing AWS folder, and writes its outputs', async () => {
    const root = join(dir, 'data');
    mkdirSync(join(root, 'capacity'), { recursive: true });
    const rows = Array.from({ length: 5 * 288 }, (_, i) => `${(i % 288) + Math.floor(i / 288)}`);
    writeFileSync(join(root, 'capacity', 'tiny_5min.csv'), `load\n${rows.join('\n')}\n`);
    const out = join(dir, 'out');
    let printed = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      errors.push(String(chunk));
      return true;
    });
    const code = await benchCommand(['capacity', '--data', root, '--out', out, '--methods', 'seasonal_naive']);
    expect(code).toBe(0);
    expect(printed).toMatch(/^tiny\s+homeostat\s+seasonal_naive$/m);
    // 2 reported origins (5 days, ≥ 3 days of history each), every forecast off by 1 a day
    expect(printed).toMatch(/^rel_mae_vs_snaive\s+\S+\s+1$/m);
    expect(printed).toMatch(/^origins\s+2\s+2$/m);
    expect(printed).toContain('aws_instances: skipped (');
    expect(errors.some((l) => l.startsWith('skipping aws_instances: '))).toBe(true);
    expect(existsSync(join(out, 'capacity', 'metrics.json'))).toBe(true);
    expect(existsSync(join(out, 'capacity', 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'capacity', 'forecasts', 'tiny', 'load.csv'))).toBe(true);
  });

  it('rejects an unknown task and an unknown method', async () => {
    await expect(benchCommand(['capacityx'])).rejects.toThrow(
      'homeostat bench: unknown task "capacityx" (expected: loop, anomaly or capacity)',
    );
    await expect(benchCommand(['capacity', '--data', dir, '--methods', 'oracle'])).rejects.toThrow(/unknown method "oracle"/);
  });
});
