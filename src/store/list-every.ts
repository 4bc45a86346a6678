/**
 * @module store/list-every
 * Reads every row of a window from a list method that pages newest first (at most 10,000 rows a
 * call), for readers that need them all: the training pipeline, the loop benchmark.
 */
import type { Page } from './store.js';

/** Rows a list method returns at most in one call. */
const PAGE = 10_000;

/**
 * Every row with `fromMs ≤ at < toMs` (toMs default: no bound), newest first, by calling `list`
 * page after page. Rows at exactly a page's oldest time may straddle pages: the next page starts
 * at that millisecond again and rows already read (by id) are skipped.
 * @example await listEvery((page) => store.listFeedback(page), { fromMs: 0 })
 */
export async function listEvery<T extends { readonly id: string; readonly at: number }>(
  list: (page: Page) => Promise<T[]>,
  window: { readonly fromMs: number; readonly toMs?: number },
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let toMs = window.toMs;
  for (;;) {
    const page = await list({ fromMs: window.fromMs, ...(toMs !== undefined ? { toMs } : {}), limit: PAGE });
    const fresh = page.filter((r) => !seen.has(r.id));
    for (const r of fresh) seen.add(r.id);
    out.push(...fresh);
    if (page.length < PAGE || fresh.length === 0) return out;
    toMs = (page[page.length - 1]?.at ?? window.fromMs) + 1;
  }
}
