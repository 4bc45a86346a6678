/**
 * @module twin/kubernetes-topology
 * Turns the lists a Kubernetes API server returns (Nodes, Deployments, ReplicaSets, Pods,
 * Services) into a twin {@link Topology}. Pure: the fetch lives in
 * `heal/kubernetes-topology-source.ts`.
 *
 * Mapping (ids are chosen to match what `resolveEntity` derives from OpenTelemetry resource
 * attributes, so telemetry lands on the imported entities):
 * - Node `n` → `host:n` (attributes `host.name`, `k8s.node.name`; capacity `cpu_cores`,
 *   `memory_bytes`, `pods` from `status.allocatable`);
 * - Deployment `d` → `service:d` (attributes `service.name`, `k8s.deployment.name`,
 *   `k8s.namespace.name`; capacity `replicas` from `spec.replicas`); a Service of the same name
 *   in the same namespace is the same entity (attribute `k8s.service.name` added); any other
 *   Service `s` → `service:s`;
 * - Pod `p` (not Succeeded/Failed) → `pod:p`, `pod runs_on host:<spec.nodeName>`,
 *   `pod part_of service:<d>` through its ReplicaSet's owning Deployment, and
 *   `pod part_of service:<s>` for every Service whose selector matches its labels;
 * - the annotation `homeostat.io/depends-on: a, b` on a Deployment or Service →
 *   `service depends_on` each entry: `name` (same namespace), `namespace/name`, or an entity id
 *   `kind:name` (e.g. `database:orders`, declared in a topology file and passed as `knownIds`).
 *
 * A name used in two namespaces is qualified for both: `service:shop/web` and `service:blog/web`.
 * What cannot be mapped (a pod on an unknown node, a dependency on an unknown name) is skipped and
 * listed in `warnings`. Output order is deterministic (entities and relations sorted).
 */
import type { Entity, EntityKind, Relation, RelationKind, Topology } from './types.js';

/** Annotation listing what a Deployment or Service depends on (comma-separated). */
export const DEPENDS_ON_ANNOTATION = 'homeostat.io/depends-on';

/** The object metadata the conversion reads. */
export interface KubeMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly {
    readonly kind?: string;
    readonly name?: string;
    readonly uid?: string;
    readonly controller?: boolean;
  }[];
}

/** A Node, as far as the conversion reads it. */
export interface KubeNode {
  readonly metadata?: KubeMeta;
  readonly status?: { readonly allocatable?: Readonly<Record<string, string>> };
}

/** A Deployment, as far as the conversion reads it. */
export interface KubeDeployment {
  readonly metadata?: KubeMeta;
  readonly spec?: { readonly replicas?: number };
}

/** A ReplicaSet, as far as the conversion reads it. */
export interface KubeReplicaSet {
  readonly metadata?: KubeMeta;
}

/** A Pod, as far as the conversion reads it. */
export interface KubePod {
  readonly metadata?: KubeMeta;
  readonly spec?: { readonly nodeName?: string };
  readonly status?: { readonly phase?: string };
}

/** A Service, as far as the conversion reads it. */
export interface KubeService {
  readonly metadata?: KubeMeta;
  readonly spec?: { readonly selector?: Readonly<Record<string, string>> };
}

/** The lists to convert (the `items` of each list answer). */
export interface KubeLists {
  readonly nodes?: readonly KubeNode[];
  readonly deployments?: readonly KubeDeployment[];
  readonly replicaSets?: readonly KubeReplicaSet[];
  readonly pods?: readonly KubePod[];
  readonly services?: readonly KubeService[];
}

/** Options of {@link kubernetesTopology}. */
export interface KubernetesTopologyOptions {
  /** Entity ids defined elsewhere (a topology file) that `depends-on` entries may name. */
  readonly knownIds?: readonly string[];
  /** Annotation read for dependencies. Default {@link DEPENDS_ON_ANNOTATION}. */
  readonly dependsOnAnnotation?: string;
}

/** A converted topology and what was skipped, in words. */
export interface KubernetesTopology extends Topology {
  readonly warnings: readonly string[];
}

interface Draft {
  id: string;
  kind: EntityKind;
  name: string;
  attributes: Record<string, string>;
  capacity?: Record<string, number>;
}

/**
 * Converts Kubernetes lists to a topology (see the module comment for the mapping). Never throws
 * on odd objects: an object without a name is skipped with a warning.
 * @example kubernetesTopology({ nodes: [{ metadata: { name: 'n1' } }] }).entities[0].id // 'host:n1'
 */
export function kubernetesTopology(lists: KubeLists, options: KubernetesTopologyOptions = {}): KubernetesTopology {
  const annotation = options.dependsOnAnnotation ?? DEPENDS_ON_ANNOTATION;
  const warnings: string[] = [];
  const entities = new Map<string, Draft>();
  const relations = new Map<string, Relation>();
  const relate = (from: string, kind: RelationKind, to: string): void => {
    if (from !== to) relations.set(`${from}|${kind}|${to}`, { from, to, kind });
  };
  const named = <T extends { readonly metadata?: KubeMeta }>(list: readonly T[] | undefined, what: string): T[] =>
    (list ?? []).filter((o, i) => {
      if (o?.metadata?.name) return true;
      warnings.push(`${what}[${i}] has no metadata.name: skipped`);
      return false;
    });

  for (const node of named(lists.nodes, 'nodes')) {
    const name = nameOf(node);
    const capacity = nodeCapacity(node.status?.allocatable ?? {});
    entities.set(`host:${name}`, {
      id: `host:${name}`,
      kind: 'host',
      name,
      attributes: { 'host.name': name, 'k8s.node.name': name },
      ...(Object.keys(capacity).length > 0 ? { capacity } : {}),
    });
  }

  const deployments = named(lists.deployments, 'deployments');
  const services = named(lists.services, 'services');
  const pods = named(lists.pods, 'pods').filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  // A workload is a Deployment or Service, keyed by namespace/name; same key = same entity.
  const workloadKeys = [...deployments, ...services].map((o) => key(o));
  const serviceId = qualifier('service', workloadKeys);
  const podId = qualifier('pod', pods.map(key));

  for (const d of deployments) {
    const name = nameOf(d);
    const id = serviceId(key(d));
    const replicas = d.spec?.replicas;
    entities.set(id, {
      id,
      kind: 'service',
      name,
      attributes: { 'service.name': name, 'k8s.deployment.name': name, 'k8s.namespace.name': nsOf(d) },
      ...(typeof replicas === 'number' && Number.isFinite(replicas) ? { capacity: { replicas } } : {}),
    });
  }
  for (const s of services) {
    const name = nameOf(s);
    const id = serviceId(key(s));
    const existing = entities.get(id);
    if (existing) existing.attributes['k8s.service.name'] = name;
    else {
      entities.set(id, {
        id,
        kind: 'service',
        name,
        attributes: { 'service.name': name, 'k8s.service.name': name, 'k8s.namespace.name': nsOf(s) },
      });
    }
  }

  // ReplicaSet uid or namespace/name → the Deployment that controls it.
  const deploymentOfRs = new Map<string, string>();
  for (const rs of named(lists.replicaSets, 'replicaSets')) {
    const owner = controllerOf(rs.metadata);
    if (owner?.kind !== 'Deployment' || !owner.name) continue;
    const dKey = `${nsOf(rs)}/${owner.name}`;
    if (rs.metadata?.uid) deploymentOfRs.set(rs.metadata.uid, dKey);
    deploymentOfRs.set(key(rs), dKey);
  }

  for (const p of pods) {
    const name = nameOf(p);
    const ns = nsOf(p);
    const id = podId(key(p));
    const attributes: Record<string, string> = { 'k8s.pod.name': name, 'k8s.namespace.name': ns };
    const node = p.spec?.nodeName;
    if (node) attributes['k8s.node.name'] = node;
    const owner = controllerOf(p.metadata);
    const dKey =
      owner?.kind === 'ReplicaSet'
        ? ((owner.uid ? deploymentOfRs.get(owner.uid) : undefined) ?? deploymentOfRs.get(`${ns}/${owner.name}`))
        : undefined;
    if (dKey) attributes['k8s.deployment.name'] = dKey.slice(dKey.indexOf('/') + 1);
    entities.set(id, { id, kind: 'pod', name, attributes });
    if (node) {
      if (entities.has(`host:${node}`)) relate(id, 'runs_on', `host:${node}`);
      else warnings.push(`pod ${ns}/${name} runs on node ${node}, which is not in the node list: no runs_on relation`);
    }
    if (dKey && entities.has(serviceId(dKey))) relate(id, 'part_of', serviceId(dKey));
    const labels = p.metadata?.labels ?? {};
    for (const s of services) {
      const selector = s.spec?.selector ?? {};
      const keys = Object.keys(selector);
      if (nsOf(s) === ns && keys.length > 0 && keys.every((k) => labels[k] === selector[k])) relate(id, 'part_of', serviceId(key(s)));
    }
  }

  const known = new Set(options.knownIds ?? []);
  for (const o of [...deployments, ...services]) {
    const raw = o.metadata?.annotations?.[annotation];
    if (raw === undefined) continue;
    const from = serviceId(key(o));
    for (const entry of raw
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '')) {
      const to = entry.includes(':') ? entry : serviceId(entry.includes('/') ? entry : `${nsOf(o)}/${entry}`);
      if (entities.has(to) || known.has(to)) relate(from, 'depends_on', to);
      else warnings.push(`${key(o)} ${annotation} names ${JSON.stringify(entry)}, which is not a known entity (${to}): skipped`);
    }
  }

  const sortedEntities: Entity[] = [...entities.values()]
    .sort((a, b) => cmp(a.id, b.id))
    .map((e) => ({ id: e.id, kind: e.kind, name: e.name, attributes: e.attributes, ...(e.capacity ? { capacity: e.capacity } : {}) }));
  const sortedRelations = [...relations.entries()].sort((a, b) => cmp(a[0], b[0])).map(([, r]) => r);
  return { entities: sortedEntities, relations: sortedRelations, warnings };
}

/**
 * Parses a Kubernetes resource quantity (`500m`, `4`, `16Gi`, `1.5e3`) to a number; undefined
 * when it is not one.
 * @example parseQuantity('16Gi') // 17179869184
 */
export function parseQuantity(q: string): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(q.trim());
  if (!m) return undefined;
  if (m[2]) return Number(`${m[1]}${m[2]}`);
  const suffix = m[3];
  if (suffix === undefined) return Number(m[1]);
  const binary = BINARY_SUFFIXES[suffix];
  // Decimal suffixes as exponents, so that 100n is exactly 1e-7.
  return binary !== undefined ? Number(m[1]) * binary : Number(`${m[1]}e${DECIMAL_EXPONENTS[suffix]}`);
}

const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

function nodeCapacity(allocatable: Readonly<Record<string, string>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [resource, name] of [
    ['cpu', 'cpu_cores'],
    ['memory', 'memory_bytes'],
    ['pods', 'pods'],
  ] as const) {
    const q = allocatable[resource];
    const v = q === undefined ? undefined : parseQuantity(q);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function nameOf(o: { readonly metadata?: KubeMeta }): string {
  return o.metadata?.name ?? '';
}

function nsOf(o: { readonly metadata?: KubeMeta }): string {
  return o.metadata?.namespace ?? 'default';
}

function key(o: { readonly metadata?: KubeMeta }): string {
  return `${nsOf(o)}/${nameOf(o)}`;
}

function controllerOf(meta: KubeMeta | undefined): { kind?: string; name?: string; uid?: string } | undefined {
  const refs = meta?.ownerReferences ?? [];
  return refs.find((r) => r.controller === true) ?? refs[0];
}

/** Maps `namespace/name` keys to `<kind>:name`, or `<kind>:namespace/name` when the name is in several namespaces. */
function qualifier(kind: string, keys: readonly string[]): (k: string) => string {
  const namespacesOf = new Map<string, Set<string>>();
  for (const k of keys) {
    const name = k.slice(k.indexOf('/') + 1);
    const set = namespacesOf.get(name) ?? new Set<string>();
    set.add(k.slice(0, k.indexOf('/')));
    namespacesOf.set(name, set);
  }
  return (k) => {
    const name = k.slice(k.indexOf('/') + 1);
    return (namespacesOf.get(name)?.size ?? 0) > 1 ? `${kind}:${k}` : `${kind}:${name}`;
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
