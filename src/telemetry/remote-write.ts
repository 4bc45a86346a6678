/**
 * @module telemetry/remote-write
 * Prometheus remote_write 1.0 in: a `prometheus.WriteRequest` (already snappy-decompressed)
 * decoded into series. `__name__` is the metric; every other label is kept as sent (`job`,
 * `instance` included, so that entity resolution can use them); an empty label value means the
 * label is absent, as in Prometheus. Metadata and exemplars are ignored.
 *
 * Refused, with a reason: a series without a valid `__name__`, with a label name outside
 * `[a-zA-Z_][a-zA-Z0-9_.]*` or repeated, or failing the shared label checks (all its samples);
 * a sample whose value is NaN or infinite or whose time is outside the accepted window; native
 * histogram samples (not supported: each is refused). Prometheus stale markers (the NaN with bit
 * pattern 0x7ff0000000000002, sent when a series disappears) are dropped silently and counted.
 * Reference: https://prometheus.io/docs/specs/remote_write_spec/ (prompb/remote.proto, types.proto)
 */
import { describe } from '../errors.js';
import { ProtobufReader } from './protobuf-reader.js';
import { type DecodedBatch, SeriesCollector, type SeriesChecks } from './series-collector.js';

/** Result of {@link decodeRemoteWrite}; `rejected` counts samples (float and histogram). */
export interface RemoteWriteConversion extends DecodedBatch {
  /** Time series in the request. */
  readonly timeseries: number;
  /** Float samples in the request (stale markers included). */
  readonly samples: number;
  /** Stale markers dropped. */
  readonly stale: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_.]*$/;
const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;

/**
 * Decodes a remote_write 1.0 `WriteRequest` from protobuf bytes into series, applying `checks`.
 * Throws `invalid_argument` (`protobuf: … at byte N (expected …, got …)`) when the bytes are not a
 * well-formed message; refusals of single series or samples are counted in the result instead.
 */
export function decodeRemoteWrite(bytes: Uint8Array, checks: SeriesChecks = {}): RemoteWriteConversion {
  const c = new SeriesCollector(checks);
  const r = new ProtobufReader(bytes);
  let timeseries = 0;
  let samples = 0;
  let stale = 0;
  while (!r.done) {
    const t = r.tag();
    if (t.field !== 1) {
      r.skip(t.wireType);
      continue;
    }
    const ts = readTimeSeries(r.message(t.wireType, 'TimeSeries'));
    const index = timeseries++;
    samples += ts.values.length;
    const problem = seriesProblem(ts.labels);
    const name = ts.labels.find(([k]) => k === '__name__')?.[1] ?? '';
    const here = (): string => `timeseries[${index}]${name !== '' ? ` (${name})` : ''}`;
    if (ts.histograms > 0)
      c.reject(`${here()}: has ${ts.histograms} native histogram samples (not supported; send classic histograms)`, ts.histograms);
    if (ts.values.length === 0) {
      if (problem !== undefined) c.reject(`${here()}: ${problem}`, 0);
      continue;
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of ts.labels) if (k !== '__name__' && v !== '') labels[k] = v;
    const labelProblem = problem ?? c.checkLabels(labels);
    if (labelProblem !== undefined) {
      c.reject(`${here()}: ${labelProblem}`, ts.values.length);
      continue;
    }
    for (let i = 0; i < ts.values.length; i++) {
      const v = ts.values[i] as number;
      const ms = ts.times[i] as number;
      if (Number.isNaN(v) && ts.staleBits[i]) {
        stale++;
        continue;
      }
      if (!Number.isFinite(v)) {
        c.reject(`${here()}: sample ${i} value is ${v} (expected a finite number)`);
        continue;
      }
      const timeProblem = c.checkTime(ms);
      if (timeProblem !== undefined) {
        c.reject(`${here()}: sample ${i} ${timeProblem}`);
        continue;
      }
      c.add(name, labels, ms, v);
    }
  }
  return { ...c.result(), timeseries, samples, stale };
}

interface RawSeries {
  readonly labels: [string, string][];
  readonly values: number[];
  readonly times: number[];
  readonly staleBits: boolean[];
  histograms: number;
}

function readTimeSeries(r: ProtobufReader): RawSeries {
  const ts: RawSeries = { labels: [], values: [], times: [], staleBits: [], histograms: 0 };
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1) {
      const l = r.message(t.wireType, 'Label');
      let name = '';
      let value = '';
      while (!l.done) {
        const lt = l.tag();
        if (lt.field === 1) name = l.string(lt.wireType);
        else if (lt.field === 2) value = l.string(lt.wireType);
        else l.skip(lt.wireType);
      }
      ts.labels.push([name, value]);
    } else if (t.field === 2) {
      const s = r.message(t.wireType, 'Sample');
      let value = 0;
      let time = 0;
      let staleMarker = false;
      while (!s.done) {
        const st = s.tag();
        if (st.field === 1) {
          value = s.double(st.wireType);
          const [lo, hi] = s.lastDoubleBits;
          staleMarker = hi === STALE_HI && lo === STALE_LO;
        } else if (st.field === 2) time = s.int64(st.wireType);
        else s.skip(st.wireType);
      }
      ts.values.push(value);
      ts.times.push(time);
      ts.staleBits.push(staleMarker);
    } else if (t.field === 4) {
      r.skip(t.wireType);
      ts.histograms++;
    } else r.skip(t.wireType);
  }
  return ts;
}

/** Why a series' labels are invalid (name, charset, repeats), or undefined. */
function seriesProblem(labels: readonly (readonly [string, string])[]): string | undefined {
  const seen = new Set<string>();
  let name: string | undefined;
  for (const [k, v] of labels) {
    if (seen.has(k)) return `label ${JSON.stringify(k)} appears twice (expected each label name once)`;
    seen.add(k);
    if (k === '__name__') name = v;
    else if (!LABEL_NAME.test(k)) return `label name ${describe(k)} is invalid (expected [a-zA-Z_][a-zA-Z0-9_.]*)`;
  }
  if (name === undefined || name === '') return 'has no __name__ label (expected the metric name)';
  if (!METRIC_NAME.test(name)) return `metric name ${describe(name)} is invalid (expected [a-zA-Z_:][a-zA-Z0-9_:]*)`;
  return undefined;
}
