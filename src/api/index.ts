/**
 * @module api
 * The HTTP API of Homeostat: {@link createApi} builds the Fastify app (REST, OTLP/HTTP and remote_write in,
 * the Alertmanager webhook, `/metrics`); tokens and scopes for auth.
 */
export { type ApiToken, type Principal, type Scope, SCOPES, TokenAuthenticator, hasScope } from './auth.js';
export { type ErrorBody, HTTP_STATUS, errorBody } from './errors.js';
export { buildTimeline, loadIncidentDetail } from './incident-detail.js';
export type { IncidentDetail, TimelineEntry } from './types.js';
export { parseIngestBody } from './ingest.js';
export { API_PREFIX, type ApiOptions, createApi, parseTime } from './server.js';
export {
  ALERTMANAGER_WEBHOOK_PATH,
  alertmanagerEvents,
  DEFAULT_ALERT_FALLBACK_ENTITY,
  parseAlertmanagerWebhook,
  readAlertmanagerWebhook,
} from './alertmanager-webhook.js';
export { HomeostatMetrics, type HomeostatMetricsOptions, type IngestProtocol, prefersOpenMetrics } from './metrics-exposition.js';
export { TELEMETRY_PROTOCOL_PATHS, type TelemetryProtocolsOptions } from './telemetry-protocols.js';
export { registerKnowledgeRoutes } from './knowledge-routes.js';
export { MLFLOW_PREFIX, registerRegistryRoutes, type RegistryRoutesOptions } from './registry-routes.js';
export type { RouteGuard } from './route-guard.js';
