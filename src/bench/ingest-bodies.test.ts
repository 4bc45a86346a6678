import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodeWriteRequest } from '../../test/fixtures/remote-write.js';
import { parseIngestBody } from '../api/ingest.js';
import { DeltaToCumulative } from '../telemetry/delta-to-cumulative.js';
import { decodeOtlpMetricsJson, decodeOtlpMetricsProtobuf, otlpMetricsToSeries } from '../telemetry/otlp-metrics.js';
import { decodeRemoteWrite } from '../telemetry/remote-write.js';
import { snappyDecompress } from '../telemetry/snappy.js';
import { type BenchSeries, encodeDoorRequest, INGEST_DOORS, ProtobufWriter, snappyCompress } from './ingest-bodies.js';

const snappyjs = createRequire(import.meta.url)('snappyjs') as { uncompress(input: Uint8Array): Uint8Array };

const T = Date.UTC(2026, 0, 6, 12);
const BATCH: BenchSeries[] = [
  {
    metric: 'cpu_utilization',
    labels: { 'host.name': 'h1', job: 'node' },
    points: [
      [T, 0.5],
      [T + 60_000, 0.625],
    ],
  },
  { metric: 'request_rate', labels: { 'host.name': 'h1', job: 'node' }, points: [[T, 350.125]] },
  { metric: 'cpu_utilization', labels: { 'host.name': 'h2', job: 'node' }, points: [[T + 1, -2]] },
];

/** The batch as `metric{labels}` → [t, v][] for comparison. */
const expected = {
  'cpu_utilization{host.name="h1",job="node"}': [
    [T, 0.5],
    [T + 60_000, 0.625],
  ],
  'request_rate{host.name="h1",job="node"}': [[T, 350.125]],
  'cpu_utilization{host.name="h2",job="node"}': [[T + 1, -2]],
};

const flat = (
  series: readonly { metric: string; labels: Readonly<Record<string, string>>; points: readonly { t: number; v: number }[] }[],
) =>
  Object.fromEntries(
    series.map((s) => [
      `${s.metric}{${Object.entries(s.labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')}}`,
      s.points.map((p) => [p.t, p.v]),
    ]),
  );

const wide = { minTimeMs: 0, maxTimeMs: T + 3_600_000 };

describe('encodeDoorRequest', () => {
  it('writes the same series through every door, as the server decoders read them', () => {
    const json = encodeDoorRequest('json', BATCH);
    expect(json.path).toBe('/api/v1/ingest');
    expect(flat(parseIngestBody(JSON.parse(json.body.toString('utf8'))))).toEqual(expected);

    const pb = encodeDoorRequest('otlp_protobuf', BATCH);
    expect([pb.path, pb.headers['content-type']]).toEqual(['/v1/metrics', 'application/x-protobuf']);
    const fromPb = otlpMetricsToSeries(decodeOtlpMetricsProtobuf(pb.body), { ...wide, delta: new DeltaToCumulative() });
    expect([fromPb.dataPoints, fromPb.rejected]).toEqual([4, 0]);
    expect(flat(fromPb.series)).toEqual(expected);

    const oj = encodeDoorRequest('otlp_json', BATCH);
    const decoded = decodeOtlpMetricsJson(JSON.parse(oj.body.toString('utf8')));
    // two hosts → two resources; h1 carries both of its metrics
    expect(decoded.resourceMetrics.map((rm) => rm.scopes[0]?.metrics.map((m) => m.name))).toEqual([
      ['cpu_utilization', 'request_rate'],
      ['cpu_utilization'],
    ]);
    expect(flat(otlpMetricsToSeries(decoded, { ...wide, delta: new DeltaToCumulative() }).series)).toEqual(expected);

    const rw = encodeDoorRequest('remote_write', BATCH);
    expect([rw.path, rw.headers['content-encoding']]).toEqual(['/api/v1/write', 'snappy']);
    const fromRw = decodeRemoteWrite(snappyDecompress(rw.body), wide);
    expect([fromRw.timeseries, fromRw.samples, fromRw.rejected]).toEqual([3, 4, 0]);
    expect(flat(fromRw.series)).toEqual(expected);
  });

  it('writes the remote_write protobuf byte for byte as protobufjs does from the official .proto', () => {
    const rw = encodeDoorRequest('remote_write', BATCH);
    const reference = encodeWriteRequest({
      timeseries: BATCH.map((s) => ({
        labels: [
          { name: '__name__', value: s.metric },
          { name: 'host.name', value: s.labels['host.name'] as string },
          { name: 'job', value: s.labels.job as string },
        ],
        samples: s.points.map(([t, v]) => ({ value: v, timestamp: t })),
      })),
    });
    expect(Buffer.from(snappyDecompress(rw.body)).equals(Buffer.from(reference))).toBe(true);
  });

  it('covers the four doors, JSON first', () => {
    expect(INGEST_DOORS).toEqual(['json', 'otlp_protobuf', 'otlp_json', 'remote_write']);
  });
});

describe('ProtobufWriter', () => {
  it('writes varints and widens a nested length past 127 bytes', () => {
    const w = new ProtobufWriter();
    w.varint(1, 150);
    expect([...w.finish()]).toEqual([0x08, 0x96, 0x01]);
    const n = new ProtobufWriter();
    n.message(1, () => n.string(2, 'x'.repeat(200)));
    const bytes = n.finish();
    // field 1 (0x0a), length 203 = 0xcb 0x01, then field 2 (0x12), length 200 = 0xc8 0x01, then 200 × 'x'
    expect(bytes.length).toBe(206);
    expect([...bytes.subarray(0, 6)]).toEqual([0x0a, 0xcb, 0x01, 0x12, 0xc8, 0x01]);
    expect(bytes[205]).toBe(0x78);
  });

  it('writes fixed64 and doubles little-endian', () => {
    const w = new ProtobufWriter();
    w.fixed64(3, 258n);
    w.double(4, 1);
    expect([...w.finish()]).toEqual([0x19, 2, 1, 0, 0, 0, 0, 0, 0, 0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  });
});

describe('snappyCompress', () => {
  it('emits a literal then a copy for a repeat (hand-checked)', () => {
    // length 12; literal "abc" (tag (3-1)<<2 = 8); copy of 9 bytes at offset 3 (tag (9-1)<<2 | 2 = 34, offset 3, 0)
    expect([...snappyCompress(new TextEncoder().encode('abcabcabcabc'))]).toEqual([12, 8, 97, 98, 99, 34, 3, 0]);
  });

  it('writes a literal of 100 bytes with a one-byte length', () => {
    const input = Uint8Array.from({ length: 100 }, (_, i) => (i * 97 + 13) % 251);
    const out = snappyCompress(input);
    expect([...out.subarray(0, 3)]).toEqual([100, 60 << 2, 99]);
    expect(out.length).toBe(103);
  });

  it('round-trips through both decoders across fragments and compresses repetitive bytes', () => {
    const body = encodeDoorRequest('json', BATCH).body;
    const input = new Uint8Array(200_000);
    for (let o = 0; o < input.length; o += body.length) input.set(body.subarray(0, Math.min(body.length, input.length - o)), o);
    const out = snappyCompress(input);
    expect(out.length).toBeLessThan(input.length / 10);
    expect(Buffer.from(snappyDecompress(out)).equals(Buffer.from(input))).toBe(true);
    expect(Buffer.from(snappyjs.uncompress(out)).equals(Buffer.from(input))).toBe(true);
    expect([...snappyCompress(new Uint8Array(0))]).toEqual([0]);
  });
});
