/**
 * @module engine/sim-driver
 * Drives the engine from the fleet simulator in simulated time: each step samples the fleet,
 * ingests the samples as telemetry, records its change events, moves the clock and runs the
 * engine's time-driven work. Deterministic under the simulator's seed.
 */
import type { ManualClock } from '../clock.js';
import type { Anomaly, Incident } from '../records/types.js';
import type { FaultTruth, FleetSimulator } from '../sim/index.js';
import type { Store } from '../store/store.js';
import type { Engine } from './engine.js';
import type { IngestSeries } from './handle.js';

/** Options of the driver. */
export interface SimDriverOptions {
  /**
   * A simulated on-call person applies each fault's right fix this long after the fault fails
   * (or starts, when it has no failure time), if it is still active: what happens to incidents the
   * engine escalates or misses. Default: nobody (faults stay until the engine fixes them).
   */
  readonly operatorDelayMs?: number;
  /**
   * The simulated on-call person also labels what the engine said, from the ground truth, this
   * long after it said it: every anomaly a true positive when it is on an entity a fault moves or
   * part of an incident that belongs to a fault (the loop bench's matching rule), else a false
   * positive; every finished incident that belongs to a fault its root cause (incidents that
   * belong to none are left unlabelled). The
   * labels go through `Engine.feedback` with source `simulator`, as an operator's would.
   * Needs `store` (to read what the engine raised). Default: no labels.
   */
  readonly labels?: { readonly delayMs: number; readonly store: Store };
}

/** A fault is "around" a time from 10 min before its onset to 30 min after it ended (the loop bench's rule). */
const BEFORE_MS = 10 * 60_000;
const AFTER_MS = 30 * 60_000;
/** The person labels in rounds, this often (simulated time). */
const LABEL_EVERY_MS = 10 * 60_000;

/** Steps the simulator and feeds the engine. */
export class SimDriver {
  readonly #engine: Engine;
  readonly #sim: FleetSimulator;
  readonly #clock: ManualClock;
  readonly #labels = new Map<string, IngestSeries['labels']>();
  #topology: FleetSimulator['topology'];
  readonly #operatorDelayMs: number;
  readonly #operatorFixed = new Set<string>();
  readonly #labeller?: { readonly delayMs: number; readonly store: Store };
  #labelledUntil = Number.NEGATIVE_INFINITY;
  readonly #labelled = new Set<string>();
  #labelCount = 0;
  #steps = 0;

  constructor(engine: Engine, sim: FleetSimulator, clock: ManualClock, options: SimDriverOptions = {}) {
    this.#engine = engine;
    this.#sim = sim;
    this.#clock = clock;
    this.#operatorDelayMs = options.operatorDelayMs ?? Number.POSITIVE_INFINITY;
    if (options.labels !== undefined) this.#labeller = options.labels;
    this.#topology = sim.topology;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Labels the simulated on-call person gave so far. */
  get labelsGiven(): number {
    return this.#labelCount;
  }

  /** Ids of faults the simulated on-call person fixed (not the engine). */
  get operatorFixed(): ReadonlySet<string> {
    return this.#operatorFixed;
  }

  /** Advances the fleet by one step and runs the loop on what it emitted. */
  async step(): Promise<void> {
    if (Number.isFinite(this.#operatorDelayMs)) {
      const now = this.#sim.now();
      for (const f of this.#sim.activeFaults()) {
        if ((f.failureMs ?? f.onsetMs) + this.#operatorDelayMs > now) continue;
        const r = this.#sim.apply({ kind: f.fix, target: f.rootCause });
        for (const id of r.fixed) this.#operatorFixed.add(id);
      }
    }
    const tick = this.#sim.step();
    this.#clock.set(tick.t);
    const series: IngestSeries[] = [];
    for (const s of tick.samples) {
      const key = `${s.entityId}|${s.metric}`;
      let labels = this.#labels.get(key);
      if (labels === undefined) {
        labels = s.labels;
        this.#labels.set(key, labels);
      }
      series.push({ metric: s.metric, labels, entity: s.entityId, points: [{ t: tick.t, v: s.v }] });
    }
    await this.#engine.recordEvents(tick.events);
    await this.#engine.ingest(series);
    await this.#engine.tick();
    const topology = this.#sim.topology;
    if (topology !== this.#topology) {
      this.#topology = topology;
      await this.#engine.syncTopology(topology);
    }
    if (this.#labeller !== undefined && tick.t - this.#labelledUntil >= LABEL_EVERY_MS + this.#labeller.delayMs) {
      await this.#label(tick.t - this.#labeller.delayMs);
    }
    this.#steps++;
  }

  /** Labels what the engine said before `untilMs` and has not been labelled yet. */
  async #label(untilMs: number): Promise<void> {
    const labels = this.#labeller;
    if (labels === undefined) return;
    const fromMs = Number.isFinite(this.#labelledUntil) ? this.#labelledUntil - 6 * 3600_000 : untilMs - 86_400_000;
    this.#labelledUntil = untilMs;
    const truth = this.#sim.truth();
    const around = (f: FaultTruth, at: number): boolean =>
      at >= f.onsetMs - BEFORE_MS &&
      at <= (f.fixedAtMs ?? f.naturalEndMs ?? Number.POSITIVE_INFINITY) + AFTER_MS &&
      f.status !== 'scheduled';
    const anomalies = (await labels.store.listAnomalies({ fromMs, toMs: untilMs, limit: 10_000 })).filter((a) => !this.#labelled.has(a.id));
    const incidentFault = new Map<string, boolean>();
    for (const a of anomalies.sort((x, y) => x.at - y.at)) {
      this.#labelled.add(a.id);
      // Real when it is a symptom of a fault: on an entity the fault moves, or part of an incident
      // that belongs to a fault (a surge also loads what the truth does not list, e.g. its callers).
      let real = truth.some((f) => f.affected.includes(a.entityId) && around(f, a.at));
      if (!real && a.incidentId !== undefined) {
        let belongs = incidentFault.get(a.incidentId);
        if (belongs === undefined) {
          const inc = await labels.store.getIncident(a.incidentId);
          belongs = inc !== undefined && faultOf(inc, truth, around) !== undefined;
          incidentFault.set(a.incidentId, belongs);
        }
        real = belongs;
      }
      await this.#give(a, real);
    }
    const incidents = await labels.store.listIncidents({ fromMs, toMs: untilMs, limit: 10_000 });
    for (const inc of incidents) {
      if ((inc.status !== 'resolved' && inc.status !== 'escalated') || this.#labelled.has(inc.id)) continue;
      const fault = faultOf(inc, truth, around);
      this.#labelled.add(inc.id);
      if (fault === undefined) continue;
      await this.#engine.feedback({
        subjectType: 'incident',
        subjectId: inc.id,
        label: 'root_cause',
        value: fault.rootCause,
        source: 'simulator',
      });
      this.#labelCount++;
    }
  }

  async #give(a: Anomaly, real: boolean): Promise<void> {
    await this.#engine.feedback({
      subjectType: 'anomaly',
      subjectId: a.id,
      label: real ? 'true_positive' : 'false_positive',
      source: 'simulator',
    });
    this.#labelCount++;
  }

  /** Runs `steps` steps, calling `onStep` after each (for progress). */
  async run(steps: number, onStep?: (done: number) => void): Promise<void> {
    for (let i = 0; i < steps; i++) {
      await this.step();
      onStep?.(i + 1);
    }
  }
}

/** The fault an incident belongs to: around its opening, on one of its entities, its root cause first. */
function faultOf(inc: Incident, truth: readonly FaultTruth[], around: (f: FaultTruth, at: number) => boolean): FaultTruth | undefined {
  let best: FaultTruth | undefined;
  let fit = 0;
  for (const f of truth) {
    if (!around(f, inc.openedAt)) continue;
    const overlap = inc.entities.filter((e) => f.affected.includes(e)).length;
    if (overlap === 0) continue;
    const score = (inc.entities.includes(f.rootCause) ? 1000 : 0) + overlap / inc.entities.length;
    if (score > fit) {
      fit = score;
      best = f;
    }
  }
  return best;
}
