import { describe, expect, it } from 'vitest';
import { FleetSimulator } from './fleet-simulator.js';
import { createSimulation, csvHeader, csvLines, eventCsvLines, groundTruthJson, simulateToCsv } from './simulate-to-csv.js';
import type { SimTick } from './types.js';

const labels = { entity: 'host:h1', kind: 'host', host: 'h1' };

describe('CSV rendering', () => {
  it('renders long-format lines with ISO timestamps and compact values', () => {
    const tick: SimTick = {
      t: Date.UTC(2026, 0, 5, 0, 1),
      samples: [
        { entityId: 'host:h1', metric: 'cpu_utilization', labels, v: 0.123456789 },
        { entityId: 'host:h1', metric: 'hw_ecc_errors', labels, v: 3 },
        { entityId: 'host:h1', metric: 'network_packet_loss', labels, v: 0.00003 },
      ],
      events: [],
    };
    expect(csvHeader).toBe('timestamp,entity,metric,value');
    expect(csvLines(tick)).toEqual([
      '2026-01-05T00:01:00.000Z,host:h1,cpu_utilization,0.123457',
      '2026-01-05T00:01:00.000Z,host:h1,hw_ecc_errors,3',
      '2026-01-05T00:01:00.000Z,host:h1,network_packet_loss,0.00003',
    ]);
    expect(eventCsvLines([{ id: 'c1', at: tick.t, entityId: 'service:a', kind: 'deploy', detail: 'deploy "a" 1.0.1' }])).toEqual([
      '2026-01-05T00:01:00.000Z,service:a,deploy,"deploy ""a"" 1.0.1"',
    ]);
  });

  it('writes ground truth with options, topology, faults and events', () => {
    const sim = new FleetSimulator({ services: 6, hosts: 6 });
    const f = sim.inject({ kind: 'cpu_hog' });
    const doc = JSON.parse(groundTruthJson(sim));
    expect(doc.options.services).toBe(6);
    expect(doc.topology.entities.length).toBe(sim.topology.entities.length);
    expect(doc.faults).toEqual([f]);
    expect(doc.events).toEqual([]);
  });
});

describe('simulateToCsv', () => {
  it('streams every sample of every step and returns the ground truth, the operator fixing faults', () => {
    const telemetry: string[] = [];
    const events: string[] = [];
    const json = simulateToCsv(
      { days: 0.5, seed: 3, faults: 4, options: { services: 8, hosts: 10 }, operatorDelayMs: 30 * 60_000 },
      { writeTelemetry: (l) => telemetry.push(...l), writeEvents: (l) => events.push(...l) },
    );
    const perStep = new FleetSimulator({ seed: 3, services: 8, hosts: 10 }).step().samples.length;
    expect(telemetry[0]).toBe(csvHeader);
    expect(telemetry.length).toBe(1 + 720 * perStep);
    expect(events[0]).toBe('timestamp,entity,kind,detail');
    const truth = JSON.parse(json);
    expect(truth.faults.map((f: { kind: string }) => f.kind)).toEqual(['memory_leak', 'cpu_hog', 'disk_fill', 'bad_deploy']);
    const end = Date.UTC(2026, 0, 5, 12);
    for (const f of truth.faults) {
      if ((f.failureMs ?? f.onsetMs) + 31 * 60_000 < end) expect(['fixed', 'ended']).toContain(f.status);
      expect(f.onsetMs).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 5) + 0.15 * 12 * 3_600_000);
    }
    expect(truth.faults.some((f: { status: string }) => f.status === 'fixed')).toBe(true);
    expect(truth.events.length).toBe(events.length - 1);
  });

  it('is deterministic and validates its options', () => {
    const lines = (seed: number) => {
      const run = createSimulation({ days: 0.05, seed, faults: 1, options: { services: 5, hosts: 4 } });
      return [...run.ticks()].flatMap(csvLines);
    };
    expect(lines(9)).toEqual(lines(9));
    expect(lines(9)).not.toEqual(lines(10));
    expect(() => createSimulation({ days: 0, seed: 1, faults: 0 })).toThrow(/days must be a number in \(0, 366\] \(got 0\)/);
    expect(() => createSimulation({ days: 1, seed: 1, faults: -1 })).toThrow(/faults must be a non-negative integer/);
    expect(() => createSimulation({ days: 1, seed: 1.5, faults: 0 })).toThrow(/seed must be an integer/);
    expect(() => createSimulation({ days: 0.01, seed: 1, faults: 100 })).toThrow(/too many faults/);
    expect(() => createSimulation({ days: 1, seed: 1, faults: 1, kinds: ['meteor' as never] })).toThrow(/kinds must be a non-empty list/);
  });
});
