/**
 * @module bus/events
 * Typed events, one per arrow of the loop. Each event's subject is `<type>.<entity>` so that a
 * NATS JetStream adapter can partition by entity (`telemetry.points.service:checkout`).
 */
import type { Action, Anomaly, ChangeEvent, Hypothesis, Incident, Prediction } from '../records/types.js';
import type { Point, SeriesRecord } from '../telemetry/types.js';

/** Every event on the bus. */
export type EngineEvent =
  | { readonly type: 'telemetry.points'; readonly entity: string; readonly series: SeriesRecord; readonly points: readonly Point[] }
  | { readonly type: 'change.recorded'; readonly entity: string; readonly event: ChangeEvent }
  | { readonly type: 'anomaly.raised'; readonly entity: string; readonly anomaly: Anomaly }
  | { readonly type: 'prediction.made'; readonly entity: string; readonly prediction: Prediction }
  | { readonly type: 'incident.opened'; readonly entity: string; readonly incident: Incident }
  | { readonly type: 'incident.resolved'; readonly entity: string; readonly incident: Incident }
  | { readonly type: 'incident.escalated'; readonly entity: string; readonly incident: Incident }
  | { readonly type: 'rca.ranked'; readonly entity: string; readonly incidentId: string; readonly hypotheses: readonly Hypothesis[] }
  | { readonly type: 'action.proposed'; readonly entity: string; readonly action: Action }
  | { readonly type: 'action.executed'; readonly entity: string; readonly action: Action }
  | { readonly type: 'action.verified'; readonly entity: string; readonly action: Action }
  | {
      readonly type: 'model.promoted';
      /** The registered model's name (models are not twin entities; the subject partitions by it). */
      readonly entity: string;
      readonly name: string;
      readonly version: number;
      readonly previous: number | null;
      readonly at: number;
      readonly reason: string;
    }
  | {
      readonly type: 'model.drift';
      readonly entity: string;
      readonly name: string;
      readonly at: number;
      /** What drifted: `mistakes` (live accuracy), or an input feature's name. */
      readonly signal: string;
      readonly explanation: string;
    };

/** The event type names. */
export type EventType = EngineEvent['type'];

/** Every event type, in loop order. */
export const EVENT_TYPES: readonly EventType[] = [
  'telemetry.points',
  'change.recorded',
  'anomaly.raised',
  'prediction.made',
  'incident.opened',
  'rca.ranked',
  'action.proposed',
  'action.executed',
  'action.verified',
  'incident.resolved',
  'incident.escalated',
  'model.drift',
  'model.promoted',
];

/** Subject of an event: its type, then its entity with dots replaced (`anomaly.raised.host:h-1`). */
export function subjectOf(e: EngineEvent): string {
  return `${e.type}.${e.entity.replaceAll('.', '_')}`;
}

/**
 * Whether a subject matches a pattern with NATS wildcards: `*` one token, `>` one or more
 * trailing tokens.
 * @example subjectMatches('anomaly.raised.>', 'anomaly.raised.host:h1') // true
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  return compileSubjectPattern(pattern)(subject);
}

/**
 * Compiles a pattern once into a matcher, for buses that test every published subject against
 * every subscription: a literal prefix followed by `>` (the common case) becomes a prefix test.
 */
export function compileSubjectPattern(pattern: string): (subject: string) => boolean {
  if (!pattern.includes('*')) {
    if (pattern === '>') return (subject) => subject.length > 0;
    if (pattern.endsWith('.>') && !pattern.slice(0, -2).includes('>')) {
      const prefix = pattern.slice(0, -1);
      return (subject) => subject.length > prefix.length && subject.startsWith(prefix);
    }
    if (!pattern.includes('>')) return (subject) => subject === pattern;
  }
  return (subject) => matchTokens(pattern, subject);
}

function matchTokens(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const tok = p[i];
    if (tok === '>') return s.length > i;
    if (i >= s.length) return false;
    if (tok !== '*' && tok !== s[i]) return false;
  }
  return p.length === s.length;
}
