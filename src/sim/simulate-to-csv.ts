/**
 * @module sim/simulate-to-csv
 * Drives a simulator over a number of days and renders its output as long-format CSV
 * (`timestamp,entity,metric,value`, ISO-8601 UTC timestamps) plus a ground-truth JSON document
 * (options, topology, faults, change events). Pure: lines go to a sink the caller provides
 * (the `homeostat sim` command writes them to files).
 */
import { describe, invalid } from '../errors.js';
import type { ChangeEvent, FaultKind } from '../records/types.js';
import { FAULT_KINDS } from '../records/types.js';
import { FleetSimulator } from './fleet-simulator.js';
import { Rng, mixSeed } from './rng.js';
import type { SimOptions, SimTick } from './types.js';

/** Header line of the telemetry CSV. */
export const csvHeader = 'timestamp,entity,metric,value';

/** Header line of the change-events CSV. */
export const eventsCsvHeader = 'timestamp,entity,kind,detail';

const formatValue = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

/** The CSV lines (no header, no trailing newline) of one tick: one line per sample. */
export function csvLines(tick: SimTick): string[] {
  const ts = new Date(tick.t).toISOString();
  const out = new Array<string>(tick.samples.length);
  for (let i = 0; i < tick.samples.length; i++) {
    const s = tick.samples[i] as SimTick['samples'][number];
    out[i] = `${ts},${s.entityId},${s.metric},${formatValue(s.v)}`;
  }
  return out;
}

/** CSV lines of change events (`timestamp,entity,kind,detail`, detail quoted). */
export function eventCsvLines(events: readonly ChangeEvent[]): string[] {
  return events.map((e) => `${new Date(e.at).toISOString()},${e.entityId},${e.kind},"${e.detail.replace(/"/g, '""')}"`);
}

/** Ground truth as pretty JSON: `{ options, topology, faults, events }`. */
export function groundTruthJson(sim: FleetSimulator, events: readonly ChangeEvent[] = []): string {
  return JSON.stringify({ options: sim.options, topology: sim.topology, faults: sim.truth(), events }, null, 2);
}

/** What {@link simulateToCsv} and {@link createSimulation} run. */
export interface SimulateOptions {
  /** Simulated days (> 0, may be fractional; at most 366). */
  readonly days: number;
  readonly seed: number;
  /** Number of faults to inject (≥ 0), spread over 15 %–90 % of the run, kinds round-robin. */
  readonly faults: number;
  /** Fleet options other than the seed. */
  readonly options?: Partial<Omit<SimOptions, 'seed'>>;
  /** Fault kinds to draw from (default all). */
  readonly kinds?: readonly FaultKind[];
  /**
   * A simulated operator applies each fault's fix this long after its failure (or onset when it
   * has none): default 2 h. `Infinity` leaves faults unattended.
   */
  readonly operatorDelayMs?: number;
}

/** A prepared run: the simulator, the number of steps, and a generator of its ticks. */
export interface Simulation {
  readonly sim: FleetSimulator;
  readonly steps: number;
  /** Runs the simulation, injecting the planned faults and the operator's fixes as time passes. */
  ticks(): Generator<SimTick, void, void>;
}

/**
 * Validates `opts` and prepares a run. Faults are injected when their time comes (so targets
 * freed by the operator can be reused), each at a random time in its slot. Throws
 * `invalid_argument` on bad options.
 * @example for (const tick of createSimulation({ days: 1, seed: 7, faults: 4 }).ticks()) csvLines(tick);
 */
export function createSimulation(opts: SimulateOptions): Simulation {
  if (opts === null || typeof opts !== 'object') throw invalid(`simulation options must be an object (got ${describe(opts)})`);
  const { days, seed, faults } = opts;
  if (typeof days !== 'number' || !(days > 0) || days > 366) throw invalid(`days must be a number in (0, 366] (got ${describe(days)})`);
  if (!Number.isInteger(faults) || faults < 0) throw invalid(`faults must be a non-negative integer (got ${describe(faults)})`);
  const kinds = opts.kinds ?? FAULT_KINDS;
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => FAULT_KINDS.includes(k))) {
    throw invalid(`kinds must be a non-empty list of ${FAULT_KINDS.join(', ')} (got ${describe(kinds)})`);
  }
  const delay = opts.operatorDelayMs ?? 2 * 3_600_000;
  if (typeof delay !== 'number' || !(delay >= 0)) throw invalid(`operatorDelayMs must be ≥ 0 or Infinity (got ${describe(delay)})`);
  if (opts.options !== undefined && 'seed' in opts.options) throw invalid('pass the seed as seed, not inside options');
  const sim = new FleetSimulator({ ...opts.options, seed });
  const step = sim.options.stepMs;
  const steps = Math.max(1, Math.round((days * 86_400_000) / step));
  const start = sim.options.startMs;
  const span = steps * step;
  const from = start + 0.15 * span;
  const slot = (0.75 * span) / Math.max(1, faults);
  if (faults > 0 && slot < step) throw invalid(`too many faults (${faults}) for ${days} days: at most one per step`);
  const r = new Rng(mixSeed(seed, 5));
  const plan = Array.from({ length: faults }, (_, i) => ({
    kind: kinds[i % kinds.length] as FaultKind,
    atMs: start + Math.ceil((from + i * slot + r.uniform(0, 0.6 * slot) - start) / step) * step,
  }));

  function* ticks(): Generator<SimTick, void, void> {
    let next = 0;
    for (let k = 0; k < steps; k++) {
      const now = sim.now();
      while (next < plan.length && (plan[next] as (typeof plan)[number]).atMs <= now) {
        sim.inject(plan[next] as (typeof plan)[number]);
        next += 1;
      }
      if (Number.isFinite(delay)) {
        for (const f of sim.activeFaults()) {
          if ((f.failureMs ?? f.onsetMs) + delay <= now) sim.apply({ kind: f.fix, target: f.rootCause });
        }
      }
      yield sim.step();
    }
  }
  return { sim, steps, ticks };
}

/** Where {@link simulateToCsv} writes: telemetry lines and change-event lines (each without newline). */
export interface CsvSink {
  writeTelemetry(lines: readonly string[]): void;
  writeEvents(lines: readonly string[]): void;
}

/**
 * Runs a whole simulation into `sink` (headers first) and returns the ground-truth JSON.
 * Throws `invalid_argument` on bad options (see {@link createSimulation}).
 */
export function simulateToCsv(opts: SimulateOptions, sink: CsvSink): string {
  const run = createSimulation(opts);
  const events: ChangeEvent[] = [];
  sink.writeTelemetry([csvHeader]);
  sink.writeEvents([eventsCsvHeader]);
  for (const tick of run.ticks()) {
    sink.writeTelemetry(csvLines(tick));
    if (tick.events.length > 0) {
      events.push(...tick.events);
      sink.writeEvents(eventCsvLines(tick.events));
    }
  }
  return groundTruthJson(run.sim, events);
}
