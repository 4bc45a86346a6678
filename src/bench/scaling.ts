/**
 * @module bench/scaling
 * The pre-emptive scaling benchmark: the whole engine against the fleet simulator while the
 * external demand of every edge service grows by a fixed share a day (and with it the traffic of
 * everything they call), run twice on the same seed — with the capacity plans allowed to act
 * (`predict.capacityAlertConfidence` as configured) and with them switched off (only the reactive
 * path: anomalies → root cause `traffic_surge` → scale-out). No faults are injected.
 *
 * Figures per run, over the growth period only: service-minutes at or above saturation 1
 * (overloaded: the simulator adds errors and queueing), service-minutes at or above 0.9 (hot),
 * the worst saturation seen, executed scale-outs split into pre-emptive (chosen for a capacity plan's
 * hypothesis) and reactive, replicas added, incidents and escalations. Saturation is read
 * from the twin after each simulated minute (what the engine itself saw).
 *
 * The growth starts after `warmupDays` of steady traffic (a week by default, so the forecasters
 * have seen a whole weekly cycle), at midnight of a Monday with the default start.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../engine/config.js';
import { createPlatform } from '../engine/platform.js';
import { TIER_ATTRIBUTE } from '../sim/index.js';
import { METRICS } from '../telemetry/metrics.js';

/** Options of {@link runScalingBench}. */
export interface ScalingBenchOptions {
  readonly seed: number;
  /** Days of steady traffic before the growth starts. Default 7. */
  readonly warmupDays?: number;
  /** Days of growth, scored. Default 4. */
  readonly days?: number;
  /** Daily growth of every edge service's demand, in (0, 1]. Default 0.15 (+15 % a day). */
  readonly growthPerDay?: number;
  readonly policyPath: string;
  /** Fleet size (simulator options). Default 12 services on 24 hosts, 2 databases, 1 queue, 1 load balancer. */
  readonly fleet?: {
    readonly services: number;
    readonly hosts: number;
    readonly databases: number;
    readonly queues: number;
    readonly loadBalancers: number;
  };
  readonly onProgress?: (done: number, total: number) => void;
}

/** Figures of one run (one mode). */
export interface ScalingFigures {
  readonly mode: 'pre-emptive' | 'reactive only';
  readonly overloaded_service_min: number;
  readonly hot_service_min: number;
  readonly max_saturation: number;
  readonly scale_outs_preemptive: number;
  readonly scale_outs_reactive: number;
  readonly replicas_added: number;
  readonly incidents: number;
  readonly escalated: number;
}

/** Both runs, same seed. */
export interface ScalingBenchMetrics {
  readonly task: 'scaling';
  readonly seed: number;
  readonly warmup_days: number;
  readonly days: number;
  readonly growth_per_day: number;
  /** Demand multiplier reached at the end (1 + g)^days. */
  readonly growth_reached: number;
  readonly services: number;
  readonly runs: readonly ScalingFigures[];
  /** Overloaded service-minutes with pre-emptive scaling / without (lower is better; null when the baseline had none). */
  readonly overloaded_ratio: number | null;
  readonly wall_s: number;
}

const DAY = 86_400_000;
const SMALL_FLEET = { services: 12, hosts: 24, databases: 2, queues: 1, loadBalancers: 1 } as const;

async function runOnce(options: ScalingBenchOptions, preemptive: boolean, step: (n: number) => void): Promise<ScalingFigures> {
  const warmupDays = options.warmupDays ?? 7;
  const days = options.days ?? 4;
  const base = DEFAULT_ENGINE_CONFIG;
  const config: EngineConfig = {
    ...base,
    persistPoints: false,
    predict: { ...base.predict, ...(preemptive ? {} : { capacityAlertConfidence: 2 }) },
  };
  const platform = await createPlatform({
    dbPath: ':memory:',
    policyText: readFileSync(options.policyPath, 'utf8'),
    sim: { seed: options.seed, ...(options.fleet ?? SMALL_FLEET) },
    config,
    idPrefix: `s${options.seed}${preemptive ? 'p' : 'r'}`,
  });
  const { sim, driver, store, twin } = platform;
  if (sim === undefined || driver === undefined) throw new Error('the scaling bench needs the simulator');
  const services = sim.topology.entities.filter((e) => e.kind === 'service').map((e) => e.id);
  const edges = sim.topology.entities.filter((e) => e.kind === 'service' && e.attributes[TIER_ATTRIBUTE] === 'edge');
  const growthFrom = sim.now() + warmupDays * DAY;
  for (const e of edges) sim.growDemand(e.id, growthFrom, options.growthPerDay ?? 0.15);
  const stepMs = config.stepMs;
  const total = Math.round(((warmupDays + days) * DAY) / stepMs);
  let overloaded = 0;
  let hot = 0;
  let worst = 0;
  for (let i = 0; i < total; i++) {
    await driver.step();
    step(1);
    if (sim.now() < growthFrom) continue;
    for (const id of services) {
      const sat = twin.signal(id, METRICS.saturation)?.v ?? 0;
      if (sat >= 1) overloaded++;
      if (sat >= 0.9) hot++;
      if (sat > worst) worst = sat;
    }
  }
  const incidents = (await store.listIncidents({ limit: 10_000 })).filter((i) => i.openedAt >= growthFrom);
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const actions = (await store.listActions({ limit: 10_000 })).filter(
    (a) => a.kind === 'scale_out' && a.executedAt !== undefined && a.outcome?.ok === true && byId.has(a.incidentId),
  );
  // A scale-out chosen for a capacity plan's hypothesis (the one that carries a suggested size).
  const preemptiveActs = actions.filter((a) =>
    byId.get(a.incidentId)?.hypotheses.some((h) => h.entityId === a.target && h.params !== undefined),
  );
  const replicasAdded = actions.reduce((n, a) => n + (typeof a.params.by === 'number' ? a.params.by : 0), 0);
  await platform.close();
  return {
    mode: preemptive ? 'pre-emptive' : 'reactive only',
    overloaded_service_min: overloaded,
    hot_service_min: hot,
    max_saturation: Math.round(worst * 1000) / 1000,
    scale_outs_preemptive: preemptiveActs.length,
    scale_outs_reactive: actions.length - preemptiveActs.length,
    replicas_added: replicasAdded,
    incidents: incidents.length,
    escalated: incidents.filter((i) => i.status === 'escalated').length,
  };
}

/**
 * Runs the scaling benchmark (both modes on the same seed) and returns its metrics.
 * @example await runScalingBench({ seed: 11, policyPath: 'policies/default.yaml' })
 */
export async function runScalingBench(options: ScalingBenchOptions): Promise<ScalingBenchMetrics> {
  const warmupDays = options.warmupDays ?? 7;
  const days = options.days ?? 4;
  const growth = options.growthPerDay ?? 0.15;
  const perRun = Math.round(((warmupDays + days) * DAY) / DEFAULT_ENGINE_CONFIG.stepMs);
  let done = 0;
  const step = (n: number): void => {
    done += n;
    options.onProgress?.(done, 2 * perRun);
  };
  const started = performance.now();
  const runs = [await runOnce(options, true, step), await runOnce(options, false, step)];
  const [pre, reactive] = runs as [ScalingFigures, ScalingFigures];
  return {
    task: 'scaling',
    seed: options.seed,
    warmup_days: warmupDays,
    days,
    growth_per_day: growth,
    growth_reached: Math.round((1 + growth) ** days * 1000) / 1000,
    services: (options.fleet ?? SMALL_FLEET).services,
    runs,
    overloaded_ratio:
      reactive.overloaded_service_min > 0 ? Math.round((pre.overloaded_service_min / reactive.overloaded_service_min) * 1000) / 1000 : null,
    wall_s: Math.round((performance.now() - started) / 10) / 100,
  };
}

/** Renders the metrics as the table the CLI prints. */
export function formatScalingTable(m: ScalingBenchMetrics): string {
  const cols = [
    'overloaded_service_min',
    'hot_service_min',
    'max_saturation',
    'scale_outs_preemptive',
    'scale_outs_reactive',
    'replicas_added',
    'incidents',
    'escalated',
  ] as const;
  const head = ['mode', ...cols];
  const rows = m.runs.map((r) => [r.mode, ...cols.map((c) => String(r[c]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [
    `pre-emptive scaling on the simulated fleet: seed ${m.seed}, ${m.services} services, edge demand +${Math.round(m.growth_per_day * 100)} %/day for ${m.days} days (×${m.growth_reached}) after ${m.warmup_days} steady days`,
    line(head),
    line(head.map((_, i) => '-'.repeat(widths[i] ?? 0))),
    ...rows.map(line),
    '',
    `overloaded service-minutes, pre-emptive / reactive only: ${m.overloaded_ratio ?? 'n/a (none without pre-emptive scaling)'}; ${m.wall_s} s wall`,
  ].join('\n');
}
