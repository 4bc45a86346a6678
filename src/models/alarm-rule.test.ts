import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import { ALARM_RULE_DEFAULTS, createAlarmRule, parseAlarmRule, type AlarmRule } from './alarm-rule.js';

/** Indices at which the rule alarms over `xs`. */
function alarms(rule: AlarmRule, xs: ReadonlyArray<number | undefined>): number[] {
  const out: number[] = [];
  xs.forEach((x, i) => {
    if (rule.step(x)) out.push(i);
  });
  return out;
}

const fill = (n: number, v: number | undefined): Array<number | undefined> => Array<number | undefined>(n).fill(v);

describe('parseAlarmRule', () => {
  it('gives the defaults, with clearThreshold min(0.05, threshold) when not given', () => {
    expect(parseAlarmRule(undefined)).toEqual(ALARM_RULE_DEFAULTS);
    expect(parseAlarmRule({ threshold: 0.8 })).toEqual({ ...ALARM_RULE_DEFAULTS, threshold: 0.8, clearThreshold: 0.05 });
    expect(parseAlarmRule({ threshold: 0.02 }).clearThreshold).toBe(0.02);
    expect(parseAlarmRule({ threshold: 0.9, clearThreshold: 0.3 }).clearThreshold).toBe(0.3);
  });

  it('rejects bad input saying what was expected and what came', () => {
    expect(() => parseAlarmRule({ threshold: 2 })).toThrow('alarm/rule: threshold must be a number in [0, 1] (got 2)');
    expect(() => parseAlarmRule({ consecutivePoints: 1.5 })).toThrow('consecutivePoints must be an integer ≥ 1 (got 1.5)');
    expect(() => parseAlarmRule({ suppressPoints: -1 })).toThrow('suppressPoints must be an integer ≥ 0 (got -1)');
    expect(() => parseAlarmRule({ renotifyPoints: 0 })).toThrow('renotifyPoints must be an integer ≥ 1 (got 0)');
    expect(() => parseAlarmRule({ treshold: 0.5 })).toThrow('unknown key "treshold"');
    expect(() => parseAlarmRule('x')).toThrow('alarm/rule: config must be an object');
    expect(() => parseAlarmRule({ threshold: 0.5, clearThreshold: 0.6 })).toThrow(
      'alarm/rule: clearThreshold must be ≤ threshold (0.5) (got 0.6)',
    );
    expect(() => parseAlarmRule({ threshold: 'high' })).toThrow(HomeostatError);
  });
});

describe('AlarmRule.step', () => {
  it('raises one alarm per run and re-notifies every renotifyPoints points of an ongoing run', () => {
    const rule = createAlarmRule({ threshold: 0.5, renotifyPoints: 3 });
    // run from index 1 to 7 (7 points): alarms at 1, 4, 7.
    expect(alarms(rule, [0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.6, 0.7, 0])).toEqual([1, 4, 7]);
  });

  it('flags every hot point only when everything is 1 (rule off)', () => {
    const rule = createAlarmRule({ threshold: 0.5, suppressPoints: 0, renotifyPoints: 1 });
    expect(alarms(rule, [0.4, 0.5, 0.6, 0.49, 0.5])).toEqual([1, 2, 4]);
  });

  it('suppresses a run that re-enters without clearing, and lets it through after suppressPoints', () => {
    const rule = createAlarmRule({ threshold: 0.8, clearThreshold: 0.2, suppressPoints: 4, renotifyPoints: 100 });
    // alarm at 0; dip to 0.5 (not cleared) at 1; re-entry at 2, 3 suppressed (since 2, 3 < 4);
    // dip at 4; re-entry at 5 (since 5 ≥ 4) alarms.
    expect(alarms(rule, [0.9, 0.5, 0.9, 0.9, 0.5, 0.9])).toEqual([0, 5]);
  });

  it('lets a new episode alarm at once after the score cleared (hysteresis)', () => {
    const rule = createAlarmRule({ threshold: 0.8, clearThreshold: 0.2, suppressPoints: 50 });
    expect(alarms(rule, [0.9, 0.1, 0.9, 0.5, 0.85, 0.19, 0.3, 0.8])).toEqual([0, 2, 7]);
  });

  it('needs consecutivePoints hot points in a row', () => {
    const rule = createAlarmRule({ threshold: 0.5, consecutivePoints: 3 });
    expect(alarms(rule, [0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9])).toEqual([5]);
  });

  it('treats undefined and NaN as unscored: breaks a run, does not clear', () => {
    const rule = createAlarmRule({ threshold: 0.5, clearThreshold: 0.1, suppressPoints: 3, consecutivePoints: 2 });
    // 0,1 hot → alarm at 1; undefined at 2 breaks the run; 3,4 hot again → run complete at 4,
    // since = 3 ≥ 3 → alarm; NaN at 5; 6,7 hot → since at 7 is 3 → alarm.
    expect(alarms(rule, [0.6, 0.6, undefined, 0.6, 0.6, Number.NaN, 0.6, 0.6])).toEqual([1, 4, 7]);
    const strict = createAlarmRule({ threshold: 0.5, clearThreshold: 0.1, suppressPoints: 10 });
    expect(alarms(strict, [0.6, undefined, 0.6, ...fill(5, undefined), 0.6])).toEqual([0]);
  });

  it('rejects a confidence outside [0, 1] or of the wrong type', () => {
    const rule = createAlarmRule();
    expect(() => rule.step(1.5)).toThrow('alarm/rule: confidence must be a number in [0, 1] or undefined (got 1.5)');
    expect(() => rule.step(-0.1)).toThrow(HomeostatError);
    expect(() => rule.step('0.5' as unknown as number)).toThrow('(got "0.5")');
    expect(rule.step(1)).toBe(true);
  });

  it('with the defaults: one alarm for a 100-point run, another at point 60 of it', () => {
    const rule = createAlarmRule();
    expect(alarms(rule, [...fill(10, 0), ...fill(100, 0.7), ...fill(10, 0)])).toEqual([10, 70]);
  });
});

describe('AlarmRule state', () => {
  it('restores bit for bit through JSON mid-stream and continues identically', () => {
    const config = { threshold: 0.6, clearThreshold: 0.2, suppressPoints: 5, renotifyPoints: 4, consecutivePoints: 2 };
    const xs = [0.1, 0.7, 0.7, 0.5, 0.7, 0.7, undefined, 0.7, 0.7, 0.7, 0.7, 0.7, 0.1, 0.9, 0.9, 0.3, 0.9, 0.9];
    const whole = createAlarmRule(config);
    const expected = alarms(whole, xs);
    for (let cut = 0; cut <= xs.length; cut++) {
      const a = createAlarmRule(config);
      const first = alarms(a, xs.slice(0, cut));
      const saved = JSON.parse(JSON.stringify(a.state()));
      expect(saved).toEqual(a.state());
      const b = createAlarmRule(config, saved);
      const rest = alarms(b, xs.slice(cut)).map((i) => i + cut);
      expect([...first, ...rest]).toEqual(expected);
      expect(b.state()).toEqual(whole.state());
    }
    // 2: first alarm; 5: new run but 3 < suppress 5; 8: new run, 5 ≥ 5; 14: cleared at 12; 17: 3 < 5.
    expect(expected).toEqual([2, 8, 14]);
  });

  it('saves plain fields and rejects a broken state clearly', () => {
    const rule = createAlarmRule({ threshold: 0.5, renotifyPoints: 3, suppressPoints: 2 });
    expect(rule.state()).toEqual({ version: 1, run: 0, sinceAlarm: null, cleared: true, runAlarmed: false });
    alarms(rule, [0.9, 0.9, 0.9, 0.9, 0.9, 0.9]);
    expect(rule.state()).toEqual({ version: 1, run: 1, sinceAlarm: 2, cleared: false, runAlarmed: true });
    const cfg = { threshold: 0.5, renotifyPoints: 3, suppressPoints: 2 };
    expect(() => createAlarmRule(cfg, { version: 2 })).toThrow('state has version 2');
    expect(() => createAlarmRule(cfg, { version: 1, run: 2, sinceAlarm: null, cleared: true, runAlarmed: false })).toThrow(
      'state field run must be an integer in [0, 1] (got 2)',
    );
    expect(() => createAlarmRule(cfg, { version: 1, run: 0, sinceAlarm: 4, cleared: true, runAlarmed: false })).toThrow(
      'state field sinceAlarm must be null or an integer in [0, 3] (got 4)',
    );
    expect(() => createAlarmRule(cfg, { version: 1, run: 0, sinceAlarm: null, cleared: 'yes', runAlarmed: false })).toThrow(
      'state field cleared must be true or false (got "yes")',
    );
  });
});
