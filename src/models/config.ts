/**
 * @module models/config
 * Strict config parsing for model specs: defaults merged with the user's keys, every key checked
 * against a rule, unknown keys rejected. Messages name the model kind, the key, what was expected
 * and what was received, e.g. `detector/robust-z: alpha must be a number in (0, 1) (got "x")`.
 */
import { describe, invalid } from '../errors.js';

/** A rule for one numeric key: bounds (inclusive unless marked exclusive) and integrality. */
export interface NumberRule {
  readonly type: 'number';
  readonly min?: number;
  readonly max?: number;
  /** When true, `min` itself is rejected. */
  readonly minExclusive?: boolean;
  /** When true, `max` itself is rejected. */
  readonly maxExclusive?: boolean;
  readonly integer?: boolean;
}

/** A rule for one string key drawn from a fixed set. */
export interface OneOfRule {
  readonly type: 'oneOf';
  readonly values: readonly string[];
}

/** A rule for one boolean key. */
export interface BooleanRule {
  readonly type: 'boolean';
}

/** How one config key is checked. */
export type ConfigRule = NumberRule | OneOfRule | BooleanRule;

/** One rule per key of the config `C`. */
export type ConfigRules<C> = { readonly [K in keyof C]: ConfigRule };

/**
 * Parses an unknown config input into `C`: `undefined`/`null` give the defaults; an object's keys
 * override them one by one.
 * @throws HomeostatError `invalid_argument` for a non-object input, an unknown key, or a value that
 *   breaks its rule; the message starts with `kind:`.
 * @example parseConfig('detector/robust-z', { alpha: 0.01 }, { alpha: 0.05 }, { alpha: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true } })
 */
export function parseConfig<C extends object>(kind: string, defaults: C, input: unknown, rules: ConfigRules<C>): C {
  if (input === undefined || input === null) return { ...defaults };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(`${kind}: config must be an object (got ${describe(input)})`);
  }
  const known = Object.keys(rules);
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const rule = (rules as Record<string, ConfigRule>)[key];
    if (rule === undefined || !Object.hasOwn(rules, key)) {
      throw invalid(`${kind}: unknown key ${JSON.stringify(key)} (expected one of: ${known.join(', ')})`);
    }
    if (value === undefined) continue;
    if (!fits(rule, value)) throw invalid(`${kind}: ${key} must be ${expectation(rule)} (got ${describe(value)})`);
    out[key] = value;
  }
  return out as C;
}

/** Says in words what a rule accepts: `a number in (0, 1)`, `an integer ≥ 1`, `one of "up", "down"`. */
export function expectation(rule: ConfigRule): string {
  if (rule.type === 'boolean') return 'true or false';
  if (rule.type === 'oneOf') return `one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}`;
  const what = rule.integer ? 'an integer' : 'a number';
  const { min, max } = rule;
  if (min !== undefined && max !== undefined) {
    return `${what} in ${rule.minExclusive ? '(' : '['}${min}, ${max}${rule.maxExclusive ? ')' : ']'}`;
  }
  if (min !== undefined) return `${what} ${rule.minExclusive ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `${what} ${rule.maxExclusive ? '<' : '≤'} ${max}`;
  return `a finite ${rule.integer ? 'integer' : 'number'}`;
}

function fits(rule: ConfigRule, value: unknown): boolean {
  if (rule.type === 'boolean') return typeof value === 'boolean';
  if (rule.type === 'oneOf') return typeof value === 'string' && rule.values.includes(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (rule.integer && !Number.isInteger(value)) return false;
  if (rule.min !== undefined && (rule.minExclusive ? value <= rule.min : value < rule.min)) return false;
  if (rule.max !== undefined && (rule.maxExclusive ? value >= rule.max : value > rule.max)) return false;
  return true;
}

/**
 * Reads a saved model state: checks it is an object of this kind's state version and returns a
 * reader for its fields. Used by every spec's `create(config, state)`.
 * @throws HomeostatError `invalid_argument` when the state is not an object, has another version,
 *   or a field is missing or of the wrong type.
 */
export function openState(kind: string, version: number, state: unknown): StateReader {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw invalid(`${kind}: state must be an object saved by state() (got ${describe(state)})`);
  }
  const record = state as Record<string, unknown>;
  if (record.version !== version) {
    throw invalid(
      `${kind}: state has version ${describe(record.version)} but this model reads version ${version}; ` +
        'retrain the model or migrate its state',
    );
  }
  return new StateReader(kind, record);
}

/** Typed access to the fields of a saved state; every getter throws a clear error on a bad field. */
export class StateReader {
  readonly #kind: string;
  readonly #record: Record<string, unknown>;

  constructor(kind: string, record: Record<string, unknown>) {
    this.#kind = kind;
    this.#record = record;
  }

  /** A finite number field. */
  number(key: string): number {
    const v = this.#record[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.#fail(key, 'a finite number', v);
    return v as number;
  }

  /** A finite number field, or `undefined` when absent or null. */
  optionalNumber(key: string): number | undefined {
    const v = this.#record[key];
    return v === undefined || v === null ? undefined : this.number(key);
  }

  /** An array of finite numbers, at most `maxLength` long; returned as a fresh copy. */
  numbers(key: string, maxLength: number): number[] {
    const v = this.#record[key];
    if (!Array.isArray(v) || v.length > maxLength || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      this.#fail(key, `an array of at most ${maxLength} finite numbers`, v);
    }
    return (v as number[]).slice();
  }

  /** A nested object field, read with the same checks. */
  object(key: string): StateReader {
    const v = this.#record[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.#fail(key, 'an object', v);
    return new StateReader(`${this.#kind}: ${key}`, v as Record<string, unknown>);
  }

  /** The keys of this object. */
  keys(): string[] {
    return Object.keys(this.#record);
  }

  #fail(key: string, expected: string, got: unknown): never {
    throw invalid(`${this.#kind}: state field ${key} must be ${expected} (got ${describe(got)})`);
  }
}
