/**
 * @module twin/twin
 * The digital twin: an in-memory graph of entities and relations with live state per entity.
 * Built from the simulator's topology, from a topology file (see {@link parseTopology}) and from
 * telemetry labels (see {@link resolveEntity}). Pure: times come in as arguments.
 */
import { describe, invalid } from '../errors.js';
import type { Labels } from '../telemetry/types.js';
import {
  ENTITY_KINDS,
  type Entity,
  type EntityKind,
  type EntityState,
  type Health,
  RELATION_KINDS,
  type Relation,
  type RelationKind,
  type Topology,
} from './types.js';

interface MutableState {
  signals: Record<string, { t: number; v: number }>;
  openAnomalies: Set<string>;
  failureRisk?: number;
  headroom?: Record<string, number>;
  updatedAt: number;
}

/** Resource attribute (OpenTelemetry name, and the Prometheus-safe spelling) → entity kind. */
const RESOURCE_KEYS: readonly (readonly [string, EntityKind])[] = [
  ['k8s.pod.name', 'pod'],
  ['k8s_pod_name', 'pod'],
  ['pod', 'pod'],
  ['container.name', 'container'],
  ['container', 'container'],
  ['service.name', 'service'],
  ['service_name', 'service'],
  ['service', 'service'],
  ['k8s.deployment.name', 'service'],
  ['k8s_deployment_name', 'service'],
  ['k8s.statefulset.name', 'service'],
  ['k8s.daemonset.name', 'service'],
  ['db.name', 'database'],
  ['database', 'database'],
  ['queue', 'queue'],
  ['lb', 'load_balancer'],
  ['host.name', 'host'],
  ['host_name', 'host'],
  ['host', 'host'],
  ['k8s.node.name', 'host'],
  ['instance', 'host'],
];

/**
 * The entity a series describes, from its labels: an explicit `entity` label wins, then the
 * most specific OpenTelemetry resource attribute (pod, container, service, database, queue, host).
 * Returns undefined when nothing identifies an entity.
 * @example resolveEntity({ 'service.name': 'checkout' }) // { id: 'service:checkout', kind: 'service', name: 'checkout' }
 */
export function resolveEntity(labels: Labels): { id: string; kind: EntityKind; name: string } | undefined {
  const explicit = labels.entity;
  if (explicit !== undefined && explicit !== '') {
    const colon = explicit.indexOf(':');
    const kind = colon > 0 ? explicit.slice(0, colon) : '';
    if ((ENTITY_KINDS as readonly string[]).includes(kind)) {
      return { id: explicit, kind: kind as EntityKind, name: explicit.slice(colon + 1) };
    }
    return { id: `service:${explicit}`, kind: 'service', name: explicit };
  }
  for (const [key, kind] of RESOURCE_KEYS) {
    const value = labels[key];
    // Prometheus' `instance` is host:port: the port names the exporter, not the machine.
    const name = key === 'instance' && value !== undefined ? value.replace(/:\d+$/, '') : value;
    if (name !== undefined && name !== '') return { id: `${kind}:${name}`, kind, name };
  }
  return undefined;
}

/** Health from the share of a signal's budget that is used and the anomalies open on it. */
function healthOf(state: MutableState): Health {
  const risk = state.failureRisk ?? 0;
  const open = state.openAnomalies.size;
  if (open >= 3 || risk >= 0.8) return 'critical';
  if (open >= 1 || risk >= 0.4) return 'degraded';
  return Object.keys(state.signals).length === 0 ? 'unknown' : 'healthy';
}

/** The digital twin of the infrastructure. */
export class Twin {
  #entities = new Map<string, Entity>();
  #relations = new Map<string, Relation>();
  #out = new Map<string, Relation[]>();
  #in = new Map<string, Relation[]>();
  #states = new Map<string, MutableState>();

  /** Adds or replaces entities and relations. Relations to unknown entities are rejected. */
  load(topology: Topology): void {
    for (const e of topology.entities) this.upsertEntity(e);
    for (const r of topology.relations) this.addRelation(r);
  }

  /**
   * Replaces every relation with `relations` (entities must exist): for sources that report
   * placements as a whole, such as the simulator after a drain or a scale-out.
   */
  replaceRelations(relations: readonly Relation[]): void {
    this.#relations.clear();
    this.#out.clear();
    this.#in.clear();
    for (const r of relations) this.addRelation(r);
  }

  /** Adds or replaces one entity. */
  upsertEntity(entity: Entity): void {
    this.#entities.set(entity.id, entity);
  }

  /** Adds a relation once; both ends must exist. */
  addRelation(relation: Relation): void {
    if (!this.#entities.has(relation.from) || !this.#entities.has(relation.to)) {
      throw invalid(
        `relation ${relation.from} ${relation.kind} ${relation.to} refers to an unknown entity (known: ${this.#entities.size} entities)`,
      );
    }
    const key = `${relation.from}|${relation.kind}|${relation.to}`;
    if (this.#relations.has(key)) return;
    this.#relations.set(key, relation);
    push(this.#out, relation.from, relation);
    push(this.#in, relation.to, relation);
  }

  /**
   * Makes sure the entity that labels describe exists, creating it from the labels when new.
   * Returns its id, or undefined if the labels identify no entity.
   */
  ensureFromLabels(labels: Labels): string | undefined {
    const found = resolveEntity(labels);
    if (found === undefined) return undefined;
    if (!this.#entities.has(found.id)) {
      this.upsertEntity({ id: found.id, kind: found.kind, name: found.name, attributes: { ...labels } });
    }
    return found.id;
  }

  /** The entity with this id, if known. */
  entity(id: string): Entity | undefined {
    return this.#entities.get(id);
  }

  /** All entities in insertion order. */
  entities(): Entity[] {
    return [...this.#entities.values()];
  }

  /** All relations. */
  relations(): Relation[] {
    return [...this.#relations.values()];
  }

  /** Entities and relations. */
  topology(): Topology {
    return { entities: this.entities(), relations: this.relations() };
  }

  /** Relations leaving `id` (optionally of one kind). */
  outgoing(id: string, kind?: RelationKind): Relation[] {
    const all = this.#out.get(id) ?? [];
    return kind === undefined ? all : all.filter((r) => r.kind === kind);
  }

  /** Relations arriving at `id` (optionally of one kind). */
  incoming(id: string, kind?: RelationKind): Relation[] {
    const all = this.#in.get(id) ?? [];
    return kind === undefined ? all : all.filter((r) => r.kind === kind);
  }

  /** Entity ids within `hops` relations of `id`, in either direction (including `id`). */
  neighbourhood(id: string, hops: number): Set<string> {
    const seen = new Set([id]);
    let frontier = [id];
    for (let h = 0; h < hops; h++) {
      const next: string[] = [];
      for (const n of frontier) {
        const around = [...this.outgoing(n).map((r) => r.to), ...this.incoming(n).map((r) => r.from)];
        for (const m of around) {
          if (seen.has(m)) continue;
          seen.add(m);
          next.push(m);
        }
      }
      frontier = next;
    }
    return seen;
  }

  /** Records the latest value of a signal. */
  observe(entityId: string, metric: string, t: number, v: number): void {
    const s = this.#state(entityId, t);
    const prev = s.signals[metric];
    if (prev === undefined || prev.t <= t) s.signals[metric] = { t, v };
    if (t > s.updatedAt) s.updatedAt = t;
  }

  /** Marks an anomaly open or closed on an entity. */
  setAnomaly(entityId: string, anomalyId: string, open: boolean, t: number): void {
    const s = this.#state(entityId, t);
    if (open) s.openAnomalies.add(anomalyId);
    else s.openAnomalies.delete(anomalyId);
  }

  /** Sets the failure risk (probability in [0, 1]) of an entity. */
  setRisk(entityId: string, risk: number, t: number): void {
    this.#state(entityId, t).failureRisk = risk;
  }

  /** Sets the remaining capacity share of one resource of an entity. */
  setHeadroom(entityId: string, resource: string, share: number, t: number): void {
    const s = this.#state(entityId, t);
    s.headroom = { ...(s.headroom ?? {}), [resource]: share };
  }

  /** Whether the entity has an open anomaly (no copy of the whole state). */
  anomalous(entityId: string): boolean {
    return (this.#states.get(entityId)?.openAnomalies.size ?? 0) > 0;
  }

  /** Latest sample of one signal of an entity (no copy of the whole state), if any. */
  signal(entityId: string, metric: string): { readonly t: number; readonly v: number } | undefined {
    return this.#states.get(entityId)?.signals[metric];
  }

  /** Live state of one entity. */
  state(entityId: string): EntityState {
    const s = this.#states.get(entityId);
    if (s === undefined) return { entityId, signals: {}, health: 'unknown', openAnomalies: [], updatedAt: 0 };
    return {
      entityId,
      signals: { ...s.signals },
      health: healthOf(s),
      openAnomalies: [...s.openAnomalies],
      ...(s.failureRisk !== undefined ? { failureRisk: s.failureRisk } : {}),
      ...(s.headroom !== undefined ? { headroom: { ...s.headroom } } : {}),
      updatedAt: s.updatedAt,
    };
  }

  /** Live state of every entity. */
  states(): EntityState[] {
    return this.entities().map((e) => this.state(e.id));
  }

  #state(entityId: string, t: number): MutableState {
    let s = this.#states.get(entityId);
    if (s === undefined) {
      s = { signals: {}, openAnomalies: new Set(), updatedAt: t };
      this.#states.set(entityId, s);
    }
    return s;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * Validates a topology document (already parsed from YAML or JSON):
 * `{ entities: [{ id?, kind, name, attributes?, capacity? }], relations: [{ from, to, kind }] }`.
 * An entity's id defaults to `<kind>:<name>`.
 */
export function parseTopology(doc: unknown, source = 'topology'): Topology {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw invalid(`${source}: expected an object with "entities" and "relations" (got ${describe(doc)})`);
  }
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (k !== 'entities' && k !== 'relations') throw invalid(`${source}: unknown key "${k}" (expected entities, relations)`);
  }
  const rawEntities = d.entities ?? [];
  const rawRelations = d.relations ?? [];
  if (!Array.isArray(rawEntities)) throw invalid(`${source}.entities must be a list (got ${describe(rawEntities)})`);
  if (!Array.isArray(rawRelations)) throw invalid(`${source}.relations must be a list (got ${describe(rawRelations)})`);
  const entities: Entity[] = rawEntities.map((raw, i) => parseEntity(raw, `${source}.entities[${i}]`));
  const ids = new Set(entities.map((e) => e.id));
  const relations: Relation[] = rawRelations.map((raw, i) => {
    const at = `${source}.relations[${i}]`;
    const r = asRecord(raw, at, ['from', 'to', 'kind']);
    const from = str(r.from, `${at}.from`);
    const to = str(r.to, `${at}.to`);
    const kind = str(r.kind, `${at}.kind`);
    if (!(RELATION_KINDS as readonly string[]).includes(kind)) {
      throw invalid(`${at}.kind must be one of ${RELATION_KINDS.join(', ')} (got ${describe(kind)})`);
    }
    for (const [end, id] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!ids.has(id)) throw invalid(`${at}.${end} refers to unknown entity ${describe(id)}`);
    }
    return { from, to, kind: kind as RelationKind };
  });
  return { entities, relations };
}

function parseEntity(raw: unknown, at: string): Entity {
  const r = asRecord(raw, at, ['id', 'kind', 'name', 'attributes', 'capacity']);
  const kind = str(r.kind, `${at}.kind`);
  if (!(ENTITY_KINDS as readonly string[]).includes(kind)) {
    throw invalid(`${at}.kind must be one of ${ENTITY_KINDS.join(', ')} (got ${describe(kind)})`);
  }
  const name = str(r.name, `${at}.name`);
  const id = r.id === undefined ? `${kind}:${name}` : str(r.id, `${at}.id`);
  const attributes: Record<string, string> = {};
  if (r.attributes !== undefined) {
    for (const [k, v] of Object.entries(asRecord(r.attributes, `${at}.attributes`))) attributes[k] = String(v);
  }
  let capacity: Record<string, number> | undefined;
  if (r.capacity !== undefined) {
    capacity = {};
    for (const [k, v] of Object.entries(asRecord(r.capacity, `${at}.capacity`))) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${at}.capacity.${k} must be a number (got ${describe(v)})`);
      capacity[k] = v;
    }
  }
  return { id, kind: kind as EntityKind, name, attributes, ...(capacity ? { capacity } : {}) };
}

function asRecord(raw: unknown, at: string, keys?: readonly string[]): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(`${at} must be an object (got ${describe(raw)})`);
  const r = raw as Record<string, unknown>;
  if (keys) {
    for (const k of Object.keys(r)) if (!keys.includes(k)) throw invalid(`${at}: unknown key "${k}" (expected one of ${keys.join(', ')})`);
  }
  return r;
}

function str(v: unknown, at: string): string {
  if (typeof v !== 'string' || v === '') throw invalid(`${at} must be a non-empty string (got ${describe(v)})`);
  return v;
}
