/**
 * @module notify/notify-config
 * The `notify:` section of a configuration file: where notifications go and how hard to try.
 * {@link parseNotifyConfig} checks it strictly, naming the field, what was expected and what was
 * received, so a typo fails at start-up.
 *
 * @example
 * notify:
 *   baseUrl: https://homeostat.example.com
 *   alertmanager: { url: http://alertmanager:9093, runbookUrl: https://runbooks.example.com/homeostat/ }
 *   pagerduty: { routingKey: 0123456789abcdef0123456789abcdef, triggerOn: [escalated] }
 *   webhooks:
 *     - { url: https://hooks.example.com/homeostat, secret: whsec_…, events: [incident.>, action.executed] }
 */
import { describe, invalid } from '../errors.js';
import { httpUrl } from './http-delivery.js';
import type { PagerDutyTrigger } from './pagerduty-client.js';
import { PAGERDUTY_API_URL, PAGERDUTY_EVENTS_URL } from './pagerduty-client.js';
import { eventPattern, parseWebhookSecret } from './signed-webhook.js';

/** Alertmanager settings. */
export interface AlertmanagerConfig {
  /** Base URL; alerts go to `<url>/api/v2/alerts`. */
  readonly url: string;
  /** Base of `runbook_url` annotations (the incident or anomaly id is appended); absent = none. */
  readonly runbookUrl?: string;
  /** Labels added to every alert; may not replace Homeostat's own. Default none. */
  readonly labels: Readonly<Record<string, string>>;
  /** Extra request headers (e.g. `Authorization` for a proxy). Default none. */
  readonly headers: Readonly<Record<string, string>>;
  /** `endsAt` of a firing alert is this far ahead (ms). Default 300 000. */
  readonly firingTtlMs: number;
  /** An alert no event refreshed for this long lapses (ms). Default 7 200 000. */
  readonly staleAfterMs: number;
}

/** PagerDuty settings. */
export interface PagerDutyConfig {
  readonly routingKey: string;
  /** Default `https://events.pagerduty.com/v2/enqueue`. */
  readonly url: string;
  /** Default `[escalated]`. */
  readonly triggerOn: readonly PagerDutyTrigger[];
  /** Default true. */
  readonly acknowledgeOnRemediation: boolean;
  /** REST API notes; absent = none. `apiUrl` defaults to `https://api.pagerduty.com`. */
  readonly notes?: { readonly token: string; readonly from: string; readonly apiUrl: string };
}

/** One signed webhook. */
export interface WebhookConfig {
  /** Name in stats and logs. Default `webhook-<index>`. */
  readonly name: string;
  readonly url: string;
  /** `whsec_<base64>`. */
  readonly secret: string;
  /** Event patterns (`incident.>`, `anomaly.raised`). */
  readonly events: readonly string[];
}

/** The whole `notify:` section, with defaults applied. */
export interface NotifyConfig {
  /** Homeostat's external URL, used in links. Default `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Messages waiting per sink before the oldest is dropped. Default 1000. */
  readonly queueSize: number;
  /** Attempts per message, the first included. Default 5. */
  readonly maxAttempts: number;
  /** First retry delay (ms); doubles per attempt, with jitter. Default 1000. */
  readonly backoffMs: number;
  /** Cap of a retry delay, `Retry-After` included (ms). Default 60 000. */
  readonly maxBackoffMs: number;
  /** Time allowed per request (ms). Default 10 000. */
  readonly timeoutMs: number;
  /** Firing Alertmanager alerts are re-sent this often (ms; 0 = never). Default 60 000. */
  readonly resendEveryMs: number;
  readonly alertmanager?: AlertmanagerConfig;
  readonly pagerduty?: PagerDutyConfig;
  readonly webhooks: readonly WebhookConfig[];
}

/** Defaults of the top-level settings. */
export const NOTIFY_DEFAULTS = {
  baseUrl: 'http://127.0.0.1:8080',
  queueSize: 1000,
  maxAttempts: 5,
  backoffMs: 1000,
  maxBackoffMs: 60_000,
  timeoutMs: 10_000,
  resendEveryMs: 60_000,
} as const;

const TOP_KEYS = [
  'baseUrl',
  'queueSize',
  'maxAttempts',
  'backoffMs',
  'maxBackoffMs',
  'timeoutMs',
  'resendEveryMs',
  'alertmanager',
  'pagerduty',
  'webhooks',
];
const AM_KEYS = ['url', 'runbookUrl', 'labels', 'headers', 'firingTtlMs', 'staleAfterMs'];
const PD_KEYS = ['routingKey', 'url', 'triggerOn', 'acknowledgeOnRemediation', 'notes'];
const NOTES_KEYS = ['token', 'from', 'apiUrl'];
const WEBHOOK_KEYS = ['name', 'url', 'secret', 'events'];
const OWN_LABELS = ['alertname', 'severity', 'entity', 'entity_kind', 'metric', 'incident', 'horizon'];
const TRIGGERS: readonly PagerDutyTrigger[] = ['opened', 'escalated'];

/**
 * Parses the value of the `notify:` section (from YAML or JSON). Unknown keys, wrong types,
 * out-of-range numbers, bad URLs, secrets and patterns throw `invalid_argument` naming the field:
 * `notify.pagerduty.routingKey must be the 32-character integration key (got "abc")`.
 * `where` prefixes every field name. Absent or null = nothing configured.
 */
export function parseNotifyConfig(section: unknown, where = 'notify'): NotifyConfig {
  const root = section === undefined || section === null ? {} : mapping(section, where);
  onlyKeys(root, TOP_KEYS, where);
  const config: NotifyConfig = {
    baseUrl: httpUrl(root.baseUrl ?? NOTIFY_DEFAULTS.baseUrl, `${where}.baseUrl`),
    queueSize: int(root.queueSize ?? NOTIFY_DEFAULTS.queueSize, `${where}.queueSize`, 1),
    maxAttempts: int(root.maxAttempts ?? NOTIFY_DEFAULTS.maxAttempts, `${where}.maxAttempts`, 1),
    backoffMs: int(root.backoffMs ?? NOTIFY_DEFAULTS.backoffMs, `${where}.backoffMs`, 0),
    maxBackoffMs: int(root.maxBackoffMs ?? NOTIFY_DEFAULTS.maxBackoffMs, `${where}.maxBackoffMs`, 0),
    timeoutMs: int(root.timeoutMs ?? NOTIFY_DEFAULTS.timeoutMs, `${where}.timeoutMs`, 1),
    resendEveryMs: int(root.resendEveryMs ?? NOTIFY_DEFAULTS.resendEveryMs, `${where}.resendEveryMs`, 0),
    webhooks: [],
  };
  if (config.maxBackoffMs < config.backoffMs) {
    throw invalid(`${where}.maxBackoffMs must be at least backoffMs (${config.backoffMs}) (got ${config.maxBackoffMs})`);
  }
  const out: { -readonly [K in keyof NotifyConfig]: NotifyConfig[K] } = { ...config };
  if (root.alertmanager !== undefined) out.alertmanager = alertmanager(root.alertmanager, `${where}.alertmanager`);
  if (root.pagerduty !== undefined) out.pagerduty = pagerduty(root.pagerduty, `${where}.pagerduty`);
  if (root.webhooks !== undefined) out.webhooks = webhooks(root.webhooks, `${where}.webhooks`);
  return out;
}

function alertmanager(value: unknown, where: string): AlertmanagerConfig {
  const m = mapping(value, where);
  onlyKeys(m, AM_KEYS, where);
  const labels = stringMap(m.labels ?? {}, `${where}.labels`);
  for (const name of Object.keys(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw invalid(`${where}.labels has a key that is not a label name (got ${describe(name)})`);
    if (OWN_LABELS.includes(name)) throw invalid(`${where}.labels may not set ${describe(name)}: Homeostat sets ${OWN_LABELS.join(', ')}`);
  }
  return {
    url: httpUrl(required(m.url, `${where}.url`), `${where}.url`),
    ...(m.runbookUrl !== undefined ? { runbookUrl: httpUrl(m.runbookUrl, `${where}.runbookUrl`) } : {}),
    labels,
    headers: stringMap(m.headers ?? {}, `${where}.headers`),
    firingTtlMs: int(m.firingTtlMs ?? 300_000, `${where}.firingTtlMs`, 1000),
    staleAfterMs: int(m.staleAfterMs ?? 7_200_000, `${where}.staleAfterMs`, 1000),
  };
}

function pagerduty(value: unknown, where: string): PagerDutyConfig {
  const m = mapping(value, where);
  onlyKeys(m, PD_KEYS, where);
  const key = m.routingKey;
  if (typeof key !== 'string' || !/^\S{32}$/.test(key)) {
    throw invalid(
      `${where}.routingKey must be the 32-character integration key of an Events API v2 integration (got ${typeof key === 'string' ? `${key.length} characters` : describe(key)})`,
    );
  }
  const triggerOn = m.triggerOn ?? ['escalated'];
  if (!Array.isArray(triggerOn) || triggerOn.length === 0) {
    throw invalid(`${where}.triggerOn must be a non-empty list of ${TRIGGERS.join(', ')} (got ${describe(triggerOn)})`);
  }
  triggerOn.forEach((t: unknown, i: number) => {
    if (!TRIGGERS.includes(t as PagerDutyTrigger))
      throw invalid(`${where}.triggerOn[${i}] must be one of ${TRIGGERS.join(', ')} (got ${describe(t)})`);
  });
  const ack = m.acknowledgeOnRemediation ?? true;
  if (typeof ack !== 'boolean') throw invalid(`${where}.acknowledgeOnRemediation must be true or false (got ${describe(ack)})`);
  const config: PagerDutyConfig = {
    routingKey: key,
    url: httpUrl(m.url ?? PAGERDUTY_EVENTS_URL, `${where}.url`),
    triggerOn: [...new Set(triggerOn as PagerDutyTrigger[])],
    acknowledgeOnRemediation: ack,
  };
  if (m.notes === undefined) return config;
  const n = mapping(m.notes, `${where}.notes`);
  onlyKeys(n, NOTES_KEYS, `${where}.notes`);
  const from = text(n.from, `${where}.notes.from`);
  if (!/^[^\s@]+@[^\s@]+$/.test(from)) throw invalid(`${where}.notes.from must be the email of a PagerDuty user (got ${describe(from)})`);
  return {
    ...config,
    notes: { token: text(n.token, `${where}.notes.token`), from, apiUrl: httpUrl(n.apiUrl ?? PAGERDUTY_API_URL, `${where}.notes.apiUrl`) },
  };
}

function webhooks(value: unknown, where: string): WebhookConfig[] {
  if (!Array.isArray(value)) throw invalid(`${where} must be a list of {url, secret, events} (got ${describe(value)})`);
  const names = new Set<string>();
  return value.map((item: unknown, i: number): WebhookConfig => {
    const at = `${where}[${i}]`;
    const m = mapping(item, at);
    onlyKeys(m, WEBHOOK_KEYS, at);
    const name = m.name === undefined ? `webhook-${i}` : text(m.name, `${at}.name`);
    if (names.has(name)) throw invalid(`${at}.name must be unique (got ${describe(name)} twice)`);
    names.add(name);
    const secret = text(m.secret, `${at}.secret`);
    parseWebhookSecret(secret, `${at}.secret`);
    const events = m.events;
    if (!Array.isArray(events) || events.length === 0) {
      throw invalid(`${at}.events must be a non-empty list of event patterns such as incident.> (got ${describe(events)})`);
    }
    events.forEach((p: unknown, j: number) => {
      if (typeof p !== 'string' || !/^[^\s.]+(\.[^\s.]+)*$/.test(p) || eventPattern(p).split('.').length > 3) {
        throw invalid(`${at}.events[${j}] must be an event pattern such as incident.>, anomaly.raised or action.* (got ${describe(p)})`);
      }
    });
    return { name, url: httpUrl(required(m.url, `${at}.url`), `${at}.url`), secret, events: events as string[] };
  });
}

function mapping(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${what} must be a mapping (got ${describe(value)})`);
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(`${what} has unknown key ${describe(key)} (expected one of ${allowed.join(', ')})`);
  }
}

function required(value: unknown, what: string): unknown {
  if (value === undefined || value === null) throw invalid(`${what} is required (got ${describe(value)})`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${what} must be a non-empty string (got ${describe(value)})`);
  return value;
}

function int(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalid(`${what} must be an integer >= ${min} (got ${describe(value)})`);
  }
  return value;
}

function stringMap(value: unknown, what: string): Record<string, string> {
  const m = mapping(value, what);
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw invalid(`${what}.${k} must be a string (got ${describe(v)})`);
  }
  return m as Record<string, string>;
}
