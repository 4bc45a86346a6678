/**
 * @module models/alarm-rule
 * The post-calibration alarm rule (`alarm/rule`): raw score → calibrator → THIS rule → anomaly.
 * Models never decide what is an alert; they give a calibrated confidence per point, and this
 * small streaming state machine decides at which points an alarm is raised.
 *
 * Why: a detector scores every point of an incident high (a level shift keeps a robust z high for
 * about 1/alpha points), so "flag every point above a threshold" pages on-call dozens of times for
 * one episode, and NAB counts every detection outside a window as a false positive (only the
 * first detection inside a window earns the reward). What operators and NAB both want is ONE
 * alarm per episode, a reminder if the episode lasts (the datasets README's event metric
 * re-notifies every 60 points), and no re-alarm when the score merely flickers around the line.
 *
 * Algorithm, per point, on a calibrated confidence c in [0, 1] (not a raw score: the threshold
 * then means the same for every detector and is what feedback fits):
 * - `hot` when the last `consecutivePoints` points all had c ≥ `threshold` (a run).
 * - Hysteresis: the episode is `cleared` once c < `clearThreshold` (≤ threshold). A hot point
 *   alarms when no alarm was raised yet, or the episode cleared since the last alarm (a new
 *   episode), or — without a clear — when at least `renotifyPoints` points passed since the last
 *   alarm and the run is the one that alarmed (an ongoing episode re-notifies), or at least
 *   `suppressPoints` points passed and the run is a new one (the score dipped below `threshold`
 *   but not below `clearThreshold`, or a point was unscored, and rose again: suppressed
 *   until then).
 * - An undefined or NaN confidence (warm-up, missing data) breaks a run but does not clear.
 * O(1) time and memory per point; the state is five JSON numbers/booleans.
 *
 * Works when the confidence is calibrated and episodes are contiguous. Fails when distinct
 * incidents follow each other closer than `suppressPoints` without the score clearing (the second
 * is reported only as a re-notification), and a long `consecutivePoints` delays every alarm. On
 * noisy scores a high `clearThreshold` lets an episode "clear" between spikes and so bypasses the
 * suppression (on NAB a clear at robust z 3 kept most repeats); `clearThreshold: 0` makes the
 * suppression purely time-based.
 *
 * Reference: alarm deadband / on-delay / re-alarm in ANSI/ISA-18.2 "Management of Alarm Systems
 * for the Process Industries" (2016); NAB's scoring of only the first detection per window:
 * Lavin & Ahmad, ICMLA 2015.
 */
import { describe, invalid } from '../errors.js';
import { openState, parseConfig, type ConfigRules } from './config.js';

/** Configuration of an {@link AlarmRule}. All thresholds are calibrated confidences in [0, 1]. */
export interface AlarmRuleConfig {
  /** Confidence at or above which a point is hot, in [0, 1]. Default 0.5 (robust z 6 under the logistic prior). */
  readonly threshold: number;
  /**
   * Confidence below which an episode is over (hysteresis), in [0, threshold]. Default
   * min(0.05, threshold): 0.05 ≈ robust z 3 under the logistic prior, "back to normal".
   */
  readonly clearThreshold: number;
  /** Hot points in a row needed to alarm, integer ≥ 1. Default 1. */
  readonly consecutivePoints: number;
  /** Points after an alarm during which a new (uncleared) run does not alarm, integer ≥ 0. Default 60. */
  readonly suppressPoints: number;
  /** Points after which an ongoing run alarms again, integer ≥ 1. Default 60 (the README's event metric). */
  readonly renotifyPoints: number;
}

/** Saved state of an {@link AlarmRule}: plain JSON, restores the rule bit for bit. */
export interface AlarmRuleState {
  readonly version: 1;
  /** Hot points in a row, capped at consecutivePoints. */
  readonly run: number;
  /** Points since the last alarm, capped at max(suppressPoints, renotifyPoints); null before any alarm. */
  readonly sinceAlarm: number | null;
  /** Whether the confidence went below clearThreshold since the last alarm. */
  readonly cleared: boolean;
  /** Whether the current run already raised an alarm. */
  readonly runAlarmed: boolean;
}

const KIND = 'alarm/rule';
const VERSION = 1;
const DEFAULT_CLEAR = 0.05;

/** Defaults of {@link AlarmRuleConfig} (clearThreshold is min(0.05, threshold) when not given). */
export const ALARM_RULE_DEFAULTS: AlarmRuleConfig = {
  threshold: 0.5,
  clearThreshold: DEFAULT_CLEAR,
  consecutivePoints: 1,
  suppressPoints: 60,
  renotifyPoints: 60,
};

const RULES: ConfigRules<AlarmRuleConfig> = {
  threshold: { type: 'number', min: 0, max: 1 },
  clearThreshold: { type: 'number', min: 0, max: 1 },
  consecutivePoints: { type: 'number', integer: true, min: 1 },
  suppressPoints: { type: 'number', integer: true, min: 0 },
  renotifyPoints: { type: 'number', integer: true, min: 1 },
};

/**
 * Parses an alarm-rule config strictly: `undefined`/`null` give the defaults, unknown keys and bad
 * values are rejected. A missing clearThreshold becomes min(0.05, threshold).
 * @throws HomeostatError `invalid_argument` naming the key, the expectation and the value, e.g.
 *   `alarm/rule: threshold must be a number in [0, 1] (got 2)`, or when clearThreshold > threshold.
 * @example parseAlarmRule({ threshold: 0.8 }) // { threshold: 0.8, clearThreshold: 0.05, consecutivePoints: 1, suppressPoints: 60, renotifyPoints: 60 }
 */
export function parseAlarmRule(input: unknown): AlarmRuleConfig {
  const parsed = parseConfig(KIND, ALARM_RULE_DEFAULTS, input, RULES);
  const given = typeof input === 'object' && input !== null && (input as Record<string, unknown>).clearThreshold !== undefined;
  const config = given ? parsed : { ...parsed, clearThreshold: Math.min(DEFAULT_CLEAR, parsed.threshold) };
  if (config.clearThreshold > config.threshold) {
    throw invalid(`${KIND}: clearThreshold must be ≤ threshold (${config.threshold}) (got ${config.clearThreshold})`);
  }
  return config;
}

/**
 * Streaming, stateful alarm rule on calibrated confidences; pure (no clock, no I/O).
 * @example
 * const rule = createAlarmRule({ threshold: 0.9 });
 * const alarms = confidences.map((c) => rule.step(c));
 */
export class AlarmRule {
  readonly #config: AlarmRuleConfig;
  readonly #cap: number;
  #run = 0;
  #sinceAlarm: number | null = null;
  #cleared = true;
  #runAlarmed = false;

  constructor(config: AlarmRuleConfig, state?: AlarmRuleState) {
    this.#config = { ...config };
    this.#cap = Math.max(config.suppressPoints, config.renotifyPoints);
    if (state) {
      this.#run = state.run;
      this.#sinceAlarm = state.sinceAlarm;
      this.#cleared = state.cleared;
      this.#runAlarmed = state.runAlarmed;
    }
  }

  /** The (parsed) configuration. */
  get config(): AlarmRuleConfig {
    return { ...this.#config };
  }

  /**
   * Feeds the next point's confidence; true when an alarm is raised at this point.
   * `undefined` or NaN = not scored (breaks a run, does not clear).
   * @throws HomeostatError `invalid_argument` for a confidence that is not a number in [0, 1].
   */
  step(confidence: number | undefined): boolean {
    if (confidence !== undefined && (typeof confidence !== 'number' || confidence < 0 || confidence > 1)) {
      throw invalid(`${KIND}: confidence must be a number in [0, 1] or undefined (got ${describe(confidence)})`);
    }
    const c = this.#config;
    if (this.#sinceAlarm !== null && this.#sinceAlarm < this.#cap) this.#sinceAlarm++;
    if (confidence === undefined || Number.isNaN(confidence)) {
      this.#run = 0;
      this.#runAlarmed = false;
      return false;
    }
    if (confidence < c.clearThreshold) this.#cleared = true;
    if (confidence >= c.threshold) this.#run = Math.min(this.#run + 1, c.consecutivePoints);
    else {
      this.#run = 0;
      this.#runAlarmed = false;
    }
    if (this.#run < c.consecutivePoints) return false;
    const since = this.#sinceAlarm;
    const fire = since === null || this.#cleared || (this.#runAlarmed ? since >= c.renotifyPoints : since >= c.suppressPoints);
    if (fire) {
      this.#sinceAlarm = 0;
      this.#cleared = false;
      this.#runAlarmed = true;
    }
    return fire;
  }

  /** JSON state that restores this rule exactly through {@link createAlarmRule}. */
  state(): AlarmRuleState {
    return {
      version: VERSION,
      run: this.#run,
      sinceAlarm: this.#sinceAlarm,
      cleared: this.#cleared,
      runAlarmed: this.#runAlarmed,
    };
  }
}

/**
 * Creates an alarm rule from a config (parsed with {@link parseAlarmRule}), optionally restored
 * from a saved {@link AlarmRule.state}.
 * @throws HomeostatError `invalid_argument` for a bad config, or a state that is not a version-1
 *   alarm state or does not fit the config (run > consecutivePoints, sinceAlarm out of range).
 * @example const r = createAlarmRule({ threshold: 0.9 }, saved); r.step(0.95)
 */
export function createAlarmRule(config?: Partial<AlarmRuleConfig>, state?: unknown): AlarmRule {
  const parsed = parseAlarmRule(config);
  if (state === undefined) return new AlarmRule(parsed);
  const s = openState(KIND, VERSION, state);
  const record = state as Record<string, unknown>;
  const run = s.number('run');
  const since = s.optionalNumber('sinceAlarm');
  const cap = Math.max(parsed.suppressPoints, parsed.renotifyPoints);
  if (!Number.isInteger(run) || run < 0 || run > parsed.consecutivePoints) {
    throw invalid(`${KIND}: state field run must be an integer in [0, ${parsed.consecutivePoints}] (got ${describe(run)})`);
  }
  if (since !== undefined && (!Number.isInteger(since) || since < 0 || since > cap)) {
    throw invalid(`${KIND}: state field sinceAlarm must be null or an integer in [0, ${cap}] (got ${describe(since)})`);
  }
  for (const key of ['cleared', 'runAlarmed'] as const) {
    if (typeof record[key] !== 'boolean') {
      throw invalid(`${KIND}: state field ${key} must be true or false (got ${describe(record[key])})`);
    }
  }
  return new AlarmRule(parsed, {
    version: VERSION,
    run,
    sinceAlarm: since ?? null,
    cleared: record.cleared as boolean,
    runAlarmed: record.runAlarmed as boolean,
  });
}
