import { describe, expect, it } from 'vitest';
import { Ring } from './ring.js';

describe('Ring', () => {
  it('grows to its capacity, then overwrites the oldest, reading in chronological order', () => {
    const r = new Ring(3);
    r.push(1);
    r.push(2);
    expect(r.full).toBe(false);
    expect([...r.ordered()]).toEqual([1, 2]);
    expect(r.at(1)).toBe(2);
    r.push(3);
    r.push(4);
    expect(r.full).toBe(true);
    expect(r.values).toEqual([4, 2, 3]);
    expect(r.head).toBe(1);
    expect([...r.ordered()]).toEqual([2, 3, 4]);
    expect([r.at(0), r.at(1), r.at(2)]).toEqual([2, 3, 4]);
  });

  it('continues exactly from saved values and head', () => {
    const r = new Ring(3, [4, 2, 3], 1);
    r.push(5);
    expect([...r.ordered()]).toEqual([3, 4, 5]);
  });
});
