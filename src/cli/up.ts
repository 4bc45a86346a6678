/**
 * @module cli/up
 * `homeostat up`: the whole platform in one process on its embedded defaults — SQLite store,
 * in-process bus, simulated fleet driven in accelerated time, API and dashboard on localhost.
 * Configuration is layered: defaults ← YAML file (`--config`) ← environment (`HOMEOSTAT_*`) ← flags.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type ApiToken, createApi, HomeostatMetrics } from '../api/index.js';
import { createPlatform, type Platform } from '../engine/platform.js';
import { failureHeuristicSpec, failureTreesSpec } from '../models/index.js';
import { type NotifyConfig, parseNotifyConfig } from '../notify/index.js';
import { DEFAULT_RETRAINING } from '../registry/retraining.js';
import { describe, invalid } from '../errors.js';
import { fetchKubernetesTopology, kubeClientFrom } from '../heal/index.js';
import { FAULT_KINDS, type FaultKind } from '../records/types.js';
import { parseTopology } from '../twin/index.js';
import { convert, type FlagSpec, helpText, parseArgs } from './args.js';

/** Settings of `homeostat up`. */
export interface UpConfig {
  readonly host: string;
  readonly port: number;
  readonly db: string;
  readonly sim: boolean;
  readonly speed: number;
  readonly seed: number;
  readonly warmupMs: number;
  readonly faultEveryMs: number;
  readonly operatorDelayMs: number;
  /** With the simulator: the simulated on-call person labels anomalies and root causes from the ground truth. */
  readonly operatorLabels: boolean;
  readonly policy: string;
  /** A trained `risk/failure-trees` model file, or 'heuristic' (the default: `risk/failure-heuristic`). */
  readonly failureModel: string;
  readonly topology: string;
  readonly webhook: string;
  readonly webhookSecret: string;
  readonly dryRun: boolean;
  readonly openRead: boolean;
  readonly config: string;
  /** Kubernetes API for actions and topology: '' (off), 'in-cluster', or the API server URL. */
  readonly kubernetes: string;
  readonly kubeNamespace: string;
  readonly kubeToken: string;
  readonly kubeCa: string;
  readonly kubeInsecure: boolean;
  readonly kubeMaxReplicas: number;
  /** Import the cluster's topology at start (with `kubernetes`). */
  readonly kubeTopology: boolean;
  readonly kubeAllNamespaces: boolean;
  /** Notifications out (Alertmanager, PagerDuty, webhooks): the config file's `notify:` section only. */
  readonly notify?: NotifyConfig;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Defaults of `up`. */
export const UP_DEFAULTS: UpConfig = {
  host: '127.0.0.1',
  port: 8080,
  db: '.homeostat/homeostat.db',
  sim: true,
  speed: 60,
  seed: 1,
  warmupMs: 24 * 3600_000,
  faultEveryMs: 45 * 60_000,
  operatorDelayMs: 2 * 3600_000,
  operatorLabels: true,
  policy: join(ROOT, 'policies/default.yaml'),
  failureModel: 'heuristic',
  topology: '',
  webhook: '',
  webhookSecret: '',
  dryRun: false,
  openRead: true,
  config: '',
  kubernetes: '',
  kubeNamespace: '',
  kubeToken: '',
  kubeCa: '',
  kubeInsecure: false,
  kubeMaxReplicas: 10,
  kubeTopology: true,
  kubeAllNamespaces: false,
};

/** Flags of `up` (names map to {@link UpConfig} keys in camelCase). */
export const UP_FLAGS: readonly FlagSpec[] = [
  { name: 'port', type: 'number', description: 'HTTP port of the API and dashboard', defaultText: '8080', env: 'HOMEOSTAT_PORT' },
  { name: 'host', type: 'string', description: 'address to bind', defaultText: '127.0.0.1', env: 'HOMEOSTAT_HOST' },
  { name: 'db', type: 'string', description: 'SQLite database file', defaultText: '.homeostat/homeostat.db', env: 'HOMEOSTAT_DB' },
  {
    name: 'sim',
    type: 'boolean',
    description: 'drive the engine from the simulated fleet (--no-sim: real telemetry only)',
    defaultText: 'true',
    env: 'HOMEOSTAT_SIM',
  },
  {
    name: 'speed',
    type: 'number',
    description: 'simulated-time factor (60 = one simulated hour per minute)',
    defaultText: '60',
    env: 'HOMEOSTAT_SPEED',
  },
  { name: 'seed', type: 'number', description: 'simulator seed', defaultText: '1', env: 'HOMEOSTAT_SEED' },
  {
    name: 'warmup',
    type: 'duration',
    description: 'simulated history replayed at start so models are warm',
    defaultText: '24h',
    env: 'HOMEOSTAT_WARMUP',
  },
  {
    name: 'fault-every',
    type: 'duration',
    description: 'mean simulated time between injected faults',
    defaultText: '45m',
    env: 'HOMEOSTAT_FAULT_EVERY',
  },
  {
    name: 'operator-delay',
    type: 'duration',
    description: 'a simulated on-call person fixes a fault this long after it fails',
    defaultText: '2h',
    env: 'HOMEOSTAT_OPERATOR_DELAY',
  },
  {
    name: 'operator-labels',
    type: 'boolean',
    description:
      'with the simulator, a simulated on-call person labels anomalies and root causes from the ground truth (live accuracy, retraining)',
    defaultText: 'true',
    env: 'HOMEOSTAT_OPERATOR_LABELS',
  },
  {
    name: 'policy',
    type: 'string',
    description: 'policy table (YAML) mapping faults to actions',
    defaultText: 'policies/default.yaml',
    env: 'HOMEOSTAT_POLICY',
  },
  {
    name: 'failure-model',
    type: 'string',
    description:
      'failure-risk model: "heuristic", or a trained risk/failure-trees file such as models/failure-trees-sim.json (trained on the simulator)',
    defaultText: 'heuristic',
    env: 'HOMEOSTAT_FAILURE_MODEL',
  },
  { name: 'topology', type: 'string', description: 'topology file (YAML or JSON) to load into the twin', env: 'HOMEOSTAT_TOPOLOGY' },
  { name: 'webhook', type: 'string', description: 'URL of a webhook executor for actions', env: 'HOMEOSTAT_WEBHOOK' },
  { name: 'webhook-secret', type: 'string', description: 'HMAC secret signing webhook bodies', env: 'HOMEOSTAT_WEBHOOK_SECRET' },
  {
    name: 'dry-run',
    type: 'boolean',
    description: 'never execute actions, only dry-run them',
    defaultText: 'false',
    env: 'HOMEOSTAT_DRY_RUN',
  },
  { name: 'open-read', type: 'boolean', description: 'read routes need no token', defaultText: 'true', env: 'HOMEOSTAT_OPEN_READ' },
  {
    name: 'kubernetes',
    type: 'string',
    description: 'Kubernetes API for actions and topology: "in-cluster" or the API server URL (off when empty)',
    env: 'HOMEOSTAT_KUBERNETES',
  },
  {
    name: 'kube-namespace',
    type: 'string',
    description: 'namespace of the workloads (default: the service account’s, else "default")',
    env: 'HOMEOSTAT_KUBE_NAMESPACE',
  },
  { name: 'kube-token', type: 'string', description: 'bearer token for the Kubernetes API (out of cluster)', env: 'HOMEOSTAT_KUBE_TOKEN' },
  { name: 'kube-ca', type: 'string', description: 'PEM file of the Kubernetes API server’s CA', env: 'HOMEOSTAT_KUBE_CA' },
  {
    name: 'kube-insecure',
    type: 'boolean',
    description: 'skip TLS verification of the Kubernetes API (tests only)',
    defaultText: 'false',
    env: 'HOMEOSTAT_KUBE_INSECURE',
  },
  {
    name: 'kube-max-replicas',
    type: 'number',
    description: 'most replicas a scale-out may reach',
    defaultText: '10',
    env: 'HOMEOSTAT_KUBE_MAX_REPLICAS',
  },
  {
    name: 'kube-topology',
    type: 'boolean',
    description: 'import nodes, deployments, pods and services into the twin at start',
    defaultText: 'true',
    env: 'HOMEOSTAT_KUBE_TOPOLOGY',
  },
  {
    name: 'kube-all-namespaces',
    type: 'boolean',
    description: 'import the topology of every namespace',
    defaultText: 'false',
    env: 'HOMEOSTAT_KUBE_ALL_NAMESPACES',
  },
  { name: 'config', type: 'string', description: 'YAML file with any of these settings (keys as flag names)', env: 'HOMEOSTAT_CONFIG' },
];

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function key(spec: FlagSpec): keyof UpConfig {
  const k = camel(spec.name);
  const durations: Record<string, keyof UpConfig> = { warmup: 'warmupMs', faultEvery: 'faultEveryMs', operatorDelay: 'operatorDelayMs' };
  return (durations[k] ?? k) as keyof UpConfig;
}

/**
 * Layers the configuration: defaults ← file ← environment ← flags, checking each value once.
 */
export function resolveUpConfig(flags: Readonly<Record<string, string | number | boolean>>, env: NodeJS.ProcessEnv): UpConfig {
  const out: Record<string, unknown> = { ...UP_DEFAULTS };
  const file = (flags.config as string | undefined) ?? env.HOMEOSTAT_CONFIG;
  if (file) {
    const doc: unknown = parseYaml(readFileSync(file, 'utf8'));
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw invalid(`${file}: expected a YAML mapping of settings (got ${describe(doc)})`);
    for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
      if (name === 'notify') {
        out.notify = parseNotifyConfig(value, `${file}: notify`);
        continue;
      }
      const spec = UP_FLAGS.find((s) => s.name === name);
      if (spec === undefined || name === 'config') {
        throw invalid(
          `${file}: unknown setting "${name}" (expected one of ${[...UP_FLAGS.filter((s) => s.name !== 'config').map((s) => s.name), 'notify'].join(', ')})`,
        );
      }
      out[key(spec)] = convert(String(value), spec, file);
    }
  }
  for (const spec of UP_FLAGS) {
    const raw = spec.env ? env[spec.env] : undefined;
    if (raw !== undefined && raw !== '') out[key(spec)] = convert(raw, spec, spec.env ?? spec.name);
  }
  for (const spec of UP_FLAGS) {
    const v = flags[spec.name];
    if (v !== undefined) out[key(spec)] = v;
  }
  const cfg = out as unknown as UpConfig;
  if (!Number.isInteger(cfg.port) || cfg.port < 0 || cfg.port > 65535)
    throw invalid(`port must be an integer in [0, 65535] (got ${describe(cfg.port)})`);
  if (!(cfg.speed > 0) || cfg.speed > 100_000) throw invalid(`speed must be a number in (0, 100000] (got ${describe(cfg.speed)})`);
  if (!Number.isInteger(cfg.seed)) throw invalid(`seed must be an integer (got ${describe(cfg.seed)})`);
  if (cfg.faultEveryMs < 5 * 60_000) throw invalid(`fault-every must be at least 5m (got ${cfg.faultEveryMs} ms)`);
  return cfg;
}

/** The admin token: HOMEOSTAT_TOKEN, else one kept beside the database (made at first start). */
export function adminToken(dbPath: string, env: NodeJS.ProcessEnv): { token: string; created: boolean; file?: string } {
  if (env.HOMEOSTAT_TOKEN) return { token: env.HOMEOSTAT_TOKEN, created: false };
  const file = join(dirname(resolve(dbPath === ':memory:' ? '.homeostat/x' : dbPath)), 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), created: false, file };
  mkdirSync(dirname(file), { recursive: true });
  const token = `hs_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, created: true, file };
}

/** Help of `up`. */
export const UP_HELP = helpText(
  'homeostat up [options]',
  'Runs the whole platform: store, bus, digital twin, simulated fleet (unless --no-sim), the\nDetect → Predict → Decide → Heal loop, the HTTP API and the dashboard.',
  UP_FLAGS,
);

/** The failure-risk trees trained on the simulated fleet (bench/failure/train-sim.ts). */
export const SIM_FAILURE_MODEL = join(ROOT, 'models/failure-trees-sim.json');

/**
 * Reads a trained failure-risk model file (`{ kind: 'risk/failure-trees', config }`) and returns its
 * config, checked by the spec; a clear error names the file and what was wrong.
 */
export function readFailureModel(file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalid(`--failure-model ${file}: cannot read a JSON model file (${err instanceof Error ? err.message : String(err)})`);
  }
  const doc = raw as { kind?: unknown; config?: unknown };
  if (
    doc === null ||
    typeof doc !== 'object' ||
    doc.kind !== failureTreesSpec.kind ||
    typeof doc.config !== 'object' ||
    doc.config === null
  ) {
    throw invalid(
      `--failure-model ${file}: expected {"kind": "${failureTreesSpec.kind}", "config": {…}} as written by bench/failure/train-sim (got kind ${JSON.stringify(doc?.kind)})`,
    );
  }
  failureTreesSpec.parse(doc.config);
  return doc.config as Record<string, unknown>;
}

/** A running platform with its HTTP server. */
export interface RunningPlatform {
  readonly platform: Platform;
  readonly url: string;
  readonly token: string;
  stop(): Promise<void>;
}

/**
 * Starts the platform and its API; returns once it listens. With the simulator, it first replays
 * the warm-up period as fast as it can, then steps the fleet every `stepMs / speed` wall ms.
 */
export async function startUp(cfg: UpConfig, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<RunningPlatform> {
  const policyText = readFileSync(cfg.policy, 'utf8');
  const fileTopology = cfg.topology ? parseTopology(parseYaml(readFileSync(cfg.topology, 'utf8')), cfg.topology) : undefined;
  const kube = cfg.kubernetes
    ? kubeClientFrom(cfg.kubernetes, {
        ...(cfg.kubeNamespace ? { namespace: cfg.kubeNamespace } : {}),
        ...(cfg.kubeToken ? { token: cfg.kubeToken } : {}),
        ...(cfg.kubeCa ? { caFile: cfg.kubeCa } : {}),
        insecureSkipTlsVerify: cfg.kubeInsecure,
      })
    : undefined;
  const kubeTopology =
    kube && cfg.kubeTopology
      ? await fetchKubernetesTopology(kube, {
          ...(cfg.kubeAllNamespaces ? { namespace: '' } : {}),
          knownIds: fileTopology?.entities.map((e) => e.id) ?? [],
        })
      : undefined;
  for (const w of kubeTopology?.warnings ?? []) log(`kubernetes topology: ${w}`);
  const topology =
    fileTopology && kubeTopology
      ? {
          entities: [...fileTopology.entities, ...kubeTopology.entities],
          relations: [...fileTopology.relations, ...kubeTopology.relations],
        }
      : (fileTopology ?? kubeTopology);
  if (cfg.db !== ':memory:') mkdirSync(dirname(resolve(cfg.db)), { recursive: true });
  const startMs = Math.floor(Date.now() / 60_000) * 60_000 - cfg.warmupMs;
  const trees = cfg.failureModel === 'heuristic' ? undefined : readFailureModel(cfg.failureModel);
  const metrics = new HomeostatMetrics({
    failureHorizonMs: trees ? failureTreesSpec.parse(trees).horizonMs : failureHeuristicSpec.defaults.horizonMs,
  });
  const platform = await createPlatform({
    dbPath: cfg.db,
    policyText,
    ...(trees ? { models: { failureRiskKind: 'risk/failure-trees', failureTrees: trees } } : {}),
    ...(cfg.sim
      ? {
          sim: { seed: cfg.seed, startMs },
          operatorDelayMs: cfg.operatorDelayMs,
          ...(cfg.operatorLabels ? { operatorLabelDelayMs: 30 * 60_000 } : {}),
        }
      : {}),
    ...(topology ? { topology } : {}),
    ...(kube ? { kubernetes: { client: kube, maxReplicas: cfg.kubeMaxReplicas } } : {}),
    ...(cfg.webhook ? { webhook: { url: cfg.webhook, ...(cfg.webhookSecret ? { secret: cfg.webhookSecret } : {}) } } : {}),
    switches: { dryRun: cfg.dryRun },
    speed: cfg.speed,
    idPrefix: Date.now().toString(36),
    onError: (e, where) => log(`error in ${where}: ${e instanceof Error ? e.message : String(e)}`),
    metrics,
    ...(cfg.notify ? { notify: cfg.notify } : {}),
    log,
  });
  const admin = adminToken(cfg.db, env);
  const tokens: ApiToken[] = [{ token: admin.token, scopes: ['admin'], name: 'admin' }];
  const app = await createApi({
    store: platform.store,
    engine: platform.engine,
    tokens,
    openRead: cfg.openRead,
    uiDir: join(ROOT, 'dist/ui'),
    metrics,
    knowledge: () => platform.engine.knowledge(),
    registry: { retraining: DEFAULT_RETRAINING },
  });
  // Listen first: liveness answers at once, readiness once the warm-up replay is over.
  const address = await app.listen({ host: cfg.host, port: cfg.port });
  if (admin.created) log(`admin token (saved to ${admin.file}): ${admin.token}`);
  else if (admin.file) log(`admin token: in ${admin.file}`);
  log(`Homeostat is listening: dashboard ${address}/  API ${address}/api/v1  OpenAPI ${address}/openapi.json`);
  const { sim, driver } = platform;
  let timer: NodeJS.Timeout | undefined;
  if (sim && driver) {
    const warmSteps = Math.round(cfg.warmupMs / 60_000);
    log(`replaying ${warmSteps} simulated minutes of warm-up…`);
    const t0 = Date.now();
    platform.engine.setObserveOnly(true);
    await driver.run(warmSteps);
    platform.engine.setObserveOnly(false);
    log(`warm-up done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    let nextFaultAt = sim.now() + 10 * 60_000;
    let faultsScheduled = 0;
    let busy = false;
    const intervalMs = Math.max(1, Math.round(60_000 / cfg.speed));
    timer = setInterval(() => {
      if (busy) return;
      busy = true;
      if (sim.now() >= nextFaultAt) {
        try {
          // One fault at a time, its kind in turn (a count of 1 alone would always take the first kind).
          const kind = FAULT_KINDS[faultsScheduled++ % FAULT_KINDS.length] as FaultKind;
          const f = sim.scheduleFaults(1, sim.now() + 60_000, sim.now() + 5 * 60_000, [kind])[0];
          if (f) log(`simulator: ${f.kind} scheduled on ${f.rootCause} at ${new Date(f.onsetMs).toISOString()}`);
        } catch (e) {
          log(`simulator: could not schedule a fault: ${e instanceof Error ? e.message : String(e)}`);
        }
        nextFaultAt = sim.now() + cfg.faultEveryMs;
      }
      driver
        .step()
        .catch((e: unknown) => log(`error in simulator step: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => {
          busy = false;
        });
    }, intervalMs);
  } else {
    timer = setInterval(() => {
      platform.engine.tick().catch((e: unknown) => log(`error in tick: ${e instanceof Error ? e.message : String(e)}`));
    }, 5_000);
  }
  log('Homeostat is ready: the loop is running');
  let stopped = false;
  return {
    platform,
    url: address,
    token: admin.token,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      await app.close();
      await platform.close();
    },
  };
}

/** Runs `homeostat up` until SIGINT/SIGTERM. */
export async function upCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, UP_FLAGS, 'homeostat up');
  if (args.help) {
    process.stdout.write(UP_HELP);
    return 0;
  }
  const cfg = resolveUpConfig(args.flags, process.env);
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const running = await startUp(cfg, process.env, log);
  await new Promise<void>((done) => {
    const shut = (): void => {
      log('stopping…');
      running.stop().then(done, (e: unknown) => {
        log(`error while stopping: ${String(e)}`);
        done();
      });
    };
    process.once('SIGINT', shut);
    process.once('SIGTERM', shut);
  });
  return 0;
}
