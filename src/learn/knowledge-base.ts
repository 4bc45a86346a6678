/**
 * @module learn/knowledge-base
 * The knowledge base of closed incidents: what was seen, what the root cause was, what was done and
 * whether it worked, searchable by text and by similarity to a new incident.
 *
 * Algorithm: each resolved or escalated incident becomes one {@link KnowledgeEntry} (signals as
 * `entityKind:metric:direction`, root cause, actions with outcomes, notes). Text search is Okapi
 * BM25 (k1 = 1.2, b = 0.75, idf = ln(1 + (N − df + 0.5)/(df + 0.5))) over a lower-cased tokenizer
 * that keeps snake_case words whole and also splits them (`memory_leak` → `memory_leak`, `memory`,
 * `leak`); no stemming. Similarity is a weighted Jaccard index over feature sets (`fault:<kind>`
 * weight 3, `root:<entityKind>` weight 2, each `signal:<kind>:<metric>:<dir>` weight 1):
 * Σ w(shared) / Σ w(union). Action statistics over the k most similar incidents give attempts,
 * successes, the success rate with a 95 % Wilson score interval and the median time to verify.
 *
 * Works when the same faults recur on the same kinds of entity with the same symptoms (the common
 * case of operations: leaks, full disks, bad deploys). Fails on novel faults (nothing similar),
 * when the root cause was never confirmed and the acted-on hypothesis was wrong (the entry then
 * teaches the wrong lesson until feedback corrects it), and for text queries using other words
 * than the records (no synonyms, no stemming). An `unknown` fault kind is no feature: two
 * incidents nobody understood are not similar for that reason.
 *
 * Reference: S. Robertson, H. Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond",
 * Foundations and Trends in IR 3(4), 2009; E. B. Wilson, "Probable inference, the law of
 * succession, and statistical inference", JASA 22, 1927; S. Ioffe, "Improved consistent sampling,
 * weighted minhash and L1 sketching", ICDM 2010 (weighted Jaccard).
 */
import { describe, invalid } from '../errors.js';
import type { Action, ActionKind, Anomaly, Feedback, Incident } from '../records/types.js';
import { ACTION_KINDS } from '../records/types.js';
import type { Entity } from '../twin/types.js';
import { ENTITY_KINDS } from '../twin/types.js';

/** A symptom of an incident: a metric of an entity kind moving up or down. */
export interface KnowledgeSignal {
  readonly entityKind: string;
  readonly metric: string;
  readonly direction: 'up' | 'down';
  /** Time of its first anomaly after the incident's first anomaly (ms, ≥ 0). */
  readonly offsetMs: number;
}

/** The root cause an entry records. */
export interface KnowledgeRootCause {
  readonly entityId: string;
  readonly entityKind: string;
  readonly faultKind: string;
  /** True when an operator (or the simulator) confirmed it with `root_cause` feedback. */
  readonly confirmed: boolean;
  /** The hypothesis's confidence when it came from RCA, in [0, 1]. */
  readonly confidence?: number;
  /** The evidence sentences that named it, in reading order. */
  readonly evidence: readonly string[];
}

/** What became of an action: verified or labelled as working, failed, or never judged. */
export type ActionResult = 'worked' | 'failed' | 'unknown';

/** One action taken on an incident and its result. */
export interface KnowledgeAction {
  readonly id: string;
  readonly kind: ActionKind;
  readonly target: string;
  readonly targetKind: string;
  readonly policy: string;
  readonly result: ActionResult;
  /** Verification time after execution (ms), when both times are known. */
  readonly verifyMs?: number;
  /** The verification's or operator's words about the result. */
  readonly note?: string;
}

/** One closed incident, as the knowledge base keeps it (plain JSON). */
export interface KnowledgeEntry {
  readonly incidentId: string;
  readonly title: string;
  readonly status: 'resolved' | 'escalated';
  readonly severity: Incident['severity'];
  readonly openedAt: number;
  /** `resolvedAt`, else the last update (epoch ms). */
  readonly closedAt: number;
  /** Distinct signals, in order of first appearance. */
  readonly signals: readonly KnowledgeSignal[];
  /** Entity kinds involved, sorted. */
  readonly entityKinds: readonly string[];
  readonly rootCause?: KnowledgeRootCause;
  /** In the order they were proposed. */
  readonly actions: readonly KnowledgeAction[];
  readonly resolution?: string;
  /** Feedback notes (operators, verification), oldest first. */
  readonly notes: readonly string[];
}

/** The records an entry is built from; anomalies, actions and feedback may hold other incidents' rows. */
export interface KnowledgeRecords {
  readonly incidents: readonly Incident[];
  readonly anomalies: readonly Anomaly[];
  readonly actions: readonly Action[];
  readonly feedback: readonly Feedback[];
  /** Known entities, for their kinds; an id of the form `<kind>:<name>` is understood without one. */
  readonly entities?: readonly Entity[];
}

/** Options of the knowledge base. */
export interface KnowledgeBaseOptions {
  /** Most entries kept; the oldest by close time are dropped beyond it. Default 10 000. */
  readonly maxEntries?: number;
}

/** Plain JSON that restores a knowledge base exactly. */
export interface KnowledgeBaseState {
  readonly version: 1;
  readonly maxEntries: number;
  /** Oldest first. */
  readonly entries: readonly KnowledgeEntry[];
}

/** A text search hit. */
export interface SearchHit {
  readonly entry: KnowledgeEntry;
  readonly score: number;
  /** Query terms found in the entry, sorted. */
  readonly matched: readonly string[];
}

/** What a new incident looks like, for similarity: fault kind and root kind of its top hypothesis, its signals. */
export interface SimilarityQuery {
  readonly faultKind?: string;
  readonly rootEntityKind?: string;
  readonly signals: readonly Pick<KnowledgeSignal, 'entityKind' | 'metric' | 'direction'>[];
  /** Leave this incident out of the answer (the incident itself, when it is in the base). */
  readonly excludeIncidentId?: string;
}

/** A similar past incident and why. */
export interface SimilarIncident {
  readonly entry: KnowledgeEntry;
  /** Weighted Jaccard index, in (0, 1]. */
  readonly similarity: number;
  /** Features both share, heaviest first then by name. */
  readonly shared: readonly string[];
}

/** How one action kind fared. */
export interface ActionStat {
  readonly kind: ActionKind;
  /** Actions of this kind with a known result (worked or failed). */
  readonly attempts: number;
  readonly successes: number;
  /** successes / attempts (0 when no attempt). */
  readonly successRate: number;
  /** 95 % Wilson score interval of the success rate. */
  readonly interval: { readonly lower: number; readonly upper: number };
  /** Median time from execution to verification (ms) over attempts that have both; absent when none. */
  readonly medianVerifyMs?: number;
  /** Incidents the attempts were made on. */
  readonly incidentIds: readonly string[];
}

/** Feature weights of the similarity (see the module comment). */
export const SIMILARITY_WEIGHTS = { fault: 3, root: 2, signal: 1 } as const;

/** BM25 parameters. */
export const BM25 = { k1: 1.2, b: 0.75 } as const;

const DEFAULT_MAX_ENTRIES = 10_000;
const WILSON_Z = 1.959963984540054;
const STOP_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'by', 'for', 'in', 'is', 'it', 'of', 'on', 'or', 'the', 'to', 'was', 'with']);

/**
 * Lower-cased tokens of a text: words of letters and digits; a snake_case word is kept whole and
 * also split into its parts. Stop words dropped.
 * @example tokenize('Memory_leak on service:payments') // ['memory_leak', 'memory', 'leak', 'service', 'payments']
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[a-z0-9]+(?:_[a-z0-9]+)*/g)) {
    const word = m[0];
    if (!STOP_WORDS.has(word)) out.push(word);
    if (word.includes('_')) for (const part of word.split('_')) if (part !== '' && !STOP_WORDS.has(part)) out.push(part);
  }
  return out;
}

/**
 * 95 % Wilson score interval of a proportion `successes / n`; `[0, 1]` when n = 0.
 * @example wilsonInterval(4, 5) // { lower: 0.3755…, upper: 0.9638… }
 */
export function wilsonInterval(successes: number, n: number, z: number = WILSON_Z): { lower: number; upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { lower: Math.max(0, center - half), upper: Math.min(1, center + half) };
}

/** Kind of an entity id: from the entity list, else from an id of the form `<kind>:<name>`, else `unknown`. */
export function entityKindOf(id: string, kinds?: ReadonlyMap<string, string>): string {
  const known = kinds?.get(id);
  if (known !== undefined) return known;
  const prefix = id.slice(0, Math.max(0, id.indexOf(':')));
  return (ENTITY_KINDS as readonly string[]).includes(prefix) ? prefix : 'unknown';
}

/**
 * Builds the entry of one closed incident from its records (rows of other incidents are ignored).
 * Root cause: the last `root_cause` feedback (confirmed), with the fault kind of the hypothesis on
 * that entity (`unknown` if RCA never named it); else the hypothesis the first action acted on;
 * else the top hypothesis. An action's result: the latest operator `action_worked`/`action_failed`
 * feedback, else the latest such feedback from any source, else its status (`verified` → worked;
 * `verify_failed`, `failed`, `rolled_back` → failed; otherwise unknown: dry runs and blocked
 * actions are not attempts).
 * Throws `invalid_argument` when the incident is neither resolved nor escalated.
 */
export function knowledgeEntry(incident: Incident, records: Omit<KnowledgeRecords, 'incidents'>): KnowledgeEntry {
  if (incident.status !== 'resolved' && incident.status !== 'escalated') {
    throw invalid(`knowledge entry needs a resolved or escalated incident (got ${describe(incident.status)} for ${incident.id})`);
  }
  const kinds = new Map<string, string>((records.entities ?? []).map((e) => [e.id, e.kind]));
  const anomalyIds = new Set(incident.anomalyIds);
  const anomalies = records.anomalies
    .filter((a) => a.incidentId === incident.id || anomalyIds.has(a.id))
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const actions = records.actions
    .filter((a) => a.incidentId === incident.id)
    .sort((a, b) => a.proposedAt - b.proposedAt || (a.id < b.id ? -1 : 1));
  const actionIds = new Set(actions.map((a) => a.id));
  const feedback = records.feedback
    .filter(
      (f) => (f.subjectType === 'incident' && f.subjectId === incident.id) || (f.subjectType === 'action' && actionIds.has(f.subjectId)),
    )
    .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));

  const signals: KnowledgeSignal[] = [];
  const seen = new Set<string>();
  const first = anomalies[0]?.at ?? 0;
  for (const a of anomalies) {
    const entityKind = entityKindOf(a.entityId, kinds);
    const key = `${entityKind}:${a.metric}:${a.direction}`;
    if (seen.has(key)) continue;
    seen.add(key);
    signals.push({ entityKind, metric: a.metric, direction: a.direction, offsetMs: a.at - first });
  }
  const entityKinds = [...new Set([...incident.entities, ...anomalies.map((a) => a.entityId)].map((id) => entityKindOf(id, kinds)))]
    .filter((k) => k !== 'unknown')
    .sort();

  const knowledgeActions = actions.map((a): KnowledgeAction => {
    const labels = feedback.filter((f) => f.subjectId === a.id && (f.label === 'action_worked' || f.label === 'action_failed'));
    const label = labels.filter((f) => f.source === 'operator').at(-1) ?? labels.at(-1);
    const result: ActionResult = label
      ? label.label === 'action_worked'
        ? 'worked'
        : 'failed'
      : a.status === 'verified'
        ? 'worked'
        : a.status === 'verify_failed' || a.status === 'failed' || a.status === 'rolled_back'
          ? 'failed'
          : 'unknown';
    const note = label?.note ?? a.outcome?.message;
    return {
      id: a.id,
      kind: a.kind,
      target: a.target,
      targetKind: entityKindOf(a.target, kinds),
      policy: a.policy,
      result,
      ...(a.verifiedAt !== undefined && a.executedAt !== undefined ? { verifyMs: a.verifiedAt - a.executedAt } : {}),
      ...(note !== undefined && note !== '' ? { note } : {}),
    };
  });

  const confirmed = feedback.filter((f) => f.label === 'root_cause' && f.value !== undefined).at(-1);
  let rootCause: KnowledgeRootCause | undefined;
  if (confirmed?.value !== undefined) {
    const h = incident.hypotheses.find((x) => x.entityId === confirmed.value);
    rootCause = {
      entityId: confirmed.value,
      entityKind: entityKindOf(confirmed.value, kinds),
      faultKind: h?.faultKind ?? 'unknown',
      confirmed: true,
      ...(h ? { confidence: h.confidence } : {}),
      evidence: h?.evidence ?? [],
    };
  } else {
    const target = actions[0]?.target;
    const h = incident.hypotheses.find((x) => x.entityId === target) ?? incident.hypotheses[0];
    if (h) {
      rootCause = {
        entityId: h.entityId,
        entityKind: entityKindOf(h.entityId, kinds),
        faultKind: h.faultKind,
        confirmed: false,
        confidence: h.confidence,
        evidence: h.evidence,
      };
    }
  }

  return {
    incidentId: incident.id,
    title: incident.title,
    status: incident.status,
    severity: incident.severity,
    openedAt: incident.openedAt,
    closedAt: incident.resolvedAt ?? incident.updatedAt,
    signals,
    entityKinds,
    ...(rootCause ? { rootCause } : {}),
    actions: knowledgeActions,
    ...(incident.resolution !== undefined ? { resolution: incident.resolution } : {}),
    notes: feedback.map((f) => f.note).filter((n): n is string => n !== undefined && n !== ''),
  };
}

/** The similarity features of an entry (see {@link SIMILARITY_WEIGHTS}). */
export function entryFeatures(entry: KnowledgeEntry): string[] {
  return queryFeatures({
    ...(entry.rootCause ? { faultKind: entry.rootCause.faultKind, rootEntityKind: entry.rootCause.entityKind } : {}),
    signals: entry.signals,
  });
}

/** The similarity features of a query, sorted: `fault:…`, `root:…`, `signal:…`. */
export function queryFeatures(query: SimilarityQuery): string[] {
  const out = new Set<string>();
  if (query.faultKind !== undefined && query.faultKind !== 'unknown') out.add(`fault:${query.faultKind}`);
  if (query.rootEntityKind !== undefined && query.rootEntityKind !== 'unknown') out.add(`root:${query.rootEntityKind}`);
  for (const s of query.signals) out.add(`signal:${s.entityKind}:${s.metric}:${s.direction}`);
  return [...out].sort();
}

/** Weight of one feature. */
export function featureWeight(feature: string): number {
  if (feature.startsWith('fault:')) return SIMILARITY_WEIGHTS.fault;
  if (feature.startsWith('root:')) return SIMILARITY_WEIGHTS.root;
  return SIMILARITY_WEIGHTS.signal;
}

/**
 * Weighted Jaccard index of two feature sets, Σ w(A∩B) / Σ w(A∪B), and the shared features
 * (heaviest first, then by name); 0 when both are empty.
 * @example weightedJaccard(['fault:cpu_hog', 'root:service'], ['fault:cpu_hog']).similarity // 0.6
 */
export function weightedJaccard(a: readonly string[], b: readonly string[]): { similarity: number; shared: string[] } {
  const setB = new Set(b);
  const union = new Set([...a, ...b]);
  const shared = [...new Set(a)].filter((f) => setB.has(f)).sort((x, y) => featureWeight(y) - featureWeight(x) || (x < y ? -1 : 1));
  let num = 0;
  for (const f of shared) num += featureWeight(f);
  let den = 0;
  for (const f of [...union].sort()) den += featureWeight(f);
  return { similarity: den === 0 ? 0 : num / den, shared };
}

/** The similarity query of an incident (open or closed): its top hypothesis and its anomalies' signals. */
export function incidentQuery(incident: Incident, anomalies: readonly Anomaly[], entities?: readonly Entity[]): SimilarityQuery {
  const kinds = new Map<string, string>((entities ?? []).map((e) => [e.id, e.kind]));
  const top = incident.hypotheses[0];
  const ids = new Set(incident.anomalyIds);
  return {
    ...(top ? { faultKind: top.faultKind, rootEntityKind: entityKindOf(top.entityId, kinds) } : {}),
    signals: anomalies
      .filter((a) => a.incidentId === incident.id || ids.has(a.id))
      .map((a) => ({ entityKind: entityKindOf(a.entityId, kinds), metric: a.metric, direction: a.direction })),
    excludeIncidentId: incident.id,
  };
}

/** Success statistics per action kind over some entries, best first (rate, then successes, then kind). */
export function actionStatsOf(entries: readonly KnowledgeEntry[]): ActionStat[] {
  const byKind = new Map<ActionKind, { attempts: number; successes: number; verify: number[]; incidents: Set<string> }>();
  for (const e of entries) {
    for (const a of e.actions) {
      if (a.result === 'unknown') continue;
      let s = byKind.get(a.kind);
      if (!s) {
        s = { attempts: 0, successes: 0, verify: [], incidents: new Set() };
        byKind.set(a.kind, s);
      }
      s.attempts++;
      if (a.result === 'worked') s.successes++;
      if (a.verifyMs !== undefined) s.verify.push(a.verifyMs);
      s.incidents.add(e.incidentId);
    }
  }
  const out: ActionStat[] = [];
  for (const kind of ACTION_KINDS) {
    const s = byKind.get(kind);
    if (!s) continue;
    const median = medianOf(s.verify);
    out.push({
      kind,
      attempts: s.attempts,
      successes: s.successes,
      successRate: s.successes / s.attempts,
      interval: wilsonInterval(s.successes, s.attempts),
      ...(median !== undefined ? { medianVerifyMs: median } : {}),
      incidentIds: [...s.incidents].sort(),
    });
  }
  return out.sort((x, y) => y.successRate - x.successRate || y.successes - x.successes || (x.kind < y.kind ? -1 : 1));
}

/** Median of numbers (mean of the two middle ones for an even count); undefined when empty. */
export function medianOf(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The searchable text of an entry: title, resolution, root cause and its evidence, signals, actions, notes. */
export function entryText(entry: KnowledgeEntry): string {
  const parts: string[] = [entry.title, entry.status, entry.resolution ?? ''];
  const rc = entry.rootCause;
  if (rc) parts.push(rc.faultKind, rc.entityId, rc.entityKind, ...rc.evidence);
  for (const s of entry.signals) parts.push(`${s.entityKind} ${s.metric} ${s.direction}`);
  for (const a of entry.actions) parts.push(`${a.kind} ${a.target} ${a.result} ${a.note ?? ''}`);
  parts.push(...entry.notes);
  return parts.join('\n');
}

interface IndexedDoc {
  readonly tf: ReadonlyMap<string, number>;
  readonly length: number;
}

/**
 * Closed incidents, indexed for text search (BM25) and similarity (weighted Jaccard). Adding an
 * entry for an incident already present replaces it (later feedback refines an entry). Bounded:
 * beyond `maxEntries` the entry closed earliest is dropped. Deterministic: ties are broken by
 * incident id, and `state()` restores the same answers bit for bit.
 */
export class KnowledgeBase {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, KnowledgeEntry>();
  readonly #docs = new Map<string, IndexedDoc>();
  readonly #features = new Map<string, readonly string[]>();
  readonly #postings = new Map<string, Set<string>>();
  #totalLength = 0;

  /** Throws `invalid_argument` when `maxEntries` is not an integer ≥ 1. */
  constructor(options: KnowledgeBaseOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(max) || max < 1) throw invalid(`knowledge base maxEntries must be an integer >= 1 (got ${describe(max)})`);
    this.#maxEntries = max;
  }

  /**
   * Builds a knowledge base from stored records (at start-up): one entry per resolved or
   * escalated incident, added in close-time order.
   */
  static build(records: KnowledgeRecords, options: KnowledgeBaseOptions = {}): KnowledgeBase {
    const kb = new KnowledgeBase(options);
    const closed = records.incidents
      .filter((i) => i.status === 'resolved' || i.status === 'escalated')
      .map((i) => knowledgeEntry(i, records))
      .sort(byClose);
    for (const e of closed) kb.add(e);
    return kb;
  }

  /**
   * Restores a knowledge base from {@link KnowledgeBase.state}.
   * Throws `invalid_argument` when the state is not a version-1 knowledge-base state.
   */
  static restore(state: unknown): KnowledgeBase {
    const s = state as Partial<KnowledgeBaseState> | null;
    if (typeof s !== 'object' || s === null || s.version !== 1 || !Array.isArray(s.entries) || typeof s.maxEntries !== 'number') {
      throw invalid(`knowledge base state must be {version: 1, maxEntries, entries: [...]} (got ${describe(state)})`);
    }
    const kb = new KnowledgeBase({ maxEntries: s.maxEntries });
    for (const e of s.entries) kb.add(e);
    return kb;
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** Adds (or replaces) the entry of an incident, dropping the earliest closed entry beyond the cap. */
  add(entry: KnowledgeEntry): void {
    this.#remove(entry.incidentId);
    const tokens = tokenize(entryText(entry));
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    this.#entries.set(entry.incidentId, entry);
    this.#docs.set(entry.incidentId, { tf, length: tokens.length });
    this.#features.set(entry.incidentId, entryFeatures(entry));
    this.#totalLength += tokens.length;
    for (const t of tf.keys()) {
      let ids = this.#postings.get(t);
      if (!ids) {
        ids = new Set();
        this.#postings.set(t, ids);
      }
      ids.add(entry.incidentId);
    }
    while (this.#entries.size > this.#maxEntries) {
      let oldest: KnowledgeEntry | undefined;
      for (const e of this.#entries.values()) if (oldest === undefined || byClose(e, oldest) < 0) oldest = e;
      if (oldest) this.#remove(oldest.incidentId);
    }
  }

  /** The entry of an incident, if kept. */
  get(incidentId: string): KnowledgeEntry | undefined {
    return this.#entries.get(incidentId);
  }

  /** Every entry, oldest closed first. */
  entries(): KnowledgeEntry[] {
    return [...this.#entries.values()].sort(byClose);
  }

  /**
   * BM25 text search; at most `limit` hits (default 10), best first, ties by incident id. An
   * empty query (no token) gives no hit.
   */
  search(query: string, limit = 10): SearchHit[] {
    const terms = [...new Set(tokenize(query))].sort();
    const n = this.#entries.size;
    if (terms.length === 0 || n === 0) return [];
    const avgLength = this.#totalLength / n;
    const scores = new Map<string, { score: number; matched: string[] }>();
    for (const term of terms) {
      const ids = this.#postings.get(term);
      if (!ids) continue;
      const idf = Math.log(1 + (n - ids.size + 0.5) / (ids.size + 0.5));
      for (const id of [...ids].sort()) {
        const doc = this.#docs.get(id) as IndexedDoc;
        const f = doc.tf.get(term) ?? 0;
        const w = (idf * f * (BM25.k1 + 1)) / (f + BM25.k1 * (1 - BM25.b + (BM25.b * doc.length) / avgLength));
        const s = scores.get(id) ?? { score: 0, matched: [] };
        s.score += w;
        s.matched.push(term);
        scores.set(id, s);
      }
    }
    return [...scores.entries()]
      .sort((x, y) => y[1].score - x[1].score || (x[0] < y[0] ? -1 : 1))
      .slice(0, Math.max(0, limit))
      .map(([id, s]) => ({ entry: this.#entries.get(id) as KnowledgeEntry, score: s.score, matched: s.matched }));
  }

  /**
   * The k most similar entries to a query (default 5), similarity > 0 only, best first; ties by
   * later close time, then incident id.
   */
  similar(query: SimilarityQuery, k = 5): SimilarIncident[] {
    const features = queryFeatures(query);
    const out: SimilarIncident[] = [];
    for (const [id, f] of this.#features) {
      if (id === query.excludeIncidentId) continue;
      const { similarity, shared } = weightedJaccard(features, f);
      if (similarity > 0) out.push({ entry: this.#entries.get(id) as KnowledgeEntry, similarity, shared });
    }
    return out
      .sort(
        (x, y) => y.similarity - x.similarity || y.entry.closedAt - x.entry.closedAt || (x.entry.incidentId < y.entry.incidentId ? -1 : 1),
      )
      .slice(0, Math.max(0, k));
  }

  /**
   * Action statistics over the k most similar entries to a query (default 10). With `sameFault`,
   * only those sharing the query's fault kind count (what the decide step should use: on the
   * simulator, entries of other fault kinds that share signals mostly teach the wrong action).
   */
  actionStats(query: SimilarityQuery, k = 10, options: { readonly sameFault?: boolean } = {}): ActionStat[] {
    const fault = `fault:${query.faultKind}`;
    const similar = this.similar(query, k).filter((s) => !options.sameFault || s.shared.includes(fault));
    return actionStatsOf(similar.map((s) => s.entry));
  }

  /** The state as plain JSON (entries oldest closed first). */
  state(): KnowledgeBaseState {
    return { version: 1, maxEntries: this.#maxEntries, entries: this.entries() };
  }

  #remove(id: string): void {
    const doc = this.#docs.get(id);
    if (!doc) return;
    for (const t of doc.tf.keys()) {
      const ids = this.#postings.get(t);
      ids?.delete(id);
      if (ids?.size === 0) this.#postings.delete(t);
    }
    this.#totalLength -= doc.length;
    this.#docs.delete(id);
    this.#features.delete(id);
    this.#entries.delete(id);
  }
}

function byClose(a: KnowledgeEntry, b: KnowledgeEntry): number {
  return a.closedAt - b.closedAt || (a.incidentId < b.incidentId ? -1 : a.incidentId > b.incidentId ? 1 : 0);
}
