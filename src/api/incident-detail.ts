/**
 * @module api/incident-detail
 * An incident with everything that explains it: its anomalies, the decisions about it (and about
 * its anomalies and actions), its actions, and one timeline merging them in time order.
 */
import type { Action, Anomaly, Decision, Incident } from '../records/types.js';
import type { Store } from '../store/store.js';
import { notFound } from './errors.js';
import type { IncidentDetail, TimelineEntry } from './types.js';

const MAX_ROWS = 1000;

/**
 * Loads an incident's detail from the store.
 * Throws `not_found` naming the id when there is no such incident.
 */
export async function loadIncidentDetail(store: Store, id: string): Promise<IncidentDetail> {
  const incident = await store.getIncident(id);
  if (!incident) throw notFound('incident', id);

  const anomalies = new Map<string, Anomaly>();
  for (const a of await store.listAnomalies({ incidentId: id, limit: MAX_ROWS })) anomalies.set(a.id, a);
  for (const aid of incident.anomalyIds) {
    if (anomalies.has(aid)) continue;
    const a = await store.getAnomaly(aid);
    if (a) anomalies.set(aid, a);
  }
  const actions = await store.listActions({ incidentId: id, limit: MAX_ROWS });

  const decisions = new Map<string, Decision>();
  for (const subject of [id, ...actions.map((a) => a.id), ...anomalies.keys()]) {
    for (const d of await store.listDecisions({ subject, limit: MAX_ROWS })) decisions.set(d.id, d);
  }
  const anomalyList = [...anomalies.values()].sort((a, b) => a.at - b.at);
  const decisionList = [...decisions.values()].sort((a, b) => a.at - b.at);
  const actionList = [...actions].sort((a, b) => a.proposedAt - b.proposedAt);
  return {
    incident,
    anomalies: anomalyList,
    decisions: decisionList,
    actions: actionList,
    timeline: buildTimeline(incident, anomalyList, decisionList, actionList),
  };
}

/** Merges an incident's records into one time-ordered list with a one-line text each. */
export function buildTimeline(
  incident: Incident,
  anomalies: readonly Anomaly[],
  decisions: readonly Decision[],
  actions: readonly Action[],
): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    { at: incident.openedAt, kind: 'incident', ref: incident.id, text: `Incident opened: ${incident.title} (${incident.severity})` },
  ];
  for (const a of anomalies) {
    entries.push({
      at: a.at,
      kind: 'anomaly',
      ref: a.id,
      text: `Anomaly on ${a.entityId} ${a.metric} (confidence ${pct(a.confidence)}): ${a.explanation}`,
    });
  }
  for (const d of decisions) {
    entries.push({
      at: d.at,
      kind: 'decision',
      ref: d.id,
      text: `Decision ${d.kind} by ${d.model.kind} (confidence ${pct(d.confidence)}): ${explanationText(d.explanation)}`,
    });
  }
  for (const a of actions) {
    const what = `${a.kind} on ${a.target}${a.dryRun ? ' (dry run)' : ''}`;
    entries.push({ at: a.proposedAt, kind: 'action', ref: a.id, text: `Proposed ${what} by policy ${a.policy}: ${a.reason}` });
    if (a.executedAt !== undefined) {
      entries.push({ at: a.executedAt, kind: 'action', ref: a.id, text: `Executed ${what}: ${a.outcome?.message ?? a.status}` });
    }
    if (a.verifiedAt !== undefined) {
      entries.push({ at: a.verifiedAt, kind: 'action', ref: a.id, text: `Verification of ${what}: ${a.status.replace('_', ' ')}` });
    }
  }
  if (incident.resolvedAt !== undefined) {
    entries.push({
      at: incident.resolvedAt,
      kind: 'incident',
      ref: incident.id,
      text: `Incident ${incident.status}${incident.resolution ? `: ${incident.resolution}` : ''}`,
    });
  }
  const order = { incident: 0, anomaly: 1, decision: 2, action: 3 } as const;
  return entries
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.at - y.e.at || order[x.e.kind] - order[y.e.kind] || x.i - y.i)
    .map((x) => x.e);
}

function pct(p: number): string {
  return `${Math.round(p * 100)}%`;
}

function explanationText(explanation: Decision['explanation']): string {
  if (typeof explanation === 'string') return explanation;
  if (explanation.length === 0) return 'no explanation recorded';
  return explanation
    .slice(0, 3)
    .map((a) => `${a.name} (${a.weight.toFixed(2)})`)
    .join(', ');
}
