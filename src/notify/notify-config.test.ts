import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import { parseNotifyConfig } from './notify-config.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const KEY = 'R0123456789abcdef0123456789abcde';

function errorOf(section: unknown): string {
  try {
    parseNotifyConfig(section);
  } catch (err) {
    expect(err).toBeInstanceOf(HomeostatError);
    expect((err as HomeostatError).code).toBe('invalid_argument');
    return (err as Error).message;
  }
  throw new Error('expected parseNotifyConfig to throw');
}

describe('parseNotifyConfig', () => {
  it('reads a full YAML section and fills the defaults', () => {
    const doc = parseYaml(`
notify:
  baseUrl: https://homeostat.example.com
  maxAttempts: 3
  alertmanager:
    url: http://alertmanager:9093
    runbookUrl: https://runbooks.example.com/homeostat/
    labels: { cluster: prod }
  pagerduty:
    routingKey: ${KEY}
    triggerOn: [opened, escalated]
    notes: { token: tok, from: oncall@example.com }
  webhooks:
    - url: https://hooks.example.com/homeostat
      secret: ${SECRET}
      events: [incident.>, action.executed]
`) as { notify: unknown };
    expect(parseNotifyConfig(doc.notify)).toEqual({
      baseUrl: 'https://homeostat.example.com/',
      queueSize: 1000,
      maxAttempts: 3,
      backoffMs: 1000,
      maxBackoffMs: 60_000,
      timeoutMs: 10_000,
      resendEveryMs: 60_000,
      alertmanager: {
        url: 'http://alertmanager:9093/',
        runbookUrl: 'https://runbooks.example.com/homeostat/',
        labels: { cluster: 'prod' },
        headers: {},
        firingTtlMs: 300_000,
        staleAfterMs: 7_200_000,
      },
      pagerduty: {
        routingKey: KEY,
        url: 'https://events.pagerduty.com/v2/enqueue',
        triggerOn: ['opened', 'escalated'],
        acknowledgeOnRemediation: true,
        notes: { token: 'tok', from: 'oncall@example.com', apiUrl: 'https://api.pagerduty.com/' },
      },
      webhooks: [
        { name: 'webhook-0', url: 'https://hooks.example.com/homeostat', secret: SECRET, events: ['incident.>', 'action.executed'] },
      ],
    });
  });

  it('treats an absent section as nothing configured', () => {
    const c = parseNotifyConfig(undefined);
    expect([c.alertmanager, c.pagerduty, c.webhooks]).toEqual([undefined, undefined, []]);
  });

  it('names the field, what was expected and what was received', () => {
    expect(errorOf({ alertmanger: {} })).toBe(
      'notify has unknown key "alertmanger" (expected one of baseUrl, queueSize, maxAttempts, backoffMs, maxBackoffMs, timeoutMs, resendEveryMs, alertmanager, pagerduty, webhooks)',
    );
    expect(errorOf({ queueSize: 0 })).toBe('notify.queueSize must be an integer >= 1 (got 0)');
    expect(errorOf({ backoffMs: 5000, maxBackoffMs: 1000 })).toBe('notify.maxBackoffMs must be at least backoffMs (5000) (got 1000)');
    expect(errorOf({ alertmanager: {} })).toBe('notify.alertmanager.url is required (got undefined)');
    expect(errorOf({ alertmanager: { url: 'alertmanager:9093x' } })).toBe(
      'notify.alertmanager.url must be an absolute http(s) URL (got "alertmanager:9093x")',
    );
    expect(errorOf({ alertmanager: { url: 'http://am', labels: { severity: 'page' } } })).toMatch(
      /^notify.alertmanager.labels may not set "severity"/,
    );
    expect(errorOf({ pagerduty: { routingKey: 'abc' } })).toBe(
      'notify.pagerduty.routingKey must be the 32-character integration key of an Events API v2 integration (got 3 characters)',
    );
    expect(errorOf({ pagerduty: { routingKey: KEY, triggerOn: ['resolved'] } })).toBe(
      'notify.pagerduty.triggerOn[0] must be one of opened, escalated (got "resolved")',
    );
    expect(errorOf({ pagerduty: { routingKey: KEY, notes: { token: 't', from: 'nobody' } } })).toBe(
      'notify.pagerduty.notes.from must be the email of a PagerDuty user (got "nobody")',
    );
    expect(errorOf({ webhooks: [{ url: 'http://x', secret: 'hunter2', events: ['incident.>'] }] })).toMatch(
      /^notify.webhooks\[0\].secret must be "whsec_" followed by base64 of 24 to 64 random bytes \(got a string of 7 characters without the "whsec_" prefix\)/,
    );
    expect(errorOf({ webhooks: [{ url: 'http://x', secret: SECRET, events: [] }] })).toBe(
      'notify.webhooks[0].events must be a non-empty list of event patterns such as incident.> (got an array of 0)',
    );
    expect(errorOf({ webhooks: [{ url: 'http://x', secret: SECRET, events: ['a.b.c.d'] }] })).toBe(
      'notify.webhooks[0].events[0] must be an event pattern such as incident.>, anomaly.raised or action.* (got "a.b.c.d")',
    );
    expect(
      errorOf({
        webhooks: [
          { name: 'ops', url: 'http://x', secret: SECRET, events: ['incident.>'] },
          { name: 'ops', url: 'http://y', secret: SECRET, events: ['incident.>'] },
        ],
      }),
    ).toBe('notify.webhooks[1].name must be unique (got "ops" twice)');
  });
});
