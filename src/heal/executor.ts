/**
 * @module heal/executor
 * The Executor port: carries out remediations. Every executor can plan an action without side
 * effects, dry-run it (ask the target whether it would work) and execute it.
 */
import type { Action, ActionKind, Outcome } from '../records/types.js';

/** What an action would do, before doing it. */
export interface Plan {
  /** Human-readable steps in order. */
  readonly steps: readonly string[];
  /** Entity ids the action touches (for the blast-radius guardrail). */
  readonly blastRadius: readonly string[];
}

/** Carries out actions on some system (the simulator, a webhook, Kubernetes…). */
export interface Executor {
  /** E.g. `simulator`, `webhook`. */
  readonly kind: string;
  /** Whether this executor can carry out actions of this kind. */
  supports(kind: ActionKind): boolean;
  /** Pure: what `execute` would do. */
  plan(action: Action): Plan;
  /** Asks the target whether the action would succeed, changing nothing. */
  dryRun(action: Action): Promise<Outcome>;
  /** Carries the action out. Never throws: failures are outcomes with `ok: false`. */
  execute(action: Action): Promise<Outcome>;
}
