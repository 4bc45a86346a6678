/**
 * @module learn/llm-rewriter
 * Optional prose rewriting of an offline runbook draft by a language model speaking the
 * OpenAI-compatible chat completions API (llama.cpp server, Ollama, vLLM or a hosted provider),
 * with a check that the answer invents nothing.
 *
 * Algorithm: `POST {baseUrl}/v1/chat/completions` with the draft Markdown and instructions to
 * rewrite the prose only (temperature 0). The answer is accepted only when (1) it keeps every
 * `## ` section heading of the draft, (2) every action kind it mentions (`restart`, `scale out`,
 * `fail over`, `rolled back` …, in any inflection) is mentioned in the draft, (3) every entity id
 * (`<kind>:<name>`) it contains is in the draft, and (4) every number it contains (counts, rates,
 * minutes, times) is a number of the draft. Otherwise, and on any HTTP error, timeout or malformed
 * answer, the offline draft is kept and the reason returned. Only the Markdown is rewritten; the
 * policy rule stays the offline one.
 *
 * Works as a guard against invented actions, entities and figures. Fails open on meaning: a model
 * can still reorder or drop advice, or change a qualitative claim ("usually" for "rarely") with the
 * same words and numbers; a person reviews every draft before approval for that reason.
 *
 * Reference: OpenAI API reference, "Create chat completion" (`/v1/chat/completions`), as served by
 * llama.cpp's server and Ollama's OpenAI compatibility layer.
 */
import { describe, invalid } from '../errors.js';
import type { Runbook } from '../records/types.js';
import { ENTITY_KINDS } from '../twin/types.js';

/** Configuration of {@link LlmRewriter}. */
export interface LlmRewriterOptions {
  /** Server root, e.g. `http://127.0.0.1:11434` (the path `/v1/chat/completions` is appended). */
  readonly baseUrl: string;
  /** Model name the server knows, e.g. `llama3.1:8b`. */
  readonly model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  readonly apiKey?: string;
  /** Give up after this long (ms). Default 30 000. */
  readonly timeoutMs?: number;
}

/** The result of a rewrite: the runbook to keep and why. */
export interface RewriteResult {
  readonly runbook: Runbook;
  /** True when the LLM's text was accepted (generator `llm`). */
  readonly accepted: boolean;
  /** Why it was accepted or refused, in words. */
  readonly reason: string;
}

/** Anything that can rewrite a runbook draft (the LLM rewriter, or a test double). */
export interface RunbookRewriter {
  rewrite(runbook: Runbook): Promise<RewriteResult>;
}

/** The instructions sent with every draft. */
export const REWRITE_INSTRUCTIONS = [
  'You edit operations runbooks. Rewrite the Markdown runbook the user sends into clear, concise prose for an on-call engineer.',
  'Rules: keep every "## " section heading exactly; keep every action, entity id, count, percentage, interval and time exactly as written;',
  'do not add any action, entity, number or step that is not in the draft; do not remove the success rates.',
  'Answer with the Markdown runbook only, no preamble.',
].join(' ');

const DEFAULT_TIMEOUT_MS = 30_000;

/** How each action kind may be written in prose (verb forms, spaces or hyphens). */
const ACTION_PATTERNS: readonly (readonly [string, RegExp])[] = [
  ['restart', /\brestart(?:s|ed|ing)?\b/gi],
  ['rollback', /\broll(?:s|ed|ing)?[\s_-]?backs?\b/gi],
  ['scale_out', /\bscal(?:e|es|ed|ing)[\s_-]?out\b/gi],
  ['clean_disk', /\bclean(?:s|ed|ing)?[\s_-]?(?:the\s)?disks?\b/gi],
  ['drain', /\bdrain(?:s|ed|ing)?\b/gi],
  ['failover', /\bfail(?:s|ed|ing)?[\s_-]?overs?\b/gi],
];
const ENTITY_ID = new RegExp(`\\b(?:${ENTITY_KINDS.join('|')}):[A-Za-z0-9_.\\-]*[A-Za-z0-9_]`, 'g');
const NUMBER = /\d+(?:\.\d+)?/g;

/** The action kinds a text mentions, sorted. */
export function mentionedActions(text: string): string[] {
  return ACTION_PATTERNS.filter(([, re]) => new RegExp(re.source, re.flags).test(text))
    .map(([kind]) => kind)
    .sort();
}

/**
 * Checks an LLM's rewrite against the draft it was given; returns the reasons it must be refused
 * (empty when it may be accepted). Numbers are compared by value (`05` = `5`, `80.0` = `80`).
 */
export function validateRewrite(draft: string, answer: string): string[] {
  const reasons: string[] = [];
  if (answer.trim() === '') return ['the answer is empty'];
  const headings = (text: string): string[] =>
    text
      .split('\n')
      .filter((l) => /^##\s/.test(l))
      .map((l) => l.trim());
  const answerHeadings = new Set(headings(answer));
  const lost = headings(draft).filter((h) => !answerHeadings.has(h));
  if (lost.length > 0) reasons.push(`section headings missing: ${lost.join('; ')}`);
  const draftActions = new Set(mentionedActions(draft));
  const invented = mentionedActions(answer).filter((a) => !draftActions.has(a));
  if (invented.length > 0) reasons.push(`actions not in the draft: ${invented.join(', ')}`);
  const draftIds = new Set(draft.match(ENTITY_ID) ?? []);
  const ids = [...new Set(answer.match(ENTITY_ID) ?? [])].filter((id) => !draftIds.has(id));
  if (ids.length > 0) reasons.push(`entity ids not in the draft: ${ids.sort().join(', ')}`);
  const draftNumbers = new Set((draft.match(NUMBER) ?? []).map(Number));
  const numbers = [...new Set((answer.match(NUMBER) ?? []).map(Number))].filter((x) => !draftNumbers.has(x));
  if (numbers.length > 0) reasons.push(`numbers not in the draft: ${numbers.sort((a, b) => a - b).join(', ')}`);
  return reasons;
}

/**
 * Checks the options of {@link LlmRewriter}.
 * Throws `invalid_argument` for a base URL that is not http(s), an empty model or a bad timeout.
 */
export function parseLlmRewriterOptions(input: LlmRewriterOptions): Required<Omit<LlmRewriterOptions, 'apiKey'>> & { apiKey?: string } {
  let url: URL;
  try {
    url = new URL(input.baseUrl);
  } catch {
    throw invalid(`llm baseUrl must be an http(s) URL like http://127.0.0.1:11434 (got ${describe(input.baseUrl)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`llm baseUrl must be an http(s) URL like http://127.0.0.1:11434 (got ${describe(input.baseUrl)})`);
  }
  if (typeof input.model !== 'string' || input.model.trim() === '')
    throw invalid(`llm model must be a non-empty string (got ${describe(input.model)})`);
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalid(`llm timeoutMs must be a number > 0 (got ${describe(timeoutMs)})`);
  return {
    baseUrl: input.baseUrl.replace(/\/+$/, ''),
    model: input.model,
    timeoutMs,
    ...(input.apiKey !== undefined && input.apiKey !== '' ? { apiKey: input.apiKey } : {}),
  };
}

/**
 * Rewrites runbook drafts through an OpenAI-compatible chat completions server, keeping the
 * offline draft whenever the answer fails {@link validateRewrite} or the call fails. Never throws
 * for a server's misbehaviour: the reason is in the result.
 */
export class LlmRewriter implements RunbookRewriter {
  readonly #options: ReturnType<typeof parseLlmRewriterOptions>;

  /** Throws `invalid_argument` on bad options (see {@link parseLlmRewriterOptions}). */
  constructor(options: LlmRewriterOptions) {
    this.#options = parseLlmRewriterOptions(options);
  }

  /** Asks the model to rewrite the runbook's Markdown; generator `llm` only when the answer is accepted. */
  async rewrite(runbook: Runbook): Promise<RewriteResult> {
    const { baseUrl, model, apiKey, timeoutMs } = this.#options;
    const keep = (reason: string): RewriteResult => ({ runbook, accepted: false, reason: `offline draft kept: ${reason}` });
    let answer: string;
    try {
      const res = await fetch(`${baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey !== undefined ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({
          model,
          temperature: 0,
          messages: [
            { role: 'system', content: REWRITE_INSTRUCTIONS },
            { role: 'user', content: runbook.markdown },
          ],
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) return keep(`the LLM server answered HTTP ${res.status}`);
      const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
      const content = body?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') return keep('the LLM answer has no choices[0].message.content text');
      answer = unfence(content);
    } catch (err) {
      const e = err as Error;
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return keep(`the LLM server did not answer within ${timeoutMs} ms`);
      return keep(`the LLM call failed: ${e.message}`);
    }
    const reasons = validateRewrite(runbook.markdown, answer);
    if (reasons.length > 0) return keep(`the rewrite was refused (${reasons.join('; ')})`);
    return {
      runbook: { ...runbook, markdown: answer.endsWith('\n') ? answer : `${answer}\n`, generator: 'llm' },
      accepted: true,
      reason: `rewritten by ${model}: every heading, action, entity id and number checked against the draft`,
    };
  }
}

/** Strips one enclosing ``` fence (```markdown … ```) that chat models like to add. */
function unfence(text: string): string {
  const m = /^\s*```[a-zA-Z]*\n([\s\S]*?)\n```\s*$/.exec(text);
  return (m ? (m[1] as string) : text).trim();
}
