/**
 * @module heal
 * Heal: the Executor port and its adapters — the fleet simulator, a generic signed webhook — and
 * a set that routes each action to the right one.
 */
export type { Executor, Plan } from './executor.js';
export { ExecutorSet } from './executor-set.js';
export type { SimulatorPort } from './simulator-executor.js';
export { SimulatorExecutor } from './simulator-executor.js';
export type { WebhookExecutorOptions } from './webhook-executor.js';
export { SIGNATURE_HEADER, WebhookExecutor } from './webhook-executor.js';
