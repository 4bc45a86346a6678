import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import { type ConfigRules, expectation, openState, parseConfig } from './config.js';

interface Cfg {
  alpha: number;
  warmupPoints: number;
  direction: 'both' | 'up' | 'down';
  enabled: boolean;
}
const defaults: Cfg = { alpha: 0.01, warmupPoints: 30, direction: 'both', enabled: true };
const rules: ConfigRules<Cfg> = {
  alpha: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  warmupPoints: { type: 'number', integer: true, min: 1 },
  direction: { type: 'oneOf', values: ['both', 'up', 'down'] },
  enabled: { type: 'boolean' },
};
const parse = (input: unknown): Cfg => parseConfig('detector/robust-z', defaults, input, rules);
const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HomeostatError);
    expect((error as HomeostatError).code).toBe('invalid_argument');
    return (error as Error).message;
  }
  throw new Error('expected a throw');
};

describe('parseConfig', () => {
  it('merges keys over the defaults and leaves the defaults alone', () => {
    expect(parse(undefined)).toEqual(defaults);
    expect(parse(null)).toEqual(defaults);
    expect(parse({ alpha: 0.05, direction: 'up' })).toEqual({ alpha: 0.05, warmupPoints: 30, direction: 'up', enabled: true });
    expect(defaults.alpha).toBe(0.01);
    expect(parse({})).not.toBe(defaults);
  });

  it('rejects wrong types and ranges saying expected vs got', () => {
    expect(message(() => parse({ alpha: 'x' }))).toBe('detector/robust-z: alpha must be a number in (0, 1) (got "x")');
    expect(message(() => parse({ alpha: 1 }))).toBe('detector/robust-z: alpha must be a number in (0, 1) (got 1)');
    expect(message(() => parse({ alpha: Number.NaN }))).toBe('detector/robust-z: alpha must be a number in (0, 1) (got NaN)');
    expect(message(() => parse({ warmupPoints: 2.5 }))).toBe('detector/robust-z: warmupPoints must be an integer ≥ 1 (got 2.5)');
    expect(message(() => parse({ direction: 'sideways' }))).toBe(
      'detector/robust-z: direction must be one of "both", "up", "down" (got "sideways")',
    );
    expect(message(() => parse({ enabled: 'yes' }))).toBe('detector/robust-z: enabled must be true or false (got "yes")');
  });

  it('rejects unknown keys and non-objects', () => {
    expect(message(() => parse({ alhpa: 0.1 }))).toBe(
      'detector/robust-z: unknown key "alhpa" (expected one of: alpha, warmupPoints, direction, enabled)',
    );
    expect(message(() => parse({ toString: 1 }))).toContain('unknown key "toString"');
    expect(message(() => parse([1]))).toBe('detector/robust-z: config must be an object (got an array of 1)');
    expect(message(() => parse(3))).toBe('detector/robust-z: config must be an object (got 3)');
  });

  it('describes bounds in words', () => {
    expect(expectation({ type: 'number', min: 0 })).toBe('a number ≥ 0');
    expect(expectation({ type: 'number', min: 0, minExclusive: true })).toBe('a number > 0');
    expect(expectation({ type: 'number', max: 5, integer: true })).toBe('an integer ≤ 5');
    expect(expectation({ type: 'number', min: 2, max: 9, integer: true })).toBe('an integer in [2, 9]');
    expect(expectation({ type: 'number' })).toBe('a finite number');
  });
});

describe('openState', () => {
  it('reads fields of the right version', () => {
    const s = openState('k/x', 1, { version: 1, n: 3, xs: [1, 2], o: { a: 1 } });
    expect(s.number('n')).toBe(3);
    expect(s.numbers('xs', 5)).toEqual([1, 2]);
    expect(s.optionalNumber('missing')).toBeUndefined();
    expect(s.object('o').number('a')).toBe(1);
  });

  it('rejects another version, non-objects and bad fields clearly', () => {
    expect(message(() => openState('k/x', 1, { version: 2 }))).toBe(
      'k/x: state has version 2 but this model reads version 1; retrain the model or migrate its state',
    );
    expect(message(() => openState('k/x', 1, 'abc'))).toBe('k/x: state must be an object saved by state() (got "abc")');
    expect(message(() => openState('k/x', 1, { version: 1, n: 'a' }).number('n'))).toBe(
      'k/x: state field n must be a finite number (got "a")',
    );
    expect(message(() => openState('k/x', 1, { version: 1, xs: [1, 2, 3] }).numbers('xs', 2))).toBe(
      'k/x: state field xs must be an array of at most 2 finite numbers (got an array of 3)',
    );
  });
});
