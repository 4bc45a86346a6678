/**
 * @module api/metrics-exposition
 * Homeostat's own metrics for Prometheus: latency histograms the engine and API feed
 * (`observeIngest`, `observeInference`, `observeDecision`), counters fed by the bus (anomalies,
 * predictions, incidents, escalations, actions, change events), and gauges computed when scraped
 * from the engine handle (status, failure probability, capacity headroom) or from what the engine
 * reports (latest anomaly score, live precision from feedback). Served on `GET /metrics` in the
 * Prometheus text format 0.0.4, or OpenMetrics 1.0.0 when the scraper's Accept header prefers it.
 *
 * Metrics live in a prom-client Registry of their own, never prom-client's global one. Label
 * cardinality is bounded: entities come from the twin (itself bounded), every other free-text
 * label keeps at most `maxLabelValues` distinct values and folds the rest into `__other__`.
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client';
import type { Bus, Unsubscribe } from '../bus/bus.js';
import type { EngineEvent } from '../bus/events.js';
import type { EngineHandle, EngineStatus, TwinView } from '../engine/handle.js';
import { describe, invalid } from '../errors.js';
import type { DecisionKind } from '../records/types.js';
import type { Store } from '../store/store.js';
import { ENTITY_KINDS } from '../twin/types.js';

/** Where points came in; bounded on purpose (it is a label). */
export type IngestProtocol = 'json' | 'otlp' | 'remote_write' | 'csv' | 'simulator';

/** Feedback labels that count towards live precision. */
export type PrecisionLabel = 'true_positive' | 'false_positive';

/** A notifier sink's delivery counts, as `notify/`'s `Notifier.stats()` gives them. */
export interface NotifierSinkStats {
  readonly sent: number;
  readonly failed: number;
  readonly dropped: number;
  readonly retried: number;
  readonly deduplicated: number;
  readonly queued: number;
}

/** Options of {@link HomeostatMetrics}. */
export interface HomeostatMetricsOptions {
  /** Read at scrape time for the status, failure-probability and headroom gauges; without it they are absent. */
  readonly engine?: EngineHandle;
  /** Horizon of the twin's failure risk, for the `horizon` label (default 6 h, the engine's default). */
  readonly failureHorizonMs?: number;
  /** Distinct values kept per free-text label (metric, model) before folding into `__other__` (default 1,000). */
  readonly maxLabelValues?: number;
}

/** A rendered scrape: body and the content type to send it with. */
export interface MetricsScrape {
  readonly contentType: RegistryContentType;
  readonly body: string;
}

/**
 * Latency buckets in seconds, 100 µs to 2.5 s: the design aims at p95 < 5 ms per inference and
 * holds a 100 ms floor, so most of the resolution sits below 100 ms.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** The label value that stands for every value past the cardinality bound. */
export const OTHER_LABEL_VALUE = '__other__';

const DEFAULT_HORIZON_MS = 6 * 3_600_000;
const DEFAULT_MAX_LABEL_VALUES = 1_000;
const FEEDBACK_SEED_LIMIT = 10_000;

interface Scrape {
  readonly status: EngineStatus;
  readonly twin: TwinView;
}

/**
 * The metrics of one Homeostat process: feed it, attach it to the bus, serve {@link render}.
 * Give it the engine at construction, or later with {@link bindEngine} when the engine reports to it.
 * @example
 * const metrics = new HomeostatMetrics({ engine });
 * const off = metrics.attach(bus);
 * metrics.observeIngest('otlp', 0.0021, 480, 2);
 * const { contentType, body } = await metrics.render(request.headers.accept);
 */
export class HomeostatMetrics {
  readonly #registry = new Registry<RegistryContentType>();
  #engine: EngineHandle | undefined;
  readonly #horizon: string;
  readonly #maxLabelValues: number;
  readonly #labelValues = new Map<string, Set<string>>();
  readonly #scores = new Map<string, { readonly entity: string; readonly metric: string; score: number }>();
  readonly #feedback = new Map<string, { tp: number; fp: number }>();
  readonly #precisionSet = new Map<string, number>();
  #scrape: Scrape | undefined;
  #notifierWatched = false;
  #queue: Promise<unknown> = Promise.resolve();

  readonly #ingestDuration: Histogram<'protocol'>;
  readonly #ingestPoints: Counter<'protocol' | 'outcome'>;
  readonly #inferenceDuration: Histogram<'model'>;
  readonly #decisionDuration: Histogram<'kind'>;
  readonly #anomalies: Counter<'entity_kind' | 'metric'>;
  readonly #predictions: Counter<'kind'>;
  readonly #incidentsOpened: Counter<'severity'>;
  readonly #incidentsResolved: Counter<string>;
  readonly #escalations: Counter<string>;
  readonly #actions: Counter<'kind' | 'status'>;
  readonly #changes: Counter<'kind'>;
  readonly #feedbackTotal: Counter<'model' | 'label'>;
  readonly #dropped: Counter<string>;

  /** Fails with `invalid_argument` on a horizon or label bound that is not a positive integer. */
  constructor(options: HomeostatMetricsOptions = {}) {
    const horizonMs = options.failureHorizonMs ?? DEFAULT_HORIZON_MS;
    if (!Number.isInteger(horizonMs) || horizonMs <= 0) {
      throw invalid(`failureHorizonMs must be a positive integer of milliseconds (got ${describe(horizonMs)})`);
    }
    const max = options.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES;
    if (!Number.isInteger(max) || max < 1) throw invalid(`maxLabelValues must be a positive integer (got ${describe(max)})`);
    this.#horizon = formatHorizon(horizonMs);
    this.#maxLabelValues = max;
    const registers = [this.#registry];
    const self = this;

    this.#ingestDuration = new Histogram({
      name: 'homeostat_ingest_duration_seconds',
      help: 'Time to ingest one request or batch, by protocol (parse excluded, engine ingest included).',
      labelNames: ['protocol'],
      buckets: [...DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.#ingestPoints = new Counter({
      name: 'homeostat_ingest_points_total',
      help: 'Points received by ingest calls, by protocol and outcome (accepted or rejected).',
      labelNames: ['protocol', 'outcome'],
      registers,
    });
    this.#inferenceDuration = new Histogram({
      name: 'homeostat_inference_duration_seconds',
      help: 'Model inference time, by model (detection per batch, failure risk per entity, forecast per series).',
      labelNames: ['model'],
      buckets: [...DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.#decisionDuration = new Histogram({
      name: 'homeostat_decision_duration_seconds',
      help: 'Latency of each decision written to the decision log, by decision kind.',
      labelNames: ['kind'],
      buckets: [...DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.#anomalies = new Counter({
      name: 'homeostat_anomalies_total',
      help: 'Anomalies raised, by entity kind and metric.',
      labelNames: ['entity_kind', 'metric'],
      registers,
    });
    this.#predictions = new Counter({
      name: 'homeostat_predictions_total',
      help: 'Alerting predictions published by the engine, by kind (quiet predictions are only stored).',
      labelNames: ['kind'],
      registers,
    });
    this.#incidentsOpened = new Counter({
      name: 'homeostat_incidents_opened_total',
      help: 'Incidents opened, by severity.',
      labelNames: ['severity'],
      registers,
    });
    this.#incidentsResolved = new Counter({
      name: 'homeostat_incidents_resolved_total',
      help: 'Incidents resolved (remediated and verified).',
      registers,
    });
    this.#escalations = new Counter({
      name: 'homeostat_escalations_total',
      help: 'Incidents handed to a person.',
      registers,
    });
    this.#actions = new Counter({
      name: 'homeostat_actions_total',
      help: 'Heal actions as published by the engine, by kind and status (proposed, executed, failed, verified, verify_failed, rolled_back).',
      labelNames: ['kind', 'status'],
      registers,
    });
    this.#changes = new Counter({
      name: 'homeostat_change_events_total',
      help: 'Change events recorded (deploys, config changes, restarts, external alerts), by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.#feedbackTotal = new Counter({
      name: 'homeostat_feedback_total',
      help: 'Feedback labels on model outputs, by model and label.',
      labelNames: ['model', 'label'],
      registers,
    });
    this.#dropped = new Counter({
      name: 'homeostat_metrics_dropped_observations_total',
      help: 'Observations ignored because the value was not a finite, non-negative number.',
      registers,
    });

    new Gauge({
      name: 'homeostat_anomaly_score',
      help: 'Latest raw detector score per entity and metric (higher = more anomalous).',
      labelNames: ['entity', 'metric'],
      registers,
      collect() {
        this.reset();
        const known = self.#scrape ? new Set(self.#scrape.twin.entities.map((e) => e.id)) : undefined;
        for (const [key, s] of self.#scores) {
          if (known && !known.has(s.entity)) {
            self.#scores.delete(key);
            continue;
          }
          this.set({ entity: s.entity, metric: s.metric }, s.score);
        }
      },
    });
    new Gauge({
      name: 'homeostat_model_live_precision',
      help: 'Share of labelled outputs that were true positives, per model, from operator and verification feedback.',
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const [model, c] of self.#feedback) if (c.tp + c.fp > 0) this.set({ model }, c.tp / (c.tp + c.fp));
        for (const [model, p] of self.#precisionSet) this.set({ model }, p);
      },
    });
    if (options.engine) this.bindEngine(options.engine);
  }

  /**
   * Exposes the notifier's delivery counts per sink (read at scrape time):
   * `homeostat_notifications_total{sink, outcome}` (sent, failed, dropped, retried, deduplicated)
   * and `homeostat_notification_queue{sink}`. Once only: fails with `invalid_argument` on a second call.
   */
  watchNotifier(stats: () => Readonly<Record<string, NotifierSinkStats>>): void {
    if (this.#notifierWatched) throw invalid('watchNotifier: a notifier is already watched by these metrics (got a second one)');
    this.#notifierWatched = true;
    const registers = [this.#registry];
    new Counter({
      name: 'homeostat_notifications_total',
      help: 'Notifications by sink and outcome: sent (2xx), failed (refused or out of attempts), dropped (queue full), retried, deduplicated.',
      labelNames: ['sink', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [sink, s] of Object.entries(stats())) {
          for (const outcome of ['sent', 'failed', 'dropped', 'retried', 'deduplicated'] as const) this.inc({ sink, outcome }, s[outcome]);
        }
      },
    });
    new Gauge({
      name: 'homeostat_notification_queue',
      help: 'Notifications waiting per sink.',
      labelNames: ['sink'],
      registers,
      collect() {
        this.reset();
        for (const [sink, s] of Object.entries(stats())) this.set({ sink }, s.queued);
      },
    });
  }

  /**
   * Binds the engine whose status and twin the scrape-time gauges read, for when the metrics
   * must exist before the engine (the engine reports to them). Once only: fails with
   * `invalid_argument` when an engine is already bound.
   */
  bindEngine(engine: EngineHandle): void {
    if (this.#engine) throw invalid('bindEngine: an engine is already bound to these metrics (got a second one)');
    this.#engine = engine;
    const registers = [this.#registry];
    const self = this;
    new Gauge({
      name: 'homeostat_engine_ready',
      help: '1 once the engine is ready (store migrated, models restored, replay over), else 0.',
      registers,
      collect() {
        const s = self.#scrape;
        if (s) this.set(self.#engine?.ready() ? 1 : 0);
      },
    });
    const statusGauge = (name: string, help: string, read: (s: EngineStatus) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const s = self.#scrape;
          if (s) this.set(read(s.status));
        },
      });
    };
    statusGauge('homeostat_engine_kill_switch', '1 while the kill switch is on (no action is executed).', (s) => (s.killSwitch ? 1 : 0));
    statusGauge('homeostat_engine_dry_run', '1 while actions are dry-run only.', (s) => (s.dryRun ? 1 : 0));
    statusGauge('homeostat_engine_simulated', '1 when the simulator drives the engine.', (s) => (s.simulated ? 1 : 0));
    statusGauge('homeostat_engine_series', 'Series the engine tracks.', (s) => s.series);
    statusGauge('homeostat_engine_entities', 'Entities in the twin.', (s) => s.entities);
    statusGauge('homeostat_engine_open_incidents', 'Incidents open, remediating or verifying.', (s) => s.openIncidents);
    const statusCounter = (name: string, help: string, read: (s: EngineStatus) => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          const s = self.#scrape;
          if (!s) return;
          this.reset();
          this.inc(Math.max(0, read(s.status)));
        },
      });
    };
    statusCounter(
      'homeostat_engine_points_ingested_total',
      'Points accepted by the engine since it started (every source).',
      (s) => s.pointsIngested,
    );
    statusCounter(
      'homeostat_engine_points_dropped_total',
      'Points rejected by the engine since it started (every source).',
      (s) => s.pointsDropped,
    );

    new Gauge({
      name: 'homeostat_failure_probability',
      help: 'Probability that the entity fails within the horizon, from the failure-risk model.',
      labelNames: ['entity', 'horizon'],
      registers,
      collect() {
        const s = self.#scrape;
        if (!s) return;
        this.reset();
        for (const st of s.twin.states) {
          if (st.failureRisk !== undefined && Number.isFinite(st.failureRisk))
            this.set({ entity: st.entityId, horizon: self.#horizon }, st.failureRisk);
        }
      },
    });
    new Gauge({
      name: 'homeostat_capacity_headroom',
      help: 'Remaining capacity share at the forecast peak per resource (0 = saturated, 1 = idle).',
      labelNames: ['entity', 'resource'],
      registers,
      collect() {
        const s = self.#scrape;
        if (!s) return;
        this.reset();
        for (const st of s.twin.states) {
          for (const [resource, share] of Object.entries(st.headroom ?? {})) {
            if (Number.isFinite(share)) this.set({ entity: st.entityId, resource: self.#bounded('resource', resource) }, share);
          }
        }
      },
    });
  }

  /**
   * Records one ingest call: its duration (seconds) and how many points were accepted and rejected.
   * A duration or count that is not a finite non-negative number is ignored and counted as dropped.
   */
  observeIngest(protocol: IngestProtocol, seconds: number, accepted: number, rejected: number): void {
    if (this.#observe(this.#ingestDuration, { protocol }, seconds)) {
      this.#count(this.#ingestPoints, { protocol, outcome: 'accepted' }, accepted);
      this.#count(this.#ingestPoints, { protocol, outcome: 'rejected' }, rejected);
    }
  }

  /** Records one inference (seconds) of a model, named by its kind or role (`detector/robust-seasonal`, `failure-risk`). */
  observeInference(model: string, seconds: number): void {
    this.#observe(this.#inferenceDuration, { model: this.#bounded('model', model) }, seconds);
  }

  /** Records the latency (seconds) of one decision of the decision log. */
  observeDecision(kind: DecisionKind, seconds: number): void {
    this.#observe(this.#decisionDuration, { kind }, seconds);
  }

  /**
   * Sets the latest raw detector score of a series (entity and metric): the twin does not keep
   * scores, so the engine reports them. Raised anomalies also set it (see {@link attach}).
   */
  observeAnomalyScore(entityId: string, metric: string, score: number): void {
    if (!Number.isFinite(score)) {
      this.#dropped.inc();
      return;
    }
    const m = this.#bounded('metric', metric);
    const key = `${entityId}\u0000${m}`;
    const found = this.#scores.get(key);
    if (found) found.score = score;
    else this.#scores.set(key, { entity: entityId, metric: m, score });
  }

  /** Counts one true- or false-positive label on an output of `model` (its kind); live precision follows. */
  observeFeedback(model: string, label: PrecisionLabel): void {
    const m = this.#bounded('model', model);
    const c = this.#feedback.get(m) ?? { tp: 0, fp: 0 };
    if (label === 'true_positive') c.tp++;
    else c.fp++;
    this.#feedback.set(m, c);
    this.#feedbackTotal.inc({ model: m, label });
  }

  /**
   * Sets the live precision of a model from elsewhere (e.g. the registry's live accuracy), in
   * [0, 1]; it wins over the feedback count for that model. `undefined` removes it.
   * Fails with `invalid_argument` outside [0, 1].
   */
  setLivePrecision(model: string, precision: number | undefined): void {
    const m = this.#bounded('model', model);
    if (precision === undefined) {
      this.#precisionSet.delete(m);
      return;
    }
    if (!(precision >= 0 && precision <= 1)) throw invalid(`precision must be a number in [0, 1] (got ${describe(precision)})`);
    this.#precisionSet.set(m, precision);
  }

  /**
   * Replaces the feedback counts with the anomaly feedback kept in the store (the newest 10,000),
   * so live precision survives a restart. Call once at start, before feedback flows. Returns how
   * many labels were counted.
   */
  async loadFeedback(store: Store): Promise<number> {
    const counts = new Map<string, { tp: number; fp: number }>();
    let n = 0;
    for (const fb of await store.listFeedback({ limit: FEEDBACK_SEED_LIMIT })) {
      if (fb.subjectType !== 'anomaly' || (fb.label !== 'true_positive' && fb.label !== 'false_positive')) continue;
      const anomaly = await store.getAnomaly(fb.subjectId);
      if (!anomaly) continue;
      const m = this.#bounded('model', anomaly.model.kind);
      const c = counts.get(m) ?? { tp: 0, fp: 0 };
      if (fb.label === 'true_positive') c.tp++;
      else c.fp++;
      counts.set(m, c);
      n++;
    }
    this.#feedback.clear();
    this.#feedbackTotal.reset();
    for (const [model, c] of counts) {
      this.#feedback.set(model, c);
      if (c.tp > 0) this.#feedbackTotal.inc({ model, label: 'true_positive' }, c.tp);
      if (c.fp > 0) this.#feedbackTotal.inc({ model, label: 'false_positive' }, c.fp);
    }
    return n;
  }

  /** Counts the loop's events from the bus: anomalies, predictions, incidents, escalations, actions, changes. Returns the unsubscribe. */
  attach(bus: Bus): Unsubscribe {
    const handler = (e: EngineEvent): void => this.#onEvent(e);
    const offs = [
      'change.recorded.>',
      'anomaly.raised.>',
      'prediction.made.>',
      'incident.opened.>',
      'incident.resolved.>',
      'incident.escalated.>',
      'action.proposed.>',
      'action.executed.>',
      'action.verified.>',
    ].map((pattern) => bus.subscribe(pattern, handler));
    return () => {
      for (const off of offs) off();
    };
  }

  /**
   * Renders every metric in the format the Accept header prefers: OpenMetrics 1.0.0 when it asks
   * for `application/openmetrics-text` with the highest weight, else Prometheus text 0.0.4.
   * Scrapes run one at a time (prom-client renames counters while rendering OpenMetrics).
   */
  render(accept?: string): Promise<MetricsScrape> {
    const run = this.#queue.then(() => this.#renderNow(prefersOpenMetrics(accept)));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #renderNow(openMetrics: boolean): Promise<MetricsScrape> {
    const engine = this.#engine;
    this.#scrape = engine ? { status: engine.status(), twin: engine.twin() } : undefined;
    try {
      if (!openMetrics) return { contentType: Registry.PROMETHEUS_CONTENT_TYPE, body: await this.#registry.metrics() };
      const counters = (this.#registry.getMetricsAsArray() as unknown[])
        .filter((m): m is Counter<string> => m instanceof Counter)
        .map((m) => [m, nameOf(m)] as const);
      this.#registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
      try {
        return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await this.#registry.metrics() };
      } finally {
        this.#registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
        for (const [counter, name] of counters) (counter as unknown as { name: string }).name = name;
      }
    } finally {
      this.#scrape = undefined;
    }
  }

  #onEvent(e: EngineEvent): void {
    switch (e.type) {
      case 'change.recorded':
        this.#changes.inc({ kind: e.event.kind });
        return;
      case 'anomaly.raised': {
        const a = e.anomaly;
        this.#anomalies.inc({ entity_kind: entityKindOf(a.entityId), metric: this.#bounded('metric', a.metric) });
        this.observeAnomalyScore(a.entityId, a.metric, a.score);
        return;
      }
      case 'prediction.made':
        this.#predictions.inc({ kind: e.prediction.kind });
        return;
      case 'incident.opened':
        this.#incidentsOpened.inc({ severity: e.incident.severity });
        return;
      case 'incident.resolved':
        this.#incidentsResolved.inc();
        return;
      case 'incident.escalated':
        this.#escalations.inc();
        return;
      case 'action.proposed':
      case 'action.executed':
      case 'action.verified':
        this.#actions.inc({ kind: e.action.kind, status: e.action.status });
        return;
      default:
        return;
    }
  }

  #observe<L extends string>(h: Histogram<L>, labels: Record<L, string>, seconds: number): boolean {
    if (!(Number.isFinite(seconds) && seconds >= 0)) {
      this.#dropped.inc();
      return false;
    }
    h.observe(labels, seconds);
    return true;
  }

  #count<L extends string>(c: Counter<L>, labels: Record<L, string>, n: number): void {
    if (!(Number.isFinite(n) && n >= 0)) {
      this.#dropped.inc();
      return;
    }
    c.inc(labels, n);
  }

  /** The value itself while its label has fewer than `maxLabelValues` values, else {@link OTHER_LABEL_VALUE}. */
  #bounded(label: string, value: string): string {
    let seen = this.#labelValues.get(label);
    if (!seen) {
      seen = new Set();
      this.#labelValues.set(label, seen);
    }
    if (seen.has(value)) return value;
    if (seen.size >= this.#maxLabelValues) return OTHER_LABEL_VALUE;
    seen.add(value);
    return value;
  }
}

/** Options of {@link registerMetricsRoute}. */
export interface MetricsRouteOptions {
  readonly metrics: HomeostatMetrics;
  /** Guard run before the route (e.g. the `read` scope check when reads are not open). */
  readonly onRequest?: onRequestHookHandler;
}

/**
 * Registers `GET /metrics`: Prometheus text 0.0.4 (`text/plain; version=0.0.4; charset=utf-8`),
 * or OpenMetrics 1.0.0 when the Accept header prefers `application/openmetrics-text`.
 * @example registerMetricsRoute(app, { metrics, onRequest: read.onRequest });
 */
export function registerMetricsRoute(app: FastifyInstance, options: MetricsRouteOptions): void {
  const { metrics } = options;
  app.get(
    '/metrics',
    {
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
      schema: {
        tags: ['health'],
        summary: 'Prometheus exposition (text 0.0.4, or OpenMetrics 1.0.0 by Accept header)',
        ...(options.onRequest ? { security: [{ bearerAuth: [] as string[] }] } : {}),
      },
    },
    async (request, reply) => {
      const { contentType, body } = await metrics.render(request.headers.accept);
      return reply.header('Content-Type', contentType).header('Vary', 'Accept').send(body);
    },
  );
}

/**
 * Whether an Accept header prefers OpenMetrics over the Prometheus text format: the
 * `application/openmetrics-text` entry (version 1.0.0, 0.0.1 or none) with the highest `q` beats
 * every `text/plain`, `text/*` and `*\/*` entry. Absent or unparsable headers mean text.
 * @example prefersOpenMetrics('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5') // true
 */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let open = 0;
  let text = 0;
  for (const entry of accept.split(',')) {
    const [type = '', ...params] = entry.split(';').map((p) => p.trim().toLowerCase());
    let q = 1;
    let version: string | undefined;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim();
      const value = p.slice(eq + 1).trim();
      if (key === 'q') q = Number(value);
      else if (key === 'version') version = value;
    }
    if (!(q >= 0 && q <= 1)) continue;
    if (type === 'application/openmetrics-text' && (version === undefined || version === '1.0.0' || version === '0.0.1')) {
      open = Math.max(open, q);
    } else if (type === 'text/plain' || type === 'text/*' || type === '*/*') {
      text = Math.max(text, q);
    }
  }
  return open > 0 && open >= text;
}

/** `6h`, `30m`, `90s` or `1500ms`: the largest whole unit. */
function formatHorizon(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** The kind part of an entity id (`host:h1` → `host`), `unknown` when the id has none. */
function entityKindOf(entityId: string): string {
  const colon = entityId.indexOf(':');
  const kind = colon > 0 ? entityId.slice(0, colon) : '';
  return (ENTITY_KINDS as readonly string[]).includes(kind) ? kind : 'unknown';
}

function nameOf(metric: Counter<string>): string {
  return (metric as unknown as { name: string }).name;
}
