/**
 * @module heal/simulator-executor
 * Carries out heal actions on the fleet simulator, through the two methods it exposes: `check`
 * (would it work? changes nothing) and `apply`.
 */
import type { Action, ActionKind, Outcome } from '../records/types.js';
import type { SimApplyResult } from '../sim/types.js';
import type { Executor, Plan } from './executor.js';

/** The part of the fleet simulator this executor needs. */
export interface SimulatorPort {
  /** Whether the action could be applied; changes nothing. */
  check(a: { kind: ActionKind; target: string; params?: Readonly<Record<string, unknown>> }): SimApplyResult;
  /** Applies the action to the simulated fleet. */
  apply(a: { kind: ActionKind; target: string; params?: Readonly<Record<string, unknown>> }): SimApplyResult;
}

const STEPS: Record<ActionKind, (target: string, params: Readonly<Record<string, unknown>>) => string[]> = {
  restart: (t) => [`restart ${t}`, `wait for ${t} to report up again`],
  rollback: (t) => [`roll ${t} back to its previous release`, `wait for ${t} to report up again`],
  scale_out: (t, p) => [`add ${typeof p.by === 'number' ? p.by : 1} replica(s) to ${t}`, 'spread load over the new replicas'],
  clean_disk: (t) => [`remove rotated logs and temporary files on ${t}`],
  drain: (t) => [`cordon ${t}`, `move the workloads running on ${t} to other hosts`],
  failover: (t) => [`promote the replica of ${t}`, `point the clients of ${t} at the new primary`],
};

/**
 * Executor for the fleet simulator: `dryRun` is `check`, `execute` is `apply`; the blast radius
 * is the target alone (for drain the host, for failover the database). Never throws.
 * @example new SimulatorExecutor(fleet).execute(action) // Promise<{ ok, message, details: { fixed } }>
 */
export class SimulatorExecutor implements Executor {
  readonly kind = 'simulator';
  readonly #sim: SimulatorPort;

  constructor(sim: SimulatorPort) {
    this.#sim = sim;
  }

  supports(_kind: ActionKind): boolean {
    return true;
  }

  plan(action: Action): Plan {
    return { steps: STEPS[action.kind](action.target, action.params), blastRadius: [action.target] };
  }

  async dryRun(action: Action): Promise<Outcome> {
    return this.#run(action, 'check');
  }

  async execute(action: Action): Promise<Outcome> {
    return this.#run(action, 'apply');
  }

  #run(action: Action, verb: 'check' | 'apply'): Outcome {
    try {
      const r = this.#sim[verb]({ kind: action.kind, target: action.target, params: action.params });
      return { ok: r.ok, message: r.message, details: { fixed: [...r.fixed] } };
    } catch (err) {
      return { ok: false, message: `simulator ${verb} of ${action.kind} on ${action.target} failed: ${messageOf(err)}` };
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
