/**
 * @module models/ring
 * A ring buffer over a plain number array, shared by the forecasters' bounded histories and error
 * rings: it grows to `capacity`, then overwrites the oldest value. `values` and `head` are plain
 * JSON, so a model's state can hold them as they are and restore the ring exactly.
 */

/** A ring buffer over a plain array: grows to `capacity`, then overwrites the oldest. */
export class Ring {
  readonly values: number[];
  head: number;
  readonly capacity: number;

  /** With saved `values` and `head`, continues exactly where that ring stopped. */
  constructor(capacity: number, values: number[] = [], head = 0) {
    this.capacity = capacity;
    this.values = values;
    this.head = head;
  }

  /** Whether `capacity` values are held (the next push overwrites the oldest). */
  get full(): boolean {
    return this.values.length >= this.capacity;
  }

  /** Adds `v`, overwriting the oldest value once full. */
  push(v: number): void {
    if (this.values.length < this.capacity) {
      this.values.push(v);
      this.head = this.values.length % this.capacity;
    } else {
      this.values[this.head] = v;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /** Value `i` in chronological order (0 = oldest). */
  at(i: number): number {
    return this.values[this.full ? (this.head + i) % this.capacity : i] as number;
  }

  /** Values oldest first. */
  ordered(): Float64Array {
    const out = new Float64Array(this.values.length);
    if (!this.full) {
      out.set(this.values);
      return out;
    }
    const tail = this.values.slice(this.head);
    out.set(tail);
    out.set(this.values.slice(0, this.head), tail.length);
    return out;
  }
}
