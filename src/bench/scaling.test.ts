import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatScalingTable, runScalingBench } from './scaling.js';

const POLICY = fileURLToPath(new URL('../../policies/default.yaml', import.meta.url));

describe('bench scaling', () => {
  it('scales out ahead of growing demand when capacity plans may act, and never when they may not', async () => {
    const progress: number[] = [];
    const m = await runScalingBench({
      seed: 3,
      warmupDays: 2,
      days: 2,
      growthPerDay: 0.45,
      policyPath: POLICY,
      fleet: { services: 4, hosts: 10, databases: 1, queues: 0, loadBalancers: 1 },
      onProgress: (done, total) => {
        if (done === total) progress.push(done);
      },
    });
    expect(progress).toEqual([2 * 4 * 1440]);
    expect(m.growth_reached).toBe(2.103); // 1.45² rounded to 3 decimals
    const [pre, reactive] = m.runs;
    expect(pre?.mode).toBe('pre-emptive');
    expect(reactive?.mode).toBe('reactive only');
    expect(reactive?.scale_outs_preemptive).toBe(0);
    expect(pre?.scale_outs_preemptive).toBeGreaterThanOrEqual(1);
    expect(pre?.replicas_added).toBeGreaterThanOrEqual(pre?.scale_outs_preemptive ?? 1);
    // Demand ×2.1 over two days on services planned at 45–65 % at the weekday peak: without
    // scaling some service overloads; scaling ahead of the peak keeps it from more of them.
    expect(reactive?.overloaded_service_min).toBeGreaterThan(0);
    expect(pre?.overloaded_service_min).toBeLessThan(reactive?.overloaded_service_min ?? 0);
    expect(formatScalingTable(m)).toMatch(/^pre-emptive\s+\d+\s+\d+\s+[\d.]+\s+[1-9]\d*\s/m);
  }, 120_000);
});
