import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { DemoEngine } from '../../test/fixtures/demo-fixture.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, remoteWriteBody, snappyCompress, STALE_NAN } from '../../test/fixtures/remote-write.js';
import type { IngestResult, IngestSeries } from '../engine/handle.js';
import { HomeostatError } from '../errors.js';
import { ProtobufReader } from '../telemetry/protobuf-reader.js';
import { TokenAuthenticator } from './auth.js';
import { registerTelemetryProtocols, type TelemetryProtocolsOptions } from './telemetry-protocols.js';

const TOKEN = 'ingest-token-123';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const auth = new TokenAuthenticator([{ token: TOKEN, scopes: ['ingest'], name: 'collector' }]);
const NOW = 1_700_000_000_000;
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

const apps: FastifyInstance[] = [];
const providers: MeterProvider[] = [];
afterEach(async () => {
  for (const p of providers.splice(0)) await p.shutdown();
  for (const a of apps.splice(0)) await a.close();
});

async function start(engine: DemoEngine, options: Partial<TelemetryProtocolsOptions> = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  app.post('/echo', async (request) => ({ got: request.body }));
  await registerTelemetryProtocols(app, {
    engine,
    onRequest: async (request) => {
      auth.require(request, 'ingest');
    },
    now: () => NOW,
    ...options,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  apps.push(app);
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

/** Every series the engine received, flattened, in order. */
const received = (engine: DemoEngine): IngestSeries[] => engine.ingested.flat();
const find = (engine: DemoEngine, metric: string, le?: string) =>
  received(engine).filter((s) => s.metric === metric && (le === undefined || s.labels.le === le));
const values = (engine: DemoEngine, metric: string, le?: string) => find(engine, metric, le).flatMap((s) => s.points.map((p) => p.v));

const exportOnce = (exporter: PushMetricExporter, metrics: ResourceMetrics) =>
  new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(metrics, resolve));

function meter(exporter: PushMetricExporter, attributes: Record<string, string>) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes(attributes), readers: [reader] });
  providers.push(provider);
  return { meter: provider.getMeter('homeostat-test', '1.0.0'), flush: () => reader.forceFlush() };
}

describe('POST /v1/metrics with the OpenTelemetry JS SDK', () => {
  it('accepts protobuf exports (exporter-metrics-otlp-proto): gauge, cumulative counter and histogram', async () => {
    const engine = new DemoEngine();
    const { url } = await start(engine, { now: () => Date.now() });
    const exporter = new ProtoMetricExporter({ url: `${url}/v1/metrics`, headers: AUTH });
    const { meter: m, flush } = meter(exporter, { 'service.name': 'checkout', 'host.name': 'h1' });
    const before = Date.now();
    m.createGauge('queue.depth').record(7, { queue: 'q1' });
    const counter = m.createCounter('http.requests');
    counter.add(5, { route: '/pay' });
    counter.add(2, { route: '/pay' });
    m.createHistogram('http.server.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } }).record(0.2);
    m.createHistogram('http.server.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } }).record(0.7);
    await flush();
    counter.add(1, { route: '/pay' });
    await flush();
    const after = Date.now();

    const resource = { 'service.name': 'checkout', 'host.name': 'h1' };
    expect(find(engine, 'queue_depth')[0]?.labels).toEqual({ ...resource, queue: 'q1' });
    expect(values(engine, 'queue_depth')).toEqual([7, 7]);
    expect(find(engine, 'http_requests')[0]?.labels).toEqual({ ...resource, route: '/pay' });
    expect(values(engine, 'http_requests')).toEqual([7, 8]);
    expect(values(engine, 'http_server_duration_count')).toEqual([2, 2]);
    expect(values(engine, 'http_server_duration_sum')[0]).toBeCloseTo(0.9, 12);
    expect(values(engine, 'http_server_duration_bucket', '0.1')).toEqual([0, 0]);
    expect(values(engine, 'http_server_duration_bucket', '0.5')).toEqual([1, 1]);
    expect(values(engine, 'http_server_duration_bucket', '1')).toEqual([2, 2]);
    expect(values(engine, 'http_server_duration_bucket', '+Inf')).toEqual([2, 2]);
    // SDK times come from performance.timeOrigin, which may drift from Date.now(): only check they are ms of now, not ns or s
    for (const s of received(engine)) for (const p of s.points) expect(Math.abs(p.t - (before + after) / 2)).toBeLessThan(60_000);
  });

  it('accepts JSON exports (exporter-metrics-otlp-http) with DELTA temporality and stores running totals', async () => {
    const engine = new DemoEngine();
    const { url } = await start(engine, { now: () => Date.now() });
    const exporter = new JsonMetricExporter({
      url: `${url}/v1/metrics`,
      headers: AUTH,
      temporalityPreference: AggregationTemporalityPreference.DELTA,
    });
    const { meter: m, flush } = meter(exporter, { 'service.name': 'payments', 'k8s.pod.name': 'payments-7d9f' });
    const counter = m.createCounter('jobs.done');
    const hist = m.createHistogram('job.seconds', { advice: { explicitBucketBoundaries: [1, 10] } });
    counter.add(5);
    hist.record(0.5);
    await flush();
    counter.add(3);
    hist.record(4);
    hist.record(20);
    await flush();
    counter.add(0.5);
    await flush();

    expect(find(engine, 'jobs_done')[0]?.labels).toEqual({ 'service.name': 'payments', 'k8s.pod.name': 'payments-7d9f' });
    expect(values(engine, 'jobs_done')).toEqual([5, 8, 8.5]);
    expect(values(engine, 'job_seconds_count')).toEqual([1, 3]);
    expect(values(engine, 'job_seconds_sum')).toEqual([0.5, 24.5]);
    expect(values(engine, 'job_seconds_bucket', '1')).toEqual([1, 1]);
    expect(values(engine, 'job_seconds_bucket', '10')).toEqual([1, 2]);
    expect(values(engine, 'job_seconds_bucket', '+Inf')).toEqual([1, 3]);
  });

  it('gets exact times from a direct export, and a re-sent DELTA export is not counted twice', async () => {
    const engine = new DemoEngine();
    const { url } = await start(engine);
    const exporter = new ProtoMetricExporter({ url: `${url}/v1/metrics`, headers: AUTH });
    const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
    const metrics = (fromMs: number, toMs: number, value: number): ResourceMetrics => ({
      resource: resourceFromAttributes({ 'service.name': 'cart' }),
      scopeMetrics: [
        {
          scope: { name: 'direct' },
          metrics: [
            {
              descriptor: { name: 'cart.items', description: '', unit: '', valueType: ValueType.INT },
              aggregationTemporality: AggregationTemporality.DELTA,
              dataPointType: DataPointType.SUM,
              isMonotonic: true,
              dataPoints: [{ startTime: hr(fromMs), endTime: hr(toMs), attributes: { region: 'eu' }, value }],
            },
            {
              descriptor: { name: 'cart.open', description: '', unit: '', valueType: ValueType.DOUBLE },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.GAUGE,
              dataPoints: [{ startTime: hr(toMs), endTime: hr(toMs), attributes: {}, value: value / 2 }],
            },
          ],
        },
      ],
    });
    expect((await exportOnce(exporter, metrics(NOW - 20_000, NOW - 10_000, 4))).code).toBe(0);
    expect((await exportOnce(exporter, metrics(NOW - 10_000, NOW, 6))).code).toBe(0);
    expect((await exportOnce(exporter, metrics(NOW - 10_000, NOW, 6))).code).toBe(0);
    await exporter.shutdown();
    expect(find(engine, 'cart_items').flatMap((s) => s.points)).toEqual([
      { t: NOW - 10_000, v: 4 },
      { t: NOW, v: 10 },
    ]);
    expect(find(engine, 'cart_open').flatMap((s) => s.points)).toEqual([
      { t: NOW - 10_000, v: 2 },
      { t: NOW, v: 3 },
      { t: NOW, v: 3 },
    ]);
    expect(find(engine, 'cart_items')[0]?.labels).toEqual({ 'service.name': 'cart', region: 'eu' });
  });
});

describe('POST /api/v1/write with protobufjs + snappyjs payloads', () => {
  it('stores samples with __name__ as the metric and job/instance kept, answers 204', async () => {
    const engine = new DemoEngine();
    const { url } = await start(engine);
    const body = remoteWriteBody({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'node_memory_MemAvailable_bytes' },
            { name: 'instance', value: 'h1:9100' },
            { name: 'job', value: 'node' },
          ],
          samples: [
            { value: 1.5e9, timestamp: NOW - 15_000 },
            { value: 1.4e9, timestamp: NOW },
          ],
        },
        {
          labels: [
            { name: '__name__', value: 'up' },
            { name: 'instance', value: 'h1:9100' },
            { name: 'job', value: 'node' },
          ],
          samples: [
            { value: 1, timestamp: NOW },
            { value: STALE_NAN, timestamp: NOW + 15_000 },
          ],
        },
      ],
      metadata: [{ type: 2, metric_family_name: 'up', help: 'target up', unit: '' }],
    });
    const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: { ...REMOTE_WRITE_HEADERS, ...AUTH }, body });
    expect(res.status).toBe(204);
    expect(received(engine)).toEqual([
      {
        metric: 'node_memory_MemAvailable_bytes',
        labels: { instance: 'h1:9100', job: 'node' },
        points: [
          { t: NOW - 15_000, v: 1.5e9 },
          { t: NOW, v: 1.4e9 },
        ],
      },
      { metric: 'up', labels: { instance: 'h1:9100', job: 'node' }, points: [{ t: NOW, v: 1 }] },
    ]);
  });
});

/** Reads a google.rpc.Status from protobuf bytes. */
function rpcStatus(bytes: Uint8Array): { code: number; message: string } {
  const r = new ProtobufReader(bytes);
  const out = { code: 0, message: '' };
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) out.code = r.int32(t.wireType);
    else if (t.field === 2) out.message = r.string(t.wireType);
    else r.skip(t.wireType);
  }
  return out;
}

/** Reads an ExportMetricsServiceResponse from protobuf bytes. */
function exportResponse(bytes: Uint8Array): { rejected: number; message: string } {
  const r = new ProtobufReader(bytes);
  const out = { rejected: 0, message: '' };
  while (!r.done) {
    const t = r.tag();
    if (t.field !== 1) {
      r.skip(t.wireType);
      continue;
    }
    const p = r.message(t.wireType);
    while (!p.done) {
      const pt = p.tag();
      if (pt.field === 1) out.rejected = p.int64(pt.wireType);
      else if (pt.field === 2) out.message = p.string(pt.wireType);
      else p.skip(pt.wireType);
    }
  }
  return out;
}

const otlpJson = (points: unknown[], attributes: unknown[] = [{ key: 'service.name', value: { stringValue: 'checkout' } }]) => ({
  resourceMetrics: [{ resource: { attributes }, scopeMetrics: [{ metrics: [{ name: 'temp', gauge: { dataPoints: points } }] }] }],
});
const jsonHeaders = { 'content-type': 'application/json', ...AUTH };
const protoHeaders = { 'content-type': 'application/x-protobuf', ...AUTH };
const node = (name: string) => [
  { name: '__name__', value: name },
  { name: 'instance', value: 'h1:9100' },
  { name: 'job', value: 'node' },
];

describe('bad-input corpus: documented status, nothing accepted earlier is lost or changed', () => {
  it('answers each bad OTLP and remote_write request as documented and leaves stored data as it was', async () => {
    const engine = new DemoEngine();
    const { app } = await start(engine, { bodyLimitBytes: 256 * 1024, maxDecodedBytes: 1024 * 1024 });
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: jsonHeaders,
      payload: otlpJson([{ timeUnixNano: ns(NOW), asDouble: 21.5 }]),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^application\/json/);
    expect(ok.json()).toEqual({});
    const okWrite = await app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: { ...REMOTE_WRITE_HEADERS, ...AUTH },
      payload: remoteWriteBody({ timeseries: [{ labels: node('up'), samples: [{ value: 1, timestamp: NOW }] }] }),
    });
    expect(okWrite.statusCode).toBe(204);
    const accepted = structuredClone(engine.ingested);
    expect(accepted).toEqual([
      [{ metric: 'temp', labels: { 'service.name': 'checkout' }, points: [{ t: NOW, v: 21.5 }] }],
      [{ metric: 'up', labels: { instance: 'h1:9100', job: 'node' }, points: [{ t: NOW, v: 1 }] }],
    ]);

    const protoBody = Buffer.from(
      new ProtobufReaderFixture().request('temp', NOW, 1.5), // a valid protobuf export to cut short
    );
    const cases: {
      name: string;
      url: string;
      headers: Record<string, string>;
      payload: Buffer | string;
      status: number;
      check: (body: Buffer, headers: Record<string, unknown>) => void;
    }[] = [
      {
        name: 'truncated protobuf',
        url: '/v1/metrics',
        headers: protoHeaders,
        payload: protoBody.subarray(0, protoBody.length - 4),
        status: 400,
        check: (b, h) => {
          expect(h['content-type']).toBe('application/x-protobuf');
          const s = rpcStatus(b);
          expect(s.code).toBe(3);
          expect(s.message).toMatch(/^protobuf: .* at byte \d+ \(expected .*, got .*\)$/);
        },
      },
      {
        name: 'malformed JSON',
        url: '/v1/metrics',
        headers: jsonHeaders,
        payload: '{"resourceMetrics": [',
        status: 400,
        check: (b) =>
          expect(JSON.parse(b.toString())).toMatchObject({ code: 3, message: expect.stringMatching(/^body must be OTLP\/JSON/) }),
      },
      {
        name: 'gzip header on a body that is not gzip',
        url: '/v1/metrics',
        headers: { ...jsonHeaders, 'content-encoding': 'gzip' },
        payload: JSON.stringify(otlpJson([{ timeUnixNano: ns(NOW), asDouble: 1 }])),
        status: 400,
        check: (b) => expect(JSON.parse(b.toString()).message).toMatch(/^body is not valid gzip/),
      },
      {
        name: 'unsupported Content-Encoding',
        url: '/v1/metrics',
        headers: { ...jsonHeaders, 'content-encoding': 'br' },
        payload: '{}',
        status: 415,
        check: (b) =>
          expect(JSON.parse(b.toString())).toEqual({ code: 3, message: 'Content-Encoding must be gzip or identity (got "br")' }),
      },
      {
        name: 'gzip bomb over the decompressed limit',
        url: '/v1/metrics',
        headers: { ...jsonHeaders, 'content-encoding': 'gzip' },
        payload: gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)),
        status: 413,
        check: (b) => expect(JSON.parse(b.toString())).toEqual({ code: 8, message: 'decompressed body is over 1048576 bytes (the limit)' }),
      },
      {
        name: 'raw body over the body limit',
        url: '/v1/metrics',
        headers: jsonHeaders,
        payload: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }),
        status: 413,
        check: (b) => expect(JSON.parse(b.toString()).code).toBe(8),
      },
      {
        name: 'wrong content type',
        url: '/v1/metrics',
        headers: { 'content-type': 'text/plain', ...AUTH },
        payload: 'temp 1',
        status: 415,
        check: (b) =>
          expect(JSON.parse(b.toString())).toEqual({
            code: 3,
            message: 'Content-Type must be application/x-protobuf or application/json (got "text/plain")',
          }),
      },
      {
        name: 'no content type',
        url: '/v1/metrics',
        headers: AUTH,
        payload: Buffer.from([1, 2, 3]),
        status: 415,
        check: (b) =>
          expect(JSON.parse(b.toString()).message).toBe('Content-Type must be application/x-protobuf or application/json (got undefined)'),
      },
      {
        name: 'no token',
        url: '/v1/metrics',
        headers: { 'content-type': 'application/json' },
        payload: '{}',
        status: 401,
        check: (b, h) => {
          expect(h['www-authenticate']).toBe('Bearer');
          expect(JSON.parse(b.toString()).code).toBe(16);
        },
      },
      {
        name: 'remote_write: body that is not snappy (gzip instead)',
        url: '/api/v1/write',
        headers: { ...REMOTE_WRITE_HEADERS, ...AUTH },
        payload: gzipSync(
          Buffer.from(encodeWriteRequest({ timeseries: [{ labels: node('up'), samples: [{ value: 1, timestamp: NOW }] }] })),
        ),
        status: 400,
        check: (b) => expect(JSON.parse(b.toString()).error.message).toMatch(/^snappy: .* at byte \d+ \(expected .*\)$/),
      },
      {
        name: 'remote_write: Content-Encoding gzip',
        url: '/api/v1/write',
        headers: { ...REMOTE_WRITE_HEADERS, 'content-encoding': 'gzip', ...AUTH },
        payload: Buffer.from([1, 2, 3]),
        status: 415,
        check: (b) => expect(JSON.parse(b.toString()).error.message).toBe('Content-Encoding must be snappy (got "gzip")'),
      },
      {
        name: 'remote_write: truncated protobuf inside valid snappy',
        url: '/api/v1/write',
        headers: { ...REMOTE_WRITE_HEADERS, ...AUTH },
        payload: Buffer.from(
          snappyCompress(
            encodeWriteRequest({ timeseries: [{ labels: node('up'), samples: [{ value: 1, timestamp: NOW }] }] }).subarray(0, 20),
          ),
        ),
        status: 400,
        check: (b) => expect(JSON.parse(b.toString()).error.message).toMatch(/^protobuf: /),
      },
      {
        name: 'remote_write: snappy declaring more than the decompressed limit',
        url: '/api/v1/write',
        headers: { ...REMOTE_WRITE_HEADERS, ...AUTH },
        payload: Buffer.from([0x80, 0x80, 0x80, 0x80, 0x01, 0x00]),
        status: 413,
        check: (b) =>
          expect(JSON.parse(b.toString()).error.message).toBe('decompressed body would be 268435456 bytes (expected at most 1048576)'),
      },
      {
        name: 'remote_write: JSON content type',
        url: '/api/v1/write',
        headers: { 'content-type': 'application/json', 'content-encoding': 'snappy', ...AUTH },
        payload: '{}',
        status: 415,
        check: (b) => expect(JSON.parse(b.toString()).error.code).toBe('invalid_argument'),
      },
      {
        name: 'remote_write 2.0 content type',
        url: '/api/v1/write',
        headers: { ...REMOTE_WRITE_HEADERS, 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request', ...AUTH },
        payload: Buffer.from([0]),
        status: 415,
        check: (b) =>
          expect(JSON.parse(b.toString()).error.message).toMatch(/^Content-Type must be application\/x-protobuf \(remote_write 1\.0/),
      },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: 'POST', url: c.url, headers: c.headers, payload: c.payload });
      expect({ name: c.name, status: res.statusCode }).toEqual({ name: c.name, status: c.status });
      c.check(res.rawPayload, res.headers);
      expect(engine.ingested).toEqual(accepted);
    }

    // Partly bad bodies: the valid points are stored, the rest refused with reasons.
    const huge = Array.from({ length: 200 }, (_, i) => ({ key: `attr${i}`, value: { stringValue: 'v' } }));
    const partial = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: jsonHeaders,
      payload: otlpJson([
        { timeUnixNano: ns(NOW + 1000), asDouble: 22 },
        { timeUnixNano: ns(NOW + 1000), asDouble: 'NaN' },
        { timeUnixNano: ns(NOW + 1000), asDouble: 'Infinity' },
        { timeUnixNano: ns(NOW - 30 * 86_400_000), asDouble: 1 },
        { timeUnixNano: ns(NOW + 86_400_000), asDouble: 1 },
        { timeUnixNano: ns(NOW + 1000), asDouble: 1, attributes: huge },
      ]),
    });
    expect(partial.statusCode).toBe(200);
    const ps = partial.json().partialSuccess;
    expect(ps.rejectedDataPoints).toBe('5');
    expect(ps.errorMessage).toBe(
      [
        '5 of 6 data points rejected: metric "temp" (gauge) point 1: value is NaN (expected a finite number)',
        'metric "temp" (gauge) point 2: value is Infinity (expected a finite number)',
        'metric "temp" (gauge) point 3: time 2023-10-15T22:13:20.000Z is too far in the past (expected at or after 2023-11-14T20:13:20.000Z)',
        'metric "temp" (gauge) point 4: time 2023-11-15T22:13:20.000Z is too far in the future (expected at or before 2023-11-14T22:23:20.000Z)',
        'metric "temp" (gauge) point 5: has 201 labels (expected at most 64)',
      ].join('; '),
    );
    const partialProto = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: protoHeaders,
      payload: Buffer.from(new ProtobufReaderFixture().request('temp', NOW + 2000, Number.NaN)),
    });
    expect(partialProto.statusCode).toBe(200);
    expect(exportResponse(partialProto.rawPayload)).toEqual({
      rejected: 1,
      message: '1 of 1 data points rejected: metric "temp" (gauge) point 0: value is NaN (expected a finite number)',
    });

    const partialWrite = await app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: { ...REMOTE_WRITE_HEADERS, ...AUTH },
      payload: remoteWriteBody({
        timeseries: [
          {
            labels: node('up'),
            samples: [
              { value: 1, timestamp: NOW + 15_000 },
              { value: Number.NaN, timestamp: NOW + 30_000 },
            ],
          },
          { labels: [...node('load'), { name: 'bad-label', value: 'x' }], samples: [{ value: 1, timestamp: NOW }] },
          { labels: [{ name: '__name__', value: 'orphan' }], samples: [{ value: 1, timestamp: NOW }] },
        ],
      }),
    });
    expect(partialWrite.statusCode).toBe(400);
    expect(partialWrite.json().error.message).toBe(
      [
        'stored 1 samples, refused 3: timeseries[0] (up): sample 1 value is NaN (expected a finite number)',
        'timeseries[1] (load): label name "bad-label" is invalid (expected [a-zA-Z_][a-zA-Z0-9_.]*)',
        'timeseries[2] (orphan): names no entity (expected a label such as service.name, host.name, k8s.pod.name, instance or entity)',
      ].join('; '),
    );
    expect(engine.ingested.slice(0, 2)).toEqual(accepted);
    expect(engine.ingested.slice(2)).toEqual([
      [{ metric: 'temp', labels: { 'service.name': 'checkout' }, points: [{ t: NOW + 1000, v: 22 }] }],
      [{ metric: 'up', labels: { instance: 'h1:9100', job: 'node' }, points: [{ t: NOW + 15_000, v: 1 }] }],
    ]);
  });

  it('leaves the other routes of the app alone (parsers and error handler are encapsulated)', async () => {
    const engine = new DemoEngine();
    const { app } = await start(engine);
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(res.json()).toEqual({ got: { a: 1 } });
    const bad = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  });
});

/** An engine whose ingest waits until released, or fails. */
class GatedEngine extends DemoEngine {
  entered: Promise<void>;
  #enter!: () => void;
  #release!: () => void;
  #gate: Promise<void>;
  failWith: Error | undefined;
  constructor() {
    super();
    this.entered = new Promise((resolve) => {
      this.#enter = resolve;
    });
    this.#gate = new Promise((resolve) => {
      this.#release = resolve;
    });
  }
  release(): void {
    this.#release();
  }
  override async ingest(series: readonly IngestSeries[]): Promise<IngestResult> {
    if (this.failWith) throw this.failWith;
    this.#enter();
    await this.#gate;
    return super.ingest(series);
  }
}

describe('back-pressure and engine failures', () => {
  it('turns away requests beyond maxInFlight with 429 (OTLP) or 503 (remote_write) and Retry-After', async () => {
    const engine = new GatedEngine();
    const { app } = await start(engine, { maxInFlight: 1, retryAfterSeconds: 7 });
    const first = app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: jsonHeaders,
      payload: otlpJson([{ timeUnixNano: ns(NOW), asDouble: 1 }]),
    });
    await engine.entered;
    const otlp = await app.inject({ method: 'POST', url: '/v1/metrics', headers: protoHeaders, payload: Buffer.alloc(0) });
    expect(otlp.statusCode).toBe(429);
    expect(otlp.headers['retry-after']).toBe('7');
    expect(rpcStatus(otlp.rawPayload)).toEqual({ code: 8, message: 'too many export requests in flight (limit 1); retry after 7 s' });
    const write = await app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: { ...REMOTE_WRITE_HEADERS, ...AUTH },
      payload: remoteWriteBody({ timeseries: [{ labels: node('up'), samples: [{ value: 1, timestamp: NOW }] }] }),
    });
    expect(write.statusCode).toBe(503);
    expect(write.headers['retry-after']).toBe('7');
    engine.release();
    expect((await first).statusCode).toBe(200);
    expect(received(engine)).toEqual([{ metric: 'temp', labels: { 'service.name': 'checkout' }, points: [{ t: NOW, v: 1 }] }]);
    const again = await app.inject({ method: 'POST', url: '/v1/metrics', headers: protoHeaders, payload: Buffer.alloc(0) });
    expect(again.statusCode).toBe(200);
    expect(again.rawPayload.length).toBe(0);
  });

  it('answers 503 + Retry-After while the engine is unavailable and 500 when it fails; a failed DELTA batch counts once on retry', async () => {
    const engine = new GatedEngine();
    engine.release();
    const { app } = await start(engine);
    const delta = (fromMs: number, toMs: number, v: number) => ({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'orders',
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: [{ startTimeUnixNano: ns(fromMs), timeUnixNano: ns(toMs), asInt: v }],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const send = (body: unknown) => app.inject({ method: 'POST', url: '/v1/metrics', headers: jsonHeaders, payload: body as object });
    expect((await send(delta(NOW - 20_000, NOW - 10_000, 2))).statusCode).toBe(200);
    engine.failWith = new HomeostatError('unavailable', 'engine is not started yet; retry shortly');
    const unavailable = await send(delta(NOW - 10_000, NOW, 3));
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.headers['retry-after']).toBe('5');
    expect(unavailable.json()).toEqual({ code: 14, message: 'engine is not started yet; retry shortly' });
    engine.failWith = new Error('disk full');
    const failed = await app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: { ...REMOTE_WRITE_HEADERS, ...AUTH },
      payload: remoteWriteBody({ timeseries: [{ labels: node('up'), samples: [{ value: 1, timestamp: NOW }] }] }),
    });
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toEqual({ error: { code: 'internal', message: 'internal error: disk full' } });
    engine.failWith = undefined;
    expect((await send(delta(NOW - 10_000, NOW, 3))).statusCode).toBe(200);
    expect(find(engine, 'orders').flatMap((s) => s.points)).toEqual([
      { t: NOW - 10_000, v: 2 },
      { t: NOW, v: 5 },
    ]);
  });

  it('refuses bad options at start-up', async () => {
    await expect(registerTelemetryProtocols(Fastify(), { engine: new DemoEngine(), maxInFlight: 0 })).rejects.toThrow(
      'maxInFlight must be a positive number (got 0)',
    );
  });
});

/** Builds a one-gauge ExportMetricsServiceRequest in protobuf by hand (service.name=checkout). */
class ProtobufReaderFixture {
  request(name: string, ms: number, value: number): Uint8Array {
    const len = (field: number, bytes: number[]) => [(field << 3) | 2, ...varint(bytes.length), ...bytes];
    const str = (field: number, s: string) => len(field, [...Buffer.from(s)]);
    const fixed = (field: number, wt: 1, write: (v: DataView) => void) => {
      const b = new Uint8Array(8);
      write(new DataView(b.buffer));
      return [(field << 3) | wt, ...b];
    };
    const point = [
      ...fixed(3, 1, (v) => v.setBigUint64(0, BigInt(ms) * 1_000_000n, true)),
      ...fixed(4, 1, (v) => v.setFloat64(0, value, true)),
    ];
    const metric = [...str(1, name), ...len(5, len(1, point))];
    const resource = len(1, len(1, [...str(1, 'service.name'), ...len(2, str(1, 'checkout'))]));
    return Uint8Array.from(len(1, [...resource, ...len(2, len(2, metric))]));
  }
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
