/**
 * @module notify/http-delivery
 * One HTTP attempt with a timeout, classified for retrying: 2xx is delivered; 408, 429 and 5xx,
 * network errors and timeouts may be retried (honouring `Retry-After`); any other status is final.
 */
import { describe, invalid } from '../errors.js';
import type { Delivery } from './types.js';

/** One request to make. */
export interface HttpRequest {
  readonly method: 'POST' | 'GET';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * Makes one request and classifies the answer. Never throws.
 * @param timeoutMs time allowed for the whole exchange, body included (ms).
 * @param now wall time used to read an HTTP-date `Retry-After` (epoch ms).
 */
export async function attempt(fetchFn: typeof fetch, req: HttpRequest, timeoutMs: number, now: number): Promise<Delivery> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const where = whereOf(req.url);
  try {
    const res = await fetchFn(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: controller.signal,
    });
    const body = await res.text();
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, body };
    const retry = res.status === 408 || res.status === 429 || res.status >= 500;
    const retryAfterMs = retryAfter(res.headers.get('retry-after'), now);
    const said = body.trim().slice(0, 500);
    return {
      ok: false,
      retry,
      status: res.status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      error: `${req.method} ${where}: HTTP ${res.status}${said ? `: ${said}` : ''}`,
    };
  } catch (err) {
    if (controller.signal.aborted) return { ok: false, retry: true, error: `${req.method} ${where}: no answer within ${timeoutMs} ms` };
    return { ok: false, retry: true, error: `${req.method} ${where} failed: ${causeOf(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** `Retry-After` as ms from `now`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Checks an absolute http(s) URL and returns it normalised; `what` names the setting in the error.
 * @throws HomeostatError invalid_argument for anything else.
 */
export function httpUrl(value: unknown, what: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalid(`${what} must be an absolute http(s) URL (got ${describe(value)})`);
  }
  if (typeof value !== 'string' || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw invalid(`${what} must be an absolute http(s) URL (got ${describe(value)})`);
  }
  return url.href;
}

/** Joins a base URL and a path without doubling or losing the slash between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function whereOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url;
  }
}

function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}
