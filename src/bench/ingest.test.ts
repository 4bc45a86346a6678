import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatIngestTable, runIngestBench } from './ingest.js';

const POLICY = fileURLToPath(new URL('../../policies/default.yaml', import.meta.url));

describe('runIngestBench', () => {
  it('sends the same points through every door in both modes, all accepted, with figures and ratios to JSON', async () => {
    const progress: number[] = [];
    const m = await runIngestBench({
      policyPath: POLICY,
      series: 6,
      points: 3,
      requests: 5,
      concurrency: 2,
      seed: 3,
      onProgress: (done, total) => progress.push(total - done),
    });
    expect([m.series, m.points_per_series, m.points_per_request, m.requests, m.entities, m.step_ms]).toEqual([6, 3, 18, 5, 2, 60_000]);
    expect(m.runs.map((r) => `${r.door}/${r.mode}/${r.concurrency}`)).toEqual([
      'json/sequential/1',
      'otlp_protobuf/sequential/1',
      'otlp_json/sequential/1',
      'remote_write/sequential/1',
      'json/concurrent/2',
      'otlp_protobuf/concurrent/2',
      'otlp_json/concurrent/2',
      'remote_write/concurrent/2',
    ]);
    // warm-up 4 doors × 2, then 8 runs × (1 creating + 5 timed) requests
    expect(progress.length).toBe(8 + 8 * 6);
    expect(progress[progress.length - 1]).toBe(0);
    for (const r of m.runs) {
      expect(r.requests).toBe(5);
      expect(r.points_sent).toBe(5 * 18);
      expect(r.points_accepted).toBe(r.points_sent);
      expect([r.points_rejected, r.failed_requests, r.rejections.length]).toEqual([0, 0, 0]);
      expect(r.points_per_s).toBeGreaterThan(0);
      expect(r.latency_ms.p50).toBeGreaterThan(0);
      expect(r.latency_ms.p50).toBeLessThanOrEqual(r.latency_ms.p95);
      expect(r.latency_ms.p95).toBeLessThanOrEqual(r.latency_ms.p99);
      expect(r.latency_ms.p99).toBeLessThanOrEqual(r.latency_ms.max);
      expect(r.cpu_us_per_point).toBeGreaterThan(0);
    }
    expect(m.all_accepted).toBe(true);
    const json = m.runs[0];
    expect(json?.vs_json).toEqual({
      points_per_s: 1,
      latency_p50: 1,
      latency_p95: 1,
      latency_p99: 1,
      cpu_us_per_point: 1,
      bytes_per_point: 1,
    });
    // bodies do not depend on timing: snappy-compressed remote_write is the smallest, OTLP/JSON the largest
    const bytes = Object.fromEntries(m.runs.slice(0, 4).map((r) => [r.door, r.bytes_per_point]));
    expect(m.runs.slice(4).map((r) => r.bytes_per_point)).toEqual(m.runs.slice(0, 4).map((r) => r.bytes_per_point));
    expect(bytes.remote_write).toBeLessThan(bytes.otlp_protobuf as number);
    expect(bytes.otlp_protobuf).toBeLessThan(bytes.json as number);
    expect(bytes.json).toBeLessThan(bytes.otlp_json as number);
    expect(m.runs[3]?.vs_json.bytes_per_point).toBe(Math.round(((bytes.remote_write as number) / (bytes.json as number)) * 1000) / 1000);

    const table = formatIngestTable(m);
    expect(table).toMatch(/^remote_write\s+concurrent ×2\s+\d+/m);
    expect(table).toContain('every point sent was accepted');
  }, 60_000);

  it('refuses settings out of range, saying what it got', async () => {
    await expect(runIngestBench({ policyPath: POLICY, series: 0 })).rejects.toThrow(
      'ingest bench: series must be an integer in [1, 100000] (got 0)',
    );
    await expect(runIngestBench({ policyPath: POLICY, concurrency: 9 })).rejects.toThrow(
      'ingest bench: concurrency must be an integer in [1, 8] (got 9)',
    );
    await expect(runIngestBench({ policyPath: POLICY, points: 10_000, requests: 1000 })).rejects.toThrow(
      /must be at most 5940000 to fit the accepted time window \(got 10010000\)/,
    );
  });
});
