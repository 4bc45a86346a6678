import { afterEach, describe, expect, it } from 'vitest';
import { FakeKubeApi, status } from '../../test/fixtures/fake-kube-api.js';
import { Twin } from '../twin/twin.js';
import { KubeApiError, KubeClient } from './kube-client.js';
import { fetchKubernetesTopology } from './kubernetes-topology-source.js';

const fakes: FakeKubeApi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function cluster(): Promise<{ api: FakeKubeApi; client: KubeClient }> {
  const api = new FakeKubeApi();
  fakes.push(api);
  const url = await api.start();
  api.token = 'tok';
  api.nodes.set('n1', { metadata: { name: 'n1' }, status: { allocatable: { cpu: '2', memory: '4Gi' } } });
  api.nodes.set('n2', { metadata: { name: 'n2' } });
  api.deployments.set('shop/web', {
    metadata: { name: 'web', namespace: 'shop', annotations: { 'homeostat.io/depends-on': 'db' } },
    spec: { replicas: 2 },
  });
  api.deployments.set('shop/db', { metadata: { name: 'db', namespace: 'shop' }, spec: { replicas: 1 } });
  api.deployments.set('kube-system/coredns', { metadata: { name: 'coredns', namespace: 'kube-system' }, spec: { replicas: 2 } });
  api.replicaSets.set('shop/web-1', {
    metadata: { name: 'web-1', namespace: 'shop', uid: 'rs1', ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] },
  });
  for (const [name, node] of [
    ['web-1-a', 'n1'],
    ['web-1-b', 'n2'],
  ]) {
    api.pods.set(`shop/${name}`, {
      metadata: {
        name,
        namespace: 'shop',
        labels: { app: 'web' },
        ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1', uid: 'rs1', controller: true }],
      },
      spec: { nodeName: node },
    });
  }
  api.services.set('shop/web', { metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' } } });
  return { api, client: new KubeClient({ server: url, token: 'tok', namespace: 'shop' }) };
}

describe('fetchKubernetesTopology', () => {
  it('lists the namespace’s objects page by page and converts them', async () => {
    const { api, client } = await cluster();
    const t = await fetchKubernetesTopology(client, { pageSize: 1 });
    expect(t.entities.map((e) => e.id)).toEqual(['host:n1', 'host:n2', 'pod:web-1-a', 'pod:web-1-b', 'service:db', 'service:web']);
    expect(t.relations.map((r) => `${r.from} ${r.kind} ${r.to}`)).toEqual([
      'pod:web-1-a part_of service:web',
      'pod:web-1-a runs_on host:n1',
      'pod:web-1-b part_of service:web',
      'pod:web-1-b runs_on host:n2',
      'service:web depends_on service:db',
    ]);
    const paths = [...new Set(api.requests.map((r) => r.path))].sort();
    expect(paths).toEqual([
      '/api/v1/namespaces/shop/pods',
      '/api/v1/namespaces/shop/services',
      '/api/v1/nodes',
      '/apis/apps/v1/namespaces/shop/deployments',
      '/apis/apps/v1/namespaces/shop/replicasets',
    ]);
    // two nodes, two deployments, two pods at one per page: a second page each, then an empty continue.
    expect(api.requests.filter((r) => r.path === '/api/v1/nodes').map((r) => r.query)).toEqual([
      { limit: '1' },
      { limit: '1', continue: '1' },
    ]);
    expect(api.requests.every((r) => r.method === 'GET' && r.authorization === 'Bearer tok')).toBe(true);
    const twin = new Twin();
    twin.load(t);
    expect(twin.entity('service:web')?.capacity).toEqual({ replicas: 2 });
  });

  it('lists every namespace with namespace ""', async () => {
    const { api, client } = await cluster();
    const t = await fetchKubernetesTopology(client, { namespace: '' });
    expect(t.entities.map((e) => e.id)).toContain('service:coredns');
    expect([...new Set(api.requests.map((r) => r.path))].sort()).toEqual([
      '/api/v1/nodes',
      '/api/v1/pods',
      '/api/v1/services',
      '/apis/apps/v1/deployments',
      '/apis/apps/v1/replicasets',
    ]);
  });

  it('rejects with the API’s refusal (missing RBAC) and a bad namespace', async () => {
    const { api, client } = await cluster();
    api.failures.push({
      match: (r) => r.path === '/api/v1/nodes',
      status: status(
        403,
        'Forbidden',
        'nodes is forbidden: User "system:serviceaccount:shop:homeostat" cannot list resource "nodes" in API group "" at the cluster scope',
      ),
    });
    const err = await fetchKubernetesTopology(client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe('permission_denied');
    expect((err as Error).message).toBe(
      'Kubernetes API refused GET /api/v1/nodes: 403 Forbidden: nodes is forbidden: User "system:serviceaccount:shop:homeostat" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    await expect(fetchKubernetesTopology(client, { namespace: 'Shop' })).rejects.toThrow(
      'topology namespace must be a DNS-1123 label, or "" for all namespaces (got "Shop")',
    );
  });
});
