import { describe, expect, it } from 'vitest';
import { type DeltaChange, DeltaToCumulative } from './delta-to-cumulative.js';

describe('DeltaToCumulative', () => {
  it('sums contiguous deltas into a running total per stream', () => {
    const acc = new DeltaToCumulative();
    expect(acc.add('a', 0n, 10n, 5)).toEqual({ kind: 'value', total: 5 });
    expect(acc.add('a', 10n, 20n, 3)).toEqual({ kind: 'value', total: 8 });
    expect(acc.add('b', 10n, 20n, 1)).toEqual({ kind: 'value', total: 1 });
    expect(acc.add('a', 20n, 30n, 0)).toEqual({ kind: 'value', total: 8 });
    expect(acc.size).toBe(2);
  });

  it('recognises a retried point by its window and does not count it twice', () => {
    const acc = new DeltaToCumulative();
    acc.add('a', 0n, 10n, 5);
    acc.add('a', 10n, 20n, 3);
    expect(acc.add('a', 10n, 20n, 3)).toEqual({ kind: 'duplicate' });
    expect(acc.add('a', 20n, 30n, 2)).toEqual({ kind: 'value', total: 10 });
  });

  it('tells points apart by window and value: missing starts, a first window with start = end (as the JS SDK sends)', () => {
    const acc = new DeltaToCumulative();
    expect(acc.add('a', 0n, 10n, 1)).toEqual({ kind: 'value', total: 1 });
    expect(acc.add('a', 0n, 20n, 1)).toEqual({ kind: 'value', total: 2 });
    expect(acc.add('a', 0n, 20n, 1)).toEqual({ kind: 'duplicate' });
    expect(acc.add('b', 5n, 5n, 5)).toEqual({ kind: 'value', total: 5 });
    expect(acc.add('b', 5n, 60n, 3)).toEqual({ kind: 'value', total: 8 });
    expect(acc.add('b', 5n, 60n, 3)).toEqual({ kind: 'duplicate' });
    // two collections within one millisecond: same window, different values
    expect(acc.add('c', 7n, 7n, 1)).toEqual({ kind: 'value', total: 1 });
    expect(acc.add('c', 7n, 7n, 2)).toEqual({ kind: 'late' });
    expect(acc.add('c', 7n, 9n, 1)).toEqual({ kind: 'value', total: 4 });
  });

  it('adds a late point to the total without emitting it; the next value includes it', () => {
    const acc = new DeltaToCumulative();
    acc.add('a', 0n, 10n, 1);
    acc.add('a', 20n, 30n, 2);
    expect(acc.add('a', 10n, 20n, 4)).toEqual({ kind: 'late' });
    expect(acc.add('a', 30n, 40n, 1)).toEqual({ kind: 'value', total: 8 });
  });

  it('refuses a point older than every remembered window rather than risk counting it twice', () => {
    const acc = new DeltaToCumulative({ maxWindowsPerStream: 2 });
    acc.add('a', 10n, 20n, 1);
    acc.add('a', 20n, 30n, 1);
    acc.add('a', 30n, 40n, 1);
    expect(acc.add('a', 10n, 20n, 1)).toEqual({ kind: 'too_old' });
    expect(acc.add('a', 40n, 50n, 1)).toEqual({ kind: 'value', total: 4 });
  });

  it('undoes a batch exactly, so the retry of a failed batch counts once', () => {
    const acc = new DeltaToCumulative();
    acc.add('a', 0n, 10n, 0.1);
    const changes: DeltaChange[] = [];
    acc.add('a', 10n, 20n, 0.2, changes);
    acc.add('a', 20n, 30n, 0.3, changes);
    acc.add('new', 10n, 20n, 7, changes);
    acc.undo(changes);
    expect(acc.size).toBe(1);
    expect(acc.add('a', 10n, 20n, 0.2)).toEqual({ kind: 'value', total: 0.1 + 0.2 });
    expect(acc.add('new', 10n, 20n, 7)).toEqual({ kind: 'value', total: 7 });
  });

  it('evicts the least recently updated stream beyond maxStreams (it restarts from 0)', () => {
    const acc = new DeltaToCumulative({ maxStreams: 2 });
    acc.add('a', 0n, 10n, 1);
    acc.add('b', 0n, 10n, 1);
    acc.add('a', 10n, 20n, 1);
    acc.add('c', 0n, 10n, 1);
    expect(acc.size).toBe(2);
    expect(acc.add('a', 20n, 30n, 1)).toEqual({ kind: 'value', total: 3 });
    expect(acc.add('b', 10n, 20n, 1)).toEqual({ kind: 'value', total: 1 });
  });
});
