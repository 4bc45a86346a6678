/**
 * @module decide/policy
 * The policy table: which action heals which fault kind, and the global guardrails. Users edit
 * it as YAML (`policies/default.yaml`); {@link parsePolicy} checks it strictly so a typo fails at
 * start-up with the path, what was expected and what was received.
 */
import { parse as parseYaml } from 'yaml';
import { describe, invalid } from '../errors.js';
import type { ActionKind, FaultKind } from '../records/types.js';
import { ACTION_KINDS, FAULT_KINDS } from '../records/types.js';
import type { EntityKind } from '../twin/types.js';
import { ENTITY_KINDS } from '../twin/types.js';

/** What a rule does: an action kind, or hand the incident to a person. */
export type PolicyAction = ActionKind | 'escalate';

/** One row of the policy table. */
export interface PolicyRule {
  /** Unique name, recorded on the action it chooses (e.g. `restart-leaking-service`). */
  readonly name: string;
  /** The fault kind it handles. */
  readonly fault: FaultKind | 'unknown';
  readonly action: PolicyAction;
  /** Passed to the executor (e.g. `{ by: 2 }` for `scale_out`). Default `{}`. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Entity kinds of the root cause it applies to; absent = any kind. */
  readonly entityKinds?: readonly EntityKind[];
  /** Replaces the global minimum confidence for this rule, in [0, 1]. */
  readonly minConfidence?: number;
  /** Replaces the global verification delay for this rule (minutes, > 0). */
  readonly verifyAfterMinutes?: number;
  /**
   * Act only once the incident has been open this long (minutes, > 0), like a Prometheus rule's
   * `for:` — e.g. scale out for a surge, not for a burst of a few minutes.
   */
  readonly persistMinutes?: number;
  /**
   * Metric names whose recovery verification checks; absent = every anomalous signal of the
   * incident except demand (`request_rate`), which a remediation is not expected to bring down.
   */
  readonly verifyMetrics?: readonly string[];
  /**
   * Absolute bounds verification checks on the acted-on entity instead of its pre-incident
   * baseline (e.g. `{saturation: 0.8}`): for capacity actions, where "recovered" means "has room
   * again", not "back to how it was before the surge".
   */
  readonly verifyBelow?: Readonly<Record<string, number>>;
  /** What the rule does and why, for people. */
  readonly description: string;
}

/** Global guardrails on automatic actions. */
export interface Guardrails {
  /** Below this top-hypothesis confidence the engine escalates, in [0, 1]. Default 0.6. */
  readonly minConfidence: number;
  /** Actions allowed in any sliding hour, across all incidents (integer ≥ 0). Default 10. */
  readonly maxActionsPerHour: number;
  /** Largest number of entities one action may touch (integer ≥ 1). Default 5. */
  readonly maxBlastRadius: number;
  /** Minutes after an action before checking that the signals recovered (> 0). Default 10. */
  readonly verifyAfterMinutes: number;
  /** Actions tried on one incident before escalating (integer ≥ 0). Default 2. */
  readonly maxAttempts: number;
}

/** A parsed, validated policy. */
export interface Policy {
  readonly version: 1;
  readonly guardrails: Guardrails;
  /** Checked in order; the first rule matching the fault kind and entity kind wins. */
  readonly rules: readonly PolicyRule[];
}

/** Guardrail defaults, used for keys a policy file leaves out. */
export const DEFAULT_GUARDRAILS: Guardrails = {
  minConfidence: 0.7,
  maxActionsPerHour: 10,
  maxBlastRadius: 5,
  verifyAfterMinutes: 10,
  maxAttempts: 2,
};

const POLICY_KEYS = ['version', 'guardrails', 'rules'] as const;
const GUARDRAIL_KEYS = ['minConfidence', 'maxActionsPerHour', 'maxBlastRadius', 'verifyAfterMinutes', 'maxAttempts'] as const;
const RULE_KEYS = [
  'name',
  'fault',
  'action',
  'params',
  'entityKinds',
  'minConfidence',
  'verifyAfterMinutes',
  'verifyMetrics',
  'verifyBelow',
  'persistMinutes',
  'description',
] as const;
const FAULTS: readonly string[] = [...FAULT_KINDS, 'unknown'];
const ACTIONS: readonly string[] = [...ACTION_KINDS, 'escalate'];

/**
 * Parses a policy from YAML (or JSON) text. Strict: unknown keys, unknown fault, action or entity
 * kinds, wrong types, out-of-range numbers and duplicate rule names throw `invalid_argument`
 * naming the path, e.g. `policy rules[2].action must be one of restart, … (got "reboot")`.
 * Guardrail keys left out take {@link DEFAULT_GUARDRAILS}.
 * @example parsePolicy('version: 1\nrules:\n  - {name: r, fault: unknown, action: escalate, description: ask}').rules[0]?.action // 'escalate'
 */
export function parsePolicy(text: string): Policy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw invalid(`policy is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const root = record(doc, 'policy', 'a mapping with version, guardrails and rules');
  onlyKeys(root, POLICY_KEYS, 'policy');
  if (root.version !== 1) throw invalid(`policy version must be 1 (got ${describe(root.version)})`);

  const g = root.guardrails === undefined ? {} : record(root.guardrails, 'policy guardrails', 'a mapping');
  onlyKeys(g, GUARDRAIL_KEYS, 'policy guardrails');
  const guardrails: Guardrails = {
    minConfidence: num(g.minConfidence ?? DEFAULT_GUARDRAILS.minConfidence, 'guardrails.minConfidence', 'share'),
    maxActionsPerHour: num(g.maxActionsPerHour ?? DEFAULT_GUARDRAILS.maxActionsPerHour, 'guardrails.maxActionsPerHour', 'count'),
    maxBlastRadius: num(g.maxBlastRadius ?? DEFAULT_GUARDRAILS.maxBlastRadius, 'guardrails.maxBlastRadius', 'positiveCount'),
    verifyAfterMinutes: num(g.verifyAfterMinutes ?? DEFAULT_GUARDRAILS.verifyAfterMinutes, 'guardrails.verifyAfterMinutes', 'positive'),
    maxAttempts: num(g.maxAttempts ?? DEFAULT_GUARDRAILS.maxAttempts, 'guardrails.maxAttempts', 'count'),
  };

  if (!Array.isArray(root.rules)) throw invalid(`policy rules must be a list of rules (got ${describe(root.rules)})`);
  const names = new Set<string>();
  const rules = root.rules.map((value: unknown, i: number): PolicyRule => {
    const path = `rules[${i}]`;
    const r = record(value, `policy ${path}`, 'a mapping with name, fault, action and description');
    onlyKeys(r, RULE_KEYS, `policy ${path}`);
    const name = text1(r.name, `${path}.name`);
    if (names.has(name)) throw invalid(`policy ${path}.name must be unique (got ${describe(name)} twice)`);
    names.add(name);
    const rule: PolicyRule = {
      name,
      fault: oneOf(r.fault, FAULTS, `${path}.fault`) as FaultKind | 'unknown',
      action: oneOf(r.action, ACTIONS, `${path}.action`) as PolicyAction,
      params: r.params === undefined ? {} : record(r.params, `policy ${path}.params`, 'a mapping'),
      description: text1(r.description, `${path}.description`),
    };
    const extra: {
      entityKinds?: EntityKind[];
      minConfidence?: number;
      verifyAfterMinutes?: number;
      verifyMetrics?: string[];
      verifyBelow?: Record<string, number>;
      persistMinutes?: number;
    } = {};
    if (r.entityKinds !== undefined) {
      if (!Array.isArray(r.entityKinds) || r.entityKinds.length === 0) {
        throw invalid(`policy ${path}.entityKinds must be a non-empty list of entity kinds (got ${describe(r.entityKinds)})`);
      }
      extra.entityKinds = r.entityKinds.map((k: unknown, j: number) => oneOf(k, ENTITY_KINDS, `${path}.entityKinds[${j}]`) as EntityKind);
    }
    if (r.minConfidence !== undefined) extra.minConfidence = num(r.minConfidence, `${path}.minConfidence`, 'share');
    if (r.verifyAfterMinutes !== undefined) extra.verifyAfterMinutes = num(r.verifyAfterMinutes, `${path}.verifyAfterMinutes`, 'positive');
    if (r.verifyBelow !== undefined) {
      const bounds = record(r.verifyBelow, `policy ${path}.verifyBelow`, 'a mapping of metric name to an upper bound');
      const out: Record<string, number> = {};
      for (const [metric, bound] of Object.entries(bounds)) {
        if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric))
          throw invalid(`policy ${path}.verifyBelow has a key that is not a metric name (got ${describe(metric)})`);
        out[metric] = num(bound, `${path}.verifyBelow.${metric}`, 'finite');
      }
      extra.verifyBelow = out;
    }
    if (r.persistMinutes !== undefined) extra.persistMinutes = num(r.persistMinutes, `${path}.persistMinutes`, 'positive');
    if (r.verifyMetrics !== undefined) {
      const list = r.verifyMetrics;
      if (!Array.isArray(list) || list.length === 0) {
        throw invalid(`policy ${path}.verifyMetrics must be a non-empty list of metric names (got ${describe(list)})`);
      }
      list.forEach((m: unknown, j: number) => {
        if (typeof m !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(m)) {
          throw invalid(`policy ${path}.verifyMetrics[${j}] must be a metric name such as latency_p99_ms (got ${describe(m)})`);
        }
      });
      extra.verifyMetrics = list as string[];
    }
    return { ...rule, ...extra };
  });
  return { version: 1, guardrails, rules };
}

function record(value: unknown, what: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${what} must be ${expected} (got ${describe(value)})`);
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(`${what} has unknown key ${describe(key)} (expected one of ${allowed.join(', ')})`);
  }
}

function text1(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`policy ${path} must be a non-empty string (got ${describe(value)})`);
  return value;
}

function oneOf(value: unknown, allowed: readonly string[], path: string): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalid(`policy ${path} must be one of ${allowed.join(', ')} (got ${describe(value)})`);
  }
  return value;
}

type NumberKind = 'share' | 'count' | 'positiveCount' | 'positive' | 'finite';

const NUMBER_RULES: Record<NumberKind, { ok: (x: number) => boolean; expected: string }> = {
  share: { ok: (x) => x >= 0 && x <= 1, expected: 'a number in [0, 1]' },
  count: { ok: (x) => Number.isInteger(x) && x >= 0, expected: 'an integer >= 0' },
  positiveCount: { ok: (x) => Number.isInteger(x) && x >= 1, expected: 'an integer >= 1' },
  positive: { ok: (x) => x > 0, expected: 'a number > 0' },
  finite: { ok: () => true, expected: 'a finite number' },
};

function num(value: unknown, path: string, kind: NumberKind): number {
  const rule = NUMBER_RULES[kind];
  if (typeof value !== 'number' || !Number.isFinite(value) || !rule.ok(value)) {
    throw invalid(`policy ${path} must be ${rule.expected} (got ${describe(value)})`);
  }
  return value;
}
