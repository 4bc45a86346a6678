import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { rcaCommand } from './rca.js';

const root = mkdtempSync(join(tmpdir(), 'homeostat-rca-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Six normal rows, four incident rows: carts CPU 1 -> 10 (robust z 90), orders CPU unchanged. */
function sockShopLike(): string {
  const dir = join(root, 'carts-cpu');
  mkdirSync(dir, { recursive: true });
  const cpu = [1, 1.1, 0.9, 1, 1.05, 0.95];
  writeFileSync(join(dir, 'normal.csv'), `time,carts_cpu,orders_cpu\n${cpu.map((v, i) => `${1000 + i},${v},${v}`).join('\n')}\n`);
  writeFileSync(join(dir, 'anomalous.csv'), `time,carts_cpu,orders_cpu\n${[0, 1, 2, 3].map((i) => `${2000 + i},10,1`).join('\n')}\n`);
  return dir;
}

describe('homeostat rca', () => {
  it('prints the ranked hypotheses and writes them as JSON', async () => {
    const dir = sockShopLike();
    const out = join(root, 'rca.json');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await rcaCommand(['--case', dir, '--out', out])).toBe(0);
    const text = String(stdout.mock.calls[0]?.[0]);
    expect(text).toContain('homeostat rca: carts-cpu: 2 metrics of 2 candidates, 6 normal and 4 incident rows\n');
    expect(text).toMatch(
      / 1\. carts {2}confidence 0\.\d{3} {2}\(score 90\)\n {6}- carts_cpu rose to 10\.0× its normal \(robust z 90\.0\) at 00:33:20, first of all anomalous metrics\n/,
    );
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.case).toBe('carts-cpu');
    expect(report.model).toEqual({ kind: 'rca/metric-rank', version: '3' });
    expect(report.anomalous).toBe(true);
    expect(report.hypotheses.map((h: { candidate: string; rank: number }) => [h.rank, h.candidate])).toEqual([
      [1, 'carts'],
      [2, 'orders'],
    ]);
    expect(report.hypotheses[0].confidence).toBeGreaterThan(0.98);
    expect(report.hypotheses[0].confidence + report.hypotheses[1].confidence).toBeLessThanOrEqual(1);
  });

  it('reads a PetShop issue folder with its scenario graph, and says where the labelled root cause ranked', async () => {
    const issue = join(root, 'scenario', 'test', 'issue_0');
    mkdirSync(issue, { recursive: true });
    writeFileSync(join(root, 'scenario', 'graph.csv'), ',Site,Search\nSite,0,1\nSearch,0,0\n');
    const rows = [0, 300, 600, 900, 1200].map((dt, i) => `${1_681_000_000 + dt},${i < 2 ? 0.1 : 0.2},${i < 2 ? 0.03 : 1.0}`);
    const header = ['microservice,Site,Search', 'metric,latency,latency', 'statistic,p99,p99', 'unix_timestamp,,'];
    writeFileSync(join(issue, 'metrics.csv'), `${[...header, ...rows].join('\n')}\n`);
    writeFileSync(join(issue, 'target.json'), JSON.stringify({ target: { timestamp: 1_681_000_600 }, root_cause: { node: 'Search' } }));
    const out = join(root, 'petshop.json');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await rcaCommand(['--case', issue, '--out', out])).toBe(0);
    const text = String(stdout.mock.calls[0]?.[0]);
    expect(text).toContain(
      'homeostat rca: scenario/test/issue_0: 2 metrics of 2 candidates, 2 normal and 3 incident rows, call graph of 1 edges\n',
    );
    expect(text).toContain('\nlabelled root cause: Search, ranked 1 of 2\n');
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.truth).toEqual({ causes: ['Search'], rank: 1 });
    expect(report.hypotheses[0].candidate).toBe('Search');
  });

  it('says what is missing', async () => {
    await expect(rcaCommand([])).rejects.toThrow('homeostat rca: --case is required');
    await expect(rcaCommand(['--case', join(root, 'nope')])).rejects.toThrow(/expected normal\.csv \+ anomalous\.csv, or metrics\.csv/);
    await expect(rcaCommand(['--case', sockShopLike(), '--top', '0'])).rejects.toThrow(
      'homeostat rca: --top must be an integer >= 1 (got 0)',
    );
  });
});
