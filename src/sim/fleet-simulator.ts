/**
 * @module sim/fleet-simulator
 * A deterministic, pure fleet simulator: per-minute telemetry for every service, host, database,
 * queue and load balancer of a generated topology, injected faults with exact ground truth, and
 * responses to heal actions.
 *
 * Model: edge traffic = peak rate × daily shape (trough 03:00, peak 15:00 UTC) × weekend factor
 * (0.6) × short random bursts × noise; every other service's rate is the sum of its callers'
 * rates times a per-edge fan-out weight (computed in topological order). Saturation = rate /
 * (running replicas × capacity per replica, calibrated so the weekday peak sits at 45–65 %).
 * Latency follows an M/M/1-like queueing factor 1/(1−ρ) (steep near ρ → 1), plus the slowest
 * dependency; p99 is a load-dependent multiple of p50. Error share = own errors (base, overload
 * ρ > 1, faults) combined with dependency errors attenuated by 0.6 per hop. Memory is a GC
 * sawtooth, disks grow slowly and are compacted when they pass 85 %, deploys happen a few times
 * a day (some with a brief rolling-restart blip). Faults ramp in over a few minutes and, once the
 * right action is applied to their root cause, their effects fade out over five minutes.
 *
 * Works for: exercising detection, forecasting, root-cause ranking and the heal loop against
 * exact ground truth. Fails as a stand-in for a real fleet in the details: the queueing model is
 * a one-server approximation, and every replica of a service behaves the same.
 * Reference: M/M/1 response time R = S/(1−ρ) — Kleinrock, Queueing Systems, Vol. 1 (1975).
 *
 * Random streams: topology (stream 0), model parameters (1), measurement noise (2), benign events
 * (3) and fault choices (4) use separate generators, and noise draws a fixed number of values per
 * entity per step, so injecting a fault leaves the noise of every other signal unchanged.
 */
import { HomeostatError, describe, invalid } from '../errors.js';
import type { ActionKind, ChangeEvent, FaultKind } from '../records/types.js';
import { ACTION_KINDS, FAULT_KINDS } from '../records/types.js';
import { METRICS } from '../telemetry/metrics.js';
import type { Labels } from '../telemetry/types.js';
import type { Entity, EntityKind, Relation, Topology } from '../twin/types.js';
import { ACTION_TARGET_KINDS, FAULT_FIX, FAULT_TARGET_KINDS } from './fault-library.js';
import { Rng, mixSeed, poissonInverse } from './rng.js';
import { parseSimOptions } from './sim-options.js';
import { SERVICE_TIERS, TIER_ATTRIBUTE, generateTopology } from './topology.js';
import type { FaultSpec, FaultTruth, SimApplyResult, SimOptions, SimSample, SimTick } from './types.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Time over which a fixed fault's effects fade out. */
const RECOVERY_MS = 5 * MINUTE;
/** How long a drained host stays out of the placement pool. */
const DRAIN_HOLD_MS = 6 * HOUR;
/** Share of a dependency's error rate that reaches its caller. */
const ERROR_ATTENUATION = 0.6;
/** Share of a traffic surge that is passed on to dependencies (the rest is served from cache). */
const SURGE_PASS_THROUGH = 0.15;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type TruthState = Mutable<Omit<FaultTruth, 'affected'>> & { affected: string[] };

interface ServiceModel {
  readonly id: string;
  readonly name: string;
  readonly tier: number;
  readonly labels: Labels;
  readonly attributes: Readonly<Record<string, string>>;
  readonly deps: number[];
  readonly depW: number[];
  readonly dbDeps: number[];
  readonly dbW: number[];
  readonly qDeps: number[];
  readonly qW: number[];
  readonly callers: number[];
  readonly lbs: number[];
  readonly externalRps: number;
  readonly phaseH: number;
  capPerReplica: number;
  readonly baseMs: number;
  readonly baseErr: number;
  readonly memBase: number;
  readonly gcSteps: number;
  readonly gcAmp: number;
  gcStep: number;
  hosts: number[];
  version: string;
  prevVersion: string | null;
  blipUntil: number;
  restartsPending: number;
  crashUntil: number;
  crashErr: number;
  burstUntil: number;
  burstMult: number;
  rate: number;
  outRate: number;
  sat: number;
  cpu: number;
  mem: number;
  p50: number;
  p99: number;
  err: number;
  active: number;
}

interface HostModel {
  readonly id: string;
  readonly name: string;
  readonly labels: Labels;
  readonly entity: Entity;
  readonly idle: number;
  readonly cpuShare: number;
  readonly memShare: number;
  diskBase: number;
  readonly diskGrowthPerStep: number;
  readonly tempBase: number;
  down: boolean;
  downSince: number;
  repairAt: number;
  drainedUntil: number;
}

interface StoreModel {
  readonly id: string;
  readonly name: string;
  readonly kind: 'database' | 'queue';
  readonly labels: Labels;
  readonly entity: Entity;
  host: number;
  readonly callers: number[];
  readonly cap: number;
  readonly baseMs: number;
  readonly baseErr: number;
  readonly lagS: number;
  backlog: number;
  blipUntil: number;
  inRate: number;
  p50: number;
  err: number;
}

interface LbModel {
  readonly id: string;
  readonly labels: Labels;
  readonly entity: Entity;
  readonly edges: number[];
}

interface FaultParams {
  readonly level: number;
  readonly mult: number;
  readonly durationMs: number;
  readonly down: boolean;
}

interface FaultModel {
  readonly truth: TruthState;
  readonly ref: EntityRef;
  readonly p: FaultParams;
  leakStartMs: number;
  nextCrashMs: number;
  d0: number;
  diskAtFix: number;
}

interface EntityRef {
  readonly kind: EntityKind;
  readonly idx: number;
}

interface Plan {
  readonly result: SimApplyResult;
  readonly run?: () => void;
}

/** A heal action as the simulator takes it. */
export interface SimAction {
  readonly kind: ActionKind;
  readonly target: string;
  /** Action parameters; `scale_out` reads `by` (replicas to add, a positive integer). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** How often edge traffic bursts, and how hard (see {@link FleetSimulator.setBurstiness}). */
export interface Burstiness {
  /** Expected bursts per edge service per simulated day. Default 1.6 (one per 15 h). */
  readonly perDay: number;
  /** Traffic multiplier of a burst, drawn uniformly in [multMin, multMax]. Default 1.2–1.6. */
  readonly multMin: number;
  readonly multMax: number;
  /** Burst length in whole minutes, drawn uniformly. Default 3–10. */
  readonly minMinutes: number;
  readonly maxMinutes: number;
}

/** The fleet's burstiness unless changed. */
export const DEFAULT_BURSTINESS: Burstiness = { perDay: 1440 / 900, multMin: 1.2, multMax: 1.6, minMinutes: 3, maxMinutes: 10 };

/** Organic growth of an edge service's external demand (see {@link FleetSimulator.growDemand}). */
interface DemandGrowth {
  readonly fromMs: number;
  /** Daily growth rate: demand is multiplied by (1 + perDay) per day after `fromMs`. */
  readonly perDay: number;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** M/M/1-like queueing factor: 1/(1−ρ) up to ρ = 0.96, growing linearly beyond. */
function queueFactor(rho: number): number {
  const r = Math.max(rho, 0);
  return r <= 0.96 ? 1 / (1 - r) : 25 + (r - 0.96) * 60;
}

/** Traffic shape in (0, 1]: trough at 03:00, peak at 15:00 (shifted by `phaseH`), weekends × 0.6. */
export function trafficSeason(t: number, phaseH = 0): number {
  const shifted = t + phaseH * HOUR;
  const h = (((shifted / HOUR) % 24) + 24) % 24;
  const daily = 0.22 + 0.78 * ((1 - Math.cos((2 * Math.PI * (h - 3)) / 24)) / 2) ** 1.4;
  const dow = (((Math.floor(shifted / DAY) + 4) % 7) + 7) % 7;
  return dow === 0 || dow === 6 ? daily * 0.6 : daily;
}

/**
 * The fleet simulator. Pure: seeded random streams, simulated time only.
 * @example
 * const sim = new FleetSimulator({ seed: 7 });
 * const truth = sim.inject({ kind: 'memory_leak', target: 'service:checkout' });
 * const tick = sim.step(); // samples for sim.options.startMs
 * sim.apply({ kind: 'restart', target: truth.rootCause });
 */
export class FleetSimulator {
  /** The validated options this fleet was built from. */
  readonly options: SimOptions;
  #t: number;
  #topology: Topology;
  #topologyDirty = false;
  #services: ServiceModel[] = [];
  #order: number[] = [];
  #hosts: HostModel[] = [];
  #dbs: StoreModel[] = [];
  #queues: StoreModel[] = [];
  #lbs: LbModel[] = [];
  #index = new Map<string, EntityRef>();
  #faults: FaultModel[] = [];
  readonly #growth = new Map<number, DemandGrowth>();
  #bursts: Burstiness = DEFAULT_BURSTINESS;
  #pending: ChangeEvent[] = [];
  #eventSeq = 0;
  #noise: Rng;
  #events: Rng;
  #faultRng: Rng;

  /**
   * Builds a fleet from `options` merged over {@link DEFAULT_SIM_OPTIONS}. Throws
   * `invalid_argument` for unknown keys or values that are not integers in range.
   */
  constructor(options: Partial<SimOptions> = {}) {
    this.options = parseSimOptions(options);
    const seed = this.options.seed;
    this.#t = this.options.startMs;
    this.#topology = generateTopology(this.options, new Rng(mixSeed(seed, 0)));
    this.#noise = new Rng(mixSeed(seed, 2));
    this.#events = new Rng(mixSeed(seed, 3));
    this.#faultRng = new Rng(mixSeed(seed, 4));
    this.#build(new Rng(mixSeed(seed, 1)));
  }

  /** The fleet's current topology (placements change on drain, scale-out and failover). */
  get topology(): Topology {
    if (this.#topologyDirty) {
      this.#topology = this.#currentTopology();
      this.#topologyDirty = false;
    }
    return this.#topology;
  }

  /** Simulated time of the next {@link FleetSimulator.step} (epoch ms); starts at `options.startMs`. */
  now(): number {
    return this.#t;
  }

  /** Simulates the minute at {@link FleetSimulator.now}, returns its samples and change events, and advances time by one step. */
  step(): SimTick {
    const t = this.#t;
    const events = this.#pending;
    this.#pending = [];
    this.#advanceFaults(t, events);
    this.#benign(t, events);
    const samples = this.#simulate(t);
    this.#t = t + this.options.stepMs;
    return { t, samples, events };
  }

  /**
   * Schedules a fault. Absent target: a random eligible entity with no fault in progress; absent
   * atMs: within the next hour. Onset is rounded up to the step grid. Throws `invalid_argument`
   * for an unknown kind or target, a target of the wrong kind, or atMs before now(); `conflict`
   * when the target already has a fault in progress (or no eligible target is free).
   */
  inject(spec: FaultSpec): FaultTruth {
    if (spec === null || typeof spec !== 'object') throw invalid(`fault spec must be an object (got ${describe(spec)})`);
    const kind = spec.kind;
    if (!FAULT_KINDS.includes(kind)) {
      throw invalid(`fault kind must be one of ${FAULT_KINDS.join(', ')} (got ${describe(kind)})`);
    }
    const step = this.options.stepMs;
    let onsetMs: number;
    if (spec.atMs === undefined) {
      onsetMs = this.#t + Math.floor(this.#faultRng.uniform(0, HOUR / step)) * step;
    } else {
      if (typeof spec.atMs !== 'number' || !Number.isFinite(spec.atMs) || spec.atMs < this.#t) {
        throw invalid(`fault atMs must be a time (epoch ms) at or after now() = ${this.#t} (got ${describe(spec.atMs)})`);
      }
      onsetMs = this.#t + Math.ceil((spec.atMs - this.#t) / step) * step;
    }
    let ref: EntityRef;
    let target: string;
    if (spec.target === undefined) {
      const candidates = this.#eligibleTargets(kind).filter((id) => !this.#busy(id, onsetMs));
      if (candidates.length === 0) {
        throw new HomeostatError(
          'conflict',
          `no free target for a ${kind} fault at ${new Date(onsetMs).toISOString()} (every eligible entity already has a fault in progress)`,
        );
      }
      target = this.#faultRng.pick(candidates);
      ref = this.#index.get(target) as EntityRef;
    } else {
      target = spec.target;
      const found = typeof target === 'string' ? this.#index.get(target) : undefined;
      if (found === undefined) {
        throw invalid(
          `fault target must be an entity id of this fleet such as ${this.#services[0]?.id ?? 'host:host-01'} (got ${describe(target)})`,
        );
      }
      const allowed = FAULT_TARGET_KINDS[kind];
      if (!allowed.includes(found.kind)) {
        throw invalid(`a ${kind} fault needs a ${allowed.join(' or ')} target (got ${found.kind} ${target})`);
      }
      if (kind === 'traffic_surge' && (this.#services[found.idx] as ServiceModel).tier > 1) {
        throw invalid(
          `a traffic_surge fault needs an edge or api tier service (got ${SERVICE_TIERS[(this.#services[found.idx] as ServiceModel).tier]} service ${target})`,
        );
      }
      if (this.#busy(target, onsetMs)) {
        throw new HomeostatError('conflict', `${target} already has a fault in progress at ${new Date(onsetMs).toISOString()}`);
      }
      ref = found;
    }
    const p = this.#drawParams(kind);
    const truth: TruthState = {
      id: `fault-${String(this.#faults.length + 1).padStart(3, '0')}`,
      kind,
      rootCause: target,
      onsetMs,
      affected: this.#affected(kind, ref, target),
      fix: FAULT_FIX[kind],
      status: 'scheduled',
    };
    if (kind === 'memory_leak' || kind === 'disk_fill' || kind === 'host_failure') truth.failureMs = onsetMs + p.durationMs;
    if (kind === 'dependency_outage' && p.down) truth.failureMs = onsetMs;
    if (kind === 'traffic_surge') truth.naturalEndMs = onsetMs + p.durationMs;
    this.#faults.push({ truth, ref, p, leakStartMs: onsetMs, nextCrashMs: onsetMs + p.durationMs, d0: 0, diskAtFix: 0 });
    return copyTruth(truth);
  }

  /**
   * Spreads `count` faults over [fromMs, toMs): one per equal slot, at a random time in the first
   * 60 % of the slot, kinds taken round-robin from `kinds` (default every kind), targets random
   * among entities with no fault in progress. Throws `invalid_argument` on a bad window or kind,
   * `conflict` when no target is free for some fault.
   */
  scheduleFaults(count: number, fromMs: number, toMs: number, kinds: readonly FaultKind[] = FAULT_KINDS): FaultTruth[] {
    if (!Number.isInteger(count) || count < 1) throw invalid(`fault count must be a positive integer (got ${describe(count)})`);
    if (!Number.isFinite(fromMs) || fromMs < this.#t) {
      throw invalid(`fault window start must be at or after now() = ${this.#t} (got ${describe(fromMs)})`);
    }
    if (!Number.isFinite(toMs) || toMs - fromMs < count * this.options.stepMs) {
      throw invalid(`fault window end must leave at least one step per fault after ${fromMs} (got ${describe(toMs)})`);
    }
    if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => FAULT_KINDS.includes(k))) {
      throw invalid(`fault kinds must be a non-empty list of ${FAULT_KINDS.join(', ')} (got ${describe(kinds)})`);
    }
    const slot = (toMs - fromMs) / count;
    const out: FaultTruth[] = [];
    for (let i = 0; i < count; i++) {
      const atMs = Math.floor(fromMs + i * slot + this.#faultRng.uniform(0, 0.6 * slot));
      out.push(this.inject({ kind: kinds[i % kinds.length] as FaultKind, atMs }));
    }
    return out;
  }

  /** Dry run of {@link FleetSimulator.apply}: whether the action would be accepted and what it would fix. Changes nothing. */
  /**
   * Changes how often and how hard edge traffic bursts from now on (a new client with spiky
   * traffic, a campaign): short bursts that are not faults — a new behaviour the detectors see.
   * Fields left out keep their value. Throws `invalid_argument` for a negative rate, a multiplier
   * below 1 or above 10, a range that is upside down, or a length outside 1–240 minutes.
   * @example sim.setBurstiness({ perDay: 24, multMin: 1.8, multMax: 2.6 })
   */
  setBurstiness(patch: Partial<Burstiness>): void {
    const b = { ...this.#bursts, ...patch };
    const bad = (what: string, expected: string, got: string): never => {
      throw invalid(`burstiness ${what} must be ${expected} (got ${got})`);
    };
    if (!(b.perDay >= 0 && b.perDay <= 1440)) bad('perDay', 'a number in [0, 1440]', describe(b.perDay));
    if (!(b.multMin >= 1 && b.multMax <= 10 && b.multMin <= b.multMax))
      bad('multMin..multMax', 'within [1, 10], min ≤ max', `${describe(b.multMin)}..${describe(b.multMax)}`);
    const whole = Number.isInteger(b.minMinutes) && Number.isInteger(b.maxMinutes);
    if (!(whole && b.minMinutes >= 1 && b.maxMinutes <= 240 && b.minMinutes <= b.maxMinutes))
      bad('minMinutes..maxMinutes', 'whole minutes within [1, 240], min ≤ max', `${describe(b.minMinutes)}..${describe(b.maxMinutes)}`);
    this.#bursts = b;
  }

  /**
   * From `fromMs` on, the external demand of edge service `target` grows by `perDay` a day
   * (compounded continuously over the day: × (1 + perDay)^(days since fromMs)), and with it the
   * traffic of everything it calls: organic growth, a launch, a season. Draws no random numbers,
   * so every other signal keeps its noise. A second call for the same service replaces the first.
   * Throws `invalid_argument` for an unknown or non-edge target, a start before now, or a rate
   * outside (-0.5, 1].
   * @example sim.growDemand('service:web', sim.now(), 0.2) // +20 % a day
   */
  growDemand(target: string, fromMs: number, perDay: number): void {
    const ref = typeof target === 'string' ? this.#index.get(target) : undefined;
    if (ref === undefined || ref.kind !== 'service' || (this.#services[ref.idx] as ServiceModel).tier !== 0) {
      const edge = this.#services.find((s) => s.tier === 0)?.id ?? 'service:web';
      throw invalid(`demand growth needs an edge service of this fleet such as ${edge} (got ${describe(target)})`);
    }
    if (!Number.isFinite(fromMs) || fromMs < this.#t)
      throw invalid(`growth start must be at or after now() = ${this.#t} (got ${describe(fromMs)})`);
    if (!(typeof perDay === 'number' && perDay > -0.5 && perDay <= 1))
      throw invalid(`daily growth must be a number in (-0.5, 1], e.g. 0.2 for +20 % a day (got ${describe(perDay)})`);
    this.#growth.set(ref.idx, { fromMs, perDay });
  }

  /** Demand multiplier of service `i` at `t` from its growth, 1 without one. */
  #growthFactor(i: number, t: number): number {
    const g = this.#growth.get(i);
    return g === undefined || t <= g.fromMs ? 1 : (1 + g.perDay) ** ((t - g.fromMs) / DAY);
  }

  check(action: SimAction): SimApplyResult {
    return this.#plan(action).result;
  }

  /**
   * Applies a heal action at now(). The right action on a fault's root cause fixes it (effects
   * fade over five minutes); any other accepted action has only its ordinary effect. Returns
   * ok:false (and changes nothing) for an unknown target or action, or one that does not fit the
   * target's kind.
   */
  apply(action: SimAction): SimApplyResult {
    const plan = this.#plan(action);
    if (plan.result.ok && plan.run !== undefined) plan.run();
    return plan.result;
  }

  /** Ground truth of every fault injected so far (copies), in injection order. */
  truth(): FaultTruth[] {
    return this.#faults.map((f) => copyTruth(f.truth));
  }

  /** Faults whose symptoms have started and that are neither fixed nor over (copies). */
  activeFaults(): FaultTruth[] {
    return this.#faults.filter((f) => f.truth.status === 'active').map((f) => copyTruth(f.truth));
  }

  #build(r: Rng): void {
    const stepMs = this.options.stepMs;
    const entities = this.#topology.entities;
    for (const e of entities) {
      if (e.kind === 'host') {
        const cores = e.capacity?.cpu_cores ?? 16;
        const memGb = e.capacity?.memory_gb ?? 64;
        this.#index.set(e.id, { kind: 'host', idx: this.#hosts.length });
        this.#hosts.push({
          id: e.id,
          name: e.name,
          entity: e,
          labels: Object.freeze({ entity: e.id, kind: 'host', host: e.name }),
          idle: r.uniform(0.02, 0.06),
          cpuShare: 4 / cores,
          memShare: 16 / memGb,
          diskBase: r.uniform(0.2, 0.6),
          diskGrowthPerStep: (r.uniform(0.002, 0.01) * stepMs) / DAY,
          tempBase: r.uniform(36, 46),
          down: false,
          downSince: 0,
          repairAt: 0,
          drainedUntil: 0,
        });
      }
    }
    for (const e of entities) {
      if (e.kind === 'database' || e.kind === 'queue') {
        const list = e.kind === 'database' ? this.#dbs : this.#queues;
        this.#index.set(e.id, { kind: e.kind, idx: list.length });
        list.push({
          id: e.id,
          name: e.name,
          kind: e.kind,
          entity: e,
          labels: Object.freeze({ entity: e.id, kind: e.kind, [e.kind]: e.name }),
          host: 0,
          callers: [],
          cap: 1,
          baseMs: r.uniform(1.5, 6),
          baseErr: r.uniform(0.0001, 0.0008),
          lagS: r.uniform(0.5, 3),
          backlog: 0,
          blipUntil: 0,
          inRate: 0,
          p50: 1,
          err: 0,
        });
      }
    }
    for (const e of entities) {
      if (e.kind !== 'service') continue;
      const tier = Math.max(0, SERVICE_TIERS.indexOf(e.attributes[TIER_ATTRIBUTE] as (typeof SERVICE_TIERS)[number]));
      this.#index.set(e.id, { kind: 'service', idx: this.#services.length });
      this.#services.push({
        id: e.id,
        name: e.name,
        tier,
        attributes: e.attributes,
        labels: Object.freeze({ entity: e.id, kind: 'service', service: e.name }),
        deps: [],
        depW: [],
        dbDeps: [],
        dbW: [],
        qDeps: [],
        qW: [],
        callers: [],
        lbs: [],
        externalRps: tier === 0 ? r.uniform(80, 400) : 0,
        phaseH: r.uniform(-1, 1),
        capPerReplica: 1,
        baseMs: r.uniform(3, 12),
        baseErr: r.uniform(0.0005, 0.003),
        memBase: r.uniform(0.35, 0.55),
        gcSteps: Math.max(2, Math.round((r.uniform(15, 60) * MINUTE) / stepMs)),
        gcAmp: r.uniform(0.04, 0.1),
        gcStep: 0,
        hosts: [],
        version: e.attributes['service.version'] ?? '1.0.0',
        prevVersion: null,
        blipUntil: 0,
        restartsPending: 0,
        crashUntil: 0,
        crashErr: 0,
        burstUntil: 0,
        burstMult: 1,
        rate: 0,
        outRate: 0,
        sat: 0,
        cpu: 0,
        mem: 0,
        p50: 0,
        p99: 0,
        err: 0,
        active: 0,
      });
    }
    for (const e of entities) {
      if (e.kind !== 'load_balancer') continue;
      this.#index.set(e.id, { kind: 'load_balancer', idx: this.#lbs.length });
      this.#lbs.push({ id: e.id, entity: e, labels: Object.freeze({ entity: e.id, kind: 'load_balancer', lb: e.name }), edges: [] });
    }
    for (const rel of this.#topology.relations) {
      const from = this.#index.get(rel.from);
      const to = this.#index.get(rel.to);
      if (from === undefined || to === undefined) continue;
      if (rel.kind === 'runs_on' && to.kind === 'host') {
        if (from.kind === 'service') (this.#services[from.idx] as ServiceModel).hosts.push(to.idx);
        else if (from.kind === 'database' || from.kind === 'queue') this.#store(from).host = to.idx;
      } else if (rel.kind === 'depends_on' && from.kind === 'service') {
        const s = this.#services[from.idx] as ServiceModel;
        const w = r.uniform(0.3, 1.2);
        if (to.kind === 'service') {
          s.deps.push(to.idx);
          s.depW.push(w);
          (this.#services[to.idx] as ServiceModel).callers.push(from.idx);
        } else if (to.kind === 'database') {
          s.dbDeps.push(to.idx);
          s.dbW.push(w);
          (this.#dbs[to.idx] as StoreModel).callers.push(from.idx);
        } else if (to.kind === 'queue') {
          s.qDeps.push(to.idx);
          s.qW.push(w);
          (this.#queues[to.idx] as StoreModel).callers.push(from.idx);
        }
      } else if (rel.kind === 'connects_to' && from.kind === 'load_balancer' && to.kind === 'service') {
        (this.#lbs[from.idx] as LbModel).edges.push(to.idx);
        (this.#services[to.idx] as ServiceModel).lbs.push(from.idx);
      }
    }
    this.#order = topologicalOrder(this.#services);
    const peak = new Float64Array(this.#services.length);
    const dbPeak = new Float64Array(this.#dbs.length);
    for (const i of this.#order) {
      const s = this.#services[i] as ServiceModel;
      if (s.tier === 0) peak[i] = (peak[i] as number) + s.externalRps;
      const rate = peak[i] as number;
      s.deps.forEach((d, k) => {
        peak[d] = (peak[d] as number) + rate * (s.depW[k] as number);
      });
      s.dbDeps.forEach((d, k) => {
        dbPeak[d] = (dbPeak[d] as number) + rate * (s.dbW[k] as number);
      });
      const replicas = Math.max(1, s.hosts.length);
      s.capPerReplica = Math.max(rate, 1) / (replicas * r.uniform(0.45, 0.65));
    }
    this.#dbs.forEach((d, i) => {
      (d as Mutable<StoreModel>).cap = Math.max(dbPeak[i] as number, 1) / r.uniform(0.35, 0.55);
    });
  }

  #store(ref: EntityRef): StoreModel {
    return (ref.kind === 'database' ? this.#dbs[ref.idx] : this.#queues[ref.idx]) as StoreModel;
  }

  #emit(
    events: ChangeEvent[],
    at: number,
    entityId: string,
    kind: ChangeEvent['kind'],
    detail: string,
    attributes?: Record<string, string>,
  ): void {
    this.#eventSeq += 1;
    const e: ChangeEvent = { id: `chg-${String(this.#eventSeq).padStart(5, '0')}`, at, entityId, kind, detail };
    events.push(attributes === undefined ? e : { ...e, attributes });
  }

  #advanceFaults(t: number, events: ChangeEvent[]): void {
    for (const h of this.#hosts) {
      if (h.down && h.repairAt > 0 && h.repairAt <= t) {
        h.down = false;
        h.repairAt = 0;
      }
    }
    for (const f of this.#faults) {
      const tr = f.truth;
      if (tr.status === 'scheduled' && tr.onsetMs <= t) {
        tr.status = 'active';
        if (tr.kind === 'bad_deploy') {
          const s = this.#services[f.ref.idx] as ServiceModel;
          s.prevVersion = s.version;
          s.version = bumpVersion(s.version);
          s.restartsPending += s.hosts.length;
          s.gcStep = 0;
          this.#emit(events, t, s.id, 'deploy', `deploy ${s.name} ${s.version}`, { version: s.version, previous: s.prevVersion });
        } else if (tr.kind === 'disk_fill') {
          f.d0 = (this.#hosts[f.ref.idx] as HostModel).diskBase;
        }
      }
      if (tr.status !== 'active') continue;
      if (tr.kind === 'memory_leak' && t >= f.nextCrashMs) {
        const s = this.#services[f.ref.idx] as ServiceModel;
        s.restartsPending += s.hosts.length;
        s.crashUntil = t + 3 * this.options.stepMs;
        s.crashErr = f.p.level;
        s.gcStep = 0;
        f.leakStartMs = t;
        f.nextCrashMs = t + f.p.durationMs;
      } else if (tr.kind === 'host_failure' && tr.failureMs !== undefined && t >= tr.failureMs) {
        const h = this.#hosts[f.ref.idx] as HostModel;
        if (!h.down) {
          h.down = true;
          h.downSince = t;
        }
      } else if (tr.kind === 'traffic_surge' && tr.naturalEndMs !== undefined && t >= tr.naturalEndMs) {
        tr.status = 'ended';
      }
    }
  }

  #benign(t: number, events: ChangeEvent[]): void {
    const r = this.#events;
    const perMin = this.options.stepMs / MINUTE;
    const h = (t % DAY) / HOUR;
    const dow = (Math.floor(t / DAY) + 4) % 7;
    const working = dow !== 0 && dow !== 6 && h >= 8 && h < 18;
    if (r.uniform() < (working ? 0.008 : 0.0015) * perMin && this.#services.length > 0) {
      const idx = r.int(0, this.#services.length - 1);
      const blip = r.uniform() < 0.5;
      const s = this.#services[idx] as ServiceModel;
      const id = s.id;
      if (!this.#faults.some((f) => f.truth.rootCause === id && (f.truth.status === 'scheduled' || f.truth.status === 'active'))) {
        s.prevVersion = s.version;
        s.version = bumpVersion(s.version);
        if (blip) {
          s.restartsPending += s.hosts.length;
          s.blipUntil = t + 3 * this.options.stepMs;
          s.gcStep = 0;
        }
        this.#emit(events, t, id, 'deploy', `deploy ${s.name} ${s.version}`, { version: s.version, previous: s.prevVersion });
      }
    }
    for (const s of this.#services) {
      if (s.tier !== 0) continue;
      const b = this.#bursts;
      if (r.uniform() < (perMin * b.perDay) / 1440 && s.burstUntil <= t) {
        s.burstUntil = t + r.int(b.minMinutes, b.maxMinutes) * MINUTE;
        s.burstMult = r.uniform(b.multMin, b.multMax);
      }
    }
    for (const host of this.#hosts) {
      host.diskBase += host.diskGrowthPerStep;
      if (host.diskBase > 0.85 && !this.#faults.some((f) => f.truth.rootCause === host.id && f.truth.status === 'active')) {
        host.diskBase -= 0.35;
        this.#emit(events, t, host.id, 'maintenance', `log compaction on ${host.name}`);
      }
    }
  }

  /** Effect level of a fault at t: 0 before onset, ramping to 1 over `rampMs`, fading out after a fix. */
  #level(f: FaultModel, t: number, rampMs: number): number {
    const tr = f.truth;
    if (tr.status === 'scheduled' || tr.status === 'ended' || t < tr.onsetMs) return 0;
    const ramp = clamp((t - tr.onsetMs + this.options.stepMs) / rampMs, 0, 1);
    return ramp * this.#decay(f, t);
  }

  #decay(f: FaultModel, t: number): number {
    const at = f.truth.fixedAtMs;
    return at === undefined ? 1 : clamp(1 - (t - at + this.options.stepMs) / RECOVERY_MS, 0, 1);
  }

  #simulate(t: number): SimSample[] {
    const step = this.options.stepMs;
    const n = this.#noise;
    const S = this.#services;
    const H = this.#hosts;
    const nS = S.length;
    const nH = H.length;
    const rateMult = new Float64Array(nS).fill(1);
    const outMult = new Float64Array(nS).fill(1);
    const capMult = new Float64Array(nS).fill(1);
    const latMult = new Float64Array(nS).fill(1);
    const p99Mult = new Float64Array(nS).fill(1);
    const errAdd = new Float64Array(nS);
    const leak = new Float64Array(nS);
    const hog = new Float64Array(nS);
    const hogCpu = new Float64Array(nS);
    const hostLoss = new Float64Array(nH);
    const hostEcc = new Float64Array(nH);
    const hostTemp = new Float64Array(nH);
    const hostDisk = new Float64Array(nH).fill(Number.NaN);
    const hostDiskErr = new Float64Array(nH);
    const dbDown = new Uint8Array(this.#dbs.length);
    const dbErr = new Float64Array(this.#dbs.length);
    const dbLat = new Float64Array(this.#dbs.length).fill(1);
    const qStuck = new Float64Array(this.#queues.length);
    const qErr = new Float64Array(this.#queues.length);

    for (const f of this.#faults) {
      const tr = f.truth;
      if (tr.status === 'scheduled' || t < tr.onsetMs) continue;
      const i = f.ref.idx;
      switch (tr.kind) {
        case 'memory_leak': {
          const lvl = this.#level(f, t, step);
          if (lvl > 0 && tr.fixedAtMs === undefined) leak[i] = clamp((t - f.leakStartMs) / f.p.durationMs, 0, 1);
          break;
        }
        case 'cpu_hog': {
          const lvl = this.#level(f, t, 5 * MINUTE);
          hog[i] = Math.max(hog[i] as number, lvl);
          hogCpu[i] = f.p.level;
          capMult[i] = (capMult[i] as number) * (1 - f.p.mult * lvl);
          latMult[i] = (latMult[i] as number) * (1 + 0.5 * lvl);
          break;
        }
        case 'disk_fill': {
          if (tr.status === 'fixed') {
            const d = this.#decay(f, t);
            const base = (H[i] as HostModel).diskBase;
            if (d > 0) hostDisk[i] = base + (f.diskAtFix - base) * d;
          } else {
            const progress = clamp((t - tr.onsetMs) / f.p.durationMs, 0, 1);
            hostDisk[i] = f.d0 + (1 - f.d0) * progress;
          }
          const disk = hostDisk[i] as number;
          if (disk > 0.95) hostDiskErr[i] = ((disk - 0.95) / 0.05) * f.p.level;
          break;
        }
        case 'bad_deploy': {
          const lvl = this.#level(f, t, 2 * MINUTE);
          errAdd[i] = (errAdd[i] as number) + f.p.level * lvl;
          latMult[i] = (latMult[i] as number) * (1 + (f.p.mult - 1) * lvl);
          break;
        }
        case 'dependency_outage': {
          const lvl = this.#level(f, t, MINUTE);
          if (f.ref.kind === 'database') {
            if (f.p.down && lvl >= 0.5) dbDown[i] = 1;
            else if (!f.p.down) {
              dbErr[i] = (dbErr[i] as number) + f.p.level * lvl;
              dbLat[i] = (dbLat[i] as number) * (1 + (f.p.mult - 1) * lvl);
            }
          } else {
            qStuck[i] = Math.max(qStuck[i] as number, lvl);
            qErr[i] = (qErr[i] as number) + (f.p.down ? 0.9 : f.p.level) * lvl;
          }
          break;
        }
        case 'network_loss':
          hostLoss[i] = (hostLoss[i] as number) + f.p.level * this.#level(f, t, 2 * MINUTE);
          break;
        case 'host_failure': {
          const d = this.#decay(f, t);
          const progress = clamp((t - tr.onsetMs) / f.p.durationMs, 0, 1) ** 1.5;
          hostEcc[i] = (hostEcc[i] as number) + f.p.level * progress * d;
          hostTemp[i] = (hostTemp[i] as number) + f.p.mult * progress * d;
          break;
        }
        case 'traffic_surge': {
          if (tr.naturalEndMs === undefined || t >= tr.naturalEndMs) break;
          const ramp = 10 * MINUTE;
          const shape = Math.min(clamp((t - tr.onsetMs + step) / ramp, 0, 1), clamp((tr.naturalEndMs - t) / ramp, 0, 1));
          rateMult[i] = (rateMult[i] as number) * (1 + (f.p.mult - 1) * shape);
          outMult[i] = (outMult[i] as number) * (1 + (f.p.mult - 1) * shape * SURGE_PASS_THROUGH);
          break;
        }
      }
    }

    for (let h = 0; h < nH; h++) {
      const host = H[h] as HostModel;
      if (host.down) continue;
      const loss = hostLoss[h] as number;
      const diskErr = hostDiskErr[h] as number;
      if (loss === 0 && diskErr === 0) continue;
      for (let i = 0; i < this.#dbs.length; i++) {
        if ((this.#dbs[i] as StoreModel).host !== h) continue;
        dbErr[i] = (dbErr[i] as number) + loss * 1.5 + diskErr;
        dbLat[i] = (dbLat[i] as number) * (1 + loss * 8 + diskErr);
      }
    }
    this.#dbs.forEach((d, i) => {
      if ((H[d.host] as HostModel).down) dbDown[i] = 1;
    });
    this.#queues.forEach((q, i) => {
      if ((H[q.host] as HostModel).down) {
        qStuck[i] = 1;
        qErr[i] = Math.max(qErr[i] as number, 0.9);
      }
    });

    const incoming = new Float64Array(nS);
    const dbIn = new Float64Array(this.#dbs.length);
    const qIn = new Float64Array(this.#queues.length);
    for (const i of this.#order) {
      const s = S[i] as ServiceModel;
      let base = s.tier === 0 ? s.externalRps * trafficSeason(t, s.phaseH) * this.#growthFactor(i, t) : (incoming[i] as number);
      if (s.burstUntil > t) base *= s.burstMult;
      base *= Math.exp(n.normal(0, 0.03));
      s.rate = base * (rateMult[i] as number);
      s.outRate = base * (outMult[i] as number);
      for (let k = 0; k < s.deps.length; k++) {
        const d = s.deps[k] as number;
        incoming[d] = (incoming[d] as number) + s.outRate * (s.depW[k] as number);
      }
      for (let k = 0; k < s.dbDeps.length; k++) {
        const d = s.dbDeps[k] as number;
        dbIn[d] = (dbIn[d] as number) + s.outRate * (s.dbW[k] as number);
      }
      for (let k = 0; k < s.qDeps.length; k++) {
        const d = s.qDeps[k] as number;
        qIn[d] = (qIn[d] as number) + s.outRate * (s.qW[k] as number);
      }
    }

    const samples: SimSample[] = [];
    const push = (entityId: string, labels: Labels, metric: string, v: number): void => {
      samples.push({ entityId, metric, labels, v: round6(v) });
    };

    const dbCpu = new Float64Array(this.#dbs.length);
    this.#dbs.forEach((d, i) => {
      const z1 = n.normal();
      const z2 = n.normal();
      const z3 = n.normal();
      const z4 = n.normal();
      const z5 = n.normal();
      const z6 = n.normal();
      d.inRate = dbIn[i] as number;
      const load = (d.inRate / d.cap) * Math.exp(0.03 * z1);
      const blip = d.blipUntil > t ? 0.05 : 0;
      if (dbDown[i]) {
        d.p50 = 3000;
        d.err = 1;
        push(d.id, d.labels, METRICS.cpu, 0);
        push(d.id, d.labels, METRICS.latencyP99, 3000 * Math.exp(0.02 * z6));
        push(d.id, d.labels, METRICS.errorRate, 1);
        push(d.id, d.labels, METRICS.connections, 0);
        push(d.id, d.labels, METRICS.up, 0);
        return;
      }
      const lat = dbLat[i] as number;
      d.p50 = d.baseMs * queueFactor(load) * lat * Math.exp(0.05 * z2);
      d.err = clamp(d.baseErr * Math.exp(0.3 * z3) + (dbErr[i] as number) * Math.exp(0.1 * z6) + blip, 0, 1);
      const cpu = clamp(0.05 + 0.7 * Math.min(load, 1.3) + 0.015 * z4, 0.005, 0.995);
      dbCpu[i] = cpu;
      const conn = clamp(0.1 + 0.55 * load + 0.01 * z5 + (lat > 1.5 ? 0.35 : 0), 0, 1);
      push(d.id, d.labels, METRICS.cpu, cpu);
      push(d.id, d.labels, METRICS.latencyP99, d.p50 * (3 + 2 * Math.min(load, 1.5) ** 2));
      push(d.id, d.labels, METRICS.errorRate, d.err);
      push(d.id, d.labels, METRICS.connections, conn);
      push(d.id, d.labels, METRICS.up, 1);
    });

    const stepS = step / 1000;
    this.#queues.forEach((q, i) => {
      const z1 = n.normal();
      const z2 = n.normal();
      const z3 = n.normal();
      q.inRate = qIn[i] as number;
      const stuck = qStuck[i] as number;
      q.backlog = stuck > 0 ? Math.min(q.backlog + 0.25 * q.inRate * stepS * stuck, q.inRate * 3600) : q.backlog * 0.4;
      const depth = Math.max(0, q.inRate * q.lagS * (1 + 0.1 * z1) + q.backlog);
      q.err = clamp(q.baseErr * Math.exp(0.3 * z2) + (qErr[i] as number) * Math.exp(0.1 * z3) + (q.blipUntil > t ? 0.05 : 0), 0, 1);
      q.p50 = 1.5 * (1 + 20 * stuck);
      push(q.id, q.labels, METRICS.queueDepth, depth);
      push(q.id, q.labels, METRICS.errorRate, q.err);
    });

    for (let j = this.#order.length - 1; j >= 0; j--) {
      const i = this.#order[j] as number;
      const s = S[i] as ServiceModel;
      const zCpu = n.normal();
      const zMem = n.normal();
      const zP50 = n.normal();
      const zP99 = n.normal();
      const zErr = n.normal();
      const zFault = n.normal();
      let active = 0;
      let hostErr = 0;
      let hostLat = 1;
      let tailLat = 1;
      const share = 1 / Math.max(1, s.hosts.length);
      for (const h of s.hosts) {
        const host = H[h] as HostModel;
        if (host.down) {
          hostErr += share * (t - host.downSince < 3 * MINUTE ? 0.5 : 0.04);
          continue;
        }
        active += 1;
        const loss = hostLoss[h] as number;
        const diskErr = hostDiskErr[h] as number;
        hostErr += share * (loss * 1.5 + diskErr);
        hostLat += share * (loss * 8 + diskErr * 2);
        tailLat += share * loss * 40;
      }
      s.active = active;
      const capacity = Math.max(active, 0.05) * s.capPerReplica * (capMult[i] as number);
      const sat = s.rate / capacity;
      s.sat = sat;
      const lk = leak[i] as number;
      const gc = s.memBase + s.gcAmp * (s.gcStep / s.gcSteps);
      s.gcStep = s.gcStep + 1 >= s.gcSteps ? 0 : s.gcStep + 1;
      s.mem = clamp(gc + (0.995 - gc) * lk + 0.004 * zMem, 0.01, 0.995);
      const hg = hog[i] as number;
      const cpu = clamp(0.03 + 0.8 * Math.min(sat, 1.25) + 0.015 * zCpu, 0.005, 0.995);
      s.cpu = clamp(cpu * (1 - hg) + ((hogCpu[i] as number) + 0.01 * zCpu) * hg, 0.005, 0.995);
      const thrash = s.mem > 0.88 ? 1 + (s.mem - 0.88) * 12 : 1;
      const blip = s.blipUntil > t ? 1.3 : 1;
      const crash = s.crashUntil > t;
      let depP50 = 0;
      let depOk = 1;
      for (const d of s.deps) {
        const ds = S[d] as ServiceModel;
        if (ds.p50 > depP50) depP50 = ds.p50;
        depOk *= 1 - ERROR_ATTENUATION * ds.err;
      }
      for (const d of s.dbDeps) {
        const db = this.#dbs[d] as StoreModel;
        if (db.p50 > depP50) depP50 = db.p50;
        depOk *= 1 - ERROR_ATTENUATION * db.err;
      }
      for (const d of s.qDeps) {
        const q = this.#queues[d] as StoreModel;
        if (q.p50 > depP50) depP50 = q.p50;
        depOk *= 1 - ERROR_ATTENUATION * q.err;
      }
      const own = s.baseMs * queueFactor(sat) * (latMult[i] as number) * hostLat * thrash * blip * (crash ? 2 : 1);
      s.p50 = own * Math.exp(0.04 * zP50) + depP50;
      s.p99 = s.p50 * (2.4 + 2.5 * Math.min(sat, 1.5) ** 2) * (p99Mult[i] as number) * tailLat * Math.exp(0.08 * zP99);
      const overload = sat > 1 ? ((sat - 1) / sat) * 0.8 : 0;
      const ownErr = clamp(
        s.baseErr * Math.exp(0.25 * zErr) +
          overload +
          ((errAdd[i] as number) + hostErr + (crash ? s.crashErr : 0)) * Math.exp(0.1 * zFault) +
          (blip > 1 ? 0.005 : 0),
        0,
        1,
      );
      s.err = clamp(1 - (1 - ownErr) * depOk, 0, 1);
    }

    for (const i of this.#order) {
      const s = S[i] as ServiceModel;
      const L = s.labels;
      push(s.id, L, METRICS.requestRate, s.rate);
      push(s.id, L, METRICS.latencyP50, s.p50);
      push(s.id, L, METRICS.latencyP99, s.p99);
      push(s.id, L, METRICS.errorRate, s.err);
      push(s.id, L, METRICS.cpu, s.cpu);
      push(s.id, L, METRICS.memory, s.mem);
      push(s.id, L, METRICS.saturation, s.sat);
      push(s.id, L, METRICS.restarts, s.restartsPending);
      push(s.id, L, METRICS.replicas, s.active);
      s.restartsPending = 0;
    }

    const hostCpu = new Float64Array(nH);
    const hostMem = new Float64Array(nH);
    for (const s of S) {
      for (const h of s.hosts) {
        const host = H[h] as HostModel;
        hostCpu[h] = (hostCpu[h] as number) + s.cpu * host.cpuShare;
        hostMem[h] = (hostMem[h] as number) + s.mem * host.memShare;
      }
    }
    this.#dbs.forEach((d, i) => {
      hostCpu[d.host] = (hostCpu[d.host] as number) + (dbCpu[i] as number) * 0.6;
      hostMem[d.host] = (hostMem[d.host] as number) + 0.45;
    });
    for (const q of this.#queues) {
      hostCpu[q.host] = (hostCpu[q.host] as number) + 0.1;
      hostMem[q.host] = (hostMem[q.host] as number) + 0.3;
    }
    for (let h = 0; h < nH; h++) {
      const host = H[h] as HostModel;
      const z1 = n.normal();
      const z2 = n.normal();
      const z3 = n.normal();
      const z4 = n.normal();
      const z5 = n.normal();
      const z6 = n.normal();
      const u = n.uniform();
      const L = host.labels;
      if (host.down) {
        push(host.id, L, METRICS.up, 0);
        continue;
      }
      const cpu = clamp(host.idle + (hostCpu[h] as number) + 0.01 * z1, 0.005, 0.995);
      const disk = Number.isNaN(hostDisk[h]) ? host.diskBase : (hostDisk[h] as number);
      push(host.id, L, METRICS.cpu, cpu);
      push(host.id, L, METRICS.memory, clamp(0.08 + (hostMem[h] as number) + 0.005 * z2, 0.01, 0.99));
      push(host.id, L, METRICS.disk, clamp(disk + 0.0005 * z3, 0, 1));
      push(host.id, L, METRICS.eccErrors, poissonInverse(u, 0.001 + (hostEcc[h] as number)));
      push(host.id, L, METRICS.temperature, host.tempBase + 18 * cpu + (hostTemp[h] as number) + 0.4 * z4);
      push(host.id, L, METRICS.packetLoss, clamp(Math.abs(0.0002 * z5) + (hostLoss[h] as number) * Math.exp(0.1 * z6), 0, 1));
      push(host.id, L, METRICS.up, 1);
    }

    for (const lb of this.#lbs) {
      let rate = 0;
      let errSum = 0;
      let latSum = 0;
      for (const e of lb.edges) {
        const s = S[e] as ServiceModel;
        const part = s.rate / Math.max(1, s.lbs.length);
        rate += part;
        errSum += part * s.err;
        latSum += part * s.p99;
      }
      push(lb.id, lb.labels, METRICS.requestRate, rate);
      push(lb.id, lb.labels, METRICS.errorRate, rate > 0 ? errSum / rate : 0);
      push(lb.id, lb.labels, METRICS.latencyP99, rate > 0 ? latSum / rate + 1 : 1);
    }
    return samples;
  }

  #drawParams(kind: FaultKind): FaultParams {
    const r = this.#faultRng;
    const step = this.options.stepMs;
    const grid = (ms: number): number => Math.max(1, Math.round(ms / step)) * step;
    const duration = grid(r.uniform(1, 3) * HOUR);
    switch (kind) {
      case 'memory_leak':
        return { level: r.uniform(0.2, 0.4), mult: 1, durationMs: duration, down: false };
      case 'cpu_hog':
        return { level: r.uniform(0.92, 0.97), mult: r.uniform(0.3, 0.45), durationMs: 0, down: false };
      case 'disk_fill':
        return { level: r.uniform(0.3, 0.5), mult: 1, durationMs: duration, down: false };
      case 'bad_deploy':
        return { level: r.uniform(0.08, 0.35), mult: r.uniform(1.2, 2), durationMs: 0, down: false };
      case 'dependency_outage':
        return { level: r.uniform(0.3, 0.7), mult: r.uniform(6, 12), durationMs: 0, down: r.uniform() < 0.5 };
      case 'network_loss':
        return { level: r.uniform(0.05, 0.2), mult: 1, durationMs: 0, down: false };
      case 'host_failure':
        return { level: r.uniform(3, 8), mult: r.uniform(15, 25), durationMs: grid(r.uniform(2, 4) * HOUR), down: true };
      case 'traffic_surge':
        return { level: 1, mult: r.uniform(2.5, 4), durationMs: duration, down: false };
    }
  }

  #eligibleTargets(kind: FaultKind): string[] {
    const t = this.#t;
    switch (FAULT_TARGET_KINDS[kind][0]) {
      case 'service':
        return this.#services.filter((s) => kind !== 'traffic_surge' || s.tier <= 1).map((s) => s.id);
      case 'host': {
        const used = new Set<number>();
        for (const s of this.#services) for (const h of s.hosts) used.add(h);
        return this.#hosts.filter((h, i) => used.has(i) && !h.down && h.drainedUntil <= t).map((h) => h.id);
      }
      default:
        return [...this.#dbs, ...this.#queues].map((d) => d.id);
    }
  }

  /** Whether `id` has a fault whose span (onset to fix or natural end) reaches past `atMs`. */
  #busy(id: string, atMs: number): boolean {
    return this.#faults.some((f) => {
      if (f.truth.rootCause !== id) return false;
      const end = f.truth.naturalEndMs ?? f.truth.fixedAtMs ?? Number.POSITIVE_INFINITY;
      return end + RECOVERY_MS > atMs;
    });
  }

  /** Root cause first, then hosts/tenants it moves, then every transitive caller and the load balancers in front. */
  #affected(kind: FaultKind, ref: EntityRef, rootId: string): string[] {
    const out = new Set<string>([rootId]);
    const seeds: number[] = [];
    if (ref.kind === 'service') {
      const s = this.#services[ref.idx] as ServiceModel;
      seeds.push(ref.idx);
      if (kind === 'memory_leak' || kind === 'cpu_hog' || kind === 'traffic_surge') {
        for (const h of s.hosts) out.add((this.#hosts[h] as HostModel).id);
      }
      if (kind === 'traffic_surge') {
        for (const lb of s.lbs) out.add((this.#lbs[lb] as LbModel).id);
        for (const d of s.deps) out.add((this.#services[d] as ServiceModel).id);
        for (const d of s.dbDeps) out.add((this.#dbs[d] as StoreModel).id);
        return [...out];
      }
    } else if (ref.kind === 'host') {
      this.#services.forEach((s, i) => {
        if (s.hosts.includes(ref.idx)) {
          out.add(s.id);
          seeds.push(i);
        }
      });
      for (const d of [...this.#dbs, ...this.#queues]) {
        if (d.host === ref.idx) {
          out.add(d.id);
          seeds.push(...d.callers);
        }
      }
    } else {
      seeds.push(...this.#store(ref).callers);
    }
    const queue = [...seeds];
    const seen = new Set<number>(queue);
    for (let k = 0; k < queue.length; k++) {
      const s = this.#services[queue[k] as number] as ServiceModel;
      out.add(s.id);
      for (const lb of s.lbs) out.add((this.#lbs[lb] as LbModel).id);
      for (const c of s.callers) {
        if (!seen.has(c)) {
          seen.add(c);
          queue.push(c);
        }
      }
    }
    return [...out];
  }

  #plan(action: SimAction): Plan {
    const fail = (message: string): Plan => ({ result: { ok: false, message, fixed: [] } });
    if (action === null || typeof action !== 'object')
      return fail(`action must be an object with kind and target (got ${describe(action)})`);
    const { kind, target } = action;
    if (!ACTION_KINDS.includes(kind)) return fail(`action kind must be one of ${ACTION_KINDS.join(', ')} (got ${describe(kind)})`);
    const ref = typeof target === 'string' ? this.#index.get(target) : undefined;
    if (ref === undefined)
      return fail(
        `unknown target ${describe(target)} (expected an entity id of this fleet such as ${this.#services[0]?.id ?? 'host:host-01'})`,
      );
    const allowed = ACTION_TARGET_KINDS[kind];
    if (!allowed.includes(ref.kind)) return fail(`${kind} applies to a ${allowed.join(' or ')} (got ${ref.kind} ${target})`);
    const t = this.#t;
    const fixes = this.#faults.filter((f) => f.truth.rootCause === target && f.truth.fix === kind && f.truth.status === 'active');
    const fixed = fixes.map((f) => f.truth.id);
    const suffix = fixed.length > 0 ? `; fixes ${fixed.join(', ')}` : '';
    const markFixed = (): void => {
      for (const f of fixes) {
        f.truth.status = 'fixed';
        f.truth.fixedAtMs = t;
        f.truth.fixedBy = kind;
        if (f.truth.kind === 'disk_fill') {
          const progress = clamp((t - f.truth.onsetMs) / f.p.durationMs, 0, 1);
          f.diskAtFix = f.d0 + (1 - f.d0) * progress;
        }
      }
    };
    const ok = (message: string, run: () => void): Plan => ({
      result: { ok: true, message: message + suffix, fixed },
      run: () => {
        run();
        markFixed();
      },
    });
    const events = this.#pending;
    switch (kind) {
      case 'restart':
        if (ref.kind === 'service') {
          const s = this.#services[ref.idx] as ServiceModel;
          return ok(`restarted ${s.hosts.length} replicas of ${target}`, () => {
            s.restartsPending += s.hosts.length;
            s.blipUntil = t + 2 * this.options.stepMs;
            s.gcStep = 0;
            this.#emit(events, t, s.id, 'restart', `restart ${s.name}`);
          });
        }
        return ok(`restarted ${target}`, () => {
          this.#store(ref).blipUntil = t + this.options.stepMs;
          this.#emit(events, t, target, 'restart', `restart ${target}`);
        });
      case 'rollback': {
        const s = this.#services[ref.idx] as ServiceModel;
        const to = s.prevVersion ?? s.version;
        return ok(`rolled ${target} back to ${to}`, () => {
          const from = s.version;
          s.version = to;
          s.prevVersion = null;
          s.restartsPending += s.hosts.length;
          s.blipUntil = t + 3 * this.options.stepMs;
          s.gcStep = 0;
          this.#emit(events, t, s.id, 'deploy', `rollback ${s.name} to ${to}`, { version: to, previous: from });
        });
      }
      case 'scale_out': {
        const s = this.#services[ref.idx] as ServiceModel;
        const current = s.hosts.length;
        const by = action.params?.by;
        if (by !== undefined && !(typeof by === 'number' && Number.isInteger(by) && by >= 1))
          return fail(`scale_out by must be a positive integer (got ${describe(by)})`);
        // Without a size, enough replicas to bring the current load to 55 %.
        const wanted = typeof by === 'number' ? current + by : Math.max(current + 1, Math.ceil((current * Math.max(s.sat, 0)) / 0.55));
        const next = Math.min(wanted, current * 4, 64);
        const picks = this.#pickHosts(next - current, new Set(s.hosts), -1);
        if (picks.length === 0) return fail(`no host available to scale out ${target}`);
        return ok(`scaled ${target} out from ${current} to ${current + picks.length} replicas`, () => {
          s.hosts = [...s.hosts, ...picks];
          s.restartsPending += picks.length;
          this.#topologyDirty = true;
          this.#emit(events, t, s.id, 'scale', `scale_out ${s.name} ${current}→${s.hosts.length}`, {
            from: String(current),
            to: String(s.hosts.length),
          });
        });
      }
      case 'clean_disk': {
        const host = this.#hosts[ref.idx] as HostModel;
        return ok(`cleaned the disk of ${target}`, () => {
          host.diskBase = Math.max(0.1, host.diskBase * 0.8);
          this.#emit(events, t, host.id, 'maintenance', `disk clean-up on ${host.name}`);
        });
      }
      case 'drain': {
        const h = ref.idx;
        const host = this.#hosts[h] as HostModel;
        const moves: { s: ServiceModel; k: number }[] = [];
        for (const s of this.#services) {
          s.hosts.forEach((x, k) => {
            if (x === h) moves.push({ s, k });
          });
        }
        const stores = [...this.#dbs, ...this.#queues].filter((d) => d.host === h);
        const needed = moves.length + stores.length;
        const pool = needed > 0 ? this.#pickHosts(needed, new Set([h]), h) : [];
        if (needed > 0 && pool.length === 0) return fail(`no host available to drain ${target} onto`);
        return ok(`drained ${target}: moved ${moves.length} replicas and ${stores.length} data services`, () => {
          let p = 0;
          for (const { s, k } of moves) {
            const others = new Set(s.hosts);
            const choice = pool.find((x) => !others.has(x)) ?? (pool[p % pool.length] as number);
            p += 1;
            s.hosts[k] = choice;
            s.restartsPending += 1;
            s.blipUntil = t + 2 * this.options.stepMs;
          }
          for (const d of stores) {
            d.host = pool[p % pool.length] as number;
            p += 1;
            d.blipUntil = t + this.options.stepMs;
          }
          host.drainedUntil = t + DRAIN_HOLD_MS;
          if (host.down) host.repairAt = t + RECOVERY_MS;
          this.#topologyDirty = true;
          this.#emit(
            events,
            t,
            host.id,
            'maintenance',
            `drain ${host.name}: moved ${moves.length} replicas, ${stores.length} data services`,
          );
        });
      }
      case 'failover': {
        const d = this.#store(ref);
        const pool = this.#pickHosts(1, new Set([d.host]), d.host);
        return ok(`failed ${target} over to its standby`, () => {
          if (pool.length > 0) d.host = pool[0] as number;
          d.blipUntil = t + this.options.stepMs;
          this.#topologyDirty = true;
          this.#emit(events, t, d.id, 'config', `failover ${d.name} to standby`);
        });
      }
    }
  }

  /** Up to `count` hosts for new placements: up, not drained, not `avoid`, least loaded first (index order on ties), avoiding `exclude` when possible. */
  #pickHosts(count: number, exclude: ReadonlySet<number>, avoid: number): number[] {
    const t = this.#t;
    const load = new Float64Array(this.#hosts.length);
    for (const s of this.#services) for (const h of s.hosts) load[h] = (load[h] as number) + 1;
    for (const d of [...this.#dbs, ...this.#queues]) load[d.host] = (load[d.host] as number) + 2;
    const ok = this.#hosts
      .map((_, i) => i)
      .filter((i) => i !== avoid && !(this.#hosts[i] as HostModel).down && (this.#hosts[i] as HostModel).drainedUntil <= t);
    const out: number[] = [];
    for (let k = 0; k < count && ok.length > 0; k++) {
      let best = -1;
      for (const i of ok) {
        if (out.includes(i) && ok.length > out.length) continue;
        const penalty = exclude.has(i) ? 1000 : 0;
        if (best < 0 || (load[i] as number) + penalty < (load[best] as number) + (exclude.has(best) ? 1000 : 0)) best = i;
      }
      if (best < 0) break;
      out.push(best);
      load[best] = (load[best] as number) + 1;
    }
    return out;
  }

  #currentTopology(): Topology {
    const prev = this.#topology;
    const relations: Relation[] = [];
    const entities = prev.entities.map((e) => {
      const ref = this.#index.get(e.id);
      if (ref?.kind === 'service') {
        const s = this.#services[ref.idx] as ServiceModel;
        return Object.freeze({ ...e, capacity: Object.freeze({ replicas: s.hosts.length }) });
      }
      return e;
    });
    for (const rel of prev.relations) if (rel.kind !== 'runs_on') relations.push(rel);
    for (const s of this.#services) {
      for (const h of new Set(s.hosts))
        relations.push(Object.freeze({ from: s.id, to: (this.#hosts[h] as HostModel).id, kind: 'runs_on' }));
    }
    for (const d of [...this.#dbs, ...this.#queues]) {
      relations.push(Object.freeze({ from: d.id, to: (this.#hosts[d.host] as HostModel).id, kind: 'runs_on' }));
    }
    return Object.freeze({ entities: Object.freeze(entities), relations: Object.freeze(relations) });
  }
}

function copyTruth(t: TruthState): FaultTruth {
  return { ...t, affected: [...t.affected] };
}

function bumpVersion(v: string): string {
  const parts = v.split('.').map((x) => Number.parseInt(x, 10));
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) return `${v}.1`;
  return `${parts[0]}.${parts[1]}.${(parts[2] as number) + 1}`;
}

/** Kahn's order over service depends_on (callers first). Throws `internal` on a cycle. */
function topologicalOrder(services: readonly ServiceModel[]): number[] {
  const indeg = services.map((s) => s.callers.length);
  const queue: number[] = [];
  indeg.forEach((d, i) => {
    if (d === 0) queue.push(i);
  });
  const out: number[] = [];
  while (queue.length > 0) {
    const i = queue.shift() as number;
    out.push(i);
    for (const d of (services[i] as ServiceModel).deps) {
      indeg[d] = (indeg[d] as number) - 1;
      if (indeg[d] === 0) queue.push(d);
    }
  }
  if (out.length !== services.length) throw new HomeostatError('internal', 'service depends_on graph has a cycle');
  return out;
}
