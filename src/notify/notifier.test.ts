import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../bus/events.js';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { ManualClock } from '../clock.js';
import { createNotifier, Notifier } from './notifier.js';
import { parseNotifyConfig } from './notify-config.js';
import type { Delivery, NotifyMessage, NotifySink } from './types.js';

function change(id: string): EngineEvent {
  return { type: 'change.recorded', entity: 'service:a', event: { id, at: 1, entityId: 'service:a', kind: 'deploy', detail: id } };
}

/** A sink whose sends wait until the test answers them, in order. */
class ScriptedSink implements NotifySink {
  readonly name = 'scripted';
  readonly patterns = ['change.recorded.>'];
  readonly sent: string[] = [];
  readonly pending: ((d: Delivery) => void)[] = [];
  readonly answers: Delivery[] = [];
  constructor(readonly dedup = false) {}
  messagesFor(e: EngineEvent): readonly NotifyMessage[] {
    if (e.type !== 'change.recorded') return [];
    if (e.event.id === 'boom') throw new Error('cannot map boom');
    return [{ ...(this.dedup ? { dedupKey: e.event.detail } : {}), what: e.event.id, body: e.event.id }];
  }
  send(m: NotifyMessage): Promise<Delivery> {
    this.sent.push(String(m.body));
    const scripted = this.answers.shift();
    if (scripted) return Promise.resolve(scripted);
    return new Promise((resolve) => this.pending.push(resolve));
  }
  answer(d: Delivery = { ok: true, status: 200, body: '' }): void {
    this.pending.shift()?.(d);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Notifier', () => {
  it('never blocks publish, and drops the oldest queued message when the queue is full', async () => {
    const sink = new ScriptedSink();
    const log: string[] = [];
    const notifier = new Notifier([sink], { queueSize: 2, resendEveryMs: 0, log: (l) => void log.push(l) });
    const bus = new MemoryBus();
    notifier.attach(bus);
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']) await bus.publish(change(id));
    // m1 is in flight (its send has not been answered); m2..m4 were pushed out by m4..m6.
    expect(sink.sent).toEqual(['m1']);
    expect(notifier.stats().scripted).toEqual({ sent: 0, failed: 0, dropped: 3, retried: 0, deduplicated: 0, queued: 2 });
    expect(log).toEqual(['notify scripted: queue full (2), dropped the oldest message (1 so far)']);
    const flushed = notifier.flush();
    for (let i = 0; i < 3; i++) {
      sink.answer();
      await tick();
    }
    await flushed;
    expect(sink.sent).toEqual(['m1', 'm5', 'm6']);
    expect(notifier.stats().scripted).toMatchObject({ sent: 3, dropped: 3, queued: 0 });
    await notifier.close();
    await bus.publish(change('after-close'));
    expect(sink.sent).toHaveLength(3);
  });

  it('drops repeats of a state already queued or sent, but not after a failure', async () => {
    const sink = new ScriptedSink(true);
    sink.answers.push(
      { ok: true, status: 200, body: '' },
      { ok: false, retry: false, status: 400, error: 'bad' },
      { ok: true, status: 200, body: '' },
    );
    const notifier = new Notifier([sink], { resendEveryMs: 0 });
    notifier.notify(change('a1')); // detail a1
    notifier.notify({
      type: 'change.recorded',
      entity: 'service:a',
      event: { id: 'x', at: 1, entityId: 'service:a', kind: 'deploy', detail: 'a1' },
    });
    await notifier.flush();
    expect(notifier.stats().scripted).toMatchObject({ sent: 1, deduplicated: 1 });
    notifier.notify(change('b1'));
    await notifier.flush();
    notifier.notify(change('b1'));
    await notifier.flush();
    expect(sink.sent).toEqual(['a1', 'b1', 'b1']);
    expect(notifier.stats().scripted).toMatchObject({ sent: 2, failed: 1, deduplicated: 1 });
  });

  it('gives up after maxAttempts with exponential, jittered delays from the injected RNG', async () => {
    const sink = new ScriptedSink();
    for (let i = 0; i < 4; i++) sink.answers.push({ ok: false, retry: true, status: 503, error: `HTTP 503 #${i + 1}` });
    const delays: number[] = [];
    const rng = [0, 0.5, 0.999];
    const log: string[] = [];
    const notifier = new Notifier([sink], {
      maxAttempts: 4,
      backoffMs: 1000,
      maxBackoffMs: 3000,
      random: () => rng.shift() ?? 0,
      sleep: async (ms) => void delays.push(ms),
      resendEveryMs: 0,
      log: (l) => void log.push(l),
    });
    notifier.notify(change('m1'));
    await notifier.flush();
    // 1000·(0.5+0) = 500; 2000·(0.5+0.25) = 1500; min(3000, 4000)·(0.5+0.4995) = 2999.
    expect(delays).toEqual([500, 1500, 2999]);
    expect(notifier.stats().scripted).toMatchObject({ sent: 0, failed: 1, retried: 3 });
    expect(log).toEqual(['notify scripted: m1 failed after 4 attempts: HTTP 503 #4']);
  });

  it('close() cuts a backoff wait short and makes no further retries', async () => {
    const sink = new ScriptedSink();
    sink.answers.push({ ok: false, retry: true, error: 'connection refused' }, { ok: false, retry: true, error: 'connection refused' });
    const notifier = new Notifier([sink], { backoffMs: 3_600_000, maxBackoffMs: 3_600_000, resendEveryMs: 0 });
    notifier.notify(change('m1'));
    await tick();
    expect(sink.sent).toEqual(['m1']);
    await notifier.close();
    expect(sink.sent).toEqual(['m1', 'm1']);
    expect(notifier.stats().scripted).toMatchObject({ sent: 0, failed: 1, retried: 1 });
  });

  it('counts and reports a sink that cannot map an event, and carries on', async () => {
    const sink = new ScriptedSink();
    sink.answers.push({ ok: true, status: 200, body: '' });
    const log: string[] = [];
    const notifier = new Notifier([sink], { resendEveryMs: 0, log: (l) => void log.push(l) });
    notifier.notify(change('boom'));
    notifier.notify(change('fine'));
    await notifier.flush();
    expect(sink.sent).toEqual(['fine']);
    expect(log).toEqual(['notify scripted: could not build a notification: cannot map boom']);
    expect(notifier.stats().scripted).toMatchObject({ sent: 1, failed: 1 });
  });

  it('builds the configured sinks; resendActive enqueues firing Alertmanager alerts', async () => {
    const requests: string[] = [];
    const fakeFetch: typeof fetch = async (input, init) => {
      requests.push(`${init?.method} ${String(input)}`);
      return new Response('', { status: 200 });
    };
    const config = parseNotifyConfig({
      alertmanager: { url: 'http://am.test:9093' },
      pagerduty: { routingKey: 'R0123456789abcdef0123456789abcde' },
      webhooks: [
        { name: 'ops', url: 'http://ops.test/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', events: ['incident.opened'] },
      ],
    });
    const notifier = createNotifier(config, { fetch: fakeFetch, clock: new ManualClock(Date.UTC(2024, 0, 1)) });
    expect(notifier.sinks).toEqual(['alertmanager', 'pagerduty', 'ops']);
    notifier.notify({
      type: 'incident.opened',
      entity: 'service:a',
      incident: {
        id: 'inc-9',
        title: 't',
        status: 'open',
        severity: 'low',
        openedAt: Date.UTC(2024, 0, 1),
        updatedAt: Date.UTC(2024, 0, 1),
        entities: ['service:a'],
        anomalyIds: [],
        predictionIds: [],
        hypotheses: [],
      },
    });
    await notifier.flush();
    expect(requests).toEqual(['POST http://am.test:9093/api/v2/alerts', 'POST http://ops.test/hook']);
    notifier.resendActive();
    await notifier.flush();
    expect(requests).toHaveLength(3);
    expect(notifier.stats().alertmanager).toMatchObject({ sent: 2 });
    await notifier.close();
  });
});
