/**
 * @module api/schemas
 * TypeBox schemas of the API's parameters, query strings and bodies. Fastify validates every
 * request against them and @fastify/swagger turns them into the OpenAPI document.
 */
import { type Static, Type } from '@sinclair/typebox';

/** A string enum as JSON-schema `enum` (clearer validation errors and OpenAPI than a union of literals). */
function literals<T extends string>(values: readonly T[]) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values] });
}

const Limit = Type.Integer({ minimum: 1, maximum: 10_000, description: 'at most this many rows (default 100)' });
const Time = Type.String({ minLength: 1, description: 'epoch milliseconds or an ISO 8601 time' });
const Id = Type.String({ minLength: 1, maxLength: 512 });

/** `:id` path parameter. */
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

/** Query of `GET /api/v1/series`. */
export const SeriesQuery = Type.Object({ entity: Type.Optional(Id), metric: Type.Optional(Id) }, { additionalProperties: false });
export type SeriesQuery = Static<typeof SeriesQuery>;

/** Query of `GET /api/v1/series/:id/points`. */
export const PointsQuery = Type.Object(
  { from: Type.Optional(Time), to: Type.Optional(Time), limit: Type.Optional(Limit) },
  { additionalProperties: false },
);
export type PointsQuery = Static<typeof PointsQuery>;

/** Query of `GET /api/v1/anomalies`. */
export const AnomaliesQuery = Type.Object(
  {
    entity: Type.Optional(Id),
    series: Type.Optional(Id),
    incident: Type.Optional(Id),
    status: Type.Optional(literals(['open', 'closed'] as const)),
    limit: Type.Optional(Limit),
    from: Type.Optional(Time),
    to: Type.Optional(Time),
  },
  { additionalProperties: false },
);
export type AnomaliesQuery = Static<typeof AnomaliesQuery>;

/** Query of `GET /api/v1/predictions`. */
export const PredictionsQuery = Type.Object(
  {
    entity: Type.Optional(Id),
    series: Type.Optional(Id),
    kind: Type.Optional(literals(['failure_risk', 'demand'] as const)),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export type PredictionsQuery = Static<typeof PredictionsQuery>;

/** Query of `GET /api/v1/incidents`. */
export const IncidentsQuery = Type.Object(
  {
    status: Type.Optional(literals(['open', 'remediating', 'verifying', 'resolved', 'escalated'] as const)),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export type IncidentsQuery = Static<typeof IncidentsQuery>;

/** Query of `GET /api/v1/decisions`. */
export const DecisionsQuery = Type.Object(
  {
    subject: Type.Optional(Id),
    kind: Type.Optional(literals(['detect', 'predict', 'attribute', 'act', 'escalate', 'verify', 'learn'] as const)),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export type DecisionsQuery = Static<typeof DecisionsQuery>;

/** Query of `GET /api/v1/actions`. */
export const ActionsQuery = Type.Object({ incident: Type.Optional(Id), limit: Type.Optional(Limit) }, { additionalProperties: false });
export type ActionsQuery = Static<typeof ActionsQuery>;

/** Body of `PATCH /api/v1/switches`. */
export const SwitchesBody = Type.Object(
  {
    killSwitch: Type.Optional(Type.Boolean({ description: 'when on, no action is executed' })),
    dryRun: Type.Optional(Type.Boolean({ description: 'when on, actions are dry-run only' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SwitchesBody = Static<typeof SwitchesBody>;

/** Body of `POST /api/v1/anomalies/:id/feedback`. */
export const AnomalyFeedbackBody = Type.Object(
  {
    label: literals(['true_positive', 'false_positive'] as const),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type AnomalyFeedbackBody = Static<typeof AnomalyFeedbackBody>;

/** Body of `POST /api/v1/incidents/:id/feedback`. */
export const IncidentFeedbackBody = Type.Object(
  {
    rootCause: Type.String({ minLength: 1, description: 'id of the entity confirmed as root cause' }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type IncidentFeedbackBody = Static<typeof IncidentFeedbackBody>;

/** Body of every error response. */
export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

/** Body of `POST /api/v1/ingest` responses. */
export const IngestResponse = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  errors: Type.Array(Type.String()),
});

/** Body of the health routes. */
export const HealthResponse = Type.Object({ status: Type.String() });
