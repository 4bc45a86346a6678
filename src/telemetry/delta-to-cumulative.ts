/**
 * @module telemetry/delta-to-cumulative
 * Turns OTLP DELTA points (each the change over its own window `(start, time]`) into the running
 * total Homeostat stores, as Prometheus counters are. One stream per series identity (metric name
 * plus labels); within a stream a point is known by its window (start and end time) and value, so a
 * retried export (identical by definition) is recognised and not counted twice, and a point that
 * arrives after a newer one is still added to the total (it shows in the next emitted value:
 * nothing is lost). The start alone is not enough: the OpenTelemetry JS SDK, whose times have
 * millisecond resolution, sends a first window with start = end and a second one with the same
 * start. Two distinct points with the same window and value cannot be told from a retry and are
 * counted once. Changes can be undone when the batch they belong to could not be stored, so the sender's
 * retry counts them once.
 *
 * Limits: state is in memory; after a restart, or when a stream is evicted (least recently
 * updated first, beyond `maxStreams`), the total restarts from 0 — to readers a counter reset.
 * Only the last `maxWindowsPerStream` windows are remembered: an even older point that is not
 * recognised is refused (`too_old`) rather than risk counting it twice.
 */

/** What {@link DeltaToCumulative.add} did with a delta point. */
export type DeltaOutcome =
  /** Added; `total` is the cumulative value to emit at the point's time. */
  | { readonly kind: 'value'; readonly total: number }
  /** Already counted (same stream, window and value): nothing to emit. */
  | { readonly kind: 'duplicate' }
  /** Added to the total, but older than the newest point: nothing emitted now, the next value includes it. */
  | { readonly kind: 'late' }
  /** Older than every window still remembered and not recognised: refused. */
  | { readonly kind: 'too_old' };

/** One change made by {@link DeltaToCumulative.add}, enough to undo it exactly. */
export interface DeltaChange {
  readonly key: string;
  readonly windowId: string;
  readonly prevTotal: number;
  readonly prevLastNs: bigint;
  readonly created: boolean;
}

/** Options of {@link DeltaToCumulative}. */
export interface DeltaToCumulativeOptions {
  /** Streams kept; the least recently updated is dropped beyond this (default 100 000). */
  readonly maxStreams?: number;
  /** Windows remembered per stream to recognise retries (default 256). */
  readonly maxWindowsPerStream?: number;
}

interface Stream {
  total: number;
  lastNs: bigint;
  readonly windows: Set<string>;
  /** Remembered windows, oldest first, with their end times. */
  readonly order: { readonly id: string; readonly timeNs: bigint }[];
}

/**
 * The running totals of delta streams. Held by the OTLP route for the life of the process.
 * @example
 * const acc = new DeltaToCumulative();
 * acc.add('requests{}', 0n, 10n, 5); // { kind: 'value', total: 5 }
 * acc.add('requests{}', 10n, 20n, 3); // { kind: 'value', total: 8 }
 * acc.add('requests{}', 10n, 20n, 3); // { kind: 'duplicate' } — a retry
 */
export class DeltaToCumulative {
  readonly #streams = new Map<string, Stream>();
  readonly #maxStreams: number;
  readonly #maxWindows: number;

  constructor(options: DeltaToCumulativeOptions = {}) {
    this.#maxStreams = options.maxStreams ?? 100_000;
    this.#maxWindows = options.maxWindowsPerStream ?? 256;
  }

  /** Number of streams held. */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * Adds the delta `value` of the window `(startNs, timeNs]` to stream `key`. When `changes` is
   * given, the change is appended to it so that {@link DeltaToCumulative.undo} can reverse it.
   */
  add(key: string, startNs: bigint, timeNs: bigint, value: number, changes?: DeltaChange[]): DeltaOutcome {
    let stream = this.#streams.get(key);
    const created = stream === undefined;
    if (stream === undefined) {
      stream = { total: 0, lastNs: -1n, windows: new Set(), order: [] };
    } else {
      this.#streams.delete(key);
    }
    this.#streams.set(key, stream);
    const windowId = `${startNs}:${timeNs}:${value}`;
    if (stream.windows.has(windowId)) return { kind: 'duplicate' };
    const oldest = stream.order[0];
    if (timeNs <= stream.lastNs && stream.order.length >= this.#maxWindows && oldest !== undefined && timeNs < oldest.timeNs) {
      if (created) this.#streams.delete(key);
      return { kind: 'too_old' };
    }
    changes?.push({ key, windowId, prevTotal: stream.total, prevLastNs: stream.lastNs, created });
    stream.windows.add(windowId);
    stream.order.push({ id: windowId, timeNs });
    if (stream.order.length > this.#maxWindows) stream.windows.delete((stream.order.shift() as { id: string }).id);
    stream.total += value;
    if (created) this.#evict();
    if (timeNs > stream.lastNs) {
      stream.lastNs = timeNs;
      return { kind: 'value', total: stream.total };
    }
    return { kind: 'late' };
  }

  /** Reverses `changes` (newest first), restoring totals exactly; streams evicted since are skipped. */
  undo(changes: readonly DeltaChange[]): void {
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i] as DeltaChange;
      const stream = this.#streams.get(c.key);
      if (stream === undefined) continue;
      if (c.created) {
        this.#streams.delete(c.key);
        continue;
      }
      stream.total = c.prevTotal;
      stream.lastNs = c.prevLastNs;
      stream.windows.delete(c.windowId);
      const at = stream.order.findLastIndex((w) => w.id === c.windowId);
      if (at >= 0) stream.order.splice(at, 1);
    }
  }

  #evict(): void {
    while (this.#streams.size > this.#maxStreams) {
      const oldest = this.#streams.keys().next().value as string;
      this.#streams.delete(oldest);
    }
  }
}
