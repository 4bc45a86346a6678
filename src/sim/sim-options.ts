/**
 * @module sim/sim-options
 * Default size and seed of the simulated fleet, and the one validator of simulator options.
 */
import { describe, invalid } from '../errors.js';
import type { SimOptions } from './types.js';

/**
 * The default fleet: seed 1, starting Monday 2026-01-05T00:00:00Z, one sample a minute,
 * 30 services, 60 hosts, 4 databases, 3 queues, 2 load balancers.
 */
export const DEFAULT_SIM_OPTIONS: SimOptions = Object.freeze({
  seed: 1,
  startMs: Date.UTC(2026, 0, 5),
  stepMs: 60_000,
  services: 30,
  hosts: 60,
  databases: 4,
  queues: 3,
  loadBalancers: 2,
});

/** Allowed range per numeric option: [min, max], all integers. */
const LIMITS: Readonly<Record<keyof SimOptions, readonly [number, number]>> = {
  seed: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  startMs: [0, 8.64e15],
  stepMs: [1_000, 3_600_000],
  services: [1, 2_000],
  hosts: [2, 10_000],
  databases: [0, 200],
  queues: [0, 200],
  loadBalancers: [0, 50],
};

/**
 * Merges `input` over {@link DEFAULT_SIM_OPTIONS} and validates it: every field an integer in its
 * range (stepMs 1 s–1 h, services ≥ 1, hosts ≥ 2, the rest ≥ 0), no unknown keys.
 * Throws `invalid_argument` naming the field, what was expected and what was received.
 */
export function parseSimOptions(input: unknown = {}): SimOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid(`simulator options must be an object (got ${describe(input)})`);
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in LIMITS)) {
      throw invalid(`unknown simulator option ${JSON.stringify(key)} (expected one of ${Object.keys(LIMITS).join(', ')})`);
    }
  }
  const out: Record<string, number> = { ...DEFAULT_SIM_OPTIONS };
  for (const [key, [min, max]] of Object.entries(LIMITS)) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(`simulator option ${key} must be an integer in [${min}, ${max}] (got ${describe(value)})`);
    }
    out[key] = value;
  }
  return Object.freeze(out as unknown as SimOptions);
}
