import { describe, expect, it } from 'vitest';
import { DeltaToCumulative } from './delta-to-cumulative.js';
import {
  decodeOtlpMetricsJson,
  decodeOtlpMetricsProtobuf,
  encodeExportMetricsResponse,
  encodeRpcStatus,
  exportMetricsResponseJson,
  otlpMetricsToSeries,
  promLabelName,
  promMetricName,
} from './otlp-metrics.js';

const T0_MS = 1_700_000_000_000;
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const CHECKOUT = [str('service.name', 'checkout'), str('host.name', 'h1')];

/** An OTLP/JSON request with one resource and scope holding `metrics`. */
const request = (metrics: unknown[], resource: unknown[] = CHECKOUT) => ({
  resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ scope: { name: 'test', version: '1' }, metrics }] }],
});

const convert = (body: unknown, delta = new DeltaToCumulative(), extra = {}) =>
  otlpMetricsToSeries(decodeOtlpMetricsJson(body), { delta, ...extra });

/** Minimal protobuf writer for hand-built wire bytes. */
const pb = {
  varint(n: bigint): number[] {
    const out: number[] = [];
    let v = n;
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return out;
  },
  tag: (field: number, wt: number) => pb.varint(BigInt((field << 3) | wt)),
  len: (field: number, bytes: number[]) => [...pb.tag(field, 2), ...pb.varint(BigInt(bytes.length)), ...bytes],
  str: (field: number, s: string) => pb.len(field, [...new TextEncoder().encode(s)]),
  uint: (field: number, n: number) => [...pb.tag(field, 0), ...pb.varint(BigInt(n))],
  fixed64: (field: number, v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    return [...pb.tag(field, 1), ...b];
  },
  double: (field: number, v: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return [...pb.tag(field, 1), ...b];
  },
  packedFixed64: (field: number, vs: bigint[]) => {
    const b = new Uint8Array(8 * vs.length);
    for (const [i, v] of vs.entries()) new DataView(b.buffer).setBigUint64(8 * i, v, true);
    return pb.len(field, [...b]);
  },
  packedDouble: (field: number, vs: number[]) => {
    const b = new Uint8Array(8 * vs.length);
    for (const [i, v] of vs.entries()) new DataView(b.buffer).setFloat64(8 * i, v, true);
    return pb.len(field, [...b]);
  },
  kv: (field: number, key: string, value: string) => pb.len(field, [...pb.str(1, key), ...pb.len(2, pb.str(1, value))]),
};

describe('names', () => {
  it('maps metric names to the Prometheus charset and keeps dots in label names', () => {
    expect(promMetricName('http.server.request.duration')).toBe('http_server_request_duration');
    expect(promMetricName('1st-metric/µs')).toBe('_1st_metric__s');
    expect(promLabelName('k8s.pod.name')).toBe('k8s.pod.name');
    expect(promLabelName('http.request.header.x-id')).toBe('http.request.header.x_id');
    expect(promLabelName('9lives')).toBe('_9lives');
  });
});

describe('decodeOtlpMetricsProtobuf', () => {
  it('decodes hand-built wire bytes to the same request as the equivalent OTLP/JSON', () => {
    const t = BigInt(T0_MS) * 1_000_000n;
    const gauge = [
      ...pb.str(1, 'queue.depth'),
      ...pb.len(
        5,
        pb.len(1, [...pb.fixed64(3, t), ...pb.tag(6, 1), ...new Uint8Array(new BigInt64Array([7n]).buffer), ...pb.kv(7, 'queue', 'q1')]),
      ),
    ];
    const histogram = [
      ...pb.str(1, 'http.server.duration'),
      ...pb.str(3, 's'),
      ...pb.len(9, [
        ...pb.len(1, [
          ...pb.fixed64(2, t - 60_000_000_000n),
          ...pb.fixed64(3, t),
          ...pb.fixed64(4, 3n),
          ...pb.double(5, 0.9),
          ...pb.packedFixed64(6, [1n, 2n, 0n]),
          ...pb.packedDouble(7, [0.1, 0.5]),
          ...pb.kv(9, 'http.route', '/pay'),
        ]),
        ...pb.uint(2, 2),
      ]),
      ...pb.uint(99, 5),
    ];
    const body = pb.len(1, [
      ...pb.len(1, pb.kv(1, 'service.name', 'checkout')),
      ...pb.len(2, [...pb.len(1, [...pb.str(1, 'test'), ...pb.str(2, '1')]), ...pb.len(2, gauge), ...pb.len(2, histogram)]),
    ]);
    const fromProto = decodeOtlpMetricsProtobuf(Uint8Array.from(body));
    const fromJson = decodeOtlpMetricsJson(
      request(
        [
          { name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: ns(T0_MS), asInt: '7', attributes: [str('queue', 'q1')] }] } },
          {
            name: 'http.server.duration',
            unit: 's',
            histogram: {
              aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
              dataPoints: [
                {
                  startTimeUnixNano: ns(T0_MS - 60_000),
                  timeUnixNano: ns(T0_MS),
                  count: '3',
                  sum: 0.9,
                  bucketCounts: ['1', '2', '0'],
                  explicitBounds: [0.1, 0.5],
                  attributes: [str('http.route', '/pay')],
                },
              ],
            },
          },
        ],
        [str('service.name', 'checkout')],
      ),
    );
    expect(fromProto).toEqual(fromJson);
    expect(fromProto.resourceMetrics[0]?.scopes[0]?.metrics[1]?.data).toMatchObject({ type: 'histogram', temporality: 'cumulative' });
  });

  it('throws on truncated bytes, naming the byte', () => {
    const body = Uint8Array.from(pb.len(1, pb.len(2, pb.len(2, pb.str(1, 'cpu')))));
    expect(() => decodeOtlpMetricsProtobuf(body.subarray(0, body.length - 2))).toThrow(
      /^protobuf: .* at byte \d+ \(expected .*, got .*\)$/,
    );
  });
});

describe('otlpMetricsToSeries', () => {
  it('maps a gauge and a cumulative sum with resource and point attributes as labels', () => {
    const out = convert(
      request([
        {
          name: 'system.cpu.utilization',
          unit: '1',
          gauge: {
            dataPoints: [
              {
                timeUnixNano: ns(T0_MS),
                asDouble: 0.42,
                attributes: [
                  str('cpu', '0'),
                  { key: 'core.online', value: { boolValue: true } },
                  { key: 'numa', value: { intValue: '1' } },
                ],
              },
            ],
          },
        },
        {
          name: 'http.requests',
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: [
              { startTimeUnixNano: ns(T0_MS - 60_000), timeUnixNano: ns(T0_MS), asInt: 10, attributes: [str('host.name', 'h2')] },
              {
                startTimeUnixNano: ns(T0_MS - 60_000),
                timeUnixNano: String(BigInt(T0_MS + 15_000) * 1_000_000n + 999_999n),
                asInt: '12',
                attributes: [str('host.name', 'h2')],
              },
            ],
          },
        },
      ]),
    );
    expect(out.series).toEqual([
      {
        metric: 'system_cpu_utilization',
        labels: { 'service.name': 'checkout', 'host.name': 'h1', cpu: '0', 'core.online': 'true', numa: '1' },
        points: [{ t: T0_MS, v: 0.42 }],
      },
      {
        metric: 'http_requests',
        labels: { 'service.name': 'checkout', 'host.name': 'h2' },
        points: [
          { t: T0_MS, v: 10 },
          { t: T0_MS + 15_000, v: 12 },
        ],
      },
    ]);
    expect(out).toMatchObject({ dataPoints: 3, points: 3, rejected: 0, stale: 0, duplicates: 0 });
  });

  it('turns DELTA sums into a running total across requests and ignores a retried request', () => {
    const delta = new DeltaToCumulative();
    const point = (fromMs: number, toMs: number, v: number) => ({ startTimeUnixNano: ns(fromMs), timeUnixNano: ns(toMs), asDouble: v });
    const body = (points: unknown[]) =>
      request([{ name: 'jobs.done', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: points } }]);
    const first = convert(body([point(T0_MS, T0_MS + 10_000, 4)]), delta);
    const second = convert(body([point(T0_MS + 10_000, T0_MS + 20_000, 3)]), delta);
    const retry = convert(body([point(T0_MS + 10_000, T0_MS + 20_000, 3)]), delta);
    const third = convert(body([point(T0_MS + 20_000, T0_MS + 30_000, 0.5)]), delta);
    expect(first.series[0]?.points).toEqual([{ t: T0_MS + 10_000, v: 4 }]);
    expect(second.series[0]?.points).toEqual([{ t: T0_MS + 20_000, v: 7 }]);
    expect(retry.series).toEqual([]);
    expect(retry.duplicates).toBe(1);
    expect(retry.rejected).toBe(0);
    expect(third.series[0]?.points).toEqual([{ t: T0_MS + 30_000, v: 7.5 }]);
    // undoing a batch (the engine failed to store it) lets its retry count once
    const failed = convert(body([point(T0_MS + 30_000, T0_MS + 40_000, 2)]), delta);
    expect(failed.series[0]?.points).toEqual([{ t: T0_MS + 40_000, v: 9.5 }]);
    delta.undo(failed.deltaChanges);
    expect(convert(body([point(T0_MS + 30_000, T0_MS + 40_000, 2)]), delta).series[0]?.points).toEqual([{ t: T0_MS + 40_000, v: 9.5 }]);
  });

  it('derives _count, _sum and cumulative _bucket series (with +Inf) from a histogram', () => {
    const out = convert(
      request([
        {
          name: 'http.server.duration',
          histogram: {
            aggregationTemporality: 2,
            dataPoints: [
              {
                startTimeUnixNano: ns(T0_MS - 60_000),
                timeUnixNano: ns(T0_MS),
                count: '6',
                sum: 2.5,
                bucketCounts: ['1', '2', '0', '3'],
                explicitBounds: [0.1, 0.5, 1],
              },
            ],
          },
        },
      ]),
    );
    const base = { 'service.name': 'checkout', 'host.name': 'h1' };
    expect(out.series).toEqual([
      { metric: 'http_server_duration_count', labels: base, points: [{ t: T0_MS, v: 6 }] },
      { metric: 'http_server_duration_sum', labels: base, points: [{ t: T0_MS, v: 2.5 }] },
      { metric: 'http_server_duration_bucket', labels: { ...base, le: '0.1' }, points: [{ t: T0_MS, v: 1 }] },
      { metric: 'http_server_duration_bucket', labels: { ...base, le: '0.5' }, points: [{ t: T0_MS, v: 3 }] },
      { metric: 'http_server_duration_bucket', labels: { ...base, le: '1' }, points: [{ t: T0_MS, v: 3 }] },
      { metric: 'http_server_duration_bucket', labels: { ...base, le: '+Inf' }, points: [{ t: T0_MS, v: 6 }] },
    ]);
    expect(out).toMatchObject({ dataPoints: 1, points: 6 });
  });

  it('sums DELTA histograms bucket by bucket', () => {
    const delta = new DeltaToCumulative();
    const h = (fromMs: number, toMs: number, counts: string[], sum: number) =>
      request([
        {
          name: 'lat',
          histogram: {
            aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
            dataPoints: [
              {
                startTimeUnixNano: ns(fromMs),
                timeUnixNano: ns(toMs),
                count: String(counts.reduce((a, b) => a + Number(b), 0)),
                sum,
                bucketCounts: counts,
                explicitBounds: [1],
              },
            ],
          },
        },
      ]);
    convert(h(T0_MS, T0_MS + 10_000, ['1', '1'], 3), delta);
    const out = convert(h(T0_MS + 10_000, T0_MS + 20_000, ['2', '0'], 1), delta);
    expect(out.series.map((s) => [s.metric, s.labels.le ?? '', s.points[0]?.v])).toEqual([
      ['lat_count', '', 4],
      ['lat_sum', '', 4],
      ['lat_bucket', '1', 3],
      ['lat_bucket', '+Inf', 4],
    ]);
  });

  it('derives _count/_sum from exponential histograms and quantile series from summaries', () => {
    const out = convert(
      request([
        {
          name: 'rpc.duration',
          exponentialHistogram: {
            aggregationTemporality: 2,
            dataPoints: [{ timeUnixNano: ns(T0_MS), count: 5, sum: 1.25, scale: 2, positive: { offset: 1, bucketCounts: ['5'] } }],
          },
        },
        {
          name: 'gc.pause',
          summary: {
            dataPoints: [
              {
                timeUnixNano: ns(T0_MS),
                count: '10',
                sum: 0.5,
                quantileValues: [
                  { quantile: 0.5, value: 0.04 },
                  { quantile: 0.99, value: 0.2 },
                ],
              },
            ],
          },
        },
      ]),
    );
    expect(out.series.map((s) => [s.metric, s.labels.quantile ?? '', s.points[0]?.v])).toEqual([
      ['rpc_duration_count', '', 5],
      ['rpc_duration_sum', '', 1.25],
      ['gc_pause_count', '', 10],
      ['gc_pause_sum', '', 0.5],
      ['gc_pause', '0.5', 0.04],
      ['gc_pause', '0.99', 0.2],
    ]);
  });

  it('refuses bad points one by one with a reason, drops NO_RECORDED_VALUE points silently, keeps the rest', () => {
    const t = ns(T0_MS);
    const out = convert(
      request([
        {
          name: 'temp',
          gauge: {
            dataPoints: [
              { timeUnixNano: t, asDouble: 'NaN' },
              { timeUnixNano: t, asDouble: '-Infinity' },
              { asDouble: 1 },
              { timeUnixNano: t },
              { timeUnixNano: t, flags: 1 },
              { timeUnixNano: ns(T0_MS + 3 * 3_600_000), asDouble: 2 },
              { timeUnixNano: t, asDouble: 21.5 },
              { timeUnixNano: t, asDouble: 3, attributes: Array.from({ length: 70 }, (_, i) => str(`k${i}`, 'v')) },
            ],
          },
        },
        { name: 'requests', sum: { isMonotonic: true, dataPoints: [{ timeUnixNano: t, asInt: 1 }] } },
        {
          name: 'lat',
          histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: t, count: 3, bucketCounts: [1, 1], explicitBounds: [1] }] },
        },
        { name: '', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 1 }] } },
      ]),
      new DeltaToCumulative(),
      { maxTimeMs: T0_MS + 600_000 },
    );
    expect(out.series).toEqual([
      { metric: 'temp', labels: { 'service.name': 'checkout', 'host.name': 'h1' }, points: [{ t: T0_MS, v: 21.5 }] },
    ]);
    expect(out.stale).toBe(1);
    expect(out.dataPoints).toBe(11);
    expect(out.rejected).toBe(9);
    expect(out.reasons).toEqual([
      'metric "temp" (gauge) point 0: value is NaN (expected a finite number)',
      'metric "temp" (gauge) point 1: value is -Infinity (expected a finite number)',
      'metric "temp" (gauge) point 2: has no timeUnixNano (expected nanoseconds since the epoch)',
      'metric "temp" (gauge) point 3: has no value (expected asDouble or asInt)',
      'metric "temp" (gauge) point 5: time 2023-11-15T01:13:20.000Z is too far in the future (expected at or before 2023-11-14T22:23:20.000Z)',
      'metric "temp" (gauge) point 7: has 72 labels (expected at most 64)',
      'metric "requests" (sum): aggregationTemporality is unspecified (expected DELTA or CUMULATIVE)',
      'metric "lat" (histogram) point 0: bucket counts add up to 2 (expected count 3)',
      'metric "" (gauge): has no name (expected a metric name)',
    ]);
  });

  it('refuses points whose labels fail the caller check (no entity)', () => {
    const out = convert(
      request([{ name: 'up', gauge: { dataPoints: [{ timeUnixNano: ns(T0_MS), asInt: 1 }] } }], [str('team', 'x')]),
      new DeltaToCumulative(),
      { checkLabels: (l: Record<string, string>) => (l['service.name'] ? undefined : 'names no entity') },
    );
    expect(out.series).toEqual([]);
    expect(out.reasons).toEqual(['metric "up" (gauge) point 0: names no entity']);
  });
});

describe('decodeOtlpMetricsJson errors', () => {
  it('names the path, what was expected and what was received', () => {
    expect(() => decodeOtlpMetricsJson([])).toThrow('body must be an object (got an array of 0)');
    expect(() => decodeOtlpMetricsJson({ resourceMetrics: {} })).toThrow('resourceMetrics must be an array (got {})');
    expect(() => decodeOtlpMetricsJson(request([{ name: 'x', gauge: { dataPoints: [{ timeUnixNano: 'soon' }] } }]))).toThrow(
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano must be an unsigned 64-bit integer as a decimal string or number (got "soon")',
    );
    expect(() => decodeOtlpMetricsJson(request([{ name: 'x', sum: { aggregationTemporality: 'SOMETIMES', dataPoints: [] } }]))).toThrow(
      'resourceMetrics[0].scopeMetrics[0].metrics[0].sum.aggregationTemporality must be 1, 2, AGGREGATION_TEMPORALITY_DELTA or AGGREGATION_TEMPORALITY_CUMULATIVE (got "SOMETIMES")',
    );
  });

  it('ignores unknown keys, as the spec requires', () => {
    const out = decodeOtlpMetricsJson({ resourceMetrics: [{ scopeMetrics: [], futureField: 1 }], other: true });
    expect(out).toEqual({ resourceMetrics: [{ resource: [], scopes: [] }] });
  });
});

describe('responses', () => {
  it('encodes ExportMetricsServiceResponse and google.rpc.Status', () => {
    expect([...encodeExportMetricsResponse(0, '')]).toEqual([]);
    // partial_success (1, len 7) { rejected_data_points (1) = 3, error_message (2) = "x" }
    expect([...encodeExportMetricsResponse(3, 'x')]).toEqual([0x0a, 0x05, 0x08, 0x03, 0x12, 0x01, 0x78]);
    expect([...encodeRpcStatus(3, 'bad')]).toEqual([0x08, 0x03, 0x12, 0x03, 0x62, 0x61, 0x64]);
    expect(exportMetricsResponseJson(2, 'why')).toEqual({ partialSuccess: { rejectedDataPoints: '2', errorMessage: 'why' } });
    expect(exportMetricsResponseJson(0, '')).toEqual({});
  });
});
