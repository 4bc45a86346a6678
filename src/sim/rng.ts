/**
 * @module sim/rng
 * A small seeded pseudo-random generator for the simulator.
 *
 * Algorithm: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
 * 2018) over four 32-bit words, seeded through splitmix32 so that nearby seeds give unrelated
 * streams. Normals by the Box–Muller transform (the second value is kept for the next call),
 * Poisson by inversion with a single uniform (fine for λ ≲ 30, which is all the simulator needs),
 * exponentials by inversion. Period 2^128 − 1; not cryptographic. The whole state (four words
 * and the spare normal) is plain JSON, so a generator can be stopped and resumed exactly.
 */
import { describe, invalid } from '../errors.js';

/** The complete state of an {@link Rng}: four 32-bit words and a cached normal (or null). */
export interface RngState {
  readonly s: readonly [number, number, number, number];
  readonly spare: number | null;
}

/** splitmix32 step: returns the next 32-bit value for a 32-bit counter. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Derives an independent 32-bit seed from a seed and a stream number, so that one user seed can
 * drive several unrelated streams (topology, noise, events, faults).
 * @example mixSeed(1, 2) === mixSeed(1, 2) // true
 */
export function mixSeed(seed: number, stream: number): number {
  return splitmix32((splitmix32(seed >>> 0) ^ Math.imul(stream + 1, 0x27d4eb2d)) >>> 0);
}

/**
 * A seeded generator with the draws the simulator uses.
 * @example const r = new Rng(7); r.uniform(); r.normal(0, 1); r.int(1, 6); r.pick(['a', 'b']);
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare: number | null = null;

  /** Seeds from any safe integer. Throws `invalid_argument` for anything else. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw invalid(`Rng seed must be a safe integer (got ${describe(seed)})`);
    let x = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    x = splitmix32(x);
    this.#s0 = x;
    x = splitmix32(x);
    this.#s1 = x;
    x = splitmix32(x);
    this.#s2 = x;
    x = splitmix32(x);
    this.#s3 = x;
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** Rebuilds a generator from {@link Rng.state}; the restored stream continues identically. */
  static fromState(state: RngState): Rng {
    const words = state?.s;
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
      throw invalid(`Rng state must have s: four unsigned 32-bit integers (got ${describe(state)})`);
    }
    if (state.spare !== null && !Number.isFinite(state.spare)) {
      throw invalid(`Rng state spare must be a finite number or null (got ${describe(state.spare)})`);
    }
    const r = new Rng(0);
    [r.#s0, r.#s1, r.#s2, r.#s3] = words.map((w) => w | 0) as [number, number, number, number];
    r.#spare = state.spare;
    return r;
  }

  /** The current state as plain JSON. */
  state(): RngState {
    return { s: [this.#s0 >>> 0, this.#s1 >>> 0, this.#s2 >>> 0, this.#s3 >>> 0], spare: this.#spare };
  }

  /** Next raw 32-bit unsigned value. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** Uniform in [min, max); default [0, 1). */
  uniform(min = 0, max = 1): number {
    return min + (max - min) * (this.nextUint32() / 4294967296);
  }

  /** Normal with the given mean and standard deviation (Box–Muller). */
  normal(mean = 0, sd = 1): number {
    if (this.#spare !== null) {
      const z = this.#spare;
      this.#spare = null;
      return mean + sd * z;
    }
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.#spare = r * Math.sin(2 * Math.PI * u2);
    return mean + sd * r * Math.cos(2 * Math.PI * u2);
  }

  /** Integer uniform in [min, max], both inclusive. Throws when max < min or either is not an integer. */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw invalid(`Rng.int expects integers min <= max (got ${describe(min)}, ${describe(max)})`);
    }
    return min + Math.floor(this.uniform() * (max - min + 1));
  }

  /** One element of a non-empty array, uniformly. Throws on an empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw invalid('Rng.pick expects a non-empty array (got an array of 0)');
    return items[Math.floor(this.uniform() * items.length)] as T;
  }

  /** Exponential with the given mean (> 0), by inversion. */
  exponential(mean: number): number {
    if (!(mean > 0)) throw invalid(`Rng.exponential expects mean > 0 (got ${describe(mean)})`);
    return -mean * Math.log(1 - this.uniform());
  }

  /** Poisson count with mean `lambda` (≥ 0; capped at 50), by inversion from one uniform. */
  poisson(lambda: number): number {
    return poissonInverse(this.uniform(), lambda);
  }

  /** In-place Fisher–Yates shuffle; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

/**
 * Poisson count with mean `lambda` for a given uniform `u` in [0, 1), by inversion of the CDF
 * (λ clamped to [0, 50]); one uniform per count keeps the number of draws fixed.
 * @example poissonInverse(0.1, 2) // 0 (P(0) = e^-2 ≈ 0.135 > 0.1)
 */
export function poissonInverse(u: number, lambda: number): number {
  const l = Math.min(Math.max(lambda, 0), 50);
  let p = Math.exp(-l);
  let f = p;
  let k = 0;
  while (u > f && k < 200) {
    k++;
    p *= l / k;
    f += p;
  }
  return k;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
