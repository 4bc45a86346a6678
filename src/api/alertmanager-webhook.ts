/**
 * @module api/alertmanager-webhook
 * Alertmanager webhook receiver (payload version "4", as documented at
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config): each alert of a
 * notification becomes a ChangeEvent of kind `alert` on the twin, evidence for incidents and RCA.
 *
 * - Entity: the first of these that names one — {@link resolveEntity} on the alert's labels
 *   (`entity`, pod, container, `service.name`/`service`, database, queue, lb, host, `instance`),
 *   then `deployment`, `statefulset`, `daemonset`, `job` (service), `node`, `nodename`,
 *   `kubernetes_node` (host). A candidate the twin already knows wins over an unknown one found
 *   earlier. An alert naming no entity attaches to the fallback entity (default
 *   `cluster:alertmanager`, see {@link DEFAULT_ALERT_FALLBACK_ENTITY}) and is counted as
 *   `unattributed`; with `fallbackEntity: null` it is rejected instead (400).
 * - Time: `startsAt` for a firing alert, `endsAt` for a resolved one.
 * - Id: `am:<fingerprint>:<status>:<time>`, stable, so Alertmanager's repeat notifications and
 *   retries store an alert once (the store ignores a repeated id).
 * - `detail`: `<alertname>: <summary>` (firing) or `<alertname> resolved: <summary>`; attributes:
 *   the labels as they are, plus `alert.status`, `alert.fingerprint`, `alert.startsAt`,
 *   `alert.endsAt`, `alert.generatorURL`, `alert.receiver`, `alert.groupKey` and the annotations
 *   as `annotation.<name>` (dotted keys cannot clash: Prometheus label names have no dots).
 *
 * The payload is checked whole before anything is recorded: one malformed alert rejects the
 * notification with 400 naming the field (expected vs received), so nothing is half-recorded.
 * Unknown fields are ignored (Alertmanager may add some within version 4).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { EngineHandle } from '../engine/handle.js';
import { describe, invalid } from '../errors.js';
import type { ChangeEvent } from '../records/types.js';
import type { Labels } from '../telemetry/types.js';
import { resolveEntity } from '../twin/twin.js';

/** Alert state in a notification. */
export type AlertmanagerStatus = 'firing' | 'resolved';

/** One alert of a version-4 notification, validated; times in epoch ms. */
export interface AlertmanagerAlert {
  readonly status: AlertmanagerStatus;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAtMs: number;
  /** Absent when Alertmanager sent Go's zero time (`0001-01-01T00:00:00Z`): the alert has no end yet. */
  readonly endsAtMs?: number;
  readonly generatorURL: string;
  /** Alertmanager's fingerprint, or a hash of the sorted labels when the sender gave none. */
  readonly fingerprint: string;
}

/** A validated version-4 Alertmanager webhook notification. */
export interface AlertmanagerWebhook {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: AlertmanagerStatus;
  readonly receiver: string;
  readonly groupLabels: Labels;
  readonly commonLabels: Labels;
  readonly commonAnnotations: Labels;
  readonly externalURL: string;
  readonly alerts: readonly AlertmanagerAlert[];
}

/** How alerts find their entity. */
export interface AlertEntityOptions {
  /** Whether the twin knows an entity id; a known candidate wins over an unknown one. */
  readonly isKnownEntity?: (id: string) => boolean;
  /** Entity for alerts that name none (default {@link DEFAULT_ALERT_FALLBACK_ENTITY}); `null` rejects them. */
  readonly fallbackEntity?: string | null;
}

/** The entity alerts naming no entity attach to by default. */
export const DEFAULT_ALERT_FALLBACK_ENTITY = 'cluster:alertmanager';

/** The webhook route's path. */
export const ALERTMANAGER_WEBHOOK_PATH = '/api/v1/alerts/alertmanager';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** Go's zero `time.Time`, which Alertmanager sends as `endsAt` of an alert with no end yet. */
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/** Labels naming an entity that {@link resolveEntity} does not read, in order, with the kind they name. */
const EXTRA_ENTITY_LABELS: readonly (readonly [string, 'service' | 'host'])[] = [
  ['deployment', 'service'],
  ['statefulset', 'service'],
  ['daemonset', 'service'],
  ['job', 'service'],
  ['node', 'host'],
  ['nodename', 'host'],
  ['kubernetes_node', 'host'],
];

/**
 * Validates a webhook body (version "4"). Throws `invalid_argument` naming the first bad field,
 * e.g. `alerts[1].startsAt must be an RFC 3339 time like 2024-05-01T12:00:00Z (got "yesterday")`.
 */
export function readAlertmanagerWebhook(body: unknown): AlertmanagerWebhook {
  if (!isRecord(body)) throw invalid(`body must be an Alertmanager webhook object (got ${describe(body)})`);
  if (body.version !== '4') throw invalid(`version must be "4", the Alertmanager webhook payload version (got ${describe(body.version)})`);
  const status = readStatus('status', body.status);
  if (!Array.isArray(body.alerts)) throw invalid(`alerts must be an array of alerts (got ${describe(body.alerts)})`);
  const truncated = body.truncatedAlerts ?? 0;
  if (!(typeof truncated === 'number' && Number.isInteger(truncated) && truncated >= 0)) {
    throw invalid(`truncatedAlerts must be a non-negative integer (got ${describe(truncated)})`);
  }
  return {
    version: '4',
    groupKey: readString('groupKey', body.groupKey),
    truncatedAlerts: truncated,
    status,
    receiver: readString('receiver', body.receiver),
    groupLabels: readLabels('groupLabels', body.groupLabels),
    commonLabels: readLabels('commonLabels', body.commonLabels),
    commonAnnotations: readLabels('commonAnnotations', body.commonAnnotations),
    externalURL: readString('externalURL', body.externalURL),
    alerts: body.alerts.map((a, i) => readAlert(`alerts[${i}]`, a)),
  };
}

/**
 * The change events of a validated notification, one per alert (see the module header for the
 * mapping). Throws `invalid_argument` for an alert naming no entity when `fallbackEntity` is null.
 */
export function alertmanagerEvents(webhook: AlertmanagerWebhook, options: AlertEntityOptions = {}): ChangeEvent[] {
  const fallback = options.fallbackEntity === undefined ? DEFAULT_ALERT_FALLBACK_ENTITY : options.fallbackEntity;
  return webhook.alerts.map((alert, i) => {
    const entityId = entityOf(alert.labels, options.isKnownEntity) ?? fallback;
    if (entityId === null) {
      throw invalid(`alerts[${i}].labels must name an entity (entity, service, job, instance, pod, node…) (got ${describe(alert.labels)})`);
    }
    const resolved = alert.status === 'resolved';
    const at = resolved ? (alert.endsAtMs as number) : alert.startsAtMs;
    const name = alert.labels.alertname ?? 'alert';
    const summary = alert.annotations.summary ?? alert.annotations.description ?? webhook.commonAnnotations.summary;
    const attributes: Record<string, string> = {
      ...alert.labels,
      'alert.status': alert.status,
      'alert.fingerprint': alert.fingerprint,
      'alert.startsAt': new Date(alert.startsAtMs).toISOString(),
      ...(alert.endsAtMs !== undefined ? { 'alert.endsAt': new Date(alert.endsAtMs).toISOString() } : {}),
      ...(alert.generatorURL ? { 'alert.generatorURL': alert.generatorURL } : {}),
      ...(webhook.receiver ? { 'alert.receiver': webhook.receiver } : {}),
      ...(webhook.groupKey ? { 'alert.groupKey': webhook.groupKey } : {}),
    };
    for (const [k, v] of Object.entries(alert.annotations)) attributes[`annotation.${k}`] = v;
    return {
      id: `am:${alert.fingerprint}:${alert.status}:${at}`,
      at,
      entityId,
      kind: 'alert',
      detail: `${name}${resolved ? ' resolved' : ''}${summary ? `: ${summary}` : ''}`,
      attributes,
    };
  });
}

/**
 * Validates a webhook body and maps it to change events in one step.
 * @example parseAlertmanagerWebhook(JSON.parse(body)).map((e) => e.entityId) // ['host:10.0.0.5:9100']
 */
export function parseAlertmanagerWebhook(body: unknown, options: AlertEntityOptions = {}): ChangeEvent[] {
  return alertmanagerEvents(readAlertmanagerWebhook(body), options);
}

/** Options of {@link registerAlertmanagerWebhook}. */
export interface AlertmanagerWebhookRouteOptions {
  readonly engine: EngineHandle;
  /** Guard run before the route (e.g. the `ingest` scope check). */
  readonly onRequest?: onRequestHookHandler;
  /** Entity for alerts naming none (default {@link DEFAULT_ALERT_FALLBACK_ENTITY}); `null` answers 400 for them. */
  readonly fallbackEntity?: string | null;
}

/** The route's answer: what was received and recorded. */
export interface AlertmanagerWebhookResponse {
  readonly received: number;
  readonly recorded: number;
  readonly firing: number;
  readonly resolved: number;
  /** Alerts attached to the fallback entity because they named none. */
  readonly unattributed: number;
  /** Alerts Alertmanager left out of this notification (`max_alerts`). */
  readonly truncatedAlerts: number;
}

/**
 * Registers `POST /api/v1/alerts/alertmanager`: 200 with counts once every alert is recorded
 * through `engine.recordEvents`; 400 naming the field on a malformed payload (nothing recorded);
 * an engine failure answers 5xx, which Alertmanager retries (ids are stable, so a retry is stored once).
 * @example registerAlertmanagerWebhook(app, { engine, onRequest: ingest.onRequest });
 */
export function registerAlertmanagerWebhook(app: FastifyInstance, options: AlertmanagerWebhookRouteOptions): void {
  const { engine } = options;
  app.post(
    ALERTMANAGER_WEBHOOK_PATH,
    {
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
      schema: {
        tags: ['telemetry'],
        summary: 'Alertmanager webhook (payload version 4): alerts become change events on the twin',
        ...(options.onRequest ? { security: [{ bearerAuth: [] as string[] }] } : {}),
      },
    },
    async (request): Promise<AlertmanagerWebhookResponse> => {
      const webhook = readAlertmanagerWebhook(request.body);
      const known = new Set(engine.twin().entities.map((e) => e.id));
      const fallback = options.fallbackEntity === undefined ? DEFAULT_ALERT_FALLBACK_ENTITY : options.fallbackEntity;
      const events = alertmanagerEvents(webhook, { isKnownEntity: (id) => known.has(id), fallbackEntity: fallback });
      await engine.recordEvents(events);
      const resolved = webhook.alerts.filter((a) => a.status === 'resolved').length;
      return {
        received: webhook.alerts.length,
        recorded: events.length,
        firing: webhook.alerts.length - resolved,
        resolved,
        unattributed: webhook.alerts.filter((a) => entityOf(a.labels, (id) => known.has(id)) === undefined).length,
        truncatedAlerts: webhook.truncatedAlerts,
      };
    },
  );
}

function readAlert(path: string, value: unknown): AlertmanagerAlert {
  if (!isRecord(value)) throw invalid(`${path} must be an alert object (got ${describe(value)})`);
  const status = readStatus(`${path}.status`, value.status);
  const labels = readLabels(`${path}.labels`, value.labels, true);
  const startsAtMs = readTime(`${path}.startsAt`, value.startsAt);
  if (startsAtMs === undefined)
    throw invalid(`${path}.startsAt must be set: an alert starts at a real time (got ${describe(value.startsAt)})`);
  const endsAtMs = value.endsAt === undefined ? undefined : readTime(`${path}.endsAt`, value.endsAt);
  if (status === 'resolved' && endsAtMs === undefined) {
    throw invalid(`${path}.endsAt must be the RFC 3339 time a resolved alert ended (got ${describe(value.endsAt)})`);
  }
  if (endsAtMs !== undefined && endsAtMs < startsAtMs) {
    throw invalid(
      `${path}.endsAt must not be before startsAt (got startsAt=${describe(value.startsAt)}, endsAt=${describe(value.endsAt)})`,
    );
  }
  const fingerprint = readString(`${path}.fingerprint`, value.fingerprint);
  return {
    status,
    labels,
    annotations: readLabels(`${path}.annotations`, value.annotations),
    startsAtMs,
    ...(endsAtMs !== undefined ? { endsAtMs } : {}),
    generatorURL: readString(`${path}.generatorURL`, value.generatorURL),
    fingerprint: fingerprint || labelsHash(labels),
  };
}

function readStatus(path: string, value: unknown): AlertmanagerStatus {
  if (value === 'firing' || value === 'resolved') return value;
  throw invalid(`${path} must be "firing" or "resolved" (got ${describe(value)})`);
}

/** An optional string field: absent → "". */
function readString(path: string, value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw invalid(`${path} must be a string (got ${describe(value)})`);
  return value;
}

/** A label or annotation set: an object of string values; optional unless `required`. */
function readLabels(path: string, value: unknown, required = false): Labels {
  if (value === undefined && !required) return {};
  if (!isRecord(value)) throw invalid(`${path} must be an object of string values (got ${describe(value)})`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(`${path}.${k} must be a string (got ${describe(v)})`);
  }
  return value as Labels;
}

/** An RFC 3339 time in epoch ms; Go's zero time → undefined (no time). */
function readTime(path: string, value: unknown): number | undefined {
  const m = typeof value === 'string' ? RFC3339.exec(value) : null;
  if (m === null) throw invalid(`${path} must be an RFC 3339 time like 2024-05-01T12:00:00Z (got ${describe(value)})`);
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  // Date.parse takes at most milliseconds; Alertmanager sends nanoseconds.
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${zone.toUpperCase()}`);
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const realDay = date.getUTCMonth() === Number(mo) - 1 && date.getUTCDate() === Number(d);
  if (Number.isNaN(ms) || !realDay || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    throw invalid(`${path} must be a real date and time (got ${describe(value)})`);
  }
  return ms === GO_ZERO_TIME_MS ? undefined : ms;
}

/** The entity an alert's labels name: known candidates first, else the first candidate. */
function entityOf(labels: Labels, isKnown: ((id: string) => boolean) | undefined): string | undefined {
  const candidates: string[] = [];
  const resolved = resolveEntity(labels)?.id;
  if (resolved !== undefined) candidates.push(resolved);
  for (const [key, kind] of EXTRA_ENTITY_LABELS) {
    const name = labels[key];
    if (name !== undefined && name !== '') candidates.push(`${kind}:${name}`);
  }
  if (isKnown) {
    const known = candidates.find((id) => isKnown(id));
    if (known !== undefined) return known;
  }
  return candidates[0];
}

function labelsHash(labels: Labels): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0000');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
