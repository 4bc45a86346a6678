/**
 * @module bench/ingest-bodies
 * Request bodies for the ingest benchmark, one batch of series written four ways: the JSON body of
 * `POST /api/v1/ingest` (points as `[t, v]` pairs), an OTLP `ExportMetricsServiceRequest` as
 * protobuf and as OTLP/JSON for `POST /v1/metrics` (one ResourceMetrics per entity, its labels as
 * resource attributes, one Gauge per metric), and a Prometheus remote_write 1.0 `WriteRequest`,
 * snappy-compressed, for `POST /api/v1/write`. Written by hand — a protobuf writer for the few
 * messages needed and a Snappy block compressor (greedy 4-byte hash matching in 64 KiB fragments,
 * as the reference implementation does) — so the benchmark needs no dependency at run time.
 * References: opentelemetry-proto metrics/v1/metrics.proto and collector/metrics/v1/metrics_service.proto,
 * prompb/remote.proto and types.proto, https://github.com/google/snappy/blob/main/format_description.txt
 */

/** One series of a batch: its metric, labels (the entity's, e.g. `host.name`) and points. */
export interface BenchSeries {
  readonly metric: string;
  /** Entity labels; in OTLP they become resource attributes, so series of one entity must share them. */
  readonly labels: Readonly<Record<string, string>>;
  /** Times in epoch ms, values finite. */
  readonly points: readonly (readonly [number, number])[];
}

/** The four telemetry doors the benchmark compares. */
export type IngestDoor = 'json' | 'otlp_protobuf' | 'otlp_json' | 'remote_write';

/** Every door, the JSON baseline first. */
export const INGEST_DOORS: readonly IngestDoor[] = ['json', 'otlp_protobuf', 'otlp_json', 'remote_write'];

/** A ready request: path, headers and body bytes. */
export interface DoorRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

const SCOPE_NAME = 'homeostat-bench';
const SCOPE_VERSION = '1';

/**
 * Writes one batch as the request of `door`. Series of the same entity (equal labels) must be
 * adjacent: OTLP groups them under one resource.
 * @example encodeDoorRequest('remote_write', [{ metric: 'cpu_utilization', labels: { 'host.name': 'h1' }, points: [[1700000000000, 0.5]] }])
 */
export function encodeDoorRequest(door: IngestDoor, series: readonly BenchSeries[]): DoorRequest {
  switch (door) {
    case 'json':
      return {
        path: '/api/v1/ingest',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ series: series.map((s) => ({ metric: s.metric, labels: s.labels, points: s.points })) })),
      };
    case 'otlp_json':
      return { path: '/v1/metrics', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(otlpJson(series))) };
    case 'otlp_protobuf':
      return { path: '/v1/metrics', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(otlpProtobuf(series)) };
    case 'remote_write':
      return {
        path: '/api/v1/write',
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
        },
        body: Buffer.from(snappyCompress(remoteWriteProtobuf(series))),
      };
  }
}

/** Adjacent series with equal labels, as OTLP resources. */
function byEntity(series: readonly BenchSeries[]): BenchSeries[][] {
  const groups: BenchSeries[][] = [];
  let key = '';
  for (const s of series) {
    const k = JSON.stringify(s.labels);
    const last = groups[groups.length - 1];
    if (last !== undefined && k === key) last.push(s);
    else groups.push([s]);
    key = k;
  }
  return groups;
}

function otlpJson(series: readonly BenchSeries[]): unknown {
  return {
    resourceMetrics: byEntity(series).map((group) => ({
      resource: {
        attributes: Object.entries((group[0] as BenchSeries).labels).map(([key, value]) => ({ key, value: { stringValue: value } })),
      },
      scopeMetrics: [
        {
          scope: { name: SCOPE_NAME, version: SCOPE_VERSION },
          metrics: group.map((s) => ({
            name: s.metric,
            unit: '1',
            gauge: { dataPoints: s.points.map(([t, v]) => ({ timeUnixNano: `${t}000000`, asDouble: v })) },
          })),
        },
      ],
    })),
  };
}

function otlpProtobuf(series: readonly BenchSeries[]): Uint8Array {
  const w = new ProtobufWriter();
  for (const group of byEntity(series)) {
    // ExportMetricsServiceRequest.resource_metrics = 1
    w.message(1, () => {
      // ResourceMetrics.resource = 1 → Resource.attributes = 1 (KeyValue: key = 1, value = 2 → AnyValue.string_value = 1)
      w.message(1, () => {
        for (const [key, value] of Object.entries((group[0] as BenchSeries).labels)) {
          w.message(1, () => {
            w.string(1, key);
            w.message(2, () => w.string(1, value));
          });
        }
      });
      // ResourceMetrics.scope_metrics = 2 → ScopeMetrics.scope = 1 (name = 1, version = 2), metrics = 2
      w.message(2, () => {
        w.message(1, () => {
          w.string(1, SCOPE_NAME);
          w.string(2, SCOPE_VERSION);
        });
        for (const s of group) {
          // Metric: name = 1, unit = 3, gauge = 5 → Gauge.data_points = 1 → NumberDataPoint: time_unix_nano = 3 (fixed64), as_double = 4
          w.message(2, () => {
            w.string(1, s.metric);
            w.string(3, '1');
            w.message(5, () => {
              for (const [t, v] of s.points) {
                w.message(1, () => {
                  w.fixed64(3, BigInt(t) * 1_000_000n);
                  w.double(4, v);
                });
              }
            });
          });
        }
      });
    });
  }
  return w.finish();
}

function remoteWriteProtobuf(series: readonly BenchSeries[]): Uint8Array {
  const w = new ProtobufWriter();
  for (const s of series) {
    // WriteRequest.timeseries = 1 → TimeSeries: labels = 1 (Label: name = 1, value = 2), samples = 2 (Sample: value = 1, timestamp = 2)
    w.message(1, () => {
      const labels = Object.entries({ __name__: s.metric, ...s.labels }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [name, value] of labels) {
        w.message(1, () => {
          w.string(1, name);
          w.string(2, value);
        });
      }
      for (const [t, v] of s.points) {
        w.message(2, () => {
          w.double(1, v);
          w.varint(2, t);
        });
      }
    });
  }
  return w.finish();
}

const utf8 = new TextEncoder();

/**
 * A Protocol Buffers writer for the wire types the bodies need: varint (non-negative integers up to
 * 2^53), fixed64, double, string and nested messages. A nested message is written in place and its
 * length prefix widened afterwards (one byte reserved, the body moved when it needs more).
 * @example const w = new ProtobufWriter(); w.varint(1, 150); w.finish() // Uint8Array [0x08, 0x96, 0x01]
 */
export class ProtobufWriter {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  #pos = 0;

  /** Writes field `field` as a varint; `value` a non-negative safe integer. */
  varint(field: number, value: number): void {
    this.#raw(field * 8);
    this.#raw(value);
  }

  /** Writes field `field` as fixed64 (wire type 1), little-endian. */
  fixed64(field: number, value: bigint): void {
    this.#raw(field * 8 + 1);
    this.#ensure(8);
    this.#view.setBigUint64(this.#pos, value, true);
    this.#pos += 8;
  }

  /** Writes field `field` as a double (wire type 1). */
  double(field: number, value: number): void {
    this.#raw(field * 8 + 1);
    this.#ensure(8);
    this.#view.setFloat64(this.#pos, value, true);
    this.#pos += 8;
  }

  /** Writes field `field` as a UTF-8 string (wire type 2). */
  string(field: number, value: string): void {
    const bytes = utf8.encode(value);
    this.#raw(field * 8 + 2);
    this.#raw(bytes.length);
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** Writes field `field` as a nested message whose fields `body` writes. */
  message(field: number, body: () => void): void {
    this.#raw(field * 8 + 2);
    this.#ensure(1);
    const lengthAt = this.#pos;
    this.#pos += 1;
    const start = this.#pos;
    body();
    const length = this.#pos - start;
    const extra = varintSize(length) - 1;
    if (extra > 0) {
      this.#ensure(extra);
      this.#buf.copyWithin(start + extra, start, this.#pos);
      this.#pos += extra;
    }
    let at = lengthAt;
    let v = length;
    while (v >= 0x80) {
      this.#buf[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[at] = v;
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  #raw(value: number): void {
    this.#ensure(8);
    let v = value;
    while (v >= 0x80) {
      this.#buf[this.#pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buf[this.#pos++] = v;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}

function varintSize(n: number): number {
  let size = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

const FRAGMENT_BYTES = 65_536;
const HASH_BITS = 14;
const MAX_COPY = 64;

/**
 * Compresses `input` as one Snappy block: the length as a varint, then per 64 KiB fragment a greedy
 * scan that emits a 2-byte-offset copy for every repeat of 4 or more bytes found through a hash of
 * the next 4 bytes, and literals between them. Output any Snappy decoder reads; ratios near the
 * reference encoder's on repetitive data such as protobuf label sets.
 * @example snappyCompress(new TextEncoder().encode('abcabcabcabc'))
 */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const out = new ByteSink(Math.ceil(input.length * 1.17) + 32);
  out.varint(input.length);
  const table = new Int32Array(1 << HASH_BITS);
  for (let from = 0; from < input.length; from += FRAGMENT_BYTES) {
    const end = Math.min(input.length, from + FRAGMENT_BYTES);
    table.fill(-1);
    let literalFrom = from;
    let i = from;
    while (i + 4 <= end) {
      const word = read32(input, i);
      const h = Math.imul(word, 0x1e35a7bd) >>> (32 - HASH_BITS);
      const candidate = table[h] as number;
      table[h] = i;
      if (candidate < from || read32(input, candidate) !== word) {
        i++;
        continue;
      }
      emitLiteral(out, input, literalFrom, i);
      let length = 4;
      while (i + length < end && input[candidate + length] === input[i + length]) length++;
      const offset = i - candidate;
      for (let left = length; left > 0; left -= MAX_COPY) {
        const n = Math.min(MAX_COPY, left);
        out.byte(((n - 1) << 2) | 2);
        out.byte(offset & 0xff);
        out.byte(offset >>> 8);
      }
      i += length;
      literalFrom = i;
    }
    emitLiteral(out, input, literalFrom, end);
  }
  return out.bytes();
}

function read32(b: Uint8Array, i: number): number {
  return ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0;
}

function emitLiteral(out: ByteSink, input: Uint8Array, from: number, to: number): void {
  const n = to - from;
  if (n === 0) return;
  const m = n - 1;
  if (m < 60) out.byte(m << 2);
  else {
    const extra = m < 0x100 ? 1 : m < 0x10000 ? 2 : m < 0x1000000 ? 3 : 4;
    out.byte((59 + extra) << 2);
    for (let k = 0; k < extra; k++) out.byte((m >>> (8 * k)) & 0xff);
  }
  out.copy(input, from, to);
}

/** A growable byte buffer. */
class ByteSink {
  #buf: Uint8Array;
  #pos = 0;

  constructor(capacity: number) {
    this.#buf = new Uint8Array(capacity);
  }

  byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
  }

  varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  copy(from: Uint8Array, start: number, end: number): void {
    this.#ensure(end - start);
    this.#buf.set(from.subarray(start, end), this.#pos);
    this.#pos += end - start;
  }

  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + n));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }
}
