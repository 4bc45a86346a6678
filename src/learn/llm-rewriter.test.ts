import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesRecords, LEAK_CASES } from '../../test/fixtures/knowledge-fixture.js';
import type { Runbook } from '../records/types.js';
import { KnowledgeBase } from './knowledge-base.js';
import { LlmRewriter, mentionedActions, parseLlmRewriterOptions, validateRewrite } from './llm-rewriter.js';
import { clusterIncidents, draftRunbook } from './runbook.js';

const kb = KnowledgeBase.build(casesRecords(LEAK_CASES));
const DRAFT: Runbook = draftRunbook(clusterIncidents(kb)[0] as NonNullable<ReturnType<typeof clusterIncidents>[0]>, kb, {
  now: Date.UTC(2024, 5, 1),
});

/** An honest rewrite: the same sections and facts, in other words. */
const HONEST = DRAFT.markdown
  .replace('Signals seen, by share of the 3 incidents:', 'These are the signals that showed up, out of 3 incidents:')
  .replace('Confirm the root cause with the evidence that named it', 'Make sure of the root cause using the evidence')
  .replace('Check `memory_utilization` on the service', 'Look first at `memory_utilization` on the service');

type Handler = (body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = () => {};
const requests: { body: Record<string, unknown>; auth: string | undefined; url: string | undefined }[] = [];
let server: Server;
let baseUrl: string;

const answer = (res: ServerResponse, content: string): void => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'cmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString('utf8');
    });
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      requests.push({ body, auth: req.headers.authorization, url: req.url });
      handler(body, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('validateRewrite', () => {
  it('finds action kinds in any inflection', () => {
    expect(mentionedActions('We restarted it, then rolled back, scaling out and failing over; drained h1; cleaned the disk')).toEqual([
      'clean_disk',
      'drain',
      'failover',
      'restart',
      'rollback',
      'scale_out',
    ]);
    expect(mentionedActions('the draft is rolled-forward')).toEqual([]);
  });

  it('accepts the draft itself and an honest rewrite', () => {
    expect(validateRewrite(DRAFT.markdown, DRAFT.markdown)).toEqual([]);
    expect(validateRewrite(DRAFT.markdown, HONEST)).toEqual([]);
  });

  it('refuses invented actions, entity ids, numbers and lost sections', () => {
    expect(validateRewrite(DRAFT.markdown, `${HONEST}\nIf that fails, scale out the service:payments deployment.`)).toEqual([
      'actions not in the draft: scale_out',
    ]);
    expect(validateRewrite(DRAFT.markdown, `${HONEST}\nAlso check service:ledger.`)).toEqual([
      'entity ids not in the draft: service:ledger',
    ]);
    expect(validateRewrite(DRAFT.markdown, HONEST.replace('worked 2/3 (67 %', 'worked 2/3 (90 %'))).toEqual([
      'numbers not in the draft: 90',
    ]);
    expect(validateRewrite(DRAFT.markdown, HONEST.replace('## Rollback', '## Undo'))).toEqual(['section headings missing: ## Rollback']);
    expect(validateRewrite(DRAFT.markdown, '  ')).toEqual(['the answer is empty']);
  });
});

describe('LlmRewriter against a fake OpenAI-compatible server', () => {
  it('sends the draft with instructions and accepts an honest answer', async () => {
    handler = (_body, _req, res) => answer(res, `\`\`\`markdown\n${HONEST}\n\`\`\``);
    const rewriter = new LlmRewriter({ baseUrl, model: 'tiny-llm', apiKey: 'k-123', timeoutMs: 5_000 });
    const result = await rewriter.rewrite(DRAFT);
    expect(result.accepted).toBe(true);
    expect(result.runbook.generator).toBe('llm');
    expect(result.runbook.markdown).toBe(HONEST.endsWith('\n') ? HONEST : `${HONEST}\n`);
    expect(result.runbook.policyYaml).toBe(DRAFT.policyYaml);
    expect(result.reason).toContain('rewritten by tiny-llm');
    const sent = requests.at(-1);
    expect(sent?.url).toBe('/v1/chat/completions');
    expect(sent?.auth).toBe('Bearer k-123');
    expect(sent?.body.model).toBe('tiny-llm');
    const messages = sent?.body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[1]?.content).toBe(DRAFT.markdown);
  });

  it('keeps the offline draft when the answer invents an action', async () => {
    handler = (_body, _req, res) => answer(res, `${HONEST}\nIf memory stays high, fail over to the replica.`);
    const result = await new LlmRewriter({ baseUrl, model: 'tiny-llm' }).rewrite(DRAFT);
    expect(result).toEqual({
      runbook: DRAFT,
      accepted: false,
      reason: 'offline draft kept: the rewrite was refused (actions not in the draft: failover)',
    });
    expect(requests.at(-1)?.auth).toBeUndefined();
  });

  it('keeps the offline draft on HTTP 500, a malformed answer and a timeout', async () => {
    handler = (_body, _req, res) => {
      res.writeHead(500);
      res.end('boom');
    };
    const rewriter = new LlmRewriter({ baseUrl, model: 'tiny-llm', timeoutMs: 2_000 });
    expect(await rewriter.rewrite(DRAFT)).toEqual({
      runbook: DRAFT,
      accepted: false,
      reason: 'offline draft kept: the LLM server answered HTTP 500',
    });

    handler = (_body, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [] }));
    };
    expect((await rewriter.rewrite(DRAFT)).reason).toBe('offline draft kept: the LLM answer has no choices[0].message.content text');

    handler = () => {}; // never answers
    const slow = await new LlmRewriter({ baseUrl, model: 'tiny-llm', timeoutMs: 50 }).rewrite(DRAFT);
    expect(slow).toEqual({ runbook: DRAFT, accepted: false, reason: 'offline draft kept: the LLM server did not answer within 50 ms' });
  });

  it('refuses bad options with what was expected', () => {
    expect(() => parseLlmRewriterOptions({ baseUrl: 'ftp://x', model: 'm' })).toThrow(
      'llm baseUrl must be an http(s) URL like http://127.0.0.1:11434 (got "ftp://x")',
    );
    expect(() => parseLlmRewriterOptions({ baseUrl: 'not a url', model: 'm' })).toThrow(/llm baseUrl must be an http\(s\) URL/);
    expect(() => parseLlmRewriterOptions({ baseUrl: 'http://h', model: ' ' })).toThrow('llm model must be a non-empty string (got " ")');
    expect(() => parseLlmRewriterOptions({ baseUrl: 'http://h', model: 'm', timeoutMs: 0 })).toThrow(
      'llm timeoutMs must be a number > 0 (got 0)',
    );
    expect(parseLlmRewriterOptions({ baseUrl: 'http://h:1/', model: 'm' })).toEqual({
      baseUrl: 'http://h:1',
      model: 'm',
      timeoutMs: 30_000,
    });
  });
});
