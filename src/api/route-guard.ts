/**
 * @module api/route-guard
 * What a route needs to be guarded by a scope: the hook that checks the bearer token, and the
 * OpenAPI security requirement to show. Both absent = an open route (reads while `openRead`).
 */
import type { onRequestHookHandler } from 'fastify';

/** A scope guard as `createApi` builds it for each scope. */
export interface RouteGuard {
  readonly onRequest?: onRequestHookHandler;
  readonly security?: { [name: string]: string[] }[];
}
