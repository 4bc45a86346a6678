/**
 * @module clock
 * Time as a port: pure domains never read the wall clock, they are handed a {@link Clock}.
 */

/** A source of the current time in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to; the simulator and tests drive it.
 * @example const c = new ManualClock(0); c.advance(60_000); c.now() // 60000
 */
export class ManualClock implements Clock {
  #t: number;
  constructor(startMs: number) {
    this.#t = startMs;
  }
  now(): number {
    return this.#t;
  }
  /** Moves time forward by `ms` (must be ≥ 0). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance expects ms >= 0 (got ${ms})`);
    this.#t += ms;
  }
  /** Sets the time; it may not go backwards. */
  set(t: number): void {
    if (t < this.#t) throw new RangeError(`clock cannot go backwards (now ${this.#t}, got ${t})`);
    this.#t = t;
  }
}
