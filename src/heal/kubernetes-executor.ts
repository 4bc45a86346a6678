/**
 * @module heal/kubernetes-executor
 * Carries out actions on a Kubernetes cluster through its API, the way `kubectl` does:
 * - restart → `kubectl rollout restart`: a strategic merge patch of the Deployment's
 *   `spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]` (RFC 3339 time);
 * - scale_out → `kubectl scale`: read the `apps/v1` `deployments/{name}/scale` subresource, then
 *   a merge patch of `spec.replicas` (+ `params.by`, default 1, capped) carrying the
 *   `resourceVersion` read, so a concurrent change answers 409 instead of being overwritten;
 * - drain → `kubectl drain`: cordon the Node (`spec.unschedulable: true`), then evict each of
 *   its pods through the Eviction API (`policy/v1`), skipping DaemonSet-owned, mirror and
 *   terminating pods; a 429 (a PodDisruptionBudget forbids it now) is retried a bounded number
 *   of times, then the pods left are reported. `params.cordonOnly: true` cordons only (there is
 *   no `cordon` action kind);
 * - rollback → `kubectl rollout undo`: the Deployment's ReplicaSet with the second-highest
 *   `deployment.kubernetes.io/revision` (or `params.toRevision`), whose pod template (minus the
 *   `pod-template-hash` label) replaces the Deployment's through a JSON patch.
 *
 * `dryRun` sends the same requests with `?dryRun=All` (server-side dry run: validated and
 * admitted, nothing persisted). `execute` dry-runs first and applies only if that passed, then
 * records a core/v1 Event on the object (reason `HomeostatRestart`…, source `homeostat`).
 *
 * Targets: a `service` entity → the Deployment of that name (`service:web`, or
 * `service:shop/web` for namespace `shop`); any twin entity with a `k8s.deployment.name`
 * attribute (a service or pod from the Kubernetes topology import) → that Deployment in its
 * `k8s.namespace.name`; a `host` entity → the Node of that name (or its `k8s.node.name`).
 * Names are checked as DNS-1123 before any request. clean_disk and failover are not supported.
 */
import { systemClock, type Clock } from '../clock.js';
import { describe, HomeostatError, invalid } from '../errors.js';
import type { Action, ActionKind, Outcome } from '../records/types.js';
import type { Entity } from '../twin/types.js';
import type { Executor, Plan } from './executor.js';
import { isDnsLabel, isDnsSubdomain, KubeApiError, type KubeClient, seg } from './kube-client.js';

/** Field manager of Homeostat's patches (in `managedFields`; query `fieldManager=homeostat`). */
export const FIELD_MANAGER = 'homeostat';
/** Annotation `kubectl rollout restart` sets on the pod template. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Annotation carrying a Deployment's or ReplicaSet's revision. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Label the Deployment controller adds to each ReplicaSet's pods. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** Annotation marking a mirror (static) pod. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** Deployment annotations `kubectl rollout undo` keeps from the Deployment, not the ReplicaSet. */
const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

const SUPPORTED: ReadonlySet<ActionKind> = new Set<ActionKind>(['restart', 'scale_out', 'drain', 'rollback']);

const REASONS: Readonly<Record<string, string>> = {
  restart: 'HomeostatRestart',
  scale_out: 'HomeostatScaleOut',
  drain: 'HomeostatDrain',
  cordon: 'HomeostatCordon',
  rollback: 'HomeostatRollback',
};

/** Options of {@link KubernetesExecutor}. */
export interface KubernetesExecutorOptions {
  readonly client: KubeClient;
  /** Namespace of Deployments whose target names none. Default the client's namespace. */
  readonly namespace?: string;
  /** Replicas a scale-out never goes beyond (≥ 1). Default 10; `params.maxReplicas` may lower it. */
  readonly maxReplicas?: number;
  /** Looks up twin entities, for their `k8s.*` attributes (e.g. `(id) => twin.entity(id)`). */
  readonly entity?: (id: string) => Entity | undefined;
  /** Times of `restartedAt` and of Events. Default the wall clock. */
  readonly clock?: Clock;
  /** Retries of an eviction refused with 429 (≥ 0). Default 3. */
  readonly evictionRetries?: number;
  /** Wait before each retry (ms, ≥ 0). Default 5000, as `kubectl drain`. */
  readonly evictionRetryDelayMs?: number;
  /** How to wait; injected by tests. Default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Record a Kubernetes Event for each applied action. Default true. */
  readonly recordEvents?: boolean;
  /** Name under which an {@link ExecutorSet} finds it. Default `kubernetes`. */
  readonly name?: string;
}

/** The object an action acts on. */
type Target =
  | { readonly kind: 'Deployment'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'Node'; readonly name: string };

/** What an Event points at. */
interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
}

/** A result before it is recorded: the outcome, and the object touched (for the Event). */
interface Done {
  readonly outcome: Outcome;
  readonly involved?: InvolvedObject;
  readonly reason: string;
  /** Refused before any request (bad target or params): nothing was asked of the API server. */
  readonly local?: boolean;
}

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: { kind?: string; name?: string; uid?: string; controller?: boolean }[];
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } & Record<string, unknown>;
  spec?: unknown;
}

/** A Kubernetes label selector. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

interface Deployment {
  metadata?: Meta;
  spec?: { paused?: boolean; selector?: LabelSelector; template?: PodTemplate };
}

interface ReplicaSet {
  metadata?: Meta;
  spec?: { template?: PodTemplate };
}

interface Scale {
  metadata?: Meta;
  spec?: { replicas?: number };
}

interface Pod {
  metadata?: Meta;
}

/**
 * Executor for Kubernetes (see the module comment for what each action does). Never throws from
 * `dryRun`/`execute`: an API refusal, a time-out or a bad target is an outcome with `ok: false`
 * and the API's message. The constructor throws `invalid_argument` for bad options.
 * @example new KubernetesExecutor({ client: KubeClient.inCluster(), entity: (id) => twin.entity(id) }).execute(action)
 */
export class KubernetesExecutor implements Executor {
  readonly kind: string;
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #maxReplicas: number;
  readonly #entity: ((id: string) => Entity | undefined) | undefined;
  readonly #clock: Clock;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #recordEvents: boolean;

  constructor(options: KubernetesExecutorOptions) {
    const namespace = options.namespace ?? options.client.namespace;
    if (!isDnsLabel(namespace)) throw invalid(`kubernetes namespace must be a DNS-1123 label like "shop" (got ${describe(namespace)})`);
    const maxReplicas = options.maxReplicas ?? 10;
    if (!Number.isInteger(maxReplicas) || maxReplicas < 1)
      throw invalid(`kubernetes maxReplicas must be an integer >= 1 (got ${describe(maxReplicas)})`);
    const retries = options.evictionRetries ?? 3;
    if (!Number.isInteger(retries) || retries < 0)
      throw invalid(`kubernetes evictionRetries must be an integer >= 0 (got ${describe(retries)})`);
    const delay = options.evictionRetryDelayMs ?? 5000;
    if (!Number.isFinite(delay) || delay < 0)
      throw invalid(`kubernetes evictionRetryDelayMs must be a number >= 0 (got ${describe(delay)})`);
    this.kind = options.name ?? 'kubernetes';
    this.#client = options.client;
    this.#namespace = namespace;
    this.#maxReplicas = maxReplicas;
    this.#entity = options.entity;
    this.#clock = options.clock ?? systemClock;
    this.#retries = retries;
    this.#retryDelayMs = delay;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#recordEvents = options.recordEvents ?? true;
  }

  supports(kind: ActionKind): boolean {
    return SUPPORTED.has(kind);
  }

  plan(action: Action): Plan {
    const blastRadius = [action.target];
    if (!this.supports(action.kind)) return { steps: [`the kubernetes executor does not carry out ${action.kind}`], blastRadius };
    const t = this.#target(action);
    if (typeof t === 'string') return { steps: [t], blastRadius };
    const where = describeTarget(t);
    const first = `server-side dry run of every request below (dryRun=All)`;
    const event = `record a Kubernetes Event on ${where} (reason ${reasonOf(action)}, source homeostat)`;
    const p = action.params;
    switch (action.kind) {
      case 'restart':
        return {
          steps: [first, `patch ${where}: spec.template.metadata.annotations["${RESTARTED_AT_ANNOTATION}"] = now (rollout restart)`, event],
          blastRadius,
        };
      case 'scale_out': {
        const cap = this.#cap(p);
        return {
          steps: [first, `read ${where}/scale`, `patch its spec.replicas to current + ${byOf(p) ?? 1} (at most ${cap})`, event],
          blastRadius,
        };
      }
      case 'drain':
        return {
          steps: [
            first,
            `cordon ${where} (spec.unschedulable: true)`,
            ...(p.cordonOnly === true
              ? []
              : [
                  `evict its pods through the Eviction API, skipping DaemonSet, mirror and terminating pods (PodDisruptionBudgets honoured; a 429 retried ${this.#retries} times)`,
                ]),
            event,
          ],
          blastRadius,
        };
      default:
        return {
          steps: [
            first,
            `find the ReplicaSets of ${where} and the ${typeof p.toRevision === 'number' ? `revision ${p.toRevision}` : 'previous revision'}`,
            `replace ${where}'s pod template with that ReplicaSet's (rollout undo)`,
            event,
          ],
          blastRadius,
        };
    }
  }

  async dryRun(action: Action): Promise<Outcome> {
    return (await this.#perform(action, true)).outcome;
  }

  async execute(action: Action): Promise<Outcome> {
    const check = await this.#perform(action, true);
    if (check.local) return check.outcome;
    if (!check.outcome.ok) {
      return {
        ok: false,
        message: `not applied: the server-side dry run failed: ${check.outcome.message}`,
        details: { ...check.outcome.details, applied: false },
      };
    }
    const done = await this.#perform(action, false);
    if (!this.#recordEvents || done.involved === undefined) return done.outcome;
    const event = await this.#recordEvent(done);
    return { ...done.outcome, details: { ...done.outcome.details, ...event } };
  }

  async #perform(action: Action, dryRun: boolean): Promise<Done> {
    const reason = reasonOf(action);
    if (!this.supports(action.kind)) {
      return {
        outcome: { ok: false, message: `the kubernetes executor does not carry out ${action.kind} (it does ${[...SUPPORTED].join(', ')})` },
        reason,
        local: true,
      };
    }
    const t = this.#target(action);
    if (typeof t === 'string') return { outcome: { ok: false, message: t }, reason, local: true };
    const ctx: { involved?: InvolvedObject } = {};
    try {
      if (t.kind === 'Node') return await this.#drain(t.name, action.params, dryRun, ctx, reason);
      switch (action.kind) {
        case 'restart':
          return await this.#restart(t, dryRun, ctx, reason);
        case 'scale_out':
          return await this.#scale(t, action.params, dryRun, ctx, reason);
        default:
          return await this.#rollback(t, action.params, dryRun, ctx, reason);
      }
    } catch (err) {
      const what = `${dryRun ? 'server-side dry run of ' : ''}${action.kind} of ${describeTarget(t)}`;
      return {
        outcome: { ok: false, message: `${what} failed: ${messageOf(err)}`, details: { dryRun, ...apiDetails(err) } },
        ...(ctx.involved ? { involved: ctx.involved } : {}),
        reason,
      };
    }
  }

  async #restart(t: DeploymentTarget, dryRun: boolean, ctx: { involved?: InvolvedObject }, reason: string): Promise<Done> {
    const path = deploymentPath(t);
    const d = await this.#client.get<Deployment>(path);
    ctx.involved = deploymentRef(t, d.metadata?.uid);
    if (d.spec?.paused) {
      return {
        outcome: { ok: false, message: `${describeTarget(t)} is paused: resume its rollout before restarting it`, details: { dryRun } },
        involved: ctx.involved,
        reason,
      };
    }
    const at = rfc3339(this.#clock.now());
    await this.#client.patch(path, { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: at } } } } }, 'strategic', {
      dryRun,
      fieldManager: FIELD_MANAGER,
    });
    return {
      outcome: {
        ok: true,
        message: `${dryRun ? 'server-side dry run: would restart' : 'restarted'} ${describeTarget(t)} (restartedAt ${at})`,
        details: { dryRun, restartedAt: at },
      },
      involved: ctx.involved,
      reason,
    };
  }

  async #scale(
    t: DeploymentTarget,
    params: Readonly<Record<string, unknown>>,
    dryRun: boolean,
    ctx: { involved?: InvolvedObject },
    reason: string,
  ): Promise<Done> {
    const by = byOf(params);
    if (by === undefined) {
      return {
        outcome: { ok: false, message: `scale_out params.by must be an integer >= 1 (got ${describe(params.by)})` },
        reason,
        local: true,
      };
    }
    const cap = this.#cap(params);
    const path = `${deploymentPath(t)}/scale`;
    const scale = await this.#client.get<Scale>(path);
    ctx.involved = deploymentRef(t, scale.metadata?.uid);
    const from = scale.spec?.replicas ?? 0;
    if (from >= cap) {
      return {
        outcome: {
          ok: false,
          message: `${describeTarget(t)} already has ${from} replicas, at or above the cap of ${cap}`,
          details: { dryRun, from, cap },
        },
        involved: ctx.involved,
        reason,
      };
    }
    const to = Math.min(from + by, cap);
    const patch = {
      metadata: scale.metadata?.resourceVersion ? { resourceVersion: scale.metadata.resourceVersion } : {},
      spec: { replicas: to },
    };
    await this.#client.patch(path, patch, 'merge', { dryRun, fieldManager: FIELD_MANAGER });
    const capped = from + by > cap;
    return {
      outcome: {
        ok: true,
        message: `${dryRun ? 'server-side dry run: would scale' : 'scaled'} ${describeTarget(t)} from ${from} to ${to} replicas${capped ? ` (capped at ${cap}; asked for +${by})` : ''}`,
        details: { dryRun, from, to, capped },
      },
      involved: ctx.involved,
      reason,
    };
  }

  async #drain(
    node: string,
    params: Readonly<Record<string, unknown>>,
    dryRun: boolean,
    ctx: { involved?: InvolvedObject },
    reason: string,
  ): Promise<Done> {
    const where = `Node ${node}`;
    const cordoned = await this.#client.patch<Pod | undefined>(
      `/api/v1/nodes/${seg(node)}`,
      { spec: { unschedulable: true } },
      'strategic',
      { dryRun, fieldManager: FIELD_MANAGER },
    );
    ctx.involved = { apiVersion: 'v1', kind: 'Node', name: node, ...(cordoned?.metadata?.uid ? { uid: cordoned.metadata.uid } : {}) };
    const verb = dryRun ? 'server-side dry run: would' : '';
    if (params.cordonOnly === true) {
      return {
        outcome: { ok: true, message: `${dryRun ? `${verb} cordon` : 'cordoned'} ${where}`, details: { dryRun, cordonOnly: true } },
        involved: ctx.involved,
        reason,
      };
    }
    const pods = await this.#client.list<Pod>('/api/v1/pods', { fieldSelector: `spec.nodeName=${node}` });
    const evicted: string[] = [];
    const skipped: string[] = [];
    const left: { pod: string; reason: string }[] = [];
    for (const pod of pods) {
      const m = pod.metadata ?? {};
      const id = `${m.namespace ?? 'default'}/${m.name ?? ''}`;
      const why = skipReason(m);
      if (why !== undefined) {
        skipped.push(`${id} (${why})`);
        continue;
      }
      const refused = await this.#evict(m.namespace ?? 'default', m.name ?? '', dryRun);
      if (refused === undefined) evicted.push(id);
      else left.push({ pod: id, reason: refused });
    }
    const ok = left.length === 0;
    const counts = `${dryRun ? 'would evict' : 'evicted'} ${evicted.length} pod(s), skipped ${skipped.length}`;
    const message = ok
      ? `${dryRun ? `${verb} drain` : 'drained'} ${where}: ${counts}`
      : `${dryRun ? `${verb} cordon` : 'cordoned'} ${where} but ${dryRun ? 'could not evict' : 'did not evict'} ${left.length} pod(s): ${left.map((l) => `${l.pod} (${l.reason})`).join('; ')}; ${counts}`;
    return { outcome: { ok, message, details: { dryRun, evicted, skipped, left } }, involved: ctx.involved, reason };
  }

  /** Evicts one pod; undefined when it is gone, else why it stays. A 429 is retried unless dry-running. */
  async #evict(namespace: string, name: string, dryRun: boolean): Promise<string | undefined> {
    const body = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace },
      ...(dryRun ? { deleteOptions: { dryRun: ['All'] } } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#client.create(`/api/v1/namespaces/${seg(namespace)}/pods/${seg(name)}/eviction`, body, { dryRun });
        return undefined;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return undefined;
        if (err instanceof KubeApiError && err.status === 429 && !dryRun && attempt < this.#retries) {
          await this.#sleep(this.#retryDelayMs);
          continue;
        }
        const tries = err instanceof KubeApiError && err.status === 429 && !dryRun ? ` after ${attempt + 1} attempts` : '';
        return `${err instanceof KubeApiError ? `${err.status} ${err.reason}: ${err.apiMessage}` : messageOf(err)}${tries}`;
      }
    }
  }

  async #rollback(
    t: DeploymentTarget,
    params: Readonly<Record<string, unknown>>,
    dryRun: boolean,
    ctx: { involved?: InvolvedObject },
    reason: string,
  ): Promise<Done> {
    const wanted = params.toRevision;
    if (wanted !== undefined && (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 1)) {
      return {
        outcome: { ok: false, message: `rollback params.toRevision must be an integer >= 1 (got ${describe(wanted)})` },
        reason,
        local: true,
      };
    }
    const path = deploymentPath(t);
    const d = await this.#client.get<Deployment>(path);
    const uid = d.metadata?.uid;
    ctx.involved = deploymentRef(t, uid);
    const fail = (message: string): Done => ({
      outcome: { ok: false, message, details: { dryRun } },
      ...(ctx.involved ? { involved: ctx.involved } : {}),
      reason,
    });
    const selector = labelSelector(d.spec?.selector);
    if (selector === '') return fail(`${describeTarget(t)} has no label selector: cannot find its ReplicaSets`);
    const all = await this.#client.list<ReplicaSet>(`/apis/apps/v1/namespaces/${seg(t.namespace)}/replicasets`, {
      labelSelector: selector,
    });
    const owned = all.filter((rs) => {
      const owner = (rs.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
      return owner?.kind === 'Deployment' && (uid ? owner.uid === uid : owner.name === t.name);
    });
    const target = pickRevision(owned, wanted as number | undefined);
    if (typeof target === 'string') return fail(`${describeTarget(t)}: ${target}`);
    const { rs, revision, latest } = target;
    const template = withoutHash(rs.spec?.template ?? {});
    if (canonical(template) === canonical(withoutHash(d.spec?.template ?? {}))) {
      return fail(`${describeTarget(t)} already runs the template of revision ${revision}: nothing to roll back`);
    }
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) if (ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
    for (const [k, v] of Object.entries(rs.metadata?.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
    const patch = [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ];
    await this.#client.patch(path, patch, 'json', { dryRun, fieldManager: FIELD_MANAGER });
    const rsName = rs.metadata?.name ?? '';
    return {
      outcome: {
        ok: true,
        message: `${dryRun ? 'server-side dry run: would roll back' : 'rolled back'} ${describeTarget(t)} from revision ${latest} to revision ${revision} (ReplicaSet ${rsName})`,
        details: { dryRun, fromRevision: latest, toRevision: revision, replicaSet: rsName },
      },
      involved: ctx.involved,
      reason,
    };
  }

  async #recordEvent(done: Done): Promise<Record<string, unknown>> {
    const o = done.involved as InvolvedObject;
    const now = this.#clock.now();
    const namespace = o.namespace ?? 'default';
    const name = `${o.name}.${(BigInt(Math.floor(now)) * 1_000_000n).toString(16)}`;
    const at = rfc3339(now);
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: o,
      reason: done.reason,
      message: done.outcome.message.slice(0, 1024),
      type: done.outcome.ok ? 'Normal' : 'Warning',
      source: { component: 'homeostat' },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    };
    try {
      await this.#client.create(`/api/v1/namespaces/${seg(namespace)}/events`, event);
      return { event: `${namespace}/${name}` };
    } catch (err) {
      return { eventError: messageOf(err) };
    }
  }

  #cap(params: Readonly<Record<string, unknown>>): number {
    const m = params.maxReplicas;
    return typeof m === 'number' && Number.isInteger(m) && m >= 1 ? Math.min(m, this.#maxReplicas) : this.#maxReplicas;
  }

  /** The object an action acts on, or why it cannot be found (a sentence). */
  #target(action: Action): Target | string {
    const id = action.target;
    const entity = this.#entity?.(id);
    const colon = id.indexOf(':');
    const kind = entity?.kind ?? (colon > 0 ? id.slice(0, colon) : '');
    const rest = colon > 0 ? id.slice(colon + 1) : id;
    if (action.kind === 'drain') {
      const name = entity?.attributes['k8s.node.name'] ?? (kind === 'host' ? (entity?.name ?? rest) : undefined);
      if (name === undefined) return `drain acts on a Node: the target must be a host entity like host:<node> (got ${describe(id)})`;
      if (!isDnsSubdomain(name)) return `node name must be a DNS-1123 subdomain (got ${describe(name)} from ${describe(id)})`;
      return { kind: 'Node', name };
    }
    let namespace = entity?.attributes['k8s.namespace.name'];
    let name = entity?.attributes['k8s.deployment.name'];
    if (name === undefined) {
      if (kind !== 'service') {
        return `${action.kind} acts on a Deployment: the target must be a service entity like service:<name> or service:<namespace>/<name> (got ${describe(id)})`;
      }
      const slash = rest.indexOf('/');
      if (slash > 0 && namespace === undefined) namespace = rest.slice(0, slash);
      name = slash > 0 ? rest.slice(slash + 1) : rest;
    }
    namespace ??= this.#namespace;
    if (!isDnsLabel(namespace)) return `namespace must be a DNS-1123 label (got ${describe(namespace)} from ${describe(id)})`;
    if (!isDnsSubdomain(name)) return `deployment name must be a DNS-1123 subdomain (got ${describe(name)} from ${describe(id)})`;
    return { kind: 'Deployment', namespace, name };
  }
}

type DeploymentTarget = Extract<Target, { kind: 'Deployment' }>;

function reasonOf(action: Action): string {
  const key = action.kind === 'drain' && action.params.cordonOnly === true ? 'cordon' : action.kind;
  return REASONS[key] ?? `Homeostat${action.kind}`;
}

function describeTarget(t: Target): string {
  return t.kind === 'Node' ? `Node ${t.name}` : `Deployment ${t.namespace}/${t.name}`;
}

function deploymentPath(t: DeploymentTarget): string {
  return `/apis/apps/v1/namespaces/${seg(t.namespace)}/deployments/${seg(t.name)}`;
}

function deploymentRef(t: DeploymentTarget, uid: string | undefined): InvolvedObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: t.name, namespace: t.namespace, ...(uid ? { uid } : {}) };
}

function byOf(params: Readonly<Record<string, unknown>>): number | undefined {
  const by = params.by ?? 1;
  return typeof by === 'number' && Number.isInteger(by) && by >= 1 ? by : undefined;
}

/** Why drain leaves a pod alone, or undefined to evict it (as `kubectl drain --ignore-daemonsets`). */
function skipReason(m: Meta): string | undefined {
  if (m.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return 'mirror pod';
  const owner = (m.ownerReferences ?? []).find((r) => r.controller === true);
  if (owner?.kind === 'DaemonSet') return `DaemonSet ${owner.name ?? ''}`.trim();
  if (m.deletionTimestamp) return 'terminating';
  return undefined;
}

/** The ReplicaSet to roll back to: `toRevision`, else the second-highest revision (as kubectl). */
function pickRevision(
  owned: readonly ReplicaSet[],
  toRevision: number | undefined,
): { rs: ReplicaSet; revision: number; latest: number } | string {
  const withRev = owned
    .map((rs) => ({ rs, revision: Number(rs.metadata?.annotations?.[REVISION_ANNOTATION]) }))
    .filter((r) => Number.isInteger(r.revision) && r.revision > 0)
    .sort((a, b) => b.revision - a.revision);
  const latest = withRev[0];
  if (latest === undefined) return 'no rollout history found (no ReplicaSet with a revision)';
  if (toRevision !== undefined) {
    const hit = withRev.find((r) => r.revision === toRevision);
    return hit
      ? { ...hit, latest: latest.revision }
      : `revision ${toRevision} not found (known: ${withRev.map((r) => r.revision).join(', ')})`;
  }
  const previous = withRev[1];
  return previous ? { ...previous, latest: latest.revision } : `no previous revision to roll back to (only revision ${latest.revision})`;
}

function withoutHash(template: PodTemplate): PodTemplate {
  const copy = JSON.parse(JSON.stringify(template)) as PodTemplate;
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return copy;
}

/** JSON with sorted keys, for comparing templates. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * A label selector (`matchLabels` and `matchExpressions`) in the query syntax of `labelSelector`.
 * @example labelSelector({ matchLabels: { app: 'web' } }) // 'app=web'
 */
export function labelSelector(selector: LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** RFC 3339 in UTC to the second, as Kubernetes writes times (`2024-05-01T12:00:00Z`). */
function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function apiDetails(err: unknown): Record<string, unknown> {
  if (err instanceof KubeApiError) return { status: err.status, reason: err.reason };
  if (err instanceof HomeostatError) return { code: err.code };
  return {};
}
