/**
 * The whole loop on a small simulated fleet: a fault is injected, and the engine must detect it,
 * rank its root cause, act through the simulator executor and verify — or, with the kill switch
 * or dry-run mode on, hand it to a person without touching the fleet.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../records/types.js';
import { DEFAULT_ENGINE_CONFIG } from './config.js';
import { createPlatform, type Platform } from './platform.js';

const POLICY = readFileSync(new URL('../../policies/default.yaml', import.meta.url), 'utf8');
const SMALL = { services: 8, hosts: 10, databases: 2, queues: 1, loadBalancers: 1 };

async function runWithFault(
  kind: FaultKind,
  target: string,
  switches: { killSwitch?: boolean; dryRun?: boolean } = {},
): Promise<{ platform: Platform; faultId: string }> {
  const platform = await createPlatform({
    dbPath: ':memory:',
    policyText: POLICY,
    sim: { seed: 5, ...SMALL },
    config: { ...DEFAULT_ENGINE_CONFIG, persistPoints: false },
    switches,
    idPrefix: 't',
  });
  const { sim, driver, engine } = platform;
  if (sim === undefined || driver === undefined) throw new Error('expected the simulator');
  engine.setObserveOnly(true);
  await driver.run(6 * 60);
  engine.setObserveOnly(false);
  const fault = sim.inject({ kind, target, atMs: sim.now() + 10 * 60_000 });
  // Bounded: at most 4 simulated hours, stopping once the incident is over.
  for (let i = 0; i < 240; i++) {
    await driver.step();
    const incidents = await platform.store.listIncidents({ limit: 10 });
    if (i > 30 && incidents.length > 0 && incidents.every((x) => x.status === 'resolved' || x.status === 'escalated')) break;
  }
  return { platform, faultId: fault.id };
}

describe('the closed loop on the simulator', () => {
  it('detects a filling disk, blames its host, cleans it and verifies the fix', async () => {
    const { platform, faultId } = await runWithFault('disk_fill', 'host:host-03');
    const incidents = await platform.store.listIncidents({ limit: 10 });
    const incident = incidents.find((i) => i.hypotheses[0]?.entityId === 'host:host-03');
    expect(incident, JSON.stringify(incidents.map((i) => [i.title, i.status]))).toBeDefined();
    expect(incident?.hypotheses[0]?.faultKind).toBe('disk_fill');
    expect(incident?.status).toBe('resolved');
    const actions = await platform.store.listActions({ incidentId: incident?.id ?? '' });
    expect(actions.map((a) => [a.kind, a.target, a.status])).toEqual([['clean_disk', 'host:host-03', 'verified']]);
    const truth = platform.sim?.truth().find((f) => f.id === faultId);
    expect(truth).toMatchObject({ status: 'fixed', fixedBy: 'clean_disk' });
    const kinds = new Set((await platform.store.listDecisions({ limit: 1000 })).map((d) => d.kind));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['act', 'attribute', 'detect', 'verify']));
    const feedback = await platform.store.listFeedback({ subjectId: actions[0]?.id ?? '' });
    expect(feedback.map((f) => [f.label, f.source])).toEqual([['action_worked', 'verification']]);
    await platform.close();
  }, 60_000);

  it('with the kill switch on, escalates and leaves the fleet alone', async () => {
    const { platform, faultId } = await runWithFault('disk_fill', 'host:host-03', { killSwitch: true });
    const incidents = await platform.store.listIncidents({ limit: 10 });
    expect(incidents.length).toBeGreaterThan(0);
    expect(incidents.some((i) => i.status === 'escalated' && /kill switch/.test(i.resolution ?? ''))).toBe(true);
    expect(await platform.store.listActions({ limit: 10 })).toEqual([]);
    expect(platform.sim?.truth().find((f) => f.id === faultId)?.status).toBe('active');
    await platform.close();
  }, 60_000);

  it('in dry-run mode, records the action it would take without executing it', async () => {
    const { platform, faultId } = await runWithFault('disk_fill', 'host:host-03', { dryRun: true });
    const actions = await platform.store.listActions({ limit: 10 });
    expect(actions.map((a) => [a.kind, a.target, a.status, a.dryRun])).toContainEqual(['clean_disk', 'host:host-03', 'dry_run', true]);
    expect(platform.sim?.truth().find((f) => f.id === faultId)?.status).toBe('active');
    await platform.close();
  }, 60_000);
});
