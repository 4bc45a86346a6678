import { describe, expect, it } from 'vitest';
import { parseTopology, resolveEntity, Twin } from './twin.js';

const topo = parseTopology({
  entities: [
    { kind: 'service', name: 'web' },
    { kind: 'service', name: 'orders' },
    { kind: 'database', name: 'orders-db' },
    { kind: 'host', name: 'h1', capacity: { cpu_cores: 8 } },
  ],
  relations: [
    { from: 'service:web', to: 'service:orders', kind: 'depends_on' },
    { from: 'service:orders', to: 'database:orders-db', kind: 'depends_on' },
    { from: 'service:orders', to: 'host:h1', kind: 'runs_on' },
  ],
});

describe('resolveEntity', () => {
  it('prefers an explicit entity label, then the most specific resource attribute', () => {
    expect(resolveEntity({ entity: 'host:h9', 'service.name': 'x' })).toEqual({ id: 'host:h9', kind: 'host', name: 'h9' });
    expect(resolveEntity({ 'k8s.pod.name': 'p-1', 'host.name': 'h1' })).toEqual({ id: 'pod:p-1', kind: 'pod', name: 'p-1' });
    expect(resolveEntity({ service_name: 'cart', instance: '10.0.0.1:9100' })?.id).toBe('service:cart');
    expect(resolveEntity({ instance: '10.0.0.1:9100' })?.id).toBe('host:10.0.0.1');
    expect(resolveEntity({ instance: 'web-1' })?.id).toBe('host:web-1');
    expect(resolveEntity({ job: 'x' })).toBeUndefined();
  });

  it('maps Kubernetes workloads to services and nodes to hosts (a pod name still wins)', () => {
    expect(resolveEntity({ 'k8s.deployment.name': 'cart', 'k8s.node.name': 'n1' })?.id).toBe('service:cart');
    expect(resolveEntity({ 'k8s.statefulset.name': 'db', 'k8s.namespace.name': 'shop' })?.id).toBe('service:db');
    expect(resolveEntity({ 'k8s.node.name': 'n1', instance: '10.0.0.1:9100' })?.id).toBe('host:n1');
    expect(resolveEntity({ 'k8s.pod.name': 'cart-7d9', 'k8s.deployment.name': 'cart' })?.id).toBe('pod:cart-7d9');
  });
});

describe('Twin', () => {
  it('loads a topology and walks relations both ways', () => {
    const twin = new Twin();
    twin.load(topo);
    expect(twin.entities().map((e) => e.id)).toEqual(['service:web', 'service:orders', 'database:orders-db', 'host:h1']);
    expect(twin.outgoing('service:orders', 'depends_on').map((r) => r.to)).toEqual(['database:orders-db']);
    expect(twin.incoming('service:orders').map((r) => r.from)).toEqual(['service:web']);
    expect([...twin.neighbourhood('service:web', 1)].sort()).toEqual(['service:orders', 'service:web']);
    expect([...twin.neighbourhood('service:web', 2)].sort()).toEqual(['database:orders-db', 'host:h1', 'service:orders', 'service:web']);
  });

  it('keeps live state: latest signal, open anomalies, risk and health', () => {
    const twin = new Twin();
    twin.load(topo);
    expect(twin.state('service:web').health).toBe('unknown');
    twin.observe('service:web', 'cpu_utilization', 1000, 0.4);
    twin.observe('service:web', 'cpu_utilization', 500, 0.9);
    expect(twin.state('service:web').signals.cpu_utilization).toEqual({ t: 1000, v: 0.4 });
    expect(twin.signal('service:web', 'cpu_utilization')).toEqual({ t: 1000, v: 0.4 });
    expect(twin.signal('service:web', 'saturation')).toBeUndefined();
    expect(twin.signal('service:none', 'cpu_utilization')).toBeUndefined();
    expect(twin.state('service:web').health).toBe('healthy');
    twin.setAnomaly('service:web', 'a1', true, 1000);
    expect(twin.anomalous('service:web')).toBe(true);
    expect(twin.anomalous('service:none')).toBe(false);
    expect(twin.state('service:web')).toMatchObject({ health: 'degraded', openAnomalies: ['a1'] });
    twin.setRisk('service:web', 0.85, 1000);
    expect(twin.state('service:web').health).toBe('critical');
    twin.setAnomaly('service:web', 'a1', false, 1000);
    twin.setRisk('service:web', 0.1, 1000);
    twin.setHeadroom('service:web', 'cpu_utilization', 0.35, 1000);
    expect(twin.state('service:web')).toMatchObject({ health: 'healthy', headroom: { cpu_utilization: 0.35 } });
  });

  it('creates entities from telemetry labels and rejects dangling relations', () => {
    const twin = new Twin();
    expect(twin.ensureFromLabels({ 'host.name': 'h7' })).toBe('host:h7');
    expect(twin.entity('host:h7')?.kind).toBe('host');
    expect(() => twin.addRelation({ from: 'host:h7', to: 'service:none', kind: 'runs_on' })).toThrow(/unknown entity/);
  });
});

describe('parseTopology', () => {
  it('says what was wrong, where, and what it got', () => {
    expect(() => parseTopology({ entities: [{ kind: 'server', name: 'a' }] })).toThrow(
      'topology.entities[0].kind must be one of host, vm, pod, container, service, database, queue, load_balancer, disk, network_link, cluster (got "server")',
    );
    expect(() =>
      parseTopology({ entities: [{ kind: 'host', name: 'a' }], relations: [{ from: 'host:a', to: 'host:b', kind: 'runs_on' }] }),
    ).toThrow('topology.relations[0].to refers to unknown entity "host:b"');
    expect(() => parseTopology({ nodes: [] })).toThrow('unknown key "nodes"');
  });
});

describe('Twin.replaceRelations', () => {
  it('drops relations that are gone and keeps the index consistent', () => {
    const twin = new Twin();
    twin.load(topo);
    twin.replaceRelations([{ from: 'service:web', to: 'host:h1', kind: 'runs_on' }]);
    expect(twin.relations()).toEqual([{ from: 'service:web', to: 'host:h1', kind: 'runs_on' }]);
    expect(twin.outgoing('service:orders')).toEqual([]);
    expect(twin.incoming('host:h1').map((r) => r.from)).toEqual(['service:web']);
  });
});
