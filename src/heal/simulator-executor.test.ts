import { describe, expect, it } from 'vitest';
import type { Action, ActionKind } from '../records/types.js';
import type { SimApplyResult } from '../sim/types.js';
import { SimulatorExecutor } from './simulator-executor.js';

function action(kind: ActionKind, target: string, params: Record<string, unknown> = {}): Action {
  return {
    id: 'act-1',
    incidentId: 'inc-1',
    kind,
    target,
    params,
    executor: 'simulator',
    status: 'proposed',
    dryRun: false,
    reason: 'test',
    policy: 'rule',
    proposedAt: 0,
  };
}

/** A fake fleet: `service:cart` has a leak (fault f1) that restart fixes. */
function fakeFleet() {
  const calls: string[] = [];
  const leaking = new Set(['service:cart']);
  const answer = (a: { kind: ActionKind; target: string }, apply: boolean): SimApplyResult => {
    calls.push(`${apply ? 'apply' : 'check'} ${a.kind} ${a.target}`);
    if (a.target === 'service:none') return { ok: false, message: 'no such entity service:none', fixed: [] };
    if (a.target === 'service:boom') throw new Error('simulator crashed');
    const fixes = a.kind === 'restart' && leaking.has(a.target);
    if (apply && fixes) leaking.delete(a.target);
    return { ok: true, message: `${a.kind} ${a.target}`, fixed: fixes ? ['f1'] : [] };
  };
  return {
    calls,
    leaking,
    port: {
      check: (a: { kind: ActionKind; target: string }) => answer(a, false),
      apply: (a: { kind: ActionKind; target: string }) => answer(a, true),
    },
  };
}

describe('SimulatorExecutor', () => {
  it('dry-runs with check, changing nothing, and executes with apply', async () => {
    const fleet = fakeFleet();
    const ex = new SimulatorExecutor(fleet.port);
    expect(ex.kind).toBe('simulator');
    expect(ex.supports('failover')).toBe(true);
    expect(await ex.dryRun(action('restart', 'service:cart'))).toEqual({
      ok: true,
      message: 'restart service:cart',
      details: { fixed: ['f1'] },
    });
    expect(fleet.leaking.has('service:cart')).toBe(true);
    expect(await ex.execute(action('restart', 'service:cart'))).toEqual({
      ok: true,
      message: 'restart service:cart',
      details: { fixed: ['f1'] },
    });
    expect(fleet.leaking.has('service:cart')).toBe(false);
    expect(fleet.calls).toEqual(['check restart service:cart', 'apply restart service:cart']);
  });

  it('reports refusals and simulator errors as outcomes', async () => {
    const ex = new SimulatorExecutor(fakeFleet().port);
    expect(await ex.execute(action('restart', 'service:none'))).toEqual({
      ok: false,
      message: 'no such entity service:none',
      details: { fixed: [] },
    });
    expect(await ex.execute(action('rollback', 'service:boom'))).toEqual({
      ok: false,
      message: 'simulator apply of rollback on service:boom failed: simulator crashed',
    });
  });

  it('plans in words with the target as blast radius', () => {
    const ex = new SimulatorExecutor(fakeFleet().port);
    expect(ex.plan(action('drain', 'host:h1'))).toEqual({
      steps: ['cordon host:h1', 'move the workloads running on host:h1 to other hosts'],
      blastRadius: ['host:h1'],
    });
    expect(ex.plan(action('failover', 'database:main')).blastRadius).toEqual(['database:main']);
    expect(ex.plan(action('scale_out', 'service:api', { by: 2 })).steps[0]).toBe('add 2 replica(s) to service:api');
  });

  it('passes the action parameters to the simulator (scale_out by N)', async () => {
    const seen: unknown[] = [];
    const port = {
      check: (a: { kind: ActionKind; target: string; params?: Readonly<Record<string, unknown>> }) => {
        seen.push(a.params);
        return { ok: true, message: 'ok', fixed: [] };
      },
      apply: (a: { kind: ActionKind; target: string; params?: Readonly<Record<string, unknown>> }) => {
        seen.push(a.params);
        return { ok: true, message: 'ok', fixed: [] };
      },
    };
    const ex = new SimulatorExecutor(port);
    await ex.dryRun(action('scale_out', 'service:api', { by: 3 }));
    await ex.execute(action('scale_out', 'service:api', { by: 3 }));
    expect(seen).toEqual([{ by: 3 }, { by: 3 }]);
  });
});
