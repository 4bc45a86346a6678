import { describe, expect, it } from 'vitest';
import type { Topology } from '../twin/types.js';
import { Rng } from './rng.js';
import { DEFAULT_SIM_OPTIONS } from './sim-options.js';
import { SERVICE_TIERS, TIER_ATTRIBUTE, generateTopology } from './topology.js';

function check(topo: Topology): void {
  const ids = topo.entities.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const e of topo.entities) expect(e.id).toBe(`${e.kind}:${e.name}`);
  const byId = new Map(topo.entities.map((e) => [e.id, e]));
  for (const r of topo.relations) {
    expect(byId.has(r.from), r.from).toBe(true);
    expect(byId.has(r.to), r.to).toBe(true);
  }
  const deps = new Map<string, string[]>();
  for (const r of topo.relations.filter((x) => x.kind === 'depends_on')) {
    expect(byId.get(r.from)?.kind).toBe('service');
    expect(['service', 'database', 'queue']).toContain(byId.get(r.to)?.kind);
    deps.set(r.from, [...(deps.get(r.from) ?? []), r.to]);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    expect(state.get(id), `cycle through ${id}`).not.toBe('visiting');
    if (state.get(id) === 'done') return;
    state.set(id, 'visiting');
    for (const d of deps.get(id) ?? []) visit(d);
    state.set(id, 'done');
  };
  for (const id of deps.keys()) visit(id);
  const services = topo.entities.filter((e) => e.kind === 'service');
  for (const s of services) {
    const hosts = topo.relations.filter((r) => r.from === s.id && r.kind === 'runs_on').map((r) => r.to);
    expect(new Set(hosts).size).toBe(hosts.length);
    expect(hosts.length).toBeGreaterThanOrEqual(2);
    expect(s.capacity?.replicas).toBe(hosts.length);
    expect(hosts.every((h) => byId.get(h)?.kind === 'host')).toBe(true);
  }
}

describe('generateTopology', () => {
  it('builds the default fleet: 30 services, 60 hosts, 4 databases, 3 queues, 2 load balancers', () => {
    const topo = generateTopology(DEFAULT_SIM_OPTIONS);
    const count = (k: string) => topo.entities.filter((e) => e.kind === k).length;
    expect([count('service'), count('host'), count('database'), count('queue'), count('load_balancer')]).toEqual([30, 60, 4, 3, 2]);
    const ids = topo.entities.map((e) => e.id);
    expect(ids).toEqual(
      expect.arrayContaining(['service:checkout', 'host:host-07', 'database:orders-db', 'queue:events-q', 'load_balancer:lb-1']),
    );
    check(topo);
  });

  it('keeps depends_on flowing down the tiers, gives every service a caller except the edge, and every store a user', () => {
    const topo = generateTopology({ seed: 5 });
    const tier = new Map(
      topo.entities.filter((e) => e.kind === 'service').map((e) => [e.id, SERVICE_TIERS.indexOf(e.attributes[TIER_ATTRIBUTE] as never)]),
    );
    const deps = topo.relations.filter((r) => r.kind === 'depends_on');
    for (const r of deps) if (tier.has(r.to)) expect(tier.get(r.to) as number).toBeGreaterThan(tier.get(r.from) as number);
    for (const e of topo.entities) {
      const called = deps.some((r) => r.to === e.id);
      if (e.kind === 'service') expect(called).toBe(tier.get(e.id) !== 0);
      if (e.kind === 'database' || e.kind === 'queue') expect(called).toBe(true);
    }
    const lbEdges = topo.relations.filter((r) => r.kind === 'connects_to');
    expect(lbEdges.every((r) => tier.get(r.to) === 0)).toBe(true);
    const edges = [...tier].filter(([, t]) => t === 0).map(([id]) => id);
    for (const id of edges) expect(lbEdges.some((r) => r.to === id)).toBe(true);
    const stores = topo.entities.filter((e) => e.kind === 'database' || e.kind === 'queue');
    for (const s of stores) expect(topo.relations.filter((r) => r.from === s.id && r.kind === 'runs_on')).toHaveLength(1);
  });

  it('carries OpenTelemetry resource attributes and host capacity', () => {
    const topo = generateTopology({});
    const host = topo.entities.find((e) => e.id === 'host:host-07');
    expect(host?.attributes['host.name']).toBe('host-07');
    expect(Object.keys(host?.capacity ?? {}).sort()).toEqual(['cpu_cores', 'disk_gb', 'memory_gb']);
    expect(topo.entities.find((e) => e.id === 'service:checkout')?.attributes['service.name']).toBe('checkout');
    expect(topo.entities.find((e) => e.id === 'database:orders-db')?.attributes['db.system']).toBe('postgresql');
  });

  it('is deterministic for a seed and varies across seeds', () => {
    expect(generateTopology({ seed: 9 })).toEqual(generateTopology({ seed: 9 }));
    expect(generateTopology({ seed: 9 }, new Rng(123))).toEqual(generateTopology({ seed: 10 }, new Rng(123)));
    expect(generateTopology({ seed: 9 }).relations).not.toEqual(generateTopology({ seed: 10 }).relations);
  });

  it('handles small and large fleets', () => {
    for (const opts of [
      { services: 1, hosts: 2, databases: 0, queues: 0, loadBalancers: 0 },
      { services: 3, hosts: 2, databases: 1, queues: 1, loadBalancers: 3 },
      { services: 120, hosts: 200, databases: 9, queues: 6, loadBalancers: 4 },
    ]) {
      const topo = generateTopology(opts);
      expect(topo.entities.filter((e) => e.kind === 'service')).toHaveLength(opts.services);
      check(topo);
    }
  });

  it('rejects bad options with what was expected and received', () => {
    expect(() => generateTopology({ services: 0 })).toThrow(/services must be an integer in \[1, 2000\] \(got 0\)/);
    expect(() => generateTopology({ hosts: 1 })).toThrow(/hosts must be an integer in \[2, 10000\] \(got 1\)/);
    expect(() => generateTopology({ nodes: 3 } as never)).toThrow(/unknown simulator option "nodes"/);
  });
});
