/**
 * @module bus/bus-contract
 * The contract every Bus adapter passes (memory now, NATS JetStream later).
 */
import { describe, expect, it } from 'vitest';
import type { Bus } from './bus.js';
import type { EngineEvent } from './events.js';

const anomalyEvent = (entity: string): EngineEvent => ({
  type: 'anomaly.raised',
  entity,
  anomaly: {
    id: `a-${entity}`,
    seriesId: 's1',
    entityId: entity,
    metric: 'cpu_utilization',
    at: 1000,
    score: 9,
    confidence: 0.95,
    expected: 0.3,
    actual: 0.9,
    direction: 'up',
    model: { kind: 'detector/robust-z', version: '1' },
    contributors: [],
    explanation: 'cpu high',
    status: 'open',
  },
});

/** Runs the Bus contract against an adapter factory. */
export function busContract(name: string, open: () => Promise<Bus>): void {
  describe(`Bus contract: ${name}`, () => {
    it('delivers to matching patterns only, partitioned by entity', async () => {
      const bus = await open();
      const all: string[] = [];
      const one: string[] = [];
      bus.subscribe('anomaly.raised.>', (e) => void all.push(e.entity));
      bus.subscribe('anomaly.raised.host:h1', (e) => void one.push(e.entity));
      bus.subscribe('incident.opened.>', () => {
        throw new Error('must not be called');
      });
      await bus.publish(anomalyEvent('host:h1'));
      await bus.publish(anomalyEvent('service:api'));
      expect(all).toEqual(['host:h1', 'service:api']);
      expect(one).toEqual(['host:h1']);
      await bus.close();
    });

    it('keeps delivering when a handler fails, and unsubscribes', async () => {
      const bus = await open();
      const seen: string[] = [];
      bus.subscribe('>', () => {
        throw new Error('boom');
      });
      const off = bus.subscribe('anomaly.>', (e) => void seen.push(e.entity));
      await bus.publish(anomalyEvent('host:h1'));
      off();
      await bus.publish(anomalyEvent('host:h2'));
      expect(seen).toEqual(['host:h1']);
      await bus.close();
    });

    it('escapes dots in entity ids so a subject keeps its token count', async () => {
      const bus = await open();
      const seen: string[] = [];
      bus.subscribe('anomaly.raised.*', (e) => void seen.push(e.entity));
      await bus.publish(anomalyEvent('host:db.example.com'));
      expect(seen).toEqual(['host:db.example.com']);
      await bus.close();
    });
  });
}
