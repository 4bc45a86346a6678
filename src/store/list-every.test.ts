import { describe, expect, it } from 'vitest';
import { listEvery } from './list-every.js';
import type { Page } from './store.js';

/** A list method over `rows` as the stores page: newest first, fromMs ≤ at < toMs, at most `limit`. */
function lister(rows: readonly { id: string; at: number }[]) {
  const calls: Page[] = [];
  const list = async (page: Page) => {
    calls.push(page);
    return rows
      .filter((r) => r.at >= (page.fromMs ?? 0) && r.at < (page.toMs ?? Number.POSITIVE_INFINITY))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .slice(0, page.limit ?? 100);
  };
  return { list, calls };
}

describe('listEvery', () => {
  it('reads every row across pages, once each, when rows of one millisecond straddle a page boundary', async () => {
    // 25,000 rows; the 50 around the first page's end share one millisecond.
    const rows = Array.from({ length: 25_000 }, (_, i) => ({ id: `r${i}`, at: i >= 14_975 && i < 15_025 ? 15_000 : i }));
    const { list, calls } = lister(rows);
    const all = await listEvery(list, { fromMs: 0 });
    expect(all).toHaveLength(25_000);
    expect(new Set(all.map((r) => r.id)).size).toBe(25_000);
    expect(calls.length).toBe(3);
    expect(calls[1]).toEqual({ fromMs: 0, toMs: 15_001, limit: 10_000 });
  });

  it('keeps to the window and stops after a short page', async () => {
    const { list, calls } = lister(Array.from({ length: 30 }, (_, i) => ({ id: `r${i}`, at: i })));
    expect((await listEvery(list, { fromMs: 10, toMs: 20 })).map((r) => r.at)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
    expect(calls).toEqual([{ fromMs: 10, toMs: 20, limit: 10_000 }]);
  });
});
