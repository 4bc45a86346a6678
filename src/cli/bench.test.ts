import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { captureOutput } from '../../test/fixtures/capture-output.js';
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
    const output = captureOutput();
    const code = await benchCommand(['capacity', '--data', root, '--out', out, '--methods', 'seasonal_naive']);
    expect(code).toBe(0);
    expect(output.printed).toMatch(/^tiny\s+homeostat\s+seasonal_naive$/m);
    // 2 reported origins (5 days, ≥ 3 days of history each), every forecast off by 1 a day
    expect(output.printed).toMatch(/^rel_mae_vs_snaive\s+\S+\s+1$/m);
    expect(output.printed).toMatch(/^origins\s+2\s+2$/m);
    expect(output.printed).toContain('aws_instances: skipped (');
    expect(output.errors.some((l) => l.startsWith('skipping aws_instances: '))).toBe(true);
    expect(existsSync(join(out, 'capacity', 'metrics.json'))).toBe(true);
    expect(existsSync(join(out, 'capacity', 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'capacity', 'forecasts', 'tiny', 'load.csv'))).toBe(true);
  });

  it('rejects an unknown task and an unknown method', async () => {
    await expect(benchCommand(['capacityx'])).rejects.toThrow(
      'homeostat bench: unknown task "capacityx" (expected: loop, anomaly, capacity, failure, rca, scaling or ingest)',
    );
    await expect(benchCommand(['capacity', '--data', dir, '--methods', 'oracle'])).rejects.toThrow(/unknown method "oracle"/);
  });
});

describe('homeostat bench failure', () => {
  it('prints its tables, skips missing traces, and writes its outputs', async () => {
    const root = join(dir, 'failure-data');
    mkdirSync(join(root, 'failure', 'grid5000'), { recursive: true });
    const lines = ['# event_id component_id node_id platform_id node_name event_type event_start_time event_stop_time event_end_reason'];
    const start = Date.UTC(2020, 0, 1) / 1000;
    for (let k = 0; k < 150; k++) {
      const t = start + k * 30 * 3600;
      lines.push(`${2 * k}\t0\t0\t5\tG1/s1/c1/n1\t1\t${t}\t${t + 29 * 3600}\tNULL`);
      lines.push(`${2 * k + 1}\t0\t0\t5\tG1/s1/c1/n1\t0\t${t + 29 * 3600}\t${t + 30 * 3600}\tNULL`);
    }
    writeFileSync(join(root, 'failure', 'grid5000', 'event_trace.tab.gz'), gzipSync(`${lines.join('\n')}\n`));
    const out = join(dir, 'failure-out');
    const output = captureOutput();
    const code = await benchCommand(['failure', '--data', root, '--out', out, '--methods', 'always_no,persistence', '--no-sim']);
    expect(code).toBe(0);
    expect(output.printed).toMatch(/^grid5000\s+always_no\s+persistence$/m);
    expect(output.printed).toMatch(/^balanced_accuracy\s+0\.500\s+\S+$/m);
    expect(output.printed).toContain('lanl: skipped (');
    expect(output.errors.some((l) => l.startsWith('skipping lanl: '))).toBe(true);
    expect(existsSync(join(out, 'failure', 'metrics.json'))).toBe(true);
    expect(existsSync(join(out, 'failure', 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'failure', 'predictions', 'grid5000.csv'))).toBe(true);
    await expect(benchCommand(['failure', '--data', root, '--methods', 'oracle'])).rejects.toThrow(/unknown method "oracle"/);
  });
});

describe('homeostat bench rca', () => {
  it('prints its tables, skips missing datasets, and writes its outputs', async () => {
    const root = join(dir, 'rca-data');
    for (const run of ['1', '4']) {
      const base = join(root, 'rca', 'sock-shop', 'a-mem', run);
      mkdirSync(base, { recursive: true });
      writeFileSync(join(base, 'normal.csv'), 'time,a_mem,b_cpu\n1,100,5\n2,101,6\n3,100,5\n');
      writeFileSync(join(base, 'anomalous.csv'), 'time,a_mem,b_cpu\n4,500,6\n5,600,5\n');
    }
    const out = join(dir, 'rca-out');
    const output = captureOutput();
    const code = await benchCommand(['rca', '--data', root, '--out', out, '--methods', 'nsigma']);
    expect(code).toBe(0);
    expect(output.printed).toMatch(/^sock-shop\s+homeostat\s+nsigma$/m);
    expect(output.printed).toMatch(/^ac1\s+1\s+1$/m);
    expect(output.printed).toContain('petshop: skipped (');
    expect(output.errors.some((l) => l.startsWith('skipping smd-attribution: '))).toBe(true);
    expect(existsSync(join(out, 'rca', 'metrics.json'))).toBe(true);
    expect(existsSync(join(out, 'rca', 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'rca', 'rankings', 'sock-shop.csv'))).toBe(true);
    await expect(benchCommand(['rca', '--data', root, '--methods', 'oracle'])).rejects.toThrow(/unknown method "oracle"/);
  });
});
