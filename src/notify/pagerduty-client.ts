/**
 * @module notify/pagerduty-client
 * Escalations to PagerDuty through the Events API v2 (`POST https://events.pagerduty.com/v2/enqueue`,
 * developer.pagerduty.com "Send an Alert Event"): `trigger` when an incident is escalated (and,
 * optionally, when it opens), `acknowledge` when Homeostat starts remediating it, `resolve` when it
 * is resolved. `dedup_key` is `homeostat-<incident id>`, so every event about one incident lands
 * on one PagerDuty alert; `payload.custom_details` carries the top root cause, its confidence and
 * evidence, the recommendation and the actions taken; `links` point at the Homeostat incident.
 *
 * An acknowledged alert does not notify again on a new trigger, so an escalation after an
 * acknowledged remediation triggers under `homeostat-<id>-escalated` (and `resolve` closes both).
 * With `notes` configured, what Homeostat did (actions, verifications) is added as incident notes
 * through the REST API (`POST /incidents/{id}/notes`, `From` header), the PagerDuty incident
 * being found by its `incident_key` (the dedup key).
 */
import type { EngineEvent } from '../bus/events.js';
import type { Action, Hypothesis, Incident } from '../records/types.js';
import { attempt, httpUrl, joinUrl } from './http-delivery.js';
import type { Delivery, NotifyMessage, NotifySink } from './types.js';

/** The Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** The REST API base. */
export const PAGERDUTY_API_URL = 'https://api.pagerduty.com';

/** Incident transitions that may trigger a PagerDuty alert. */
export type PagerDutyTrigger = 'opened' | 'escalated';

/** Options of {@link PagerDutyClient}. */
export interface PagerDutyOptions {
  /** Integration key of an Events API v2 integration (32 characters). */
  readonly routingKey: string;
  /** Homeostat's external URL, for `links` and `client_url`. */
  readonly baseUrl: string;
  /** Events API endpoint. Default {@link PAGERDUTY_EVENTS_URL}. */
  readonly url?: string;
  /** Transitions that trigger. Default `['escalated']`. */
  readonly triggerOn?: readonly PagerDutyTrigger[];
  /** Send `acknowledge` when an action on a triggered incident is executed. Default true. */
  readonly acknowledgeOnRemediation?: boolean;
  /** Incident notes through the REST API: an API token and the email of a PagerDuty user. */
  readonly notes?: { readonly token: string; readonly from: string; readonly apiUrl?: string };
  /** Time allowed per attempt (ms). Default 10 000. */
  readonly timeoutMs?: number;
  readonly name?: string;
  readonly fetch?: typeof fetch;
}

/** An Events API v2 alert event, as sent. */
export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'acknowledge' | 'resolve';
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: 'critical' | 'error' | 'warning' | 'info';
    readonly timestamp: string;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly custom_details: Readonly<Record<string, unknown>>;
  };
  readonly links?: readonly { readonly href: string; readonly text: string }[];
  readonly client?: string;
  readonly client_url?: string;
}

type Body =
  | { readonly kind: 'event'; readonly event: PagerDutyEvent }
  | { readonly kind: 'note'; readonly dedupKey: string; readonly content: string };

interface IncidentMemory {
  readonly keys: string[];
  acked: boolean;
  top?: Hypothesis;
  readonly actions: Action[];
}

const MAX_INCIDENTS = 5000;

/** The PagerDuty sink. */
export class PagerDutyClient implements NotifySink {
  readonly name: string;
  readonly patterns = ['incident.>', 'rca.ranked.>', 'action.>'] as const;
  readonly #routingKey: string;
  readonly #url: string;
  readonly #baseUrl: string;
  readonly #triggerOn: ReadonlySet<PagerDutyTrigger>;
  readonly #ack: boolean;
  readonly #notes: { readonly token: string; readonly from: string; readonly apiUrl: string } | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #incidents = new Map<string, IncidentMemory>();
  readonly #pdIncidentIds = new Map<string, string>();

  /** @throws HomeostatError invalid_argument for a URL that is not absolute http(s). */
  constructor(options: PagerDutyOptions) {
    this.name = options.name ?? 'pagerduty';
    this.#routingKey = options.routingKey;
    this.#url = httpUrl(options.url ?? PAGERDUTY_EVENTS_URL, 'pagerduty url');
    this.#baseUrl = httpUrl(options.baseUrl, 'notify baseUrl').replace(/\/+$/, '');
    this.#triggerOn = new Set(options.triggerOn ?? ['escalated']);
    this.#ack = options.acknowledgeOnRemediation ?? true;
    this.#notes = options.notes
      ? { ...options.notes, apiUrl: httpUrl(options.notes.apiUrl ?? PAGERDUTY_API_URL, 'pagerduty notes.apiUrl') }
      : undefined;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
  }

  messagesFor(e: EngineEvent, now: number): readonly NotifyMessage[] {
    switch (e.type) {
      case 'incident.opened':
      case 'incident.escalated': {
        const transition: PagerDutyTrigger = e.type === 'incident.opened' ? 'opened' : 'escalated';
        const mem = this.#memory(e.incident.id);
        if (!this.#triggerOn.has(transition)) {
          if (transition === 'escalated' && mem.keys.length === 0) this.#incidents.delete(e.incident.id);
          return [];
        }
        const base = dedupKeyOf(e.incident.id);
        const key = transition === 'escalated' && mem.acked ? `${base}-escalated` : base;
        if (!mem.keys.includes(key)) mem.keys.push(key);
        return [this.#event(`${e.incident.id}:${transition}`, this.#trigger(e.incident, key, mem, now))];
      }
      case 'rca.ranked': {
        const mem = this.#incidents.get(e.incidentId);
        if (mem && e.hypotheses[0]) mem.top = e.hypotheses[0];
        return [];
      }
      case 'action.proposed':
      case 'action.executed':
      case 'action.verified':
        return this.#onAction(e.type, e.action);
      case 'incident.resolved': {
        const mem = this.#incidents.get(e.incident.id);
        this.#incidents.delete(e.incident.id);
        if (mem === undefined) return [];
        return mem.keys.map((key) =>
          this.#event(`${e.incident.id}:resolved:${key}`, { routing_key: this.#routingKey, event_action: 'resolve', dedup_key: key }),
        );
      }
      default:
        return [];
    }
  }

  async send(message: NotifyMessage, now: number): Promise<Delivery> {
    const body = message.body as Body;
    if (body.kind === 'note') return this.#note(body.dedupKey, body.content, now);
    const res = await attempt(
      this.#fetch,
      {
        method: 'POST',
        url: this.#url,
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'homeostat' },
        body: JSON.stringify(body.event),
      },
      this.#timeoutMs,
      now,
    );
    if (res.ok || res.status !== 400) return res;
    return { ...res, error: `PagerDuty refused ${body.event.event_action} ${body.event.dedup_key}: ${refusal(res.error)}` };
  }

  #onAction(type: 'action.proposed' | 'action.executed' | 'action.verified', action: Action): NotifyMessage[] {
    const mem = this.#incidents.get(action.incidentId);
    if (mem === undefined) return [];
    const i = mem.actions.findIndex((a) => a.id === action.id);
    if (i >= 0) mem.actions[i] = action;
    else mem.actions.push(action);
    if (mem.keys.length === 0) return [];
    const out: NotifyMessage[] = [];
    if (type === 'action.executed' && action.status === 'executed' && this.#ack && !mem.acked) {
      mem.acked = true;
      for (const key of mem.keys) {
        out.push(
          this.#event(`${action.incidentId}:acknowledged:${key}`, {
            routing_key: this.#routingKey,
            event_action: 'acknowledge',
            dedup_key: key,
          }),
        );
      }
    }
    if (this.#notes !== undefined && type !== 'action.proposed') {
      const key = mem.keys[0] ?? dedupKeyOf(action.incidentId);
      const content = `Homeostat ${type === 'action.executed' ? 'executed' : 'verified'} ${action.kind} on ${action.target}: ${action.status}${action.outcome ? ` (${action.outcome.message})` : ''}. Reason: ${action.reason}`;
      out.push({
        dedupKey: `${action.id}:${action.status}:note`,
        what: `note on ${key}`,
        body: { kind: 'note', dedupKey: key, content } satisfies Body,
      });
    }
    return out;
  }

  #trigger(incident: Incident, key: string, mem: IncidentMemory, now: number): PagerDutyEvent {
    const top = incident.hypotheses[0] ?? mem.top;
    const source = top?.entityId ?? incident.entities[0] ?? 'homeostat';
    const escalated = incident.status === 'escalated';
    const summary = `${escalated ? 'Escalated' : 'Incident'}: ${incident.title}${top ? ` — likely ${top.faultKind} on ${top.entityId} (${pct(top.confidence)})` : ''}`;
    const lastAction = mem.actions[mem.actions.length - 1];
    const recommendation = lastAction
      ? `${lastAction.kind} ${lastAction.target}: ${lastAction.reason}`
      : top && top.faultKind !== 'unknown'
        ? `investigate ${top.faultKind} on ${top.entityId}`
        : 'investigate: no confident root cause';
    const url = `${this.#baseUrl}/#/incidents/${encodeURIComponent(incident.id)}`;
    return {
      routing_key: this.#routingKey,
      event_action: 'trigger',
      dedup_key: key,
      payload: {
        summary: summary.length > 1024 ? `${summary.slice(0, 1023)}…` : summary,
        source,
        severity: SEVERITY[incident.severity],
        timestamp: new Date(Math.min(incident.updatedAt, now)).toISOString(),
        component: source,
        group: kindOf(source),
        class: top?.faultKind ?? 'unknown',
        custom_details: {
          incident_id: incident.id,
          status: incident.status,
          severity: incident.severity,
          ...(incident.resolution ? { reason: incident.resolution } : {}),
          root_cause: top
            ? { entity: top.entityId, fault_kind: top.faultKind, confidence: round3(top.confidence), path: top.path.join(' → ') }
            : null,
          confidence: top ? round3(top.confidence) : 0,
          evidence: top?.evidence ?? [],
          other_hypotheses: incident.hypotheses
            .slice(1, 4)
            .map((h) => ({ entity: h.entityId, fault_kind: h.faultKind, confidence: round3(h.confidence) })),
          recommendation,
          actions: mem.actions.map((a) => ({
            kind: a.kind,
            target: a.target,
            status: a.status,
            dry_run: a.dryRun,
            ...(a.outcome ? { outcome: a.outcome.message } : {}),
          })),
          entities: incident.entities,
          anomalies: incident.anomalyIds.length,
          opened_at: new Date(incident.openedAt).toISOString(),
        },
      },
      links: [{ href: url, text: `Homeostat incident ${incident.id}` }],
      client: 'Homeostat',
      client_url: this.#baseUrl,
    };
  }

  #event(dedupKey: string, event: PagerDutyEvent): NotifyMessage {
    return { dedupKey, what: `${event.event_action} ${event.dedup_key}`, body: { kind: 'event', event } satisfies Body };
  }

  #memory(incidentId: string): IncidentMemory {
    let mem = this.#incidents.get(incidentId);
    if (mem === undefined) {
      mem = { keys: [], acked: false, actions: [] };
      this.#incidents.set(incidentId, mem);
      if (this.#incidents.size > MAX_INCIDENTS) {
        const oldest = this.#incidents.keys().next().value;
        if (oldest !== undefined) this.#incidents.delete(oldest);
      }
    }
    return mem;
  }

  async #note(dedupKey: string, content: string, now: number): Promise<Delivery> {
    const notes = this.#notes;
    if (notes === undefined) return { ok: false, retry: false, error: 'pagerduty notes are not configured' };
    const headers = {
      Accept: 'application/vnd.pagerduty+json;version=2',
      Authorization: `Token token=${notes.token}`,
      'Content-Type': 'application/json',
      'User-Agent': 'homeostat',
    };
    let id = this.#pdIncidentIds.get(dedupKey);
    if (id === undefined) {
      const url = `${joinUrl(notes.apiUrl, '/incidents')}?incident_key=${encodeURIComponent(dedupKey)}`;
      const found = await attempt(this.#fetch, { method: 'GET', url, headers }, this.#timeoutMs, now);
      if (!found.ok) return found;
      id = firstIncidentId(found.body);
      // Events are processed asynchronously: the incident may not exist yet, so try again later.
      if (id === undefined) return { ok: false, retry: true, error: `no PagerDuty incident with incident_key ${dedupKey} yet` };
      this.#pdIncidentIds.set(dedupKey, id);
      if (this.#pdIncidentIds.size > MAX_INCIDENTS) {
        const oldest = this.#pdIncidentIds.keys().next().value;
        if (oldest !== undefined) this.#pdIncidentIds.delete(oldest);
      }
    }
    const url = joinUrl(notes.apiUrl, `/incidents/${encodeURIComponent(id)}/notes`);
    return attempt(
      this.#fetch,
      { method: 'POST', url, headers: { ...headers, From: notes.from }, body: JSON.stringify({ note: { content } }) },
      this.#timeoutMs,
      now,
    );
  }
}

/** The `dedup_key` of a Homeostat incident (at most 255 characters, as the API allows). */
export function dedupKeyOf(incidentId: string): string {
  return `homeostat-${incidentId}`.slice(0, 240);
}

const SEVERITY: Readonly<Record<Incident['severity'], 'critical' | 'error' | 'warning' | 'info'>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

function firstIncidentId(text: string): string | undefined {
  try {
    const doc = JSON.parse(text) as { incidents?: { id?: unknown }[] };
    const id = doc.incidents?.[0]?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The `errors` of a 400 answer (`{"status":"invalid event","message":…,"errors":[…]}`), else the raw error. */
function refusal(error: string): string {
  const start = error.indexOf('{');
  if (start < 0) return error;
  try {
    const doc = JSON.parse(error.slice(start)) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(doc.errors) ? doc.errors.map(String).join('; ') : '';
    const message = typeof doc.message === 'string' ? doc.message : 'HTTP 400';
    return errors ? `${message}: ${errors}` : message;
  } catch {
    return error;
  }
}

function kindOf(entityId: string): string {
  const colon = entityId.indexOf(':');
  return colon > 0 ? entityId.slice(0, colon) : 'unknown';
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}
