import { expect, it } from 'vitest';
import { busContract } from '../bus-contract.js';
import { subjectMatches } from '../events.js';
import { MemoryBus } from './memory-bus.js';

busContract('MemoryBus', async () => new MemoryBus());

it('matches NATS wildcards', () => {
  expect(subjectMatches('a.*.c', 'a.b.c')).toBe(true);
  expect(subjectMatches('a.*.c', 'a.b.d')).toBe(false);
  expect(subjectMatches('a.>', 'a')).toBe(false);
  expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
  expect(subjectMatches('a.b', 'a.b.c')).toBe(false);
  expect(subjectMatches('a.b', 'a.b')).toBe(true);
  expect(subjectMatches('>', 'a')).toBe(true);
  expect(subjectMatches('a.b.>', 'a.bc.d')).toBe(false);
  expect(subjectMatches('a.b.>', 'a.b')).toBe(false);
  expect(subjectMatches('*.b.>', 'x.b.c.d')).toBe(true);
});

it('counts handler failures and reports them', async () => {
  const errors: string[] = [];
  const bus = new MemoryBus({ onError: (e) => void errors.push(String(e)) });
  bus.subscribe('>', () => {
    throw new Error('boom');
  });
  await bus.publish({
    type: 'change.recorded',
    entity: 'service:a',
    event: { id: 'e1', at: 1, entityId: 'service:a', kind: 'deploy', detail: 'v2' },
  });
  expect(bus.failures).toBe(1);
  expect(errors).toEqual(['Error: boom']);
});
