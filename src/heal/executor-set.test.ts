import { describe, expect, it } from 'vitest';
import type { Action, ActionKind, Outcome } from '../records/types.js';
import type { Executor, Plan } from './executor.js';
import { ExecutorSet } from './executor-set.js';

/** An executor that records calls and answers with its name. */
function fake(kind: string, supported: readonly ActionKind[], calls: string[]): Executor {
  return {
    kind,
    supports: (k) => supported.includes(k),
    plan: (a): Plan => ({ steps: [`${kind} plans ${a.kind}`], blastRadius: [a.target] }),
    dryRun: async (a): Promise<Outcome> => {
      calls.push(`${kind} dryRun ${a.kind}`);
      return { ok: true, message: `${kind} would ${a.kind}` };
    },
    execute: async (a): Promise<Outcome> => {
      calls.push(`${kind} execute ${a.kind}`);
      if (a.target === 'boom') throw new Error('exploded');
      return { ok: true, message: `${kind} did ${a.kind}` };
    },
  };
}

function action(kind: ActionKind, executor = '', target = 'service:a'): Action {
  return {
    id: 'x',
    incidentId: 'i',
    kind,
    target,
    params: {},
    executor,
    status: 'proposed',
    dryRun: false,
    reason: '',
    policy: 'p',
    proposedAt: 0,
  };
}

describe('ExecutorSet', () => {
  it('routes by executor name, else to the first that supports the kind', async () => {
    const calls: string[] = [];
    const set = new ExecutorSet([fake('sim', ['restart', 'drain'], calls), fake('hook', ['restart', 'rollback'], calls)]);
    expect(await set.execute(action('restart'))).toEqual({ ok: true, message: 'sim did restart' });
    expect(await set.execute(action('restart', 'hook'))).toEqual({ ok: true, message: 'hook did restart' });
    expect(await set.dryRun(action('rollback'))).toEqual({ ok: true, message: 'hook would rollback' });
    expect(calls).toEqual(['sim execute restart', 'hook execute restart', 'hook dryRun rollback']);
    expect(set.plan(action('drain'))).toEqual({ steps: ['sim plans drain'], blastRadius: ['service:a'] });
    expect(set.supports('failover')).toBe(false);
    expect(set.names()).toEqual(['sim', 'hook']);
  });

  it('answers ok:false for an unknown or unfit executor, and catches throws', async () => {
    const calls: string[] = [];
    const set = new ExecutorSet([fake('sim', ['restart'], calls)]);
    expect(await set.execute(action('restart', 'k8s'))).toEqual({ ok: false, message: 'no executor named "k8s" (known: sim)' });
    expect(await set.execute(action('drain', 'sim'))).toEqual({ ok: false, message: 'executor "sim" does not support drain' });
    expect(await set.dryRun(action('failover'))).toEqual({ ok: false, message: 'no executor supports failover (known: sim)' });
    expect(set.plan(action('failover'))).toEqual({ steps: ['no executor supports failover (known: sim)'], blastRadius: ['service:a'] });
    expect(await set.execute(action('restart', '', 'boom'))).toEqual({
      ok: false,
      message: 'executor sim failed on restart of boom: exploded',
    });
    expect(calls).toEqual(['sim execute restart']);
  });

  it('rejects two executors with the same name', () => {
    expect(() => new ExecutorSet([fake('sim', [], []), fake('sim', [], [])])).toThrow('executor names must be unique (got "sim" twice)');
  });
});
