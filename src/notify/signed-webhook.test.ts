import { afterEach, describe, expect, it } from 'vitest';
import { type HttpReceiver, startReceiver } from '../../test/fixtures/http-receiver.js';
import type { EngineEvent } from '../bus/events.js';
import { HomeostatError } from '../errors.js';
import { eventPattern, parseWebhookSecret, SignedWebhook, signWebhook, verifyWebhookSignature } from './signed-webhook.js';

// The test vector of the Standard Webhooks reference libraries ("sign function works").
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SPEC_TS = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const receivers: HttpReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const opened: EngineEvent = {
  type: 'incident.opened',
  entity: 'service:checkout',
  incident: {
    id: 'inc-1',
    title: 'latency_p99_ms high on service:checkout',
    status: 'open',
    severity: 'medium',
    openedAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    entities: ['service:checkout'],
    anomalyIds: ['an-1'],
    predictionIds: [],
    hypotheses: [],
  },
};

describe('signWebhook / verifyWebhookSignature', () => {
  it('reproduces the specification test vector', () => {
    expect(signWebhook(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY)).toBe(SPEC_SIGNATURE);
  });

  it('accepts the vector within the tolerance and names what is wrong otherwise', () => {
    const headers = { 'webhook-id': SPEC_ID, 'webhook-timestamp': String(SPEC_TS), 'webhook-signature': SPEC_SIGNATURE };
    const now = SPEC_TS * 1000 + 60_000;
    expect(verifyWebhookSignature({ secret: SPEC_SECRET, headers, body: SPEC_BODY, now })).toEqual({
      ok: true,
      id: SPEC_ID,
      timestamp: SPEC_TS,
    });
    expect(verifyWebhookSignature({ secret: SPEC_SECRET, headers, body: '{"test": 2432232315}', now })).toEqual({
      ok: false,
      reason: 'no v1 signature matches',
    });
    const late = verifyWebhookSignature({ secret: SPEC_SECRET, headers, body: SPEC_BODY, now: SPEC_TS * 1000 + 301_000 });
    expect(late).toEqual({ ok: false, reason: 'webhook-timestamp 1614265330 is more than 300000 ms away from now' });
    const { 'webhook-id': _, ...noId } = headers;
    expect(verifyWebhookSignature({ secret: SPEC_SECRET, headers: noId, body: SPEC_BODY, now }).ok).toBe(false);
  });

  it('accepts any one matching signature of a space-separated list (key rotation)', () => {
    const headers = new Headers({
      'webhook-id': SPEC_ID,
      'webhook-timestamp': String(SPEC_TS),
      'webhook-signature': `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,xyz ${SPEC_SIGNATURE}`,
    });
    expect(verifyWebhookSignature({ secret: SPEC_SECRET, headers, body: SPEC_BODY, now: SPEC_TS * 1000 }).ok).toBe(true);
  });

  it('rejects secrets that are not whsec_ base64 of 24 to 64 bytes', () => {
    expect(parseWebhookSecret(SPEC_SECRET).length).toBe(24);
    expect(() => parseWebhookSecret('s3cret')).toThrow(HomeostatError);
    expect(() => parseWebhookSecret('s3cret')).toThrow(/must be "whsec_" followed by base64/);
    expect(() => parseWebhookSecret(`whsec_${Buffer.alloc(8).toString('base64')}`)).toThrow(/24 to 64 bytes \(got 8\)/);
  });
});

describe('eventPattern', () => {
  it('widens two-token event types to every entity', () => {
    expect(eventPattern('incident.opened')).toBe('incident.opened.>');
    expect(eventPattern('incident.*')).toBe('incident.*.>');
    expect(eventPattern('incident.>')).toBe('incident.>');
    expect(eventPattern('anomaly.raised.host:h1')).toBe('anomaly.raised.host:h1');
  });
});

describe('SignedWebhook', () => {
  it('POSTs the event JSON with Standard Webhooks headers that verify', async () => {
    const rx = await startReceiver(() => ({ status: 204 }));
    receivers.push(rx);
    const hook = new SignedWebhook({ url: `${rx.url}/hooks/homeostat`, secret: SPEC_SECRET, events: ['incident.opened'] });
    expect(hook.patterns).toEqual(['incident.opened.>']);
    const anomaly: EngineEvent = {
      type: 'change.recorded',
      entity: 'service:checkout',
      event: { id: 'c1', at: 1, entityId: 'service:checkout', kind: 'deploy', detail: 'v2' },
    };
    expect(hook.messagesFor(anomaly)).toEqual([]);
    const [m] = hook.messagesFor(opened);
    if (m === undefined) throw new Error('expected one message');
    const now = 1_700_000_123_456;
    const res = await hook.send(m, now);
    expect(res).toEqual({ ok: true, status: 204, body: '' });
    expect(rx.received).toHaveLength(1);
    const req = rx.received[0];
    if (req === undefined) throw new Error('no request');
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hooks/homeostat');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{27}$/);
    expect(req.headers['webhook-timestamp']).toBe('1700000123');
    expect(JSON.parse(req.body)).toEqual(opened);
    expect(verifyWebhookSignature({ secret: SPEC_SECRET, headers: req.headers, body: req.body, now: now + 1000 }).ok).toBe(true);
    // The id is derived from the event: the same on a retry, different for another event.
    expect(hook.messagesFor(opened)[0]?.dedupKey).toBe(req.headers['webhook-id']);
  });

  it('refuses bad patterns and URLs at construction', () => {
    expect(() => new SignedWebhook({ url: 'ftp://x', secret: SPEC_SECRET, events: ['incident.>'] })).toThrow(/absolute http\(s\) URL/);
    expect(() => new SignedWebhook({ url: 'http://x', secret: SPEC_SECRET, events: [] })).toThrow(/at least one event pattern/);
    expect(() => new SignedWebhook({ url: 'http://x', secret: SPEC_SECRET, events: ['incident..x'] })).toThrow(/got "incident..x"/);
  });
});
