import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import type { Anomaly, Attribution, ChangeEvent, Prediction } from '../records/types.js';
import type { Entity, EntityKind, Relation, Topology } from '../twin/types.js';
import { inferFaultKind } from './infer-fault-kind.js';
import { RCA_MODEL, rankRootCauses } from './rank-root-causes.js';
import { RootCausePriors } from './root-cause-priors.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0); // 10:00 UTC
const MIN = 60_000;

function entity(kind: EntityKind, name: string): Entity {
  return { id: `${kind}:${name}`, kind, name, attributes: {} };
}

function rel(from: string, kind: Relation['kind'], to: string): Relation {
  return { from, to, kind };
}

let seq = 0;
function anomaly(entityId: string, metric: string, atMin: number, opts: Partial<Anomaly> = {}): Anomaly {
  seq += 1;
  return {
    id: `a${seq}`,
    seriesId: `${entityId}/${metric}`,
    entityId,
    metric,
    at: T0 + atMin * MIN,
    score: 8,
    confidence: 0.9,
    expected: 0.4,
    actual: 0.95,
    direction: 'up',
    model: { kind: 'detector/test', version: '1' },
    contributors: [],
    explanation: '',
    status: 'open',
    ...opts,
  };
}

function deploy(entityId: string, atMin: number): ChangeEvent {
  return { id: `d-${entityId}`, at: T0 + atMin * MIN, entityId, kind: 'deploy', detail: 'v2' };
}

function rank(topology: Topology, anomalies: Anomaly[], events: ChangeEvent[] = []) {
  return rankRootCauses({ anomalies, topology, events, windowStartMs: T0 - 60 * MIN, windowEndMs: T0 + 60 * MIN });
}

/** api, orders, payments → db:main; all services on host:h1 (healthy). */
const shop: Topology = {
  entities: [
    entity('service', 'api'),
    entity('service', 'orders'),
    entity('service', 'payments'),
    entity('database', 'main'),
    entity('host', 'h1'),
  ],
  relations: [
    rel('service:api', 'depends_on', 'database:main'),
    rel('service:orders', 'depends_on', 'database:main'),
    rel('service:payments', 'depends_on', 'database:main'),
    rel('service:api', 'runs_on', 'host:h1'),
    rel('service:orders', 'runs_on', 'host:h1'),
    rel('service:payments', 'runs_on', 'host:h1'),
  ],
};

describe('rankRootCauses', () => {
  it('names its model', () => {
    expect(RCA_MODEL).toEqual({ kind: 'rca/topology-rank', version: '1' });
  });

  it('returns no hypothesis without anomalies', () => {
    expect(rank(shop, [])).toEqual([]);
  });

  it('ranks a database that is down above its alarming callers, as a dependency outage', () => {
    const hs = rank(shop, [
      anomaly('database:main', 'up', 0, { direction: 'down', expected: 1, actual: 0, confidence: 0.95 }),
      anomaly('service:api', 'error_rate', 2, { confidence: 0.8, expected: 0.01, actual: 0.3 }),
      anomaly('service:orders', 'latency_p99_ms', 2, { confidence: 0.85, expected: 120, actual: 850 }),
      anomaly('service:payments', 'error_rate', 3, { confidence: 0.8, expected: 0.01, actual: 0.25 }),
    ]);
    expect(hs[0]?.entityId).toBe('database:main');
    expect(hs[0]?.faultKind).toBe('dependency_outage');
    expect(hs[0]?.path).toEqual(['database:main', 'service:api', 'service:orders', 'service:payments']);
    expect(hs[0]?.evidence).toContain('main up fell at 10:00 (0.00 vs expected 1.00)');
    expect(hs[0]?.evidence).toContain('orders depends_on main');
    expect(hs[0]?.evidence).toContain('orders latency_p99_ms rose to 850 vs expected 120, 2 min after main up');
    expect(hs[0]?.confidence).toBeGreaterThan(0.6);
    expect(hs.slice(1).map((h) => h.entityId)).toContain('service:api');
    const total = hs.reduce((s, h) => s + h.confidence, 0);
    expect(total).toBeLessThanOrEqual(1);
    for (const h of hs) expect(h.confidence).toBeGreaterThanOrEqual(0);
    expect(hs[0]?.contributors.map((c) => c.name)).toEqual(['onset', 'magnitude', 'propagation', 'change', 'kind']);
  });

  it('keeps a silent database as a candidate when only its callers alarm', () => {
    const hs = rank(shop, [
      anomaly('service:api', 'error_rate', 0, { confidence: 0.8 }),
      anomaly('service:orders', 'error_rate', 0, { confidence: 0.8 }),
      anomaly('service:payments', 'error_rate', 1, { confidence: 0.8 }),
    ]);
    const db = hs.find((h) => h.entityId === 'database:main');
    expect(db?.faultKind).toBe('dependency_outage');
    expect(db?.evidence[0]).toBe(
      'main shows no anomaly of its own; 3 of the entities that depend on or run on it alarmed (api, orders, payments)',
    );
    expect(db?.path).toEqual(['database:main', 'service:api', 'service:orders', 'service:payments']);
    // Unseen, it stays a low-confidence hypothesis rather than a confident one.
    expect(db?.confidence).toBeLessThan(0.6);
  });

  it('blames a service whose errors followed its own deploy', () => {
    const topo: Topology = {
      entities: [entity('service', 'checkout'), entity('service', 'payment'), entity('database', 'pay')],
      relations: [rel('service:checkout', 'depends_on', 'service:payment'), rel('service:payment', 'depends_on', 'database:pay')],
    };
    const hs = rank(
      topo,
      [
        anomaly('service:payment', 'error_rate', 5, { expected: 0.01, actual: 0.2, confidence: 0.85 }),
        anomaly('service:checkout', 'error_rate', 7, { expected: 0.01, actual: 0.1, confidence: 0.8 }),
      ],
      [deploy('service:payment', 2), deploy('service:checkout', -90)],
    );
    expect(hs.map((h) => h.entityId)).toEqual(['service:payment', 'service:checkout', 'database:pay']);
    expect(hs[0]?.faultKind).toBe('bad_deploy');
    expect(hs[0]?.evidence).toContain('deploy of payment at 10:02, 3 min before the first anomaly');
    expect(hs[0]?.path).toEqual(['service:payment', 'service:checkout']);
    expect(hs[1]?.faultKind).toBe('unknown');
    expect(hs[0]?.contributors.find((c) => c.name === 'change')?.actual).toBeCloseTo(1 - 0.5 * (3 / 30), 10);
  });

  it('ranks a host with ECC errors above the services running on it', () => {
    const topo: Topology = {
      entities: [entity('host', 'h1'), entity('host', 'h2'), entity('service', 'a'), entity('service', 'b'), entity('service', 'c')],
      relations: [
        rel('service:a', 'runs_on', 'host:h1'),
        rel('service:b', 'runs_on', 'host:h1'),
        rel('service:c', 'runs_on', 'host:h2'),
        rel('service:a', 'depends_on', 'service:c'),
      ],
    };
    const hs = rank(topo, [
      anomaly('host:h1', 'hw_ecc_errors', -30, { confidence: 0.9, expected: 0, actual: 40 }),
      anomaly('service:a', 'latency_p99_ms', -5, { confidence: 0.85 }),
      anomaly('service:b', 'error_rate', -4, { confidence: 0.8 }),
    ]);
    expect(hs[0]?.entityId).toBe('host:h1');
    expect(hs[0]?.faultKind).toBe('host_failure');
    expect(hs[0]?.path).toEqual(['host:h1', 'service:a', 'service:b']);
    expect(hs[0]?.evidence).toContain('a runs_on h1');
    expect(hs[0]?.evidence).toContain('a latency_p99_ms rose to 0.95 vs expected 0.40, 25 min after h1 hw_ecc_errors');
  });

  it('names a lone memory rise a memory leak on that service', () => {
    const topo: Topology = {
      entities: [entity('service', 'cart'), entity('database', 'cartdb'), entity('host', 'h3')],
      relations: [rel('service:cart', 'depends_on', 'database:cartdb'), rel('service:cart', 'runs_on', 'host:h3')],
    };
    const hs = rank(topo, [anomaly('service:cart', 'memory_utilization', 0, { confidence: 0.92, expected: 0.5, actual: 0.91 })]);
    expect(hs.map((h) => h.entityId)).toEqual(['service:cart', 'database:cartdb', 'host:h3']);
    expect(hs[0]?.faultKind).toBe('memory_leak');
    expect(hs[0]?.path).toEqual(['service:cart']);
    expect(hs[0]?.confidence).toBeGreaterThan(0.85);
    expect(hs[0]?.confidence).toBeLessThanOrEqual(0.92);
    expect(hs[1]?.faultKind).toBe('unknown');
    expect(hs[0]?.evidence[0]).toBe('cart memory_utilization rose at 10:00 (0.91 vs expected 0.50)');
    // Hand-checked: onset 1, magnitude 0.92, propagation 1 (the most walk mass), no change, known kind.
    expect(hs[0]?.score).toBeCloseTo(0.2 * 1 + 0.2 * 0.92 + 0.3 * 1 + 0.15 * 1, 10);
  });

  it('ignores anomalies outside the window and is deterministic', () => {
    const anomalies = [anomaly('service:api', 'memory_utilization', 0), anomaly('service:orders', 'cpu_utilization', 500)];
    const a = rank(shop, anomalies);
    const b = rank(shop, anomalies);
    expect(a).toEqual(b);
    expect(a.map((h) => h.entityId)).not.toContain('service:orders');
    expect(a[0]?.entityId).toBe('service:api');
  });

  it('returns at most maxHypotheses', () => {
    const hs = rankRootCauses(
      {
        anomalies: [anomaly('service:api', 'error_rate', 0), anomaly('service:orders', 'error_rate', 0)],
        topology: shop,
        events: [],
        windowStartMs: T0,
        windowEndMs: T0 + MIN,
      },
      { maxHypotheses: 2 },
    );
    expect(hs).toHaveLength(2);
  });

  it('rejects a reversed window and a bad config with a clear message', () => {
    const input = { anomalies: [], topology: shop, events: [], windowStartMs: 10, windowEndMs: 5 };
    expect(() => rankRootCauses(input)).toThrow(HomeostatError);
    expect(() => rankRootCauses(input)).toThrow('windowEndMs >= windowStartMs (got 10..5)');
    expect(() => rankRootCauses({ ...input, windowEndMs: 20 }, { temperature: 0 })).toThrow(
      'rca config temperature must be a number > 0 (got 0)',
    );
  });
});

function risk(
  entityId: string,
  value: number,
  atMin: number,
  explanation: Attribution[],
  kind: Prediction['kind'] = 'failure_risk',
): Prediction {
  seq += 1;
  return {
    id: `p${seq}`,
    kind,
    entityId,
    at: T0 + atMin * MIN,
    horizonMs: 6 * 3_600_000,
    model: { kind: 'classifier/failure-risk', version: '1' },
    value,
    confidence: 0.8,
    explanation,
    summary: '',
  };
}

/** host-09 runs two services and belongs to a cluster; services depend on a database on host-10. */
const rack: Topology = {
  entities: [
    entity('host', 'host-09'),
    entity('host', 'host-10'),
    entity('cluster', 'c1'),
    entity('service', 'web'),
    entity('service', 'api'),
    entity('database', 'db'),
  ],
  relations: [
    rel('host:host-09', 'part_of', 'cluster:c1'),
    rel('host:host-10', 'part_of', 'cluster:c1'),
    rel('service:web', 'runs_on', 'host:host-09'),
    rel('service:api', 'runs_on', 'host:host-09'),
    rel('database:db', 'runs_on', 'host:host-10'),
    rel('service:web', 'depends_on', 'service:api'),
    rel('service:api', 'depends_on', 'database:db'),
  ],
};

describe('rankRootCauses confidence', () => {
  it('is confident in a lone host whose own disk anomaly is the whole incident', () => {
    const disk = anomaly('host:host-09', 'disk_utilization', 0, { confidence: 0.95, expected: 0.6, actual: 0.93 });
    const hs = rank(rack, [disk]);
    expect(hs[0]?.entityId).toBe('host:host-09');
    expect(hs[0]?.faultKind).toBe('disk_fill');
    // Alone: ranking share ~1, evidence strength 0.95 · 1 (known kind) · (0.75 + 0.25 · coverage 1).
    expect(hs[0]?.confidence).toBeGreaterThanOrEqual(0.8);
    expect(hs[0]?.confidence).toBeCloseTo(0.95, 2);
    expect(hs[0]?.evidence.at(-1)).toMatch(/^confidence 0\.95 = ranking share 1\.00 × evidence strength 0\.95$/);
    // Closed blips on its neighbours 35-50 min earlier (the engine's 2-hop window) barely dent it.
    const noisy = rank(rack, [
      anomaly('service:web', 'latency_p99_ms', -50, { confidence: 0.99, status: 'closed' }),
      anomaly('service:api', 'cpu_utilization', -40, { confidence: 0.99, status: 'closed' }),
      anomaly('host:host-10', 'hw_temperature_c', -35, { confidence: 0.95, status: 'closed' }),
      disk,
    ]);
    expect(noisy[0]?.entityId).toBe('host:host-09');
    expect(noisy[0]?.faultKind).toBe('disk_fill');
    expect(noisy[0]?.confidence).toBeGreaterThanOrEqual(0.8);
  });

  it('is not capped at 0.6 for a host with ECC errors only', () => {
    const hs = rank(rack, [
      anomaly('host:host-09', 'hw_ecc_errors', 0, { confidence: 0.97, expected: 0, actual: 12 }),
      anomaly('host:host-09', 'hw_ecc_errors', 20, { confidence: 0.99, expected: 0, actual: 30 }),
    ]);
    expect(hs[0]?.faultKind).toBe('host_failure');
    expect(hs[0]?.confidence).toBeGreaterThan(0.9);
    expect(hs[0]?.confidence).toBeLessThanOrEqual(0.99);
  });

  it('ranks a freshly deployed service above its erroring callers, as a bad deploy with confidence >= 0.7', () => {
    const topo: Topology = {
      entities: [
        entity('service', 'sessions'),
        entity('service', 'web'),
        entity('service', 'api'),
        entity('host', 'h1'),
        entity('host', 'h2'),
      ],
      relations: [
        rel('service:web', 'depends_on', 'service:sessions'),
        rel('service:api', 'depends_on', 'service:sessions'),
        rel('service:sessions', 'runs_on', 'host:h1'),
        rel('service:web', 'runs_on', 'host:h2'),
        rel('service:api', 'runs_on', 'host:h2'),
      ],
    };
    const hs = rank(
      topo,
      [
        anomaly('host:h2', 'cpu_utilization', -55, { confidence: 0.99, status: 'closed' }),
        anomaly('service:web', 'latency_p99_ms', -42, { confidence: 0.99, status: 'closed' }),
        anomaly('service:sessions', 'error_rate', 0, { confidence: 0.93, expected: 0.01, actual: 0.2 }),
        anomaly('service:web', 'error_rate', 1, { confidence: 0.92, expected: 0.01, actual: 0.08 }),
        anomaly('service:api', 'error_rate', 2, { confidence: 0.91, expected: 0.01, actual: 0.06 }),
      ],
      [deploy('service:sessions', -1)],
    );
    expect(hs[0]?.entityId).toBe('service:sessions');
    expect(hs[0]?.faultKind).toBe('bad_deploy');
    expect(hs[0]?.confidence).toBeGreaterThanOrEqual(0.7);
    expect(hs[0]?.path).toEqual(['service:sessions', 'service:api', 'service:web']);
    // The silent host h2 under both callers is a guessed host_failure, far behind.
    expect(hs.find((h) => h.entityId === 'host:h2')?.confidence).toBeLessThan(0.1);
  });

  it('ranks a failing queue above its callers and their load balancer, as a dependency outage >= 0.7', () => {
    const topo: Topology = {
      entities: [
        entity('queue', 'orders-q'),
        entity('service', 'checkout'),
        entity('service', 'billing'),
        entity('load_balancer', 'lb-2'),
        entity('host', 'h1'),
        entity('host', 'h2'),
      ],
      relations: [
        rel('service:checkout', 'depends_on', 'queue:orders-q'),
        rel('service:billing', 'depends_on', 'queue:orders-q'),
        rel('load_balancer:lb-2', 'connects_to', 'service:checkout'),
        rel('load_balancer:lb-2', 'connects_to', 'service:billing'),
        rel('queue:orders-q', 'runs_on', 'host:h2'),
        rel('service:checkout', 'runs_on', 'host:h1'),
        rel('service:billing', 'runs_on', 'host:h1'),
      ],
    };
    // The callers' error rates are seen a minute before the queue's own (detector timing); the
    // engine's 2-hop window also brings earlier, closed blips on neighbours.
    const hs = rank(topo, [
      anomaly('host:h1', 'cpu_utilization', -50, { confidence: 0.97, status: 'closed' }),
      anomaly('service:checkout', 'latency_p50_ms', -45, { confidence: 0.98, status: 'closed' }),
      anomaly('load_balancer:lb-2', 'request_rate', -40, { confidence: 0.99, status: 'closed' }),
      anomaly('service:checkout', 'error_rate', 0, { confidence: 0.92 }),
      anomaly('service:billing', 'error_rate', 0, { confidence: 0.93 }),
      anomaly('queue:orders-q', 'queue_depth', 1, { confidence: 0.96 }),
      anomaly('queue:orders-q', 'error_rate', 1, { confidence: 0.94 }),
      anomaly('load_balancer:lb-2', 'error_rate', 2, { confidence: 0.91 }),
    ]);
    expect(hs[0]?.entityId).toBe('queue:orders-q');
    expect(hs[0]?.faultKind).toBe('dependency_outage');
    expect(hs[0]?.confidence).toBeGreaterThanOrEqual(0.7);
    expect(hs[0]?.path).toEqual(['queue:orders-q', 'service:billing', 'service:checkout', 'load_balancer:lb-2']);
    const total = hs.reduce((s, h) => s + h.confidence, 0);
    expect(total).toBeLessThanOrEqual(1);
  });

  it('does not let stale, closed anomalies on a neighbour beat a fresh strong root', () => {
    const topo: Topology = {
      entities: [entity('host', 'host-44'), entity('host', 'host-45'), entity('service', 'web-frontend'), entity('service', 'catalog')],
      relations: [
        rel('service:web-frontend', 'runs_on', 'host:host-44'),
        rel('service:web-frontend', 'depends_on', 'service:catalog'),
        rel('service:catalog', 'runs_on', 'host:host-45'),
      ],
    };
    const anomalies = [
      anomaly('service:catalog', 'latency_p99_ms', -45, { confidence: 0.99, status: 'closed' }),
      anomaly('service:catalog', 'cpu_utilization', -40, { confidence: 0.99, status: 'closed' }),
      anomaly('host:host-44', 'network_packet_loss', 0, { confidence: 0.93, expected: 0, actual: 0.08 }),
      anomaly('service:web-frontend', 'latency_p99_ms', 2, { confidence: 0.92 }),
    ];
    const hs = rank(topo, anomalies);
    expect(hs[0]?.entityId).toBe('host:host-44');
    expect(hs[0]?.faultKind).toBe('network_loss');
    expect(hs[0]?.confidence).toBeGreaterThanOrEqual(0.6);
    const catalog = hs.find((h) => h.entityId === 'service:catalog');
    // Last raised 40 min before the incident began: relevance exp(-40/20).
    expect(catalog?.evidence).toContain(
      "catalog's anomalies closed and were raised 40 min or more before the incident began at 10:00 (time relevance 0.14)",
    );
    expect(catalog?.contributors.find((c) => c.name === 'magnitude')?.actual).toBeCloseTo(0.99 * Math.exp(-2), 10);
    // The same anomalies still open are ongoing, and count fully.
    const open = rank(
      topo,
      anomalies.map((a) => ({ ...a, status: 'open' as const })),
    );
    expect(open.find((h) => h.entityId === 'service:catalog')?.contributors.find((c) => c.name === 'magnitude')?.actual).toBe(0.99);
  });

  it('measures staleness from incidentStartMs when given', () => {
    const anomalies = [
      anomaly('service:api', 'cpu_utilization', -30, { confidence: 0.9, status: 'closed' }),
      anomaly('host:host-09', 'disk_utilization', 0, { confidence: 0.95 }),
    ];
    // By default both fall in one burst (gap 30 min): api's onset is the incident's start.
    const joint = rank(rack, anomalies);
    expect(joint.find((h) => h.entityId === 'service:api')?.contributors[1]?.actual).toBe(0.9);
    const hs = rankRootCauses({
      anomalies,
      topology: rack,
      events: [],
      windowStartMs: T0 - 60 * MIN,
      windowEndMs: T0 + 10 * MIN,
      incidentStartMs: T0,
    });
    expect(hs[0]?.entityId).toBe('host:host-09');
    expect(hs.find((h) => h.entityId === 'service:api')?.contributors[1]?.actual).toBeCloseTo(0.9 * Math.exp(-1.5), 10);
  });

  it('stays low when two unrelated candidates explain the incident equally well', () => {
    const hs = rank(rack, [
      anomaly('service:web', 'cpu_utilization', 0, { confidence: 0.95 }),
      anomaly('database:db', 'cpu_utilization', 0, { confidence: 0.95 }),
    ]);
    expect(hs[0]?.confidence).toBeLessThan(0.6);
  });

  it('stays low on thin evidence: one weak anomaly of unknown kind', () => {
    const hs = rank(rack, [anomaly('service:api', 'latency_p50_ms', 0, { confidence: 0.5 })]);
    expect(hs[0]?.entityId).toBe('service:api');
    expect(hs[0]?.faultKind).toBe('unknown');
    // share just under 1 (two silent rivals) · 0.5 · unknownKindFactor 0.7 · (0.75 + 0.25 · 1) = 0.35
    expect(hs[0]?.confidence).toBeLessThanOrEqual(0.35);
    expect(hs[0]?.confidence).toBeGreaterThan(0.3);
  });
});

describe('rankRootCauses with failure-risk predictions', () => {
  const leak = [
    { name: 'memory_utilization reaches 100 % in ~50 min at +1 %/min', weight: 0.9, actual: 0.5 },
    { name: '2 restarts in the last hour', weight: 0.1, actual: 2 },
  ];

  it('returns a hypothesis from a prediction alone, named by its dominant signal', () => {
    const hs = rankRootCauses({
      anomalies: [],
      predictions: [risk('service:api', 0.3, -20, leak), risk('service:api', 0.85, 0, leak)],
      topology: rack,
      events: [],
      windowStartMs: T0 - 60 * MIN,
      windowEndMs: T0 + 3 * MIN,
    });
    expect(hs[0]?.entityId).toBe('service:api');
    expect(hs[0]?.faultKind).toBe('memory_leak');
    expect(hs[0]?.confidence).toBeGreaterThanOrEqual(0.6);
    expect(hs[0]?.confidence).toBeLessThanOrEqual(0.85);
    expect(hs[0]?.contributors[1]?.actual).toBe(0.85);
    expect(hs[0]?.evidence[0]).toBe(
      'failure risk of api 85 % within 6 h at 10:00: memory_utilization reaches 100 % in ~50 min at +1 %/min; 2 restarts in the last hour',
    );
  });

  /** Fault kind of the top hypothesis when a host's only evidence is a failure-risk prediction with this explanation. */
  const kindOf = (explanation: Attribution[]) =>
    rankRootCauses({
      anomalies: [],
      predictions: [risk('host:host-09', 0.8, 0, explanation)],
      topology: rack,
      events: [],
      windowStartMs: T0 - 60 * MIN,
      windowEndMs: T0,
    })[0]?.faultKind;

  it('maps disk, ECC and temperature predictions to disk_fill and host_failure', () => {
    expect(kindOf([{ name: 'disk_utilization reaches 100 % in ~2 h at +0.5 %/min', weight: 1, actual: 0.4 }])).toBe('disk_fill');
    expect(kindOf([{ name: 'hw_ecc_errors at 3/min, 12× its baseline of 0.25/min', weight: 1, actual: 3 }])).toBe('host_failure');
    expect(kindOf([{ name: 'hw_temperature_c reaches 90 °C in ~40 min at +0.3 °C/min', weight: 1, actual: 78 }])).toBe('host_failure');
    expect(kindOf([{ name: '3 restarts in the last hour', weight: 1, actual: 3 }])).toBe('unknown');
  });

  it("reads a trained model's explanation: only measured values that raise the risk are symptoms", () => {
    // TreeSHAP names the largest contributions whatever their sign or whether the value was reported.
    const shap: Attribution[] = [
      { name: 'disk_utilization not reported', weight: 1.4 },
      { name: 'hw_temperature_c at 41 °C', weight: -0.9, actual: 41 },
      { name: 'disk_utilization reaches 100 % in ~3 h', weight: 0.6, actual: 0.7 },
    ];
    expect(kindOf(shap)).toBe('disk_fill');
    // A raising feature below a quarter of the raising weight is not a symptom once one is found.
    expect(
      kindOf([
        { name: 'hw_ecc_errors at 3/min, 12× its baseline of 0.25/min', weight: 2, actual: 3 },
        { name: 'disk_utilization at 40 %', weight: 0.3, actual: 0.4 },
      ]),
    ).toBe('host_failure');
    expect(kindOf([{ name: 'disk_utilization not reported', weight: 2 }])).toBe('unknown');
  });

  it('ignores demand forecasts, low risks and predictions outside the window', () => {
    const input = {
      anomalies: [],
      topology: rack,
      events: [],
      windowStartMs: T0 - 60 * MIN,
      windowEndMs: T0,
    };
    expect(
      rankRootCauses({
        ...input,
        predictions: [risk('service:api', 0.9, 0, leak, 'demand'), risk('service:web', 0.1, 0, leak), risk('service:db', 0.9, 30, leak)],
      }),
    ).toEqual([]);
  });

  it('adds a prediction to the own anomalies of a candidate (noisy-OR)', () => {
    const hs = rankRootCauses({
      anomalies: [anomaly('service:api', 'memory_utilization', 0, { confidence: 0.9 })],
      predictions: [risk('service:api', 0.8, 0, leak)],
      topology: rack,
      events: [],
      windowStartMs: T0 - 60 * MIN,
      windowEndMs: T0 + 5 * MIN,
    });
    expect(hs[0]?.entityId).toBe('service:api');
    expect(hs[0]?.contributors[1]?.actual).toBeCloseTo(1 - 0.1 * 0.2, 10);
    expect(hs[0]?.confidence).toBeGreaterThan(0.9);
  });
});

describe('inferFaultKind', () => {
  const base = { entityKind: 'service' as const, recentDeploy: false, anomalousDependents: 0 };
  const up = (metric: string) => ({ metric, direction: 'up' as const });

  it('tells a traffic surge from a CPU hog', () => {
    expect(inferFaultKind({ ...base, symptoms: [up('request_rate'), up('cpu_utilization')] }).kind).toBe('traffic_surge');
    expect(inferFaultKind({ ...base, symptoms: [up('cpu_utilization')] }).kind).toBe('cpu_hog');
    expect(inferFaultKind({ ...base, entityKind: 'host', symptoms: [up('cpu_utilization')] }).kind).toBe('unknown');
  });

  it('needs a deploy to call errors a bad deploy', () => {
    expect(inferFaultKind({ ...base, symptoms: [up('error_rate')] }).kind).toBe('unknown');
    expect(inferFaultKind({ ...base, recentDeploy: true, symptoms: [up('error_rate')] }).kind).toBe('bad_deploy');
  });

  it('recognises disk, network and machine faults', () => {
    expect(inferFaultKind({ ...base, symptoms: [up('disk_utilization')] }).kind).toBe('disk_fill');
    expect(inferFaultKind({ ...base, entityKind: 'host', symptoms: [up('network_packet_loss')] }).kind).toBe('network_loss');
    expect(inferFaultKind({ ...base, entityKind: 'host', symptoms: [{ metric: 'up', direction: 'down' }] }).kind).toBe('host_failure');
    expect(inferFaultKind({ ...base, entityKind: 'queue', symptoms: [up('error_rate')] }).kind).toBe('dependency_outage');
    expect(inferFaultKind({ ...base, entityKind: 'host', symptoms: [], anomalousDependents: 2 }).kind).toBe('host_failure');
    expect(inferFaultKind({ ...base, entityKind: 'host', symptoms: [], anomalousDependents: 1 }).kind).toBe('unknown');
  });
});

/** promotions runs on host-24 and host-25 (host-24 also runs search); web calls promotions; catalog runs on host-34. */
const fleet: Topology = {
  entities: [
    entity('host', 'host-24'),
    entity('host', 'host-25'),
    entity('host', 'host-34'),
    entity('service', 'promotions'),
    entity('service', 'search'),
    entity('service', 'web'),
    entity('service', 'catalog'),
    entity('database', 'catalogdb'),
  ],
  relations: [
    rel('service:promotions', 'runs_on', 'host:host-24'),
    rel('service:promotions', 'runs_on', 'host:host-25'),
    rel('service:search', 'runs_on', 'host:host-24'),
    rel('service:web', 'runs_on', 'host:host-25'),
    rel('service:web', 'depends_on', 'service:promotions'),
    rel('service:catalog', 'runs_on', 'host:host-34'),
    rel('service:catalog', 'depends_on', 'database:catalogdb'),
  ],
};

describe('rankRootCauses with host utilisation caused by a workload', () => {
  it('blames a CPU-hogging service, not the two hosts whose CPU rose a minute later', () => {
    const hs = rank(fleet, [
      anomaly('service:promotions', 'cpu_utilization', 0, { confidence: 0.93, expected: 0.35, actual: 0.97 }),
      anomaly('host:host-24', 'cpu_utilization', 1, { confidence: 0.9, expected: 0.4, actual: 0.81 }),
      anomaly('host:host-25', 'cpu_utilization', 1, { confidence: 0.88, expected: 0.45, actual: 0.78 }),
    ]);
    expect(hs[0]?.entityId).toBe('service:promotions');
    expect(hs[0]?.faultKind).toBe('cpu_hog');
    expect(hs[0]?.confidence).toBeGreaterThanOrEqual(0.7);
    // The hosts are symptoms of promotions, listed below it in its path.
    expect(hs[0]?.path).toEqual(['service:promotions', 'host:host-24', 'host:host-25']);
    expect(hs[0]?.evidence).toContain('promotions runs_on host-24');
    expect(hs[0]?.evidence).toContain('host-24 cpu_utilization rose to 0.81 vs expected 0.40, 1 min after promotions cpu_utilization');
    const host = hs.find((h) => h.entityId === 'host:host-24');
    expect(host?.faultKind).toBe('unknown');
    expect(host?.path).toEqual(['host:host-24']);
    expect(host?.evidence).toContain(
      'host-24 cpu_utilization rose 1 min after that of promotions, which runs on it: load of that workload, not a fault of host-24',
    );
    expect(host?.confidence).toBeLessThan(0.1);
    expect(hs[0]?.contributors.find((c) => c.name === 'propagation')?.actual).toBe(1);
  });

  it('blames a leaking service, not its host, when the host memory rose within the slack', () => {
    const anomalies = [
      anomaly('host:host-34', 'memory_utilization', -1, { confidence: 0.9, expected: 0.55, actual: 0.8 }),
      anomaly('service:catalog', 'memory_utilization', 0, { confidence: 0.92, expected: 0.5, actual: 0.9 }),
    ];
    const hs = rank(fleet, anomalies);
    expect(hs[0]?.entityId).toBe('service:catalog');
    expect(hs[0]?.faultKind).toBe('memory_leak');
    expect(hs[0]?.path).toEqual(['service:catalog', 'host:host-34']);
    expect(hs[0]?.confidence).toBeGreaterThanOrEqual(0.7);
    expect(hs.find((h) => h.entityId === 'host:host-34')?.faultKind).toBe('unknown');
    // With no slack, the host's earlier rise is not explained: it keeps the host-as-cause direction.
    const strict = rankRootCauses(
      { anomalies, topology: fleet, events: [], windowStartMs: T0 - 60 * MIN, windowEndMs: T0 + 60 * MIN },
      { loadOnsetSlackMs: 0 },
    );
    const strictHost = strict.find((h) => h.entityId === 'host:host-34');
    expect(strictHost?.path).toEqual(['host:host-34', 'service:catalog']);
    expect(strictHost?.faultKind).toBe('unknown');
    expect(strictHost?.evidence.some((e) => e.includes('load of that workload'))).toBe(false);
  });

  it('keeps a filling disk on the host first, above its erroring services, even with a CPU rise it shares', () => {
    const hs = rank(fleet, [
      anomaly('host:host-25', 'disk_utilization', 0, { confidence: 0.95, expected: 0.6, actual: 0.97 }),
      anomaly('service:promotions', 'cpu_utilization', 0, { confidence: 0.85 }),
      anomaly('host:host-25', 'cpu_utilization', 1, { confidence: 0.8 }),
      anomaly('service:web', 'error_rate', 2, { confidence: 0.9, expected: 0.01, actual: 0.2 }),
      anomaly('service:promotions', 'error_rate', 2, { confidence: 0.88, expected: 0.01, actual: 0.15 }),
    ]);
    expect(hs[0]?.entityId).toBe('host:host-25');
    expect(hs[0]?.faultKind).toBe('disk_fill');
    expect(hs[0]?.path).toEqual(['host:host-25', 'service:promotions', 'service:web']);
    expect(hs[0]?.evidence).toContain('promotions runs_on host-25');
  });

  it('names a host with only a memory rise and no workload rise unknown, not a memory leak', () => {
    const hs = rank(fleet, [anomaly('host:host-34', 'memory_utilization', 0, { confidence: 0.9 })]);
    expect(hs[0]?.entityId).toBe('host:host-34');
    expect(hs[0]?.faultKind).toBe('unknown');
    expect(hs[0]?.evidence).toContain('fault kind unknown: only memory_utilization rose, the load of what runs on this host on host-34');
    // A workload rising well after the host does not explain it either.
    const later = rank(fleet, [
      anomaly('host:host-34', 'memory_utilization', 0, { confidence: 0.9 }),
      anomaly('service:catalog', 'memory_utilization', 5, { confidence: 0.9 }),
    ]);
    expect(later.find((h) => h.entityId === 'host:host-34')?.path).toEqual(['host:host-34', 'service:catalog']);
    expect(later.find((h) => h.entityId === 'host:host-34')?.faultKind).toBe('unknown');
  });

  it('rejects a negative loadOnsetSlackMs', () => {
    const input = { anomalies: [], topology: fleet, events: [], windowStartMs: 0, windowEndMs: 1 };
    expect(() => rankRootCauses(input, { loadOnsetSlackMs: -1 })).toThrow(
      'rca config loadOnsetSlackMs must be a number of ms >= 0 (got -1)',
    );
  });
});

describe('inferFaultKind on machines', () => {
  const base = { recentDeploy: false, anomalousDependents: 0 };
  const up = (metric: string) => ({ metric, direction: 'up' as const });

  it('keeps memory_leak and cpu_hog for processes, not hosts or vms', () => {
    expect(inferFaultKind({ ...base, entityKind: 'service', symptoms: [up('memory_utilization')] }).kind).toBe('memory_leak');
    expect(inferFaultKind({ ...base, entityKind: 'database', symptoms: [up('memory_utilization')] }).kind).toBe('memory_leak');
    expect(inferFaultKind({ ...base, entityKind: 'pod', symptoms: [up('cpu_utilization')] }).kind).toBe('cpu_hog');
    const host = inferFaultKind({ ...base, entityKind: 'host', symptoms: [up('memory_utilization'), up('cpu_utilization')] });
    expect(host).toEqual({
      kind: 'unknown',
      reason: 'only memory_utilization and cpu_utilization rose, the load of what runs on this host',
    });
    expect(inferFaultKind({ ...base, entityKind: 'vm', symptoms: [up('cpu_utilization')] }).kind).toBe('unknown');
    // Two alarming tenants do not make a host's load rise a host failure.
    expect(inferFaultKind({ ...base, entityKind: 'host', anomalousDependents: 3, symptoms: [up('memory_utilization')] }).kind).toBe(
      'unknown',
    );
  });

  it('lets host-specific signals name the fault next to a load rise', () => {
    expect(inferFaultKind({ ...base, entityKind: 'host', symptoms: [up('memory_utilization'), up('disk_utilization')] }).kind).toBe(
      'disk_fill',
    );
    expect(inferFaultKind({ ...base, entityKind: 'host', symptoms: [up('cpu_utilization'), up('network_packet_loss')] }).kind).toBe(
      'network_loss',
    );
    // Heat that comes with a CPU rise is load; ECC errors are the machine's own.
    expect(inferFaultKind({ ...base, entityKind: 'host', symptoms: [up('cpu_utilization'), up('hw_ecc_errors')] }).kind).toBe(
      'host_failure',
    );
  });
});

describe('heat that follows load', () => {
  it('does not call a host failing when its temperature rises with the CPU a service put on it', async () => {
    const { inferFaultKind } = await import('./infer-fault-kind.js');
    const both = inferFaultKind({
      entityKind: 'host',
      symptoms: [
        { metric: 'cpu_utilization', direction: 'up' },
        { metric: 'hw_temperature_c', direction: 'up' },
      ],
      recentDeploy: false,
      anomalousDependents: 0,
    });
    expect(both.kind).toBe('unknown');
    const heatOnly = inferFaultKind({
      entityKind: 'host',
      symptoms: [{ metric: 'hw_temperature_c', direction: 'up' }],
      recentDeploy: false,
      anomalousDependents: 0,
    });
    expect(heatOnly.kind).toBe('host_failure');
  });
});

describe('rankRootCauses with root-cause history', () => {
  /** A load balancer in front of a service: both slow, the balancer a minute first. */
  const front: Topology = {
    entities: [entity('load_balancer', 'lb-1'), entity('service', 'cart'), entity('host', 'h1')],
    relations: [rel('load_balancer:lb-1', 'connects_to', 'service:cart'), rel('service:cart', 'runs_on', 'host:h1')],
  };
  const slow = [
    anomaly('load_balancer:lb-1', 'latency_p99_ms', 0, { expected: 150, actual: 900, confidence: 0.99 }),
    anomaly('load_balancer:lb-1', 'error_rate', 0, { expected: 0.01, actual: 0.2, confidence: 0.99 }),
    anomaly('service:cart', 'latency_p99_ms', 4, { expected: 120, actual: 800, confidence: 0.8 }),
  ];
  const input = { anomalies: slow, topology: front, events: [], windowStartMs: T0 - 60 * MIN, windowEndMs: T0 + 60 * MIN };
  const priors = new RootCausePriors();
  for (let i = 0; i < 4; i++) {
    priors.observe(
      [
        { entityId: 'load_balancer:lb-1', kind: 'load_balancer' },
        { entityId: 'service:cart', kind: 'service' },
      ],
      'load_balancer:lb-1',
      'load_balancer',
    );
  }

  it('multiplies each share by its lift, says so in the evidence, and leaves the scores alone', () => {
    const plain = rankRootCauses(input);
    const taught = rankRootCauses({ ...input, priors });
    const score = (hs: typeof plain, id: string) => hs.find((h) => h.entityId === id)?.score;
    const confidence = (hs: typeof plain, id: string) => hs.find((h) => h.entityId === id)?.confidence ?? 0;
    // Here history says the balancer is the usual culprit (4 of 4), the service never (0 of 4).
    expect(plain[0]?.entityId).toBe('service:cart');
    expect(taught[0]?.entityId).toBe('load_balancer:lb-1');
    expect(score(taught, 'service:cart')).toBe(score(plain, 'service:cart'));
    expect(confidence(taught, 'load_balancer:lb-1')).toBeGreaterThan(confidence(plain, 'load_balancer:lb-1'));
    expect(confidence(taught, 'service:cart')).toBeLessThan(confidence(plain, 'service:cart'));
    expect(taught[0]?.evidence).toContain(
      "history: lb-1 was the confirmed root cause of 4 of 4 labelled incidents it was a candidate in (few: read with its load_balancer kind's); prior ×1.69",
    );
    expect(taught[0]?.contributors.at(-1)).toMatchObject({
      name: 'prior lift',
      actual: priors.lift('load_balancer:lb-1', 'load_balancer'),
    });
    // No history: the same ranking as without priors.
    expect(rankRootCauses({ ...input, priors: new RootCausePriors() })).toEqual(
      plain.map((h) => ({ ...h, contributors: [...h.contributors, { name: 'prior lift', weight: 0, actual: 1 }] })),
    );
  });
});
