import { describe, expect, it } from 'vitest';
import { caseRecords, casesRecords, KB_T0, LEAK_CASES } from '../../test/fixtures/knowledge-fixture.js';
import { HomeostatError } from '../errors.js';
import {
  actionStatsOf,
  entityKindOf,
  incidentQuery,
  type KnowledgeEntry,
  KnowledgeBase,
  knowledgeEntry,
  medianOf,
  queryFeatures,
  tokenize,
  weightedJaccard,
  wilsonInterval,
} from './knowledge-base.js';

const MIN = 60_000;

/** An entry whose searchable text is its title and status only. */
function bare(id: string, title: string, closedAt: number): KnowledgeEntry {
  return {
    incidentId: id,
    title,
    status: 'resolved',
    severity: 'low',
    openedAt: closedAt - 1,
    closedAt,
    signals: [],
    entityKinds: [],
    actions: [],
    notes: [],
  };
}

describe('tokenize', () => {
  it('lower-cases, keeps snake_case whole and split, drops stop words', () => {
    expect(tokenize('Memory_leak on service:payments, p99 UP')).toEqual([
      'memory_leak',
      'memory',
      'leak',
      'service',
      'payments',
      'p99',
      'up',
    ]);
    expect(tokenize('the of and')).toEqual([]);
  });
});

describe('wilsonInterval', () => {
  it('matches hand-computed 95 % intervals', () => {
    const a = wilsonInterval(4, 5);
    expect(a.lower).toBeCloseTo(0.375535, 5);
    expect(a.upper).toBeCloseTo(0.963776, 5);
    const b = wilsonInterval(0, 2);
    expect(b.lower).toBe(0);
    expect(b.upper).toBeCloseTo(0.65762, 5);
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
    expect(wilsonInterval(1, 1).upper).toBe(1);
  });
});

describe('medianOf', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(medianOf([5, 1, 3])).toBe(3);
    expect(medianOf([4, 1, 3, 10])).toBe(3.5);
    expect(medianOf([])).toBeUndefined();
  });
});

describe('entityKindOf', () => {
  it('uses the entity list, then an id prefix that is a kind', () => {
    expect(entityKindOf('pay', new Map([['pay', 'service']]))).toBe('service');
    expect(entityKindOf('database:orders')).toBe('database');
    expect(entityKindOf('weird:thing')).toBe('unknown');
    expect(entityKindOf('nocolon')).toBe('unknown');
  });
});

describe('knowledgeEntry', () => {
  it('records signals in order of appearance, entity kinds, the acted-on root cause and action results', () => {
    const r = caseRecords(LEAK_CASES[2] as (typeof LEAK_CASES)[number]);
    const e = knowledgeEntry(r.incidents[0] as (typeof r.incidents)[number], r);
    expect(e.incidentId).toBe('leak-3');
    expect(e.status).toBe('resolved');
    expect(e.signals).toEqual([{ entityKind: 'service', metric: 'memory_utilization', direction: 'up', offsetMs: 0 }]);
    expect(e.entityKinds).toEqual(['service']);
    expect(e.rootCause).toMatchObject({ entityId: 'service:payments', entityKind: 'service', faultKind: 'memory_leak', confirmed: false });
    expect(e.actions.map((a) => [a.kind, a.result, a.verifyMs])).toEqual([
      ['restart', 'failed', 12 * MIN],
      ['rollback', 'worked', 20 * MIN],
    ]);
    expect(e.closedAt).toBe(KB_T0 + (1200 + 90) * MIN);
  });

  it('takes a confirmed root cause with its hypothesis fault kind, and operator labels over verification', () => {
    const r = caseRecords({
      id: 'x',
      at: 0,
      fault: 'cpu_hog',
      root: 'service:cart',
      others: [['host:h2', 'host_failure']],
      signals: [
        ['host:h2', 'cpu_utilization', 'up', 3],
        ['service:cart', 'latency_p99_ms', 'up', 0],
        ['service:cart', 'latency_p99_ms', 'up', 5],
      ],
      actions: [
        ['restart', 'verified', 8],
        ['drain', 'dry_run'],
      ],
      confirmed: 'host:h2',
      feedback: [
        { subjectType: 'action', subjectId: 'x-act0', label: 'action_worked', source: 'verification', note: 'latency back' },
        { subjectType: 'action', subjectId: 'x-act0', label: 'action_failed', source: 'operator', note: 'it came back an hour later' },
        { subjectType: 'action', subjectId: 'x-act0', label: 'action_worked', source: 'verification' },
      ],
    });
    const e = knowledgeEntry(r.incidents[0] as (typeof r.incidents)[number], r);
    expect(e.rootCause).toMatchObject({
      entityId: 'host:h2',
      entityKind: 'host',
      faultKind: 'host_failure',
      confirmed: true,
      confidence: 0.1,
    });
    expect(e.signals.map((s) => `${s.entityKind}:${s.metric}:${s.offsetMs / MIN}`)).toEqual([
      'service:latency_p99_ms:0',
      'host:cpu_utilization:3',
    ]);
    expect(e.entityKinds).toEqual(['host', 'service']);
    expect(e.actions.map((a) => [a.kind, a.result, a.note])).toEqual([
      ['restart', 'failed', 'it came back an hour later'],
      ['drain', 'unknown', undefined],
    ]);
    expect(e.notes).toEqual(['latency back', 'it came back an hour later']);
  });

  it('refuses an incident that is still open', () => {
    const r = caseRecords(LEAK_CASES[0] as (typeof LEAK_CASES)[number]);
    const open = { ...(r.incidents[0] as (typeof r.incidents)[number]), status: 'open' as const };
    expect(() => knowledgeEntry(open, r)).toThrow(HomeostatError);
    expect(() => knowledgeEntry(open, r)).toThrow('knowledge entry needs a resolved or escalated incident (got "open" for leak-1)');
  });
});

describe('BM25 search', () => {
  const kb = new KnowledgeBase();
  kb.add(bare('e1', 'disk full on h3', 1));
  kb.add(bare('e2', 'memory leak payments', 2));
  kb.add(bare('e3', 'disk latency', 3));

  it('scores by idf and length-normalised term frequency (k1 1.2, b 0.75)', () => {
    // N = 3, df(disk) = 2: idf = ln(1 + 1.5/2.5) = 0.470004; lengths 4, 4, 3 (each + "resolved"), avg 11/3.
    // e3: 0.470004·2.2 / (1 + 1.2·(0.25 + 0.75·3/(11/3))) = 0.507772; e1 (length 4): 0.453151.
    const hits = kb.search('Disk');
    expect(hits.map((h) => h.entry.incidentId)).toEqual(['e3', 'e1']);
    expect(hits[0]?.score).toBeCloseTo(0.507772, 5);
    expect(hits[1]?.score).toBeCloseTo(0.453151, 5);
    expect(hits[0]?.matched).toEqual(['disk']);
  });

  it('sums over distinct query terms and reports the matched ones', () => {
    const hits = kb.search('disk latency latency');
    expect(hits[0]?.entry.incidentId).toBe('e3');
    expect(hits[0]?.matched).toEqual(['disk', 'latency']);
    // latency: df 1, idf = ln(1 + 2.5/1.5) = 0.980829; tf part as for disk on e3.
    expect(hits[0]?.score).toBeCloseTo(0.507772 + (0.980829 * 2.2) / (1 + 1.2 * (0.25 + (0.75 * 9) / 11)), 5);
    expect(kb.search('of the')).toEqual([]);
    expect(kb.search('nothing-here')).toEqual([]);
    expect(kb.search('disk', 1)).toHaveLength(1);
  });
});

describe('similarity', () => {
  const kb = KnowledgeBase.build(
    casesRecords([
      {
        id: 'a',
        at: 0,
        fault: 'memory_leak',
        root: 'service:s1',
        signals: [['service:s1', 'memory_utilization', 'up', 0]],
        actions: [['restart', 'verified', 10]],
      },
      {
        id: 'b',
        at: 100,
        fault: 'cpu_hog',
        root: 'service:s2',
        signals: [
          ['service:s2', 'latency_p99_ms', 'up', 0],
          ['service:s2', 'cpu_utilization', 'up', 1],
        ],
        actions: [['restart', 'verify_failed', 6]],
      },
      { id: 'c', at: 200, fault: 'disk_fill', root: 'host:h1', signals: [['host:h1', 'disk_utilization', 'up', 0]] },
    ]),
  );
  const query = {
    faultKind: 'memory_leak',
    rootEntityKind: 'service',
    signals: [
      { entityKind: 'service', metric: 'memory_utilization', direction: 'up' as const },
      { entityKind: 'service', metric: 'latency_p99_ms', direction: 'up' as const },
    ],
  };

  it('weights fault 3, root kind 2, each signal 1 in a weighted Jaccard index', () => {
    expect(weightedJaccard(['fault:cpu_hog', 'root:service'], ['fault:cpu_hog'])).toEqual({ similarity: 0.6, shared: ['fault:cpu_hog'] });
    expect(weightedJaccard([], [])).toEqual({ similarity: 0, shared: [] });
    const hits = kb.similar(query, 5);
    // a: shared 3 + 2 + 1 = 6 of union 7; b: shared root 2 + latency 1 = 3 of union 3+3+2+1+1+1 = 11; c: 0.
    expect(hits.map((h) => [h.entry.incidentId, h.similarity])).toEqual([
      ['a', 6 / 7],
      ['b', 3 / 11],
    ]);
    expect(hits[0]?.shared).toEqual(['fault:memory_leak', 'root:service', 'signal:service:memory_utilization:up']);
    expect(kb.similar(query, 1)).toHaveLength(1);
    expect(kb.similar({ ...query, excludeIncidentId: 'a' }).map((h) => h.entry.incidentId)).toEqual(['b']);
  });

  it('treats an unknown fault kind as no feature', () => {
    expect(queryFeatures({ faultKind: 'unknown', rootEntityKind: 'unknown', signals: [] })).toEqual([]);
  });

  it('builds the query of an open incident from its top hypothesis and anomalies', () => {
    const r = caseRecords({
      id: 'new',
      at: 500,
      fault: 'memory_leak',
      root: 'service:s9',
      signals: [['service:s9', 'memory_utilization', 'up', 0]],
    });
    const q = incidentQuery({ ...(r.incidents[0] as (typeof r.incidents)[number]), status: 'open' }, r.anomalies);
    expect(queryFeatures(q)).toEqual(['fault:memory_leak', 'root:service', 'signal:service:memory_utilization:up']);
    expect(q.excludeIncidentId).toBe('new');
  });

  it('gives success statistics per action kind over the similar incidents', () => {
    const stats = kb.actionStats(query, 10);
    expect(stats).toHaveLength(1);
    expect(stats[0]).toMatchObject({
      kind: 'restart',
      attempts: 2,
      successes: 1,
      successRate: 0.5,
      medianVerifyMs: 8 * MIN,
      incidentIds: ['a', 'b'],
    });
    expect(stats[0]?.interval.lower).toBeCloseTo(0.094531, 5);
    expect(kb.actionStats(query, 1)).toMatchObject([{ kind: 'restart', attempts: 1, successes: 1, successRate: 1 }]);
    // b is a cpu_hog: left out when only the same fault kind counts.
    expect(kb.actionStats(query, 10, { sameFault: true })).toMatchObject([
      { kind: 'restart', attempts: 1, successes: 1, incidentIds: ['a'] },
    ]);
    expect(kb.actionStats({ ...query, faultKind: 'unknown' }, 10, { sameFault: true })).toEqual([]);
  });

  it('orders action kinds by success rate, then successes', () => {
    const entries = KnowledgeBase.build(casesRecords(LEAK_CASES)).entries();
    expect(actionStatsOf(entries).map((s) => [s.kind, s.successes, s.attempts])).toEqual([
      ['rollback', 1, 1],
      ['restart', 2, 3],
    ]);
  });
});

describe('bounds and state', () => {
  it('keeps the most recently closed entries and replaces an entry by incident id', () => {
    const kb = new KnowledgeBase({ maxEntries: 2 });
    kb.add(bare('e2', 'second', 20));
    kb.add(bare('e1', 'first', 10));
    kb.add(bare('e3', 'third', 30));
    expect(kb.entries().map((e) => e.incidentId)).toEqual(['e2', 'e3']);
    kb.add(bare('e2', 'second again', 20));
    expect(kb.size).toBe(2);
    expect(kb.search('second').map((h) => h.entry.title)).toEqual(['second again']);
    expect(kb.search('first')).toEqual([]);
  });

  it('restores from JSON state with the same answers, bit for bit', () => {
    const kb = KnowledgeBase.build(casesRecords(LEAK_CASES));
    const copy = KnowledgeBase.restore(JSON.parse(JSON.stringify(kb.state())));
    expect(copy.state()).toEqual(kb.state());
    expect(copy.search('memory payments restart')).toEqual(kb.search('memory payments restart'));
    expect(kb.search('memory payments restart')[0]?.score).toBeGreaterThan(0);
    const q = { faultKind: 'memory_leak', rootEntityKind: 'service', signals: [] };
    expect(copy.similar(q)).toEqual(kb.similar(q));
  });

  it('refuses a bad cap and a bad state', () => {
    expect(() => new KnowledgeBase({ maxEntries: 0 })).toThrow('knowledge base maxEntries must be an integer >= 1 (got 0)');
    expect(() => KnowledgeBase.restore({ version: 2 })).toThrow(/knowledge base state must be \{version: 1/);
  });
});
