/**
 * @module heal/kubernetes-topology-source
 * Fetches the lists a twin topology is built from (Nodes, Deployments, ReplicaSets, Pods,
 * Services) from a Kubernetes API server and converts them with `twin/kubernetesTopology`.
 * Needs `list` on nodes, deployments, replicasets, pods and services (deploy/kubernetes/rbac.yaml).
 */
import { invalid } from '../errors.js';
import {
  type KubeDeployment,
  type KubeNode,
  type KubePod,
  type KubeReplicaSet,
  type KubeService,
  type KubernetesTopology,
  type KubernetesTopologyOptions,
  kubernetesTopology,
} from '../twin/kubernetes-topology.js';
import { isDnsLabel, type KubeClient, seg } from './kube-client.js';

/** Options of {@link fetchKubernetesTopology}. */
export interface KubernetesTopologySourceOptions extends KubernetesTopologyOptions {
  /** Namespace to import; `''` for every namespace. Default the client's namespace. Nodes are always all listed. */
  readonly namespace?: string;
  /** Items per list page (`limit`). Default 500. */
  readonly pageSize?: number;
}

/**
 * Lists the cluster's objects and converts them to a topology (`warnings` says what was
 * skipped). Rejects with the client's errors (`KubeApiError` for a refusal such as a missing
 * RBAC permission, `unavailable` for a network failure or time-out).
 * @example twin.load(await fetchKubernetesTopology(KubeClient.inCluster(), { namespace: 'shop' }))
 */
export async function fetchKubernetesTopology(
  client: KubeClient,
  options: KubernetesTopologySourceOptions = {},
): Promise<KubernetesTopology> {
  const namespace = options.namespace ?? client.namespace;
  if (namespace !== '' && !isDnsLabel(namespace)) {
    throw invalid(`topology namespace must be a DNS-1123 label, or "" for all namespaces (got ${JSON.stringify(namespace)})`);
  }
  const pageSize = options.pageSize ?? 500;
  const scoped = (group: string, resource: string): string =>
    namespace === '' ? `${group}/${resource}` : `${group}/namespaces/${seg(namespace)}/${resource}`;
  const [nodes, deployments, replicaSets, pods, services] = await Promise.all([
    client.list<KubeNode>('/api/v1/nodes', {}, pageSize),
    client.list<KubeDeployment>(scoped('/apis/apps/v1', 'deployments'), {}, pageSize),
    client.list<KubeReplicaSet>(scoped('/apis/apps/v1', 'replicasets'), {}, pageSize),
    client.list<KubePod>(scoped('/api/v1', 'pods'), {}, pageSize),
    client.list<KubeService>(scoped('/api/v1', 'services'), {}, pageSize),
  ]);
  return kubernetesTopology(
    { nodes, deployments, replicaSets, pods, services },
    {
      ...(options.knownIds ? { knownIds: options.knownIds } : {}),
      ...(options.dependsOnAnnotation ? { dependsOnAnnotation: options.dependsOnAnnotation } : {}),
    },
  );
}
