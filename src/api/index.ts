/**
 * @module api
 * The HTTP API of Homeostat: {@link createApi} builds the Fastify app; tokens and scopes for auth.
 */
export { type ApiToken, type Principal, type Scope, SCOPES, TokenAuthenticator, hasScope } from './auth.js';
export { type ErrorBody, HTTP_STATUS, errorBody } from './errors.js';
export { buildTimeline, loadIncidentDetail } from './incident-detail.js';
export type { IncidentDetail, TimelineEntry } from './types.js';
export { parseIngestBody } from './ingest.js';
export { API_PREFIX, type ApiOptions, createApi, parseTime } from './server.js';
