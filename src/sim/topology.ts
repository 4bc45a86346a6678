/**
 * @module sim/topology
 * Generates a plausible micro-service fleet: services in four tiers (edge → api → backend → data)
 * calling each other down the tiers, databases and queues at the bottom, replicas placed on hosts,
 * load balancers in front of the edge.
 *
 * Algorithm: services are split into tiers (≈12 % edge, 25 % api, 25 % data, the rest backend);
 * each service depends on 1–3 services of the next non-empty tier (sometimes one two tiers down),
 * data-tier services on 1–2 databases and sometimes a queue; every non-edge service is then given
 * at least one caller and every database/queue at least one user, so traffic reaches everything.
 * Edges only point to later tiers, which makes `depends_on` a DAG by construction. Databases and
 * queues get distinct hosts first; each service then places 2–4 replicas on distinct hosts,
 * least-loaded first (ties broken by the RNG). Deterministic for a given seed.
 */
import { describe, invalid } from '../errors.js';
import type { Entity, Relation, Topology } from '../twin/types.js';
import { Rng, mixSeed } from './rng.js';
import { parseSimOptions } from './sim-options.js';
import type { SimOptions } from './types.js';

/** The four service tiers, callers first. */
export const SERVICE_TIERS = ['edge', 'api', 'backend', 'data'] as const;

/** A service tier; stored on each service entity as the attribute `homeostat.tier`. */
export type ServiceTier = (typeof SERVICE_TIERS)[number];

/** The attribute that carries a service's tier. */
export const TIER_ATTRIBUTE = 'homeostat.tier';

const NAMES: Readonly<Record<ServiceTier, readonly string[]>> = {
  edge: ['web-frontend', 'api-gateway', 'mobile-bff', 'partner-gateway', 'admin-portal', 'graphql-gateway'],
  api: [
    'checkout',
    'cart',
    'catalog',
    'search',
    'accounts',
    'orders',
    'payments-api',
    'shipping-api',
    'reviews',
    'recommendations',
    'notifications',
    'wishlist',
  ],
  backend: [
    'pricing',
    'inventory',
    'fraud-detection',
    'payments',
    'ledger',
    'fulfillment',
    'auth',
    'sessions',
    'email-sender',
    'promotions',
    'tax',
    'currency',
    'media',
    'loyalty',
    'scheduler',
    'billing',
    'invoicing',
    'risk-scoring',
  ],
  data: [
    'orders-store',
    'user-store',
    'product-store',
    'inventory-store',
    'ledger-store',
    'search-indexer',
    'event-writer',
    'audit-log',
    'profile-store',
    'media-store',
  ],
};
const DATABASES: readonly (readonly [string, string])[] = [
  ['orders-db', 'postgresql'],
  ['users-db', 'postgresql'],
  ['catalog-db', 'mysql'],
  ['payments-db', 'postgresql'],
  ['inventory-db', 'mongodb'],
  ['analytics-db', 'clickhouse'],
  ['sessions-db', 'redis'],
];
const QUEUES: readonly (readonly [string, string])[] = [
  ['events-q', 'kafka'],
  ['orders-q', 'kafka'],
  ['notifications-q', 'rabbitmq'],
  ['billing-q', 'rabbitmq'],
  ['audit-q', 'kafka'],
];
const HOST_SHAPES: readonly { type: string; cpu: number; mem: number; disk: number }[] = [
  { type: 'm6i.2xlarge', cpu: 8, mem: 32, disk: 500 },
  { type: 'm6i.4xlarge', cpu: 16, mem: 64, disk: 1000 },
  { type: 'r6i.4xlarge', cpu: 16, mem: 128, disk: 1000 },
  { type: 'm6i.8xlarge', cpu: 32, mem: 128, disk: 2000 },
];
const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

/** `name`, `name-2`, `name-3`… from a pool, so any count gets plausible unique names. */
function poolName(pool: readonly string[], i: number, fallback: string): string {
  if (pool.length === 0) return `${fallback}-${i + 1}`;
  const base = pool[i % pool.length] as string;
  const round = Math.floor(i / pool.length);
  return round === 0 ? base : `${base}-${round + 1}`;
}

/** Tier sizes for `n` services: edge, api, backend, data (each ≥ 1 when n ≥ 4). */
function tierSizes(n: number): [number, number, number, number] {
  const edge = Math.max(1, Math.round(n * 0.12));
  const api = n >= 2 ? Math.max(1, Math.round(n * 0.25)) : 0;
  const data = n >= 3 ? Math.max(1, Math.round(n * 0.25)) : 0;
  return [edge, api, Math.max(0, n - edge - api - data), data];
}

/**
 * Generates a fleet topology for `options` (merged over the defaults and validated; throws
 * `invalid_argument` on bad options). Ids are `<kind>:<name>`: `service:checkout`,
 * `host:host-07`, `database:orders-db`, `queue:events-q`, `load_balancer:lb-1`. Services carry
 * `capacity.replicas` (= their `runs_on` hosts) and the attribute `homeostat.tier`; hosts carry
 * `capacity.cpu_cores`, `memory_gb`, `disk_gb`. `rng` defaults to one seeded from `options.seed`.
 * @example generateTopology({ services: 8, hosts: 6 }).entities.length
 */
export function generateTopology(options: Partial<SimOptions> = {}, rng?: Rng): Topology {
  const opts = parseSimOptions(options);
  if (rng !== undefined && !(rng instanceof Rng)) throw invalid(`generateTopology rng must be an Rng (got ${describe(rng)})`);
  const r = rng ?? new Rng(mixSeed(opts.seed, 0));
  const entities: Entity[] = [];
  const relations: Relation[] = [];

  const hostDigits = Math.max(2, String(opts.hosts).length);
  const hostIds: string[] = [];
  for (let i = 0; i < opts.hosts; i++) {
    const name = `host-${String(i + 1).padStart(hostDigits, '0')}`;
    const shape = HOST_SHAPES[(i * 7 + 3) % HOST_SHAPES.length] as (typeof HOST_SHAPES)[number];
    const id = `host:${name}`;
    hostIds.push(id);
    entities.push({
      id,
      kind: 'host',
      name,
      attributes: {
        'host.name': name,
        'host.id': `i-${(0x5e1000 + i * 977).toString(16)}`,
        'host.type': shape.type,
        'host.arch': 'amd64',
        'os.type': 'linux',
        'cloud.availability_zone': ZONES[i % ZONES.length] as string,
      },
      capacity: { cpu_cores: shape.cpu, memory_gb: shape.mem, disk_gb: shape.disk },
    });
  }
  const load = new Array<number>(opts.hosts).fill(0);
  const freeHosts = r.shuffle(hostIds.map((_, i) => i));

  const placeDedicated = (id: string): void => {
    const h = freeHosts.length > 0 ? (freeHosts.shift() as number) : leastLoaded(load, new Set(), r);
    load[h] = (load[h] as number) + 2;
    relations.push({ from: id, to: hostIds[h] as string, kind: 'runs_on' });
  };

  const dbIds: string[] = [];
  for (let i = 0; i < opts.databases; i++) {
    const [base, system] = DATABASES[i % DATABASES.length] as readonly [string, string];
    const round = Math.floor(i / DATABASES.length);
    const name = round === 0 ? base : `${base}-${round + 1}`;
    const id = `database:${name}`;
    dbIds.push(id);
    entities.push({
      id,
      kind: 'database',
      name,
      attributes: { 'db.system': system, 'db.namespace': name.replace(/-db/, ''), 'service.name': name },
    });
    placeDedicated(id);
  }
  const queueIds: string[] = [];
  for (let i = 0; i < opts.queues; i++) {
    const [base, system] = QUEUES[i % QUEUES.length] as readonly [string, string];
    const round = Math.floor(i / QUEUES.length);
    const name = round === 0 ? base : `${base}-${round + 1}`;
    const id = `queue:${name}`;
    queueIds.push(id);
    entities.push({
      id,
      kind: 'queue',
      name,
      attributes: { 'messaging.system': system, 'messaging.destination.name': name, 'service.name': name },
    });
    placeDedicated(id);
  }

  const sizes = tierSizes(opts.services);
  const tiers: string[][] = [[], [], [], []];
  const serviceEntities: Entity[] = [];
  sizes.forEach((size, t) => {
    const tier = SERVICE_TIERS[t] as ServiceTier;
    for (let i = 0; i < size; i++) {
      const name = poolName(NAMES[tier], i, tier);
      const id = `service:${name}`;
      (tiers[t] as string[]).push(id);
      serviceEntities.push({
        id,
        kind: 'service',
        name,
        attributes: {
          'service.name': name,
          'service.namespace': 'shop',
          'service.version': `1.${r.int(0, 9)}.${r.int(0, 20)}`,
          'deployment.environment.name': 'production',
          [TIER_ATTRIBUTE]: tier,
        },
      });
    }
  });

  const depends = new Map<string, Set<string>>();
  const callers = new Map<string, number>();
  const addDep = (from: string, to: string): void => {
    let set = depends.get(from);
    if (set === undefined) {
      set = new Set();
      depends.set(from, set);
    }
    if (set.has(to)) return;
    set.add(to);
    callers.set(to, (callers.get(to) ?? 0) + 1);
  };
  const nextTier = (t: number): number => {
    for (let k = t + 1; k < 4; k++) if ((tiers[k] as string[]).length > 0) return k;
    return -1;
  };
  const lastServiceTier = [3, 2, 1, 0].find((t) => (tiers[t] as string[]).length > 0) as number;

  for (let t = 0; t < 4; t++) {
    for (const id of tiers[t] as string[]) {
      const k = nextTier(t);
      if (k >= 0) {
        const pool = r.shuffle([...(tiers[k] as string[])]);
        const n = Math.min(pool.length, r.int(1, 3));
        for (let i = 0; i < n; i++) addDep(id, pool[i] as string);
        const k2 = nextTier(k);
        if (k2 >= 0 && r.uniform() < 0.3) addDep(id, r.pick(tiers[k2] as string[]));
      }
      if (t === lastServiceTier || t === 3) {
        if (dbIds.length > 0) {
          const pool = r.shuffle([...dbIds]);
          const n = Math.min(pool.length, r.int(1, 2));
          for (let i = 0; i < n; i++) addDep(id, pool[i] as string);
        }
        if (queueIds.length > 0 && r.uniform() < 0.4) addDep(id, r.pick(queueIds));
      } else if (t === 2 && queueIds.length > 0 && r.uniform() < 0.25) {
        addDep(id, r.pick(queueIds));
      }
    }
  }
  for (let t = 1; t < 4; t++) {
    for (const id of tiers[t] as string[]) {
      if ((callers.get(id) ?? 0) > 0) continue;
      let k = t - 1;
      while (k > 0 && (tiers[k] as string[]).length === 0) k--;
      addDep(r.pick(tiers[k] as string[]), id);
    }
  }
  const bottom = tiers[lastServiceTier] as string[];
  for (const id of [...dbIds, ...queueIds]) {
    if ((callers.get(id) ?? 0) === 0) addDep(r.pick(bottom), id);
  }

  for (const svc of serviceEntities) {
    const replicas = Math.min(opts.hosts, r.int(2, 4));
    const used = new Set<number>();
    for (let i = 0; i < replicas; i++) {
      const h = leastLoaded(load, used, r);
      used.add(h);
      load[h] = (load[h] as number) + 1;
      relations.push({ from: svc.id, to: hostIds[h] as string, kind: 'runs_on' });
    }
    entities.push({ ...svc, capacity: { replicas } });
    for (const to of depends.get(svc.id) ?? []) relations.push({ from: svc.id, to, kind: 'depends_on' });
  }

  const edges = tiers[0] as string[];
  for (let i = 0; i < opts.loadBalancers; i++) {
    const name = `lb-${i + 1}`;
    const id = `load_balancer:${name}`;
    entities.push({
      id,
      kind: 'load_balancer',
      name,
      attributes: { 'service.name': name, 'cloud.resource_type': 'load_balancer' },
    });
    const targets = new Set<string>();
    for (let e = 0; e < edges.length; e++) if (e % opts.loadBalancers === i) targets.add(edges[e] as string);
    if (targets.size === 0 && edges.length > 0) targets.add(edges[i % edges.length] as string);
    for (const to of targets) relations.push({ from: id, to, kind: 'connects_to' });
  }

  return Object.freeze({
    entities: Object.freeze(entities.map((e) => Object.freeze(e))),
    relations: Object.freeze(relations.map((x) => Object.freeze(x))),
  });
}

/** Index of the least-loaded host not in `exclude` (ties broken by the RNG). */
function leastLoaded(load: readonly number[], exclude: ReadonlySet<number>, r: Rng): number {
  let best = Number.POSITIVE_INFINITY;
  const ties: number[] = [];
  for (let h = 0; h < load.length; h++) {
    if (exclude.has(h)) continue;
    const l = load[h] as number;
    if (l < best) {
      best = l;
      ties.length = 0;
      ties.push(h);
    } else if (l === best) ties.push(h);
  }
  return ties.length > 0 ? r.pick(ties) : r.int(0, load.length - 1);
}
