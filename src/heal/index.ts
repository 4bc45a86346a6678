/**
 * @module heal
 * Heal: the Executor port and its adapters — the fleet simulator, a generic signed webhook,
 * Kubernetes (with its REST client and topology import) — and a set that routes each action to the right one.
 */
export type { Executor, Plan } from './executor.js';
export { ExecutorSet } from './executor-set.js';
export type { SimulatorPort } from './simulator-executor.js';
export { SimulatorExecutor } from './simulator-executor.js';
export type { WebhookExecutorOptions } from './webhook-executor.js';
export { SIGNATURE_HEADER, WebhookExecutor } from './webhook-executor.js';
export type { InClusterOptions, KubeClientOptions, KubeRequest, PatchType } from './kube-client.js';
export { isDnsLabel, isDnsSubdomain, KubeApiError, KubeClient, kubeClientFrom, PATCH_CONTENT_TYPES } from './kube-client.js';
export type { KubernetesExecutorOptions, LabelSelector } from './kubernetes-executor.js';
export { KubernetesExecutor } from './kubernetes-executor.js';
export type { KubernetesTopologySourceOptions } from './kubernetes-topology-source.js';
export { fetchKubernetesTopology } from './kubernetes-topology-source.js';
