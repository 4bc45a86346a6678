/**
 * @module twin/types
 * Entities, relations and live state of the digital twin.
 */

/** What an entity is. */
export type EntityKind =
  | 'host'
  | 'vm'
  | 'pod'
  | 'container'
  | 'service'
  | 'database'
  | 'queue'
  | 'load_balancer'
  | 'disk'
  | 'network_link'
  | 'cluster';

/** Every entity kind, in a stable order. */
export const ENTITY_KINDS: readonly EntityKind[] = [
  'host',
  'vm',
  'pod',
  'container',
  'service',
  'database',
  'queue',
  'load_balancer',
  'disk',
  'network_link',
  'cluster',
];

/**
 * How two entities relate, read as `from <kind> to`:
 * `pod runs_on host`, `service depends_on database`, `disk part_of host`, `lb connects_to service`.
 */
export type RelationKind = 'runs_on' | 'depends_on' | 'part_of' | 'connects_to';

/** Every relation kind. */
export const RELATION_KINDS: readonly RelationKind[] = ['runs_on', 'depends_on', 'part_of', 'connects_to'];

/**
 * A thing in the infrastructure. `id` is `<kind>:<name>` unless given; `attributes` carries the
 * OpenTelemetry resource attributes it was keyed by (`service.name`, `host.name`, `k8s.pod.name`…).
 * `capacity` holds the known limits per resource (e.g. `replicas`, `cpu_cores`, `memory_bytes`).
 */
export interface Entity {
  readonly id: string;
  readonly kind: EntityKind;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly capacity?: Readonly<Record<string, number>>;
}

/** A directed relation between two entity ids. */
export interface Relation {
  readonly from: string;
  readonly to: string;
  readonly kind: RelationKind;
}

/** Health of an entity as the twin sees it. */
export type Health = 'healthy' | 'degraded' | 'critical' | 'unknown';

/** Live state of one entity, derived from telemetry, anomalies and predictions. */
export interface EntityState {
  readonly entityId: string;
  /** Latest value per metric name, with its time (epoch ms). */
  readonly signals: Readonly<Record<string, { readonly t: number; readonly v: number }>>;
  readonly health: Health;
  /** Ids of anomalies on this entity not yet closed. */
  readonly openAnomalies: readonly string[];
  /** Probability of failure within the failure horizon, if predicted. */
  readonly failureRisk?: number;
  /** Remaining capacity share per resource (0 = saturated, 1 = idle), if known. */
  readonly headroom?: Readonly<Record<string, number>>;
  readonly updatedAt: number;
}

/** A topology: entities and relations. */
export interface Topology {
  readonly entities: readonly Entity[];
  readonly relations: readonly Relation[];
}
