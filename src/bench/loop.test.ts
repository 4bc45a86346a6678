import { describe, expect, it } from 'vitest';
import type { Action, Decision, Incident } from '../records/types.js';
import type { FaultTruth } from '../sim/index.js';
import { rcaCalibration, rcaDecisionCases, score } from './loop.js';

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

describe('loop benchmark scoring before an onset', () => {
  it('gives a fault an incident opened shortly before its onset only when that incident involves its root cause', () => {
    const truth = [fault('f1', { onsetMs: T + 60 * MIN })];
    const incidents = [
      // 5 min before the onset, on an affected caller only, ranked wrong: something else, a false alarm.
      incident('early', { openedAt: T + 55 * MIN, entities: ['service:b'], hypotheses: [hypothesis('service:b')] }),
      // After the onset, ranked right: the fault's incident.
      incident('late', { openedAt: T + 64 * MIN, entities: ['service:a', 'service:b'], hypotheses: [hypothesis('service:a')] }),
    ];
    const r = score(truth, incidents, [], T + 1440 * MIN, 1, 0, 1, new Set());
    expect(r.outcomes.map((o) => [o.detected, o.mttdMin, o.attributed, o.incidents])).toEqual([[true, 4, true, ['late']]]);
    expect(r.falseAlarms).toBe(1);
    // A precursor on the root itself, 5 min early, is the fault's (detected at once).
    const precursor = incident('precursor', { openedAt: T + 55 * MIN, entities: ['service:a'], hypotheses: [hypothesis('service:a')] });
    const withPrecursor = score(truth, [precursor, ...incidents], [], T + 1440 * MIN, 1, 0, 1, new Set());
    expect(withPrecursor.outcomes.map((o) => [o.mttdMin, o.incidents])).toEqual([[0, ['precursor', 'late']]]);
    expect(withPrecursor.falseAlarms).toBe(1);
  });
});

describe('decision-time root-cause calibration', () => {
  const decision = (id: string, at: number, kind: Decision['kind'], subject: string, output: unknown): Decision => ({
    id,
    at,
    kind,
    subject,
    model: { kind: 'm', version: '1' },
    inputs: {},
    output,
    confidence: 0,
    explanation: '',
    latencyMs: 0,
  });
  const ranking = (entityId: string, confidence: number, raw: number) => [{ entityId, faultKind: 'memory_leak', confidence, raw }];

  it('takes the ranking logged last before (or at) each incident’s first act/escalate decision', () => {
    const f = fault('f1', { rootCause: 'service:a' });
    const cases = rcaDecisionCases(
      [
        // Newest first, as the store lists them; the act shares its millisecond with the ranking it read.
        decision('d5', T + 3 * MIN, 'escalate', 'inc-1', null),
        decision('d4', T + 2 * MIN, 'act', 'inc-1', null),
        decision('d3', T + 2 * MIN, 'attribute', 'inc-1', ranking('service:a', 0.93, 0.7)),
        decision('d2', T + MIN, 'attribute', 'inc-1', ranking('service:b', 0.4, 0.45)),
        decision('d1', T + MIN, 'escalate', 'inc-2', null),
        decision('d0', T, 'attribute', 'inc-2', ranking('service:c', 0.3, 0.4)),
      ],
      new Map([['inc-1', f]]),
    );
    expect(cases).toEqual([
      {
        incident: 'inc-2',
        at: new Date(T + MIN).toISOString(),
        verdict: 'escalate',
        fault: null,
        faultKind: null,
        rootCause: null,
        top: 'service:c',
        topKind: 'memory_leak',
        confidence: 0.3,
        raw: 0.4,
        correct: false,
      },
      {
        incident: 'inc-1',
        at: new Date(T + 2 * MIN).toISOString(),
        verdict: 'act',
        fault: 'f1',
        faultKind: 'memory_leak',
        rootCause: 'service:a',
        top: 'service:a',
        topKind: 'memory_leak',
        confidence: 0.93,
        raw: 0.7,
        correct: true,
      },
    ]);
  });

  it('scores calibration of served and raw confidences', () => {
    const c = (confidence: number, raw: number, correct: boolean) =>
      ({
        incident: 'i',
        at: '',
        verdict: 'act',
        fault: null,
        faultKind: null,
        rootCause: null,
        top: null,
        topKind: null,
        confidence,
        raw,
        correct,
      }) as const;
    const figures = rcaCalibration([c(0.95, 0.7, true), c(0.95, 0.7, true), c(0.25, 0.4, false), c(0.95, 0.9, false)]);
    expect(figures.cases).toBe(4);
    expect(figures.top1_accuracy).toBe(0.5);
    expect(figures.mean_confidence).toBe(0.775);
    // Bins: 0.25 alone (|0 - 0.25|), three at 0.95 with 2 right (|0.667 - 0.95|): (0.25 + 3 × 0.2833) / 4.
    expect(figures.ece).toBeCloseTo((0.25 + 3 * (0.95 - 2 / 3)) / 4, 4);
    expect(figures.raw_mean_confidence).toBe(0.675);
    expect(figures.bins[9]?.count).toBe(3);
  });
});
