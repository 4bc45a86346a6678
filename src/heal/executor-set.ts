/**
 * @module heal/executor-set
 * Several executors behind one: each action goes to the executor it names, else to the first one
 * that supports its kind.
 */
import { invalid } from '../errors.js';
import type { Action, ActionKind, Outcome } from '../records/types.js';
import type { Executor, Plan } from './executor.js';

/**
 * Routes actions to executors. `Action.executor` picks one by its `kind` name; an empty name
 * picks the first executor supporting the action kind. With no fitting executor, `dryRun` and
 * `execute` return `ok: false` outcomes and `plan` a plan whose single step says so. Itself an
 * {@link Executor}, so the engine can treat the set as one.
 * @example new ExecutorSet([new SimulatorExecutor(fleet)]).execute(action)
 */
export class ExecutorSet implements Executor {
  readonly kind = 'set';
  readonly #executors: readonly Executor[];

  /** Throws `invalid_argument` when two executors share a name. */
  constructor(executors: readonly Executor[]) {
    const names = new Set<string>();
    for (const e of executors) {
      if (names.has(e.kind)) throw invalid(`executor names must be unique (got ${JSON.stringify(e.kind)} twice)`);
      names.add(e.kind);
    }
    this.#executors = [...executors];
  }

  /** Names of the executors, in order. */
  names(): string[] {
    return this.#executors.map((e) => e.kind);
  }

  supports(kind: ActionKind): boolean {
    return this.#executors.some((e) => e.supports(kind));
  }

  /** The executor that would carry out this action, or undefined. */
  pick(action: Pick<Action, 'kind' | 'executor'>): Executor | undefined {
    if (action.executor) {
      const named = this.#executors.find((e) => e.kind === action.executor);
      return named?.supports(action.kind) ? named : undefined;
    }
    return this.#executors.find((e) => e.supports(action.kind));
  }

  plan(action: Action): Plan {
    const e = this.pick(action);
    return e === undefined ? { steps: [this.#missing(action)], blastRadius: [action.target] } : e.plan(action);
  }

  dryRun(action: Action): Promise<Outcome> {
    return this.#run(action, (e) => e.dryRun(action));
  }

  execute(action: Action): Promise<Outcome> {
    return this.#run(action, (e) => e.execute(action));
  }

  async #run(action: Action, call: (e: Executor) => Promise<Outcome>): Promise<Outcome> {
    const e = this.pick(action);
    if (e === undefined) return { ok: false, message: this.#missing(action) };
    try {
      return await call(e);
    } catch (err) {
      return {
        ok: false,
        message: `executor ${e.kind} failed on ${action.kind} of ${action.target}: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  #missing(action: Pick<Action, 'kind' | 'executor'>): string {
    if (action.executor) {
      const named = this.#executors.find((e) => e.kind === action.executor);
      return named === undefined
        ? `no executor named ${JSON.stringify(action.executor)} (known: ${this.names().join(', ') || 'none'})`
        : `executor ${JSON.stringify(action.executor)} does not support ${action.kind}`;
    }
    return `no executor supports ${action.kind} (known: ${this.names().join(', ') || 'none'})`;
  }
}
