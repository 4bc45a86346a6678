/**
 * @module models/detector-contract
 * The generic check suite every detector spec of the catalog must pass (after River's
 * `check_estimator`): config parsing, warm-up, pure `score`, determinism, no input mutation,
 * non-finite values and gaps never throw, and a JSON state that restores bit for bit. The checks
 * return a list of failures (empty = pass) so they run in unit tests and in `homeostat bench`.
 */
import { HomeostatError } from '../errors.js';
import type { Point } from '../telemetry/types.js';
import type { Detector, DetectorScore, ModelSpec } from './contract.js';

/**
 * A deterministic test series of `n` one-minute points from `seed`: a level with a daily wave,
 * noise, a spike every 97 points, NaN/±Infinity every 53, a 10-minute gap every 131 and an
 * out-of-order point every 211. Same seed ⇒ same series.
 */
export function checkSeries(seed: number, n: number, startMs = 1_767_571_200_000): Point[] {
  const random = mulberry32(seed);
  const out: Point[] = [];
  let t = startMs;
  for (let i = 0; i < n; i++) {
    t += i % 131 === 130 ? 600_000 : 60_000;
    let v = 50 + 10 * Math.sin((2 * Math.PI * i) / 1440) + 2 * (random() - 0.5);
    if (i % 97 === 96) v += 40;
    if (i % 53 === 52) v = [Number.NaN, Infinity, -Infinity][i % 3] as number;
    out.push({ t: i % 211 === 210 ? t - 300_000 : t, v });
  }
  return out;
}

/** Small seeded PRNG (mulberry32), uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `fn`, returning the error it threw (or undefined). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Checks the config half of a spec: defaults parse to themselves, unknown keys and bad states are rejected. */
export function checkSpecBasics<C, M>(spec: ModelSpec<C, M>, config: C): string[] {
  const failures: string[] = [];
  const name = spec.kind;
  if (!/^[a-z]+\/[a-z0-9-]+$/.test(name)) failures.push(`${name}: kind must look like family/name`);
  if (!Number.isInteger(spec.version) || spec.version < 1) failures.push(`${name}: version must be an integer ≥ 1`);
  if (JSON.stringify(spec.parse(undefined)) !== JSON.stringify(spec.defaults))
    failures.push(`${name}: parse(undefined) must give the defaults`);
  if (JSON.stringify(spec.parse(JSON.parse(JSON.stringify(config)))) !== JSON.stringify(config)) {
    failures.push(`${name}: parse(config) must round-trip through JSON`);
  }
  const unknown = thrown(() => spec.parse({ notAKey: 1 }));
  if (!(unknown instanceof HomeostatError && unknown.code === 'invalid_argument' && unknown.message.includes('"notAKey"'))) {
    failures.push(`${name}: parse must reject an unknown key with invalid_argument naming it`);
  }
  const notObject = thrown(() => spec.parse('yes'));
  if (!(notObject instanceof HomeostatError && notObject.code === 'invalid_argument'))
    failures.push(`${name}: parse must reject a non-object`);
  const otherVersion = thrown(() => spec.create(config, { version: spec.version + 1 }));
  if (!(otherVersion instanceof HomeostatError && otherVersion.code === 'invalid_argument' && otherVersion.message.includes('version'))) {
    failures.push(`${name}: create must reject a state of another version with invalid_argument`);
  }
  const garbage = thrown(() => spec.create(config, 42));
  if (!(garbage instanceof HomeostatError && garbage.code === 'invalid_argument'))
    failures.push(`${name}: create must reject a non-object state`);
  return failures;
}

/**
 * Runs the generic detector checks against `spec` with `config` (default: its defaults).
 * @returns failures, one sentence each; empty when the detector honours the contract.
 */
export function checkDetectorSpec<C>(spec: ModelSpec<C, Detector>, config: C = spec.defaults): string[] {
  const name = spec.kind;
  const failures = checkSpecBasics(spec, config);
  const frozenConfig = deepFreeze(structuredClone(config));
  const series = checkSeries(7, 1000).map((p) => Object.freeze(p));
  const first = series.slice(0, 500);
  const second = series.slice(500);
  const run = (d: Detector, points: readonly Point[]): (DetectorScore | undefined)[] =>
    points.map((p) => {
      const s = d.score(p);
      d.learn(p);
      return s;
    });

  const fresh = spec.create(frozenConfig);
  if (fresh.score({ t: 0, v: 1 }) !== undefined) failures.push(`${name}: a fresh detector must return undefined (warm-up)`);
  if (fresh.score({ t: 0, v: Number.NaN }) !== undefined) failures.push(`${name}: score(NaN) must be undefined`);

  const a = spec.create(frozenConfig);
  const b = spec.create(frozenConfig);
  const before = JSON.stringify(series);
  let threw: unknown;
  try {
    const sa = run(a, first);
    const sb = run(b, first);
    if (!sameScores(sa, sb)) failures.push(`${name}: two detectors fed the same points must give the same scores`);
    if (!sa.some((s) => s !== undefined)) failures.push(`${name}: no score after 500 points (warm-up never ends)`);
    for (const [i, s] of sa.entries()) {
      if (s !== undefined && !(s.raw >= 0)) {
        failures.push(`${name}: raw score must be ≥ 0 (got ${s.raw} at point ${i})`);
        break;
      }
    }
    const probe = { t: series[499]?.t ?? 0, v: 1e6 };
    const stateBefore = JSON.stringify(a.state());
    const s1 = a.score(probe);
    const s2 = a.score(probe);
    if (!sameScores([s1], [s2])) failures.push(`${name}: score must give the same result when called twice`);
    if (JSON.stringify(a.state()) !== stateBefore) failures.push(`${name}: score must not change the state`);

    const restored = spec.create(frozenConfig, JSON.parse(JSON.stringify(a.state())));
    if (JSON.stringify(restored.state()) !== JSON.stringify(a.state())) failures.push(`${name}: state() of a restored detector differs`);
    const ra = run(a, second);
    const rr = run(restored, second);
    if (!sameScores(ra, rr)) failures.push(`${name}: a detector restored from JSON state must score bit for bit like the original`);
    if (JSON.stringify(restored.state()) !== JSON.stringify(a.state())) failures.push(`${name}: states diverge after restore`);
    if (!sameScores(run(b, second), ra)) failures.push(`${name}: determinism broken on the second half`);
    for (const v of [Number.NaN, Infinity, -Infinity]) {
      const s = a.score({ t: probe.t + 60_000, v });
      if (s !== undefined) failures.push(`${name}: score(${v}) must be undefined`);
      a.learn({ t: probe.t + 60_000, v });
    }
    if (JSON.stringify(a.state()) !== JSON.stringify(b.state())) {
      failures.push(`${name}: learning non-finite values must leave the state unchanged`);
    }
    a.score({ t: Number.NaN, v: 1 });
    a.learn({ t: Number.NaN, v: 1 });
  } catch (error) {
    threw = error;
  }
  if (threw !== undefined) failures.push(`${name}: threw on the check series (NaN, gaps, out-of-order points): ${String(threw)}`);
  if (JSON.stringify(series) !== before) failures.push(`${name}: input points were mutated`);
  if (JSON.stringify(frozenConfig) !== JSON.stringify(config)) failures.push(`${name}: config was mutated`);
  return failures;
}

/** Bit-for-bit equality of two score lists (Object.is on every number, so NaN and −0 count). */
export function sameScores(a: readonly (DetectorScore | undefined)[], b: readonly (DetectorScore | undefined)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) {
      if (x !== y) return false;
      continue;
    }
    if (!Object.is(x.raw, y.raw) || !Object.is(x.expected, y.expected) || !Object.is(x.actual, y.actual)) return false;
    if (JSON.stringify(x.contributors) !== JSON.stringify(y.contributors)) return false;
  }
  return true;
}

/** Freezes an object and everything it holds. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
