/**
 * @module notify/types
 * The public shapes of notifications out: a sink (one destination: Alertmanager, PagerDuty, a
 * webhook), the messages it asks the {@link Notifier} to deliver, and the outcome of one attempt.
 */
import type { EngineEvent } from '../bus/events.js';

/**
 * Outcome of one HTTP attempt. `retry` says whether trying again may help (429, 5xx, 408, network
 * errors, timeouts); `retryAfterMs` carries the receiver's `Retry-After` when it gave one.
 */
export type Delivery =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | {
      readonly ok: false;
      readonly retry: boolean;
      readonly status?: number;
      readonly retryAfterMs?: number;
      /** What went wrong, for logs: the status and what the receiver said, or the network error. */
      readonly error: string;
    };

/** One notification a sink wants delivered. */
export interface NotifyMessage {
  /**
   * Identity of the state it reports (`inc-7:escalated`): a message whose key was already queued
   * or sent by the same sink is dropped as a repeat. Absent: never deduplicated (re-sends).
   */
  readonly dedupKey?: string;
  /** A short description for logs (`trigger inc-7`). */
  readonly what: string;
  /** Protocol payload, handed back to {@link NotifySink.send} unchanged. */
  readonly body: unknown;
}

/**
 * A destination of notifications. `messagesFor` turns an engine event into zero or more
 * messages (it may update the sink's own memory of open incidents and alerts; it does no I/O);
 * `send` makes one attempt and never throws.
 */
export interface NotifySink {
  /** Name in stats and logs (`alertmanager`, `pagerduty`, `webhook:ops`). */
  readonly name: string;
  /** Bus subject patterns the sink listens to (`incident.>`). */
  readonly patterns: readonly string[];
  messagesFor(e: EngineEvent, now: number): readonly NotifyMessage[];
  send(message: NotifyMessage, now: number): Promise<Delivery>;
  /** Messages to send again periodically (Alertmanager's still-firing alerts); optional. */
  resend?(now: number): readonly NotifyMessage[];
}

/** Counters of one sink, for `/metrics`. */
export interface SinkStats {
  /** Messages delivered (2xx). */
  readonly sent: number;
  /** Messages given up on: refused (4xx), or still failing after the last attempt. */
  readonly failed: number;
  /** Messages dropped unsent because the queue was full (the oldest go first). */
  readonly dropped: number;
  /** Attempts that failed and were tried again. */
  readonly retried: number;
  /** Messages skipped as repeats of a state already queued or sent. */
  readonly deduplicated: number;
  /** Messages waiting now. */
  readonly queued: number;
}
