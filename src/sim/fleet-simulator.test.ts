import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import type { ActionKind, FaultKind } from '../records/types.js';
import { FAULT_KINDS } from '../records/types.js';
import { FleetSimulator, trafficSeason } from './fleet-simulator.js';
import type { SimTick } from './types.js';

const MIN = 60_000;
const H = 3_600_000;
const DAY = 24 * H;
const MONDAY = Date.UTC(2026, 0, 5);

/** Steps `sim` until (excluding) `untilMs`, collecting ticks. */
function run(sim: FleetSimulator, untilMs: number): SimTick[] {
  const out: SimTick[] = [];
  while (sim.now() < untilMs) out.push(sim.step());
  return out;
}
function value(tick: SimTick, entity: string, metric: string): number {
  const s = tick.samples.find((x) => x.entityId === entity && x.metric === metric);
  if (s === undefined) throw new Error(`no ${metric} for ${entity} at ${tick.t}`);
  return s.v;
}
function series(ticks: readonly SimTick[], entity: string, metric: string, fromMs: number, toMs: number): number[] {
  return ticks.filter((k) => k.t >= fromMs && k.t < toMs).map((k) => value(k, entity, metric));
}
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const at = (ticks: readonly SimTick[], t: number): SimTick => ticks.find((k) => k.t === t) as SimTick;

describe('FleetSimulator basics', () => {
  it('emits every entity every minute with entity/kind/name labels (~700 samples)', () => {
    const sim = new FleetSimulator();
    expect(sim.now()).toBe(MONDAY);
    const tick = sim.step();
    expect(tick.t).toBe(MONDAY);
    expect(sim.now()).toBe(MONDAY + MIN);
    expect(tick.samples).toHaveLength(30 * 9 + 60 * 7 + 4 * 5 + 3 * 2 + 2 * 3);
    const checkout = tick.samples.filter((s) => s.entityId === 'service:checkout');
    expect(checkout.map((s) => s.metric).sort()).toEqual(
      [
        'cpu_utilization',
        'error_rate',
        'latency_p50_ms',
        'latency_p99_ms',
        'memory_utilization',
        'replicas',
        'request_rate',
        'restarts',
        'saturation',
      ].sort(),
    );
    expect(checkout[0]?.labels).toEqual({ entity: 'service:checkout', kind: 'service', service: 'checkout' });
    expect(tick.samples.find((s) => s.entityId === 'load_balancer:lb-1')?.labels).toEqual({
      entity: 'load_balancer:lb-1',
      kind: 'load_balancer',
      lb: 'lb-1',
    });
    expect(tick.samples.find((s) => s.entityId === 'host:host-07')?.labels).toEqual({
      entity: 'host:host-07',
      kind: 'host',
      host: 'host-07',
    });
    for (const s of tick.samples) expect(Number.isFinite(s.v)).toBe(true);
    for (const s of tick.samples.filter((x) => x.metric.endsWith('utilization') || x.metric === 'error_rate')) {
      expect(s.v).toBeGreaterThanOrEqual(0);
      expect(s.v).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic: same seed and same calls give identical ticks; another seed differs', () => {
    const drive = (seed: number): SimTick[] => {
      const sim = new FleetSimulator({ seed });
      sim.inject({ kind: 'bad_deploy', target: 'service:checkout', atMs: MONDAY + 30 * MIN });
      sim.scheduleFaults(3, MONDAY + 60 * MIN, MONDAY + 4 * H);
      const ticks = run(sim, MONDAY + 90 * MIN);
      sim.apply({ kind: 'rollback', target: 'service:checkout' });
      return [...ticks, ...run(sim, MONDAY + 4 * H)];
    };
    const a = drive(11);
    expect(drive(11)).toEqual(a);
    expect(drive(12)[10]?.samples).not.toEqual(a[10]?.samples);
  });

  it('has daily and weekly seasonality of traffic', () => {
    expect(trafficSeason(MONDAY + 15 * H)).toBeCloseTo(1, 12);
    expect(trafficSeason(MONDAY + 3 * H)).toBeCloseTo(0.22, 12);
    expect(trafficSeason(MONDAY + 5 * 24 * H + 15 * H)).toBeCloseTo(0.6, 12);
    const sim = new FleetSimulator({ startMs: Date.UTC(2026, 0, 9) });
    const fri = Date.UTC(2026, 0, 9);
    const ticks = run(sim, fri + 48 * H);
    const edge = 'service:web-frontend';
    const night = mean(series(ticks, edge, 'request_rate', fri + 2 * H, fri + 4 * H));
    const day = mean(series(ticks, edge, 'request_rate', fri + 14 * H, fri + 16 * H));
    const saturday = mean(series(ticks, edge, 'request_rate', fri + 38 * H, fri + 40 * H));
    expect(day / night).toBeGreaterThan(3);
    expect(saturday / day).toBeGreaterThan(0.5);
    expect(saturday / day).toBeLessThan(0.7);
    const backend = 'service:pricing';
    expect(mean(series(ticks, backend, 'request_rate', fri + 14 * H, fri + 16 * H))).toBeGreaterThan(
      2.5 * mean(series(ticks, backend, 'request_rate', fri + 2 * H, fri + 4 * H)),
    );
  });

  it('produces benign deploys with versions, a GC sawtooth and slowly growing disks', () => {
    const sim = new FleetSimulator();
    const ticks = run(sim, MONDAY + 24 * H);
    const deploys = ticks.flatMap((k) => k.events).filter((e) => e.kind === 'deploy');
    expect(deploys.length).toBeGreaterThanOrEqual(2);
    expect(deploys.length).toBeLessThanOrEqual(20);
    expect(deploys[0]?.attributes?.version).toMatch(/^\d+\.\d+\.\d+$/);
    const mem = series(ticks, 'service:checkout', 'memory_utilization', MONDAY, MONDAY + 3 * H);
    const drops = mem.filter((v, i) => i > 0 && v < (mem[i - 1] as number) - 0.03).length;
    expect(drops).toBeGreaterThanOrEqual(2);
    const disk = series(ticks, 'host:host-07', 'disk_utilization', MONDAY, MONDAY + 24 * H);
    const growth = mean(disk.slice(-60)) - mean(disk.slice(0, 60));
    expect(growth).toBeGreaterThan(0.001);
    expect(growth).toBeLessThan(0.012);
  });
});

describe('FleetSimulator faults move their signals', () => {
  const onset = MONDAY + 10 * H;
  /** A faulted run and a baseline run with identical noise (separate random streams). */
  function pair(kind: FaultKind, target: string, hours: number) {
    const sim = new FleetSimulator({ startMs: onset - 2 * H });
    const base = new FleetSimulator({ startMs: onset - 2 * H });
    const truth = sim.inject({ kind, target, atMs: onset });
    return { truth, ticks: run(sim, onset + hours * H), baseTicks: run(base, onset + hours * H), sim };
  }

  it('memory_leak: memory climbs by > 0.3 within 2 h, then OOM crash with restarts and an error spike', () => {
    const { truth, ticks } = pair('memory_leak', 'service:checkout', 4);
    const root = 'service:checkout';
    expect(truth.failureMs).toBeGreaterThanOrEqual(onset + H);
    expect(truth.failureMs).toBeLessThanOrEqual(onset + 3 * H);
    const before = value(at(ticks, onset - MIN), root, 'memory_utilization');
    const upTo = Math.min(onset + 2 * H, truth.failureMs as number);
    expect(Math.max(...series(ticks, root, 'memory_utilization', onset, upTo)) - before).toBeGreaterThan(0.3);
    const crash = at(ticks, truth.failureMs as number);
    expect(value(crash, root, 'restarts')).toBe(value(crash, root, 'replicas'));
    expect(value(crash, root, 'error_rate')).toBeGreaterThan(value(at(ticks, onset), root, 'error_rate') + 0.15);
    expect(value(at(ticks, (truth.failureMs as number) + 5 * MIN), root, 'memory_utilization')).toBeLessThan(0.7);
    expect(truth.affected[0]).toBe(root);
    expect(truth.fix).toBe('restart');
  });

  it('cpu_hog: cpu near 0.95 and latency up', () => {
    const { ticks, baseTicks } = pair('cpu_hog', 'service:pricing', 1);
    const cpu = series(ticks, 'service:pricing', 'cpu_utilization', onset + 10 * MIN, onset + H);
    expect(Math.min(...cpu)).toBeGreaterThan(0.88);
    expect(new Set(cpu).size).toBeGreaterThan(10);
    const p99 = mean(series(ticks, 'service:pricing', 'latency_p99_ms', onset + 10 * MIN, onset + H));
    const p99Base = mean(series(baseTicks, 'service:pricing', 'latency_p99_ms', onset + 10 * MIN, onset + H));
    expect(p99).toBeGreaterThan(1.8 * p99Base);
  });

  it('disk_fill: disk reaches 100 % at failureMs and the services on the host start failing', () => {
    const { truth, ticks, baseTicks, sim } = pair('disk_fill', 'host:host-07', 4);
    const host = 'host:host-07';
    expect(value(at(ticks, onset - MIN), host, 'disk_utilization')).toBeLessThan(0.9);
    expect(value(at(ticks, onset + 30 * MIN), host, 'disk_utilization')).toBeGreaterThan(
      value(at(ticks, onset), host, 'disk_utilization') + 0.05,
    );
    expect(value(at(ticks, truth.failureMs as number), host, 'disk_utilization')).toBeGreaterThan(0.99);
    const tenant = sim.topology.relations.find((r) => r.kind === 'runs_on' && r.to === host && r.from.startsWith('service:'))
      ?.from as string;
    expect(truth.affected).toContain(tenant);
    const after = (truth.failureMs as number) + 5 * MIN;
    expect(value(at(ticks, after), tenant, 'error_rate')).toBeGreaterThan(value(at(baseTicks, after), tenant, 'error_rate') + 0.05);
  });

  it('bad_deploy: a deploy event at onset, errors jump at the root and rise at its callers', () => {
    const { ticks, baseTicks, truth } = pair('bad_deploy', 'service:pricing', 1);
    const deploy = at(ticks, onset).events.find((e) => e.kind === 'deploy' && e.entityId === 'service:pricing');
    expect(deploy?.attributes?.previous).toBeDefined();
    const t = onset + 20 * MIN;
    expect(value(at(ticks, t), 'service:pricing', 'error_rate')).toBeGreaterThan(
      value(at(baseTicks, t), 'service:pricing', 'error_rate') + 0.05,
    );
    const caller = truth.affected[1] as string;
    expect(caller.startsWith('service:')).toBe(true);
    expect(value(at(ticks, t), caller, 'error_rate')).toBeGreaterThan(value(at(baseTicks, t), caller, 'error_rate') + 0.02);
  });

  it('dependency_outage: the store fails and errors cascade, attenuated, to its callers', () => {
    const { ticks, baseTicks, truth } = pair('dependency_outage', 'database:orders-db', 1);
    const t = onset + 15 * MIN;
    expect(value(at(ticks, t), 'database:orders-db', 'error_rate')).toBeGreaterThan(0.25);
    const caller = truth.affected[1] as string;
    const rise = value(at(ticks, t), caller, 'error_rate') - value(at(baseTicks, t), caller, 'error_rate');
    expect(rise).toBeGreaterThan(0.1);
    expect(rise).toBeLessThan(value(at(ticks, t), 'database:orders-db', 'error_rate'));
  });

  it('dependency_outage on a queue: depth grows and publishes fail', () => {
    const { ticks } = pair('dependency_outage', 'queue:events-q', 1);
    const before = value(at(ticks, onset - MIN), 'queue:events-q', 'queue_depth');
    expect(value(at(ticks, onset + 30 * MIN), 'queue:events-q', 'queue_depth')).toBeGreaterThan(5 * before);
    expect(value(at(ticks, onset + 30 * MIN), 'queue:events-q', 'error_rate')).toBeGreaterThan(0.25);
  });

  it('network_loss: 5–20 % packet loss and a slower tail for the services on the host', () => {
    const { ticks, baseTicks, sim } = pair('network_loss', 'host:host-07', 1);
    const loss = series(ticks, 'host:host-07', 'network_packet_loss', onset + 5 * MIN, onset + H);
    expect(Math.min(...loss)).toBeGreaterThan(0.04);
    expect(Math.max(...loss)).toBeLessThan(0.26);
    const tenant = sim.topology.relations.find((r) => r.kind === 'runs_on' && r.to === 'host:host-07' && r.from.startsWith('service:'))
      ?.from as string;
    const p99 = mean(series(ticks, tenant, 'latency_p99_ms', onset + 5 * MIN, onset + H));
    expect(p99).toBeGreaterThan(1.2 * mean(series(baseTicks, tenant, 'latency_p99_ms', onset + 5 * MIN, onset + H)));
  });

  it('host_failure: ECC errors and temperature rise hours before failureMs, then the host goes down and services lose a replica', () => {
    const { truth, ticks, baseTicks, sim } = pair('host_failure', 'host:host-07', 5);
    const fail = truth.failureMs as number;
    expect(fail - onset).toBeGreaterThanOrEqual(2 * H);
    expect(fail - onset).toBeLessThanOrEqual(4 * H);
    const eccBefore = series(ticks, 'host:host-07', 'hw_ecc_errors', onset - 2 * H, onset).reduce((a, b) => a + b, 0);
    const eccLead = series(ticks, 'host:host-07', 'hw_ecc_errors', onset, fail).reduce((a, b) => a + b, 0);
    expect(eccBefore).toBeLessThanOrEqual(2);
    expect(eccLead).toBeGreaterThan(50);
    expect(series(ticks, 'host:host-07', 'hw_ecc_errors', onset, onset + 90 * MIN).some((v) => v > 0)).toBe(true);
    expect(value(at(ticks, fail - 5 * MIN), 'host:host-07', 'hw_temperature_c')).toBeGreaterThan(
      value(at(ticks, onset - MIN), 'host:host-07', 'hw_temperature_c') + 8,
    );
    expect(value(at(ticks, fail + MIN), 'host:host-07', 'up')).toBe(0);
    const tenant = sim.topology.relations.find((r) => r.kind === 'runs_on' && r.to === 'host:host-07' && r.from.startsWith('service:'))
      ?.from as string;
    const t = fail + 10 * MIN;
    expect(value(at(ticks, t), tenant, 'replicas')).toBe(value(at(baseTicks, t), tenant, 'replicas') - 1);
    expect(value(at(ticks, t), tenant, 'saturation')).toBeGreaterThan(1.15 * value(at(baseTicks, t), tenant, 'saturation'));
    expect(sim.activeFaults().map((f) => f.id)).toEqual([truth.id]);
  });

  it('traffic_surge: rate ×2.5–4 and saturation up, then ends by itself at naturalEndMs', () => {
    const { truth, ticks, baseTicks, sim } = pair('traffic_surge', 'service:checkout', 4);
    const end = truth.naturalEndMs as number;
    expect(end - onset).toBeGreaterThanOrEqual(H);
    expect(end - onset).toBeLessThanOrEqual(3 * H);
    const t = onset + 30 * MIN;
    const ratio = value(at(ticks, t), 'service:checkout', 'request_rate') / value(at(baseTicks, t), 'service:checkout', 'request_rate');
    expect(ratio).toBeGreaterThan(2.3);
    expect(ratio).toBeLessThan(4.3);
    expect(value(at(ticks, t), 'service:checkout', 'saturation')).toBeGreaterThan(
      2 * value(at(baseTicks, t), 'service:checkout', 'saturation'),
    );
    const later = end + 5 * MIN;
    expect(value(at(ticks, later), 'service:checkout', 'request_rate')).toBeCloseTo(
      value(at(baseTicks, later), 'service:checkout', 'request_rate'),
      6,
    );
    expect(sim.truth()[0]?.status).toBe('ended');
    expect(sim.activeFaults()).toEqual([]);
  });
});

describe('FleetSimulator heal actions', () => {
  const onset = MONDAY + 10 * H;
  const cases: readonly [FaultKind, string, string, ActionKind][] = [
    ['memory_leak', 'service:checkout', 'memory_utilization', 'rollback'],
    ['cpu_hog', 'service:pricing', 'cpu_utilization', 'scale_out'],
    ['disk_fill', 'host:host-07', 'disk_utilization', 'drain'],
    ['bad_deploy', 'service:pricing', 'error_rate', 'restart'],
    ['dependency_outage', 'database:users-db', 'error_rate', 'restart'],
    ['network_loss', 'host:host-07', 'network_packet_loss', 'clean_disk'],
    ['host_failure', 'host:host-07', 'hw_ecc_errors', 'clean_disk'],
    ['traffic_surge', 'service:checkout', 'saturation', 'restart'],
  ];

  it.each(cases)('%s on %s: the right action fixes it, a wrong one does not', (kind, target, metric, wrong) => {
    const outcome = (mode: 'right' | 'wrong' | 'none' | 'baseline'): { v: number; fixed: readonly string[]; status?: string } => {
      const sim = new FleetSimulator({ seed: 3, startMs: onset - H });
      const truth = mode === 'baseline' ? undefined : sim.inject({ kind, target, atMs: onset });
      run(sim, onset + 70 * MIN);
      let fixed: readonly string[] = [];
      if (truth !== undefined && mode !== 'none') {
        const action = { kind: mode === 'right' ? truth.fix : wrong, target };
        const dry = sim.check(action);
        const res = sim.apply(action);
        expect(res).toEqual(dry);
        expect(res.ok).toBe(true);
        fixed = res.fixed;
      }
      const ticks = run(sim, onset + 100 * MIN);
      const v = mean(series(ticks, target, metric, onset + 90 * MIN, onset + 100 * MIN));
      return { v, fixed, status: sim.truth()[0]?.status };
    };
    const base = outcome('baseline').v;
    const none = outcome('none');
    const right = outcome('right');
    const wrongRun = outcome('wrong');
    const gap = Math.abs(none.v - base);
    expect(gap).toBeGreaterThan(0);
    expect(right.fixed).toEqual(['fault-001']);
    expect(right.status).toBe('fixed');
    expect(Math.abs(right.v - base)).toBeLessThan(0.3 * gap);
    expect(wrongRun.fixed).toEqual([]);
    expect(wrongRun.status).toBe('active');
    expect(Math.abs(wrongRun.v - base)).toBeGreaterThan(0.6 * gap);
  });

  it('records fixedAtMs and fixedBy, and emits change events for the actions', () => {
    const sim = new FleetSimulator();
    const truth = sim.inject({ kind: 'bad_deploy', target: 'service:cart', atMs: MONDAY + 10 * MIN });
    run(sim, MONDAY + 30 * MIN);
    const res = sim.apply({ kind: 'rollback', target: 'service:cart' });
    expect(res).toMatchObject({ ok: true, fixed: [truth.id] });
    expect(sim.truth()[0]).toMatchObject({ status: 'fixed', fixedAtMs: MONDAY + 30 * MIN, fixedBy: 'rollback' });
    const tick = sim.step();
    expect(tick.events.map((e) => [e.kind, e.entityId])).toContainEqual(['deploy', 'service:cart']);
    sim.apply({ kind: 'restart', target: 'service:checkout' });
    const next = sim.step();
    expect(next.events.map((e) => [e.kind, e.entityId])).toContainEqual(['restart', 'service:checkout']);
    expect(value(next, 'service:checkout', 'restarts')).toBeGreaterThan(0);
  });

  it('scale_out raises replicas and lowers saturation without a fault; drain empties a host', () => {
    const sim = new FleetSimulator();
    const twin = new FleetSimulator();
    run(sim, MONDAY + 14 * H);
    run(twin, MONDAY + 14 * H);
    const res = sim.apply({ kind: 'scale_out', target: 'service:search' });
    expect(res.ok).toBe(true);
    expect(res.fixed).toEqual([]);
    const after = sim.step();
    const same = twin.step();
    const n0 = value(same, 'service:search', 'replicas');
    const n1 = value(after, 'service:search', 'replicas');
    expect(n1).toBeGreaterThan(n0);
    expect(value(after, 'service:search', 'saturation')).toBeCloseTo((value(same, 'service:search', 'saturation') * n0) / n1, 5);
    expect(after.events.map((e) => e.kind)).toContain('scale');
    const replicas = sim.topology.entities.find((e) => e.id === 'service:search')?.capacity?.replicas;
    expect(replicas).toBe(value(after, 'service:search', 'replicas'));
    const host = 'host:host-07';
    expect(sim.topology.relations.some((r) => r.to === host && r.kind === 'runs_on')).toBe(true);
    expect(sim.apply({ kind: 'drain', target: host }).ok).toBe(true);
    expect(sim.topology.relations.some((r) => r.to === host && r.kind === 'runs_on')).toBe(false);
    const ticks = run(sim, sim.now() + 10 * MIN);
    expect(value(ticks[9] as SimTick, host, 'cpu_utilization')).toBeLessThan(0.1);
  });

  it('scale_out by N adds exactly N replicas, and refuses a size that is not a positive integer', () => {
    const sim = new FleetSimulator();
    run(sim, MONDAY + 3 * H);
    const before = sim.topology.entities.find((e) => e.id === 'service:search')?.capacity?.replicas ?? 0;
    expect(sim.apply({ kind: 'scale_out', target: 'service:search', params: { by: 0 } })).toMatchObject({
      ok: false,
      message: 'scale_out by must be a positive integer (got 0)',
    });
    expect(sim.apply({ kind: 'scale_out', target: 'service:search', params: { by: 2 } }).ok).toBe(true);
    expect(sim.topology.entities.find((e) => e.id === 'service:search')?.capacity?.replicas).toBe(before + 2);
  });

  it('growDemand compounds the demand of an edge service per day and leaves every other random draw alone', () => {
    const grown = new FleetSimulator();
    const flat = new FleetSimulator();
    const edge = grown.topology.entities.find((e) => e.kind === 'service' && e.attributes?.['homeostat.tier'] === 'edge')?.id as string;
    grown.growDemand(edge, MONDAY, 0.5);
    const a = run(grown, MONDAY + 2 * DAY + 15 * H);
    const b = run(flat, MONDAY + 2 * DAY + 15 * H);
    const last = a.length - 1;
    // Two and a half days at +50 % a day (15:00 Wednesday, the weekday peak of both runs).
    const ratio = value(a[last] as SimTick, edge, 'request_rate') / value(b[last] as SimTick, edge, 'request_rate');
    expect(ratio).toBeCloseTo(1.5 ** (2 + 15 / 24), 1);
    expect(value(a[0] as SimTick, edge, 'request_rate')).toBe(value(b[0] as SimTick, edge, 'request_rate'));
    expect(() => grown.growDemand('service:none', MONDAY + 3 * DAY, 0.1)).toThrow(/needs an edge service of this fleet such as service:/);
    expect(() => grown.growDemand(edge, MONDAY + 3 * DAY, 2)).toThrow(
      'daily growth must be a number in (-0.5, 1], e.g. 0.2 for +20 % a day (got 2)',
    );
    expect(() => grown.growDemand(edge, MONDAY, 0.1)).toThrow(/growth start must be at or after now\(\)/);
  });

  it('setBurstiness makes edge traffic burst as often and as hard as asked, and checks its input', () => {
    const spiky = new FleetSimulator();
    const calm = new FleetSimulator();
    const edge = spiky.topology.entities.find((e) => e.kind === 'service' && e.attributes?.['homeostat.tier'] === 'edge')?.id as string;
    // A burst every minute of ×3 for one minute: every step after the first is tripled.
    spiky.setBurstiness({ perDay: 1440, multMin: 3, multMax: 3, minMinutes: 1, maxMinutes: 1 });
    calm.setBurstiness({ perDay: 0 });
    const a = run(spiky, MONDAY + 3 * H);
    const b = run(calm, MONDAY + 3 * H);
    const ratios = a.slice(1).map((tick, i) => value(tick, edge, 'request_rate') / value(b[i + 1] as SimTick, edge, 'request_rate'));
    const tripled = ratios.filter((r) => r > 2.5).length;
    expect(tripled / ratios.length).toBeGreaterThan(0.4);
    expect(() => spiky.setBurstiness({ multMin: 0.5 })).toThrow(
      'burstiness multMin..multMax must be within [1, 10], min ≤ max (got 0.5..3)',
    );
    expect(() => spiky.setBurstiness({ perDay: -1 })).toThrow('burstiness perDay must be a number in [0, 1440] (got -1)');
    expect(() => spiky.setBurstiness({ minMinutes: 20, maxMinutes: 5 })).toThrow(/minMinutes\.\.maxMinutes must be whole minutes/);
  });

  it('check changes nothing', () => {
    const a = new FleetSimulator();
    const b = new FleetSimulator();
    a.inject({ kind: 'cpu_hog', target: 'service:cart', atMs: MONDAY });
    b.inject({ kind: 'cpu_hog', target: 'service:cart', atMs: MONDAY });
    run(a, MONDAY + 10 * MIN);
    run(b, MONDAY + 10 * MIN);
    expect(a.check({ kind: 'restart', target: 'service:cart' })).toMatchObject({ ok: true, fixed: ['fault-001'] });
    expect(a.check({ kind: 'drain', target: 'host:host-01' }).ok).toBe(true);
    expect(a.truth()).toEqual(b.truth());
    expect(run(a, MONDAY + 20 * MIN)).toEqual(run(b, MONDAY + 20 * MIN));
  });

  it('refuses unknown targets and actions that do not fit, with a message', () => {
    const sim = new FleetSimulator();
    expect(sim.apply({ kind: 'restart', target: 'service:nope' })).toEqual({
      ok: false,
      message: 'unknown target "service:nope" (expected an entity id of this fleet such as service:web-frontend)',
      fixed: [],
    });
    expect(sim.apply({ kind: 'rollback', target: 'host:host-01' }).message).toBe('rollback applies to a service (got host host:host-01)');
    expect(sim.apply({ kind: 'reboot' as ActionKind, target: 'host:host-01' }).message).toMatch(
      /action kind must be one of restart, rollback/,
    );
    expect(sim.check({ kind: 'failover', target: 'service:cart' }).ok).toBe(false);
  });
});

describe('FleetSimulator injection and scheduling', () => {
  it('picks a valid target and time when absent', () => {
    const sim = new FleetSimulator({ seed: 4 });
    for (const kind of FAULT_KINDS) {
      const t = sim.inject({ kind });
      expect(t.onsetMs).toBeGreaterThanOrEqual(MONDAY);
      expect(t.onsetMs).toBeLessThan(MONDAY + H);
      expect((t.onsetMs - MONDAY) % MIN).toBe(0);
      const entity = sim.topology.entities.find((e) => e.id === t.rootCause);
      expect(entity).toBeDefined();
      if (kind === 'traffic_surge') expect(['edge', 'api']).toContain(entity?.attributes['homeostat.tier']);
      expect(t.status).toBe('scheduled');
    }
    expect(new Set(sim.truth().map((t) => t.rootCause)).size).toBe(FAULT_KINDS.length);
  });

  it('spreads faults round-robin over every kind with no two on one root cause', () => {
    const sim = new FleetSimulator({ seed: 8 });
    const from = MONDAY + 2 * H;
    const to = MONDAY + 50 * H;
    const faults = sim.scheduleFaults(16, from, to);
    expect(faults.map((f) => f.kind)).toEqual([...FAULT_KINDS, ...FAULT_KINDS]);
    expect(new Set(faults.map((f) => f.rootCause)).size).toBe(16);
    for (const f of faults) {
      expect(f.onsetMs).toBeGreaterThanOrEqual(from);
      expect(f.onsetMs).toBeLessThan(to);
    }
    expect(faults.map((f) => f.onsetMs)).toEqual([...faults.map((f) => f.onsetMs)].sort((a, b) => a - b));
  });

  it('rejects bad input with invalid_argument or conflict', () => {
    expect(() => new FleetSimulator({ services: 0 })).toThrow(/services must be an integer/);
    expect(() => new FleetSimulator({ stepMs: 1.5 })).toThrow(/stepMs must be an integer in \[1000, 3600000\] \(got 1.5\)/);
    expect(() => new FleetSimulator({ colour: 'red' } as never)).toThrow(/unknown simulator option "colour"/);
    const sim = new FleetSimulator();
    sim.step();
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof HomeostatError ? `${e.code}: ${e.message}` : String(e);
      }
      return undefined;
    };
    expect(code(() => sim.inject({ kind: 'meteor' as FaultKind }))).toMatch(/^invalid_argument: fault kind must be one of memory_leak/);
    expect(code(() => sim.inject({ kind: 'cpu_hog', target: 'service:nope' }))).toMatch(
      /^invalid_argument: fault target must be an entity id/,
    );
    expect(code(() => sim.inject({ kind: 'disk_fill', target: 'service:cart' }))).toBe(
      'invalid_argument: a disk_fill fault needs a host target (got service service:cart)',
    );
    expect(code(() => sim.inject({ kind: 'traffic_surge', target: 'service:pricing' }))).toMatch(
      /^invalid_argument: a traffic_surge fault needs an edge or api tier service \(got backend/,
    );
    expect(code(() => sim.inject({ kind: 'cpu_hog', atMs: MONDAY }))).toMatch(
      /^invalid_argument: fault atMs must be a time .* at or after now\(\)/,
    );
    sim.inject({ kind: 'cpu_hog', target: 'service:cart' });
    expect(code(() => sim.inject({ kind: 'memory_leak', target: 'service:cart' }))).toMatch(
      /^conflict: service:cart already has a fault in progress/,
    );
    expect(code(() => sim.scheduleFaults(0, MONDAY + H, MONDAY + 2 * H))).toMatch(/count must be a positive integer \(got 0\)/);
    expect(code(() => sim.scheduleFaults(2, MONDAY + H, MONDAY + H + MIN))).toMatch(/window end must leave at least one step per fault/);
    expect(code(() => sim.scheduleFaults(2, MONDAY + H, MONDAY + 5 * H, []))).toMatch(/non-empty list/);
    const tiny = new FleetSimulator({ databases: 0, queues: 0 });
    expect(code(() => tiny.inject({ kind: 'dependency_outage' }))).toMatch(/^conflict: no free target for a dependency_outage fault/);
  });

  it('frees a root cause for a new fault once the previous one is fixed', () => {
    const sim = new FleetSimulator();
    sim.inject({ kind: 'cpu_hog', target: 'service:cart', atMs: MONDAY });
    run(sim, MONDAY + 10 * MIN);
    sim.apply({ kind: 'restart', target: 'service:cart' });
    expect(sim.inject({ kind: 'memory_leak', target: 'service:cart', atMs: MONDAY + 30 * MIN }).rootCause).toBe('service:cart');
  });
});
