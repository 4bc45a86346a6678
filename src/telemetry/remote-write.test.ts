import { describe, expect, it } from 'vitest';
import { encodeWriteRequest, STALE_NAN } from '../../test/fixtures/remote-write.js';
import { decodeRemoteWrite } from './remote-write.js';

const T0 = 1_700_000_000_000;
const node = (name: string, extra: Record<string, string> = {}) => [
  { name: '__name__', value: name },
  { name: 'instance', value: 'h1:9100' },
  { name: 'job', value: 'node' },
  ...Object.entries(extra).map(([n, v]) => ({ name: n, value: v })),
];

describe('decodeRemoteWrite', () => {
  it('turns protobufjs-encoded time series into series: __name__ is the metric, other labels kept', () => {
    const bytes = encodeWriteRequest({
      timeseries: [
        {
          labels: node('node_load1'),
          samples: [
            { value: 0.5, timestamp: T0 },
            { value: 0.75, timestamp: T0 + 15_000 },
          ],
        },
        { labels: node('up'), samples: [{ value: 1, timestamp: T0 }] },
      ],
      metadata: [{ type: 2, metric_family_name: 'node_load1', help: '1m load average.', unit: '' }],
    });
    const out = decodeRemoteWrite(bytes);
    expect(out.series).toEqual([
      {
        metric: 'node_load1',
        labels: { instance: 'h1:9100', job: 'node' },
        points: [
          { t: T0, v: 0.5 },
          { t: T0 + 15_000, v: 0.75 },
        ],
      },
      { metric: 'up', labels: { instance: 'h1:9100', job: 'node' }, points: [{ t: T0, v: 1 }] },
    ]);
    expect(out).toMatchObject({ timeseries: 2, samples: 3, points: 3, stale: 0, rejected: 0, reasons: [] });
  });

  it('drops stale markers silently and counts them, but refuses other NaN and infinities', () => {
    const bytes = encodeWriteRequest({
      timeseries: [
        {
          labels: node('node_load1'),
          samples: [
            { value: 1, timestamp: T0 },
            { value: STALE_NAN, timestamp: T0 + 1 },
            { value: Number.NaN, timestamp: T0 + 2 },
            { value: Number.POSITIVE_INFINITY, timestamp: T0 + 3 },
          ],
        },
      ],
    });
    // the encoder kept the stale bit pattern: 02 00 00 00 00 00 f0 7f
    expect(Buffer.from(bytes).includes(Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]))).toBe(true);
    const out = decodeRemoteWrite(bytes);
    expect(out.series[0]?.points).toEqual([{ t: T0, v: 1 }]);
    expect(out.stale).toBe(1);
    expect(out.rejected).toBe(2);
    expect(out.reasons).toEqual([
      'timeseries[0] (node_load1): sample 2 value is NaN (expected a finite number)',
      'timeseries[0] (node_load1): sample 3 value is Infinity (expected a finite number)',
    ]);
  });

  it('refuses native histograms, bad names, repeated labels and label sets over the limits, per series', () => {
    const bytes = encodeWriteRequest({
      timeseries: [
        { labels: node('http_duration_seconds'), histograms: [{ count_int: 3, sum: 1.5, schema: 0, timestamp: T0 }] },
        { labels: [{ name: 'instance', value: 'h1' }], samples: [{ value: 1, timestamp: T0 }] },
        {
          labels: [
            { name: '__name__', value: 'bad-name' },
            { name: 'instance', value: 'h1' },
          ],
          samples: [{ value: 1, timestamp: T0 }],
        },
        { labels: [...node('up'), { name: 'job', value: 'again' }], samples: [{ value: 1, timestamp: T0 }] },
        { labels: [...node('up'), { name: 'a-b', value: 'x' }], samples: [{ value: 1, timestamp: T0 }] },
        {
          labels: node('up', Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`l${i}`, 'v']))),
          samples: [{ value: 1, timestamp: T0 }],
        },
        { labels: node('up', { zone: 'a' }), samples: [{ value: 1, timestamp: T0 }] },
      ],
    });
    const out = decodeRemoteWrite(bytes);
    expect(out.series).toEqual([{ metric: 'up', labels: { instance: 'h1:9100', job: 'node', zone: 'a' }, points: [{ t: T0, v: 1 }] }]);
    expect(out.rejected).toBe(6);
    expect(out.reasons).toEqual([
      'timeseries[0] (http_duration_seconds): has 1 native histogram samples (not supported; send classic histograms)',
      'timeseries[1]: has no __name__ label (expected the metric name)',
      'timeseries[2] (bad-name): metric name "bad-name" is invalid (expected [a-zA-Z_:][a-zA-Z0-9_:]*)',
      'timeseries[3] (up): label "job" appears twice (expected each label name once)',
      'timeseries[4] (up): label name "a-b" is invalid (expected [a-zA-Z_][a-zA-Z0-9_.]*)',
      'timeseries[5] (up): has 72 labels (expected at most 64)',
    ]);
  });

  it('applies the time window and the caller label check', () => {
    const bytes = encodeWriteRequest({
      timeseries: [
        {
          labels: node('up'),
          samples: [
            { value: 1, timestamp: T0 - 3 * 3_600_000 },
            { value: 1, timestamp: T0 },
            { value: 1, timestamp: T0 + 3_600_000 },
          ],
        },
        { labels: [{ name: '__name__', value: 'orphan' }], samples: [{ value: 2, timestamp: T0 }] },
      ],
    });
    const out = decodeRemoteWrite(bytes, {
      minTimeMs: T0 - 3_600_000,
      maxTimeMs: T0 + 600_000,
      checkLabels: (labels) => (labels.instance ? undefined : 'names no entity'),
    });
    expect(out.series).toEqual([{ metric: 'up', labels: { instance: 'h1:9100', job: 'node' }, points: [{ t: T0, v: 1 }] }]);
    expect(out.reasons).toEqual([
      'timeseries[0] (up): sample 0 time 2023-11-14T19:13:20.000Z is too far in the past (expected at or after 2023-11-14T21:13:20.000Z)',
      'timeseries[0] (up): sample 2 time 2023-11-14T23:13:20.000Z is too far in the future (expected at or before 2023-11-14T22:23:20.000Z)',
      'timeseries[1] (orphan): names no entity',
    ]);
    expect(out.rejected).toBe(3);
  });

  it('throws on a truncated or non-protobuf body', () => {
    const bytes = encodeWriteRequest({ timeseries: [{ labels: node('up'), samples: [{ value: 1, timestamp: T0 }] }] });
    expect(() => decodeRemoteWrite(bytes.subarray(0, bytes.length - 3))).toThrow(/^protobuf: .* at byte \d+ \(expected .*, got .*\)$/);
    expect(() => decodeRemoteWrite(new TextEncoder().encode('{"timeseries":[]}'))).toThrow('protobuf:');
  });
});
