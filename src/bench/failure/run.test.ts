import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { FailureMethod } from './methods.js';
import { xgboostTestsEnabled } from '../../models/xgboost/native.js';
import { foreseeableFigures, formatFailureTables, runFailureBench } from './run.js';

/** Every run includes the homeostat method, which trains with XGBoost. */
const ENABLED = xgboostTestsEnabled('bench/failure run');

const dir = mkdtempSync(join(tmpdir(), 'homeostat-failure-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Four nodes over six months, each failing for one hour every 30 + 7·i hours. */
function syntheticFta(): string {
  const start = Date.UTC(2020, 0, 1) / 1000;
  const end = Date.UTC(2020, 6, 1) / 1000;
  const lines = ['# event_id component_id node_id platform_id node_name event_type event_start_time event_stop_time event_end_reason'];
  let id = 0;
  for (let i = 0; i < 4; i++) {
    const node = `G1/site1/c${i % 2}/node${i}`;
    const period = (30 + 7 * i) * 3600;
    let t = start;
    while (t < end) {
      lines.push(`${id++}\t0\t${i}\t5\t${node}\t1\t${t}\t${t + period - 3600}\tNULL`);
      lines.push(`${id++}\t0\t${i}\t5\t${node}\t0\t${t + period - 3600}\t${t + period}\tNULL`);
      t += period;
    }
  }
  return `${lines.join('\n')}\n`;
}

function root(): string {
  const r = join(dir, 'data');
  mkdirSync(join(r, 'failure', 'grid5000'), { recursive: true });
  writeFileSync(join(r, 'failure', 'grid5000', 'event_trace.tab.gz'), gzipSync(syntheticFta()));
  return r;
}

describe.skipIf(!ENABLED)('runFailureBench', () => {
  it('scores every method on the test period, skips the missing LANL file and writes its outputs', () => {
    const out = join(dir, 'out');
    const logs: string[] = [];
    const progress: number[] = [];
    const m = runFailureBench({ root: root(), out, sim: false, onLog: (l) => logs.push(l), onProgress: (d, t) => progress.push(d / t) });
    expect(logs).toEqual([`skipping lanl: ${join(dir, 'data', 'failure', 'lanl', 'lanl_failures_1996_2005.csv')} not found`]);
    expect(progress.at(-1)).toBe(1);
    const g = m.datasets.grid5000;
    expect(Object.keys(g ?? {})).toEqual(['homeostat', 'always_no', 'persistence', 'logistic_regression']);
    const no = g?.always_no;
    expect(no?.accuracy).toBeCloseTo(1 - (no?.base_rate ?? 0), 4);
    expect([no?.roc_auc, no?.recall, no?.event_recall, no?.balanced_accuracy]).toEqual([0.5, 0, 0, 0.5]);
    expect(no?.pr_auc).toBeCloseTo(no?.base_rate ?? 0, 4);
    // strictly periodic failures: an onset in the last 6 h never precedes another within 6 h
    expect(g?.persistence?.recall).toBe(0);
    // hours since the last failure predicts the next one: the logistic regression ranks well
    expect(g?.logistic_regression?.roc_auc).toBeGreaterThan(0.9);
    expect(g?.logistic_regression?.event_recall).toBeGreaterThan(0.9);
    // the trees find the period exactly: every onset flagged, nothing else
    expect([g?.homeostat?.roc_auc, g?.homeostat?.precision, g?.homeostat?.recall, g?.homeostat?.event_recall]).toEqual([1, 1, 1, 1]);
    // the trace ends at the UTC day after its last start (early July): test = the 3 months before
    expect(m.splits.grid5000?.periods.test.from).toMatch(/^2020-04-0[1-4]T00:00:00.000Z$/);
    expect(m.splits.grid5000?.predictions).toMatch(/^homeostat \(best PR-AUC on the tune rows/);
    const json = JSON.parse(readFileSync(join(out, 'failure', 'metrics.json'), 'utf8'));
    expect(json.task).toBe('failure');
    expect(json.datasets.grid5000.persistence.tuning.roc_auc).toBeTypeOf('number');
    const csv = readFileSync(join(out, 'failure', 'predictions', 'grid5000.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('entity,timestamp,probability,label');
    expect(csv.length - 1).toBe(m.splits.grid5000?.periods.test.rows);
    expect(csv[1]).toMatch(new RegExp(`^site1/c0/node0,${m.splits.grid5000?.periods.test.from},[0-9.e-]+,[01]$`));
    const html = readFileSync(join(out, 'failure', 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('logistic_regression');
    expect(html).toContain('<h3>Reliability, test period</h3>');
    // reliability bins: 10 bins whose counts add up to the test rows
    const bins = g?.logistic_regression?.reliability ?? [];
    expect(bins.length).toBe(10);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(m.splits.grid5000?.periods.test.rows);
    expect(json.datasets.grid5000.always_no.reliability[0]).toEqual({
      lo: 0,
      hi: 0.1,
      count: m.splits.grid5000?.periods.test.rows,
      mean_predicted: 0,
      observed_rate: no?.base_rate,
    });
    expect(formatFailureTables(m)).toMatch(/^roc_auc\s+\S+\s+0\.500\s+\S+\s+\S+$/m);
  });

  it('runs extra methods given by the caller and rejects unknown names', () => {
    const constant: FailureMethod = {
      name: 'homeostat',
      description: 'test method: probability 0.5 everywhere, threshold 0.4',
      run: (input) => ({
        tune: new Float64Array(input.tune.rows).fill(0.5),
        test: new Float64Array(input.test.rows).fill(0.5),
        threshold: 0.4,
      }),
    };
    const m = runFailureBench({ root: root(), methods: [constant], sim: false, onLog: () => {} });
    expect(m.datasets.grid5000?.homeostat?.recall).toBe(1);
    expect(m.datasets.grid5000?.homeostat?.brier).toBeCloseTo(0.25, 6);
    expect(() => runFailureBench({ root: root(), only: ['oracle'], sim: false, onLog: () => {} })).toThrow(
      'bench failure: unknown method "oracle" (expected some of: homeostat, always_no, persistence, logistic_regression)',
    );
  });
});

describe('runFailureBench on the simulated fleet', () => {
  it('scores the served heuristic and the baselines per fault kind, and skips a missing shipped model with a line', () => {
    const logs: string[] = [];
    const simOptions = {
      days: 1,
      faults: 8,
      warmupMs: 2 * 3_600_000,
      fleet: { services: 6, hosts: 8, databases: 2, queues: 1, loadBalancers: 1 },
      fitSeeds: [201],
      tuneSeeds: [204],
      testSeeds: [301],
    };
    const m = runFailureBench({
      root: join(dir, 'none'),
      only: ['failure_heuristic', 'failure_trees_shipped', 'always_no'],
      simOptions,
      shippedModel: join(dir, 'no-such-model.json'),
      onLog: (l) => logs.push(l),
    });
    expect(logs.at(-1)).toBe(
      `skipping failure_trees_shipped on simulated: no model file at ${join(dir, 'no-such-model.json')} (make it with: node dist/bench/failure/train-sim.js)`,
    );
    const sim = m.datasets.simulated;
    expect(Object.keys(sim ?? {})).toEqual(['failure_heuristic', 'always_no']);
    expect(sim?.failure_heuristic?.threshold).toBe(0.7);
    // always-no detects nothing, kind by kind; the kinds that fail in a day of this fleet are listed
    const kinds = sim?.always_no?.by_kind ?? {};
    expect(Object.keys(kinds).length).toBeGreaterThan(0);
    for (const f of Object.values(kinds)) expect(f.detected).toBe(0);
    expect(Object.values(kinds).reduce((n, f) => n + f.events, 0)).toBe(sim?.always_no?.events);
    expect(sim?.always_no?.accuracy).toBeCloseTo(1 - (sim?.always_no?.base_rate ?? 0), 6);
    const period = m.splits.simulated?.periods.test;
    expect(period?.from).toBe('2026-01-05T02:00:00.000Z');
    expect(period?.predictable_positive_share).toBeGreaterThan(0);
    expect(formatFailureTables(m)).toMatch(/^simulated event recall by fault kind/m);
    expect(() => runFailureBench({ root: join(dir, 'none'), sim: false, only: ['failure_heuristic'], onLog: () => {} })).toThrow(
      /unknown method "failure_heuristic"/,
    );
  });
});

describe('foreseeableFigures', () => {
  const matrix = (label: number[]) => ({
    names: ['x'],
    kinds: ['level' as const],
    rows: label.length,
    d: 1,
    x: new Float32Array(label.length),
    label: Uint8Array.from(label),
    weight: new Float32Array(label.length).fill(1),
    entity: new Int32Array(label.length),
    hour: Int32Array.from(label, (_, i) => i),
  });

  it('scores only the kept rows: a positive before its fault began neither helps nor hurts', () => {
    // rows: two negatives, a positive before the fault's onset (prob 0.1, dropped), two positives after it
    const m = matrix([0, 0, 1, 1, 1]);
    const prob = Float64Array.from([0.1, 0.2, 0.1, 0.8, 0.9]);
    const all = foreseeableFigures(m, Uint8Array.from([1, 1, 1, 1, 1]), prob, 0.5);
    expect(all.recall).toBeCloseTo(2 / 3, 6);
    expect(all.roc_auc).toBeCloseTo(4.5 / 6, 6); // the dropped positive ties one negative and loses to the other
    const kept = foreseeableFigures(m, Uint8Array.from([1, 1, 0, 1, 1]), prob, 0.5);
    expect(kept).toEqual({ rows: 4, base_rate: 0.5, accuracy: 1, roc_auc: 1, pr_auc: 1, precision: 1, recall: 1 });
  });

  it('rejects flags or probabilities of another length', () => {
    expect(() => foreseeableFigures(matrix([0, 1]), Uint8Array.from([1]), Float64Array.from([0, 1]), 0.5)).toThrow(
      'foreseeableFigures: expected 2 flags and probabilities (got 1 and 2)',
    );
  });
});
