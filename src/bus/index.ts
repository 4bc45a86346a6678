/**
 * @module bus
 * The Bus port and the loop's typed events.
 */
export type { Bus, EventHandler, Unsubscribe } from './bus.js';
export { type EngineEvent, EVENT_TYPES, type EventType, subjectMatches, subjectOf } from './events.js';
