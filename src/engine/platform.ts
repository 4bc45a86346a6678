/**
 * @module engine/platform
 * The composition root of one Homeostat process: store, bus, twin, simulator (optional),
 * executors, policy and engine, wired by hand. The CLI's `up`, the loop benchmark and the
 * end-to-end tests build the platform through here, so they run the same code path.
 */
import type { HomeostatMetrics } from '../api/metrics-exposition.js';
import { readFileSync } from 'node:fs';
import { MemoryBus } from '../bus/memory/index.js';
import { type Clock, ManualClock, systemClock } from '../clock.js';
import { parsePolicy } from '../decide/index.js';
import {
  ExecutorSet,
  type Executor,
  KubernetesExecutor,
  type KubernetesExecutorOptions,
  SimulatorExecutor,
  WebhookExecutor,
} from '../heal/index.js';
import { createNotifier, type Notifier, type NotifyConfig } from '../notify/index.js';
import { FleetSimulator } from '../sim/index.js';
import type { SimOptions } from '../sim/index.js';
import type { Store } from '../store/index.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { Twin } from '../twin/index.js';
import type { Topology } from '../twin/index.js';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './config.js';
import { Engine, type EngineDeps } from './engine.js';
import type { EngineSwitches } from './handle.js';
import { SimDriver } from './sim-driver.js';

/** How to build a platform. */
export interface PlatformOptions {
  /** SQLite file path, or ':memory:'. */
  readonly dbPath: string;
  /** Text of the policy table (YAML). */
  readonly policyText: string;
  /** With a simulator: its options; the engine's clock becomes simulated time. */
  readonly sim?: Partial<SimOptions>;
  /** A topology to load into the twin (in addition to the simulator's). */
  readonly topology?: Topology;
  readonly webhook?: { readonly url: string; readonly secret?: string };
  /** Kubernetes executor (client, namespace, maxReplicas…); the twin lookup is added here. */
  readonly kubernetes?: Omit<KubernetesExecutorOptions, 'entity'>;
  readonly switches?: Partial<EngineSwitches>;
  readonly config?: EngineConfig;
  readonly models?: EngineDeps['models'];
  /** Speed factor shown in status (simulated ms per wall ms). */
  readonly speed?: number;
  readonly idPrefix?: string;
  /** With the simulator: a simulated on-call person fixes faults this long after they fail. */
  readonly operatorDelayMs?: number;
  /**
   * With the simulator: the simulated on-call person labels anomalies (true/false positive) and
   * finished incidents (root cause) from the ground truth this long after they were raised.
   * Default: no labels.
   */
  readonly operatorLabelDelayMs?: number;
  readonly onError?: (error: unknown, where: string) => void;
  /** Homeostat's own metrics: fed by the bus and the engine, read at scrape time (`/metrics`). */
  readonly metrics?: HomeostatMetrics;
  /** Where notifications go (a parsed `notify:` section); absent = none. */
  readonly notify?: NotifyConfig;
  /** Operational log lines (e.g. notifications given up or dropped). */
  readonly log?: (line: string) => void;
}

/** A wired platform. */
export interface Platform {
  readonly engine: Engine;
  readonly store: Store;
  readonly twin: Twin;
  readonly clock: Clock;
  readonly sim?: FleetSimulator;
  readonly driver?: SimDriver;
  /** Sends notifications out, when `notify` was given. */
  readonly notifier?: Notifier;
  /** Stops the engine (saving model states) and closes the bus and store. */
  close(): Promise<void>;
}

/** Homeostat's version (package.json), recorded in the lineage of the models it trains. */
const CODE_VERSION = `homeostat ${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`;

/** Builds and starts a platform. */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const policy = parsePolicy(options.policyText);
  const store = await openSqliteStore(options.dbPath);
  const bus = new MemoryBus({ onError: (e, ev) => options.onError?.(e, `bus handler for ${ev.type}`) });
  // Wall clock on purpose (the notifier's default): Alertmanager compares endsAt with real time, even under the simulator.
  const notifier = options.notify ? createNotifier(options.notify, options.log ? { log: options.log } : {}) : undefined;
  notifier?.attach(bus);
  options.metrics?.attach(bus);
  if (notifier) options.metrics?.watchNotifier(() => notifier.stats());
  const twin = new Twin();
  const sim = options.sim !== undefined ? new FleetSimulator(options.sim) : undefined;
  if (sim) twin.load(sim.topology);
  if (options.topology) twin.load(options.topology);
  const clock: Clock = sim ? new ManualClock(sim.now()) : systemClock;
  const executors: Executor[] = [];
  if (sim) executors.push(new SimulatorExecutor(sim));
  if (options.webhook) executors.push(new WebhookExecutor(options.webhook));
  // Wall clock (the executor's default), not the simulator's: restartedAt and Events are real times.
  if (options.kubernetes) executors.push(new KubernetesExecutor({ ...options.kubernetes, entity: (id) => twin.entity(id) }));
  const engine = new Engine({
    store,
    bus,
    twin,
    clock,
    executors: new ExecutorSet(executors),
    policy,
    config: options.config ?? DEFAULT_ENGINE_CONFIG,
    // The simulator reports restarts and ECC errors as counts per step, not as Prometheus counters.
    ...(sim || options.models
      ? { models: { ...(sim ? { failureRisk: { countMode: 'per-sample' as const } } : {}), ...options.models } }
      : {}),
    ...(options.switches ? { switches: options.switches } : {}),
    ...(sim ? { simulated: { speed: options.speed ?? 1 } } : {}),
    ...(options.idPrefix ? { idPrefix: options.idPrefix } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    codeVersion: CODE_VERSION,
  });
  await engine.start();
  if (options.metrics) {
    options.metrics.bindEngine(engine);
    await options.metrics.loadFeedback(store);
  }
  const driver =
    sim && clock instanceof ManualClock
      ? new SimDriver(engine, sim, clock, {
          ...(options.operatorDelayMs !== undefined ? { operatorDelayMs: options.operatorDelayMs } : {}),
          ...(options.operatorLabelDelayMs !== undefined ? { labels: { delayMs: options.operatorLabelDelayMs, store } } : {}),
        })
      : undefined;
  return {
    engine,
    store,
    twin,
    clock,
    ...(sim ? { sim } : {}),
    ...(driver ? { driver } : {}),
    ...(notifier ? { notifier } : {}),
    async close() {
      await engine.stop();
      await notifier?.close();
      await bus.close();
      await store.close();
    },
  };
}
