/**
 * @module notify/alertmanager-client
 * Homeostat's own anomalies, alerting predictions and incidents as Alertmanager alerts, through
 * API v2 `POST /api/v2/alerts` (a JSON array of `postableAlert`: labels, annotations, startsAt,
 * endsAt, generatorURL — github.com/prometheus/alertmanager api/v2/openapi.yaml), so existing
 * routes, inhibitions and silences apply.
 *
 * Like Prometheus, the client sends every firing alert with an explicit `endsAt` a few minutes
 * ahead and re-sends the alerts still firing (`resend`), so an alert Homeostat stops refreshing
 * resolves by itself. An incident's alert fires from `incident.opened` until `incident.resolved`,
 * which re-sends it (and the alerts of its anomalies) with `endsAt` set. Labels of an alert are
 * fixed when it first fires, so its identity (fingerprint) stays the same until it resolves.
 */
import type { EngineEvent } from '../bus/events.js';
import type { Anomaly, Hypothesis, Incident, Prediction } from '../records/types.js';
import { attempt, httpUrl, joinUrl } from './http-delivery.js';
import type { Delivery, NotifyMessage, NotifySink } from './types.js';

/** One alert as Alertmanager API v2 accepts it (`postableAlert`). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** RFC 3339. */
  readonly startsAt: string;
  /** RFC 3339; in the past or now = resolved. */
  readonly endsAt: string;
  readonly generatorURL: string;
}

/** Options of {@link AlertmanagerClient}. */
export interface AlertmanagerOptions {
  /** Alertmanager base URL (`http://alertmanager:9093`); alerts go to `<url>/api/v2/alerts`. */
  readonly url: string;
  /** Homeostat's external URL, for `generatorURL` (the dashboard page of the incident or entity). */
  readonly baseUrl: string;
  /** Base of `runbook_url` annotations: the incident or anomaly id is appended. Default: none. */
  readonly runbookUrl?: string;
  /** Labels added to every alert (`cluster: prod`). Default none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra request headers (an `Authorization` for a proxy in front of Alertmanager). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A firing alert is sent with `endsAt` this far ahead (ms). Default 5 min. */
  readonly firingTtlMs?: number;
  /** An alert no event refreshed for this long is no longer re-sent, and lapses (ms). Default 2 h. */
  readonly staleAfterMs?: number;
  /** Time allowed per attempt (ms). Default 10 000. */
  readonly timeoutMs?: number;
  readonly name?: string;
  readonly fetch?: typeof fetch;
}

interface Active {
  readonly labels: Readonly<Record<string, string>>;
  annotations: Record<string, string>;
  readonly startsAt: string;
  readonly generatorURL: string;
  refreshedAt: number;
  /** The anomaly this series alert last reported (ended with its incident). */
  anomalyId?: string;
}

const MAX_ALERTS_PER_POST = 500;

/** The Alertmanager sink: maps engine events to postable alerts and posts them. */
export class AlertmanagerClient implements NotifySink {
  readonly name: string;
  readonly patterns = ['anomaly.raised.>', 'prediction.made.>', 'incident.>', 'rca.ranked.>'] as const;
  readonly #endpoint: string;
  readonly #baseUrl: string;
  readonly #runbookUrl: string | undefined;
  readonly #labels: Readonly<Record<string, string>>;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #firingTtlMs: number;
  readonly #staleAfterMs: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #active = new Map<string, Active>();

  /** @throws HomeostatError invalid_argument for a URL that is not absolute http(s). */
  constructor(options: AlertmanagerOptions) {
    this.name = options.name ?? 'alertmanager';
    this.#endpoint = joinUrl(httpUrl(options.url, 'alertmanager url'), '/api/v2/alerts');
    this.#baseUrl = httpUrl(options.baseUrl, 'notify baseUrl').replace(/\/+$/, '');
    this.#runbookUrl = options.runbookUrl !== undefined ? httpUrl(options.runbookUrl, 'alertmanager runbookUrl') : undefined;
    this.#labels = options.labels ?? {};
    this.#headers = options.headers ?? {};
    this.#firingTtlMs = options.firingTtlMs ?? 5 * 60_000;
    this.#staleAfterMs = options.staleAfterMs ?? 2 * 3600_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Alerts firing now (the ones {@link resend} re-sends). */
  get activeCount(): number {
    return this.#active.size;
  }

  messagesFor(e: EngineEvent, now: number): readonly NotifyMessage[] {
    switch (e.type) {
      case 'anomaly.raised':
        return [this.#fire(`anomaly:${e.anomaly.seriesId}`, this.#anomalyAlert(e.anomaly), now, `anomaly:${e.anomaly.id}`, e.anomaly.id)];
      case 'prediction.made': {
        const p = e.prediction;
        return [this.#fire(`prediction:${p.kind}:${p.entityId}:${p.seriesId ?? ''}`, this.#predictionAlert(p), now, `prediction:${p.id}`)];
      }
      case 'incident.opened':
      case 'incident.escalated':
        return [
          this.#fire(`incident:${e.incident.id}`, this.#incidentAlert(e.incident), now, `incident:${e.incident.id}:${e.incident.status}`),
        ];
      case 'incident.resolved':
        return [this.#resolve(e.incident, now)];
      case 'rca.ranked': {
        const active = this.#active.get(`incident:${e.incidentId}`);
        if (active) Object.assign(active.annotations, rootCauseAnnotations(e.hypotheses[0]));
        return [];
      }
      default:
        return [];
    }
  }

  resend(now: number): readonly NotifyMessage[] {
    for (const [key, a] of this.#active) if (now - a.refreshedAt > this.#staleAfterMs) this.#active.delete(key);
    const alerts = [...this.#active.values()].map((a) => this.#postable(a, now + this.#firingTtlMs));
    const out: NotifyMessage[] = [];
    for (let i = 0; i < alerts.length; i += MAX_ALERTS_PER_POST) {
      const chunk = alerts.slice(i, i + MAX_ALERTS_PER_POST);
      out.push({ what: `re-send ${chunk.length} firing alerts`, body: chunk });
    }
    return out;
  }

  send(message: NotifyMessage, now: number): Promise<Delivery> {
    const body = JSON.stringify(message.body);
    const headers = { ...this.#headers, 'Content-Type': 'application/json', 'User-Agent': 'homeostat' };
    return attempt(this.#fetch, { method: 'POST', url: this.#endpoint, headers, body }, this.#timeoutMs, now);
  }

  #fire(key: string, fresh: Omit<Active, 'refreshedAt'>, now: number, dedupKey: string, anomalyId?: string): NotifyMessage {
    const prior = this.#active.get(key);
    const active: Active = prior
      ? { ...prior, annotations: { ...prior.annotations, ...fresh.annotations }, refreshedAt: now }
      : { ...fresh, startsAt: earliest(fresh.startsAt, now), refreshedAt: now };
    if (anomalyId !== undefined) active.anomalyId = anomalyId;
    this.#active.delete(key);
    this.#active.set(key, active);
    return { dedupKey, what: `fire ${key}`, body: [this.#postable(active, now + this.#firingTtlMs)] };
  }

  #resolve(incident: Incident, now: number): NotifyMessage {
    const key = `incident:${incident.id}`;
    const fresh = this.#incidentAlert(incident);
    const prior = this.#active.get(key);
    const alert: Active = prior
      ? { ...prior, annotations: { ...prior.annotations, ...fresh.annotations }, refreshedAt: now }
      : { ...fresh, startsAt: earliest(fresh.startsAt, now), refreshedAt: now };
    this.#active.delete(key);
    const endsAt = Math.min(incident.resolvedAt ?? now, now);
    const alerts = [this.#postable(alert, endsAt)];
    const anomalies = new Set(incident.anomalyIds);
    for (const [k, a] of this.#active) {
      if (a.anomalyId !== undefined && anomalies.has(a.anomalyId)) {
        alerts.push(this.#postable(a, endsAt));
        this.#active.delete(k);
      }
    }
    return { dedupKey: `${key}:resolved`, what: `resolve ${key}`, body: alerts };
  }

  #postable(a: Active, endsAtMs: number): PostableAlert {
    const endsAt = new Date(Math.max(endsAtMs, Date.parse(a.startsAt))).toISOString();
    return { labels: a.labels, annotations: { ...a.annotations }, startsAt: a.startsAt, endsAt, generatorURL: a.generatorURL };
  }

  #anomalyAlert(a: Anomaly): Omit<Active, 'refreshedAt'> {
    const annotations: Record<string, string> = {
      summary: `${a.metric} ${a.direction === 'up' ? 'high' : 'low'} on ${a.entityId}`,
      description: a.explanation,
      confidence: fixed(a.confidence),
      expected: String(a.expected),
      actual: String(a.actual),
      anomaly_id: a.id,
      ...(a.incidentId ? { incident_id: a.incidentId } : {}),
      ...this.#runbook(a.id),
    };
    return {
      labels: {
        ...this.#labels,
        alertname: 'HomeostatAnomaly',
        severity: 'warning',
        entity: a.entityId,
        entity_kind: kindOf(a.entityId),
        metric: a.metric,
      },
      annotations,
      startsAt: new Date(a.at).toISOString(),
      generatorURL: `${this.#baseUrl}/#/entities/${encodeURIComponent(a.entityId)}`,
    };
  }

  #predictionAlert(p: Prediction): Omit<Active, 'refreshedAt'> {
    const failure = p.kind === 'failure_risk';
    const top = [...p.explanation].sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight)).slice(0, 3);
    return {
      labels: {
        ...this.#labels,
        alertname: failure ? 'HomeostatFailureRisk' : 'HomeostatCapacityRisk',
        severity: failure && p.value >= 0.9 ? 'critical' : 'warning',
        entity: p.entityId,
        entity_kind: kindOf(p.entityId),
        ...(p.metric ? { metric: p.metric } : {}),
        horizon: `${Math.round(p.horizonMs / 3600_000)}h`,
      },
      annotations: {
        summary: p.summary,
        description: top.length > 0 ? `main factors: ${top.map((t) => t.name).join(', ')}` : p.summary,
        confidence: fixed(p.confidence),
        ...(failure ? { probability: fixed(p.value) } : { peak: String(p.value) }),
        prediction_id: p.id,
        ...this.#runbook(p.id),
      },
      startsAt: new Date(p.at).toISOString(),
      generatorURL: `${this.#baseUrl}/#/entities/${encodeURIComponent(p.entityId)}`,
    };
  }

  #incidentAlert(i: Incident): Omit<Active, 'refreshedAt'> {
    const top = i.hypotheses[0];
    const entity = top?.entityId ?? i.entities[0] ?? 'unknown';
    return {
      labels: {
        ...this.#labels,
        alertname: 'HomeostatIncident',
        severity: i.severity === 'critical' || i.severity === 'high' ? 'critical' : i.severity === 'medium' ? 'warning' : 'info',
        entity,
        entity_kind: kindOf(entity),
        incident: i.id,
      },
      annotations: {
        summary: i.title,
        description: `${i.status}: ${i.entities.length} entities, ${i.anomalyIds.length} anomalies${i.resolution ? `; ${i.resolution}` : ''}`,
        status: i.status,
        ...rootCauseAnnotations(top),
        ...this.#runbook(i.id),
      },
      startsAt: new Date(i.openedAt).toISOString(),
      generatorURL: `${this.#baseUrl}/#/incidents/${encodeURIComponent(i.id)}`,
    };
  }

  #runbook(id: string): Record<string, string> {
    return this.#runbookUrl !== undefined ? { runbook_url: `${this.#runbookUrl}${encodeURIComponent(id)}` } : {};
  }
}

function rootCauseAnnotations(h: Hypothesis | undefined): Record<string, string> {
  if (h === undefined) return {};
  return {
    root_cause: `${h.faultKind} on ${h.entityId}`,
    confidence: fixed(h.confidence),
    ...(h.evidence.length > 0 ? { evidence: h.evidence.join(' ') } : {}),
  };
}

/** Entity kind from an id `<kind>:<name>`; `unknown` without a kind prefix. */
function kindOf(entityId: string): string {
  const colon = entityId.indexOf(':');
  return colon > 0 ? entityId.slice(0, colon) : 'unknown';
}

function fixed(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : String(x);
}

/** An event time that is never later than now (a simulated clock may run ahead of the wall). */
function earliest(iso: string, now: number): string {
  return Date.parse(iso) > now ? new Date(now).toISOString() : iso;
}
