/**
 * @module notify/signed-webhook
 * Generic webhooks signed per the Standard Webhooks specification 1.0
 * (https://www.standardwebhooks.com, github.com/standard-webhooks/standard-webhooks/spec).
 *
 * Request: `POST url`, `Content-Type: application/json`, body = the engine event as JSON, and
 * - `webhook-id`: `msg_<…>`, derived from the event, the same on every retry (an idempotency key);
 * - `webhook-timestamp`: integer Unix seconds of this attempt;
 * - `webhook-signature`: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed by the
 *   base64-decoded part of a `whsec_<base64>` secret (24 to 64 bytes, as the spec asks).
 * Receivers check it with {@link verifyWebhookSignature}, or with any Standard Webhooks library.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { compileSubjectPattern, type EngineEvent, EVENT_TYPES, subjectOf } from '../bus/events.js';
import { describe, invalid } from '../errors.js';
import { attempt, httpUrl } from './http-delivery.js';
import type { Delivery, NotifyMessage, NotifySink } from './types.js';

/**
 * HMAC-SHA256 of `message` under `key` (a string is used as its UTF-8 bytes): the one signing
 * primitive of Homeostat's outbound requests.
 */
export function hmacSha256(key: string | Uint8Array, message: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(message).digest();
}

const SECRET_PREFIX = 'whsec_';

/**
 * Decodes a Standard Webhooks secret `whsec_<base64>` into its key bytes.
 * @throws HomeostatError invalid_argument when the prefix is missing, the rest is not base64, or
 * the key is not 24 to 64 bytes long. `what` names the setting in the message.
 * @example parseWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').length // 24
 */
export function parseWebhookSecret(secret: unknown, what = 'webhook secret'): Buffer {
  const how = `generate one with: node -e "console.log('whsec_'+require('crypto').randomBytes(32).toString('base64'))"`;
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) {
    throw invalid(`${what} must be "whsec_" followed by base64 of 24 to 64 random bytes (got ${redacted(secret)}); ${how}`);
  }
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw invalid(`${what} must be "whsec_" followed by standard base64 (got ${redacted(secret)}); ${how}`);
  }
  const key = Buffer.from(b64, 'base64');
  if (key.length < 24 || key.length > 64) throw invalid(`${what} must decode to 24 to 64 bytes (got ${key.length}); ${how}`);
  return key;
}

/**
 * The `webhook-signature` value `v1,<base64>` of one message.
 * @param timestampSeconds integer Unix seconds, as sent in `webhook-timestamp`.
 * @example signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
 * // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function signWebhook(secret: string | Uint8Array, id: string, timestampSeconds: number, body: string): string {
  const key = typeof secret === 'string' ? parseWebhookSecret(secret) : secret;
  return `v1,${hmacSha256(key, `${id}.${timestampSeconds}.${body}`).toString('base64')}`;
}

/** Headers as node's `IncomingMessage.headers`, a fetch `Headers`, or a plain record. */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What {@link verifyWebhookSignature} found. */
export type WebhookVerification =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly reason: string };

/** Input of {@link verifyWebhookSignature}. */
export interface VerifyWebhookInput {
  /** The shared `whsec_…` secret. */
  readonly secret: string;
  readonly headers: HeaderSource;
  /** The raw body exactly as received (never re-serialised JSON). */
  readonly body: string | Uint8Array;
  /** Receiver's current time (epoch ms). */
  readonly now: number;
  /** Largest accepted distance between `webhook-timestamp` and `now` (ms). Default 5 min. */
  readonly toleranceMs?: number;
}

/**
 * Checks a received webhook: the three headers are present, the timestamp is within the
 * tolerance of `now` (replay protection), and one of the space-separated `v1,` signatures matches
 * (constant-time comparison). Returns a value, never throws for a bad request; throws
 * `invalid_argument` only for a malformed secret.
 * @example verifyWebhookSignature({ secret, headers: req.headers, body: raw, now: Date.now() }).ok
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): WebhookVerification {
  const key = parseWebhookSecret(input.secret);
  const id = header(input.headers, 'webhook-id');
  const ts = header(input.headers, 'webhook-timestamp');
  const sigs = header(input.headers, 'webhook-signature');
  if (id === undefined || ts === undefined || sigs === undefined) {
    return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' };
  }
  if (!/^\d+$/.test(ts)) return { ok: false, reason: `webhook-timestamp must be integer Unix seconds (got ${describe(ts)})` };
  const timestamp = Number(ts);
  const toleranceMs = input.toleranceMs ?? 5 * 60_000;
  if (Math.abs(input.now - timestamp * 1000) > toleranceMs) {
    return { ok: false, reason: `webhook-timestamp ${timestamp} is more than ${toleranceMs} ms away from now` };
  }
  const body = typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
  const expected = hmacSha256(key, `${id}.${ts}.${body}`);
  for (const sig of sigs.split(' ')) {
    const comma = sig.indexOf(',');
    if (comma < 0 || sig.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(sig.slice(comma + 1), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'no v1 signature matches' };
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  for (const [k, v] of Object.entries(record)) {
    if (k.toLowerCase() !== name) continue;
    return typeof v === 'string' ? v : v?.[0];
  }
  return undefined;
}

function redacted(secret: unknown): string {
  if (typeof secret !== 'string') return describe(secret);
  return `a string of ${secret.length} characters ${secret.startsWith(SECRET_PREFIX) ? 'starting "whsec_"' : 'without the "whsec_" prefix'}`;
}

/**
 * Normalises an event pattern: a two-token event type pattern (`incident.opened`, `incident.*`)
 * matches that type on every entity (`incident.opened.>`); longer patterns and those ending in
 * `>` are NATS subject patterns used as they are.
 */
export function eventPattern(pattern: string): string {
  const tokens = pattern.split('.');
  return tokens.length === 2 && tokens[1] !== '>' ? `${pattern}.>` : pattern;
}

/** Options of {@link SignedWebhook}. */
export interface SignedWebhookOptions {
  readonly url: string;
  /** `whsec_<base64>` secret shared with the receiver. */
  readonly secret: string;
  /** Event patterns (`incident.>`, `anomaly.raised`, `action.*`); see {@link eventPattern}. */
  readonly events: readonly string[];
  /** Name in stats and logs. Default `webhook`. */
  readonly name?: string;
  /** Time allowed per attempt (ms). Default 10 000 (the spec suggests receivers answer in 15–30 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/**
 * A webhook sink: every event matching its patterns is POSTed as JSON with Standard Webhooks
 * signature headers (re-signed with a fresh timestamp on every attempt).
 * @throws HomeostatError invalid_argument for a bad URL, secret or pattern.
 */
export class SignedWebhook implements NotifySink {
  readonly name: string;
  readonly patterns: readonly string[];
  readonly #url: string;
  readonly #key: Buffer;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #matchers: readonly ((subject: string) => boolean)[];

  constructor(options: SignedWebhookOptions) {
    this.name = options.name ?? 'webhook';
    this.#url = httpUrl(options.url, `${this.name} url`);
    this.#key = parseWebhookSecret(options.secret, `${this.name} secret`);
    if (options.events.length === 0) throw invalid(`${this.name} events must list at least one event pattern such as incident.>`);
    for (const p of options.events) {
      if (typeof p !== 'string' || !/^[^\s.]+(\.[^\s.]+)*$/.test(p)) {
        throw invalid(`${this.name} events must be patterns such as incident.> or ${EVENT_TYPES[2]} (got ${describe(p)})`);
      }
    }
    this.patterns = options.events.map(eventPattern);
    this.#matchers = this.patterns.map(compileSubjectPattern);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
  }

  messagesFor(e: EngineEvent): readonly NotifyMessage[] {
    const subject = subjectOf(e);
    if (!this.#matchers.some((m) => m(subject))) return [];
    const body = JSON.stringify(e);
    const id = `msg_${createHash('sha256').update(subject).update('\n').update(body).digest('base64url').slice(0, 27)}`;
    return [{ dedupKey: id, what: `${e.type} ${id}`, body: { id, body } satisfies WebhookBody }];
  }

  send(message: NotifyMessage, now: number): Promise<Delivery> {
    const { id, body } = message.body as WebhookBody;
    const timestamp = Math.floor(now / 1000);
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'homeostat',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(this.#key, id, timestamp, body),
    };
    return attempt(this.#fetch, { method: 'POST', url: this.#url, headers, body }, this.#timeoutMs, now);
  }
}

interface WebhookBody {
  readonly id: string;
  readonly body: string;
}
