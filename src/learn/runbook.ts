/**
 * @module learn/runbook
 * Runbooks drafted from clusters of similar closed incidents in the knowledge base, as Markdown and
 * as a policy rule the decide step reads; a draft until a person approves it.
 *
 * Algorithm: entries whose root cause is trusted (confirmed by feedback, or the incident was
 * resolved) are grouped by (fault kind, root entity kind); a group of at least `minIncidents`
 * (default 3) becomes a runbook. Its sections are counts over the group: signals seen (share of
 * incidents), diagnosis steps (signals in order of their median first appearance, then the
 * evidence sentences that named the root cause, with entity names and numbers masked so that the
 * same sentence from different incidents counts once, in order of their mean position), actions
 * with success n/N and a 95 % Wilson interval, verification times, a fixed rollback table, and the
 * source incidents. The policy rule picks the action with the best success rate among those that
 * worked at least `minSuccesses` (default 2) times (ties: more successes, then the higher Wilson
 * lower bound, then name); with none it escalates. It never names an action absent from the
 * group's records.
 *
 * Works when a fault recurs: the counts are then an honest record of what worked. Fails with few
 * incidents (wide intervals, which the draft prints) and when trusted root causes were wrong.
 * Regenerating keeps the same id (a hash of fault kind and entity kind), so a draft is updated in
 * place; an approved runbook is never overwritten: the new draft is kept beside it as
 * `<id>-revision` until a person approves it (which replaces the approved one and retires the
 * revision row) — see {@link reconcileDraft} and {@link approveRunbook}.
 *
 * Reference: Google SRE Workbook (O'Reilly, 2018), ch. 14 "Configuration Design" and the playbook
 * practice of SRE ch. 11; Wilson (1927) for the interval.
 */
import { stringify } from 'yaml';
import { DEFAULT_GUARDRAILS, type PolicyRule } from '../decide/policy.js';
import { describe, HomeostatError, invalid } from '../errors.js';
import type { ActionKind, FaultKind, Runbook } from '../records/types.js';
import { FAULT_KINDS } from '../records/types.js';
import type { Store } from '../store/store.js';
import type { EntityKind } from '../twin/types.js';
import { ENTITY_KINDS } from '../twin/types.js';
import { type ActionStat, actionStatsOf, type KnowledgeBase, type KnowledgeEntry, medianOf } from './knowledge-base.js';
import type { RunbookRewriter } from './llm-rewriter.js';

/** A group of closed incidents with the same fault kind on the same kind of root entity. */
export interface RunbookCluster {
  readonly faultKind: FaultKind;
  readonly entityKind: EntityKind;
  /** Oldest closed first. */
  readonly incidentIds: readonly string[];
}

/** Options of {@link draftRunbook}. */
export interface DraftOptions {
  /** Generation time (epoch ms). */
  readonly now: number;
  /** Successes an action needs before the policy rule proposes it. Default 2. */
  readonly minSuccesses?: number;
}

/** What undoing each action takes, for the Rollback section. */
export const ROLLBACK: Readonly<Record<ActionKind, string>> = {
  restart: 'none needed: a restart changes no configuration.',
  rollback: 'redeploy the rolled-back version once it is fixed.',
  scale_out: 'scale in after the peak has passed.',
  drain: 'uncordon the machine once it is healthy again.',
  failover: 'fail back to the primary once it is healthy again.',
  clean_disk: 'none: removed files are rotated logs and temporary files.',
};

/** Suffix of the id of a draft revision kept beside an approved runbook. */
export const REVISION_SUFFIX = '-revision';

const DEFAULT_MIN_INCIDENTS = 3;
const DEFAULT_MIN_SUCCESSES = 2;
const MAX_DIAGNOSIS_SIGNALS = 6;
const MAX_EVIDENCE = 5;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/**
 * Stable id of the runbook of a fault kind on an entity kind: `rb-` + FNV-1a 64 (hex) of `fault/kind`.
 * @example runbookId('memory_leak', 'service') === runbookId('memory_leak', 'service') // true
 */
export function runbookId(faultKind: string, entityKind: string): string {
  let h = FNV_OFFSET;
  const text = `${faultKind}/${entityKind}`;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * FNV_PRIME) & MASK_64;
  }
  return `rb-${h.toString(16).padStart(16, '0')}`;
}

/** Whether an entry's root cause can be learned from: confirmed by feedback, or the incident was resolved. */
export function trustedRootCause(entry: KnowledgeEntry): boolean {
  const rc = entry.rootCause;
  if (!rc || rc.faultKind === 'unknown' || rc.entityKind === 'unknown') return false;
  return rc.confirmed || entry.status === 'resolved';
}

/**
 * Groups the knowledge base's trusted entries by (fault kind, root entity kind), keeping groups of
 * at least `minIncidents` (default 3), sorted by fault kind then entity kind.
 * Throws `invalid_argument` when `minIncidents` is not an integer ≥ 1.
 */
export function clusterIncidents(kb: KnowledgeBase, options: { minIncidents?: number } = {}): RunbookCluster[] {
  const min = options.minIncidents ?? DEFAULT_MIN_INCIDENTS;
  if (!Number.isInteger(min) || min < 1) throw invalid(`runbook minIncidents must be an integer >= 1 (got ${describe(min)})`);
  const groups = new Map<string, { faultKind: FaultKind; entityKind: EntityKind; ids: string[] }>();
  for (const e of kb.entries()) {
    const rc = e.rootCause;
    if (!rc || !trustedRootCause(e)) continue;
    if (!(FAULT_KINDS as readonly string[]).includes(rc.faultKind) || !(ENTITY_KINDS as readonly string[]).includes(rc.entityKind))
      continue;
    const key = `${rc.faultKind}/${rc.entityKind}`;
    let g = groups.get(key);
    if (!g) {
      g = { faultKind: rc.faultKind as FaultKind, entityKind: rc.entityKind as EntityKind, ids: [] };
      groups.set(key, g);
    }
    g.ids.push(e.incidentId);
  }
  return [...groups.values()]
    .filter((g) => g.ids.length >= min)
    .sort((a, b) => (a.faultKind < b.faultKind ? -1 : a.faultKind > b.faultKind ? 1 : a.entityKind < b.entityKind ? -1 : 1))
    .map((g) => ({ faultKind: g.faultKind, entityKind: g.entityKind, incidentIds: g.ids }));
}

/**
 * The action the policy rule proposes: best success rate among kinds with at least `minSuccesses`
 * successes (ties: more successes, higher Wilson lower bound, name); undefined when none qualifies.
 */
export function bestAction(stats: readonly ActionStat[], minSuccesses = DEFAULT_MIN_SUCCESSES): ActionStat | undefined {
  return [...stats]
    .filter((s) => s.successes >= minSuccesses)
    .sort(
      (a, b) =>
        b.successRate - a.successRate || b.successes - a.successes || b.interval.lower - a.interval.lower || (a.kind < b.kind ? -1 : 1),
    )[0];
}

/**
 * Drafts the runbook of a cluster (status `draft`, generator `offline`) from the knowledge base's
 * entries. Pure and deterministic: the same entries and `now` give the same runbook.
 * Throws `invalid_argument` when an incident of the cluster is not in the knowledge base.
 */
export function draftRunbook(cluster: RunbookCluster, kb: KnowledgeBase, options: DraftOptions): Runbook {
  const entries = cluster.incidentIds.map((id) => {
    const e = kb.get(id);
    if (!e) throw invalid(`runbook cluster names incident ${describe(id)}, which is not in the knowledge base`);
    return e;
  });
  const minSuccesses = options.minSuccesses ?? DEFAULT_MIN_SUCCESSES;
  const stats = actionStatsOf(entries);
  const best = bestAction(stats, minSuccesses);
  const n = entries.length;
  const { faultKind, entityKind } = cluster;
  const title = `${faultKind} on a ${entityKind}`;

  const md: string[] = [`# Runbook: ${title}`, ''];
  md.push(`_Draft generated offline from ${n} closed incidents; a person must approve it before it is used._`, '');

  md.push('## When it applies', '');
  md.push(`The root cause is a **${faultKind}** on a **${entityKind}**. Signals seen, by share of the ${n} incidents:`, '');
  const signalRows = signalSummary(entries);
  for (const s of [...signalRows].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))) {
    md.push(`- \`${s.metric}\` ${s.direction} on a ${s.entityKind}: ${s.count} of ${n}`);
  }
  if (signalRows.length === 0) md.push('- no anomaly was recorded with these incidents');
  const kinds = kindCounts(entries);
  md.push('', `Entity kinds involved: ${kinds.map(([k, c]) => `${k} (${c} of ${n})`).join(', ') || 'none recorded'}.`, '');

  md.push('## Diagnosis steps', '');
  let step = 1;
  for (const s of [...signalRows]
    .sort((a, b) => a.medianOffsetMs - b.medianOffsetMs || b.count - a.count || (a.key < b.key ? -1 : 1))
    .slice(0, MAX_DIAGNOSIS_SIGNALS)) {
    md.push(
      `${step++}. Check \`${s.metric}\` on the ${s.entityKind} (${s.direction}): seen in ${s.count} of ${n}, a median of ${minutes(s.medianOffsetMs)} after the first anomaly.`,
    );
  }
  const evidence = evidenceSummary(entries);
  if (evidence.length > 0) {
    md.push(`${step++}. Confirm the root cause with the evidence that named it, in the order it tends to appear:`);
    for (const e of evidence) md.push(`   - ${e.template} (${e.count} of ${n}; e.g. "${e.example}")`);
  }
  if (step === 1) md.push('No signal or evidence was recorded; diagnose by hand.');
  md.push('');

  md.push('## Actions that worked', '');
  const worked = stats.filter((s) => s.successes > 0);
  const failed = stats.filter((s) => s.successes === 0);
  for (const s of worked) {
    md.push(
      `- **${s.kind}**: worked ${s.successes}/${s.attempts} (${pct(s.successRate)}; 95 % Wilson interval ${pct(s.interval.lower)}–${pct(s.interval.upper)})` +
        (s.medianVerifyMs !== undefined ? `, a median of ${minutes(s.medianVerifyMs)} from action to verification.` : '.'),
    );
  }
  if (worked.length === 0) md.push('- none: no action recorded with these incidents worked.');
  if (failed.length > 0) {
    md.push('', 'Actions that failed:', '');
    for (const s of failed) md.push(`- **${s.kind}**: worked 0/${s.attempts}.`);
  }
  md.push(
    '',
    best
      ? `Recommended: **${best.kind}** (the policy rule below), the best success rate among actions that worked at least ${minSuccesses} times.`
      : `No action worked at least ${minSuccesses} times: the policy rule below escalates to a person.`,
    '',
  );

  md.push('## Verification', '');
  for (const s of worked) {
    const times = entries.flatMap((e) =>
      e.actions.filter((a) => a.kind === s.kind && a.result === 'worked' && a.verifyMs !== undefined).map((a) => a.verifyMs as number),
    );
    const recovered = signalSummary(entries.filter((e) => e.actions.some((a) => a.kind === s.kind && a.result === 'worked')));
    const range = times.length > 1 ? ` (${minutes(Math.min(...times))} to ${minutes(Math.max(...times))})` : '';
    const span = times.length > 0 ? `, verified after a median of ${minutes(medianOf(times) as number)}${range}` : '';
    md.push(
      `- After **${s.kind}**: ${recovered.map((r) => `\`${r.metric}\` on the ${r.entityKind}`).join(', ') || 'the incident signals'} recovered in ${s.successes} ${s.successes === 1 ? 'incident' : 'incidents'}${span}.`,
    );
    const note = entries
      .flatMap((e) => e.actions.filter((a) => a.kind === s.kind && a.result === 'worked' && a.note !== undefined))
      .at(-1)?.note;
    if (note !== undefined) md.push(`  Latest verification: "${note}"`);
  }
  if (worked.length === 0) md.push('- nothing recovered after an action; verify by hand that the signals are back to their baseline.');
  md.push('');

  md.push('## Rollback', '');
  for (const s of stats) md.push(`- **${s.kind}**: ${ROLLBACK[s.kind]}`);
  if (stats.length === 0) md.push('- no action was taken, nothing to roll back.');
  md.push('');

  md.push('## Source incidents', '');
  for (const e of entries) {
    const acts = e.actions.filter((a) => a.result !== 'unknown').map((a) => `${a.kind} ${a.result}`);
    md.push(
      `- ${e.incidentId}: ${e.title} (${e.status} ${new Date(e.closedAt).toISOString()}${acts.length > 0 ? `; ${acts.join(', ')}` : ''})`,
    );
  }
  md.push('');

  const rule = policyRuleOf(cluster, best, n);
  return {
    id: runbookId(faultKind, entityKind),
    title,
    status: 'draft',
    faultKind,
    entityKind,
    markdown: md.join('\n'),
    policyYaml: stringify([rule], { lineWidth: 0 }),
    incidentIds: [...cluster.incidentIds],
    generator: 'offline',
    generatedAt: options.now,
    updatedAt: options.now,
  };
}

/**
 * The runbook's policy rule: the best action (or `escalate`), for the cluster's fault and entity
 * kind. minConfidence is the default guardrail's, raised to 0.8 when the action's Wilson lower
 * bound is under one half (an action that may well fail needs a surer diagnosis).
 */
function policyRuleOf(cluster: RunbookCluster, best: ActionStat | undefined, n: number): Omit<PolicyRule, 'params'> {
  const name = `runbook-${cluster.faultKind}-${cluster.entityKind}`.replaceAll('_', '-');
  if (!best) {
    return {
      name,
      fault: cluster.faultKind,
      action: 'escalate',
      entityKinds: [cluster.entityKind],
      description: `Drafted from ${n} incidents: no action worked at least twice, so a person decides.`,
    };
  }
  return {
    name,
    fault: cluster.faultKind,
    action: best.kind,
    entityKinds: [cluster.entityKind],
    minConfidence: best.interval.lower < 0.5 ? 0.8 : DEFAULT_GUARDRAILS.minConfidence,
    description: `Drafted from ${n} incidents: ${best.kind} worked ${best.successes}/${best.attempts} (95 % Wilson interval ${pct(best.interval.lower)}–${pct(best.interval.upper)}).`,
  };
}

interface SignalRow {
  readonly key: string;
  readonly entityKind: string;
  readonly metric: string;
  readonly direction: string;
  readonly count: number;
  readonly medianOffsetMs: number;
}

function signalSummary(entries: readonly KnowledgeEntry[]): SignalRow[] {
  const rows = new Map<string, { entityKind: string; metric: string; direction: string; offsets: number[] }>();
  for (const e of entries) {
    for (const s of e.signals) {
      const key = `${s.entityKind}:${s.metric}:${s.direction}`;
      let r = rows.get(key);
      if (!r) {
        r = { entityKind: s.entityKind, metric: s.metric, direction: s.direction, offsets: [] };
        rows.set(key, r);
      }
      r.offsets.push(s.offsetMs);
    }
  }
  return [...rows.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([key, r]) => ({
      key,
      entityKind: r.entityKind,
      metric: r.metric,
      direction: r.direction,
      count: r.offsets.length,
      medianOffsetMs: medianOf(r.offsets) as number,
    }));
}

function kindCounts(entries: readonly KnowledgeEntry[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const e of entries) for (const k of e.entityKinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** Evidence sentences with entity ids, the root's name and numbers masked, grouped; by mean position. */
function evidenceSummary(entries: readonly KnowledgeEntry[]): { template: string; count: number; example: string }[] {
  const groups = new Map<string, { positions: number[]; incidents: Set<string>; example: string }>();
  for (const e of entries) {
    const rc = e.rootCause;
    if (!rc) continue;
    const rootName = rc.entityId.slice(rc.entityId.indexOf(':') + 1);
    rc.evidence.forEach((sentence, i) => {
      const template = maskEvidence(sentence, rootName, rc.entityKind);
      let g = groups.get(template);
      if (!g) {
        g = { positions: [], incidents: new Set(), example: sentence };
        groups.set(template, g);
      }
      g.positions.push(rc.evidence.length > 1 ? i / (rc.evidence.length - 1) : 0);
      g.incidents.add(e.incidentId);
      g.example = sentence;
    });
  }
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  return [...groups.entries()]
    .sort((a, b) => b[1].incidents.size - a[1].incidents.size || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_EVIDENCE)
    .sort((a, b) => mean(a[1].positions) - mean(b[1].positions) || (a[0] < b[0] ? -1 : 1))
    .map(([template, g]) => ({ template, count: g.incidents.size, example: g.example }));
}

/**
 * Masks what differs between incidents in an evidence sentence: entity ids become their kind, the
 * root's bare name becomes `the <kind>`, numbers (and clock times) become `#`.
 */
export function maskEvidence(sentence: string, rootName: string, rootKind: string): string {
  const kinds = ENTITY_KINDS.join('|');
  let out = sentence.replace(new RegExp(`\\b(${kinds}):[A-Za-z0-9_.\\-]+`, 'g'), (_m, k: string) => `the ${k}`);
  if (rootName !== '')
    out = out.replace(new RegExp(`(^|[^A-Za-z0-9_.\\-])${escapeRegExp(rootName)}(?=$|[^A-Za-z0-9_\\-])`, 'g'), `$1the ${rootKind}`);
  return out.replace(/\d+(?:[.:]\d+)*/g, '#');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return m < 10 ? `${Number(m.toFixed(1))} min` : `${Math.round(m)} min`;
}

/** What to write for a regenerated draft, given the rows already stored under its ids. */
export interface StoredRunbooks {
  /** The row at the runbook's id. */
  readonly base?: Runbook;
  /** The row at `<id>-revision`. */
  readonly revision?: Runbook;
}

/**
 * Decides where a regenerated draft goes: at its id when there is no row there or the row is a
 * draft or retired (keeping the first `generatedAt` of a draft); at `<id>-revision` when the row
 * at its id is approved. Returns undefined when nothing changed (same incidents, same policy rule
 * and, unless the stored text was rewritten by an LLM, the same Markdown).
 */
export function reconcileDraft(draft: Runbook, stored: StoredRunbooks): Runbook | undefined {
  const { base, revision } = stored;
  if (base === undefined) return draft;
  if (base.status !== 'approved') {
    if (base.status === 'draft' && sameContent(base, draft)) return undefined;
    return base.status === 'draft' ? { ...draft, generatedAt: base.generatedAt } : draft;
  }
  if (sameContent(base, draft)) return undefined;
  if (revision?.status === 'draft' && sameContent(revision, draft)) return undefined;
  return {
    ...draft,
    id: `${draft.id}${REVISION_SUFFIX}`,
    title: `${draft.title} (revision)`,
    ...(revision?.status === 'draft' ? { generatedAt: revision.generatedAt } : {}),
  };
}

function sameContent(stored: Runbook, draft: Runbook): boolean {
  return (
    stored.policyYaml === draft.policyYaml &&
    stored.incidentIds.join('\n') === draft.incidentIds.join('\n') &&
    (stored.generator === 'llm' || stored.markdown === draft.markdown)
  );
}

/**
 * The rows to write when a person approves a runbook: the runbook itself, approved; for a
 * `-revision` draft, the approved runbook at the base id (replacing the earlier approved one) and
 * the revision row retired. Throws `conflict` when the runbook is not a draft.
 */
export function approveRunbook(runbook: Runbook, by: string, now: number): Runbook[] {
  if (runbook.status !== 'draft') {
    throw new HomeostatError('conflict', `runbook ${JSON.stringify(runbook.id)} is ${runbook.status}, only a draft can be approved`);
  }
  const approved = { ...runbook, status: 'approved' as const, approvedBy: by, approvedAt: now, updatedAt: now };
  if (!runbook.id.endsWith(REVISION_SUFFIX)) return [approved];
  const baseId = runbook.id.slice(0, -REVISION_SUFFIX.length);
  const title = runbook.title.endsWith(' (revision)') ? runbook.title.slice(0, -' (revision)'.length) : runbook.title;
  return [
    { ...approved, id: baseId, title },
    { ...runbook, status: 'retired', updatedAt: now },
  ];
}

/** What {@link regenerateRunbooks} did with one cluster. */
export interface RegeneratedRunbook {
  readonly id: string;
  readonly faultKind: string;
  readonly entityKind: string;
  readonly incidents: number;
  /** `written` (a new or updated draft, or a revision beside an approved runbook) or `unchanged`. */
  readonly outcome: 'written' | 'unchanged';
  readonly generator: Runbook['generator'];
  /** Why an LLM rewrite was accepted or refused, when a rewriter was given. */
  readonly rewrite?: string;
}

/**
 * Drafts the runbook of every cluster, reconciles each with the stored rows, optionally has an LLM
 * rewrite the prose of those that changed, and upserts them. Store errors propagate.
 */
export async function regenerateRunbooks(
  kb: KnowledgeBase,
  store: Pick<Store, 'getRunbook' | 'upsertRunbook'>,
  options: DraftOptions & { readonly minIncidents?: number; readonly rewriter?: RunbookRewriter },
): Promise<RegeneratedRunbook[]> {
  const out: RegeneratedRunbook[] = [];
  for (const cluster of clusterIncidents(kb, options.minIncidents !== undefined ? { minIncidents: options.minIncidents } : {})) {
    const draft = draftRunbook(cluster, kb, options);
    const base = await store.getRunbook(draft.id);
    const revision = await store.getRunbook(`${draft.id}${REVISION_SUFFIX}`);
    const next = reconcileDraft(draft, { ...(base ? { base } : {}), ...(revision ? { revision } : {}) });
    const summary = { faultKind: cluster.faultKind, entityKind: cluster.entityKind, incidents: cluster.incidentIds.length };
    if (next === undefined) {
      out.push({ id: draft.id, ...summary, outcome: 'unchanged', generator: base?.generator ?? 'offline' });
      continue;
    }
    let written = next;
    let rewrite: string | undefined;
    if (options.rewriter) {
      const result = await options.rewriter.rewrite(next);
      written = result.runbook;
      rewrite = result.reason;
    }
    await store.upsertRunbook(written);
    out.push({
      id: written.id,
      ...summary,
      outcome: 'written',
      generator: written.generator,
      ...(rewrite !== undefined ? { rewrite } : {}),
    });
  }
  return out;
}
