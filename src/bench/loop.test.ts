import { describe, expect, it } from 'vitest';
import type { Action, Incident } from '../records/types.js';
import type { FaultTruth } from '../sim/index.js';
import { score } from './loop.js';

const MIN = 60_000;
const T = Date.UTC(2026, 0, 6);

const fault = (id: string, over: Partial<FaultTruth>): FaultTruth => ({
  id,
  kind: 'memory_leak',
  rootCause: 'service:a',
  onsetMs: T,
  affected: ['service:a', 'service:b'],
  fix: 'restart',
  status: 'active',
  ...over,
});

const incident = (id: string, over: Partial<Incident>): Incident => ({
  id,
  title: id,
  status: 'resolved',
  severity: 'low',
  openedAt: T,
  updatedAt: T,
  entities: [],
  anomalyIds: [],
  predictionIds: [],
  hypotheses: [],
  ...over,
});

const hypothesis = (entityId: string) => ({
  entityId,
  faultKind: 'memory_leak' as const,
  confidence: 0.9,
  score: 1,
  evidence: [],
  path: [],
  contributors: [],
});

const action = (id: string, incidentId: string, fixed: string[]): Action => ({
  id,
  incidentId,
  kind: 'restart',
  target: 'service:a',
  params: {},
  executor: 'simulator',
  status: 'verified',
  dryRun: false,
  reason: '',
  policy: 'p',
  proposedAt: T,
  executedAt: T,
  outcome: { ok: true, message: 'ok', details: { fixed } },
});

describe('loop benchmark scoring', () => {
  it('matches incidents to faults, prefers the one whose root cause they involve, and counts the rest as false alarms', () => {
    const truth = [
      fault('f1', { status: 'fixed', fixedAtMs: T + 30 * MIN, fixedBy: 'restart' }),
      fault('f2', { kind: 'disk_fill', rootCause: 'host:h', onsetMs: T + 20 * MIN, affected: ['host:h', 'service:b'], fix: 'clean_disk' }),
      fault('f3', {
        kind: 'cpu_hog',
        rootCause: 'service:z',
        onsetMs: T + 200 * MIN,
        affected: ['service:z'],
        fix: 'restart',
        status: 'fixed',
        fixedAtMs: T + 400 * MIN,
      }),
    ];
    const incidents = [
      incident('i1', { openedAt: T + 6 * MIN, entities: ['service:a'], hypotheses: [hypothesis('service:a')] }),
      // Involves service:b (affected by both) and host:h, the root of f2: belongs to f2.
      incident('i2', {
        openedAt: T + 25 * MIN,
        entities: ['service:b', 'host:h'],
        status: 'escalated',
        hypotheses: [hypothesis('service:b')],
      }),
      incident('i3', { openedAt: T + 100 * MIN, entities: ['service:q'] }),
    ];
    const actions = [action('a1', 'i1', ['f1']), action('a2', 'i3', [])];
    const r = score(truth, incidents, actions, T + 1440 * MIN, 1, 240, 2, new Set(['f3']));
    expect(r.outcomes.map((o) => [o.id, o.detected, o.mttdMin, o.attributed, o.mttrMin])).toEqual([
      ['f1', true, 6, true, 30],
      ['f2', true, 5, false, null],
      // f3 was fixed by the simulated operator, not the engine: not auto-remediated.
      ['f3', false, null, false, null],
    ]);
    expect(r.falseAlarms).toBe(1);
    expect(r.overall).toMatchObject({
      faults: 3,
      detected: 2,
      mttd_min: 5.5,
      attributed_top1: 1,
      auto_remediated: 1,
      mttr_min: 30,
      // f1 by the engine after 30 min, f3 by the on-call after 200 min.
      mttr_all_min: 115,
      incidents: 3,
      escalated: 1,
      escalation_rate: 0.3333,
      wrong_actions: 1,
      false_alarms_per_day: 1,
      decisions_per_day: 240,
      decisions_per_s: 120,
    });
    expect(Object.keys(r.byFault)).toEqual(['cpu_hog', 'disk_fill', 'memory_leak']);
    expect(r.byFault.disk_fill).toMatchObject({ faults: 1, detected: 1, incidents: 1, escalated: 1, escalation_rate: 1 });
  });
});
