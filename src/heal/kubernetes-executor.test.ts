import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { FakeKubeApi, type SeenRequest, status } from '../../test/fixtures/fake-kube-api.js';
import { ManualClock } from '../clock.js';
import type { Action, ActionKind } from '../records/types.js';
import type { Entity } from '../twin/types.js';
import { KubeClient } from './kube-client.js';
import { type KubernetesExecutorOptions, KubernetesExecutor, labelSelector } from './kubernetes-executor.js';
import { fetchKubernetesTopology } from './kubernetes-topology-source.js';

const T0 = Date.UTC(2026, 4, 1, 12, 0, 0, 250); // 2026-05-01T12:00:00.250Z
const DEPLOY = '/apis/apps/v1/namespaces/shop/deployments/web';
const TOKEN = 'sa-token';

function action(kind: ActionKind, target: string, params: Record<string, unknown> = {}): Action {
  return {
    id: 'act-1',
    incidentId: 'inc-1',
    kind,
    target,
    params,
    executor: 'kubernetes',
    status: 'proposed',
    dryRun: false,
    reason: 'test',
    policy: 'test',
    proposedAt: T0,
  };
}

function template(image: string, hash?: string): Record<string, unknown> {
  return {
    metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) }, annotations: { team: 'shop' } },
    spec: { containers: [{ name: 'web', image }] },
  };
}

function replicaSet(name: string, revision: number, image: string, owner = 'uid-web'): Record<string, unknown> {
  const hash = name.slice(name.lastIndexOf('-') + 1);
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': String(revision), 'kubernetes.io/change-cause': `image ${image}` },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: owner === 'uid-web' ? 'web' : 'web-canary', uid: owner, controller: true },
      ],
    },
    spec: { replicas: 0, template: template(image, hash) },
  };
}

function pod(namespace: string, name: string, node: string, meta: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, ...meta }, spec: { nodeName: node }, status: { phase: 'Running' } };
}

const fakes: FakeKubeApi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

/** A fake cluster: Deployment shop/web (3 replicas, revision 3, image web:3), its ReplicaSets, nodes n1/n2 and pods on n1. */
async function cluster(
  options: Partial<KubernetesExecutorOptions> = {},
): Promise<{ api: FakeKubeApi; ex: KubernetesExecutor; sleeps: number[]; url: string }> {
  const api = new FakeKubeApi();
  fakes.push(api);
  const url = await api.start();
  api.token = TOKEN;
  api.deployments.set('shop/web', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'uid-web',
      resourceVersion: '10',
      annotations: { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'image web:3' },
    },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('web:3') },
  });
  // Listed out of revision order, with another Deployment's ReplicaSet matching the same labels.
  for (const rs of [
    replicaSet('web-c3', 3, 'web:3'),
    replicaSet('web-a1', 1, 'web:1'),
    replicaSet('web-canary-z9', 9, 'web:canary', 'uid-canary'),
    replicaSet('web-b2', 2, 'web:2'),
  ]) {
    api.replicaSets.set(`shop/${(rs.metadata as { name: string }).name}`, rs);
  }
  for (const n of ['n1', 'n2'])
    api.nodes.set(n, { apiVersion: 'v1', kind: 'Node', metadata: { name: n, uid: `uid-${n}`, resourceVersion: '5' }, spec: {} });
  const owned = (kind: string, name: string) => ({
    ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true }],
  });
  for (const p of [
    pod('shop', 'web-c3-aaaaa', 'n1', owned('ReplicaSet', 'web-c3')),
    pod('shop', 'web-c3-bbbbb', 'n1', owned('ReplicaSet', 'web-c3')),
    pod('kube-system', 'fluentd-x1', 'n1', owned('DaemonSet', 'fluentd')),
    pod('kube-system', 'kube-apiserver-n1', 'n1', { annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
    pod('shop', 'web-c3-ccccc', 'n2', owned('ReplicaSet', 'web-c3')),
  ]) {
    const m = p.metadata as { namespace: string; name: string };
    api.pods.set(`${m.namespace}/${m.name}`, p);
  }
  const sleeps: number[] = [];
  const ex = new KubernetesExecutor({
    client: new KubeClient({ server: url, token: TOKEN, namespace: 'shop' }),
    clock: new ManualClock(T0),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { api, ex, sleeps, url };
}

/** method, path, query and content type of each request, as one line. */
function lines(requests: readonly SeenRequest[]): string[] {
  return requests.map((r) => {
    const q = new URLSearchParams(r.query).toString();
    return `${r.method} ${r.path}${q ? `?${q}` : ''}${r.contentType ? ` [${r.contentType}]` : ''}`;
  });
}

const RESTART_PATCH = {
  spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-05-01T12:00:00Z' } } } },
};

describe('KubernetesExecutor: restart', () => {
  it('dry-runs a rollout restart with dryRun=All and changes nothing', async () => {
    const { api, ex } = await cluster();
    const outcome = await ex.dryRun(action('restart', 'service:web'));
    expect(outcome).toEqual({
      ok: true,
      message: 'server-side dry run: would restart Deployment shop/web (restartedAt 2026-05-01T12:00:00Z)',
      details: { dryRun: true, restartedAt: '2026-05-01T12:00:00Z' },
    });
    expect(lines(api.requests)).toEqual([
      `GET ${DEPLOY}`,
      `PATCH ${DEPLOY}?fieldManager=homeostat&dryRun=All [application/strategic-merge-patch+json]`,
    ]);
    expect(api.requests[1]?.body).toEqual(RESTART_PATCH);
    expect(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(api.deployments.get('shop/web')?.spec.template.metadata.annotations).toEqual({ team: 'shop' });
    expect(api.events).toEqual([]);
  });

  it('executes: dry run, then the patch, then a Normal Event on the Deployment', async () => {
    const { api, ex } = await cluster();
    const outcome = await ex.execute(action('restart', 'service:web'));
    expect(outcome.ok).toBe(true);
    expect(outcome.message).toBe('restarted Deployment shop/web (restartedAt 2026-05-01T12:00:00Z)');
    expect(lines(api.requests)).toEqual([
      `GET ${DEPLOY}`,
      `PATCH ${DEPLOY}?fieldManager=homeostat&dryRun=All [application/strategic-merge-patch+json]`,
      `GET ${DEPLOY}`,
      `PATCH ${DEPLOY}?fieldManager=homeostat [application/strategic-merge-patch+json]`,
      'POST /api/v1/namespaces/shop/events [application/json]',
    ]);
    expect(api.requests[3]?.body).toEqual(RESTART_PATCH);
    expect(api.deployments.get('shop/web')?.spec.template.metadata.annotations).toEqual({
      team: 'shop',
      'kubectl.kubernetes.io/restartedAt': '2026-05-01T12:00:00Z',
    });
    // client-go names events <object>.<unix nanoseconds in hex>
    const name = `web.${(BigInt(T0) * 1_000_000n).toString(16)}`;
    expect(api.events).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: 'shop' },
        involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop', uid: 'uid-web' },
        reason: 'HomeostatRestart',
        message: 'restarted Deployment shop/web (restartedAt 2026-05-01T12:00:00Z)',
        type: 'Normal',
        source: { component: 'homeostat' },
        firstTimestamp: '2026-05-01T12:00:00Z',
        lastTimestamp: '2026-05-01T12:00:00Z',
        count: 1,
      },
    ]);
    expect(outcome.details).toEqual({ dryRun: false, restartedAt: '2026-05-01T12:00:00Z', event: `shop/${name}` });
  });

  it('refuses to restart a paused Deployment', async () => {
    const { api, ex } = await cluster();
    (api.deployments.get('shop/web') as { spec: { paused?: boolean } }).spec.paused = true;
    const outcome = await ex.execute(action('restart', 'service:web'));
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toBe(
      'not applied: the server-side dry run failed: Deployment shop/web is paused: resume its rollout before restarting it',
    );
    expect(api.writes()).toEqual([]);
  });

  it('does not apply when the server-side dry run is refused (an admission webhook)', async () => {
    const { api, ex } = await cluster();
    api.failures.push({
      match: (r) => r.method === 'PATCH' && r.query.dryRun === 'All',
      status: status(400, 'BadRequest', 'admission webhook "policy.example.com" denied the request: restarts are frozen'),
    });
    const outcome = await ex.execute(action('restart', 'service:web'));
    expect(outcome).toEqual({
      ok: false,
      message:
        'not applied: the server-side dry run failed: server-side dry run of restart of Deployment shop/web failed: Kubernetes API refused PATCH /apis/apps/v1/namespaces/shop/deployments/web (dry run): 400 BadRequest: admission webhook "policy.example.com" denied the request: restarts are frozen',
      details: { dryRun: true, status: 400, reason: 'BadRequest', applied: false },
    });
    expect(api.writes().filter((r) => r.query.dryRun !== 'All')).toEqual([]);
  });

  it('reports a missing Deployment with the API message and never throws', async () => {
    const { ex } = await cluster();
    const outcome = await ex.execute(action('restart', 'service:nope'));
    expect(outcome).toEqual({
      ok: false,
      message:
        'not applied: the server-side dry run failed: server-side dry run of restart of Deployment shop/nope failed: Kubernetes API refused GET /apis/apps/v1/namespaces/shop/deployments/nope: 404 NotFound: deployments.apps "nope" not found',
      details: { dryRun: true, status: 404, reason: 'NotFound', applied: false },
    });
  });

  it('reports a wrong token as 401 Unauthorized', async () => {
    const { api, url } = await cluster();
    const ex = new KubernetesExecutor({
      client: new KubeClient({ server: url, token: 'stale', namespace: 'shop' }),
      clock: new ManualClock(T0),
    });
    const outcome = await ex.dryRun(action('restart', 'service:web'));
    expect(outcome.message).toBe(
      `server-side dry run of restart of Deployment shop/web failed: Kubernetes API refused GET ${DEPLOY}: 401 Unauthorized: Unauthorized`,
    );
    expect(api.requests.at(-1)?.authorization).toBe('Bearer stale');
  });
});

describe('KubernetesExecutor: scale_out', () => {
  const SCALE = `${DEPLOY}/scale`;

  it('reads the scale subresource and merge-patches replicas with the resourceVersion read', async () => {
    const { api, ex } = await cluster();
    const dry = await ex.dryRun(action('scale_out', 'service:web', { by: 2 }));
    expect(dry).toEqual({
      ok: true,
      message: 'server-side dry run: would scale Deployment shop/web from 3 to 5 replicas',
      details: { dryRun: true, from: 3, to: 5, capped: false },
    });
    expect(api.deployments.get('shop/web')?.spec.replicas).toBe(3);
    const done = await ex.execute(action('scale_out', 'service:web', { by: 2 }));
    expect(done.message).toBe('scaled Deployment shop/web from 3 to 5 replicas');
    expect(api.deployments.get('shop/web')?.spec.replicas).toBe(5);
    expect(lines(api.requests)).toEqual([
      `GET ${SCALE}`,
      `PATCH ${SCALE}?fieldManager=homeostat&dryRun=All [application/merge-patch+json]`,
      `GET ${SCALE}`,
      `PATCH ${SCALE}?fieldManager=homeostat&dryRun=All [application/merge-patch+json]`,
      `GET ${SCALE}`,
      `PATCH ${SCALE}?fieldManager=homeostat [application/merge-patch+json]`,
      'POST /api/v1/namespaces/shop/events [application/json]',
    ]);
    expect(api.requests[5]?.body).toEqual({ metadata: { resourceVersion: '10' }, spec: { replicas: 5 } });
    expect(api.events[0]?.reason).toBe('HomeostatScaleOut');
  });

  it('adds one replica by default and caps at maxReplicas', async () => {
    const { api, ex } = await cluster({ maxReplicas: 4 });
    expect((await ex.dryRun(action('scale_out', 'service:web'))).details).toEqual({ dryRun: true, from: 3, to: 4, capped: false });
    const capped = await ex.execute(action('scale_out', 'service:web', { by: 5 }));
    expect(capped).toMatchObject({ ok: true, message: 'scaled Deployment shop/web from 3 to 4 replicas (capped at 4; asked for +5)' });
    expect(api.deployments.get('shop/web')?.spec.replicas).toBe(4);
    const full = await ex.execute(action('scale_out', 'service:web', { by: 1 }));
    expect(full.ok).toBe(false);
    expect(full.message).toBe(
      'not applied: the server-side dry run failed: Deployment shop/web already has 4 replicas, at or above the cap of 4',
    );
    const lower = await cluster({ maxReplicas: 10 });
    expect((await lower.ex.dryRun(action('scale_out', 'service:web', { by: 5, maxReplicas: 6 }))).details).toEqual({
      dryRun: true,
      from: 3,
      to: 6,
      capped: true,
    });
  });

  it('reports a concurrent change (409 Conflict) and a bad params.by', async () => {
    const { api, ex } = await cluster();
    api.failures.push({
      match: (r) => r.method === 'PATCH' && r.query.dryRun === undefined,
      status: status(
        409,
        'Conflict',
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
      ),
    });
    const outcome = await ex.execute(action('scale_out', 'service:web'));
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toBe(
      `scale_out of Deployment shop/web failed: Kubernetes API refused PATCH ${SCALE}: 409 Conflict: Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`,
    );
    expect(api.events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'HomeostatScaleOut']]);
    expect(await ex.dryRun(action('scale_out', 'service:web', { by: 0 }))).toEqual({
      ok: false,
      message: 'scale_out params.by must be an integer >= 1 (got 0)',
    });
  });
});

describe('KubernetesExecutor: drain', () => {
  const EVICT = (ns: string, p: string) => `/api/v1/namespaces/${ns}/pods/${p}/eviction`;

  it('dry-runs the cordon and every eviction, skipping DaemonSet and mirror pods', async () => {
    const { api, ex } = await cluster();
    const outcome = await ex.dryRun(action('drain', 'host:n1'));
    expect(outcome).toEqual({
      ok: true,
      message: 'server-side dry run: would drain Node n1: would evict 2 pod(s), skipped 2',
      details: {
        dryRun: true,
        evicted: ['shop/web-c3-aaaaa', 'shop/web-c3-bbbbb'],
        skipped: ['kube-system/fluentd-x1 (DaemonSet fluentd)', 'kube-system/kube-apiserver-n1 (mirror pod)'],
        left: [],
      },
    });
    expect(lines(api.requests)).toEqual([
      'PATCH /api/v1/nodes/n1?fieldManager=homeostat&dryRun=All [application/strategic-merge-patch+json]',
      'GET /api/v1/pods?fieldSelector=spec.nodeName%3Dn1&limit=500',
      `POST ${EVICT('shop', 'web-c3-aaaaa')}?dryRun=All [application/json]`,
      `POST ${EVICT('shop', 'web-c3-bbbbb')}?dryRun=All [application/json]`,
    ]);
    expect(api.requests[0]?.body).toEqual({ spec: { unschedulable: true } });
    expect(api.requests[2]?.body).toEqual({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'web-c3-aaaaa', namespace: 'shop' },
      deleteOptions: { dryRun: ['All'] },
    });
    expect(api.nodes.get('n1')?.spec).toEqual({});
    expect(api.pods.size).toBe(5);
  });

  it('executes: cordons, evicts, and records a Normal Event on the Node in namespace default', async () => {
    const { api, ex } = await cluster();
    const outcome = await ex.execute(action('drain', 'host:n1'));
    expect(outcome.ok).toBe(true);
    expect(outcome.message).toBe('drained Node n1: evicted 2 pod(s), skipped 2');
    expect(api.nodes.get('n1')?.spec).toEqual({ unschedulable: true });
    expect([...api.pods.keys()].sort()).toEqual(['kube-system/fluentd-x1', 'kube-system/kube-apiserver-n1', 'shop/web-c3-ccccc']);
    const applied = api.writes().filter((r) => r.query.dryRun === undefined);
    expect(lines(applied)).toEqual([
      'PATCH /api/v1/nodes/n1?fieldManager=homeostat [application/strategic-merge-patch+json]',
      `POST ${EVICT('shop', 'web-c3-aaaaa')} [application/json]`,
      `POST ${EVICT('shop', 'web-c3-bbbbb')} [application/json]`,
      'POST /api/v1/namespaces/default/events [application/json]',
    ]);
    expect(applied[1]?.body).toEqual({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-c3-aaaaa', namespace: 'shop' } });
    expect(api.events[0]).toMatchObject({
      metadata: { namespace: 'default' },
      involvedObject: { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-n1' },
      reason: 'HomeostatDrain',
      type: 'Normal',
    });
  });

  it('retries an eviction a PodDisruptionBudget blocks (429), then succeeds', async () => {
    const { api, ex, sleeps } = await cluster({ evictionRetries: 3, evictionRetryDelayMs: 250 });
    api.evictionBlocks.set('shop/web-c3-bbbbb', 2);
    const outcome = await ex.execute(action('drain', 'host:n1'));
    expect(outcome.ok).toBe(true);
    expect(sleeps).toEqual([250, 250]);
    const tries = api.requests.filter((r) => r.path === EVICT('shop', 'web-c3-bbbbb') && r.query.dryRun === undefined);
    expect(tries).toHaveLength(3);
    expect(api.pods.has('shop/web-c3-bbbbb')).toBe(false);
  });

  it('reports the pods a PodDisruptionBudget keeps after the retries, with a Warning Event', async () => {
    const { api, ex, sleeps } = await cluster({ evictionRetries: 2, evictionRetryDelayMs: 100 });
    api.evictionBlocks.set('shop/web-c3-bbbbb', 10);
    const outcome = await ex.execute(action('drain', 'host:n1'));
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toBe(
      "cordoned Node n1 but did not evict 1 pod(s): shop/web-c3-bbbbb (429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget. after 3 attempts); evicted 1 pod(s), skipped 2",
    );
    expect(outcome.details).toMatchObject({
      evicted: ['shop/web-c3-aaaaa'],
      left: [
        {
          pod: 'shop/web-c3-bbbbb',
          reason: "429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget. after 3 attempts",
        },
      ],
    });
    expect(sleeps).toEqual([100, 100]);
    expect(api.nodes.get('n1')?.spec).toEqual({ unschedulable: true });
    expect(api.events.map((e) => [e.type, e.reason])).toEqual([['Warning', 'HomeostatDrain']]);
  });

  it('fails the dry run without retrying when a PodDisruptionBudget already forbids an eviction', async () => {
    const { api, ex, sleeps } = await cluster();
    api.evictionBlocks.set('shop/web-c3-aaaaa', Number.POSITIVE_INFINITY);
    const outcome = await ex.execute(action('drain', 'host:n1'));
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toBe(
      "not applied: the server-side dry run failed: server-side dry run: would cordon Node n1 but could not evict 1 pod(s): shop/web-c3-aaaaa (429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget.); would evict 1 pod(s), skipped 2",
    );
    expect(sleeps).toEqual([]);
    expect(api.writes().filter((r) => r.query.dryRun === undefined)).toEqual([]);
  });

  it('cordons only with params.cordonOnly', async () => {
    const { api, ex } = await cluster();
    const outcome = await ex.execute(action('drain', 'host:n2', { cordonOnly: true }));
    expect(outcome).toMatchObject({ ok: true, message: 'cordoned Node n2' });
    expect(lines(api.writes())).toEqual([
      'PATCH /api/v1/nodes/n2?fieldManager=homeostat&dryRun=All [application/strategic-merge-patch+json]',
      'PATCH /api/v1/nodes/n2?fieldManager=homeostat [application/strategic-merge-patch+json]',
      'POST /api/v1/namespaces/default/events [application/json]',
    ]);
    expect(api.events[0]?.reason).toBe('HomeostatCordon');
    expect(api.pods.has('shop/web-c3-ccccc')).toBe(true);
  });

  it('treats a pod already gone (404) as evicted', async () => {
    const { api, ex } = await cluster();
    api.failures.push({
      match: (r) => r.path === EVICT('shop', 'web-c3-aaaaa') && r.query.dryRun === undefined,
      status: status(404, 'NotFound', 'pods "web-c3-aaaaa" not found'),
    });
    const outcome = await ex.execute(action('drain', 'host:n1'));
    expect(outcome.ok).toBe(true);
    expect(outcome.details).toMatchObject({ evicted: ['shop/web-c3-aaaaa', 'shop/web-c3-bbbbb'] });
  });
});

describe('KubernetesExecutor: rollback', () => {
  it('patches the Deployment back to the previous revision’s template, as kubectl rollout undo', async () => {
    const { api, ex } = await cluster();
    const dry = await ex.dryRun(action('rollback', 'service:web'));
    expect(dry).toEqual({
      ok: true,
      message: 'server-side dry run: would roll back Deployment shop/web from revision 3 to revision 2 (ReplicaSet web-b2)',
      details: { dryRun: true, fromRevision: 3, toRevision: 2, replicaSet: 'web-b2' },
    });
    expect(lines(api.requests)).toEqual([
      `GET ${DEPLOY}`,
      'GET /apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dweb&limit=500',
      `PATCH ${DEPLOY}?fieldManager=homeostat&dryRun=All [application/json-patch+json]`,
    ]);
    expect(api.requests[2]?.body).toEqual([
      { op: 'replace', path: '/spec/template', value: template('web:2') },
      {
        op: 'replace',
        path: '/metadata/annotations',
        value: { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'image web:2' },
      },
    ]);
    expect(api.deployments.get('shop/web')?.spec.template.spec.containers[0].image).toBe('web:3');
    const done = await ex.execute(action('rollback', 'service:web'));
    expect(done.message).toBe('rolled back Deployment shop/web from revision 3 to revision 2 (ReplicaSet web-b2)');
    expect(api.deployments.get('shop/web')?.spec.template).toEqual(template('web:2'));
    expect(api.events.map((e) => [e.type, e.reason, e.message])).toEqual([
      ['Normal', 'HomeostatRollback', 'rolled back Deployment shop/web from revision 3 to revision 2 (ReplicaSet web-b2)'],
    ]);
  });

  it('goes to params.toRevision when given, and says when there is no history', async () => {
    const { api, ex } = await cluster();
    expect((await ex.dryRun(action('rollback', 'service:web', { toRevision: 1 }))).details).toMatchObject({
      toRevision: 1,
      replicaSet: 'web-a1',
    });
    expect((await ex.dryRun(action('rollback', 'service:web', { toRevision: 7 }))).message).toBe(
      'Deployment shop/web: revision 7 not found (known: 3, 2, 1)',
    );
    for (const k of ['shop/web-a1', 'shop/web-b2']) api.replicaSets.delete(k);
    expect((await ex.dryRun(action('rollback', 'service:web'))).message).toBe(
      'Deployment shop/web: no previous revision to roll back to (only revision 3)',
    );
  });

  it('does nothing when the previous revision already has the current template', async () => {
    const { api, ex } = await cluster();
    (api.deployments.get('shop/web') as { spec: { template: unknown } }).spec.template = template('web:2');
    const outcome = await ex.dryRun(action('rollback', 'service:web'));
    expect(outcome.message).toBe('Deployment shop/web already runs the template of revision 2: nothing to roll back');
    expect(api.writes()).toEqual([]);
  });
});

describe('KubernetesExecutor: targets and plans', () => {
  it('maps twin entities to objects by their k8s attributes, else by id', async () => {
    const frontend: Entity = {
      id: 'service:frontend',
      kind: 'service',
      name: 'frontend',
      attributes: { 'k8s.deployment.name': 'web', 'k8s.namespace.name': 'shop' },
    };
    const worker: Entity = { id: 'host:ip-10-0-0-1', kind: 'host', name: 'ip-10-0-0-1', attributes: { 'k8s.node.name': 'n2' } };
    const podOfWeb: Entity = {
      id: 'pod:web-c3-aaaaa',
      kind: 'pod',
      name: 'web-c3-aaaaa',
      attributes: { 'k8s.pod.name': 'web-c3-aaaaa', 'k8s.namespace.name': 'shop', 'k8s.deployment.name': 'web' },
    };
    const entities = new Map([frontend, worker, podOfWeb].map((e) => [e.id, e]));
    const { api, ex } = await cluster({ entity: (id) => entities.get(id), namespace: 'blog' });
    expect((await ex.dryRun(action('restart', 'service:frontend'))).ok).toBe(true);
    expect((await ex.dryRun(action('drain', 'host:ip-10-0-0-1', { cordonOnly: true }))).ok).toBe(true);
    expect((await ex.dryRun(action('scale_out', 'pod:web-c3-aaaaa'))).message).toBe(
      'server-side dry run: would scale Deployment shop/web from 3 to 4 replicas',
    );
    await ex.dryRun(action('restart', 'service:shop/api'));
    await ex.dryRun(action('restart', 'service:api'));
    expect(api.requests.filter((r) => r.method !== 'GET' || r.path.includes('/deployments/')).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${DEPLOY}`,
      `PATCH ${DEPLOY}`,
      'PATCH /api/v1/nodes/n2',
      `GET ${DEPLOY}/scale`,
      `PATCH ${DEPLOY}/scale`,
      'GET /apis/apps/v1/namespaces/shop/deployments/api',
      'GET /apis/apps/v1/namespaces/blog/deployments/api',
    ]);
  });

  it('refuses targets of the wrong kind or with names Kubernetes would not accept', async () => {
    const { api, ex } = await cluster();
    expect((await ex.execute(action('restart', 'database:orders'))).message).toBe(
      'restart acts on a Deployment: the target must be a service entity like service:<name> or service:<namespace>/<name> (got "database:orders")',
    );
    expect((await ex.execute(action('drain', 'service:web'))).message).toBe(
      'drain acts on a Node: the target must be a host entity like host:<node> (got "service:web")',
    );
    expect((await ex.execute(action('restart', 'service:../../nodes/n1'))).message).toBe(
      'namespace must be a DNS-1123 label (got ".." from "service:../../nodes/n1")',
    );
    expect((await ex.execute(action('restart', 'service:Web'))).message).toBe(
      'deployment name must be a DNS-1123 subdomain (got "Web" from "service:Web")',
    );
    expect((await ex.execute(action('clean_disk', 'host:n1'))).message).toBe(
      'the kubernetes executor does not carry out clean_disk (it does restart, scale_out, drain, rollback)',
    );
    expect(api.requests).toEqual([]);
  });

  it('supports restart, scale_out, drain and rollback only', async () => {
    const { ex } = await cluster();
    expect((['restart', 'rollback', 'scale_out', 'clean_disk', 'drain', 'failover'] as const).map((k) => ex.supports(k))).toEqual([
      true,
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(ex.kind).toBe('kubernetes');
  });

  it('plans without any request', async () => {
    const { api, ex } = await cluster({ maxReplicas: 6 });
    expect(ex.plan(action('scale_out', 'service:web', { by: 2 }))).toEqual({
      steps: [
        'server-side dry run of every request below (dryRun=All)',
        'read Deployment shop/web/scale',
        'patch its spec.replicas to current + 2 (at most 6)',
        'record a Kubernetes Event on Deployment shop/web (reason HomeostatScaleOut, source homeostat)',
      ],
      blastRadius: ['service:web'],
    });
    expect(ex.plan(action('drain', 'host:n1', { cordonOnly: true })).steps).toEqual([
      'server-side dry run of every request below (dryRun=All)',
      'cordon Node n1 (spec.unschedulable: true)',
      'record a Kubernetes Event on Node n1 (reason HomeostatCordon, source homeostat)',
    ]);
    expect(ex.plan(action('failover', 'database:orders')).steps).toEqual(['the kubernetes executor does not carry out failover']);
    expect(api.requests).toEqual([]);
  });

  it('rejects bad options with clear errors', async () => {
    const client = new KubeClient({ server: 'http://127.0.0.1:1' });
    expect(() => new KubernetesExecutor({ client, maxReplicas: 0 })).toThrow('kubernetes maxReplicas must be an integer >= 1 (got 0)');
    expect(() => new KubernetesExecutor({ client, evictionRetries: -1 })).toThrow(
      'kubernetes evictionRetries must be an integer >= 0 (got -1)',
    );
    expect(() => new KubernetesExecutor({ client, namespace: 'A_B' })).toThrow(
      'kubernetes namespace must be a DNS-1123 label like "shop" (got "A_B")',
    );
  });

  it('writes label selectors in the labelSelector query syntax', () => {
    expect(
      labelSelector({
        matchLabels: { app: 'web', tier: 'front' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'staging'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'NotIn', values: ['a'] },
          { key: 'team', operator: 'Exists' },
        ],
      }),
    ).toBe('app=web,tier=front,env in (prod,staging),!canary,zone notin (a),team');
  });
});

/** `verb group/resource` of an API request, as RBAC sees it (`get apps/deployments/scale`). */
function rbacOf(r: SeenRequest): string {
  const p = r.path.split('/').filter((x) => x !== '');
  const group = p[0] === 'api' ? '' : (p[1] as string);
  let rest = p.slice(p[0] === 'api' ? 2 : 3);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource, name, sub] = rest;
  const verb = r.method === 'GET' ? (name === undefined ? 'list' : 'get') : r.method === 'PATCH' ? 'patch' : 'create';
  return `${verb} ${group}/${resource}${sub ? `/${sub}` : ''}`;
}

describe('deploy/kubernetes/rbac.yaml', () => {
  it('grants exactly the verbs and resources the executor and the topology import use', async () => {
    const { api, ex, url } = await cluster();
    for (const a of [
      action('restart', 'service:web'),
      action('scale_out', 'service:web'),
      action('rollback', 'service:web'),
      action('drain', 'host:n1'),
    ]) {
      expect((await ex.execute(a)).ok).toBe(true);
    }
    await fetchKubernetesTopology(new KubeClient({ server: url, token: TOKEN }), { namespace: '' });
    const used = new Set(api.requests.map(rbacOf));
    const granted = new Set<string>();
    const text = readFileSync(new URL('../../deploy/kubernetes/rbac.yaml', import.meta.url), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const d = doc.toJSON() as { rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
      for (const rule of d.rules ?? []) {
        for (const g of rule.apiGroups) for (const res of rule.resources) for (const v of rule.verbs) granted.add(`${v} ${g}/${res}`);
      }
    }
    expect([...used].sort()).toEqual([...granted].sort());
  });
});
