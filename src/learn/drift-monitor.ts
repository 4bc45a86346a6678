/**
 * @module learn/drift-monitor
 * Drift monitoring for one model: named feature monitors (seasonality-aware PSI + KS, see
 * `seasonal-drift.ts`) and named error-stream detectors (ADWIN or Page-Hinkley, see
 * `error-drift.ts`), checked together into findings that are raised once.
 *
 * A feature signal is a state (its window has drifted or not): `check(now)` asks each feature
 * monitor for a verdict and raises a finding for a drifted one. An error signal is an event: the
 * detector fires inside `error(name).add(x, t)`, and the next `check` raises it. A raised signal is
 * not raised again until `acknowledge(signal)` or `rebase()`; after an acknowledgement a feature
 * that is still drifted is raised again at the next check (acknowledge and keep watching), so a
 * change that is accepted as the new normal should be rebased instead (after a retrain, `rebase()`
 * makes every feature's window its reference and restarts the error detectors). Pure and
 * deterministic: time comes only from the points and `check(now)`; the whole monitor saves to JSON
 * and restores exactly.
 *
 * This is what the engine runs per model: feed it the model's inputs (`feature`) and its live error
 * or mistake stream (`error`), call `check` on a schedule, publish the findings, retrain on them.
 *
 * Reference: J. Gama, I. Žliobaitė, A. Bifet, M. Pechenizkiy, A. Bouchachia, "A survey on concept
 * drift adaptation", ACM Computing Surveys 2014 (detect on inputs and on the error stream, then
 * adapt).
 */
import { describe, invalid } from '../errors.js';
import {
  createErrorDetector,
  type ErrorDetector,
  type ErrorDetectorConfig,
  type ErrorDriftResult,
  parseErrorDetectorConfig,
} from './error-drift.js';
import {
  createSeasonalDriftMonitor,
  parseSeasonalDriftConfig,
  type SeasonalDriftConfig,
  type SeasonalDriftMonitor,
  seasonalDriftDefaults,
} from './seasonal-drift.js';

/** Whether a finding comes from a model input or from the model's error stream. */
export type DriftKind = 'feature' | 'error';

/** Which test produced a finding. */
export type DriftMethod = 'seasonal-psi-ks' | 'adwin' | 'page-hinkley';

/** One drift raised for a model. */
export interface DriftFinding {
  readonly model: string;
  /** The feature or error stream's name. */
  readonly signal: string;
  readonly kind: DriftKind;
  readonly method: DriftMethod;
  /**
   * When the drift was seen (epoch ms): for a feature the check that first found it; for an error
   * stream the time given with the value that completed the change (else that check's `now`).
   */
  readonly since: number;
  /** The test's numbers: psi, ks, pValue, n, shift, spreadRatio (feature); mean, before, after, n, statistic, threshold (error). */
  readonly statistics: Readonly<Record<string, number>>;
  /** One or two sentences a person can read. */
  readonly explanation: string;
}

/** Configuration of {@link DriftMonitor}: the defaults for the features and error streams it creates. */
export interface DriftMonitorConfig {
  readonly feature: SeasonalDriftConfig;
  readonly error: ErrorDetectorConfig;
}

/** A raised signal and since when. */
export interface RaisedSignal {
  readonly signal: string;
  readonly since: number;
}

/** Saved state of {@link DriftMonitor}: configs and states of every signal, and what is raised. */
export interface DriftMonitorState {
  readonly version: 1;
  readonly model: string;
  readonly features: readonly { readonly name: string; readonly config: SeasonalDriftConfig; readonly state: unknown }[];
  readonly errors: readonly {
    readonly name: string;
    readonly config: ErrorDetectorConfig;
    readonly state: unknown;
    readonly pending?: PendingDrift;
  }[];
  readonly raised: readonly RaisedSignal[];
}

/** An error-stream change seen by `add`, waiting for the next `check`. */
interface PendingDrift {
  /** Time given with the value, if any. */
  readonly at?: number;
  readonly result: ErrorDriftResult;
}

const NAME = 'learn/drift-monitor';
const VERSION = 1;

/** Defaults of {@link DriftMonitorConfig}: seasonal PSI + KS for features, ADWIN for errors. */
export const driftMonitorDefaults: DriftMonitorConfig = {
  feature: seasonalDriftDefaults,
  error: parseErrorDetectorConfig(undefined),
};

/**
 * Parses `{ feature?, error? }`, each merged with its defaults.
 * @throws HomeostatError `invalid_argument` on an unknown key or a bad feature or error config.
 */
export function parseDriftMonitorConfig(input: unknown): DriftMonitorConfig {
  if (input === undefined || input === null) return driftMonitorDefaults;
  if (typeof input !== 'object' || Array.isArray(input)) throw invalid(`${NAME}: config must be an object (got ${describe(input)})`);
  for (const key of Object.keys(input)) {
    if (key !== 'feature' && key !== 'error')
      throw invalid(`${NAME}: unknown key ${JSON.stringify(key)} (expected one of: feature, error)`);
  }
  const { feature, error } = input as { feature?: unknown; error?: unknown };
  return { feature: parseSeasonalDriftConfig(feature), error: parseErrorDetectorConfig(error) };
}

/**
 * Builds a monitor for `model`, restoring a saved state when given.
 * @throws HomeostatError `invalid_argument` when the state is malformed or is another model's.
 */
export function createDriftMonitor(model: string, config: DriftMonitorConfig = driftMonitorDefaults, state?: unknown): DriftMonitor {
  return new DriftMonitor(model, config, state);
}

/** One error stream of a model: its detector, and the change it saw since the last check. */
export class ErrorSignal {
  readonly name: string;
  readonly detector: ErrorDetector;
  #pending: PendingDrift | undefined;
  readonly #isRaised: () => boolean;

  constructor(name: string, detector: ErrorDetector, isRaised: () => boolean, pending?: PendingDrift) {
    this.name = name;
    this.detector = detector;
    this.#isRaised = isRaised;
    this.#pending = pending;
  }

  /**
   * Adds one error value (e.g. |error| scaled to [0, 1], or 1 for a mistake and 0 for a hit) at
   * time `t` (epoch ms, optional). A change is kept for the next check unless the signal is
   * already raised or a change is already waiting (the first one wins).
   */
  add(x: number, t?: number): ErrorDriftResult {
    const result = this.detector.add(x);
    if (result.drift && this.#pending === undefined && !this.#isRaised()) {
      this.#pending = t !== undefined && Number.isFinite(t) ? { at: t, result } : { result };
    }
    return result;
  }

  /** The change waiting for the next check, if any. */
  get pending(): PendingDrift | undefined {
    return this.#pending;
  }

  /** Takes the waiting change (check) or drops it (rebase). */
  takePending(): PendingDrift | undefined {
    const p = this.#pending;
    this.#pending = undefined;
    return p;
  }
}

/**
 * Drift monitor for one model: named feature monitors and error streams, checked into findings
 * raised once until acknowledged or rebased.
 * @example
 * const drift = createDriftMonitor('forecaster/holt-winters:cpu');
 * drift.feature('cpu').learnReference(t, v); // reference window (training data)
 * drift.feature('cpu').observe(t, v);        // live inputs
 * drift.error('ape').add(Math.min(1, Math.abs(y - yhat) / Math.abs(y)), t);
 * for (const f of drift.check(now)) publish(f);
 */
export class DriftMonitor {
  readonly model: string;
  readonly config: DriftMonitorConfig;
  readonly #features = new Map<string, SeasonalDriftMonitor>();
  readonly #errors = new Map<string, ErrorSignal>();
  readonly #raised = new Map<string, number>();

  /**
   * @param state a saved {@link DriftMonitorState} (unknown: it is checked), or undefined.
   * @throws HomeostatError `invalid_argument` on an empty model name or a malformed state.
   */
  constructor(model: string, config: DriftMonitorConfig = driftMonitorDefaults, state?: unknown) {
    if (typeof model !== 'string' || model === '') throw invalid(`${NAME}: model must be a non-empty string (got ${describe(model)})`);
    this.model = model;
    this.config = config;
    if (state !== undefined) this.#restore(state);
  }

  /**
   * The feature monitor called `name`, created on first use with `config` (default: this
   * monitor's feature config). A later `config` is ignored.
   * @throws HomeostatError `invalid_argument` when `name` is empty or already names an error stream.
   */
  feature(name: string, config?: SeasonalDriftConfig): SeasonalDriftMonitor {
    const found = this.#features.get(name);
    if (found) return found;
    this.#checkName(name, this.#errors, 'an error stream');
    const created = createSeasonalDriftMonitor(config ?? this.config.feature);
    this.#features.set(name, created);
    return created;
  }

  /**
   * The error stream called `name`, created on first use with `config` (default: this monitor's
   * error config). A later `config` is ignored.
   * @throws HomeostatError `invalid_argument` when `name` is empty or already names a feature.
   */
  error(name: string, config?: ErrorDetectorConfig): ErrorSignal {
    const found = this.#errors.get(name);
    if (found) return found;
    this.#checkName(name, this.#features, 'a feature');
    const created = new ErrorSignal(name, createErrorDetector(config ?? this.config.error), () => this.#raised.has(name));
    this.#errors.set(name, created);
    return created;
  }

  /** Names of the features and error streams, in creation order. */
  get signals(): { readonly features: readonly string[]; readonly errors: readonly string[] } {
    return { features: [...this.#features.keys()], errors: [...this.#errors.keys()] };
  }

  /** Signals raised and not yet acknowledged or rebased, in the order they were raised. */
  get raised(): readonly RaisedSignal[] {
    return [...this.#raised].map(([signal, since]) => ({ signal, since }));
  }

  /**
   * New findings at `now`: each drifted feature and each error stream that changed since the last
   * check, unless already raised. Features first (creation order), then error streams.
   */
  check(now: number): DriftFinding[] {
    const findings: DriftFinding[] = [];
    for (const [name, monitor] of this.#features) {
      if (this.#raised.has(name)) continue;
      const v = monitor.check(now);
      if (!v.drifted) continue;
      this.#raised.set(name, now);
      const statistics: Record<string, number> = { n: v.n };
      for (const key of ['psi', 'ks', 'pValue', 'shift', 'spreadRatio'] as const) {
        const x = v[key];
        if (x !== undefined) statistics[key] = x;
      }
      findings.push({
        model: this.model,
        signal: name,
        kind: 'feature',
        method: 'seasonal-psi-ks',
        since: now,
        statistics,
        explanation: `${name}: ${v.explanation}`,
      });
    }
    for (const [name, signal] of this.#errors) {
      const p = signal.takePending();
      if (p === undefined || this.#raised.has(name)) continue;
      const since = p.at ?? now;
      this.#raised.set(name, since);
      const r = p.result;
      const statistics: Record<string, number> = { mean: r.mean, n: r.n };
      for (const key of ['before', 'after', 'statistic', 'threshold'] as const) {
        const x = r[key];
        if (x !== undefined) statistics[key] = x;
      }
      const method = signal.detector.config.method;
      findings.push({
        model: this.model,
        signal: name,
        kind: 'error',
        method,
        since,
        statistics,
        explanation: errorExplanation(name, method, r),
      });
    }
    return findings;
  }

  /**
   * Clears a raised signal so that it can be raised again (a feature still drifted is raised at the
   * next check). Returns whether it was raised.
   */
  acknowledge(signal: string): boolean {
    return this.#raised.delete(signal);
  }

  /**
   * After a retrain: every feature's recent window becomes its reference (see
   * SeasonalDriftMonitor.rebase), every error detector restarts, waiting changes are dropped and
   * nothing stays raised. With `signal`, only that feature or error stream.
   * @throws HomeostatError `invalid_argument` when `signal` names nothing.
   */
  rebase(signal?: string): void {
    if (signal !== undefined && !this.#features.has(signal) && !this.#errors.has(signal)) {
      throw invalid(`${NAME}: ${this.model} has no feature or error stream ${JSON.stringify(signal)} (got ${describe(signal)})`);
    }
    for (const [name, monitor] of this.#features) if (signal === undefined || name === signal) monitor.rebase();
    for (const [name, e] of this.#errors) {
      if (signal !== undefined && name !== signal) continue;
      e.detector.reset();
      e.takePending();
    }
    if (signal === undefined) this.#raised.clear();
    else this.#raised.delete(signal);
  }

  /** JSON state that restores this monitor exactly through {@link createDriftMonitor}. */
  state(): DriftMonitorState {
    return {
      version: VERSION,
      model: this.model,
      features: [...this.#features].map(([name, m]) => ({ name, config: m.config, state: m.state() })),
      errors: [...this.#errors].map(([name, e]) => {
        const base = { name, config: e.detector.config, state: e.detector.state() };
        return e.pending === undefined ? base : { ...base, pending: e.pending };
      }),
      raised: this.raised,
    };
  }

  #checkName(name: string, other: Map<string, unknown>, what: string): void {
    if (typeof name !== 'string' || name === '') throw invalid(`${NAME}: a signal name must be a non-empty string (got ${describe(name)})`);
    if (other.has(name)) throw invalid(`${NAME}: ${JSON.stringify(name)} already names ${what} of ${this.model}; signal names are shared`);
  }

  /** Restores a saved state into this (empty) monitor. */
  #restore(input: unknown): void {
    const s = record(input, 'state');
    if (s.version !== VERSION) throw invalid(`${NAME}: state has version ${describe(s.version)} but this monitor reads version ${VERSION}`);
    if (s.model !== this.model) throw invalid(`${NAME}: state is for model ${describe(s.model)}, not ${JSON.stringify(this.model)}`);
    for (const [i, f] of list(s.features, 'features').entries()) {
      const item = record(f, `features[${i}]`);
      const name = text(item.name, `features[${i}].name`);
      this.#features.set(name, createSeasonalDriftMonitor(parseSeasonalDriftConfig(item.config), item.state));
    }
    for (const [i, e] of list(s.errors, 'errors').entries()) {
      const item = record(e, `errors[${i}]`);
      const name = text(item.name, `errors[${i}].name`);
      this.#checkName(name, this.#features, 'a feature');
      const detector = createErrorDetector(parseErrorDetectorConfig(item.config), item.state);
      const pending = item.pending === undefined ? undefined : parsePending(item.pending, `errors[${i}].pending`);
      this.#errors.set(name, new ErrorSignal(name, detector, () => this.#raised.has(name), pending));
    }
    for (const [i, r] of list(s.raised, 'raised').entries()) {
      const item = record(r, `raised[${i}]`);
      const signal = text(item.signal, `raised[${i}].signal`);
      if (typeof item.since !== 'number' || !Number.isFinite(item.since)) {
        throw invalid(`${NAME}: state raised[${i}].since must be a finite number (got ${describe(item.since)})`);
      }
      this.#raised.set(signal, item.since);
    }
  }
}

function errorExplanation(name: string, method: 'adwin' | 'page-hinkley', r: ErrorDriftResult): string {
  const f = (x: number | undefined): string => (x === undefined ? '?' : x.toPrecision(3));
  if (method === 'adwin') {
    const dir = (r.after ?? 0) >= (r.before ?? 0) ? 'rose' : 'fell';
    return `${name}: the mean ${dir} from ${f(r.before)} to ${f(r.after)} (ADWIN: |Δ| ${f(r.statistic)} > ε ${f(r.threshold)}; window now ${r.n} values)`;
  }
  return `${name}: the mean rose from ${f(r.before)} to about ${f(r.after)} (Page-Hinkley: ${f(r.statistic)} > λ ${f(r.threshold)})`;
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalid(`${NAME}: state ${what} must be an object (got ${describe(v)})`);
  return v as Record<string, unknown>;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(`${NAME}: state ${what} must be an array (got ${describe(v)})`);
  return v;
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(`${NAME}: state ${what} must be a non-empty string (got ${describe(v)})`);
  return v;
}

function parsePending(v: unknown, what: string): PendingDrift {
  const p = record(v, what);
  const r = record(p.result, `${what}.result`);
  const num = (key: string, optional: boolean): number | undefined => {
    const x = r[key];
    if (x === undefined && optional) return undefined;
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw invalid(`${NAME}: state ${what}.result.${key} must be a finite number (got ${describe(x)})`);
    return x;
  };
  const result: Record<string, unknown> = { drift: true, mean: num('mean', false), n: num('n', false) };
  for (const key of ['before', 'after', 'statistic', 'threshold']) {
    const x = num(key, true);
    if (x !== undefined) result[key] = x;
  }
  if (p.at !== undefined && (typeof p.at !== 'number' || !Number.isFinite(p.at))) {
    throw invalid(`${NAME}: state ${what}.at must be a finite number (got ${describe(p.at)})`);
  }
  const typed = result as unknown as ErrorDriftResult;
  return p.at === undefined ? { result: typed } : { at: p.at as number, result: typed };
}
