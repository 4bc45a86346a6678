import { FAULT_KINDS } from '../../records/types.js';
import { describe, expect, it } from 'vitest';
import { failureTreeRow } from '../../models/failure-features.js';
import { FailureFeatures, FailureHeuristic, failureHeuristicSpec } from '../../models/failure-risk.js';
import { FleetSimulator } from '../../sim/fleet-simulator.js';
import { buildSimFailureGrid, SIM_FAILURE_FLEET, simulateFailureRun } from './sim-fleet.js';

const HOUR = 3_600_000;
const fleet = { services: 6, hosts: 8, databases: 2, queues: 1, loadBalancers: 1 };
const options = { days: 1, faults: 8, warmupMs: 2 * HOUR, fleet };
const run = simulateFailureRun(201, options);

describe('simulateFailureRun', () => {
  it('takes one row per risk entity every 10 min from the warm-up until 6 h before the end', () => {
    expect(run.stepMs).toBe(600_000);
    expect(run.entities.every((id) => /^(host|service|database|queue):/.test(id))).toBe(true);
    expect(run.entities.length).toBe(6 + 8 + 2 + 1);
    const steps = new Set(Array.from(run.step));
    // 02:00 … 18:00 every 10 min
    expect(Math.min(...steps)).toBe(12);
    expect(Math.max(...steps)).toBe(108);
    // every kind once, round-robin in the catalog's order
    expect(run.faultKinds).toEqual([...FAULT_KINDS]);
  });

  it('labels a row 1 exactly when a failure of its entity falls in [t, t + 6 h), and drops rows after its first failure', () => {
    expect(run.failures.length).toBeGreaterThan(0);
    let positives = 0;
    for (let i = 0; i < run.rows; i++) {
      const id = run.entities[run.entity[i] as number] as string;
      const t = run.t0 + (run.step[i] as number) * run.stepMs;
      const own = run.failures.filter((f) => f.entity === id);
      expect(run.label[i]).toBe(own.some((f) => f.time >= t && f.time < t + 6 * HOUR) ? 1 : 0);
      for (const f of own) expect(t).toBeLessThanOrEqual(f.time);
      // foreseeable = 0 exactly for a positive row taken before its failure's fault began
      const next = own.find((f) => f.time >= t);
      expect(run.foreseeable[i]).toBe(run.label[i] === 1 && next !== undefined && t < next.onsetMs ? 0 : 1);
      positives += run.label[i] as number;
    }
    expect(positives).toBeGreaterThan(0);
    expect(run.predictablePositives).toBeGreaterThan(0);
    expect(run.predictablePositives).toBeLessThanOrEqual(positives);
    expect(run.foreseeable.length).toBe(run.rows);
    expect(run.foreseeable.reduce((n, k) => n + (1 - k), 0)).toBe(positives - run.predictablePositives);
    // one failure per fault: a leak's first crash only (its repeats depend on who repairs it)
    const leak = run.failures.filter((f) => f.kind === 'memory_leak');
    expect(leak.length).toBeGreaterThan(0);
    expect(new Set(run.failures.map((f) => f.fault)).size).toBe(run.failures.length);
  });

  it('uses only samples before t (no look-ahead) and scores the served heuristic on the same vector', () => {
    const i = run.label.indexOf(1);
    const id = run.entities[run.entity[i] as number] as string;
    const t = run.t0 + (run.step[i] as number) * run.stepMs;
    const sim = new FleetSimulator({ ...SIM_FAILURE_FLEET, ...fleet, seed: 201 });
    sim.scheduleFaults(8, sim.now() + 2 * HOUR, sim.now() + 18 * HOUR);
    const f = new FailureFeatures(failureHeuristicSpec.defaults);
    while (sim.now() < t) {
      const tick = sim.step();
      for (const s of tick.samples) if (s.entityId === id) f.learn(s.metric, { t: tick.t, v: s.v });
    }
    const vector = f.features(t);
    expect(Array.from(run.x.subarray(i * run.d, (i + 1) * run.d))).toEqual(Array.from(Float32Array.from(failureTreeRow(vector))));
    expect(run.heuristic[i]).toBe(new FailureHeuristic(failureHeuristicSpec.defaults).predict(vector).probability);
  });

  it('is deterministic under a seed and rejects bad options', () => {
    const again = simulateFailureRun(201, options);
    expect(again.x).toEqual(run.x);
    expect(again.label).toEqual(run.label);
    expect(() => simulateFailureRun(1, { days: 0 })).toThrow('simulated failures: days must be > 0 (got 0)');
    expect(() => simulateFailureRun(1, { rowEveryMs: 1000 })).toThrow(/rowEveryMs must be a whole number of minutes/);
    expect(() => simulateFailureRun(1, { days: 0.2 })).toThrow(/warm-up \+ horizon must fit in the run/);
  });
});

describe('buildSimFailureGrid', () => {
  it('splits by seed with entities named by seed, rows sorted by entity then step, and event kinds', () => {
    const g = buildSimFailureGrid({ ...options, fitSeeds: [201], tuneSeeds: [202], testSeeds: [] });
    expect(g.dataset).toBe('simulated');
    expect(g.stepMs).toBe(600_000);
    expect(g.horizonH).toBe(6);
    expect(g.entities[0]).toMatch(/^201\//);
    expect(g.entities.filter((e) => e.startsWith('202/')).length).toBe(17);
    expect(g.fit.matrix.rows).toBe(run.rows);
    expect(Array.from(g.fit.matrix.label)).toEqual(Array.from(run.label));
    expect(g.test.matrix.rows).toBe(0);
    expect(g.eventKinds.fit.length).toBe(g.fit.events.time.length);
    expect(g.eventKinds.fit).toContain('memory_leak');
    expect(g.eventKinds.fit).not.toContain('memory_leak_repeat');
    const m = g.tune.matrix;
    for (let i = 1; i < m.rows; i++) {
      const a = m.entity[i - 1] as number;
      const b = m.entity[i] as number;
      expect(a < b || (a === b && (m.hour[i - 1] as number) < (m.hour[i] as number))).toBe(true);
    }
    expect(() => buildSimFailureGrid({ ...options, fitSeeds: [] })).toThrow(
      'simulated failures: expected at least one fit seed (got none)',
    );
  });
});
