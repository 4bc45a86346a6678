/**
 * @module sim/fault-library
 * What each simulated fault can hit and what fixes it, and which entities each heal action
 * applies to. Plain tables, shared by the simulator and anything that wants to reason about it.
 */
import type { ActionKind, FaultKind } from '../records/types.js';
import type { EntityKind } from '../twin/types.js';

/** The action that fixes each fault kind when applied to its root cause. */
export const FAULT_FIX: Readonly<Record<FaultKind, ActionKind>> = Object.freeze({
  memory_leak: 'restart',
  cpu_hog: 'restart',
  disk_fill: 'clean_disk',
  bad_deploy: 'rollback',
  dependency_outage: 'failover',
  network_loss: 'drain',
  host_failure: 'drain',
  traffic_surge: 'scale_out',
});

/** Entity kinds each fault kind can have as root cause (traffic_surge: edge or api tier only). */
export const FAULT_TARGET_KINDS: Readonly<Record<FaultKind, readonly EntityKind[]>> = Object.freeze({
  memory_leak: ['service'],
  cpu_hog: ['service'],
  disk_fill: ['host'],
  bad_deploy: ['service'],
  dependency_outage: ['database', 'queue'],
  network_loss: ['host'],
  host_failure: ['host'],
  traffic_surge: ['service'],
});

/** Entity kinds each heal action can be applied to. */
export const ACTION_TARGET_KINDS: Readonly<Record<ActionKind, readonly EntityKind[]>> = Object.freeze({
  restart: ['service', 'database', 'queue'],
  rollback: ['service'],
  scale_out: ['service'],
  clean_disk: ['host'],
  drain: ['host'],
  failover: ['database', 'queue'],
});
