/**
 * @module models/forecaster-contract
 * The generic check suite every forecaster spec of the catalog must pass: config parsing, warm-up,
 * pure `forecast`, well-formed intervals, determinism, no input mutation, non-finite values and gaps
 * never throw, and a JSON state that restores bit for bit. Returns failures (empty = pass).
 */
import type { Forecast } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import type { Forecaster, ModelSpec } from './contract.js';
import { checkSeries, checkSpecBasics, deepFreeze } from './detector-contract.js';

/**
 * Runs the generic forecaster checks against `spec` with `config` (default: its defaults);
 * `horizonSteps` is the horizon asked for (default 30).
 * @returns failures, one sentence each; empty when the forecaster honours the contract.
 */
export function checkForecasterSpec<C>(spec: ModelSpec<C, Forecaster>, config: C = spec.defaults, horizonSteps = 30): string[] {
  const name = spec.kind;
  const failures = checkSpecBasics(spec, config);
  const frozenConfig = deepFreeze(structuredClone(config));
  const series = checkSeries(11, 1000).map((p) => Object.freeze(p));
  const before = JSON.stringify(series);
  const feed = (f: Forecaster, points: readonly Point[]): string[] =>
    points.map((p) => {
      f.learn(p);
      return JSON.stringify(f.forecast(3) ?? null);
    });
  let threw: unknown;
  try {
    if (spec.create(frozenConfig).forecast(horizonSteps) !== undefined)
      failures.push(`${name}: a fresh forecaster must return undefined (warm-up)`);
    const a = spec.create(frozenConfig);
    const b = spec.create(frozenConfig);
    const fa = feed(a, series.slice(0, 500));
    if (fa.join() !== feed(b, series.slice(0, 500)).join()) failures.push(`${name}: two forecasters fed the same points must agree`);
    const stateBefore = JSON.stringify(a.state());
    const f1 = a.forecast(horizonSteps);
    const f2 = a.forecast(horizonSteps);
    if (JSON.stringify(f1) !== JSON.stringify(f2)) failures.push(`${name}: forecast must give the same result when called twice`);
    if (JSON.stringify(a.state()) !== stateBefore) failures.push(`${name}: forecast must not change the state`);
    if (f1 === undefined) failures.push(`${name}: no forecast after 500 points`);
    else failures.push(...checkForecast(name, f1, horizonSteps));

    const restored = spec.create(frozenConfig, JSON.parse(JSON.stringify(a.state())));
    if (JSON.stringify(restored.state()) !== JSON.stringify(a.state())) failures.push(`${name}: state() of a restored forecaster differs`);
    const ra = feed(a, series.slice(500));
    const rr = feed(restored, series.slice(500));
    if (ra.join() !== rr.join())
      failures.push(`${name}: a forecaster restored from JSON state must forecast bit for bit like the original`);
    if (JSON.stringify(a.forecast(horizonSteps)) !== JSON.stringify(restored.forecast(horizonSteps))) {
      failures.push(`${name}: long forecasts differ after restore`);
    }
    if (ra.join() !== feed(b, series.slice(500)).join()) failures.push(`${name}: determinism broken on the second half`);
    const last = series[series.length - 1]?.t ?? 0;
    const stateAfter = JSON.stringify(a.state());
    for (const v of [Number.NaN, Infinity, -Infinity]) a.learn({ t: last + 60_000, v });
    if (JSON.stringify(a.state()) !== stateAfter) failures.push(`${name}: learning non-finite values must leave the state unchanged`);
    a.learn({ t: Number.NaN, v: 1 });
    a.forecast(1);
  } catch (error) {
    threw = error;
  }
  if (threw !== undefined) failures.push(`${name}: threw on the check series (NaN, gaps, out-of-order points): ${String(threw)}`);
  if (JSON.stringify(series) !== before) failures.push(`${name}: input points were mutated`);
  if (JSON.stringify(frozenConfig) !== JSON.stringify(config)) failures.push(`${name}: config was mutated`);
  return failures;
}

function checkForecast(name: string, f: Forecast, h: number): string[] {
  const failures: string[] = [];
  if (![f.t, f.mean, f.lower, f.upper].every((a) => a.length === h))
    failures.push(`${name}: forecast arrays must have horizonSteps entries`);
  if (!(f.level > 0 && f.level < 1)) failures.push(`${name}: level must be in (0, 1) (got ${f.level})`);
  for (let i = 0; i < h; i++) {
    const [t, m, lo, hi] = [f.t[i], f.mean[i], f.lower[i], f.upper[i]] as number[];
    if (![t, m, lo, hi].every((x) => Number.isFinite(x))) {
      failures.push(`${name}: forecast values must be finite (step ${i + 1})`);
      break;
    }
    if (!((lo as number) <= (m as number) && (m as number) <= (hi as number))) {
      failures.push(`${name}: lower ≤ mean ≤ upper must hold (step ${i + 1})`);
      break;
    }
    if (i > 0 && !((t as number) > (f.t[i - 1] as number))) {
      failures.push(`${name}: forecast times must increase`);
      break;
    }
  }
  return failures;
}
