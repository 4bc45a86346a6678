/**
 * @module notify/notifier
 * The {@link Notifier} listens to the bus and delivers what each sink makes of an event, without
 * ever holding up the engine: a bus handler only maps the event and enqueues. Each sink has its
 * own bounded FIFO queue worked by one sender (order kept: a PagerDuty `resolve` never overtakes
 * its `trigger`); a full queue drops its oldest message and counts it. Failed attempts that may
 * succeed later (429, 5xx, network) are retried up to `maxAttempts` with exponential backoff and
 * jitter (`backoffMs · 2^(n-1)`, scaled by a factor in [0.5, 1) from the injected RNG, capped at
 * `maxBackoffMs`; a `Retry-After` answer is honoured up to the cap); others (400) are given up at
 * once and logged. A message whose state was already queued or sent (same incident, same status)
 * is dropped as a repeat.
 */
import type { Bus, Unsubscribe } from '../bus/bus.js';
import { compileSubjectPattern, type EngineEvent, subjectOf } from '../bus/events.js';
import { type Clock, systemClock } from '../clock.js';
import { AlertmanagerClient } from './alertmanager-client.js';
import type { NotifyConfig } from './notify-config.js';
import { PagerDutyClient } from './pagerduty-client.js';
import { SignedWebhook } from './signed-webhook.js';
import type { Delivery, NotifyMessage, NotifySink, SinkStats } from './types.js';

/** Delivery settings and injected effects of a {@link Notifier}. */
export interface NotifierOptions {
  /** Messages waiting per sink before the oldest is dropped (≥ 1). Default 1000. */
  readonly queueSize?: number;
  /** Attempts per message, the first included (≥ 1). Default 5. */
  readonly maxAttempts?: number;
  /** First retry delay (ms). Default 1000. */
  readonly backoffMs?: number;
  /** Cap of any retry delay (ms). Default 60 000. */
  readonly maxBackoffMs?: number;
  /** Sinks with `resend` are asked for re-sends this often once attached (ms; 0 = never). Default 60 000. */
  readonly resendEveryMs?: number;
  /** Time given to sinks (`now`). Default the wall clock. */
  readonly clock?: Clock;
  /** Uniform [0, 1) numbers for jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Waits between attempts. Default a timer that `close()` cuts short. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Where give-ups and drops are reported. Default: nowhere (they are still counted). */
  readonly log?: (line: string) => void;
}

interface SinkState {
  readonly sink: NotifySink;
  readonly matchers: readonly ((subject: string) => boolean)[];
  readonly queue: NotifyMessage[];
  /** Dedup keys queued or sent, oldest first (bounded). */
  readonly seen: Set<string>;
  running: boolean;
  sent: number;
  failed: number;
  dropped: number;
  retried: number;
  deduplicated: number;
}

const MAX_SEEN = 20_000;

/**
 * Delivers engine events to notification sinks. Build it with {@link createNotifier} from a
 * parsed config, or with sinks directly; then `attach(bus)`; at shutdown `close()`.
 * @example const n = createNotifier(parseNotifyConfig(doc.notify), { log }); n.attach(bus); … await n.close();
 */
export class Notifier {
  readonly #states: SinkState[];
  readonly #queueSize: number;
  readonly #maxAttempts: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #resendEveryMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #sleep: ((ms: number) => Promise<void>) | undefined;
  readonly #log: (line: string) => void;
  readonly #unsubscribes: Unsubscribe[] = [];
  readonly #wakers = new Set<() => void>();
  #idle: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(sinks: readonly NotifySink[], options: NotifierOptions = {}) {
    this.#states = sinks.map((sink) => ({
      sink,
      matchers: sink.patterns.map(compileSubjectPattern),
      queue: [],
      seen: new Set(),
      running: false,
      sent: 0,
      failed: 0,
      dropped: 0,
      retried: 0,
      deduplicated: 0,
    }));
    this.#queueSize = Math.max(1, options.queueSize ?? 1000);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#backoffMs = options.backoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.#resendEveryMs = options.resendEveryMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep;
    this.#log = options.log ?? (() => {});
  }

  /** Names of the sinks, in order. */
  get sinks(): readonly string[] {
    return this.#states.map((s) => s.sink.name);
  }

  /**
   * Subscribes to every subject a sink listens to, and starts the periodic re-send. The handlers
   * only enqueue: `publish` never waits for a network round trip.
   */
  attach(bus: Bus): void {
    const patterns = new Set(this.#states.flatMap((s) => s.sink.patterns));
    for (const p of patterns) this.#unsubscribes.push(bus.subscribe(p, (e) => this.#accept(e, p)));
    if (this.#resendEveryMs > 0 && this.#timer === undefined && this.#states.some((s) => s.sink.resend)) {
      this.#timer = setInterval(() => this.resendActive(), this.#resendEveryMs);
      this.#timer.unref();
    }
  }

  /** Hands one event to every sink that listens to its subject (what the bus handlers do). */
  notify(e: EngineEvent): void {
    this.#accept(e, undefined);
  }

  /** Enqueues the sinks' periodic re-sends (Alertmanager's firing alerts) now. */
  resendActive(): void {
    if (this.#closing) return;
    const now = this.#clock.now();
    for (const state of this.#states) {
      if (!state.sink.resend) continue;
      for (const m of this.#safely(state, () => state.sink.resend?.(now) ?? [])) this.#enqueue(state, m);
    }
  }

  /** Counters per sink name. */
  stats(): Record<string, SinkStats> {
    const out: Record<string, SinkStats> = {};
    for (const s of this.#states) {
      out[s.sink.name] = {
        sent: s.sent,
        failed: s.failed,
        dropped: s.dropped,
        retried: s.retried,
        deduplicated: s.deduplicated,
        queued: s.queue.length,
      };
    }
    return out;
  }

  /** Resolves once every queue is empty and no message is in flight (retries included). */
  flush(): Promise<void> {
    if (this.#states.every((s) => !s.running && s.queue.length === 0)) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Stops listening and re-sending, then delivers what is queued with no further retries (each
   * waiting message gets one attempt; pending backoff waits end at once). Idempotent.
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (const u of this.#unsubscribes.splice(0)) u();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
    await this.flush();
  }

  #accept(e: EngineEvent, pattern: string | undefined): void {
    if (this.#closing) return;
    const subject = subjectOf(e);
    const now = this.#clock.now();
    for (const state of this.#states) {
      // A sink listening to several patterns gets the event from the first of them only.
      const first = state.sink.patterns.find((_, i) => state.matchers[i]?.(subject));
      if (first === undefined || (pattern !== undefined && first !== pattern)) continue;
      for (const m of this.#safely(state, () => state.sink.messagesFor(e, now))) this.#enqueue(state, m);
    }
  }

  #safely(state: SinkState, make: () => readonly NotifyMessage[]): readonly NotifyMessage[] {
    try {
      return make();
    } catch (err) {
      state.failed++;
      this.#log(`notify ${state.sink.name}: could not build a notification: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }

  #enqueue(state: SinkState, m: NotifyMessage): void {
    if (m.dedupKey !== undefined) {
      if (state.seen.has(m.dedupKey)) {
        state.deduplicated++;
        return;
      }
      state.seen.add(m.dedupKey);
      if (state.seen.size > MAX_SEEN) {
        const oldest = state.seen.values().next().value;
        if (oldest !== undefined) state.seen.delete(oldest);
      }
    }
    if (state.queue.length >= this.#queueSize) {
      const gone = state.queue.shift();
      state.dropped++;
      if (gone?.dedupKey !== undefined) state.seen.delete(gone.dedupKey);
      if (state.dropped === 1 || state.dropped % 100 === 0) {
        this.#log(`notify ${state.sink.name}: queue full (${this.#queueSize}), dropped the oldest message (${state.dropped} so far)`);
      }
    }
    state.queue.push(m);
    if (!state.running) void this.#drain(state);
  }

  async #drain(state: SinkState): Promise<void> {
    state.running = true;
    try {
      for (let m = state.queue.shift(); m !== undefined; m = state.queue.shift()) await this.#deliver(state, m);
    } finally {
      state.running = false;
      if (this.#states.every((s) => !s.running && s.queue.length === 0)) {
        const waiting = this.#idle;
        this.#idle = [];
        for (const resolve of waiting) resolve();
      }
    }
  }

  async #deliver(state: SinkState, m: NotifyMessage): Promise<void> {
    for (let n = 1; ; n++) {
      let res: Delivery;
      try {
        res = await state.sink.send(m, this.#clock.now());
      } catch (err) {
        res = { ok: false, retry: true, error: err instanceof Error ? err.message : String(err) };
      }
      if (res.ok) {
        state.sent++;
        return;
      }
      if (!res.retry || n >= this.#maxAttempts || this.#closing) {
        state.failed++;
        if (m.dedupKey !== undefined) state.seen.delete(m.dedupKey);
        const why = !res.retry ? 'refused' : `failed after ${n} attempt${n > 1 ? 's' : ''}`;
        this.#log(`notify ${state.sink.name}: ${m.what} ${why}: ${res.error}`);
        return;
      }
      state.retried++;
      await this.#wait(this.#delayMs(n, res.retryAfterMs));
    }
  }

  /** Delay before attempt n + 1. */
  #delayMs(n: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.#maxBackoffMs);
    const base = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** (n - 1));
    return Math.round(base * (0.5 + 0.5 * this.#random()));
  }

  #wait(ms: number): Promise<void> {
    if (this.#sleep !== undefined) return this.#sleep(ms);
    if (this.#closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wakers.add(done);
    });
  }
}

/** Injected effects of {@link createNotifier}. */
export interface NotifierDeps {
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
  readonly log?: (line: string) => void;
}

/**
 * Builds the sinks a parsed `notify:` section configures (Alertmanager, PagerDuty, each webhook)
 * and a {@link Notifier} over them. With nothing configured the notifier has no sinks and does
 * nothing.
 */
export function createNotifier(config: NotifyConfig, deps: NotifierDeps = {}): Notifier {
  const common = { timeoutMs: config.timeoutMs, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
  const sinks: NotifySink[] = [];
  const am = config.alertmanager;
  if (am) {
    sinks.push(
      new AlertmanagerClient({
        ...common,
        url: am.url,
        baseUrl: config.baseUrl,
        ...(am.runbookUrl !== undefined ? { runbookUrl: am.runbookUrl } : {}),
        labels: am.labels,
        headers: am.headers,
        firingTtlMs: am.firingTtlMs,
        staleAfterMs: am.staleAfterMs,
      }),
    );
  }
  const pd = config.pagerduty;
  if (pd) {
    sinks.push(
      new PagerDutyClient({
        ...common,
        routingKey: pd.routingKey,
        baseUrl: config.baseUrl,
        url: pd.url,
        triggerOn: pd.triggerOn,
        acknowledgeOnRemediation: pd.acknowledgeOnRemediation,
        ...(pd.notes ? { notes: pd.notes } : {}),
      }),
    );
  }
  for (const w of config.webhooks)
    sinks.push(new SignedWebhook({ ...common, name: w.name, url: w.url, secret: w.secret, events: w.events }));
  return new Notifier(sinks, {
    queueSize: config.queueSize,
    maxAttempts: config.maxAttempts,
    backoffMs: config.backoffMs,
    maxBackoffMs: config.maxBackoffMs,
    resendEveryMs: config.resendEveryMs,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.log ? { log: deps.log } : {}),
  });
}
