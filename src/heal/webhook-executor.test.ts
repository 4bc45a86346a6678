import { createHmac } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import type { Action } from '../records/types.js';
import { WebhookExecutor } from './webhook-executor.js';

const action: Action = {
  id: 'act-7',
  incidentId: 'inc-3',
  kind: 'rollback',
  target: 'service:payment',
  params: {},
  executor: 'webhook',
  status: 'proposed',
  dryRun: false,
  reason: 'errors after deploy',
  policy: 'rollback-bad-deploy',
  proposedAt: 1_700_000_000_000,
};

interface Received {
  method: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** Starts a server on 127.0.0.1:0 that records requests and answers with `respond`. */
async function serve(respond: (req: Received, res: ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      respond(r, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/heal`, received };
}

describe('WebhookExecutor', () => {
  it('POSTs the action as signed JSON and reads the message of a 2xx answer', async () => {
    const { url, received } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'rolled back payment to v41' }));
    });
    const ex = new WebhookExecutor({ url, secret: 's3cret' });
    const outcome = await ex.execute(action);
    expect(outcome).toEqual({ ok: true, message: 'rolled back payment to v41', details: { status: 200 } });
    expect(received).toHaveLength(1);
    const req = received[0] as Received;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ action, dryRun: false });
    const expected = `sha256=${createHmac('sha256', 's3cret').update(req.body).digest('hex')}`;
    expect(req.headers['x-homeostat-signature']).toBe(expected);
  });

  it('sends dryRun true for a dry run and no signature without a secret', async () => {
    const { url, received } = await serve((_req, res) => {
      res.writeHead(202);
      res.end();
    });
    const outcome = await new WebhookExecutor({ url }).dryRun(action);
    expect(outcome).toEqual({
      ok: true,
      message: 'webhook accepted dry run of rollback on service:payment (HTTP 202)',
      details: { status: 202 },
    });
    expect(JSON.parse(received[0]?.body ?? '{}').dryRun).toBe(true);
    expect(received[0]?.headers['x-homeostat-signature']).toBeUndefined();
  });

  it('turns a non-2xx answer into a failed outcome', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'a rollout is already in progress' }));
    });
    expect(await new WebhookExecutor({ url }).execute(action)).toEqual({
      ok: false,
      message: 'webhook refused rollback on service:payment: HTTP 409: a rollout is already in progress',
      details: { status: 409 },
    });
  });

  it('times out on a silent endpoint without throwing', async () => {
    const { url } = await serve(() => {
      // never answers; the test's afterEach closes the connection
    });
    const outcome = await new WebhookExecutor({ url, timeoutMs: 50 }).execute(action);
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toBe(`webhook ${url} did not answer rollback on service:payment within 50 ms`);
    expect(outcome.details).toEqual({ timeout: true });
  });

  it('reports a refused connection as a failed outcome', async () => {
    const { url } = await serve((_req, res) => res.end());
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    const outcome = await new WebhookExecutor({ url, timeoutMs: 2000 }).execute(action);
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(
      /^webhook request for rollback on service:payment to http:\/\/127\.0\.0\.1:\d+\/heal failed: fetch failed/,
    );
  });

  it('limits the action kinds it supports and plans without side effects', () => {
    const ex = new WebhookExecutor({ url: 'https://ops.example/heal?token=x', actions: ['rollback', 'restart'], name: 'ops' });
    expect(ex.kind).toBe('ops');
    expect(ex.supports('rollback')).toBe(true);
    expect(ex.supports('drain')).toBe(false);
    expect(ex.plan(action)).toEqual({
      steps: ['POST rollback of service:payment to https://ops.example/heal', 'the receiver carries it out'],
      blastRadius: ['service:payment'],
    });
  });

  it('rejects bad options with a clear message', () => {
    expect(() => new WebhookExecutor({ url: 'ops.example/heal' })).toThrow(HomeostatError);
    expect(() => new WebhookExecutor({ url: 'ops.example/heal' })).toThrow(
      'webhook url must be an absolute http(s) URL (got "ops.example/heal")',
    );
    expect(() => new WebhookExecutor({ url: 'ftp://ops.example/' })).toThrow('webhook url must use http or https (got "ftp:")');
    expect(() => new WebhookExecutor({ url: 'http://x/', timeoutMs: 0 })).toThrow('webhook timeoutMs must be a number > 0 (got 0)');
  });
});
