/**
 * @module api/errors
 * The one place where error codes become HTTP: {@link HomeostatError} codes and Fastify's own
 * errors (schema validation, bad JSON, body too large) all leave as `{ error: { code, message } }`.
 */
import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { describe, type ErrorCode, HomeostatError } from '../errors.js';

/** HTTP status for each error code. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  conflict: 409,
  internal: 500,
  unavailable: 503,
};

/** The body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** Builds the error body for a code and message. */
export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** A `not_found` error naming what was looked up. */
export function notFound(what: string, id: string): HomeostatError {
  return new HomeostatError('not_found', `${what} ${JSON.stringify(id)} not found`);
}

/**
 * Turns one Ajv validation error into a sentence with the field path, what was expected and what
 * was received, e.g. `querystring.limit must be <= 10000 (got 20000)`.
 */
export function formatValidationError(part: string, error: FastifySchemaValidationError): string {
  const path = pathOf(part, error.instancePath);
  const params = error.params as Record<string, unknown>;
  const got = 'data' in error ? ` (got ${describe((error as { data?: unknown }).data)})` : '';
  switch (error.keyword) {
    case 'required':
      return `${path} is missing required field ${JSON.stringify(params.missingProperty)}`;
    case 'additionalProperties':
      return `${path} has unknown field ${JSON.stringify(params.additionalProperty)}${allowedOf(error)}`;
    case 'enum':
      return `${path} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'const':
      return `${path} must be ${JSON.stringify(params.allowedValue)}${got}`;
    default:
      return `${path} ${error.message ?? 'is invalid'}${got}`;
  }
}

function pathOf(part: string, instancePath: string): string {
  const steps = instancePath
    .split('/')
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`));
  return `${part}${steps.join('')}`;
}

function allowedOf(error: FastifySchemaValidationError): string {
  const props = (error as { parentSchema?: { properties?: Record<string, unknown> } }).parentSchema?.properties;
  return props ? ` (expected only ${Object.keys(props).join(', ')})` : '';
}

/**
 * Installs the error and not-found handlers: HomeostatError → its status; validation → 400 with
 * the formatted message; Fastify errors keep their 4xx status; anything else → 500 (logged).
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HomeostatError | Error, request, reply) => {
    if (err instanceof HomeostatError) {
      if (err.code === 'unauthenticated') reply.header('WWW-Authenticate', 'Bearer');
      return reply.status(HTTP_STATUS[err.code]).send(errorBody(err.code, err.message));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const part = fe.validationContext ?? 'request';
      const message = fe.validation.map((v) => formatValidationError(part, v)).join('; ');
      return reply.status(400).send(errorBody('invalid_argument', message));
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code: ErrorCode = fe.statusCode === 404 ? 'not_found' : 'invalid_argument';
      return reply.status(fe.statusCode).send(errorBody(code, fe.message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', `internal error: ${err.message}`));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
