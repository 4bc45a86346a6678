import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CaseRanker } from '../../rca/case-types.js';
import { formatRcaTables, runRcaBench } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-rca-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 'time,a_cpu,b_cpu,b_mem';

/** Sock Shop runs 1 (dev) and 3 (report) of a fault in `a`: a_cpu jumps to 90; b's memory drifts by 2 MB (bytes). */
function root(): string {
  const r = join(dir, 'data');
  for (const run of ['1', '3']) {
    const base = join(r, 'rca', 'sock-shop', 'a-cpu', run);
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, 'normal.csv'), `${HEADER}\n1,1,5,1000000\n2,2,6,1000000\n3,3,5,1000000\n4,2,6,1000000\n`);
    writeFileSync(join(base, 'anomalous.csv'), `${HEADER}\n10,90,5,3000000\n11,80,6,3000000\n`);
  }
  return r;
}

describe('runRcaBench', () => {
  it('scores every method per split, skips missing datasets and writes its outputs', () => {
    const out = join(dir, 'out');
    const logs: string[] = [];
    const progress: number[] = [];
    const m = runRcaBench({ data: root(), out, onLog: (l) => logs.push(l), onProgress: (d, t) => progress.push(d / t) });
    expect(logs).toEqual([
      `skipping petshop: ${join(dir, 'data', 'rca', 'petshop')} not found`,
      `skipping smd-attribution: ${join(dir, 'data', 'anomaly', 'smd')} not found`,
    ]);
    expect(progress).toEqual([0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
    const d = m.datasets['sock-shop'];
    expect(Object.keys(d ?? {})).toEqual(['homeostat', 'nsigma', 'nsigma_rcaeval', 'baro']);
    // plain nsigma: b_mem is constant in the normal rows, std 0 → 1: z = 2e6 in bytes beats a_cpu
    expect(d?.nsigma).toMatchObject({ ac1: 0, ac3: 1, avg5: 0.8, cases: 1, no_issue_cases: 0, tuning: { ac1: 0, cases: 1 } });
    // baro: memory in MB → b scores (3 − 1) / 1 = 2; a: (90 − 2) / IQR 0.5 = 176
    expect(d?.baro).toMatchObject({ ac1: 1, ac3: 1, avg5: 1, cases: 1, tuning: { ac1: 1, cases: 1 } });
    expect(d?.homeostat?.ac1).toBe(1);
    expect(m.methods.homeostat).toMatch(/^PLACEHOLDER/);
    expect(m.skipped).toEqual({
      petshop: `${join(dir, 'data', 'rca', 'petshop')} not found`,
      'smd-attribution': `${join(dir, 'data', 'anomaly', 'smd')} not found`,
    });
    const json = JSON.parse(readFileSync(join(out, 'rca', 'metrics.json'), 'utf8'));
    expect(json.task).toBe('rca');
    expect(json.datasets['sock-shop'].baro.ac1).toBe(1);
    const csv = readFileSync(join(out, 'rca', 'rankings', 'sock-shop.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('case,rank,candidate,confidence,truth');
    expect(csv[1]).toMatch(/^a-cpu\/1,1,a,0\.\d+,1$/);
    expect(csv[2]).toMatch(/^a-cpu\/1,2,b,0\.\d+,0$/);
    expect(csv).toHaveLength(5);
    const html = readFileSync(join(out, 'rca', 'report.html'), 'utf8');
    expect(html).toContain('<h2>sock-shop</h2>');
    expect(html).toContain('baro (2 cases)');
    const text = formatRcaTables(m);
    expect(text).toMatch(/^ac1\s+1\s+0\s+1\s+1$/m);
    expect(text).toMatch(/^tuning\.ac1\s+1\s+0\s+1\s+1$/m);
    expect(text).not.toMatch(/^specificity/m);
    expect(text).toContain('petshop: skipped (');
  });

  it('runs an injected homeostat ranker and only the baselines asked for; rejects an unknown one', () => {
    const last: CaseRanker = (c) => ({
      anomalous: true,
      ranked: [...c.candidates].reverse().map((candidate) => ({ candidate, score: 1, confidence: 0.5, evidence: [] })),
    });
    const m = runRcaBench({ data: root(), homeostat: last, homeostatDescription: 'reverse order', only: ['baro'], onLog: () => {} });
    expect(m.methods).toEqual({ homeostat: 'reverse order', baro: expect.any(String) });
    expect(m.datasets['sock-shop']?.homeostat).toMatchObject({ ac1: 0, ac3: 1, ece: 0.5, brier: 0.25, mean_confidence: 0.5 });
    expect(m.notes.some((n) => n.includes('PLACEHOLDER'))).toBe(false);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(() => runRcaBench({ data: root(), only: ['oracle'] })).toThrow(
      'bench rca: unknown method "oracle" (expected some of: nsigma, nsigma_rcaeval, baro)',
    );
  });
});
