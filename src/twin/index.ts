/**
 * @module twin
 * The digital twin: entities, relations, live state.
 */
export { parseTopology, resolveEntity, Twin } from './twin.js';
export type { Entity, EntityKind, EntityState, Health, Relation, RelationKind, Topology } from './types.js';
export { ENTITY_KINDS, RELATION_KINDS } from './types.js';
export type { KubeLists, KubernetesTopology, KubernetesTopologyOptions } from './kubernetes-topology.js';
export { DEPENDS_ON_ANNOTATION, kubernetesTopology, parseQuantity } from './kubernetes-topology.js';
