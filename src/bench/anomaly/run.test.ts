import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { nabScaledSigmoid } from './metrics.js';
import { DEFAULT_DETECTOR_KIND, DETECTOR_SPECS } from '../../models/index.js';
import { bestF1Threshold, formatAnomalyTables, methodName, quantile, rollingRobustZ, runAnomalyBench } from './run.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'anomaly-bench-'));
  dirs.push(d);
  return d;
}

/** A deterministic, bounded, non-constant pattern: 10 + ((i·37) mod 11)/10. */
const base = (i: number): number => 10 + ((i * 37) % 11) / 10;

function nabTime(i: number): string {
  return new Date(Date.UTC(2014, 0, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
}

function writeNab(root: string): void {
  const dir = join(root, 'anomaly', 'nab');
  mkdirSync(join(dir, 'data', 'realTest'), { recursive: true });
  mkdirSync(join(dir, 'labels'), { recursive: true });
  const csv = (spikeAt: number | undefined): string =>
    `timestamp,value\n${Array.from({ length: 400 }, (_, i) => `${nabTime(i)},${i === spikeAt ? 60 : base(i)}`).join('\n')}\n`;
  writeFileSync(join(dir, 'data', 'realTest', 'spike.csv'), csv(300));
  writeFileSync(join(dir, 'data', 'realTest', 'clean.csv'), csv(undefined));
  writeFileSync(
    join(dir, 'labels', 'combined_windows.json'),
    JSON.stringify({ 'realTest/spike.csv': [[`${nabTime(290)}.000000`, `${nabTime(310)}.000000`]], 'realTest/clean.csv': [] }),
  );
}

function writeSmd(root: string): void {
  const dir = join(root, 'anomaly', 'smd');
  for (const sub of ['train', 'test', 'test_label', 'interpretation_label']) mkdirSync(join(dir, sub), { recursive: true });
  const rows = (spike: boolean): string =>
    Array.from({ length: 200 }, (_, i) => {
      const m2 = spike && i >= 120 && i <= 122 ? 5 : base(i + 3) / 20;
      return [base(i) / 20, m2, base(i + 7) / 20].join(',');
    }).join('\n');
  // machine-1-1 is in the tuning part (calibration is fitted on it), machine-9-9 is held out.
  for (const name of ['machine-1-1', 'machine-9-9']) {
    writeFileSync(join(dir, 'train', `${name}.txt.gz`), gzipSync(`${rows(false)}\n`));
    writeFileSync(join(dir, 'test', `${name}.txt.gz`), gzipSync(`${rows(true)}\n`));
    writeFileSync(
      join(dir, 'test_label', `${name}.txt`),
      `${Array.from({ length: 200 }, (_, i) => (i >= 120 && i <= 122 ? 1 : 0)).join('\n')}\n`,
    );
    writeFileSync(join(dir, 'interpretation_label', `${name}.txt`), '120-123:2\n');
  }
}

function writeKpi(root: string): void {
  const dir = join(root, 'anomaly', 'kpi');
  mkdirSync(dir, { recursive: true });
  const rows = Array.from({ length: 400 }, (_, i) => {
    const spike = i === 100 ? 50 : i === 300 ? 80 : undefined;
    return `${1_500_000_000 + 60 * i},${spike ?? base(i)},${spike === undefined ? 0 : 1}`;
  });
  writeFileSync(join(dir, 'kpi-a.csv.gz'), gzipSync(`${rows.join('\n')}\n`));
}

describe('rollingRobustZ', () => {
  it('scores against the median and MAD of the previous points, NaN while warming up', () => {
    const z = rollingRobustZ([1, 2, 1, 2, 10], 4, 4);
    expect(Array.from(z.subarray(0, 4)).every(Number.isNaN)).toBe(true);
    // window [1, 2, 1, 2]: median 1.5, MAD 0.5 → 8.5 / (1.4826 · 0.5)
    expect(z[4]).toBeCloseTo(8.5 / (1.4826 * 0.5), 9);
  });

  it('forgets points older than the window and skips non-finite values', () => {
    // window 3: before the last point it holds [5, 5, 5] (the 100 and the NaN are gone or skipped)
    const z = rollingRobustZ([100, Number.NaN, 5, 5, 5, 5.5], 3, 3);
    expect(Number.isNaN(z[1])).toBe(true);
    expect(z[5]).toBeCloseTo(0.5 / Math.max(0, 0.05, 1e-3), 9);
    // at index 4 the window is [100, 5, 5]: median 5, MAD 0 → floor 0.05, |5 − 5| = 0
    expect(z[4]).toBe(0);
  });
});

describe('quantile and bestF1Threshold', () => {
  it('takes the lower order statistic of the finite values', () => {
    expect(quantile([3, 1, 2, Number.NaN], 0.5)).toBe(2);
    expect(quantile([Number.NaN], 0.99)).toBe(Number.POSITIVE_INFINITY);
  });

  it('picks the threshold of the best point F1 and Infinity without labels', () => {
    expect(bestF1Threshold([0, 1, 0, 1], [1, 5, 2, 4])).toBe(4);
    expect(bestF1Threshold([0, 1, 0, 0], [3, 2, 1, 0])).toBe(2); // flag {3, 2}: F1 2/3 beats flag {3}: 0
    expect(bestF1Threshold([0, 0], [1, 2])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('runAnomalyBench', () => {
  const root = tempDir();
  writeNab(root);
  writeSmd(root);
  writeKpi(root);
  const out = tempDir();
  const progress: number[] = [];
  const logs: string[] = [];
  const m = runAnomalyBench({ root, out, onProgress: (done) => progress.push(done), onLog: (l) => logs.push(l) });

  it('writes metrics.json in the README shape with both methods on every dataset', () => {
    const json = JSON.parse(readFileSync(join(out, 'anomaly', 'metrics.json'), 'utf8')) as typeof m;
    expect(json.task).toBe('anomaly');
    expect(json.data).toBe(root);
    expect(Object.keys(json.datasets).sort()).toEqual(['kpi', 'nab', 'smd']);
    const detectors = DETECTOR_SPECS.filter((d) => d.kind !== DEFAULT_DETECTOR_KIND).map((d) => methodName(d.kind));
    for (const d of ['kpi', 'nab'] as const)
      expect(Object.keys(json.datasets[d] ?? {})).toEqual(['homeostat', 'robust_z_rolling', ...detectors]);
    const lifted = methodName(DEFAULT_DETECTOR_KIND);
    expect(Object.keys(json.datasets.smd ?? {})).toEqual(['homeostat', 'robust_z_train', lifted, 'robust_z_rolling', ...detectors]);
    expect(Object.keys(json.methods)).toEqual(['homeostat', 'robust_z_rolling', ...detectors, 'robust_z_train', lifted]);
    expect(json.methods.homeostat).toMatch(
      /^the default detector, detector\/ensemble .*; on SMD \(38 metrics per machine\): the default multivariate detector, multi\/pca/,
    );
    for (const key of [
      'point_precision',
      'point_recall',
      'point_f1',
      'pr_auc',
      'event_precision',
      'event_recall',
      'hitrate_100',
      'hitrate_150',
      'points_per_s',
      'seconds',
    ]) {
      expect(typeof json.datasets.smd?.homeostat?.[key]).toBe('number');
    }
    expect(json.datasets.smd?.homeostat?.series?.['machine-9-9']?.point_recall).toBe(1);
    expect(json.datasets.smd?.homeostat?.heldout).toMatchObject({ series_count: 1, point_recall: 1, hitrate_100: 1 });
    for (const key of ['ece', 'brier', 'mean_confidence', 'base_rate']) {
      expect(typeof json.datasets.smd?.homeostat?.[key]).toBe('number');
      expect(typeof json.datasets.kpi?.homeostat?.[key]).toBe('number');
    }
    expect(json.datasets.smd?.homeostat?.base_rate).toBe(0.015); // 3 of 200 held-out rows
    expect(logs).toEqual([]);
    expect(progress).toEqual([1, 2, 3, 4, 5]); // 2 NAB series, 2 machines, 1 KPI
  });

  it('finds an obvious spike: KPI second half perfectly, SMD with recall 1 and the right metric first', () => {
    for (const method of ['homeostat', 'robust_z_rolling'] as const) {
      const kpi = m.datasets.kpi?.[method];
      expect(kpi?.point_recall).toBe(1);
      expect(kpi?.point_precision).toBe(1);
      expect(kpi?.pr_auc).toBe(1);
      expect(kpi?.event_precision).toBe(1);
      expect(kpi?.event_recall).toBe(1);
      const smd = m.datasets.smd?.[method];
      expect(smd?.point_recall).toBe(1);
      expect(smd?.event_recall).toBe(1);
      expect(smd?.hitrate_100).toBe(1);
    }
  });

  it('sweeps the NAB threshold to the single spike detection', () => {
    // One window of 21 points, detected at its 11th point: reward σ(−11/21)/σ(−1); null −fnWeight, perfect 1.
    const r = nabScaledSigmoid(-11 / 21) / nabScaledSigmoid(-1);
    for (const method of ['homeostat', 'robust_z_rolling'] as const) {
      const nab = m.datasets.nab?.[method];
      expect(nab?.nab_standard).toBeCloseTo((100 * (r + 1)) / 2, 1);
      expect(nab?.nab_reward_low_fp).toBeCloseTo((100 * (r + 1)) / 2, 1);
      expect(nab?.nab_reward_low_fn).toBeCloseTo((100 * (r + 2)) / 3, 1);
    }
  });

  it('writes score CSVs of the reported part and an HTML report with charts', () => {
    const kpi = readFileSync(join(out, 'anomaly', 'scores', 'kpi', 'kpi-a.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(kpi[0]).toBe('index,timestamp,score,confidence,anomaly');
    expect(kpi).toHaveLength(201);
    expect(kpi[1]?.startsWith('200,2017-07-14T06:00:00.000Z,')).toBe(true);
    expect(kpi[101]?.endsWith(',1')).toBe(true); // index 300, the spike
    const smd = readFileSync(join(out, 'anomaly', 'scores', 'smd', 'machine-9-9.csv'), 'utf8').split('\n');
    expect(smd[121]?.startsWith('120,120,')).toBe(true);
    const nab = readFileSync(join(out, 'anomaly', 'scores', 'nab', 'realTest', 'spike.csv'), 'utf8').split('\n');
    expect(nab[0]).toBe('index,timestamp,score,confidence,anomaly');
    expect(nab).toHaveLength(402);
    const html = readFileSync(join(out, 'anomaly', 'report.html'), 'utf8');
    expect(html).toContain('<h2>smd</h2>');
    expect(html.match(/<svg /g)?.length).toBe(4); // 1 NAB, 2 SMD, 1 KPI
    expect(html).toContain('<th>heldout.point_f1</th>');
  });

  it('prints one table per dataset with every method, held-out rows for SMD, and what each method is', () => {
    const text = formatAnomalyTables(m);
    expect(text).toMatch(/^nab\s+homeostat\s+robust_z_rolling\s/m);
    expect(text).toMatch(/^smd\s+homeostat\s+robust_z_train\s+ensemble\s+robust_z_rolling\s/m);
    expect(text).toMatch(/^point_f1\s+1\s+1\s/m);
    expect(text).toMatch(/^heldout\.point_recall\s+1\s/m);
    expect(text).toMatch(/^- robust_z_train: baseline: per-metric robust z against the training median/m);
  });

  it('runs only the methods asked for (homeostat always) and rejects an unknown one', () => {
    const only = runAnomalyBench({ root, methods: ['robust_z_train'], onLog: () => {} });
    expect(Object.keys(only.datasets.smd ?? {})).toEqual(['homeostat', 'robust_z_train']);
    expect(Object.keys(only.datasets.kpi ?? {})).toEqual(['homeostat']);
    expect(() => runAnomalyBench({ root, methods: ['magic'] })).toThrow(
      /unknown method "magic" \(expected some of: homeostat, robust_z_rolling/,
    );
  });
});

describe('runAnomalyBench with missing datasets', () => {
  it('skips a missing dataset folder with a line saying so', () => {
    const root = tempDir();
    writeKpi(root);
    const logs: string[] = [];
    const m = runAnomalyBench({ root, onLog: (l) => logs.push(l) });
    expect(logs).toEqual([
      `skipping nab: ${join(root, 'anomaly', 'nab')} not found`,
      `skipping smd: ${join(root, 'anomaly', 'smd')} not found`,
    ]);
    expect(Object.keys(m.datasets)).toEqual(['kpi']);
    expect(m.skipped.nab).toBe(`${join(root, 'anomaly', 'nab')} not found`);
    expect(formatAnomalyTables(m)).toContain(`nab: skipped (${join(root, 'anomaly', 'nab')} not found)`);
  });
});
