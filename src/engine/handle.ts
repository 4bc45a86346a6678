/**
 * @module engine/handle
 * What the outside (API, CLI) may ask of a running engine. Reads of stored records go to the
 * Store directly; everything that changes the engine goes through this handle.
 */
import type { ChangeEvent, Feedback } from '../records/types.js';
import type { Labels, Point } from '../telemetry/types.js';
import type { Entity, EntityState, Relation } from '../twin/types.js';

/** Points for one series, as received from outside. */
export interface IngestSeries {
  readonly metric: string;
  readonly labels: Labels;
  /** Entity id this series describes; derived from labels (entity, service.name, host.name…) if absent. */
  readonly entity?: string;
  readonly points: readonly Point[];
}

/** Outcome of an ingest call: how many points were accepted and why others were not. */
export interface IngestResult {
  readonly accepted: number;
  readonly rejected: number;
  /** One line per rejected point or series, at most 20. */
  readonly errors: readonly string[];
}

/** Guardrail switches an operator can flip at run time. */
export interface EngineSwitches {
  /** When on, no action is executed (decisions still made and logged, as escalations). */
  readonly killSwitch: boolean;
  /** When on, actions are dry-run only. */
  readonly dryRun: boolean;
}

/** A snapshot of the engine for health pages. */
export interface EngineStatus extends EngineSwitches {
  readonly startedAt: number;
  /** The engine's current time (simulated when the simulator drives it). */
  readonly now: number;
  readonly simulated: boolean;
  readonly speed: number;
  readonly series: number;
  readonly entities: number;
  readonly pointsIngested: number;
  readonly pointsDropped: number;
  readonly anomalies: number;
  readonly openIncidents: number;
  readonly decisions: number;
  readonly actions: number;
}

/** The twin as the API shows it. */
export interface TwinView {
  readonly entities: readonly Entity[];
  readonly relations: readonly Relation[];
  readonly states: readonly EntityState[];
}

/** Control surface of a running engine. */
export interface EngineHandle {
  /** Validated points in; anomalies may be raised before it resolves. */
  ingest(series: readonly IngestSeries[]): Promise<IngestResult>;
  /** Records changes and external alerts (deploys, config changes, Alertmanager alerts) as events on the twin: evidence for incidents and RCA. */
  recordEvents(events: readonly ChangeEvent[]): Promise<void>;
  /** Records operator feedback and applies it (e.g. a confirmed root cause). */
  feedback(feedback: Omit<Feedback, 'id' | 'at'>): Promise<Feedback>;
  twin(): TwinView;
  status(): EngineStatus;
  setSwitches(patch: Partial<EngineSwitches>): EngineSwitches;
  /** True once the store is migrated, the models are restored and any replay of history is over. */
  ready(): boolean;
}
