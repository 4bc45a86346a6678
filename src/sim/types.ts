/**
 * @module sim/types
 * The fleet simulator's public shapes: options, ticks of telemetry, fault ground truth and the
 * outcome of heal actions applied to the simulated fleet.
 */
import type { ActionKind, ChangeEvent, FaultKind } from '../records/types.js';
import type { Labels } from '../telemetry/types.js';

/** Size and seed of a simulated fleet. */
export interface SimOptions {
  readonly seed: number;
  /** Simulated start time (epoch ms); default 2026-01-05T00:00:00Z (a Monday). */
  readonly startMs: number;
  /** Sampling step (ms); default 60,000. */
  readonly stepMs: number;
  readonly services: number;
  readonly hosts: number;
  readonly databases: number;
  readonly queues: number;
  readonly loadBalancers: number;
}

/** One sampled value. */
export interface SimSample {
  readonly entityId: string;
  readonly metric: string;
  /** Series labels: always `entity`, plus resource labels such as `service`, `host`. */
  readonly labels: Labels;
  readonly v: number;
}

/** Everything the fleet emitted in one step. */
export interface SimTick {
  readonly t: number;
  readonly samples: readonly SimSample[];
  /** Deploys, restarts, scaling… that happened during this step (benign or not). */
  readonly events: readonly ChangeEvent[];
}

/** What to inject. Target and time are chosen by the seeded RNG when absent. */
export interface FaultSpec {
  readonly kind: FaultKind;
  readonly target?: string;
  readonly atMs?: number;
}

/** Exact ground truth of one injected fault. */
export interface FaultTruth {
  readonly id: string;
  readonly kind: FaultKind;
  /** Entity id of the root cause. */
  readonly rootCause: string;
  /** When symptoms start (epoch ms). */
  readonly onsetMs: number;
  /** When the fault turns into a failure (OOM crash, disk full, host down), if it does. */
  readonly failureMs?: number;
  /** When it ends by itself if nobody acts (e.g. a traffic surge), if it does. */
  readonly naturalEndMs?: number;
  /** Entities whose signals the fault moves (root cause first). */
  readonly affected: readonly string[];
  /** The action kind that fixes it when applied to the root cause. */
  readonly fix: ActionKind;
  readonly status: 'scheduled' | 'active' | 'fixed' | 'ended';
  readonly fixedAtMs?: number;
  readonly fixedBy?: ActionKind;
}

/** Outcome of an action applied to the simulated fleet. */
export interface SimApplyResult {
  /** Whether the action could be carried out at all (target exists, action fits its kind). */
  readonly ok: boolean;
  readonly message: string;
  /** Ids of faults this action fixed (empty for a wrong action). */
  readonly fixed: readonly string[];
}
