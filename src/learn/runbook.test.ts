import { describe, expect, it } from 'vitest';
import { type CaseSpec, casesRecords, LEAK_CASES } from '../../test/fixtures/knowledge-fixture.js';
import { parsePolicy } from '../decide/policy.js';
import { HomeostatError } from '../errors.js';
import type { Runbook } from '../records/types.js';
import type { Store } from '../store/store.js';
import { KnowledgeBase } from './knowledge-base.js';
import type { RunbookRewriter } from './llm-rewriter.js';
import {
  approveRunbook,
  bestAction,
  clusterIncidents,
  draftRunbook,
  maskEvidence,
  REVISION_SUFFIX,
  reconcileDraft,
  regenerateRunbooks,
  runbookId,
} from './runbook.js';

const NOW = Date.UTC(2024, 5, 1);

const DISK_CASES: CaseSpec[] = [1, 2].map((i) => ({
  id: `disk-${i}`,
  at: 3000 + i * 100,
  fault: 'disk_fill' as const,
  root: `host:h${i}`,
  signals: [[`host:h${i}`, 'disk_utilization', 'up', 0] as const],
  actions: [['clean_disk', 'verified', 5] as const],
}));

/** Policy text with the runbook's rule as the only rule. */
const asPolicy = (yaml: string): string => `version: 1\nrules:\n${yaml.replace(/^/gm, '  ')}`;

function fakeStore(): Pick<Store, 'getRunbook' | 'upsertRunbook'> & { rows: Map<string, Runbook>; writes: number } {
  const rows = new Map<string, Runbook>();
  const store = {
    rows,
    writes: 0,
    async getRunbook(id: string) {
      return rows.get(id);
    },
    async upsertRunbook(r: Runbook) {
      store.writes++;
      rows.set(r.id, r);
    },
  };
  return store;
}

describe('clusterIncidents', () => {
  it('groups trusted root causes by fault and entity kind, keeping groups of minIncidents', () => {
    const kb = KnowledgeBase.build(
      casesRecords([
        ...LEAK_CASES,
        ...DISK_CASES,
        // escalated with an unconfirmed root cause: not trusted, left out
        { id: 'leak-esc', at: 5000, fault: 'memory_leak', root: 'service:x', status: 'escalated', signals: [] },
        // escalated but confirmed by an operator: counts
        { id: 'disk-esc', at: 5100, fault: 'disk_fill', root: 'host:h9', status: 'escalated', signals: [], confirmed: 'host:h9' },
      ]),
    );
    expect(clusterIncidents(kb)).toEqual([
      { faultKind: 'disk_fill', entityKind: 'host', incidentIds: ['disk-1', 'disk-2', 'disk-esc'] },
      { faultKind: 'memory_leak', entityKind: 'service', incidentIds: ['leak-1', 'leak-2', 'leak-3'] },
    ]);
    expect(clusterIncidents(kb, { minIncidents: 4 })).toEqual([]);
    expect(() => clusterIncidents(kb, { minIncidents: 0 })).toThrow('runbook minIncidents must be an integer >= 1 (got 0)');
  });
});

describe('draftRunbook', () => {
  const kb = KnowledgeBase.build(casesRecords(LEAK_CASES));
  const cluster = clusterIncidents(kb)[0];
  if (cluster === undefined) throw new Error('fixture has no cluster');
  const rb = draftRunbook(cluster, kb, { now: NOW });

  it('writes every section from the evidence, with success rates and Wilson intervals', () => {
    expect(rb).toMatchObject({
      id: runbookId('memory_leak', 'service'),
      title: 'memory_leak on a service',
      status: 'draft',
      faultKind: 'memory_leak',
      entityKind: 'service',
      incidentIds: ['leak-1', 'leak-2', 'leak-3'],
      generator: 'offline',
      generatedAt: NOW,
      updatedAt: NOW,
    });
    const md = rb.markdown;
    for (const h of [
      '## When it applies',
      '## Diagnosis steps',
      '## Actions that worked',
      '## Verification',
      '## Rollback',
      '## Source incidents',
    ]) {
      expect(md).toContain(h);
    }
    expect(md).toContain('- `memory_utilization` up on a service: 3 of 3');
    expect(md).toContain('- `latency_p99_ms` up on a service: 2 of 3');
    // Wilson(2, 3) = [0.2077, 0.9385]; verify times 10, 14, 12 min → median 12.
    expect(md).toContain(
      '- **restart**: worked 2/3 (67 %; 95 % Wilson interval 21 %–94 %), a median of 12 min from action to verification.',
    );
    expect(md).toContain('- **rollback**: worked 1/1 (100 %; 95 % Wilson interval 21 %–100 %)');
    expect(md).toContain('1. Check `memory_utilization` on the service (up): seen in 3 of 3, a median of 0 min after the first anomaly.');
    expect(md).toContain('2. Check `latency_p99_ms` on the service (up): seen in 2 of 3, a median of 8 min after the first anomaly.');
    expect(md).toContain('   - the service memory_utilization rose at # (# vs expected #) (3 of 3;');
    expect(md).toContain('verified after a median of 12 min (10 min to 14 min)');
    expect(md).toContain('- **restart**: none needed: a restart changes no configuration.');
    expect(md).toContain('- **rollback**: redeploy the rolled-back version once it is fixed.');
    expect(md).toContain('- leak-3: memory_leak on service:payments (resolved 2024-05-01T21:30:00.000Z; restart failed, rollback worked)');
    expect(md).not.toMatch(/scale_out|drain|failover|clean_disk/);
  });

  it('emits a policy rule that parsePolicy accepts, with the best action having two successes', () => {
    const policy = parsePolicy(asPolicy(rb.policyYaml));
    expect(policy.rules).toEqual([
      {
        name: 'runbook-memory-leak-service',
        fault: 'memory_leak',
        action: 'restart',
        params: {},
        entityKinds: ['service'],
        // Wilson lower bound 0.21 < 0.5: a surer diagnosis is asked for.
        minConfidence: 0.8,
        description: 'Drafted from 3 incidents: restart worked 2/3 (95 % Wilson interval 21 %–94 %).',
      },
    ]);
  });

  it('escalates when no action worked twice, and never names an action absent from the evidence', () => {
    const cases: CaseSpec[] = [0, 1, 2].map((i) => ({
      id: `hog-${i}`,
      at: i * 100,
      fault: 'cpu_hog',
      root: `pod:p${i}`,
      signals: [[`pod:p${i}`, 'cpu_utilization', 'up', 0]],
      actions: i === 0 ? [['restart', 'verified', 4]] : [['drain', 'verify_failed', 9]],
    }));
    const kb2 = KnowledgeBase.build(casesRecords(cases));
    const c = clusterIncidents(kb2)[0];
    if (c === undefined) throw new Error('no cluster');
    const draft = draftRunbook(c, kb2, { now: NOW });
    const rule = parsePolicy(asPolicy(draft.policyYaml)).rules[0];
    expect(rule).toMatchObject({ name: 'runbook-cpu-hog-pod', fault: 'cpu_hog', action: 'escalate', entityKinds: ['pod'] });
    expect(draft.markdown).toContain('No action worked at least 2 times: the policy rule below escalates to a person.');
    expect(draft.markdown).toContain('Actions that failed:\n\n- **drain**: worked 0/2.');
    expect(draft.markdown).toContain('- **drain**: uncordon the machine once it is healthy again.');
    expect(draft.markdown).not.toMatch(/scale_out|rollback|failover|clean_disk/);
  });

  it('is deterministic and refuses a cluster naming an unknown incident', () => {
    expect(draftRunbook(cluster, kb, { now: NOW })).toEqual(rb);
    expect(() => draftRunbook({ ...cluster, incidentIds: ['nope'] }, kb, { now: NOW })).toThrow(
      'runbook cluster names incident "nope", which is not in the knowledge base',
    );
  });
});

describe('bestAction', () => {
  const stat = (kind: 'restart' | 'rollback' | 'scale_out', successes: number, attempts: number) => ({
    kind,
    attempts,
    successes,
    successRate: successes / attempts,
    interval: { lower: 0, upper: 1 },
    incidentIds: [],
  });
  it('takes the best rate among kinds with enough successes', () => {
    expect(bestAction([stat('scale_out', 1, 1), stat('restart', 2, 3), stat('rollback', 2, 2)])?.kind).toBe('rollback');
    expect(bestAction([stat('scale_out', 1, 1), stat('restart', 2, 4)])?.kind).toBe('restart');
    expect(bestAction([stat('scale_out', 1, 1)])).toBeUndefined();
  });
});

describe('ids, regeneration and approval', () => {
  it('gives a stable id per fault and entity kind', () => {
    expect(runbookId('memory_leak', 'service')).toMatch(/^rb-[0-9a-f]{16}$/);
    expect(runbookId('memory_leak', 'service')).toBe(runbookId('memory_leak', 'service'));
    expect(runbookId('memory_leak', 'pod')).not.toBe(runbookId('memory_leak', 'service'));
  });

  it('masks entity ids, the root name and numbers in evidence', () => {
    expect(maskEvidence('payments latency rose at 10:05 (512.3 vs 120); service:cart depends on payments', 'payments', 'service')).toBe(
      'the service latency rose at # (# vs #); the service depends on the service',
    );
  });

  it('updates a draft in place, keeps an approved runbook and writes a revision beside it', async () => {
    const store = fakeStore();
    const kb = KnowledgeBase.build(casesRecords(LEAK_CASES));
    const first = await regenerateRunbooks(kb, store, { now: NOW });
    const id = runbookId('memory_leak', 'service');
    expect(first).toEqual([
      { id, faultKind: 'memory_leak', entityKind: 'service', incidents: 3, outcome: 'written', generator: 'offline' },
    ]);
    expect((await regenerateRunbooks(kb, store, { now: NOW + 1 }))[0]?.outcome).toBe('unchanged');
    expect(store.writes).toBe(1);

    const [approved] = approveRunbook(store.rows.get(id) as Runbook, 'alice', NOW + 2);
    await store.upsertRunbook(approved as Runbook);
    expect(store.rows.get(id)).toMatchObject({ status: 'approved', approvedBy: 'alice', approvedAt: NOW + 2 });

    // A fourth leak: the approved runbook stays as it is, the new draft goes beside it.
    kb.add(
      KnowledgeBase.build(
        casesRecords([
          { id: 'leak-4', at: 2000, fault: 'memory_leak', root: 'service:cart', signals: [], actions: [['restart', 'verified', 9]] },
        ]),
      ).get('leak-4') as NonNullable<ReturnType<KnowledgeBase['get']>>,
    );
    const third = await regenerateRunbooks(kb, store, { now: NOW + 3 });
    expect(third[0]).toMatchObject({ id: `${id}${REVISION_SUFFIX}`, incidents: 4, outcome: 'written' });
    expect(store.rows.get(id)).toMatchObject({ status: 'approved', incidentIds: ['leak-1', 'leak-2', 'leak-3'] });
    const revision = store.rows.get(`${id}${REVISION_SUFFIX}`) as Runbook;
    expect(revision).toMatchObject({
      status: 'draft',
      title: 'memory_leak on a service (revision)',
      incidentIds: ['leak-1', 'leak-2', 'leak-3', 'leak-4'],
    });
    expect(revision.markdown).toContain('worked 3/4');

    // Approving the revision replaces the approved runbook and retires the revision row.
    const rows = approveRunbook(revision, 'bob', NOW + 4);
    expect(rows.map((r) => [r.id, r.status, r.title])).toEqual([
      [id, 'approved', 'memory_leak on a service'],
      [`${id}${REVISION_SUFFIX}`, 'retired', 'memory_leak on a service (revision)'],
    ]);
    expect(rows[0]).toMatchObject({ approvedBy: 'bob', approvedAt: NOW + 4, incidentIds: ['leak-1', 'leak-2', 'leak-3', 'leak-4'] });
    expect(() => approveRunbook(rows[0] as Runbook, 'carol', NOW + 5)).toThrow(HomeostatError);
    expect(() => approveRunbook(rows[1] as Runbook, 'carol', NOW + 5)).toThrow('only a draft can be approved');
  });

  it('reconciles: draft kept its first generation time; retired replaced; unchanged skipped', () => {
    const kb = KnowledgeBase.build(casesRecords(LEAK_CASES));
    const draft = draftRunbook(clusterIncidents(kb)[0] as NonNullable<ReturnType<typeof clusterIncidents>[0]>, kb, { now: NOW + 10 });
    const old = { ...draft, generatedAt: NOW, markdown: 'older text' };
    expect(reconcileDraft(draft, {})).toBe(draft);
    expect(reconcileDraft(draft, { base: old })).toEqual({ ...draft, generatedAt: NOW });
    expect(reconcileDraft(draft, { base: { ...draft, generatedAt: NOW } })).toBeUndefined();
    expect(reconcileDraft(draft, { base: { ...old, status: 'retired' } })).toBe(draft);
    // An LLM-rewritten draft with the same incidents and rule is not regenerated (nor sent to the LLM again).
    expect(reconcileDraft(draft, { base: { ...old, generator: 'llm' } })).toBeUndefined();
  });

  it('passes changed drafts through a rewriter and records its verdict', async () => {
    const store = fakeStore();
    const rewriter: RunbookRewriter = {
      async rewrite(runbook) {
        return {
          runbook: { ...runbook, markdown: `${runbook.markdown}\n(rewritten)`, generator: 'llm' },
          accepted: true,
          reason: 'ok by test',
        };
      },
    };
    const out = await regenerateRunbooks(KnowledgeBase.build(casesRecords(LEAK_CASES)), store, { now: NOW, rewriter });
    expect(out[0]).toMatchObject({ outcome: 'written', generator: 'llm', rewrite: 'ok by test' });
    expect(store.rows.get(runbookId('memory_leak', 'service'))?.markdown).toMatch(/\(rewritten\)$/);
  });
});
