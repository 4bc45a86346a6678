/**
 * @module bus/bus
 * The Bus port: publish typed events, subscribe by subject pattern. The in-process adapter is the
 * embedded default; a NATS JetStream adapter implements the same port for scale-out.
 */
import type { EngineEvent } from './events.js';

/** Stops a subscription. */
export type Unsubscribe = () => void;

/** A handler; a rejected promise is counted and reported, never stops the bus. */
export type EventHandler = (e: EngineEvent) => Promise<void> | void;

/** Publish/subscribe of engine events. */
export interface Bus {
  /** Delivers to every matching subscriber; resolves once they have handled it. */
  publish(e: EngineEvent): Promise<void>;
  /** Subscribes with a NATS-style pattern (`anomaly.raised.>`, `*.*.host:h1`). */
  subscribe(pattern: string, handler: EventHandler): Unsubscribe;
  close(): Promise<void>;
}
