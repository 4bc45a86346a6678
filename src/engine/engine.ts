/**
 * @module engine/engine
 * The loop, wired end to end: telemetry → detect → correlate into incidents → predict → rank root
 * causes → decide → heal → verify → feedback. Each stage listens to the bus for the events of the
 * stage before it, so a distributed bus can later split the stages across workers. Time-driven work
 * (incident settling, verification, prediction schedules, state snapshots) runs in {@link Engine.tick},
 * called by the driver (the simulator runner, or a wall-clock timer with real telemetry).
 *
 * Every decision — an anomaly raised, a prediction stored, a root cause ranked, an action taken or
 * an escalation, a verification — leaves one row in the append-only decision log with its inputs,
 * model, output, confidence, explanation and latency.
 */
import { performance } from 'node:perf_hooks';
import type { Bus } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { type DecideResult, decide, DECIDE_MODEL, type Policy } from '../decide/index.js';
import { describe as describeValue, HomeostatError, invalid } from '../errors.js';
import type { ExecutorSet } from '../heal/index.js';
import {
  type Calibrator,
  type Detector,
  type FailureHeuristic,
  type FailureHeuristicConfig,
  failureHeuristicSpec,
  type Forecaster,
  logisticCalibratorSpec,
  type RobustZConfig,
  robustZSpec,
  type SeasonalNaiveConfig,
  seasonalNaiveSpec,
} from '../models/index.js';
import { RCA_MODEL, rankRootCauses } from '../rca/index.js';
import type {
  Action,
  Anomaly,
  Attribution,
  ChangeEvent,
  Decision,
  DecisionKind,
  Feedback,
  Hypothesis,
  Incident,
  ModelRef,
  Prediction,
} from '../records/types.js';
import type { ModelStateRecord, Store } from '../store/index.js';
import { CAPACITY_METRICS, METRICS } from '../telemetry/metrics.js';
import { canonicalSeries, seriesId, sortLabels } from '../telemetry/series-id.js';
import type { Point, SeriesRecord } from '../telemetry/types.js';
import type { Twin } from '../twin/index.js';
import type { EngineConfig } from './config.js';
import type { EngineHandle, EngineStatus, EngineSwitches, IngestResult, IngestSeries, TwinView } from './handle.js';

/** Model settings of the engine: which spec and config for each role. */
export interface EngineModels {
  readonly detector: RobustZConfig;
  readonly calibrator: { readonly center: number; readonly width: number };
  readonly forecaster: SeasonalNaiveConfig;
  readonly failureRisk: FailureHeuristicConfig;
}

/** What the engine is built from. The composition root (CLI `up`, benchmark) wires these. */
export interface EngineDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly twin: Twin;
  readonly clock: Clock;
  readonly executors: ExecutorSet;
  readonly policy: Policy;
  readonly config: EngineConfig;
  readonly models?: Partial<EngineModels>;
  readonly switches?: Partial<EngineSwitches>;
  /** Shown in status: whether a simulator drives the clock, and its speed factor. */
  readonly simulated?: { readonly speed: number };
  /** Called with every failure the loop survives (a bad point, a failed handler). */
  readonly onError?: (error: unknown, where: string) => void;
  /** Prefix of generated record ids, unique per engine run (the composition root passes one). */
  readonly idPrefix?: string;
}

interface OpenAnomaly {
  readonly id: string;
  readonly at: number;
  readonly expected: number;
  readonly scale: number;
  readonly direction: 'up' | 'down';
}

interface SeriesRuntime {
  readonly record: SeriesRecord;
  readonly detector: Detector;
  readonly forecaster?: Forecaster;
  hits: number;
  normalRun: number;
  open?: OpenAnomaly;
  lastRaisedAt: number;
  lastT: number;
  readonly recent: number[];
}

interface IncidentRuntime {
  incident: Incident;
  lastAnomalyAt: number;
  attempts: number;
  /** Entity ids whose hypotheses were tried and failed verification. */
  readonly ruledOut: Set<string>;
  pendingAction?: Action;
  verifyAt?: number;
  /** Series ids with anomalies in this incident, with their pre-incident baseline. */
  readonly baselines: Map<string, OpenAnomaly>;
}

const RECENT_POINTS = 5;
const DETECTOR_KEY = 'detector:';
const FORECASTER_KEY = 'forecaster:';
const FEATURES_KEY = 'features:';
const RISK_ENTITY_KINDS = new Set(['host', 'service', 'database', 'queue']);

/** The Homeostat engine. Implements the control surface the API uses. */
export class Engine implements EngineHandle {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #twin: Twin;
  readonly #clock: Clock;
  readonly #executors: ExecutorSet;
  readonly #policy: Policy;
  readonly #config: EngineConfig;
  readonly #models: EngineModels;
  readonly #calibrator: Calibrator;
  readonly #detectorModel: ModelRef;
  readonly #onError: (error: unknown, where: string) => void;
  readonly #simulated: { readonly speed: number } | undefined;
  #switches: EngineSwitches;

  readonly #series = new Map<string, SeriesRuntime>();
  readonly #seriesByKey = new Map<string, string>();
  readonly #features = new Map<string, FailureHeuristic>();
  readonly #incidents = new Map<string, IncidentRuntime>();
  readonly #recentEvents: ChangeEvent[] = [];
  readonly #actionTimes: number[] = [];
  readonly #restored = new Map<string, ModelStateRecord>();
  readonly #unsubscribe: (() => void)[] = [];
  #ready = false;
  #startedAt = 0;
  #idBase: string;
  #idCounter = 0;
  #nextFailureAt = 0;
  #nextDemandAt = 0;
  #nextSaveAt = 0;
  #nextPruneAt = 0;
  #counts = { pointsIngested: 0, pointsDropped: 0, anomalies: 0, decisions: 0, actions: 0 };

  constructor(deps: EngineDeps) {
    this.#store = deps.store;
    this.#bus = deps.bus;
    this.#twin = deps.twin;
    this.#clock = deps.clock;
    this.#executors = deps.executors;
    this.#policy = deps.policy;
    this.#config = deps.config;
    this.#simulated = deps.simulated;
    this.#onError = deps.onError ?? (() => {});
    this.#idBase = deps.idPrefix ?? deps.clock.now().toString(36);
    this.#models = {
      detector: robustZSpec.parse(deps.models?.detector ?? {}),
      calibrator: logisticCalibratorSpec.parse(deps.models?.calibrator ?? {}),
      forecaster: seasonalNaiveSpec.parse(deps.models?.forecaster ?? {}),
      failureRisk: failureHeuristicSpec.parse(deps.models?.failureRisk ?? {}),
    };
    this.#calibrator = logisticCalibratorSpec.create(this.#models.calibrator);
    this.#detectorModel = { kind: robustZSpec.kind, version: String(robustZSpec.version) };
    this.#switches = { killSwitch: deps.switches?.killSwitch ?? false, dryRun: deps.switches?.dryRun ?? false };
  }

  /**
   * Loads the twin and saved model states from the store, subscribes the stages to the bus and
   * marks the engine ready. Call once before ingesting.
   */
  async start(): Promise<void> {
    this.#startedAt = this.#clock.now();
    await this.#store.upsertEntities(this.#twin.entities());
    await this.#store.upsertRelations(this.#twin.relations());
    for (const prefix of [DETECTOR_KEY, FORECASTER_KEY, FEATURES_KEY]) {
      for (const rec of await this.#store.loadModelStates(prefix)) this.#restored.set(rec.key, rec);
    }
    for (const incident of await this.#store.listIncidents({ limit: 1000 })) {
      if (incident.status === 'open' || incident.status === 'remediating' || incident.status === 'verifying') {
        this.#incidents.set(incident.id, {
          incident,
          lastAnomalyAt: incident.updatedAt,
          attempts: 0,
          ruledOut: new Set(),
          baselines: new Map(),
        });
      }
    }
    this.#unsubscribe.push(
      this.#bus.subscribe('telemetry.points.>', (e) => (e.type === 'telemetry.points' ? this.#detect(e.series, e.points) : undefined)),
      this.#bus.subscribe('anomaly.raised.>', (e) => (e.type === 'anomaly.raised' ? this.#correlate(e.anomaly) : undefined)),
      this.#bus.subscribe('prediction.made.>', (e) => (e.type === 'prediction.made' ? this.#attachPrediction(e.prediction) : undefined)),
      this.#bus.subscribe('change.recorded.>', (e) => (e.type === 'change.recorded' ? this.#remember(e.event) : undefined)),
    );
    const now = this.#clock.now();
    this.#nextFailureAt = now + this.#config.predict.failureEveryMs;
    this.#nextDemandAt = now + this.#config.predict.demandEveryMs;
    this.#nextSaveAt = now + this.#config.saveStateEveryMs;
    this.#nextPruneAt = now + 3600_000;
    this.#ready = true;
  }

  /** Saves model states and unsubscribes. The store and bus stay open (their owner closes them). */
  async stop(): Promise<void> {
    if (!this.#ready) return;
    await this.saveStates();
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#ready = false;
  }

  ready(): boolean {
    return this.#ready;
  }

  // ---------------------------------------------------------------- ingest

  async ingest(series: readonly IngestSeries[]): Promise<IngestResult> {
    if (!this.#ready) throw new HomeostatError('unavailable', 'engine is not started yet; retry shortly');
    const errors: string[] = [];
    let accepted = 0;
    let rejected = 0;
    const note = (msg: string): void => {
      if (errors.length < 20) errors.push(msg);
    };
    const batches: { record: SeriesRecord; points: Point[] }[] = [];
    const newSeries: SeriesRecord[] = [];
    for (const [i, s] of series.entries()) {
      const record = this.#resolveSeries(s, newSeries);
      if (typeof record === 'string') {
        rejected += s.points.length;
        note(`series[${i}] (${s.metric}): ${record}`);
        continue;
      }
      const good: Point[] = [];
      for (const [j, p] of s.points.entries()) {
        if (!Number.isFinite(p.t) || !Number.isInteger(p.t) || p.t < 0) {
          rejected++;
          note(`series[${i}].points[${j}].t must be epoch milliseconds, a non-negative integer (got ${describeValue(p.t)})`);
        } else if (!Number.isFinite(p.v)) {
          rejected++;
          note(`series[${i}].points[${j}].v must be a finite number (got ${describeValue(p.v)})`);
        } else good.push(p);
      }
      if (good.length === 0) continue;
      good.sort((a, b) => a.t - b.t);
      batches.push({ record, points: good });
      accepted += good.length;
    }
    if (newSeries.length > 0) {
      const entities = [...new Set(newSeries.map((s) => s.entityId))].map((id) => this.#twin.entity(id)).filter((e) => e !== undefined);
      await this.#store.upsertEntities(entities);
      await this.#store.upsertSeries(newSeries);
    }
    if (this.#config.persistPoints && batches.length > 0) {
      await this.#store.appendPoints(batches.flatMap((b) => b.points.map((p) => ({ seriesId: b.record.id, t: p.t, v: p.v }))));
    }
    for (const b of batches) {
      await this.#bus.publish({ type: 'telemetry.points', entity: b.record.entityId, series: b.record, points: b.points });
    }
    this.#counts.pointsIngested += accepted;
    this.#counts.pointsDropped += rejected;
    return { accepted, rejected, errors };
  }

  /** Records change events (deploys, restarts…) as evidence for root-cause ranking. */
  async recordEvents(events: readonly ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#store.insertEvents(events);
    for (const e of events) await this.#bus.publish({ type: 'change.recorded', entity: e.entityId, event: e });
  }

  #resolveSeries(s: IngestSeries, created: SeriesRecord[]): SeriesRecord | string {
    if (typeof s.metric !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(s.metric)) {
      return `metric must match [a-zA-Z_:][a-zA-Z0-9_:]* (got ${describeValue(s.metric)})`;
    }
    const labels = sortLabels(s.labels ?? {});
    const key = canonicalSeries({ metric: s.metric, labels });
    const known = this.#seriesByKey.get(key);
    if (known !== undefined) {
      const rt = this.#series.get(known);
      if (rt !== undefined) return rt.record;
    }
    let entityId = s.entity;
    if (entityId !== undefined) {
      if (this.#twin.entity(entityId) === undefined) {
        const made = this.#twin.ensureFromLabels({ entity: entityId });
        if (made === undefined) return `entity ${describeValue(entityId)} is not a valid entity id`;
        entityId = made;
      }
    } else {
      entityId = this.#twin.ensureFromLabels(labels);
    }
    if (entityId === undefined) {
      return 'no entity: give "entity" or a label such as entity, service.name, host.name, k8s.pod.name or instance';
    }
    const record: SeriesRecord = { id: seriesId({ metric: s.metric, labels }), metric: s.metric, labels, entityId };
    this.#seriesByKey.set(key, record.id);
    this.#series.set(record.id, this.#makeRuntime(record));
    created.push(record);
    return record;
  }

  #makeRuntime(record: SeriesRecord): SeriesRuntime {
    const det = this.#restored.get(DETECTOR_KEY + record.id);
    const detector =
      det && det.kind === robustZSpec.kind && det.version === robustZSpec.version
        ? robustZSpec.create(this.#models.detector, det.state)
        : robustZSpec.create(this.#models.detector);
    let forecaster: Forecaster | undefined;
    const entity = this.#twin.entity(record.entityId);
    if (entity?.kind === 'service' && (CAPACITY_METRICS as readonly string[]).includes(record.metric)) {
      const f = this.#restored.get(FORECASTER_KEY + record.id);
      forecaster =
        f && f.kind === seasonalNaiveSpec.kind && f.version === seasonalNaiveSpec.version
          ? seasonalNaiveSpec.create(this.#models.forecaster, f.state)
          : seasonalNaiveSpec.create(this.#models.forecaster);
    }
    return {
      record,
      detector,
      ...(forecaster ? { forecaster } : {}),
      hits: 0,
      normalRun: 0,
      lastRaisedAt: Number.NEGATIVE_INFINITY,
      lastT: Number.NEGATIVE_INFINITY,
      recent: [],
    };
  }

  // ---------------------------------------------------------------- detect

  async #detect(record: SeriesRecord, points: readonly Point[]): Promise<void> {
    const rt = this.#series.get(record.id);
    if (rt === undefined) return;
    const features = this.#featuresOf(record.entityId);
    const { alert } = this.#config;
    for (const p of points) {
      if (p.t <= rt.lastT) continue;
      rt.lastT = p.t;
      this.#twin.observe(record.entityId, record.metric, p.t, p.v);
      features?.learn(record.metric, p);
      rt.forecaster?.learn(p);
      rt.recent.push(p.v);
      if (rt.recent.length > RECENT_POINTS) rt.recent.shift();

      const started = performance.now();
      const s = rt.detector.score(p);
      const frozen = rt.open !== undefined && p.t - rt.open.at < alert.maxFreezeMs;
      if (!frozen) rt.detector.learn(p);
      if (s === undefined) continue;
      const confidence = this.#calibrator.calibrate(s.raw);
      if (confidence >= alert.minConfidence) {
        rt.hits++;
        rt.normalRun = 0;
      } else {
        rt.hits = 0;
        rt.normalRun++;
      }
      if (rt.open !== undefined && rt.normalRun >= alert.clearPoints) {
        await this.#closeAnomaly(rt, p.t);
        continue;
      }
      const due = rt.open === undefined || p.t - rt.lastRaisedAt >= alert.renotifyMs;
      if (rt.hits >= alert.consecutivePoints && due) {
        await this.#raise(rt, p, s.raw, s.expected, confidence, s.contributors, performance.now() - started);
      }
    }
  }

  async #raise(
    rt: SeriesRuntime,
    p: Point,
    raw: number,
    expected: number,
    confidence: number,
    contributors: readonly Attribution[],
    latencyMs: number,
  ): Promise<void> {
    const direction = p.v >= expected ? 'up' : 'down';
    const scale = raw > 0 ? Math.abs(p.v - expected) / raw : 0;
    const { record } = rt;
    const anomaly: Anomaly = {
      id: this.#id('an'),
      seriesId: record.id,
      entityId: record.entityId,
      metric: record.metric,
      at: p.t,
      score: raw,
      confidence,
      expected,
      actual: p.v,
      direction,
      model: this.#detectorModel,
      contributors,
      explanation: `${record.metric} on ${record.entityId} is ${fmt(p.v)}, ${direction === 'up' ? 'above' : 'below'} the expected ${fmt(expected)} by ${fmt(raw)} robust σ for ${rt.hits} points`,
      status: 'open',
    };
    if (rt.open === undefined) rt.open = { id: anomaly.id, at: p.t, expected, scale, direction };
    rt.lastRaisedAt = p.t;
    this.#counts.anomalies++;
    this.#twin.setAnomaly(record.entityId, anomaly.id, true, p.t);
    this.#features.get(record.entityId)?.noteAnomaly(p.t);
    await this.#store.insertAnomalies([anomaly]);
    await this.#log('detect', anomaly.id, this.#detectorModel, { seriesId: record.id, t: p.t, v: p.v, recent: [...rt.recent] }, { raw, expected, direction }, confidence, anomaly.explanation, latencyMs);
    await this.#bus.publish({ type: 'anomaly.raised', entity: record.entityId, anomaly });
  }

  async #closeAnomaly(rt: SeriesRuntime, t: number): Promise<void> {
    const open = rt.open;
    if (open === undefined) return;
    rt.open = undefined;
    rt.hits = 0;
    this.#twin.setAnomaly(rt.record.entityId, open.id, false, t);
    const others = await this.#store.listAnomalies({ seriesId: rt.record.id, status: 'open', limit: 1000 });
    for (const a of others) {
      await this.#store.updateAnomaly(a.id, { status: 'closed' });
      this.#twin.setAnomaly(rt.record.entityId, a.id, false, t);
    }
  }

  // ---------------------------------------------------------------- correlate

  async #correlate(anomaly: Anomaly): Promise<void> {
    const target = this.#findIncident(anomaly.entityId, anomaly.at);
    const rt = this.#series.get(anomaly.seriesId);
    const baseline = rt?.open;
    if (target !== undefined) {
      const inc = target.incident;
      const entities = inc.entities.includes(anomaly.entityId) ? inc.entities : [...inc.entities, anomaly.entityId];
      target.incident = {
        ...inc,
        entities,
        anomalyIds: [...inc.anomalyIds, anomaly.id],
        severity: severityOf(entities.length, Math.max(anomaly.confidence, 0)),
        updatedAt: anomaly.at,
      };
      target.lastAnomalyAt = anomaly.at;
      if (baseline && !target.baselines.has(anomaly.seriesId)) target.baselines.set(anomaly.seriesId, baseline);
      await this.#store.upsertIncident(target.incident);
      await this.#store.updateAnomaly(anomaly.id, { incidentId: inc.id });
      return;
    }
    const incident: Incident = {
      id: this.#id('inc'),
      title: `${anomaly.metric} ${anomaly.direction === 'up' ? 'high' : 'low'} on ${anomaly.entityId}`,
      status: 'open',
      severity: severityOf(1, anomaly.confidence),
      openedAt: anomaly.at,
      updatedAt: anomaly.at,
      entities: [anomaly.entityId],
      anomalyIds: [anomaly.id],
      predictionIds: [],
      hypotheses: [],
    };
    const runtime: IncidentRuntime = { incident, lastAnomalyAt: anomaly.at, attempts: 0, ruledOut: new Set(), baselines: new Map() };
    if (baseline) runtime.baselines.set(anomaly.seriesId, baseline);
    this.#incidents.set(incident.id, runtime);
    await this.#store.upsertIncident(incident);
    await this.#store.updateAnomaly(anomaly.id, { incidentId: incident.id });
    await this.#bus.publish({ type: 'incident.opened', entity: anomaly.entityId, incident });
  }

  #findIncident(entityId: string, t: number): IncidentRuntime | undefined {
    const near = this.#twin.neighbourhood(entityId, this.#config.incident.hops);
    let best: IncidentRuntime | undefined;
    for (const rt of this.#incidents.values()) {
      const { status } = rt.incident;
      if (status === 'resolved' || status === 'escalated') continue;
      if (t - rt.lastAnomalyAt > this.#config.incident.correlationWindowMs) continue;
      if (!rt.incident.entities.some((e) => near.has(e))) continue;
      if (best === undefined || rt.lastAnomalyAt > best.lastAnomalyAt) best = rt;
    }
    return best;
  }

  async #attachPrediction(prediction: Prediction): Promise<void> {
    for (const rt of this.#incidents.values()) {
      const { status } = rt.incident;
      if (status === 'resolved' || status === 'escalated') continue;
      if (!rt.incident.entities.includes(prediction.entityId)) continue;
      rt.incident = { ...rt.incident, predictionIds: [...rt.incident.predictionIds, prediction.id], updatedAt: prediction.at };
      await this.#store.upsertIncident(rt.incident);
    }
  }

  #remember(event: ChangeEvent): void {
    this.#recentEvents.push(event);
    const horizon = event.at - 6 * 3600_000;
    while (this.#recentEvents.length > 0 && (this.#recentEvents[0]?.at ?? 0) < horizon) this.#recentEvents.shift();
  }

  // ---------------------------------------------------------------- time-driven work

  /**
   * Runs the work that is due at the clock's current time: incidents that have settled get root
   * causes and a decision, executed actions get verified, predictions and state snapshots run on
   * their schedules. Call after every batch of telemetry (simulator) or on a timer (real time).
   */
  async tick(): Promise<void> {
    if (!this.#ready) return;
    const now = this.#clock.now();
    for (const rt of [...this.#incidents.values()]) {
      try {
        await this.#advanceIncident(rt, now);
      } catch (error) {
        this.#onError(error, `incident ${rt.incident.id}`);
      }
    }
    if (now >= this.#nextFailureAt) {
      this.#nextFailureAt = now + this.#config.predict.failureEveryMs;
      await this.#predictFailures(now);
    }
    if (now >= this.#nextDemandAt) {
      this.#nextDemandAt = now + this.#config.predict.demandEveryMs;
      await this.#predictDemand(now);
    }
    if (now >= this.#nextSaveAt) {
      this.#nextSaveAt = now + this.#config.saveStateEveryMs;
      await this.saveStates();
    }
    if (this.#config.persistPoints && now >= this.#nextPruneAt) {
      this.#nextPruneAt = now + 3600_000;
      await this.#store.prunePoints(now - this.#config.pointsRetentionMs);
    }
  }

  async #advanceIncident(rt: IncidentRuntime, now: number): Promise<void> {
    const { incident } = rt;
    if (incident.status === 'open' && now - incident.openedAt >= this.#config.incident.settleMs) {
      if (this.#config.incident.resolveTransient && !this.#incidentActive(rt)) {
        await this.#finish(rt, 'resolved', now, 'all anomalies cleared before any action: transient, resolved without remediation');
        return;
      }
      await this.#attributeAndDecide(rt, now);
      return;
    }
    if (incident.status === 'verifying' && rt.verifyAt !== undefined && now >= rt.verifyAt) {
      await this.#verify(rt, now);
    }
  }

  #incidentActive(rt: IncidentRuntime): boolean {
    for (const sid of rt.baselines.keys()) if (this.#series.get(sid)?.open !== undefined) return true;
    return false;
  }

  async #attributeAndDecide(rt: IncidentRuntime, now: number): Promise<void> {
    const started = performance.now();
    const anomalies = await this.#store.listAnomalies({ incidentId: rt.incident.id, limit: 1000 });
    const windowStartMs = rt.incident.openedAt - 60 * 60_000;
    const hypotheses = rankRootCauses({
      anomalies,
      topology: this.#twin.topology(),
      events: this.#recentEvents.filter((e) => e.at >= windowStartMs - 60 * 60_000 && e.at <= now),
      windowStartMs,
      windowEndMs: now,
    }).filter((h) => !rt.ruledOut.has(h.entityId));
    const top = hypotheses[0];
    rt.incident = {
      ...rt.incident,
      hypotheses,
      title: top ? `${top.faultKind.replace('_', ' ')} on ${top.entityId}` : rt.incident.title,
      updatedAt: now,
    };
    await this.#store.upsertIncident(rt.incident);
    await this.#log(
      'attribute',
      rt.incident.id,
      RCA_MODEL,
      { anomalies: anomalies.map((a) => a.id), entities: rt.incident.entities, ruledOut: [...rt.ruledOut] },
      hypotheses.slice(0, 5).map((h) => ({ entityId: h.entityId, faultKind: h.faultKind, confidence: h.confidence })),
      top?.confidence ?? 0,
      top ? top.evidence.join(' ') : 'no candidate root cause',
      performance.now() - started,
    );
    await this.#bus.publish({ type: 'rca.ranked', entity: top?.entityId ?? rt.incident.entities[0] ?? 'unknown', incidentId: rt.incident.id, hypotheses });
    await this.#decide(rt, hypotheses, now);
  }

  async #decide(rt: IncidentRuntime, hypotheses: readonly Hypothesis[], now: number): Promise<void> {
    const started = performance.now();
    const hourAgo = now - 3600_000;
    while (this.#actionTimes.length > 0 && (this.#actionTimes[0] ?? 0) < hourAgo) this.#actionTimes.shift();
    const result: DecideResult = decide({
      incident: rt.incident,
      hypotheses,
      entityKind: (id) => this.#twin.entity(id)?.kind,
      now,
      policy: this.#policy,
      switches: this.#switches,
      recentActionTimes: this.#actionTimes,
      attempts: rt.attempts,
      plan: (draft) =>
        this.#executors.plan({ ...draft, id: 'plan', incidentId: rt.incident.id, executor: '', status: 'proposed', dryRun: true, proposedAt: now }),
    });
    const latencyMs = performance.now() - started;
    if (result.verdict === 'escalate') {
      await this.#log('escalate', rt.incident.id, DECIDE_MODEL, { hypotheses: hypotheses.slice(0, 3).map((h) => h.entityId), attempts: rt.attempts }, { verdict: 'escalate', reason: result.reason }, result.confidence, result.explanation.join(' '), latencyMs);
      await this.#finish(rt, 'escalated', now, `escalated to a person: ${result.reason}`);
      return;
    }
    const draft = result.action;
    let action: Action = {
      ...draft,
      id: this.#id('act'),
      incidentId: rt.incident.id,
      executor: '',
      status: 'proposed',
      dryRun: result.dryRun,
      proposedAt: now,
    };
    await this.#log('act', rt.incident.id, DECIDE_MODEL, { hypothesis: hypotheses[0]?.entityId, faultKind: hypotheses[0]?.faultKind, attempts: rt.attempts }, { verdict: 'act', action: { id: action.id, kind: action.kind, target: action.target, dryRun: action.dryRun } }, result.confidence, result.explanation.join(' '), latencyMs);
    await this.#store.upsertAction(action);
    await this.#bus.publish({ type: 'action.proposed', entity: action.target, action });
    this.#counts.actions++;
    rt.attempts++;

    const check = await this.#executors.dryRun(action);
    if (!check.ok || action.dryRun) {
      action = { ...action, status: action.dryRun ? 'dry_run' : 'blocked', outcome: check };
      await this.#store.upsertAction(action);
      const why = action.dryRun
        ? `dry-run mode: would ${action.kind} ${action.target} (${check.ok ? 'the target accepts it' : `the target refuses: ${check.message}`}); a person must act`
        : `the executor refused ${action.kind} on ${action.target} in its dry run: ${check.message}`;
      await this.#log('escalate', rt.incident.id, DECIDE_MODEL, { action: action.id }, { verdict: 'escalate', reason: why }, result.confidence, why, 0);
      await this.#finish(rt, 'escalated', now, why);
      return;
    }
    this.#actionTimes.push(now);
    const outcome = await this.#executors.execute(action);
    action = { ...action, status: outcome.ok ? 'executed' : 'failed', executedAt: now, outcome };
    await this.#store.upsertAction(action);
    await this.#bus.publish({ type: 'action.executed', entity: action.target, action });
    if (!outcome.ok) {
      await this.#finish(rt, 'escalated', now, `${action.kind} on ${action.target} failed: ${outcome.message}`);
      return;
    }
    rt.pendingAction = action;
    rt.verifyAt = now + result.verifyAfterMs;
    rt.incident = { ...rt.incident, status: 'verifying', updatedAt: now };
    await this.#store.upsertIncident(rt.incident);
  }

  async #verify(rt: IncidentRuntime, now: number): Promise<void> {
    const started = performance.now();
    const action = rt.pendingAction;
    if (action === undefined) return;
    const checks: Attribution[] = [];
    let recovered = true;
    for (const [sid, base] of rt.baselines) {
      const srt = this.#series.get(sid);
      if (srt === undefined || srt.recent.length === 0) continue;
      const last = srt.recent[srt.recent.length - 1] ?? Number.NaN;
      const band = Math.max(base.scale * 4, Math.abs(base.expected) * 0.05, 1e-3);
      const worst = Math.max(...srt.recent.map((v) => Math.abs(v - base.expected)));
      const ok = worst <= band || srt.open === undefined;
      if (!ok) recovered = false;
      checks.push({ name: `${srt.record.metric}@${srt.record.entityId}`, weight: ok ? 0 : 1, expected: base.expected, actual: last });
    }
    const verdict = recovered ? 'recovered' : 'not recovered';
    const text = recovered
      ? `signals back within 4 robust σ of their pre-incident baseline ${fmtMin(now - (action.executedAt ?? now))} after ${action.kind} on ${action.target}`
      : `still abnormal after ${action.kind} on ${action.target}: ${checks.filter((c) => c.weight > 0).map((c) => c.name).join(', ')}`;
    await this.#log('verify', action.id, DECIDE_MODEL, { action: action.id, series: [...rt.baselines.keys()] }, { verdict }, recovered ? 0.9 : 0.8, checks.length > 0 ? checks : text, performance.now() - started);
    const verified: Action = { ...action, status: recovered ? 'verified' : 'verify_failed', verifiedAt: now };
    await this.#store.upsertAction(verified);
    await this.#bus.publish({ type: 'action.verified', entity: action.target, action: verified });
    await this.#store.insertFeedback([
      { id: this.#id('fb'), at: now, subjectType: 'action', subjectId: action.id, label: recovered ? 'action_worked' : 'action_failed', source: 'verification', note: text },
    ]);
    rt.pendingAction = undefined;
    rt.verifyAt = undefined;
    if (recovered) {
      for (const sid of rt.baselines.keys()) {
        const srt = this.#series.get(sid);
        if (srt?.open) await this.#closeAnomaly(srt, now);
      }
      await this.#finish(rt, 'resolved', now, `remediated: ${text}`);
      return;
    }
    rt.ruledOut.add(action.target);
    rt.incident = { ...rt.incident, status: 'open', updatedAt: now };
    await this.#attributeAndDecide(rt, now);
  }

  async #finish(rt: IncidentRuntime, status: 'resolved' | 'escalated', now: number, resolution: string): Promise<void> {
    rt.incident = {
      ...rt.incident,
      status,
      updatedAt: now,
      resolution,
      ...(status === 'resolved' ? { resolvedAt: now } : {}),
    };
    this.#incidents.delete(rt.incident.id);
    await this.#store.upsertIncident(rt.incident);
    await this.#bus.publish({
      type: status === 'resolved' ? 'incident.resolved' : 'incident.escalated',
      entity: rt.incident.hypotheses[0]?.entityId ?? rt.incident.entities[0] ?? 'unknown',
      incident: rt.incident,
    });
  }

  // ---------------------------------------------------------------- predict

  #featuresOf(entityId: string): FailureHeuristic | undefined {
    const existing = this.#features.get(entityId);
    if (existing !== undefined) return existing;
    const kind = this.#twin.entity(entityId)?.kind;
    if (kind === undefined || !RISK_ENTITY_KINDS.has(kind)) return undefined;
    const saved = this.#restored.get(FEATURES_KEY + entityId);
    const f =
      saved && saved.kind === failureHeuristicSpec.kind && saved.version === failureHeuristicSpec.version
        ? failureHeuristicSpec.create(this.#models.failureRisk, saved.state)
        : failureHeuristicSpec.create(this.#models.failureRisk);
    this.#features.set(entityId, f);
    return f;
  }

  async #predictFailures(now: number): Promise<void> {
    const ref: ModelRef = { kind: failureHeuristicSpec.kind, version: String(failureHeuristicSpec.version) };
    const stored: Prediction[] = [];
    for (const [entityId, model] of this.#features) {
      const started = performance.now();
      const vector = model.features(now);
      const risk = model.predict(vector);
      this.#twin.setRisk(entityId, risk.probability, now);
      if (risk.probability < this.#config.predict.failureStoreProbability) continue;
      const top = risk.explanation[0];
      const prediction: Prediction = {
        id: this.#id('pr'),
        kind: 'failure_risk',
        entityId,
        at: now,
        horizonMs: this.#models.failureRisk.horizonMs,
        model: ref,
        value: risk.probability,
        confidence: risk.confidence,
        explanation: risk.explanation,
        summary: `${entityId}: ${Math.round(risk.probability * 100)} % risk of failure within ${Math.round(this.#models.failureRisk.horizonMs / 3600_000)} h${top ? ` — ${top.name}` : ''}`,
      };
      stored.push(prediction);
      await this.#log('predict', entityId, ref, { features: Object.fromEntries(vector.names.map((n, i) => [n, vector.values[i]])) }, { probability: risk.probability, leadTimeMs: risk.leadTimeMs ?? null }, risk.confidence, risk.explanation, performance.now() - started);
    }
    if (stored.length > 0) await this.#store.insertPredictions(stored);
    for (const p of stored) {
      if (p.value >= this.#config.predict.failureAlertProbability) await this.#bus.publish({ type: 'prediction.made', entity: p.entityId, prediction: p });
    }
  }

  async #predictDemand(now: number): Promise<void> {
    const { stepMs, predict } = this.#config;
    const horizonSteps = Math.round(predict.demandHorizonMs / stepMs);
    const every = Math.max(1, Math.round(predict.demandStoreStepMs / stepMs));
    const ref: ModelRef = { kind: seasonalNaiveSpec.kind, version: String(seasonalNaiveSpec.version) };
    const stored: Prediction[] = [];
    for (const rt of this.#series.values()) {
      if (rt.forecaster === undefined) continue;
      const started = performance.now();
      const f = rt.forecaster.forecast(horizonSteps);
      if (f === undefined) continue;
      const keep = (_: unknown, i: number): boolean => i % every === every - 1;
      const forecast = { t: f.t.filter(keep), mean: f.mean.filter(keep), lower: f.lower.filter(keep), upper: f.upper.filter(keep), level: f.level };
      const peak = Math.max(...f.mean);
      const peakUpper = Math.max(...f.upper);
      const bounded = rt.record.metric !== METRICS.requestRate;
      if (bounded) this.#twin.setHeadroom(rt.record.entityId, rt.record.metric, Math.max(0, 1 - peak), now);
      const width = peakUpper - peak;
      const confidence = Math.max(0, Math.min(1, 1 - width / Math.max(Math.abs(peak), 1e-9)));
      stored.push({
        id: this.#id('pr'),
        kind: 'demand',
        entityId: rt.record.entityId,
        seriesId: rt.record.id,
        metric: rt.record.metric,
        at: now,
        horizonMs: predict.demandHorizonMs,
        model: ref,
        value: peak,
        confidence,
        forecast,
        explanation: [
          { name: 'peak mean', weight: 1, actual: peak },
          { name: `peak upper ${Math.round(f.level * 100)} %`, weight: 0, actual: peakUpper },
        ],
        summary: `${rt.record.metric} on ${rt.record.entityId} peaks at ${fmt(peak)} (≤ ${fmt(peakUpper)} at ${Math.round(f.level * 100)} %) in the next ${Math.round(predict.demandHorizonMs / 3600_000)} h`,
      });
      void started;
    }
    if (stored.length > 0) await this.#store.insertPredictions(stored);
  }

  // ---------------------------------------------------------------- state and control

  /** Saves every model's streaming state to the store (one transaction). */
  async saveStates(): Promise<void> {
    const at = this.#clock.now();
    const states: ModelStateRecord[] = [];
    for (const rt of this.#series.values()) {
      states.push({ key: DETECTOR_KEY + rt.record.id, kind: robustZSpec.kind, version: robustZSpec.version, state: rt.detector.state(), updatedAt: at });
      if (rt.forecaster) states.push({ key: FORECASTER_KEY + rt.record.id, kind: seasonalNaiveSpec.kind, version: seasonalNaiveSpec.version, state: rt.forecaster.state(), updatedAt: at });
    }
    for (const [entityId, f] of this.#features) {
      states.push({ key: FEATURES_KEY + entityId, kind: failureHeuristicSpec.kind, version: failureHeuristicSpec.version, state: f.state(), updatedAt: at });
    }
    if (states.length > 0) await this.#store.saveModelStates(states);
  }

  async feedback(input: Omit<Feedback, 'id' | 'at'>): Promise<Feedback> {
    const now = this.#clock.now();
    const fb: Feedback = { ...input, id: this.#id('fb'), at: now };
    if (fb.subjectType === 'anomaly' && (await this.#store.getAnomaly(fb.subjectId)) === undefined) {
      throw new HomeostatError('not_found', `anomaly ${describeValue(fb.subjectId)} not found`);
    }
    if (fb.subjectType === 'incident' && (await this.#store.getIncident(fb.subjectId)) === undefined) {
      throw new HomeostatError('not_found', `incident ${describeValue(fb.subjectId)} not found`);
    }
    if (fb.label === 'root_cause' && (fb.value === undefined || this.#twin.entity(fb.value) === undefined)) {
      throw invalid(`root_cause feedback needs value = a known entity id (got ${describeValue(fb.value)})`);
    }
    await this.#store.insertFeedback([fb]);
    return fb;
  }

  twin(): TwinView {
    return { entities: this.#twin.entities(), relations: this.#twin.relations(), states: this.#twin.states() };
  }

  status(): EngineStatus {
    let open = 0;
    for (const rt of this.#incidents.values()) if (rt.incident.status !== 'resolved' && rt.incident.status !== 'escalated') open++;
    return {
      ...this.#switches,
      startedAt: this.#startedAt,
      now: this.#clock.now(),
      simulated: this.#simulated !== undefined,
      speed: this.#simulated?.speed ?? 1,
      series: this.#series.size,
      entities: this.#twin.entities().length,
      ...this.#counts,
      openIncidents: open,
    };
  }

  setSwitches(patch: Partial<EngineSwitches>): EngineSwitches {
    this.#switches = { ...this.#switches, ...patch };
    return this.#switches;
  }

  async #log(
    kind: DecisionKind,
    subject: string,
    model: ModelRef,
    inputs: unknown,
    output: unknown,
    confidence: number,
    explanation: Decision['explanation'],
    latencyMs: number,
  ): Promise<void> {
    this.#counts.decisions++;
    await this.#store.appendDecisions([
      { id: this.#id('dec'), at: this.#clock.now(), kind, subject, model, inputs, output, confidence, explanation, latencyMs },
    ]);
  }

  #id(prefix: string): string {
    this.#idCounter++;
    return `${prefix}_${this.#idBase}_${this.#idCounter.toString(36)}`;
  }
}

function severityOf(entities: number, confidence: number): Incident['severity'] {
  if (entities >= 5) return 'critical';
  if (entities >= 3) return 'high';
  return confidence >= 0.99 ? 'medium' : 'low';
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function fmtMin(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}
