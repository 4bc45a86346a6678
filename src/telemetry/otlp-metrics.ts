/**
 * @module telemetry/otlp-metrics
 * OTLP metrics in: an `ExportMetricsServiceRequest` (opentelemetry-proto v1, metrics.proto) decoded
 * from protobuf bytes or from OTLP/JSON, then turned into Prometheus-style series.
 *
 * Mapping (as the OpenTelemetry → Prometheus compatibility spec does, minus suffixes):
 * - Name: every character outside `[a-zA-Z0-9_:]` becomes `_`, and a leading digit gets a `_`
 *   prefix (`http.server.duration` → `http_server_duration`). The unit is not appended and no
 *   `_total` is added: Homeostat's own names (`cpu_utilization`, `restarts`) carry none, and a name
 *   that means the same whatever the sender's exporter settings is easier to alert on. The unit is
 *   dropped (it is not part of the series identity).
 * - Labels: resource attributes, then data-point attributes (a data-point attribute wins on a name
 *   clash). Dotted names are kept (`service.name`, `host.name`, `k8s.pod.name`…) because entity
 *   resolution reads them; other characters outside `[a-zA-Z0-9_.]` become `_`, and a name not
 *   starting with a letter or `_` gets a `_` prefix. Non-string values: booleans and numbers as
 *   text, arrays and maps as JSON, bytes as base64. Scope name and version are not labels.
 * - Gauge and Sum → one series; CUMULATIVE kept as sent, DELTA summed into a running total by a
 *   {@link DeltaToCumulative} held by the caller; UNSPECIFIED temporality is refused.
 * - Histogram → `<name>_count`, `<name>_sum` (when sent) and cumulative `<name>_bucket{le="…"}`
 *   for every explicit bound plus `le="+Inf"` (= count); bounds written as JavaScript numbers.
 * - Exponential histogram → `<name>_count`, `<name>_sum`. Summary → `_count`, `_sum` and
 *   `<name>{quantile="…"}`.
 * - Times: nanoseconds → milliseconds (floor). A point with no time, a NaN or infinite value, or a
 *   histogram whose buckets do not add up is refused with its reason; a point flagged
 *   NO_RECORDED_VALUE (a staleness marker) is dropped silently and counted.
 * OTLP/JSON: lowerCamelCase keys, unknown keys ignored, 64-bit integers as decimal strings or
 * numbers, enums as numbers or names, doubles as numbers or "NaN"/"Infinity"/"-Infinity".
 * Reference: https://opentelemetry.io/docs/specs/otlp/ and
 * https://opentelemetry.io/docs/specs/otel/compatibility/prometheus_and_openmetrics/
 */
import { describe, HomeostatError } from '../errors.js';
import type { DeltaChange, DeltaToCumulative } from './delta-to-cumulative.js';
import { ProtobufReader, type WireType } from './protobuf-reader.js';
import { type DecodedBatch, SeriesCollector, type SeriesChecks } from './series-collector.js';
import { canonicalSeries } from './series-id.js';
import type { Labels } from './types.js';

/** Aggregation temporality of a Sum or Histogram. */
export type OtlpTemporality = 'unspecified' | 'delta' | 'cumulative';

/** An attribute value as decoded: string, boolean, number, array, map, or base64 text for bytes. */
export type OtlpValue = string | boolean | number | readonly OtlpValue[] | { readonly [key: string]: OtlpValue } | null;

/** Attributes in wire order. */
export type OtlpAttributes = readonly (readonly [string, OtlpValue])[];

/** Fields every data point has. Times are nanoseconds since the epoch; 0 means absent. */
export interface OtlpPointBase {
  readonly attributes: OtlpAttributes;
  readonly startNs: bigint;
  readonly timeNs: bigint;
  readonly flags: number;
}

/** A Gauge or Sum point; `value` undefined when neither asDouble nor asInt was sent. */
export interface OtlpNumberPoint extends OtlpPointBase {
  readonly value: number | undefined;
}

/** A Histogram point. */
export interface OtlpHistogramPoint extends OtlpPointBase {
  readonly count: number;
  readonly sum: number | undefined;
  readonly bucketCounts: readonly number[];
  readonly bounds: readonly number[];
}

/** An ExponentialHistogram point (only count and sum are used). */
export interface OtlpExponentialPoint extends OtlpPointBase {
  readonly count: number;
  readonly sum: number | undefined;
}

/** A Summary point. */
export interface OtlpSummaryPoint extends OtlpPointBase {
  readonly count: number;
  readonly sum: number;
  readonly quantiles: readonly { readonly quantile: number; readonly value: number }[];
}

/** The data of one metric. */
export type OtlpMetricData =
  | { readonly type: 'gauge'; readonly points: readonly OtlpNumberPoint[] }
  | {
      readonly type: 'sum';
      readonly temporality: OtlpTemporality;
      readonly monotonic: boolean;
      readonly points: readonly OtlpNumberPoint[];
    }
  | { readonly type: 'histogram'; readonly temporality: OtlpTemporality; readonly points: readonly OtlpHistogramPoint[] }
  | { readonly type: 'exponential_histogram'; readonly temporality: OtlpTemporality; readonly points: readonly OtlpExponentialPoint[] }
  | { readonly type: 'summary'; readonly points: readonly OtlpSummaryPoint[] }
  | { readonly type: 'none' };

/** One metric as sent. */
export interface OtlpMetric {
  readonly name: string;
  readonly unit: string;
  readonly data: OtlpMetricData;
}

/** An ExportMetricsServiceRequest, flattened to what Homeostat reads. */
export interface OtlpMetricsRequest {
  readonly resourceMetrics: readonly {
    readonly resource: OtlpAttributes;
    readonly scopes: readonly { readonly name: string; readonly version: string; readonly metrics: readonly OtlpMetric[] }[];
  }[];
}

/** Options of {@link otlpMetricsToSeries}: the shared checks plus the delta accumulator. */
export interface OtlpConvertOptions extends SeriesChecks {
  /** Running totals of DELTA streams; the caller keeps it between requests. */
  readonly delta: DeltaToCumulative;
}

/** Result of {@link otlpMetricsToSeries}; `rejected` counts OTLP data points. */
export interface OtlpConversion extends DecodedBatch {
  /** Data points in the request. */
  readonly dataPoints: number;
  /** Points flagged NO_RECORDED_VALUE, dropped without error. */
  readonly stale: number;
  /** DELTA points already counted by an earlier request (retries), dropped without error. */
  readonly duplicates: number;
  /** Changes made to the delta accumulator; undo them if the series could not be stored. */
  readonly deltaChanges: readonly DeltaChange[];
}

const NO_RECORDED_VALUE = 1;
const MAX_ANY_DEPTH = 16;
const NS_PER_MS = 1_000_000n;

// ------------------------------------------------------------------ protobuf

/**
 * Decodes an `ExportMetricsServiceRequest` from protobuf bytes. Unknown fields are skipped.
 * Throws `invalid_argument` (`protobuf: … at byte N (expected …, got …)`) on malformed bytes.
 */
export function decodeOtlpMetricsProtobuf(bytes: Uint8Array): OtlpMetricsRequest {
  const r = new ProtobufReader(bytes);
  const resourceMetrics: OtlpMetricsRequest['resourceMetrics'][number][] = [];
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) resourceMetrics.push(pbResourceMetrics(r.message(t.wireType, 'ResourceMetrics')));
    else r.skip(t.wireType);
  }
  return { resourceMetrics };
}

function pbResourceMetrics(r: ProtobufReader): OtlpMetricsRequest['resourceMetrics'][number] {
  let resource: OtlpAttributes = [];
  const scopes: { name: string; version: string; metrics: OtlpMetric[] }[] = [];
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) resource = pbAttributesOf(r.message(t.wireType, 'Resource'), 1);
    else if (t.field === 2) scopes.push(pbScopeMetrics(r.message(t.wireType, 'ScopeMetrics')));
    else r.skip(t.wireType);
  }
  return { resource, scopes };
}

function pbScopeMetrics(r: ProtobufReader): { name: string; version: string; metrics: OtlpMetric[] } {
  let name = '';
  let version = '';
  const metrics: OtlpMetric[] = [];
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) {
      const s = r.message(t.wireType, 'InstrumentationScope');
      while (!s.done) {
        const st = s.tag();
        if (st.field === 1) name = s.string(st.wireType);
        else if (st.field === 2) version = s.string(st.wireType);
        else s.skip(st.wireType);
      }
    } else if (t.field === 2) metrics.push(pbMetric(r.message(t.wireType, 'Metric')));
    else r.skip(t.wireType);
  }
  return { name, version, metrics };
}

function pbMetric(r: ProtobufReader): OtlpMetric {
  let name = '';
  let unit = '';
  let data: OtlpMetricData = { type: 'none' };
  while (!r.done) {
    const t = r.tag();
    switch (t.field) {
      case 1:
        name = r.string(t.wireType);
        break;
      case 3:
        unit = r.string(t.wireType);
        break;
      case 5: {
        const m = pbAggregate(r.message(t.wireType, 'Gauge'), pbNumberPoint);
        data = { type: 'gauge', points: m.points };
        break;
      }
      case 7: {
        const m = pbAggregate(r.message(t.wireType, 'Sum'), pbNumberPoint);
        data = { type: 'sum', temporality: m.temporality, monotonic: m.monotonic, points: m.points };
        break;
      }
      case 9: {
        const m = pbAggregate(r.message(t.wireType, 'Histogram'), pbHistogramPoint);
        data = { type: 'histogram', temporality: m.temporality, points: m.points };
        break;
      }
      case 10: {
        const m = pbAggregate(r.message(t.wireType, 'ExponentialHistogram'), pbExponentialPoint);
        data = { type: 'exponential_histogram', temporality: m.temporality, points: m.points };
        break;
      }
      case 11: {
        const m = pbAggregate(r.message(t.wireType, 'Summary'), pbSummaryPoint);
        data = { type: 'summary', points: m.points };
        break;
      }
      default:
        r.skip(t.wireType);
    }
  }
  return { name, unit, data };
}

/** Gauge, Sum, Histogram, ExponentialHistogram and Summary share fields 1 (points), 2 (temporality), 3 (monotonic). */
function pbAggregate<P>(
  r: ProtobufReader,
  point: (r: ProtobufReader) => P,
): { points: P[]; temporality: OtlpTemporality; monotonic: boolean } {
  const points: P[] = [];
  let temporality: OtlpTemporality = 'unspecified';
  let monotonic = false;
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) points.push(point(r.message(t.wireType, 'data point')));
    else if (t.field === 2) temporality = temporalityOf(r.int32(t.wireType));
    else if (t.field === 3) monotonic = r.bool(t.wireType);
    else r.skip(t.wireType);
  }
  return { points, temporality, monotonic };
}

function temporalityOf(n: number): OtlpTemporality {
  return n === 1 ? 'delta' : n === 2 ? 'cumulative' : 'unspecified';
}

interface MutableBase {
  attributes: [string, OtlpValue][];
  startNs: bigint;
  timeNs: bigint;
  flags: number;
}

/** Reads a field common to all points; false when the field is not one of them. */
function pbBaseField(
  r: ProtobufReader,
  field: number,
  wireType: WireType,
  base: MutableBase,
  attributesField: number,
  flagsField: number,
): boolean {
  if (field === attributesField) base.attributes.push(pbKeyValue(r.message(wireType, 'KeyValue'), 0));
  else if (field === 2) base.startNs = r.fixed64Big(wireType);
  else if (field === 3) base.timeNs = r.fixed64Big(wireType);
  else if (field === flagsField) base.flags = r.uint32(wireType);
  else return false;
  return true;
}

const newBase = (): MutableBase => ({ attributes: [], startNs: 0n, timeNs: 0n, flags: 0 });

function pbNumberPoint(r: ProtobufReader): OtlpNumberPoint {
  const base = newBase();
  let value: number | undefined;
  while (!r.done) {
    const t = r.tag();
    if (pbBaseField(r, t.field, t.wireType, base, 7, 8)) continue;
    if (t.field === 4) value = r.double(t.wireType);
    else if (t.field === 6) value = r.sfixed64(t.wireType);
    else r.skip(t.wireType);
  }
  return { ...base, value };
}

function pbHistogramPoint(r: ProtobufReader): OtlpHistogramPoint {
  const base = newBase();
  let count = 0;
  let sum: number | undefined;
  const bucketCounts: number[] = [];
  const bounds: number[] = [];
  while (!r.done) {
    const t = r.tag();
    if (pbBaseField(r, t.field, t.wireType, base, 9, 10)) continue;
    if (t.field === 4) count = r.fixed64(t.wireType);
    else if (t.field === 5) sum = r.double(t.wireType);
    else if (t.field === 6) r.repeatedFixed64(t.wireType, bucketCounts);
    else if (t.field === 7) r.repeatedDouble(t.wireType, bounds);
    else r.skip(t.wireType);
  }
  return { ...base, count, sum, bucketCounts, bounds };
}

function pbExponentialPoint(r: ProtobufReader): OtlpExponentialPoint {
  const base = newBase();
  let count = 0;
  let sum: number | undefined;
  while (!r.done) {
    const t = r.tag();
    if (pbBaseField(r, t.field, t.wireType, base, 1, 10)) continue;
    if (t.field === 4) count = r.fixed64(t.wireType);
    else if (t.field === 5) sum = r.double(t.wireType);
    else r.skip(t.wireType);
  }
  return { ...base, count, sum };
}

function pbSummaryPoint(r: ProtobufReader): OtlpSummaryPoint {
  const base = newBase();
  let count = 0;
  let sum = 0;
  const quantiles: { quantile: number; value: number }[] = [];
  while (!r.done) {
    const t = r.tag();
    if (pbBaseField(r, t.field, t.wireType, base, 7, 8)) continue;
    if (t.field === 4) count = r.fixed64(t.wireType);
    else if (t.field === 5) sum = r.double(t.wireType);
    else if (t.field === 6) {
      const q = r.message(t.wireType, 'ValueAtQuantile');
      let quantile = 0;
      let value = 0;
      while (!q.done) {
        const qt = q.tag();
        if (qt.field === 1) quantile = q.double(qt.wireType);
        else if (qt.field === 2) value = q.double(qt.wireType);
        else q.skip(qt.wireType);
      }
      quantiles.push({ quantile, value });
    } else r.skip(t.wireType);
  }
  return { ...base, count, sum, quantiles };
}

/** Reads the repeated KeyValue field `field` of a message (Resource: 1). */
function pbAttributesOf(r: ProtobufReader, field: number): [string, OtlpValue][] {
  const out: [string, OtlpValue][] = [];
  while (!r.done) {
    const t = r.tag();
    if (t.field === field) out.push(pbKeyValue(r.message(t.wireType, 'KeyValue'), 0));
    else r.skip(t.wireType);
  }
  return out;
}

function pbKeyValue(r: ProtobufReader, depth: number): [string, OtlpValue] {
  let key = '';
  let value: OtlpValue = null;
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) key = r.string(t.wireType);
    else if (t.field === 2) value = pbAnyValue(r.message(t.wireType, 'AnyValue'), depth + 1);
    else r.skip(t.wireType);
  }
  return [key, value];
}

function pbAnyValue(r: ProtobufReader, depth: number): OtlpValue {
  if (depth > MAX_ANY_DEPTH) {
    throw new HomeostatError(
      'invalid_argument',
      `protobuf: AnyValue at byte ${r.pos} (expected nesting of at most ${MAX_ANY_DEPTH}, got more)`,
    );
  }
  let value: OtlpValue = null;
  while (!r.done) {
    const t = r.tag();
    switch (t.field) {
      case 1:
        value = r.string(t.wireType);
        break;
      case 2:
        value = r.bool(t.wireType);
        break;
      case 3:
        value = r.int64(t.wireType);
        break;
      case 4:
        value = r.double(t.wireType);
        break;
      case 5: {
        const a = r.message(t.wireType, 'ArrayValue');
        const values: OtlpValue[] = [];
        while (!a.done) {
          const at = a.tag();
          if (at.field === 1) values.push(pbAnyValue(a.message(at.wireType, 'AnyValue'), depth + 1));
          else a.skip(at.wireType);
        }
        value = values;
        break;
      }
      case 6: {
        const kv = r.message(t.wireType, 'KeyValueList');
        const map: Record<string, OtlpValue> = {};
        while (!kv.done) {
          const kt = kv.tag();
          if (kt.field === 1) {
            const [k, v] = pbKeyValue(kv.message(kt.wireType, 'KeyValue'), depth + 1);
            map[k] = v;
          } else kv.skip(kt.wireType);
        }
        value = map;
        break;
      }
      case 7:
        value = Buffer.from(r.bytes(t.wireType)).toString('base64');
        break;
      default:
        r.skip(t.wireType);
    }
  }
  return value;
}

// ------------------------------------------------------------------ JSON

/**
 * Decodes an OTLP/JSON `ExportMetricsServiceRequest` (already parsed from text). Unknown keys are
 * ignored, as the spec requires; a known key with the wrong type throws `invalid_argument` naming
 * its path, e.g. `resourceMetrics[0].scopeMetrics[0].metrics[2].sum.dataPoints[0].timeUnixNano
 * must be an unsigned 64-bit integer as a decimal string or number (got "soon")`.
 */
export function decodeOtlpMetricsJson(body: unknown): OtlpMetricsRequest {
  const root = jObject(body, 'body');
  return {
    resourceMetrics: jArray(root.resourceMetrics, 'resourceMetrics').map((rm, i) => {
      const at = `resourceMetrics[${i}]`;
      const o = jObject(rm, at);
      const res = o.resource === undefined ? {} : jObject(o.resource, `${at}.resource`);
      return {
        resource: jAttributes(res.attributes, `${at}.resource.attributes`),
        scopes: jArray(o.scopeMetrics, `${at}.scopeMetrics`).map((sm, j) => {
          const sat = `${at}.scopeMetrics[${j}]`;
          const so = jObject(sm, sat);
          const scope = so.scope === undefined ? {} : jObject(so.scope, `${sat}.scope`);
          return {
            name: jString(scope.name, `${sat}.scope.name`),
            version: jString(scope.version, `${sat}.scope.version`),
            metrics: jArray(so.metrics, `${sat}.metrics`).map((m, k) => jMetric(m, `${sat}.metrics[${k}]`)),
          };
        }),
      };
    }),
  };
}

function jMetric(raw: unknown, at: string): OtlpMetric {
  const m = jObject(raw, at);
  const name = jString(m.name, `${at}.name`);
  const unit = jString(m.unit, `${at}.unit`);
  let data: OtlpMetricData = { type: 'none' };
  if (m.gauge !== undefined) {
    const g = jObject(m.gauge, `${at}.gauge`);
    data = { type: 'gauge', points: jPoints(g.dataPoints, `${at}.gauge.dataPoints`, jNumberPoint) };
  } else if (m.sum !== undefined) {
    const s = jObject(m.sum, `${at}.sum`);
    data = {
      type: 'sum',
      temporality: jTemporality(s.aggregationTemporality, `${at}.sum.aggregationTemporality`),
      monotonic: jBool(s.isMonotonic, `${at}.sum.isMonotonic`),
      points: jPoints(s.dataPoints, `${at}.sum.dataPoints`, jNumberPoint),
    };
  } else if (m.histogram !== undefined) {
    const h = jObject(m.histogram, `${at}.histogram`);
    data = {
      type: 'histogram',
      temporality: jTemporality(h.aggregationTemporality, `${at}.histogram.aggregationTemporality`),
      points: jPoints(h.dataPoints, `${at}.histogram.dataPoints`, jHistogramPoint),
    };
  } else if (m.exponentialHistogram !== undefined) {
    const h = jObject(m.exponentialHistogram, `${at}.exponentialHistogram`);
    data = {
      type: 'exponential_histogram',
      temporality: jTemporality(h.aggregationTemporality, `${at}.exponentialHistogram.aggregationTemporality`),
      points: jPoints(h.dataPoints, `${at}.exponentialHistogram.dataPoints`, jExponentialPoint),
    };
  } else if (m.summary !== undefined) {
    const s = jObject(m.summary, `${at}.summary`);
    data = { type: 'summary', points: jPoints(s.dataPoints, `${at}.summary.dataPoints`, jSummaryPoint) };
  }
  return { name, unit, data };
}

function jPoints<P>(raw: unknown, at: string, point: (o: Record<string, unknown>, at: string) => P): P[] {
  return jArray(raw, at).map((p, i) => point(jObject(p, `${at}[${i}]`), `${at}[${i}]`));
}

function jBase(o: Record<string, unknown>, at: string): OtlpPointBase {
  return {
    attributes: jAttributes(o.attributes, `${at}.attributes`),
    startNs: jUint64Big(o.startTimeUnixNano, `${at}.startTimeUnixNano`),
    timeNs: jUint64Big(o.timeUnixNano, `${at}.timeUnixNano`),
    flags: o.flags === undefined ? 0 : jUint(o.flags, `${at}.flags`),
  };
}

function jNumberPoint(o: Record<string, unknown>, at: string): OtlpNumberPoint {
  let value: number | undefined;
  if (o.asDouble !== undefined) value = jDouble(o.asDouble, `${at}.asDouble`);
  else if (o.asInt !== undefined) value = jInt(o.asInt, `${at}.asInt`);
  return { ...jBase(o, at), value };
}

function jHistogramPoint(o: Record<string, unknown>, at: string): OtlpHistogramPoint {
  return {
    ...jBase(o, at),
    count: jUint(o.count ?? 0, `${at}.count`),
    sum: o.sum === undefined ? undefined : jDouble(o.sum, `${at}.sum`),
    bucketCounts: jArray(o.bucketCounts, `${at}.bucketCounts`).map((c, i) => jUint(c, `${at}.bucketCounts[${i}]`)),
    bounds: jArray(o.explicitBounds, `${at}.explicitBounds`).map((b, i) => jDouble(b, `${at}.explicitBounds[${i}]`)),
  };
}

function jExponentialPoint(o: Record<string, unknown>, at: string): OtlpExponentialPoint {
  return {
    ...jBase(o, at),
    count: jUint(o.count ?? 0, `${at}.count`),
    sum: o.sum === undefined ? undefined : jDouble(o.sum, `${at}.sum`),
  };
}

function jSummaryPoint(o: Record<string, unknown>, at: string): OtlpSummaryPoint {
  return {
    ...jBase(o, at),
    count: jUint(o.count ?? 0, `${at}.count`),
    sum: o.sum === undefined ? 0 : jDouble(o.sum, `${at}.sum`),
    quantiles: jArray(o.quantileValues, `${at}.quantileValues`).map((q, i) => {
      const qo = jObject(q, `${at}.quantileValues[${i}]`);
      return {
        quantile: qo.quantile === undefined ? 0 : jDouble(qo.quantile, `${at}.quantileValues[${i}].quantile`),
        value: qo.value === undefined ? 0 : jDouble(qo.value, `${at}.quantileValues[${i}].value`),
      };
    }),
  };
}

function jAttributes(raw: unknown, at: string): [string, OtlpValue][] {
  return jArray(raw, at).map((kv, i) => {
    const o = jObject(kv, `${at}[${i}]`);
    return [jString(o.key, `${at}[${i}].key`), o.value === undefined ? null : jAnyValue(o.value, `${at}[${i}].value`, 0)];
  });
}

function jAnyValue(raw: unknown, at: string, depth: number): OtlpValue {
  if (depth > MAX_ANY_DEPTH) bad(at, `an AnyValue nested at most ${MAX_ANY_DEPTH} deep`, 'deeper nesting');
  const o = jObject(raw, at);
  if (o.stringValue !== undefined) return jString(o.stringValue, `${at}.stringValue`);
  if (o.boolValue !== undefined) return jBool(o.boolValue, `${at}.boolValue`);
  if (o.intValue !== undefined) return jInt(o.intValue, `${at}.intValue`);
  if (o.doubleValue !== undefined) return jDouble(o.doubleValue, `${at}.doubleValue`);
  if (o.bytesValue !== undefined) return jString(o.bytesValue, `${at}.bytesValue`);
  if (o.arrayValue !== undefined) {
    const a = jObject(o.arrayValue, `${at}.arrayValue`);
    return jArray(a.values, `${at}.arrayValue.values`).map((v, i) => jAnyValue(v, `${at}.arrayValue.values[${i}]`, depth + 1));
  }
  if (o.kvlistValue !== undefined) {
    const l = jObject(o.kvlistValue, `${at}.kvlistValue`);
    const map: Record<string, OtlpValue> = {};
    jArray(l.values, `${at}.kvlistValue.values`).forEach((kv, i) => {
      const kvo = jObject(kv, `${at}.kvlistValue.values[${i}]`);
      map[jString(kvo.key, `${at}.kvlistValue.values[${i}].key`)] =
        kvo.value === undefined ? null : jAnyValue(kvo.value, `${at}.kvlistValue.values[${i}].value`, depth + 1);
    });
    return map;
  }
  return null;
}

const TEMPORALITY_NAMES: Readonly<Record<string, OtlpTemporality>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 'unspecified',
  AGGREGATION_TEMPORALITY_DELTA: 'delta',
  AGGREGATION_TEMPORALITY_CUMULATIVE: 'cumulative',
};

function jTemporality(raw: unknown, at: string): OtlpTemporality {
  if (raw === undefined) return 'unspecified';
  if (typeof raw === 'number' && Number.isInteger(raw)) return temporalityOf(raw);
  if (typeof raw === 'string' && raw in TEMPORALITY_NAMES) return TEMPORALITY_NAMES[raw] as OtlpTemporality;
  return bad(at, '1, 2, AGGREGATION_TEMPORALITY_DELTA or AGGREGATION_TEMPORALITY_CUMULATIVE', describe(raw));
}

function jObject(raw: unknown, at: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(at, 'an object', describe(raw));
  return raw as Record<string, unknown>;
}

function jArray(raw: unknown, at: string): unknown[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return bad(at, 'an array', describe(raw));
  return raw;
}

function jString(raw: unknown, at: string): string {
  if (raw === undefined || raw === null) return '';
  if (typeof raw !== 'string') return bad(at, 'a string', describe(raw));
  return raw;
}

function jBool(raw: unknown, at: string): boolean {
  if (raw === undefined || raw === null) return false;
  if (typeof raw !== 'boolean') return bad(at, 'true or false', describe(raw));
  return raw;
}

function jDouble(raw: unknown, at: string): number {
  if (typeof raw === 'number') return raw;
  if (raw === 'NaN') return Number.NaN;
  if (raw === 'Infinity') return Number.POSITIVE_INFINITY;
  if (raw === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof raw === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) return Number(raw);
  return bad(at, 'a number, or "NaN", "Infinity" or "-Infinity"', describe(raw));
}

function jInt(raw: unknown, at: string): number {
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && /^-?\d{1,20}$/.test(raw)) return Number(raw);
  return bad(at, 'a 64-bit integer as a decimal string or number', describe(raw));
}

function jUint(raw: unknown, at: string): number {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string' && /^\d{1,20}$/.test(raw)) return Number(raw);
  return bad(at, 'an unsigned integer as a decimal string or number', describe(raw));
}

function jUint64Big(raw: unknown, at: string): bigint {
  if (raw === undefined || raw === null) return 0n;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return BigInt(raw);
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw < 2 ** 64) return BigInt(raw);
  if (typeof raw === 'string' && /^\d{1,20}$/.test(raw) && BigInt(raw) < 2n ** 64n) return BigInt(raw);
  return bad(at, 'an unsigned 64-bit integer as a decimal string or number', describe(raw));
}

function bad(at: string, expected: string, got: string): never {
  throw new HomeostatError('invalid_argument', `${at} must be ${expected} (got ${got})`);
}

// ------------------------------------------------------------------ to series

/**
 * The Prometheus form of an OTLP metric name: characters outside `[a-zA-Z0-9_:]` become `_`, a
 * leading digit gets a `_` prefix. The unit is not appended (see the module notes).
 * @example promMetricName('http.server.request.duration') // 'http_server_request_duration'
 */
export function promMetricName(name: string): string {
  const safe = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(safe) ? `_${safe}` : safe;
}

/**
 * The label name for an attribute key: dots kept (entity resolution reads `service.name`…), other
 * characters outside `[a-zA-Z0-9_.]` become `_`, a name not starting with a letter or `_` gets a
 * `_` prefix.
 * @example promLabelName('k8s.pod.name') // 'k8s.pod.name'
 * @example promLabelName('http.request.header.x-id') // 'http.request.header.x_id'
 */
export function promLabelName(key: string): string {
  const safe = key.replace(/[^a-zA-Z0-9_.]/g, '_');
  return /^[a-zA-Z_]/.test(safe) ? safe : `_${safe}`;
}

function labelValue(v: OtlpValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  return JSON.stringify(v);
}

function labelsOf(resource: Record<string, string>, attributes: OtlpAttributes): Record<string, string> {
  if (attributes.length === 0) return resource;
  const out = { ...resource };
  for (const [k, v] of attributes) {
    if (k === '') continue;
    const value = labelValue(v);
    if (value !== '') out[promLabelName(k)] = value;
  }
  return out;
}

/**
 * Turns a decoded request into series: checks labels, times and values per data point (refusals
 * counted in data points, with reasons), sums DELTA points into running totals, and derives the
 * histogram and summary series. Pure apart from the `delta` accumulator it updates.
 */
export function otlpMetricsToSeries(request: OtlpMetricsRequest, options: OtlpConvertOptions): OtlpConversion {
  const c = new SeriesCollector(options);
  /** Label sets already checked, by identity: why each is refused, or null. */
  const checked = new WeakMap<Labels, string | null>();
  const changes: DeltaChange[] = [];
  let dataPoints = 0;
  let stale = 0;
  let duplicates = 0;
  for (const rm of request.resourceMetrics) {
    const resource = labelsOf({}, rm.resource);
    for (const scope of rm.scopes) {
      for (const metric of scope.metrics) {
        const data = metric.data;
        if (data.type === 'none') continue;
        const points: readonly OtlpPointBase[] = data.points;
        dataPoints += points.length;
        const name = promMetricName(metric.name);
        const what = `metric ${JSON.stringify(metric.name)} (${data.type})`;
        if (name === '') {
          if (points.length > 0) c.reject(`${what}: has no name (expected a metric name)`, points.length);
          continue;
        }
        if (
          (data.type === 'sum' || data.type === 'histogram' || data.type === 'exponential_histogram') &&
          data.temporality === 'unspecified'
        ) {
          if (points.length > 0) c.reject(`${what}: aggregationTemporality is unspecified (expected DELTA or CUMULATIVE)`, points.length);
          continue;
        }
        const delta = 'temporality' in data && data.temporality === 'delta';
        for (const [j, p] of points.entries()) {
          const here = (): string => `${what} point ${j}`;
          if ((p.flags & NO_RECORDED_VALUE) !== 0) {
            stale++;
            continue;
          }
          // Points without attributes share their resource's label set: it is checked once.
          const labels = labelsOf(resource, p.attributes);
          let labelProblem = checked.get(labels);
          if (labelProblem === undefined) {
            labelProblem = c.checkLabels(labels) ?? null;
            checked.set(labels, labelProblem);
          }
          if (labelProblem !== null) {
            c.reject(`${here()}: ${labelProblem}`);
            continue;
          }
          if (p.timeNs === 0n) {
            c.reject(`${here()}: has no timeUnixNano (expected nanoseconds since the epoch)`);
            continue;
          }
          const t = Number(p.timeNs / NS_PER_MS);
          const timeProblem = c.checkTime(t);
          if (timeProblem !== undefined) {
            c.reject(`${here()}: ${timeProblem}`);
            continue;
          }
          const derived = derive(name, labels, data.type, p);
          if (typeof derived === 'string') {
            c.reject(`${here()}: ${derived}`);
            continue;
          }
          if (!delta) {
            for (const d of derived) c.add(d.metric, d.labels, t, d.value);
            continue;
          }
          const outcome = addDelta(options.delta, derived, p, changes);
          if (outcome === 'duplicate') duplicates++;
          else if (outcome === 'too_old')
            c.reject(`${here()}: delta point is older than the retry window kept for its series (dropped so it is not counted twice)`);
          else if (outcome !== 'late') for (const d of outcome) c.add(d.metric, d.labels, t, d.value);
        }
      }
    }
  }
  return { ...c.result(), dataPoints, stale, duplicates, deltaChanges: changes };
}

interface Derived {
  readonly metric: string;
  readonly labels: Labels;
  readonly value: number;
}

/** The series values one point yields, or why the point is refused. */
function derive(name: string, labels: Labels, type: Exclude<OtlpMetricData['type'], 'none'>, p: OtlpPointBase): Derived[] | string {
  switch (type) {
    case 'gauge':
    case 'sum': {
      const { value } = p as OtlpNumberPoint;
      if (value === undefined) return 'has no value (expected asDouble or asInt)';
      if (!Number.isFinite(value)) return `value is ${value} (expected a finite number)`;
      return [{ metric: name, labels, value }];
    }
    case 'histogram': {
      const h = p as OtlpHistogramPoint;
      if (h.sum !== undefined && !Number.isFinite(h.sum)) return `sum is ${h.sum} (expected a finite number)`;
      if (h.bucketCounts.length !== 0 && h.bucketCounts.length !== h.bounds.length + 1) {
        return `has ${h.bucketCounts.length} bucket counts for ${h.bounds.length} explicit bounds (expected ${h.bounds.length + 1})`;
      }
      for (const [i, b] of h.bounds.entries()) {
        if (!Number.isFinite(b) || (i > 0 && b <= (h.bounds[i - 1] as number))) {
          return `explicitBounds[${i}] is ${b} (expected finite bounds in increasing order)`;
        }
      }
      const total = h.bucketCounts.reduce((a, b) => a + b, 0);
      if (h.bucketCounts.length > 0 && total !== h.count) return `bucket counts add up to ${total} (expected count ${h.count})`;
      const out: Derived[] = [{ metric: `${name}_count`, labels, value: h.count }];
      if (h.sum !== undefined) out.push({ metric: `${name}_sum`, labels, value: h.sum });
      let cumulative = 0;
      for (const [i, b] of h.bounds.entries()) {
        cumulative += h.bucketCounts[i] ?? 0;
        out.push({ metric: `${name}_bucket`, labels: { ...labels, le: String(b) }, value: cumulative });
      }
      out.push({ metric: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
      return out;
    }
    case 'exponential_histogram': {
      const h = p as OtlpExponentialPoint;
      if (h.sum !== undefined && !Number.isFinite(h.sum)) return `sum is ${h.sum} (expected a finite number)`;
      const out: Derived[] = [{ metric: `${name}_count`, labels, value: h.count }];
      if (h.sum !== undefined) out.push({ metric: `${name}_sum`, labels, value: h.sum });
      return out;
    }
    case 'summary': {
      const s = p as OtlpSummaryPoint;
      if (!Number.isFinite(s.sum)) return `sum is ${s.sum} (expected a finite number)`;
      const out: Derived[] = [
        { metric: `${name}_count`, labels, value: s.count },
        { metric: `${name}_sum`, labels, value: s.sum },
      ];
      for (const q of s.quantiles) {
        if (!Number.isFinite(q.value)) return `quantile ${q.quantile} is ${q.value} (expected a finite number)`;
        out.push({ metric: name, labels: { ...labels, quantile: String(q.quantile) }, value: q.value });
      }
      return out;
    }
  }
}

/** Sums the derived values of a DELTA point into their streams; the first decides duplicate / too old for all. */
function addDelta(
  acc: DeltaToCumulative,
  derived: readonly Derived[],
  p: OtlpPointBase,
  changes: DeltaChange[],
): Derived[] | 'duplicate' | 'too_old' | 'late' {
  const out: Derived[] = [];
  let late = false;
  for (const [i, d] of derived.entries()) {
    const outcome = acc.add(canonicalSeries(d), p.startNs, p.timeNs, d.value, changes);
    if (i === 0 && (outcome.kind === 'duplicate' || outcome.kind === 'too_old')) return outcome.kind;
    if (outcome.kind === 'value') out.push({ ...d, value: outcome.total });
    else if (outcome.kind === 'late') late = true;
  }
  return late && out.length === 0 ? 'late' : out;
}

// ------------------------------------------------------------------ responses

/** gRPC status codes used in OTLP/HTTP error bodies (google.rpc.Code). */
export const RPC_CODE = {
  invalidArgument: 3,
  permissionDenied: 7,
  resourceExhausted: 8,
  internal: 13,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/**
 * The protobuf bytes of an `ExportMetricsServiceResponse`: empty on full success, else with
 * `partial_success { rejected_data_points, error_message }`.
 */
export function encodeExportMetricsResponse(rejectedDataPoints: number, errorMessage: string): Uint8Array {
  if (rejectedDataPoints === 0 && errorMessage === '') return new Uint8Array(0);
  const inner = [...varintField(1, rejectedDataPoints), ...stringField(2, errorMessage)];
  return Uint8Array.from([...lengthField(1, inner)]);
}

/** The OTLP/JSON form of an `ExportMetricsServiceResponse` (int64 as a decimal string). */
export function exportMetricsResponseJson(rejectedDataPoints: number, errorMessage: string): Record<string, unknown> {
  if (rejectedDataPoints === 0 && errorMessage === '') return {};
  return { partialSuccess: { rejectedDataPoints: String(rejectedDataPoints), errorMessage } };
}

/** The protobuf bytes of a `google.rpc.Status { code, message }`, the body of OTLP/HTTP errors. */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  return Uint8Array.from([...varintField(1, code), ...stringField(2, message)]);
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function varintField(field: number, n: number): number[] {
  return n === 0 ? [] : [...varint(field << 3), ...varint(n)];
}

function stringField(field: number, text: string): number[] {
  return text === '' ? [] : lengthField(field, [...new TextEncoder().encode(text)]);
}

function lengthField(field: number, bytes: readonly number[]): number[] {
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}
