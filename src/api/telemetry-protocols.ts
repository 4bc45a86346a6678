/**
 * @module api/telemetry-protocols
 * The two wire protocols telemetry arrives by, in their own encapsulated Fastify scope (their
 * content-type parsers and error handler do not reach other routes):
 * - `POST /v1/metrics` — OTLP/HTTP metrics, `application/x-protobuf` or `application/json`,
 *   `Content-Encoding: gzip` or none. Answers in the request's content type: 200 with an
 *   `ExportMetricsServiceResponse` (with `partial_success` when some data points were refused),
 *   400 with a `google.rpc.Status` for a malformed body, 413 over the size limits, 415 for another
 *   content type or encoding, 429 with `Retry-After` when too many requests are in flight, 503
 *   with `Retry-After` when the engine is not ready.
 * - `POST /api/v1/write` — Prometheus remote_write 1.0, snappy-compressed protobuf. 204 when every
 *   sample was stored; 400 (not retried by senders) for a body that cannot be decoded or when some
 *   series or samples were refused — the valid ones are stored first; 413 over the size limits;
 *   415 for another content type or encoding; 503 with `Retry-After` under back-pressure or while
 *   the engine is not ready (5xx is always retried by Prometheus); 500 when the engine fails.
 * Valid points are always ingested before anything is refused, so a refusal never loses data the
 * sender could not resend. Reference: https://opentelemetry.io/docs/specs/otlp/#otlphttp and
 * https://prometheus.io/docs/specs/remote_write_spec/
 */
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { EngineHandle, IngestResult } from '../engine/handle.js';
import { describe, type ErrorCode, HomeostatError, invalid } from '../errors.js';
import { DeltaToCumulative } from '../telemetry/delta-to-cumulative.js';
import {
  decodeOtlpMetricsJson,
  decodeOtlpMetricsProtobuf,
  encodeExportMetricsResponse,
  encodeRpcStatus,
  exportMetricsResponseJson,
  type OtlpMetricsRequest,
  otlpMetricsToSeries,
  RPC_CODE,
} from '../telemetry/otlp-metrics.js';
import { decodeRemoteWrite } from '../telemetry/remote-write.js';
import type { DecodedSeries, SeriesChecks } from '../telemetry/series-collector.js';
import { snappyDeclaredLength, snappyDecompress } from '../telemetry/snappy.js';
import type { Labels } from '../telemetry/types.js';
import { resolveEntity } from '../twin/twin.js';
import { errorBody, HTTP_STATUS } from './errors.js';

/** Options of {@link registerTelemetryProtocols}. */
export interface TelemetryProtocolsOptions {
  readonly engine: EngineHandle;
  /** Runs before each request (the server passes its `ingest` scope guard). */
  readonly onRequest?: onRequestHookHandler;
  /** Largest request body as received, in bytes (default 10 MiB); over it → 413. */
  readonly bodyLimitBytes?: number;
  /** Largest body after gzip or snappy decompression, in bytes (default 32 MiB); over it → 413. */
  readonly maxDecodedBytes?: number;
  /** Requests processed at once before new ones are turned away (default 8). */
  readonly maxInFlight?: number;
  /** `Retry-After` sent with 429 and 503, in seconds (default 5). */
  readonly retryAfterSeconds?: number;
  /** Clock for the accepted time window, epoch ms (default the engine's clock, `engine.status().now`). */
  readonly now?: () => number;
  /** Oldest accepted point, relative to `now`, in ms (default 2 h: a sender's backlog after a short outage). */
  readonly maxPastMs?: number;
  /** Newest accepted point, relative to `now`, in ms (default 10 min of clock skew). */
  readonly maxFutureMs?: number;
  /** Where each ingest call's latency and counts are reported (the `/metrics` exposition). */
  readonly metrics?: { observeIngest(protocol: 'otlp' | 'remote_write', seconds: number, accepted: number, rejected: number): void };
}

/** The paths served, for the OpenAPI document and docs. */
export const TELEMETRY_PROTOCOL_PATHS = { otlpMetrics: '/v1/metrics', remoteWrite: '/api/v1/write' } as const;

const MiB = 1024 * 1024;
const gunzipAsync = promisify(gunzip);
const NO_ENTITY = 'names no entity (expected a label such as service.name, host.name, k8s.pod.name, instance or entity)';

const RPC_BY_STATUS: Readonly<Record<number, number>> = {
  400: RPC_CODE.invalidArgument,
  401: RPC_CODE.unauthenticated,
  403: RPC_CODE.permissionDenied,
  413: RPC_CODE.resourceExhausted,
  415: RPC_CODE.invalidArgument,
  429: RPC_CODE.resourceExhausted,
  503: RPC_CODE.unavailable,
};

/**
 * Registers `POST /v1/metrics` (OTLP/HTTP) and `POST /api/v1/write` (remote_write 1.0) in an
 * encapsulated scope of `app`. Fails with `invalid_argument` when a numeric option is not a
 * positive number. Holds the DELTA → cumulative state for the life of the app.
 * @example await registerTelemetryProtocols(app, { engine, onRequest: ingestGuard, maxInFlight: 8 });
 */
export async function registerTelemetryProtocols(app: FastifyInstance, options: TelemetryProtocolsOptions): Promise<void> {
  const { engine } = options;
  const bodyLimit = positive('bodyLimitBytes', options.bodyLimitBytes, 10 * MiB);
  const maxDecoded = positive('maxDecodedBytes', options.maxDecodedBytes, 32 * MiB);
  const maxInFlight = positive('maxInFlight', options.maxInFlight, 8);
  const retryAfter = String(Math.ceil(positive('retryAfterSeconds', options.retryAfterSeconds, 5)));
  const maxPastMs = positive('maxPastMs', options.maxPastMs, 2 * 3_600_000);
  const maxFutureMs = positive('maxFutureMs', options.maxFutureMs, 10 * 60_000);
  const now = options.now ?? (() => engine.status().now);
  const delta = new DeltaToCumulative();
  let inFlight = 0;

  const checks = (): SeriesChecks => {
    const at = now();
    return {
      minTimeMs: at - maxPastMs,
      maxTimeMs: at + maxFutureMs,
      checkLabels: (labels: Labels) => (resolveEntity(labels) === undefined ? NO_ENTITY : undefined),
    };
  };

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((err: FastifyError | Error, request, reply) => {
      const status = statusOf(err);
      if (status >= 500 && !(err instanceof HomeostatError)) request.log.error({ err }, 'telemetry ingest failed');
      if (err instanceof HomeostatError && err.code === 'unauthenticated') reply.header('WWW-Authenticate', 'Bearer');
      const message = status >= 500 && !(err instanceof HomeostatError) ? `internal error: ${err.message}` : err.message;
      return request.routeOptions.url === TELEMETRY_PROTOCOL_PATHS.otlpMetrics
        ? sendOtlpError(request, reply, status, message, retryAfter)
        : sendWriteError(reply, status, message, retryAfter, err instanceof HomeostatError ? err.code : undefined);
    });

    const guard = options.onRequest ? { onRequest: options.onRequest } : {};
    const security = options.onRequest ? { security: [{ bearerAuth: [] as string[] }] } : {};
    const otlpSchema = { tags: ['telemetry'], summary: 'OTLP/HTTP metrics export (protobuf or JSON, gzip or none)', ...security };
    const writeSchema = {
      tags: ['telemetry'],
      summary: 'Prometheus remote_write 1.0 (snappy-compressed protobuf WriteRequest)',
      ...security,
    };

    scope.post(TELEMETRY_PROTOCOL_PATHS.otlpMetrics, { bodyLimit, schema: otlpSchema, ...guard }, async (request, reply) => {
      if (inFlight >= maxInFlight) {
        return sendOtlpError(
          request,
          reply,
          429,
          `too many export requests in flight (limit ${maxInFlight}); retry after ${retryAfter} s`,
          retryAfter,
        );
      }
      inFlight++;
      try {
        const format = otlpFormat(request);
        if (format === undefined) {
          return sendOtlpError(
            request,
            reply,
            415,
            `Content-Type must be application/x-protobuf or application/json (got ${describe(request.headers['content-type'])})`,
            retryAfter,
          );
        }
        const bytes = await decodeBody(request, 'otlp', maxDecoded);
        if (!(bytes instanceof Uint8Array)) return sendOtlpError(request, reply, bytes.status, bytes.message, retryAfter);
        let decoded: OtlpMetricsRequest;
        try {
          decoded = format === 'protobuf' ? decodeOtlpMetricsProtobuf(bytes) : decodeOtlpMetricsJson(parseJson(bytes));
        } catch (err) {
          return sendOtlpError(request, reply, 400, (err as Error).message, retryAfter);
        }
        const conv = otlpMetricsToSeries(decoded, { ...checks(), delta });
        let result: IngestResult;
        try {
          result = await ingest(engine, conv.series, 'otlp', options.metrics);
        } catch (err) {
          delta.undo(conv.deltaChanges);
          throw err;
        }
        const rejected = Math.min(conv.dataPoints, conv.rejected + result.rejected);
        const reasons = [...conv.reasons, ...result.errors].slice(0, 20);
        const message = rejected > 0 ? `${rejected} of ${conv.dataPoints} data points rejected: ${reasons.join('; ')}` : '';
        if (format === 'protobuf') {
          return reply
            .status(200)
            .type('application/x-protobuf')
            .send(Buffer.from(encodeExportMetricsResponse(rejected, message)));
        }
        return reply.status(200).type('application/json').send(exportMetricsResponseJson(rejected, message));
      } finally {
        inFlight--;
      }
    });

    scope.post(TELEMETRY_PROTOCOL_PATHS.remoteWrite, { bodyLimit, schema: writeSchema, ...guard }, async (request, reply) => {
      if (inFlight >= maxInFlight) {
        return sendWriteError(
          reply,
          503,
          `too many write requests in flight (limit ${maxInFlight}); retry after ${retryAfter} s`,
          retryAfter,
        );
      }
      inFlight++;
      try {
        const type = request.headers['content-type'] ?? '';
        const [base, ...params] = type.split(';').map((s) => s.trim().toLowerCase());
        const proto = params.find((p) => p.startsWith('proto='))?.slice(6);
        if (base !== 'application/x-protobuf' || (proto !== undefined && proto !== 'prometheus.writerequest')) {
          return sendWriteError(
            reply,
            415,
            `Content-Type must be application/x-protobuf (remote_write 1.0, prometheus.WriteRequest) (got ${describe(type)})`,
            retryAfter,
          );
        }
        const bytes = await decodeBody(request, 'remote_write', maxDecoded);
        if (!(bytes instanceof Uint8Array)) return sendWriteError(reply, bytes.status, bytes.message, retryAfter);
        const conv = decodeRemoteWrite(bytes, checks());
        const result = await ingest(engine, conv.series, 'remote_write', options.metrics);
        const rejected = conv.rejected + result.rejected;
        if (rejected === 0 && conv.reasons.length === 0) return reply.status(204).send();
        const accepted = result.accepted;
        const reasons = [...conv.reasons, ...result.errors].slice(0, 20);
        return sendWriteError(reply, 400, `stored ${accepted} samples, refused ${rejected}: ${reasons.join('; ')}`, retryAfter);
      } finally {
        inFlight--;
      }
    });
  });
}

type Failure = { readonly status: number; readonly message: string };

/** The request body, decompressed and within limits, or the failure to send. */
async function decodeBody(request: FastifyRequest, protocol: 'otlp' | 'remote_write', maxDecoded: number): Promise<Uint8Array | Failure> {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const encoding = String(request.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (protocol === 'remote_write') {
    if (encoding !== 'snappy') return { status: 415, message: `Content-Encoding must be snappy (got ${describe(encoding || undefined)})` };
    try {
      const { length } = snappyDeclaredLength(raw);
      if (length > maxDecoded)
        return { status: 413, message: `decompressed body would be ${length} bytes (expected at most ${maxDecoded})` };
      return snappyDecompress(raw, maxDecoded);
    } catch (err) {
      return { status: 400, message: (err as Error).message };
    }
  }
  if (encoding === '' || encoding === 'identity') return raw;
  if (encoding !== 'gzip') return { status: 415, message: `Content-Encoding must be gzip or identity (got ${describe(encoding)})` };
  try {
    return await gunzipAsync(raw, { maxOutputLength: maxDecoded });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return { status: 413, message: `decompressed body is over ${maxDecoded} bytes (the limit)` };
    }
    return { status: 400, message: `body is not valid gzip (${(err as Error).message})` };
  }
}

function otlpFormat(request: FastifyRequest): 'protobuf' | 'json' | undefined {
  const base = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (base === 'application/x-protobuf') return 'protobuf';
  if (base === 'application/json') return 'json';
  return undefined;
}

function parseJson(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(`body must be OTLP/JSON (${(err as Error).message})`);
  }
}

async function ingest(
  engine: EngineHandle,
  series: readonly DecodedSeries[],
  protocol: 'otlp' | 'remote_write',
  metrics: TelemetryProtocolsOptions['metrics'],
): Promise<IngestResult> {
  if (series.length === 0) return { accepted: 0, rejected: 0, errors: [] };
  const started = performance.now();
  const result = await engine.ingest(series);
  metrics?.observeIngest(protocol, (performance.now() - started) / 1000, result.accepted, result.rejected);
  return result;
}

function sendOtlpError(request: FastifyRequest, reply: FastifyReply, status: number, message: string, retryAfter: string): FastifyReply {
  if (status === 429 || status === 503) reply.header('Retry-After', retryAfter);
  const code = RPC_BY_STATUS[status] ?? RPC_CODE.internal;
  if (otlpFormat(request) === 'protobuf') {
    return reply
      .status(status)
      .type('application/x-protobuf')
      .send(Buffer.from(encodeRpcStatus(code, message)));
  }
  return reply.status(status).type('application/json').send({ code, message });
}

function sendWriteError(reply: FastifyReply, status: number, message: string, retryAfter: string, errorCode?: ErrorCode): FastifyReply {
  if (status === 429 || status === 503) reply.header('Retry-After', retryAfter);
  const code = errorCode ?? (status === 503 || status === 429 ? 'unavailable' : status >= 500 ? 'internal' : 'invalid_argument');
  return reply.status(status).type('application/json').send(errorBody(code, message));
}

function statusOf(err: FastifyError | Error): number {
  if (err instanceof HomeostatError) return HTTP_STATUS[err.code];
  const status = (err as FastifyError).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${name} must be a positive number (got ${describe(value)})`);
  }
  return value;
}
