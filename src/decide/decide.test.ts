import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Hypothesis, Incident } from '../records/types.js';
import type { EntityKind } from '../twin/types.js';
import type { ActionDraft, DecideInput } from './decide.js';
import { DECIDE_MODEL, decide } from './decide.js';
import { parsePolicy } from './policy.js';

const policy = parsePolicy(readFileSync(new URL('../../policies/default.yaml', import.meta.url), 'utf8'));
const NOW = Date.UTC(2026, 0, 5, 12, 0);

const incident: Incident = {
  id: 'inc-1',
  title: 'cart memory',
  status: 'open',
  severity: 'high',
  openedAt: NOW - 60_000,
  updatedAt: NOW,
  entities: ['service:cart'],
  anomalyIds: ['a1'],
  predictionIds: [],
  hypotheses: [],
};

function hypothesis(entityId: string, faultKind: Hypothesis['faultKind'], confidence: number): Hypothesis {
  return { entityId, faultKind, confidence, score: confidence, evidence: [], path: [entityId], contributors: [] };
}

const kinds: Record<string, EntityKind> = { 'service:cart': 'service', 'database:main': 'database', 'host:h1': 'host' };

function input(over: Partial<DecideInput> = {}): DecideInput {
  return {
    incident,
    hypotheses: [hypothesis('service:cart', 'memory_leak', 0.82)],
    entityKind: (id) => kinds[id],
    now: NOW,
    policy,
    switches: { killSwitch: false, dryRun: false },
    recentActionTimes: [],
    attempts: 0,
    plan: (a: ActionDraft) => ({ steps: [`${a.kind} ${a.target}`], blastRadius: [a.target] }),
    ...over,
  };
}

describe('decide', () => {
  it('names its model', () => {
    expect(DECIDE_MODEL).toEqual({ kind: 'decide/policy-table', version: '1' });
  });

  it('acts on a confident, known fault by the matching rule', () => {
    const r = decide(input());
    expect(r.verdict).toBe('act');
    if (r.verdict !== 'act') return;
    expect(r.action).toEqual({
      kind: 'restart',
      target: 'service:cart',
      params: {},
      policy: 'restart-leaking-service',
      reason:
        'memory_leak on service:cart (confidence 0.82): Restart the leaking process; memory starts from zero again. File a bug, the leak will return.',
    });
    expect(r.dryRun).toBe(false);
    expect(r.confidence).toBe(0.82);
    expect(r.verifyAfterMs).toBe(600_000);
    expect(r.explanation.map((l) => l.split(':')[0])).toEqual([
      'kill_switch',
      'hypothesis',
      'confidence',
      'policy',
      'rate_limit',
      'blast_radius',
      'attempts',
      'dry_run',
    ]);
  });

  it('uses rule params and verify window', () => {
    // The default policy scales out only for surges that persist 10 min (the incident is 15 min old).
    const surge = decide(input({ hypotheses: [hypothesis('service:cart', 'traffic_surge', 0.9)], now: NOW + 15 * 60_000 }));
    expect(surge.verdict === 'act' && surge.action.kind).toBe('scale_out');
    expect(surge.verdict === 'act' && surge.action.params).toEqual({ by: 2 });
    const deploy = decide(input({ hypotheses: [hypothesis('service:cart', 'bad_deploy', 0.9)] }));
    expect(deploy.verdict === 'act' && deploy.verifyAfterMs).toBe(480_000);
    const drain = decide(input({ hypotheses: [hypothesis('host:h1', 'host_failure', 0.9)] }));
    expect(drain.verdict === 'act' && drain.action).toMatchObject({ kind: 'drain', target: 'host:h1' });
  });

  it('only dry-runs in dry-run mode', () => {
    const r = decide(input({ switches: { killSwitch: false, dryRun: true } }));
    expect(r.verdict === 'act' && r.dryRun).toBe(true);
    expect(r.explanation.at(-1)).toBe('dry_run: on, the action is only dry-run');
  });

  it('escalates when the kill switch is on', () => {
    const r = decide(input({ switches: { killSwitch: true, dryRun: false } }));
    expect(r).toMatchObject({ verdict: 'escalate', guardrail: 'kill_switch', reason: 'the kill switch is on, no automatic action' });
  });

  it('escalates without a hypothesis or with an unknown fault', () => {
    expect(decide(input({ hypotheses: [] }))).toMatchObject({ verdict: 'escalate', guardrail: 'hypothesis', confidence: 0 });
    const r = decide(input({ hypotheses: [hypothesis('service:cart', 'unknown', 0.9)] }));
    expect(r).toMatchObject({
      verdict: 'escalate',
      guardrail: 'hypothesis',
      reason: 'the top hypothesis service:cart has no known fault kind',
    });
  });

  it('reads how the rule’s action fared on similar past incidents, and escalates when it clearly failed', () => {
    const leak = [hypothesis('service:cart', 'memory_leak', 0.95)];
    const worked = decide(
      input({ hypotheses: leak, history: [{ kind: 'restart', attempts: 5, successes: 4, interval: { lower: 0.376, upper: 0.964 } }] }),
    );
    expect(worked.verdict).toBe('act');
    expect(worked.explanation).toContain('history: restart worked 4/5 times on similar past incidents (95 % interval 0.38–0.96)');
    const failed = decide(
      input({ hypotheses: leak, history: [{ kind: 'restart', attempts: 4, successes: 0, interval: { lower: 0, upper: 0.49 } }] }),
    );
    expect(failed).toMatchObject({
      verdict: 'escalate',
      guardrail: 'history',
      reason: 'restart worked 0/4 times on similar past incidents (95 % interval 0.00–0.49)',
    });
    // Three failures are not yet enough (the interval still reaches 56 %), another action's record is not this one's.
    const few = decide(
      input({ hypotheses: leak, history: [{ kind: 'restart', attempts: 3, successes: 0, interval: { lower: 0, upper: 0.56 } }] }),
    );
    expect(few.verdict).toBe('act');
    const other = decide(
      input({ hypotheses: leak, history: [{ kind: 'rollback', attempts: 9, successes: 0, interval: { lower: 0, upper: 0.3 } }] }),
    );
    expect(other.verdict).toBe('act');
    expect(other.explanation).toContain('history: no similar past incident tried restart');
    expect(decide(input({ hypotheses: leak })).explanation.some((l) => l.startsWith('history:'))).toBe(false);
  });

  it('escalates below the global or the rule minimum confidence', () => {
    const low = decide(input({ hypotheses: [hypothesis('service:cart', 'memory_leak', 0.42)] }));
    expect(low).toMatchObject({ verdict: 'escalate', guardrail: 'confidence', reason: 'confidence 0.42 below 0.70' });
    expect(low.explanation.at(-1)).toBe('confidence: confidence 0.42 below 0.70');
    const db = decide(input({ hypotheses: [hypothesis('database:main', 'dependency_outage', 0.72)] }));
    expect(db).toMatchObject({ verdict: 'escalate', reason: 'confidence 0.72 below 0.75' });
    const dbSure = decide(input({ hypotheses: [hypothesis('database:main', 'dependency_outage', 0.8)] }));
    expect(dbSure.verdict === 'act' && dbSure.action.kind).toBe('failover');
  });

  it('escalates when no rule matches the entity kind', () => {
    const r = decide(input({ hypotheses: [hypothesis('host:h1', 'memory_leak', 0.9)] }));
    expect(r).toMatchObject({ verdict: 'escalate', guardrail: 'policy', reason: 'no policy rule for memory_leak on a host' });
    const unknownKind = decide(input({ hypotheses: [hypothesis('service:ghost', 'memory_leak', 0.9)] }));
    expect(unknownKind).toMatchObject({ verdict: 'escalate', reason: 'no policy rule for memory_leak on an entity of unknown kind' });
  });

  it('escalates when the rule says so', () => {
    const p = parsePolicy(
      'version: 1\nrules:\n  - {name: ask-first, fault: memory_leak, action: escalate, description: leaks need a person}\n',
    );
    expect(decide(input({ policy: p }))).toMatchObject({
      verdict: 'escalate',
      guardrail: 'policy',
      reason: 'rule ask-first escalates: leaks need a person',
    });
  });

  it('escalates at the hourly rate limit, counting only the last hour', () => {
    const nine = Array.from({ length: 9 }, (_, i) => NOW - i * 60_000);
    expect(decide(input({ recentActionTimes: [...nine, NOW - 3_600_000] })).verdict).toBe('act');
    const r = decide(input({ recentActionTimes: [...nine, NOW - 3_599_000] }));
    expect(r).toMatchObject({ verdict: 'escalate', guardrail: 'rate_limit', reason: '10 actions in the last hour, limit 10' });
  });

  it('escalates when the action touches too many entities', () => {
    const wide = (a: ActionDraft) => ({ steps: [], blastRadius: [a.target, 'b', 'c', 'd', 'e', 'f'] });
    expect(decide(input({ plan: wide }))).toMatchObject({
      verdict: 'escalate',
      guardrail: 'blast_radius',
      reason: 'the action touches 6 entities, limit 5',
    });
    const broken = () => {
      throw new Error('no such target');
    };
    expect(decide(input({ plan: broken }))).toMatchObject({
      guardrail: 'blast_radius',
      reason: 'the action could not be planned: no such target',
    });
  });

  it('escalates after maxAttempts actions on the incident', () => {
    expect(decide(input({ attempts: 1 })).verdict).toBe('act');
    expect(decide(input({ attempts: 2 }))).toMatchObject({
      verdict: 'escalate',
      guardrail: 'attempts',
      reason: '2 actions already tried on this incident, limit 2',
    });
  });
});

describe('decide: persistMinutes', () => {
  it('waits until the fault has persisted, then acts', async () => {
    const { parsePolicy } = await import('./policy.js');
    const policy = parsePolicy(
      'version: 1\nrules:\n  - name: surge\n    fault: traffic_surge\n    action: scale_out\n    persistMinutes: 10\n    description: d\n',
    );
    const base = {
      incident: {
        id: 'i',
        title: 't',
        status: 'open' as const,
        severity: 'low' as const,
        openedAt: 0,
        updatedAt: 0,
        entities: [],
        anomalyIds: [],
        predictionIds: [],
        hypotheses: [],
      },
      hypotheses: [
        {
          entityId: 'service:web',
          faultKind: 'traffic_surge' as const,
          confidence: 0.9,
          score: 1,
          evidence: [],
          path: [],
          contributors: [],
        },
      ],
      entityKind: () => 'service' as const,
      policy,
      switches: { killSwitch: false, dryRun: false },
      recentActionTimes: [],
      attempts: 0,
      plan: () => ({ steps: [], blastRadius: ['service:web'] }),
    };
    const early = decide({ ...base, now: 4 * 60_000 });
    expect(early).toMatchObject({
      verdict: 'wait',
      untilMs: 600_000,
      reason: 'rule surge acts only on faults that persist 10 min; open for 4 min',
    });
    expect(decide({ ...base, now: 10 * 60_000 })).toMatchObject({ verdict: 'act', action: { kind: 'scale_out', target: 'service:web' } });
  });

  it('lays the sizing a hypothesis suggests over the rule params, within the rule maxBy', () => {
    const surge = (by: number): DecideInput =>
      input({
        incident: { ...incident, openedAt: NOW - 20 * 60_000 },
        hypotheses: [{ ...hypothesis('service:cart', 'traffic_surge', 0.9), params: { by } }],
      });
    const r = decide(surge(5));
    expect(r.verdict).toBe('act');
    if (r.verdict !== 'act') return;
    expect(r.action.params).toEqual({ by: 5 });
    expect(r.explanation).toContain('sizing: by 5 as the model suggests');
    const capped = decide(surge(12));
    if (capped.verdict !== 'act') throw new Error(`expected act, got ${capped.verdict}`);
    expect(capped.action.params).toEqual({ by: 8 });
    expect(capped.explanation).toContain('sizing: the model suggests by 12; the rule caps by at 8');
    const plain = decide(
      input({ incident: { ...incident, openedAt: NOW - 20 * 60_000 }, hypotheses: [hypothesis('service:cart', 'traffic_surge', 0.9)] }),
    );
    if (plain.verdict !== 'act') throw new Error(`expected act, got ${plain.verdict}`);
    expect(plain.action.params).toEqual({ by: 2 });
  });
});
