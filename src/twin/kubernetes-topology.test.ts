import { describe, expect, it } from 'vitest';
import { type KubeLists, kubernetesTopology, parseQuantity } from './kubernetes-topology.js';
import { Twin } from './twin.js';

const rsOwner = (name: string, uid: string) => ({ ownerReferences: [{ kind: 'ReplicaSet', name, uid, controller: true }] });

const LISTS: KubeLists = {
  nodes: [
    { metadata: { name: 'n1' }, status: { allocatable: { cpu: '3500m', memory: '16Gi', pods: '110' } } },
    { metadata: { name: 'n2' }, status: { allocatable: { cpu: '4', memory: '8000Mi' } } },
  ],
  deployments: [
    {
      metadata: { name: 'web', namespace: 'shop', annotations: { 'homeostat.io/depends-on': 'api, database:orders' } },
      spec: { replicas: 3 },
    },
    { metadata: { name: 'api', namespace: 'shop' }, spec: { replicas: 2 } },
  ],
  replicaSets: [
    {
      metadata: {
        name: 'web-7f9c',
        namespace: 'shop',
        uid: 'rs-web',
        ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }],
      },
    },
    {
      metadata: {
        name: 'api-5d8b',
        namespace: 'shop',
        uid: 'rs-api',
        ownerReferences: [{ kind: 'Deployment', name: 'api', controller: true }],
      },
    },
  ],
  pods: [
    {
      metadata: { name: 'web-7f9c-aaaaa', namespace: 'shop', labels: { app: 'web' }, ...rsOwner('web-7f9c', 'rs-web') },
      spec: { nodeName: 'n1' },
    },
    {
      metadata: { name: 'web-7f9c-bbbbb', namespace: 'shop', labels: { app: 'web' }, ...rsOwner('web-7f9c', 'rs-web') },
      spec: { nodeName: 'n2' },
    },
    {
      metadata: { name: 'api-5d8b-ccccc', namespace: 'shop', labels: { app: 'api' }, ...rsOwner('api-5d8b', 'rs-api') },
      spec: { nodeName: 'n2' },
    },
    { metadata: { name: 'job-xyz', namespace: 'shop' }, spec: { nodeName: 'n1' }, status: { phase: 'Succeeded' } },
    { metadata: { name: 'stray', namespace: 'shop' }, spec: { nodeName: 'n9' } },
  ],
  services: [
    { metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' } } },
    {
      metadata: { name: 'frontend', namespace: 'shop', annotations: { 'homeostat.io/depends-on': 'web,ghost' } },
      spec: { selector: { app: 'web' } },
    },
  ],
};

describe('kubernetesTopology', () => {
  it('maps nodes, deployments, services and pods to entities and relations', () => {
    const t = kubernetesTopology(LISTS, { knownIds: ['database:orders'] });
    expect(t.entities).toEqual([
      {
        id: 'host:n1',
        kind: 'host',
        name: 'n1',
        attributes: { 'host.name': 'n1', 'k8s.node.name': 'n1' },
        capacity: { cpu_cores: 3.5, memory_bytes: 17179869184, pods: 110 },
      },
      {
        id: 'host:n2',
        kind: 'host',
        name: 'n2',
        attributes: { 'host.name': 'n2', 'k8s.node.name': 'n2' },
        capacity: { cpu_cores: 4, memory_bytes: 8388608000 },
      },
      {
        id: 'pod:api-5d8b-ccccc',
        kind: 'pod',
        name: 'api-5d8b-ccccc',
        attributes: { 'k8s.pod.name': 'api-5d8b-ccccc', 'k8s.namespace.name': 'shop', 'k8s.node.name': 'n2', 'k8s.deployment.name': 'api' },
      },
      {
        id: 'pod:stray',
        kind: 'pod',
        name: 'stray',
        attributes: { 'k8s.pod.name': 'stray', 'k8s.namespace.name': 'shop', 'k8s.node.name': 'n9' },
      },
      {
        id: 'pod:web-7f9c-aaaaa',
        kind: 'pod',
        name: 'web-7f9c-aaaaa',
        attributes: { 'k8s.pod.name': 'web-7f9c-aaaaa', 'k8s.namespace.name': 'shop', 'k8s.node.name': 'n1', 'k8s.deployment.name': 'web' },
      },
      {
        id: 'pod:web-7f9c-bbbbb',
        kind: 'pod',
        name: 'web-7f9c-bbbbb',
        attributes: { 'k8s.pod.name': 'web-7f9c-bbbbb', 'k8s.namespace.name': 'shop', 'k8s.node.name': 'n2', 'k8s.deployment.name': 'web' },
      },
      {
        id: 'service:api',
        kind: 'service',
        name: 'api',
        attributes: { 'service.name': 'api', 'k8s.deployment.name': 'api', 'k8s.namespace.name': 'shop' },
        capacity: { replicas: 2 },
      },
      {
        id: 'service:frontend',
        kind: 'service',
        name: 'frontend',
        attributes: { 'service.name': 'frontend', 'k8s.service.name': 'frontend', 'k8s.namespace.name': 'shop' },
      },
      {
        id: 'service:web',
        kind: 'service',
        name: 'web',
        attributes: { 'service.name': 'web', 'k8s.deployment.name': 'web', 'k8s.namespace.name': 'shop', 'k8s.service.name': 'web' },
        capacity: { replicas: 3 },
      },
    ]);
    expect(t.relations.map((r) => `${r.from} ${r.kind} ${r.to}`)).toEqual([
      'pod:api-5d8b-ccccc part_of service:api',
      'pod:api-5d8b-ccccc runs_on host:n2',
      'pod:web-7f9c-aaaaa part_of service:frontend',
      'pod:web-7f9c-aaaaa part_of service:web',
      'pod:web-7f9c-aaaaa runs_on host:n1',
      'pod:web-7f9c-bbbbb part_of service:frontend',
      'pod:web-7f9c-bbbbb part_of service:web',
      'pod:web-7f9c-bbbbb runs_on host:n2',
      'service:frontend depends_on service:web',
      'service:web depends_on database:orders',
      'service:web depends_on service:api',
    ]);
    expect(t.warnings).toEqual([
      'pod shop/stray runs on node n9, which is not in the node list: no runs_on relation',
      'shop/frontend homeostat.io/depends-on names "ghost", which is not a known entity (service:ghost): skipped',
    ]);
  });

  it('loads into the twin next to the entities it was told about', () => {
    const twin = new Twin();
    twin.load({ entities: [{ id: 'database:orders', kind: 'database', name: 'orders', attributes: {} }], relations: [] });
    twin.load(kubernetesTopology(LISTS, { knownIds: ['database:orders'] }));
    expect(twin.outgoing('service:web', 'depends_on').map((r) => r.to)).toEqual(['database:orders', 'service:api']);
    expect(twin.incoming('host:n2', 'runs_on').map((r) => r.from)).toEqual(['pod:api-5d8b-ccccc', 'pod:web-7f9c-bbbbb']);
  });

  it('qualifies names used in several namespaces, and resolves namespace/name dependencies', () => {
    const t = kubernetesTopology({
      deployments: [
        { metadata: { name: 'web', namespace: 'shop', annotations: { 'homeostat.io/depends-on': 'blog/web, auth' } } },
        { metadata: { name: 'web', namespace: 'blog' } },
        { metadata: { name: 'auth', namespace: 'shop' } },
      ],
      pods: [{ metadata: { name: 'x' } }, { metadata: { name: 'x', namespace: 'other' } }],
    });
    expect(t.entities.map((e) => e.id)).toEqual(['pod:default/x', 'pod:other/x', 'service:auth', 'service:blog/web', 'service:shop/web']);
    expect(t.relations).toEqual([
      { from: 'service:shop/web', to: 'service:auth', kind: 'depends_on' },
      { from: 'service:shop/web', to: 'service:blog/web', kind: 'depends_on' },
    ]);
    expect(t.warnings).toEqual([]);
  });

  it('skips nameless objects with a warning and is deterministic', () => {
    const lists: KubeLists = { nodes: [{ metadata: {} }, { metadata: { name: 'n1' } }], pods: [{}] };
    const a = kubernetesTopology(lists);
    expect(a.entities.map((e) => e.id)).toEqual(['host:n1']);
    expect(a.warnings).toEqual(['nodes[0] has no metadata.name: skipped', 'pods[0] has no metadata.name: skipped']);
    expect(kubernetesTopology(lists)).toEqual(a);
  });

  it('reads the depends-on annotation named in the options', () => {
    const t = kubernetesTopology(
      { deployments: [{ metadata: { name: 'a', annotations: { 'example.com/needs': 'b' } } }, { metadata: { name: 'b' } }] },
      { dependsOnAnnotation: 'example.com/needs' },
    );
    expect(t.relations).toEqual([{ from: 'service:a', to: 'service:b', kind: 'depends_on' }]);
  });
});

describe('parseQuantity', () => {
  it('reads decimal and binary suffixes and exponents', () => {
    expect(['500m', '4', '1.5', '16Gi', '8000Mi', '1k', '2M', '128974848', '1e3', '100n', '0.5Ki'].map(parseQuantity)).toEqual([
      0.5, 4, 1.5, 17179869184, 8388608000, 1000, 2000000, 128974848, 1000, 1e-7, 512,
    ]);
  });

  it('returns undefined for what is not a quantity', () => {
    expect(['', 'abc', '4 cores', '1Q', 'Gi'].map(parseQuantity)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
