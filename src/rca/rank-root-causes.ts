/**
 * @module rca/rank-root-causes
 * Topology-aware root-cause ranking, first model.
 *
 * Algorithm. Evidence is the anomalies in the window plus failure-risk predictions (the latest per
 * entity, probability ≥ `minPredictionRisk`). Candidates are the entities with evidence plus the
 * one-hop targets of their `depends_on`, `runs_on` and `connects_to` relations (a load balancer's
 * symptoms are explained by the services it sends traffic to), so a silent database is a
 * candidate when its callers alarm. Times are measured from the incident's start `t0`
 * (`incidentStartMs`, else the start of the last burst of evidence). A closed anomaly raised
 * `lead` ms before `t0` has time relevance `r = exp(-lead / staleScaleMs)`; open or later ones
 * have `r = 1`. Each candidate gets five scores in [0, 1], combined linearly with {@link RcaWeights}:
 * 1. onset — `r · exp(-max(0, onset - t0) / onsetScaleMs)`: causes start before their symptoms.
 *    A silent candidate gets half the best onset score of its dependents with evidence.
 * 2. magnitude — strength `s = 1 - (1 - max(r · anomaly confidence)) · (1 - failure risk)`.
 * 3. propagation — a personalised PageRank (random walk with restart) that starts at entities
 *    with evidence in proportion to `s` and walks from a symptom to what it depends on or runs
 *    on (symptoms flow from callee to caller, so the walk goes back the other way). A step goes
 *    to a dependency with weight `s + unobservedPrior`, or stays with weight `s`; mass piles up
 *    on the entity that explains the most symptoms. Normalised by the largest mass.
 * 4. change — a deploy on the candidate within `deployWindowMs` before its first anomaly
 *    (1 at onset, falling linearly to 0.5 at the window's edge).
 * 5. kind — `inferFaultKind` on its own anomalies and the dominant signal of its prediction:
 *    1 for a known kind, 0.5 when known only from its dependents, 0 for `unknown`.
 *
 * Load, not fault. A host's (or vm's) CPU and memory are the sum of what runs on it, so a
 * workload's CPU hog or leak raises its hosts' utilisation too. When a machine's only signals are
 * `cpu_utilization` / `memory_utilization` rises and, for each of them, a workload running on it
 * shows the same rise no later than `loadOnsetSlackMs` after it, the machine's rise is explained
 * by that workload: those `runs_on` edges are reversed for the walk and the symptom tree (the
 * machine's evidence flows to the workload and counts in its coverage, and the workload is not
 * among the machine's symptoms). Any machine-specific signal (disk, packet loss, hardware, `up`)
 * keeps the machine-as-cause direction.
 *
 * History. With `priors` (what confirmed root causes taught, rca/root-cause-priors.ts), each
 * candidate's lift multiplies its share below (`exp(score / temperature) · lift`): ranking and
 * confidence move by `temperature · ln(lift)` in score, and an evidence line says why.
 *
 * Confidence = margin share × evidence strength:
 *   `confidence_i = softmax_i(score / temperature) · E_i`, with the softmax over ALL candidates,
 *   `E_i = support_i · kindFactor_i · (0.75 + 0.25 · coverage_i)`, where support is `s` (or, for
 *   a silent candidate, `0.5 ·` its dependents with evidence / all entities with evidence);
 *   kindFactor is 1, or `unknownKindFactor` when the kind is `unknown`; coverage is the share of
 *   all evidence strength found on the candidate and the symptoms below it in the topology.
 * The softmax is near 1 when one candidate leads by several temperatures and falls towards 1/n
 * when n candidates are close; E caps it by how strong and complete the winner's own evidence
 * is. So confidences lie in [0, 1] and sum to at most 1. They are NOT calibrated on labelled
 * incidents: treat them as a ranking-derived belief, not a measured probability.
 *
 * Works when faults propagate along declared dependencies and the root shows its own symptoms
 * first. Fails when a host-wide resource fault shows only as utilisation that its tenants share
 * (it is then named a tenant's fault), when the topology is missing edges, when the root is silent and its dependents
 * are few (it then ranks the loudest symptom first), on faults that travel against `depends_on`
 * (a caller flooding its callee looks like a callee fault), and when unrelated fresh noise
 * coincides with the incident (it lowers the winner's share and coverage).
 *
 * Reference: Kim, Sumbaly, Shah, "Root cause detection in a service-oriented architecture"
 * (MonitorRank), SIGMETRICS 2013; Wu et al., "MicroRCA", NOMS 2020.
 */
import { describe, invalid } from '../errors.js';
import type { Anomaly, Attribution, ChangeEvent, Hypothesis, Prediction } from '../records/types.js';
import { METRICS } from '../telemetry/metrics.js';
import type { Entity, EntityKind, RelationKind } from '../twin/types.js';
import { inferFaultKind, type FaultKindGuess, type Symptom } from './infer-fault-kind.js';
import type { RcaConfig, RcaInput } from './types.js';

/** Name and version of this model, for the decision log. */
export const RCA_MODEL = { kind: 'rca/topology-rank', version: '1' } as const;

/** Defaults of {@link RcaConfig}. */
export const DEFAULT_RCA_CONFIG: RcaConfig = {
  weights: { onset: 0.2, magnitude: 0.2, propagation: 0.3, change: 0.15, kind: 0.15 },
  onsetScaleMs: 10 * 60_000,
  deployWindowMs: 30 * 60_000,
  restartProbability: 0.15,
  unobservedPrior: 0.2,
  iterations: 50,
  temperature: 0.1,
  staleScaleMs: 20 * 60_000,
  burstGapMs: 30 * 60_000,
  minPredictionRisk: 0.2,
  unknownKindFactor: 0.7,
  maxHypotheses: 5,
  loadOnsetSlackMs: 2 * 60_000,
  maxPathDepth: 4,
};

const CAUSAL: ReadonlySet<RelationKind> = new Set(['depends_on', 'runs_on', 'connects_to']);

/** Machines whose CPU and memory are the sum of the workloads running on them. */
const MACHINE_KINDS: ReadonlySet<EntityKind> = new Set(['host', 'vm']);

/** Utilisation metrics a workload adds to the machines it runs on. */
const LOAD_METRICS: readonly string[] = [METRICS.cpu, METRICS.memory];

/** Metrics a failure-risk explanation may name first, as the symptom they stand for. */
const PREDICTION_METRICS: readonly string[] = [METRICS.memory, METRICS.disk, METRICS.eccErrors, METRICS.temperature, METRICS.errorRate];

/** Share of a prediction's hazard a signal needs to count as fault-kind evidence. */
const PREDICTION_SYMPTOM_MIN_WEIGHT = 0.25;

interface Edge {
  readonly other: string;
  readonly kind: RelationKind;
  /** A `runs_on` edge turned round: the machine's load rise is explained by this workload. */
  readonly reversed: boolean;
}

/** A machine's utilisation rise explained by a workload running on it. */
interface LoadLink {
  readonly machine: string;
  readonly workload: string;
  readonly metric: string;
  readonly machineAtMs: number;
  readonly workloadAtMs: number;
}

/** One rising or falling signal with its first time: from an anomaly or a prediction's explanation. */
interface TimedSymptom extends Symptom {
  readonly at: number;
}

interface Candidate {
  readonly id: string;
  readonly anomalies: readonly Anomaly[];
  readonly prediction: Prediction | undefined;
  /** First evidence time (anomaly or prediction), undefined when silent. */
  readonly onsetMs: number | undefined;
  /** Largest time relevance among its anomalies (1 with a prediction or no anomaly). */
  readonly relevance: number;
  readonly strength: number;
  onset: number;
  propagation: number;
  change: number;
  kind: number;
  guess: FaultKindGuess;
  deploy: ChangeEvent | undefined;
  score: number;
}

/**
 * Ranks root-cause hypotheses for one incident, best first.
 * Returns `[]` when there is neither an anomaly nor a failure-risk prediction in the window.
 * Throws `invalid_argument` for a window that ends before it starts or a config value out of range.
 * @example rankRootCauses({ anomalies, topology, events: [], windowStartMs: t0, windowEndMs: t1 })[0]?.entityId
 */
export function rankRootCauses(input: RcaInput, config?: Partial<RcaConfig>): Hypothesis[] {
  const cfg = resolveConfig(config);
  const { windowStartMs, windowEndMs } = input;
  if (!Number.isFinite(windowStartMs) || !Number.isFinite(windowEndMs) || windowEndMs < windowStartMs) {
    throw invalid(`rca window must be finite with windowEndMs >= windowStartMs (got ${windowStartMs}..${windowEndMs})`);
  }
  const inWindow = (t: number): boolean => t >= windowStartMs && t <= windowEndMs;
  const anomalies = input.anomalies.filter((a) => inWindow(a.at));
  const predictionOf = new Map<string, Prediction>();
  for (const p of input.predictions ?? []) {
    if (p.kind !== 'failure_risk' || !inWindow(p.at) || !(clamp01(p.value) >= cfg.minPredictionRisk)) continue;
    const seen = predictionOf.get(p.entityId);
    if (seen === undefined || p.at > seen.at || (p.at === seen.at && p.value > seen.value)) predictionOf.set(p.entityId, p);
  }
  if (anomalies.length === 0 && predictionOf.size === 0) return [];

  const entities = new Map<string, Entity>(input.topology.entities.map((e) => [e.id, e]));
  const causesOf = new Map<string, Edge[]>();
  const dependentsOf = new Map<string, Edge[]>();
  for (const r of input.topology.relations) {
    if (!CAUSAL.has(r.kind) || r.from === r.to) continue;
    push(causesOf, r.from, { other: r.to, kind: r.kind, reversed: false });
    push(dependentsOf, r.to, { other: r.from, kind: r.kind, reversed: false });
  }

  const byEntity = new Map<string, Anomaly[]>();
  for (const a of anomalies) push(byEntity, a.entityId, a);
  for (const list of byEntity.values()) list.sort((a, b) => a.at - b.at || b.confidence - a.confidence);

  const loadOf = explainLoad(entities, dependentsOf, byEntity, predictionOf, cfg.loadOnsetSlackMs);
  for (const [machine, links] of loadOf) {
    for (const w of unique(links.map((l) => l.workload))) {
      const runsOn = (e: Edge, other: string): boolean => e.kind === 'runs_on' && !e.reversed && e.other === other;
      causesOf.set(
        w,
        (causesOf.get(w) ?? []).filter((e) => !runsOn(e, machine)),
      );
      dependentsOf.set(
        machine,
        (dependentsOf.get(machine) ?? []).filter((e) => !runsOn(e, w)),
      );
      push(causesOf, machine, { other: w, kind: 'runs_on', reversed: true });
      push(dependentsOf, w, { other: machine, kind: 'runs_on', reversed: true });
    }
  }

  const t0 =
    input.incidentStartMs ??
    lastBurstStart([...anomalies.map((a) => a.at), ...[...predictionOf.values()].map((p) => p.at)], cfg.burstGapMs);
  const relevanceOf = (a: Anomaly): number => (a.status === 'open' || a.at >= t0 ? 1 : Math.exp(-(t0 - a.at) / cfg.staleScaleMs));

  const candidates = new Map<string, Candidate>();
  const addCandidate = (id: string): void => {
    if (candidates.has(id)) return;
    const own = byEntity.get(id) ?? [];
    const prediction = predictionOf.get(id);
    const seen = own.reduce((m, a) => Math.max(m, relevanceOf(a) * clamp01(a.confidence)), 0);
    const risk = prediction === undefined ? 0 : clamp01(prediction.value);
    const times = [...own.map((a) => a.at), ...(prediction === undefined ? [] : [prediction.at])];
    candidates.set(id, {
      id,
      anomalies: own,
      prediction,
      onsetMs: times.length > 0 ? Math.min(...times) : undefined,
      relevance: prediction !== undefined || own.length === 0 ? 1 : own.reduce((m, a) => Math.max(m, relevanceOf(a)), 0),
      strength: 1 - (1 - seen) * (1 - risk),
      onset: 0,
      propagation: 0,
      change: 0,
      kind: 0,
      guess: { kind: 'unknown', reason: '' },
      deploy: undefined,
      score: 0,
    });
  };
  const evidencedIds = unique([...byEntity.keys(), ...predictionOf.keys()]).sort();
  for (const id of evidencedIds) addCandidate(id);
  for (const id of evidencedIds) for (const e of causesOf.get(id) ?? []) addCandidate(e.other);
  const ids = [...candidates.keys()].sort();
  const evidenced = (id: string): boolean => byEntity.has(id) || predictionOf.has(id);
  const evidencedDependents = (id: string): string[] => unique((dependentsOf.get(id) ?? []).map((e) => e.other).filter(evidenced));

  for (const c of candidates.values()) {
    if (c.onsetMs !== undefined) c.onset = c.relevance * Math.exp(-Math.max(0, c.onsetMs - t0) / cfg.onsetScaleMs);
  }
  for (const c of candidates.values()) {
    if (c.onsetMs !== undefined) continue;
    const best = evidencedDependents(c.id).reduce((m, d) => Math.max(m, candidates.get(d)?.onset ?? 0), 0);
    c.onset = 0.5 * best;
  }

  const mass = personalisedPageRank(ids, candidates, causesOf, cfg);
  const maxMass = [...mass.values()].reduce((m, x) => Math.max(m, x), 0);
  for (const c of candidates.values()) c.propagation = maxMass > 0 ? (mass.get(c.id) ?? 0) / maxMass : 0;

  const deploysOf = new Map<string, ChangeEvent[]>();
  for (const e of input.events) if (e.kind === 'deploy' && candidates.has(e.entityId)) push(deploysOf, e.entityId, e);
  for (const c of candidates.values()) {
    const before = c.onsetMs ?? t0;
    const deploys = (deploysOf.get(c.id) ?? []).filter((e) => e.at <= before && e.at >= before - cfg.deployWindowMs);
    const latest = deploys.reduce<ChangeEvent | undefined>((best, e) => (best === undefined || e.at > best.at ? e : best), undefined);
    if (latest !== undefined) {
      c.deploy = latest;
      c.change = 1 - (0.5 * (before - latest.at)) / cfg.deployWindowMs;
    }
    const symptoms: Symptom[] = [...c.anomalies, ...predictionSymptoms(c.prediction)];
    c.guess = inferFaultKind({
      entityKind: entities.get(c.id)?.kind,
      symptoms,
      recentDeploy: c.deploy !== undefined,
      anomalousDependents: evidencedDependents(c.id).length,
    });
    c.kind = c.guess.kind === 'unknown' ? 0 : c.onsetMs !== undefined ? 1 : 0.5;
    const w = cfg.weights;
    c.score = w.onset * c.onset + w.magnitude * c.strength + w.propagation * c.propagation + w.change * c.change + w.kind * c.kind;
  }

  // History as a prior: share ∝ exp(score / temperature) · lift, i.e. the score moves by T · ln(lift).
  const liftOf = new Map<string, number>();
  for (const c of candidates.values()) {
    const lift = input.priors?.lift(c.id, entities.get(c.id)?.kind ?? 'unknown') ?? 1;
    liftOf.set(c.id, Number.isFinite(lift) && lift > 0 ? lift : 1);
  }
  const posterior = (c: Candidate): number => c.score + cfg.temperature * Math.log(liftOf.get(c.id) ?? 1);
  const ranked = [...candidates.values()].sort((a, b) => posterior(b) - posterior(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const top = ranked[0];
  const topPosterior = top === undefined ? 0 : posterior(top);
  const shares = ranked.map((c) => Math.exp((posterior(c) - topPosterior) / cfg.temperature));
  const totalShare = shares.reduce((s, x) => s + x, 0);
  const totalStrength = evidencedIds.reduce((s, id) => s + (candidates.get(id)?.strength ?? 0), 0);
  const name = (id: string): string => entities.get(id)?.name ?? id;

  return ranked.slice(0, cfg.maxHypotheses).map((c, i): Hypothesis => {
    const dependents = evidencedDependents(c.id);
    const tree = symptomTree(c.id, dependentsOf, evidenced, cfg.maxPathDepth);
    const explained = [c.id, ...tree.order].reduce((s, id) => s + (evidenced(id) ? (candidates.get(id)?.strength ?? 0) : 0), 0);
    const coverage = totalStrength > 0 ? Math.min(1, explained / totalStrength) : 0;
    const support = c.onsetMs !== undefined ? c.strength : (0.5 * dependents.length) / evidencedIds.length;
    const kindFactor = c.guess.kind === 'unknown' ? cfg.unknownKindFactor : 1;
    const evidenceStrength = support * kindFactor * (0.75 + 0.25 * coverage);
    const share = (shares[i] ?? 0) / totalShare;
    const confidence = clamp01(share * evidenceStrength);

    const evidence: string[] = [];
    for (const a of c.anomalies.slice(0, 3)) {
      evidence.push(
        `${name(c.id)} ${a.metric} ${verb(a)} at ${clockTime(a.at)} (${formatEvidenceNumber(a.actual)} vs expected ${formatEvidenceNumber(a.expected)})`,
      );
    }
    if (c.anomalies.length > 0 && c.relevance < 0.5) {
      const lead = Math.round((t0 - (c.anomalies[c.anomalies.length - 1]?.at ?? t0)) / 60_000);
      evidence.push(
        `${name(c.id)}'s anomalies closed and were raised ${lead} min or more before the incident began at ${clockTime(t0)} (time relevance ${c.relevance.toFixed(2)})`,
      );
    }
    for (const l of loadOf.get(c.id) ?? []) {
      const lag = Math.round((l.machineAtMs - l.workloadAtMs) / 60_000);
      const when = lag >= 0 ? `${lag} min after` : `${-lag} min before`;
      evidence.push(
        `${name(c.id)} ${l.metric} rose ${when} that of ${name(l.workload)}, which runs on it: load of that workload, not a fault of ${name(c.id)}`,
      );
    }
    if (c.prediction !== undefined) {
      const p = c.prediction;
      const why = p.explanation
        .slice(0, 2)
        .map((x) => x.name)
        .join('; ');
      evidence.push(
        `failure risk of ${name(c.id)} ${Math.round(clamp01(p.value) * 100)} % within ${Number((p.horizonMs / 3_600_000).toFixed(1))} h at ${clockTime(p.at)}` +
          (why.length > 0 ? `: ${why}` : ''),
      );
    }
    if (c.onsetMs === undefined) {
      evidence.push(
        `${name(c.id)} shows no anomaly of its own; ${dependents.length} of the entities that depend on or run on it alarmed` +
          (dependents.length > 0 ? ` (${dependents.map(name).join(', ')})` : ''),
      );
    }
    if (c.deploy !== undefined) {
      const lead = Math.round(((c.onsetMs ?? t0) - c.deploy.at) / 60_000);
      evidence.push(`deploy of ${name(c.id)} at ${clockTime(c.deploy.at)}, ${lead} min before the first anomaly`);
    }
    evidence.push(`fault kind ${c.guess.kind}: ${c.guess.reason} on ${name(c.id)}`);
    const lift = liftOf.get(c.id) ?? 1;
    if (input.priors !== undefined && Math.abs(lift - 1) >= 0.05) {
      const { n, k } = input.priors.countOf(c.id);
      evidence.push(
        `history: ${name(c.id)} was the confirmed root cause of ${k} of ${n} labelled incidents it was a candidate in${n < 5 ? ` (few: read with its ${entities.get(c.id)?.kind ?? 'unknown'} kind's)` : ''}; prior ×${lift.toFixed(2)}`,
      );
    }
    const rootFirst = c.anomalies[0];
    for (const node of tree.order) {
      const link = tree.parent.get(node);
      if (link === undefined) continue;
      evidence.push(link.reversed ? `${name(link.other)} ${link.kind} ${name(node)}` : `${name(node)} ${link.kind} ${name(link.other)}`);
      const first = byEntity.get(node)?.[0];
      if (first === undefined) continue;
      const head = `${name(node)} ${first.metric} ${verb(first)} to ${formatEvidenceNumber(first.actual)} vs expected ${formatEvidenceNumber(first.expected)}`;
      if (rootFirst === undefined) evidence.push(head);
      else {
        const lag = Math.round((first.at - rootFirst.at) / 60_000);
        const when = lag >= 0 ? `${lag} min after` : `${-lag} min before`;
        evidence.push(`${head}, ${when} ${name(c.id)} ${rootFirst.metric}`);
      }
    }
    evidence.push(
      `confidence ${confidence.toFixed(2)} = ranking share ${share.toFixed(2)} × evidence strength ${evidenceStrength.toFixed(2)}`,
    );
    const contributors: Attribution[] = [
      { name: 'onset', weight: cfg.weights.onset * c.onset, actual: c.onset },
      { name: 'magnitude', weight: cfg.weights.magnitude * c.strength, actual: c.strength },
      { name: 'propagation', weight: cfg.weights.propagation * c.propagation, actual: c.propagation },
      { name: 'change', weight: cfg.weights.change * c.change, actual: c.change },
      { name: 'kind', weight: cfg.weights.kind * c.kind, actual: c.kind },
      ...(input.priors === undefined ? [] : [{ name: 'prior lift', weight: cfg.temperature * Math.log(lift), actual: lift }]),
    ];
    return {
      entityId: c.id,
      faultKind: c.guess.kind,
      confidence,
      score: c.score,
      evidence,
      path: [c.id, ...tree.order],
      contributors,
    };
  });
}

/**
 * The symptoms a failure-risk prediction stands for: each well-known metric its explanation
 * names first with at least {@link PREDICTION_SYMPTOM_MIN_WEIGHT} of the hazard, as rising. Only
 * attributions that raise the risk (weight > 0) from a measured value (`actual` set) count, their
 * share taken among the raising ones: a trained model's explanation also names features that
 * lower the risk or that were not reported (a service without a disk), which are no symptom.
 */
function predictionSymptoms(p: Prediction | undefined): Symptom[] {
  if (p === undefined) return [];
  const out: Symptom[] = [];
  const raising = p.explanation.filter((x) => x.weight > 0 && x.actual !== undefined && Number.isFinite(x.actual));
  const total = raising.reduce((s, x) => s + x.weight, 0);
  const ordered = [...raising].sort((a, b) => b.weight - a.weight);
  for (const x of ordered) {
    if (x.weight / total < PREDICTION_SYMPTOM_MIN_WEIGHT && out.length > 0) continue;
    const metric = PREDICTION_METRICS.find((m) => x.name === m || x.name.startsWith(`${m} `));
    if (metric !== undefined && !out.some((s) => s.metric === metric)) out.push({ metric, direction: 'up' });
  }
  return out;
}

/**
 * Machines (host, vm) whose only signals are CPU/memory rises (and a temperature rise that comes
 * with the CPU rise), each matched by the same rise on a workload running on them (`runs_on`) at
 * most `slackMs` later than the machine's own. A machine
 * with any other signal, or a prediction that names no known symptom, is left out.
 */
function explainLoad(
  entities: ReadonlyMap<string, Entity>,
  dependentsOf: ReadonlyMap<string, readonly Edge[]>,
  byEntity: ReadonlyMap<string, readonly Anomaly[]>,
  predictionOf: ReadonlyMap<string, Prediction>,
  slackMs: number,
): Map<string, LoadLink[]> {
  const signalsOf = (id: string): TimedSymptom[] | undefined => {
    const p = predictionOf.get(id);
    const fromPrediction = predictionSymptoms(p).map((s) => ({ ...s, at: p?.at ?? 0 }));
    if (p !== undefined && fromPrediction.length === 0) return undefined;
    return [...(byEntity.get(id) ?? []).map((a) => ({ metric: a.metric, direction: a.direction, at: a.at })), ...fromPrediction];
  };
  const firstRise = (signals: readonly TimedSymptom[], metric: string): number | undefined =>
    signals.reduce<number | undefined>(
      (m, s) => (s.metric === metric && s.direction === 'up' && (m === undefined || s.at < m) ? s.at : m),
      undefined,
    );

  const out = new Map<string, LoadLink[]>();
  for (const machine of unique([...byEntity.keys(), ...predictionOf.keys()]).sort()) {
    const kind = entities.get(machine)?.kind;
    if (kind === undefined || !MACHINE_KINDS.has(kind)) continue;
    const own = signalsOf(machine);
    if (own === undefined || own.length === 0) continue;
    // Temperature follows CPU: with a CPU rise it is part of the load, not a symptom of its own.
    const heatFromLoad = own.some((s) => s.metric === METRICS.cpu && s.direction === 'up');
    const loadOnly = own.every(
      (s) => s.direction === 'up' && (LOAD_METRICS.includes(s.metric) || (heatFromLoad && s.metric === METRICS.temperature)),
    );
    if (!loadOnly) continue;
    const workloads = unique((dependentsOf.get(machine) ?? []).filter((e) => e.kind === 'runs_on').map((e) => e.other)).sort();
    const links: LoadLink[] = [];
    for (const metric of unique(own.map((s) => s.metric)).filter((m) => LOAD_METRICS.includes(m))) {
      const machineAtMs = firstRise(own, metric) as number;
      const found = workloads.flatMap((workload): LoadLink[] => {
        const workloadAtMs = firstRise(signalsOf(workload) ?? [], metric);
        return workloadAtMs !== undefined && workloadAtMs <= machineAtMs + slackMs
          ? [{ machine, workload, metric, machineAtMs, workloadAtMs }]
          : [];
      });
      if (found.length === 0) {
        links.length = 0;
        break;
      }
      links.push(...found);
    }
    if (links.length > 0) out.set(machine, links);
  }
  return out;
}

/** Start of the last run of times whose consecutive gaps are at most `gapMs`. */
function lastBurstStart(times: readonly number[], gapMs: number): number {
  const sorted = [...times].sort((a, b) => b - a);
  let start = sorted[0] ?? 0;
  for (const t of sorted.slice(1)) {
    if (start - t > gapMs) break;
    start = t;
  }
  return start;
}

/**
 * Random walk with restart over the candidates: from a node, step to each dependency with weight
 * `strength(dep) + unobservedPrior`, stay with weight `strength(self)`; nodes with no weight
 * restart. Returns the stationary mass per candidate.
 */
function personalisedPageRank(
  ids: readonly string[],
  candidates: ReadonlyMap<string, Candidate>,
  causesOf: ReadonlyMap<string, readonly Edge[]>,
  cfg: RcaConfig,
): Map<string, number> {
  const strength = (id: string): number => candidates.get(id)?.strength ?? 0;
  const totalStrength = ids.reduce((s, id) => s + strength(id), 0);
  const seed = new Map(ids.map((id) => [id, totalStrength > 0 ? strength(id) / totalStrength : 1 / ids.length]));
  const moves = new Map<string, { to: string; p: number }[]>();
  for (const id of ids) {
    const out = unique((causesOf.get(id) ?? []).map((e) => e.other).filter((o) => candidates.has(o)));
    const raw = [{ to: id, w: strength(id) }, ...out.map((o) => ({ to: o, w: strength(o) + cfg.unobservedPrior }))];
    const sum = raw.reduce((s, m) => s + m.w, 0);
    moves.set(id, sum > 0 ? raw.filter((m) => m.w > 0).map((m) => ({ to: m.to, p: m.w / sum })) : []);
  }
  const alpha = cfg.restartProbability;
  let rank = new Map(seed);
  for (let it = 0; it < cfg.iterations; it++) {
    const next = new Map(ids.map((id) => [id, 0]));
    let restart = alpha;
    for (const id of ids) {
      const r = rank.get(id) ?? 0;
      const out = moves.get(id) ?? [];
      if (out.length === 0) restart += (1 - alpha) * r;
      for (const m of out) next.set(m.to, (next.get(m.to) ?? 0) + (1 - alpha) * r * m.p);
    }
    for (const id of ids) next.set(id, (next.get(id) ?? 0) + restart * (seed.get(id) ?? 0));
    rank = next;
  }
  return rank;
}

/** Breadth-first walk from a root to the entities that depend on or run on it, keeping chains that end in an anomaly. */
function symptomTree(
  root: string,
  dependentsOf: ReadonlyMap<string, readonly Edge[]>,
  anomalous: (id: string) => boolean,
  maxDepth: number,
): { order: string[]; parent: Map<string, Edge> } {
  const parent = new Map<string, Edge>();
  const depth = new Map<string, number>([[root, 0]]);
  const visit: string[] = [root];
  for (let i = 0; i < visit.length; i++) {
    const u = visit[i] as string;
    const d = depth.get(u) ?? 0;
    if (d >= maxDepth) continue;
    const next = [...(dependentsOf.get(u) ?? [])].sort((a, b) => (a.other < b.other ? -1 : a.other > b.other ? 1 : 0));
    for (const e of next) {
      if (depth.has(e.other)) continue;
      depth.set(e.other, d + 1);
      parent.set(e.other, { other: u, kind: e.kind, reversed: e.reversed });
      visit.push(e.other);
    }
  }
  const keep = new Set<string>();
  for (const id of visit) {
    if (id === root || !anomalous(id)) continue;
    for (let n: string | undefined = id; n !== undefined && n !== root && !keep.has(n); n = parent.get(n)?.other) keep.add(n);
  }
  return { order: visit.filter((id) => keep.has(id)), parent };
}

function resolveConfig(partial: Partial<RcaConfig> | undefined): RcaConfig {
  const cfg: RcaConfig = { ...DEFAULT_RCA_CONFIG, ...partial };
  const check = (path: string, v: unknown, ok: (x: number) => boolean, expected: string): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
      throw invalid(`rca config ${path} must be ${expected} (got ${describe(v)})`);
  };
  for (const k of ['onset', 'magnitude', 'propagation', 'change', 'kind'] as const) {
    check(`weights.${k}`, cfg.weights?.[k], (x) => x >= 0, 'a number >= 0');
  }
  check('onsetScaleMs', cfg.onsetScaleMs, (x) => x > 0, 'a number of ms > 0');
  check('deployWindowMs', cfg.deployWindowMs, (x) => x > 0, 'a number of ms > 0');
  check('restartProbability', cfg.restartProbability, (x) => x > 0 && x < 1, 'a number in (0, 1)');
  check('unobservedPrior', cfg.unobservedPrior, (x) => x >= 0, 'a number >= 0');
  check('iterations', cfg.iterations, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  check('temperature', cfg.temperature, (x) => x > 0, 'a number > 0');
  check('staleScaleMs', cfg.staleScaleMs, (x) => x > 0, 'a number of ms > 0');
  check('burstGapMs', cfg.burstGapMs, (x) => x >= 0, 'a number of ms >= 0');
  check('minPredictionRisk', cfg.minPredictionRisk, (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
  check('unknownKindFactor', cfg.unknownKindFactor, (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
  check('maxHypotheses', cfg.maxHypotheses, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  check('loadOnsetSlackMs', cfg.loadOnsetSlackMs, (x) => x >= 0, 'a number of ms >= 0');
  check('maxPathDepth', cfg.maxPathDepth, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  return cfg;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function verb(a: Anomaly): string {
  return a.direction === 'up' ? 'rose' : 'fell';
}

/** `HH:MM` in UTC. */
function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** A number for evidence sentences: 3 significant-ish digits (0 decimals from 100, 1 from 10, else 2). */
export function formatEvidenceNumber(v: number): string {
  const abs = Math.abs(v);
  if (!Number.isFinite(v)) return String(v);
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
