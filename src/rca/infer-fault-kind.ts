/**
 * @module rca/infer-fault-kind
 * Names the fault behind a root-cause candidate from which well-known metrics are anomalous on it
 * and in which direction, its entity kind and recent deploys. An ordered rule list, first match
 * wins — a transparent baseline that a learned classifier can later replace. It fails on
 * metrics outside the well-known vocabulary of `telemetry/metrics.ts` (they yield `unknown`) and
 * on faults whose signature overlaps another's (a leak that also burns CPU is named a leak).
 * Memory and CPU rises are process faults: on a host or vm they are the load of what runs on it,
 * so they name no fault there (hardware, disk, packet loss or `up` do).
 */
import type { FaultKind } from '../records/types.js';
import { METRICS } from '../telemetry/metrics.js';
import type { EntityKind } from '../twin/types.js';

/** One anomalous signal on a candidate: metric name and direction. */
export interface Symptom {
  readonly metric: string;
  readonly direction: 'up' | 'down';
}

/** What the rules look at for one candidate. */
export interface FaultKindInput {
  /** Entity kind, when the topology knows the entity. */
  readonly entityKind: EntityKind | undefined;
  readonly symptoms: readonly Symptom[];
  /** Whether a deploy on the candidate happened shortly before its first anomaly. */
  readonly recentDeploy: boolean;
  /** How many anomalous entities depend on or run on this one (one hop). */
  readonly anomalousDependents: number;
}

/** A named fault kind and the reason, as a phrase (`memory_utilization rose`). */
export interface FaultKindGuess {
  readonly kind: FaultKind | 'unknown';
  readonly reason: string;
}

/** Compute workloads whose CPU rise alone is a runaway process (a database's may be its callers' load). */
const PROCESS_KINDS: ReadonlySet<EntityKind> = new Set(['service', 'pod', 'container']);
const DEPENDENCY_KINDS: ReadonlySet<EntityKind> = new Set(['database', 'queue']);
const MACHINE_KINDS: ReadonlySet<EntityKind> = new Set(['host', 'vm']);

/** Utilisation metrics whose rise on a machine is the sum of what runs on it. */
const LOAD_METRICS: readonly string[] = [METRICS.cpu, METRICS.memory];

/**
 * Infers the fault kind of a candidate. Rules, first match wins: ECC errors, a temperature rise
 * without a CPU rise, or a machine down → `host_failure`; a database/queue down or erroring → `dependency_outage`; errors up after
 * a deploy → `bad_deploy`; disk up → `disk_fill`; memory up on anything but a host/vm →
 * `memory_leak`; packet loss up → `network_loss`; request rate up with saturation, latency or CPU
 * up → `traffic_surge`; CPU up on a service/pod/container → `cpu_hog`; a host/vm
 * whose only symptoms are memory/CPU rises → `unknown` (load of its tenants, not a host fault);
 * a silent database/queue or host with ≥ 2 anomalous dependents → `dependency_outage` /
 * `host_failure`; otherwise `unknown`.
 * @example inferFaultKind({ entityKind: 'service', symptoms: [{ metric: 'memory_utilization', direction: 'up' }], recentDeploy: false, anomalousDependents: 0 }).kind // 'memory_leak'
 */
export function inferFaultKind(input: FaultKindInput): FaultKindGuess {
  const { entityKind, symptoms, recentDeploy, anomalousDependents } = input;
  const up = (metric: string): boolean => symptoms.some((s) => s.metric === metric && s.direction === 'up');
  const down = (metric: string): boolean => symptoms.some((s) => s.metric === metric && s.direction === 'down');
  const isKind = (set: ReadonlySet<EntityKind>): boolean => entityKind !== undefined && set.has(entityKind);

  if (up(METRICS.eccErrors)) return { kind: 'host_failure', reason: `${METRICS.eccErrors} rose` };
  // A machine runs hotter when it works harder: heat counts as a hardware sign only without a CPU rise.
  if (up(METRICS.temperature) && !up(METRICS.cpu))
    return { kind: 'host_failure', reason: `${METRICS.temperature} rose without more CPU load` };
  if (isKind(MACHINE_KINDS) && down(METRICS.up)) return { kind: 'host_failure', reason: `${entityKind} is down (${METRICS.up} fell)` };
  if (isKind(DEPENDENCY_KINDS) && down(METRICS.up)) {
    return { kind: 'dependency_outage', reason: `${entityKind} is down (${METRICS.up} fell)` };
  }
  if (isKind(DEPENDENCY_KINDS) && up(METRICS.errorRate)) {
    return { kind: 'dependency_outage', reason: `${entityKind} ${METRICS.errorRate} rose` };
  }
  if (up(METRICS.errorRate) && recentDeploy) return { kind: 'bad_deploy', reason: `${METRICS.errorRate} rose after a deploy` };
  if (up(METRICS.disk)) return { kind: 'disk_fill', reason: `${METRICS.disk} rose` };
  if (up(METRICS.memory) && !isKind(MACHINE_KINDS)) return { kind: 'memory_leak', reason: `${METRICS.memory} rose` };
  if (up(METRICS.packetLoss)) return { kind: 'network_loss', reason: `${METRICS.packetLoss} rose` };
  if (up(METRICS.requestRate)) {
    const load = [METRICS.saturation, METRICS.latencyP99, METRICS.latencyP50, METRICS.cpu].find(up);
    if (load !== undefined) return { kind: 'traffic_surge', reason: `${METRICS.requestRate} rose with ${load}` };
  }
  if (isKind(PROCESS_KINDS) && up(METRICS.cpu)) return { kind: 'cpu_hog', reason: `${METRICS.cpu} rose on a ${entityKind}` };
  if (isKind(MACHINE_KINDS) && symptoms.length > 0 && symptoms.every((s) => s.direction === 'up' && LOAD_METRICS.includes(s.metric))) {
    const metrics = unique(symptoms.map((s) => s.metric)).join(' and ');
    return { kind: 'unknown', reason: `only ${metrics} rose, the load of what runs on this ${entityKind}` };
  }
  if (anomalousDependents >= 2 && isKind(DEPENDENCY_KINDS)) {
    return { kind: 'dependency_outage', reason: `${anomalousDependents} dependents of this ${entityKind} alarmed together` };
  }
  if (anomalousDependents >= 2 && entityKind === 'host') {
    return { kind: 'host_failure', reason: `${anomalousDependents} entities running on this host alarmed together` };
  }
  return { kind: 'unknown', reason: 'no known fault signature matched' };
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
