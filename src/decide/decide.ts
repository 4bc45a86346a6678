/**
 * @module decide/decide
 * Turns an incident's ranked root-cause hypotheses into one action or an escalation.
 *
 * Algorithm: a policy table lookup (fault kind and entity kind of the top hypothesis → action)
 * behind guardrails checked in a fixed order, each recorded by name in the explanation:
 * `kill_switch`, `hypothesis`, `confidence`, `policy`, `history` (the rule's action clearly failed
 * on similar past incidents: tried at least 3 times, the upper end of its success rate's 95 %
 * Wilson interval below 50 %), `rate_limit`, `blast_radius`, `attempts`, then `dry_run`. The first
 * guardrail that fails escalates. Works when the top hypothesis is right
 * and its confidence is meaningful; it never weighs a second hypothesis or the cost of acting
 * against the cost of waiting (a later, utility-based policy can). Reference: Beyer et al., Site
 * Reliability Engineering (O'Reilly, 2016), ch. 7 "The Evolution of Automation at Google".
 */
import type { ActionKind, FaultKind, Hypothesis, Incident } from '../records/types.js';
import type { Plan } from '../heal/index.js';
import type { EntityKind } from '../twin/types.js';
import type { Policy, PolicyRule } from './policy.js';

/** Name and version of this model, for the decision log. */
export const DECIDE_MODEL = { kind: 'decide/policy-table', version: '1' } as const;

/** An action chosen by the policy, before the engine gives it an id, an executor and a time. */
export interface ActionDraft {
  readonly kind: ActionKind;
  /** Entity id to act on: the top hypothesis's root cause. */
  readonly target: string;
  readonly params: Record<string, unknown>;
  /** Name of the policy rule that chose it. */
  readonly policy: string;
  /** One sentence: why this action. */
  readonly reason: string;
}

/** Everything a decision needs; `plan` and `entityKind` are supplied by the engine. */
export interface DecideInput {
  readonly incident: Incident;
  /** Ranked best first (as `rankRootCauses` returns them). */
  readonly hypotheses: readonly Hypothesis[];
  entityKind(id: string): EntityKind | undefined;
  /** Current time (epoch ms). */
  readonly now: number;
  readonly policy: Policy;
  readonly switches: { readonly killSwitch: boolean; readonly dryRun: boolean };
  /** Times (epoch ms) of actions taken recently, across all incidents. */
  readonly recentActionTimes: readonly number[];
  /** Actions already tried on this incident. */
  readonly attempts: number;
  /** What the action would touch (pure); its `blastRadius` feeds the blast-radius guardrail. */
  plan(a: ActionDraft): Plan;
  /**
   * How each action fared on similar past incidents of the same fault kind (the knowledge base's
   * action statistics), if known: feeds the `history` guardrail.
   */
  readonly history?: readonly ActionHistory[];
}

/** An action kind's record on similar past incidents. */
export interface ActionHistory {
  readonly kind: ActionKind;
  /** Attempts with a known result, and how many worked. */
  readonly attempts: number;
  readonly successes: number;
  /** 95 % Wilson interval of the success rate. */
  readonly interval: { readonly lower: number; readonly upper: number };
}

/** The history guardrail escalates when the rule's action was tried this often on similar incidents … */
export const HISTORY_MIN_ATTEMPTS = 3;
/** … and even the upper end of its success rate's interval stays below this. */
export const HISTORY_MAX_UPPER = 0.5;

/** The guardrails, by the name they carry in explanations. */
export type Guardrail = 'kill_switch' | 'hypothesis' | 'confidence' | 'policy' | 'history' | 'rate_limit' | 'blast_radius' | 'attempts';

/** Act (possibly as a dry run) or escalate, with the confidence and the reasons. */
export type DecideResult =
  | {
      readonly verdict: 'act';
      readonly action: ActionDraft;
      readonly dryRun: boolean;
      readonly confidence: number;
      /** One line per guardrail passed, `name: detail`. */
      readonly explanation: string[];
      /** When to verify that the signals recovered (ms after acting). */
      readonly verifyAfterMs: number;
      /** The rule's verification metrics, if it names them (the policy rule's `verifyMetrics`). */
      readonly verifyMetrics?: readonly string[];
      /** The rule's absolute verification bounds, if it has them (the policy rule's `verifyBelow`). */
      readonly verifyBelow?: Readonly<Record<string, number>>;
      /** Plan of the chosen action, as returned by `plan`. */
      readonly plan?: Plan;
    }
  | {
      readonly verdict: 'escalate';
      readonly reason: string;
      readonly confidence: number;
      /** Lines of the guardrails passed, then the one that failed. */
      readonly explanation: string[];
      /** The guardrail that escalated. */
      readonly guardrail?: Guardrail;
    }
  | {
      /** The rule applies but asks the fault to persist first (its `persistMinutes`): ask again later. */
      readonly verdict: 'wait';
      readonly reason: string;
      readonly confidence: number;
      readonly explanation: string[];
      /** When the rule's persistence is met (epoch ms). */
      readonly untilMs: number;
    };

const HOUR_MS = 3_600_000;

/**
 * Decides what to do about an incident. Pure; never throws for a well-typed input (a `plan`
 * that throws escalates under `blast_radius`).
 * @example decide({ ...input, switches: { killSwitch: true, dryRun: false } }).verdict // 'escalate'
 */
export function decide(input: DecideInput): DecideResult {
  const { policy, switches, now } = input;
  const g = policy.guardrails;
  const top = input.hypotheses[0];
  const confidence = top?.confidence ?? 0;
  const explanation: string[] = [];
  const escalate = (guardrail: Guardrail, reason: string): DecideResult => ({
    verdict: 'escalate',
    reason,
    confidence,
    explanation: [...explanation, `${guardrail}: ${reason}`],
    guardrail,
  });

  if (switches.killSwitch) return escalate('kill_switch', 'the kill switch is on, no automatic action');
  explanation.push('kill_switch: off');

  if (top === undefined) return escalate('hypothesis', 'no root-cause hypothesis');
  if (top.faultKind === 'unknown') return escalate('hypothesis', `the top hypothesis ${top.entityId} has no known fault kind`);
  const kind = input.entityKind(top.entityId);
  explanation.push(
    `hypothesis: ${top.faultKind} on ${top.entityId}${kind === undefined ? '' : ` (${kind})`}, confidence ${pct(confidence)}`,
  );

  const rule = ruleFor(policy, top.faultKind, kind);
  const minConfidence = rule?.minConfidence ?? g.minConfidence;
  if (!(confidence >= minConfidence)) return escalate('confidence', `confidence ${pct(confidence)} below ${pct(minConfidence)}`);
  explanation.push(`confidence: ${pct(confidence)} at or above ${pct(minConfidence)}`);

  if (rule === undefined)
    return escalate('policy', `no policy rule for ${top.faultKind} on ${kind === undefined ? 'an entity of unknown kind' : `a ${kind}`}`);
  if (rule.action === 'escalate') return escalate('policy', `rule ${rule.name} escalates: ${rule.description}`);
  explanation.push(`policy: rule ${rule.name} chooses ${rule.action} of ${top.entityId}: ${rule.description}`);

  const past = input.history?.find((h) => h.kind === rule.action);
  if (past !== undefined && past.attempts > 0) {
    const record = `${rule.action} worked ${past.successes}/${past.attempts} times on similar past incidents (95 % interval ${pct(past.interval.lower)}–${pct(past.interval.upper)})`;
    if (past.attempts >= HISTORY_MIN_ATTEMPTS && past.interval.upper < HISTORY_MAX_UPPER) return escalate('history', record);
    explanation.push(`history: ${record}`);
  } else if (input.history !== undefined) {
    explanation.push(`history: no similar past incident tried ${rule.action}`);
  }

  if (rule.persistMinutes !== undefined) {
    const untilMs = input.incident.openedAt + rule.persistMinutes * 60_000;
    if (now < untilMs) {
      const reason = `rule ${rule.name} acts only on faults that persist ${rule.persistMinutes} min; open for ${Math.floor((now - input.incident.openedAt) / 60_000)} min`;
      return { verdict: 'wait', reason, confidence, explanation: [...explanation, `persist: ${reason}`], untilMs };
    }
    explanation.push(`persist: open for at least ${rule.persistMinutes} min`);
  }

  const lastHour = input.recentActionTimes.filter((t) => t <= now && t > now - HOUR_MS).length;
  if (lastHour >= g.maxActionsPerHour) {
    return escalate('rate_limit', `${lastHour} actions in the last hour, limit ${g.maxActionsPerHour}`);
  }
  explanation.push(`rate_limit: ${lastHour} actions in the last hour, limit ${g.maxActionsPerHour}`);

  const params = actionParams(rule.params, top.params);
  if (params.note !== undefined) explanation.push(`sizing: ${params.note}`);
  const action: ActionDraft = {
    kind: rule.action,
    target: top.entityId,
    params: params.params,
    policy: rule.name,
    reason: `${top.faultKind} on ${top.entityId} (confidence ${pct(confidence)}): ${rule.description}`,
  };
  let plan: Plan;
  try {
    plan = input.plan(action);
  } catch (err) {
    return escalate('blast_radius', `the action could not be planned: ${err instanceof Error ? err.message : String(err)}`);
  }
  const touched = plan.blastRadius.length;
  if (touched > g.maxBlastRadius) return escalate('blast_radius', `the action touches ${touched} entities, limit ${g.maxBlastRadius}`);
  explanation.push(`blast_radius: ${touched} ${touched === 1 ? 'entity' : 'entities'}, limit ${g.maxBlastRadius}`);

  if (input.attempts >= g.maxAttempts) {
    return escalate('attempts', `${input.attempts} actions already tried on this incident, limit ${g.maxAttempts}`);
  }
  explanation.push(`attempts: ${input.attempts} tried, limit ${g.maxAttempts}`);
  explanation.push(switches.dryRun ? 'dry_run: on, the action is only dry-run' : 'dry_run: off');

  const verifyAfterMs = (rule.verifyAfterMinutes ?? g.verifyAfterMinutes) * 60_000;
  return {
    verdict: 'act',
    action,
    dryRun: switches.dryRun,
    confidence,
    explanation,
    verifyAfterMs,
    plan,
    ...(rule.verifyMetrics ? { verifyMetrics: rule.verifyMetrics } : {}),
    ...(rule.verifyBelow ? { verifyBelow: rule.verifyBelow } : {}),
  };
}

/** The first policy rule for a fault kind on an entity kind (a rule without `entityKinds` matches any), or undefined. */
export function ruleFor(policy: Policy, fault: FaultKind | 'unknown', entityKind: EntityKind | undefined): PolicyRule | undefined {
  return policy.rules.find(
    (r) => r.fault === fault && (r.entityKinds === undefined || (entityKind !== undefined && r.entityKinds.includes(entityKind))),
  );
}

/**
 * The rule's parameters with the hypothesis's suggested ones laid over them (a capacity plan
 * sizes a scale-out); a rule's `maxBy` caps a suggested `by` and is not passed on.
 */
function actionParams(
  rule: Readonly<Record<string, unknown>>,
  suggested: Readonly<Record<string, unknown>> | undefined,
): { params: Record<string, unknown>; note?: string } {
  const { maxBy, ...own } = rule;
  const params: Record<string, unknown> = { ...own, ...suggested };
  if (suggested === undefined || Object.keys(suggested).length === 0) return { params };
  const given = Object.entries(suggested)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  if (typeof maxBy === 'number' && typeof params.by === 'number' && params.by > maxBy) {
    params.by = maxBy;
    return { params, note: `the model suggests ${given}; the rule caps by at ${maxBy}` };
  }
  return { params, note: `${given} as the model suggests` };
}

function pct(x: number): string {
  return x.toFixed(2);
}
