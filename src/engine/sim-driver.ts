/**
 * @module engine/sim-driver
 * Drives the engine from the fleet simulator in simulated time: each step samples the fleet,
 * ingests the samples as telemetry, records its change events, moves the clock and runs the
 * engine's time-driven work. Deterministic under the simulator's seed.
 */
import type { ManualClock } from '../clock.js';
import type { FleetSimulator } from '../sim/index.js';
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
}

/** Steps the simulator and feeds the engine. */
export class SimDriver {
  readonly #engine: Engine;
  readonly #sim: FleetSimulator;
  readonly #clock: ManualClock;
  readonly #labels = new Map<string, IngestSeries['labels']>();
  #topology: FleetSimulator['topology'];
  readonly #operatorDelayMs: number;
  readonly #operatorFixed = new Set<string>();
  #steps = 0;

  constructor(engine: Engine, sim: FleetSimulator, clock: ManualClock, options: SimDriverOptions = {}) {
    this.#engine = engine;
    this.#sim = sim;
    this.#clock = clock;
    this.#operatorDelayMs = options.operatorDelayMs ?? Number.POSITIVE_INFINITY;
    this.#topology = sim.topology;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#steps;
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
    this.#steps++;
  }

  /** Runs `steps` steps, calling `onStep` after each (for progress). */
  async run(steps: number, onStep?: (done: number) => void): Promise<void> {
    for (let i = 0; i < steps; i++) {
      await this.step();
      onStep?.(i + 1);
    }
  }
}
