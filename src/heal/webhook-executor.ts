/**
 * @module heal/webhook-executor
 * Carries out actions by POSTing them to a URL: the generic way to plug Homeostat into an
 * existing automation (Rundeck, StackStorm, a CI job, a small script).
 *
 * Request: `POST url`, `Content-Type: application/json`, body `{"action": Action, "dryRun": bool}`;
 * with a secret, `X-Homeostat-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (the scheme
 * GitHub webhooks use). A 2xx answer is success, its optional JSON `{"message": "..."}` is kept.
 */
import { describe, invalid } from '../errors.js';
import type { Action, ActionKind, Outcome } from '../records/types.js';
import { ACTION_KINDS } from '../records/types.js';
import type { Executor, Plan } from './executor.js';
import { hmacSha256 } from '../notify/signed-webhook.js';

/** Options of {@link WebhookExecutor}. */
export interface WebhookExecutorOptions {
  /** http(s) URL the actions are POSTed to. */
  readonly url: string;
  /** Shared secret for the HMAC signature header; no header without it. */
  readonly secret?: string;
  /** Time allowed for the whole exchange (ms, > 0). Default 5000. */
  readonly timeoutMs?: number;
  /** Action kinds the endpoint handles. Default: all. */
  readonly actions?: readonly ActionKind[];
  /** Name under which an {@link ExecutorSet} finds it (`Action.executor`). Default `webhook`. */
  readonly name?: string;
  /** Injected fetch, for tests. Default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** Name of the signature header. */
export const SIGNATURE_HEADER = 'X-Homeostat-Signature';

/**
 * Executor that POSTs actions to a webhook. Never throws from `dryRun`/`execute`: a non-2xx
 * answer, a timeout or a network error is an outcome with `ok: false` and the reason. The
 * constructor throws `invalid_argument` for a URL that is not http(s) or a bad timeout.
 * @example new WebhookExecutor({ url: 'https://ops.example/heal', secret: 's3cret' }).dryRun(action)
 */
export class WebhookExecutor implements Executor {
  readonly kind: string;
  readonly #url: string;
  readonly #where: string;
  readonly #secret: string | undefined;
  readonly #timeoutMs: number;
  readonly #actions: ReadonlySet<ActionKind>;
  readonly #fetch: typeof fetch;

  constructor(options: WebhookExecutorOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw invalid(`webhook url must be an absolute http(s) URL (got ${describe(options.url)})`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid(`webhook url must use http or https (got ${describe(url.protocol)})`);
    }
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalid(`webhook timeoutMs must be a number > 0 (got ${describe(timeoutMs)})`);
    for (const k of options.actions ?? []) {
      if (!ACTION_KINDS.includes(k))
        throw invalid(`webhook actions must be action kinds (${ACTION_KINDS.join(', ')}) (got ${describe(k)})`);
    }
    this.kind = options.name ?? 'webhook';
    this.#url = url.href;
    this.#where = `${url.origin}${url.pathname}`;
    this.#secret = options.secret;
    this.#timeoutMs = timeoutMs;
    this.#actions = new Set(options.actions ?? ACTION_KINDS);
    this.#fetch = options.fetch ?? fetch;
  }

  supports(kind: ActionKind): boolean {
    return this.#actions.has(kind);
  }

  plan(action: Action): Plan {
    return {
      steps: [`POST ${action.kind} of ${action.target} to ${this.#where}`, 'the receiver carries it out'],
      blastRadius: [action.target],
    };
  }

  dryRun(action: Action): Promise<Outcome> {
    return this.#post(action, true);
  }

  execute(action: Action): Promise<Outcome> {
    return this.#post(action, false);
  }

  async #post(action: Action, dryRun: boolean): Promise<Outcome> {
    const body = JSON.stringify({ action, dryRun });
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.#secret !== undefined) {
      headers[SIGNATURE_HEADER] = `sha256=${hmacSha256(this.#secret, body).toString('hex')}`;
    }
    const what = `${dryRun ? 'dry run of ' : ''}${action.kind} on ${action.target}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    try {
      const res = await this.#fetch(this.#url, { method: 'POST', headers, body, signal: controller.signal });
      const text = await res.text();
      const message = messageFrom(text);
      if (res.status >= 200 && res.status < 300) {
        return { ok: true, message: message ?? `webhook accepted ${what} (HTTP ${res.status})`, details: { status: res.status } };
      }
      const said = message ?? text.slice(0, 200);
      return {
        ok: false,
        message: `webhook refused ${what}: HTTP ${res.status}${said ? `: ${said}` : ''}`,
        details: { status: res.status },
      };
    } catch (err) {
      if (controller.signal.aborted) {
        return {
          ok: false,
          message: `webhook ${this.#where} did not answer ${what} within ${this.#timeoutMs} ms`,
          details: { timeout: true },
        };
      }
      return { ok: false, message: `webhook request for ${what} to ${this.#where} failed: ${causeOf(err)}` };
    } finally {
      clearTimeout(timer);
    }
  }
}

function messageFrom(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string') {
      return (parsed as { message: string }).message;
    }
  } catch {
    // not JSON: the caller falls back to the raw text
  }
  return undefined;
}

function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}
