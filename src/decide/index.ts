/**
 * @module decide
 * Decide: the user-editable policy table and the guardrails that turn root-cause hypotheses
 * into an action or an escalation.
 */
export type { ActionDraft, ActionHistory, DecideInput, DecideResult, Guardrail } from './decide.js';
export { DECIDE_MODEL, decide, HISTORY_MAX_UPPER, HISTORY_MIN_ATTEMPTS, ruleFor } from './decide.js';
export type { Guardrails, Policy, PolicyAction, PolicyRule } from './policy.js';
export { DEFAULT_GUARDRAILS, parsePolicy } from './policy.js';
