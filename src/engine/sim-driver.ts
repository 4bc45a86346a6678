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

/** Steps the simulator and feeds the engine. */
export class SimDriver {
  readonly #engine: Engine;
  readonly #sim: FleetSimulator;
  readonly #clock: ManualClock;
  readonly #labels = new Map<string, IngestSeries['labels']>();
  #steps = 0;

  constructor(engine: Engine, sim: FleetSimulator, clock: ManualClock) {
    this.#engine = engine;
    this.#sim = sim;
    this.#clock = clock;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Advances the fleet by one step and runs the loop on what it emitted. */
  async step(): Promise<void> {
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
