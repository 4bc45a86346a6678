/**
 * @module bus/memory/memory-bus
 * The in-process Bus: delivery is synchronous in subscription order and `publish` resolves when
 * every handler has finished, so the loop is deterministic under the simulator. A failing handler
 * is counted and reported through `onError`; it never stops delivery to the others.
 */
import type { Bus, EventHandler, Unsubscribe } from '../bus.js';
import { compileSubjectPattern, type EngineEvent, subjectOf } from '../events.js';

interface Subscription {
  readonly matches: (subject: string) => boolean;
  readonly handler: EventHandler;
}

/** Options of the in-process bus. */
export interface MemoryBusOptions {
  /** Called with every handler failure; default: none (failures are still counted). */
  readonly onError?: (error: unknown, event: EngineEvent) => void;
}

/** In-process publish/subscribe with NATS-style subject patterns. */
export class MemoryBus implements Bus {
  #subs: Subscription[] = [];
  #closed = false;
  #onError: ((error: unknown, event: EngineEvent) => void) | undefined;
  #published = 0;
  #failures = 0;

  constructor(options: MemoryBusOptions = {}) {
    this.#onError = options.onError;
  }

  /** Events published so far. */
  get published(): number {
    return this.#published;
  }

  /** Handler failures so far. */
  get failures(): number {
    return this.#failures;
  }

  async publish(e: EngineEvent): Promise<void> {
    if (this.#closed) throw new Error(`bus is closed (publishing ${e.type})`);
    this.#published++;
    const subject = subjectOf(e);
    for (const s of this.#subs.slice()) {
      if (!s.matches(subject)) continue;
      try {
        await s.handler(e);
      } catch (error) {
        this.#failures++;
        this.#onError?.(error, e);
      }
    }
  }

  subscribe(pattern: string, handler: EventHandler): Unsubscribe {
    const sub = { matches: compileSubjectPattern(pattern), handler };
    this.#subs.push(sub);
    return () => {
      this.#subs = this.#subs.filter((s) => s !== sub);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subs = [];
  }
}
