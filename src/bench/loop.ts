/**
 * @module bench/loop
 * The closed-loop benchmark: runs the whole engine against the fleet simulator in simulated time,
 * with faults injected at known times on known root causes, and scores what the loop did against
 * that ground truth — detection, time to detect, top-1 attribution, automatic remediation and its
 * verification, time to repair, escalations, wrong actions, false alarms, decision volume and the
 * engine's throughput.
 *
 * Matching rule (stated so the figures can be checked): an incident may belong to a fault when it
 * opened between 10 min before the fault's onset and 30 min after the fault ended (fixed, ended
 * by itself, or the end of the run) and it involves at least one entity the fault affects (one
 * opened before the onset only when it involves the fault's root cause: a precursor on it, not
 * something else that touched the same callers); among such faults it belongs to the one whose
 * root cause it involves, else the one whose affected entities cover the largest share of its
 * entities. An incident that belongs to no fault is a
 * false alarm. An action is wrong when the simulator says it
 * fixed nothing although it was executed (not a dry run). A simulated on-call person applies the
 * right fix 2 h after a fault fails (or starts) if it is still active; those repairs are not
 * counted as automatic.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../engine/config.js';
import type { EngineDeps } from '../engine/engine.js';
import { createPlatform } from '../engine/platform.js';
import type { Action, Decision, Incident } from '../records/types.js';
import type { FaultTruth } from '../sim/index.js';
import type { Store } from '../store/index.js';
import { listEvery } from '../store/list-every.js';
import { reliability } from './anomaly/metrics.js';
import { type ReliabilityBin, reliabilityBins } from './rca/metrics.js';

/** Options of one benchmark run. */
export interface LoopBenchOptions {
  readonly days: number;
  readonly faults: number;
  readonly seed: number;
  /** Simulated warm-up before the scored period, without faults. Default 12 h. */
  readonly warmupMs?: number;
  readonly policyPath: string;
  readonly onProgress?: (done: number, total: number) => void;
  readonly config?: EngineConfig;
  /**
   * The baseline: the same run with the kill switch on, so the engine detects, ranks and pages
   * but never acts, and every fault waits for the simulated on-call person.
   */
  readonly killSwitch?: boolean;
  /** Model configs of the engine (defaults otherwise), e.g. `{ calibrator: { center: 8, width: 1 } }`. */
  readonly models?: EngineDeps['models'];
  /**
   * The simulated on-call person also labels what the engine said, 30 min after (as `homeostat
   * up` does by default): anomalies true or false positive, finished incidents their root cause,
   * which the engine learns from (calibrations, root-cause priors). Default off: the engine runs
   * on its shipped models only.
   */
  readonly operatorLabels?: boolean;
}

/** Figures for one group of faults (one kind, or all). */
export interface LoopFigures {
  readonly faults: number;
  readonly detected: number;
  readonly mttd_min: number | null;
  readonly attributed_top1: number;
  readonly auto_remediated: number;
  readonly verified: number;
  readonly mttr_min: number | null;
  /** Mean time to repair over every repaired fault, by the engine or the simulated on-call person. */
  readonly mttr_all_min: number | null;
  readonly incidents: number;
  readonly escalated: number;
  readonly escalation_rate: number;
  readonly wrong_actions: number;
  readonly false_alarms_per_day: number;
  readonly decisions_per_day: number;
  readonly decisions_per_s: number;
}

/** What `homeostat bench loop` writes to `OUT/loop/metrics.json`. */
export interface LoopMetrics extends LoopFigures {
  readonly task: 'loop';
  readonly mode: string;
  readonly seed: number;
  readonly days: number;
  readonly warmup_h: number;
  readonly false_alarms: number;
  readonly decisions: number;
  readonly wall_s: number;
  readonly points: number;
  readonly points_per_s: number;
  /**
   * Compute time of one decision as the decision log records it (scoring, ranking, policy;
   * not the store writes): what bounds decisions per second once telemetry is not the limit.
   */
  readonly decision_latency_p50_ms: number;
  readonly decision_latency_p95_ms: number;
  readonly by_fault: Readonly<Record<string, LoopFigures>>;
  /** Calibration of the root-cause confidence the decide step acted (or escalated) on. */
  readonly rca_calibration: RcaCalibrationFigures;
  readonly faults_detail: readonly FaultOutcome[];
  readonly rca_cases: readonly RcaDecisionCase[];
}

/**
 * The root-cause ranking an incident's first decision (act or escalate) was made on, against the
 * ground truth: correct when its top hypothesis is the root cause of the fault the incident
 * belongs to (never for a false alarm, which has no root cause to find).
 */
export interface RcaDecisionCase {
  readonly incident: string;
  readonly at: string;
  readonly verdict: 'act' | 'escalate';
  /** Fault the incident belongs to (matching rule above), null for a false alarm. */
  readonly fault: string | null;
  readonly faultKind: string | null;
  readonly rootCause: string | null;
  readonly top: string | null;
  readonly topKind: string | null;
  /** Confidence of the top hypothesis as served (calibrated when a calibration is configured). */
  readonly confidence: number;
  /** The ranker's own confidence before calibration. */
  readonly raw: number;
  readonly correct: boolean;
}

/** Top-1 accuracy and calibration of decision-time root-cause confidences. */
export interface RcaCalibrationFigures {
  readonly cases: number;
  /** Share of decisions whose top hypothesis was the true root cause (the base rate of "correct"). */
  readonly top1_accuracy: number | null;
  readonly mean_confidence: number | null;
  /** Expected calibration error, 10 equal-width bins. */
  readonly ece: number | null;
  readonly brier: number | null;
  /** The same three for the ranker's uncalibrated confidence. */
  readonly raw_mean_confidence: number | null;
  readonly raw_ece: number | null;
  readonly raw_brier: number | null;
  readonly bins: readonly ReliabilityBin[];
}

/** What happened to one injected fault. */
export interface FaultOutcome {
  readonly id: string;
  readonly kind: string;
  readonly rootCause: string;
  readonly onset: string;
  readonly detected: boolean;
  readonly mttdMin: number | null;
  readonly topHypothesis: string | null;
  readonly topConfidence: number | null;
  readonly attributed: boolean;
  readonly fixedBy: string | null;
  readonly mttrMin: number | null;
  /** Minutes from onset to repair by anyone (engine or simulated on-call), if repaired. */
  readonly repairedMin: number | null;
  readonly escalated: boolean;
  readonly incidents: readonly string[];
}

const MIN = 60_000;
/** The simulated on-call person fixes what the engine escalated or missed, 2 h after failure. */
const OPERATOR_DELAY_MS = 2 * 3600_000;
/** With `operatorLabels`, the simulated on-call person labels what the engine said this long after (as `homeostat up`). */
const OPERATOR_LABEL_DELAY_MS = 30 * 60_000;

/** Runs the loop benchmark and returns its metrics. */
export async function runLoopBench(options: LoopBenchOptions): Promise<LoopMetrics> {
  const warmupMs = options.warmupMs ?? 12 * 3600_000;
  const config: EngineConfig = { ...(options.config ?? DEFAULT_ENGINE_CONFIG), persistPoints: false };
  const platform = await createPlatform({
    dbPath: ':memory:',
    policyText: readFileSync(options.policyPath, 'utf8'),
    sim: { seed: options.seed },
    config,
    idPrefix: `b${options.seed}`,
    operatorDelayMs: OPERATOR_DELAY_MS,
    ...(options.operatorLabels ? { operatorLabelDelayMs: OPERATOR_LABEL_DELAY_MS } : {}),
    ...(options.killSwitch ? { switches: { killSwitch: true } } : {}),
    ...(options.models ? { models: options.models } : {}),
  });
  const { sim, driver, store, engine } = platform;
  if (sim === undefined || driver === undefined) throw new Error('loop bench needs the simulator');
  const stepMs = config.stepMs;
  const startMs = sim.now();
  const scoredFrom = startMs + warmupMs;
  const endMs = scoredFrom + options.days * 86_400_000;
  // Leave 3 h at the end so the last fault can be detected and healed inside the run.
  sim.scheduleFaults(options.faults, scoredFrom + 30 * MIN, endMs - 3 * 3600_000);
  const totalSteps = Math.round((endMs - startMs) / stepMs);

  const warmSteps = Math.round(warmupMs / stepMs);
  engine.setObserveOnly(true);
  await driver.run(warmSteps, (d) => options.onProgress?.(d, totalSteps));
  engine.setObserveOnly(false);
  const decisionsBefore = engine.status().decisions;
  const pointsBefore = engine.status().pointsIngested;
  const wallStart = performance.now();
  await driver.run(totalSteps - warmSteps, (d) => options.onProgress?.(warmSteps + d, totalSteps));
  const wallS = (performance.now() - wallStart) / 1000;
  const status = engine.status();
  const decisions = status.decisions - decisionsBefore;
  const points = status.pointsIngested - pointsBefore;

  const incidents = (await store.listIncidents({ limit: 10_000 })).filter((i) => i.openedAt >= scoredFrom);
  const actions = await store.listActions({ limit: 10_000 });
  const truth = sim.truth().filter((f) => f.onsetMs >= scoredFrom && f.onsetMs < endMs);
  const logged = await loggedDecisions(store, scoredFrom);
  const subjects = logged.map((d) => d.subject);
  const incidentIds = new Set(incidents.map((i) => i.id));
  const latencies = logged.map((d) => d.latencyMs).sort((a, b) => a - b);
  await platform.close();

  const result = score(truth, incidents, actions, endMs, options.days, decisions, wallS, driver.operatorFixed, subjects);
  const rcaCases = rcaDecisionCases(
    logged.filter((d) => incidentIds.has(d.subject)),
    result.faultOf,
  );
  return {
    task: 'loop',
    mode: options.killSwitch ? 'baseline: kill switch on, pages only' : 'homeostat',
    seed: options.seed,
    days: options.days,
    warmup_h: warmupMs / 3600_000,
    ...result.overall,
    false_alarms: result.falseAlarms,
    decisions,
    wall_s: round(wallS, 2),
    points,
    points_per_s: Math.round(points / Math.max(wallS, 1e-9)),
    decision_latency_p50_ms: round(quantile(latencies, 0.5), 3),
    decision_latency_p95_ms: round(quantile(latencies, 0.95), 3),
    by_fault: result.byFault,
    rca_calibration: rcaCalibration(rcaCases),
    faults_detail: result.outcomes,
    rca_cases: rcaCases,
  };
}

/**
 * Scores incidents and actions against the faults' ground truth (pure).
 * Exposed for tests: the matching rule is the benchmark's definition.
 */
export function score(
  truth: readonly FaultTruth[],
  incidents: readonly Incident[],
  actions: readonly Action[],
  endMs: number,
  days: number,
  decisions: number,
  wallS: number,
  operatorFixed: ReadonlySet<string> = new Set(),
  decisionSubjects: readonly string[] = [],
): {
  overall: LoopFigures;
  byFault: Record<string, LoopFigures>;
  outcomes: FaultOutcome[];
  falseAlarms: number;
  /** The fault each matched incident belongs to. */
  faultOf: Map<string, FaultTruth>;
} {
  const matched = new Map<string, Incident[]>();
  let falseAlarms = 0;
  const sortedIncidents = [...incidents].sort((a, b) => a.openedAt - b.openedAt);
  for (const inc of sortedIncidents) {
    let fault: FaultTruth | undefined;
    let best = 0;
    for (const f of truth) {
      const end = f.fixedAtMs ?? f.naturalEndMs ?? endMs;
      if (inc.openedAt < f.onsetMs - 10 * MIN || inc.openedAt > end + 30 * MIN) continue;
      if (inc.openedAt < f.onsetMs && !inc.entities.includes(f.rootCause)) continue;
      const overlap = inc.entities.filter((e) => f.affected.includes(e)).length;
      if (overlap === 0) continue;
      const fit = (inc.entities.includes(f.rootCause) ? 1000 : 0) + overlap / inc.entities.length;
      if (fit > best) {
        best = fit;
        fault = f;
      }
    }
    if (fault === undefined) {
      falseAlarms++;
      continue;
    }
    const list = matched.get(fault.id) ?? [];
    list.push(inc);
    matched.set(fault.id, list);
  }
  const actionsByIncident = new Map<string, Action[]>();
  for (const a of actions) actionsByIncident.set(a.incidentId, [...(actionsByIncident.get(a.incidentId) ?? []), a]);

  const outcomes: FaultOutcome[] = truth.map((f) => {
    const incs = matched.get(f.id) ?? [];
    const first = incs[0];
    const ranked = incs.find((i) => i.hypotheses.length > 0);
    const top = ranked?.hypotheses[0];
    const fixedByEngine = f.status === 'fixed' && f.fixedAtMs !== undefined && !operatorFixed.has(f.id);
    return {
      id: f.id,
      kind: f.kind,
      rootCause: f.rootCause,
      onset: new Date(f.onsetMs).toISOString(),
      detected: first !== undefined,
      mttdMin: first ? Math.max(0, first.openedAt - f.onsetMs) / MIN : null,
      topHypothesis: top?.entityId ?? null,
      topConfidence: top?.confidence ?? null,
      attributed: top?.entityId === f.rootCause,
      fixedBy: fixedByEngine ? (f.fixedBy ?? null) : null,
      mttrMin: fixedByEngine && f.fixedAtMs !== undefined ? (f.fixedAtMs - f.onsetMs) / MIN : null,
      repairedMin: f.fixedAtMs !== undefined ? (f.fixedAtMs - f.onsetMs) / MIN : null,
      escalated: incs.some((i) => i.status === 'escalated'),
      incidents: incs.map((i) => i.id),
    };
  });

  const wrongIn = (incs: readonly Incident[]): number =>
    incs.reduce((n, i) => n + (actionsByIncident.get(i.id) ?? []).filter(isWrong).length, 0);

  const figures = (group: readonly FaultOutcome[], incs: readonly Incident[], groupFalse: number, groupDecisions: number): LoopFigures => {
    const detected = group.filter((o) => o.detected);
    const fixed = group.filter((o) => o.mttrMin !== null);
    const escalated = incs.filter((i) => i.status === 'escalated').length;
    return {
      faults: group.length,
      detected: detected.length,
      mttd_min: mean(detected.map((o) => o.mttdMin ?? 0)),
      attributed_top1: group.filter((o) => o.attributed).length,
      auto_remediated: fixed.length,
      verified: incs.reduce((n, i) => n + (actionsByIncident.get(i.id) ?? []).filter((a) => a.status === 'verified').length, 0),
      mttr_min: mean(fixed.map((o) => o.mttrMin ?? 0)),
      mttr_all_min: mean(group.filter((o) => o.repairedMin !== null).map((o) => o.repairedMin ?? 0)),
      incidents: incs.length,
      escalated,
      escalation_rate: incs.length > 0 ? round(escalated / incs.length, 4) : 0,
      wrong_actions: wrongIn(incs),
      false_alarms_per_day: round(groupFalse / days, 2),
      decisions_per_day: round(groupDecisions / days, 1),
      decisions_per_s: round(groupDecisions / Math.max(wallS, 1e-9), 1),
    };
  };

  const overall = figures(outcomes, incidents, falseAlarms, decisions);
  const unmatched = incidents.filter((i) => !new Set([...matched.values()].flat().map((m) => m.id)).has(i.id));
  const byFault: Record<string, LoopFigures> = {};
  for (const kind of [...new Set(truth.map((f) => f.kind))].sort()) {
    const group = outcomes.filter((o) => o.kind === kind);
    const incs = group
      .flatMap((o) => o.incidents)
      .map((id) => incidents.find((i) => i.id === id))
      .filter((i): i is Incident => i !== undefined);
    // Per kind: decisions about its incidents (and their anomalies and actions); false alarms
    // are the unmatched incidents whose top hypothesis blamed this kind.
    const about = new Set(incs.flatMap((i) => [i.id, ...i.anomalyIds, ...(actionsByIncident.get(i.id) ?? []).map((a) => a.id)]));
    const kindDecisions = decisionSubjects.filter((s) => about.has(s)).length;
    const kindFalse = unmatched.filter((i) => i.hypotheses[0]?.faultKind === kind).length;
    byFault[kind] = figures(group, incs, kindFalse, kindDecisions);
  }
  const faultOf = new Map<string, FaultTruth>();
  for (const f of truth) for (const inc of matched.get(f.id) ?? []) faultOf.set(inc.id, f);
  return { overall, byFault, outcomes, falseAlarms, faultOf };
}

/**
 * One {@link RcaDecisionCase} per incident that reached a decision: its first `act` or `escalate`
 * decision, and the `attribute` decision logged last before it (the ranking that decision read).
 * Decisions may come in any order; `faultOf` maps incident id → its fault (absent: false alarm).
 */
export function rcaDecisionCases(decisions: readonly Decision[], faultOf: ReadonlyMap<string, FaultTruth>): RcaDecisionCase[] {
  // A decision reads the ranking made at the same instant: within one millisecond, rankings first.
  const ordered = [...decisions].sort((a, b) => a.at - b.at || Number(b.kind === 'attribute') - Number(a.kind === 'attribute'));
  const lastRanking = new Map<string, Decision>();
  const out: RcaDecisionCase[] = [];
  const done = new Set<string>();
  for (const d of ordered) {
    if (d.kind === 'attribute') lastRanking.set(d.subject, d);
    if ((d.kind !== 'act' && d.kind !== 'escalate') || done.has(d.subject)) continue;
    done.add(d.subject);
    const ranking = lastRanking.get(d.subject);
    const top = ranking === undefined ? undefined : topOf(ranking);
    const fault = faultOf.get(d.subject);
    out.push({
      incident: d.subject,
      at: new Date(d.at).toISOString(),
      verdict: d.kind,
      fault: fault?.id ?? null,
      faultKind: fault?.kind ?? null,
      rootCause: fault?.rootCause ?? null,
      top: top?.entityId ?? null,
      topKind: top?.faultKind ?? null,
      confidence: top?.confidence ?? 0,
      raw: top?.raw ?? top?.confidence ?? 0,
      correct: fault !== undefined && top?.entityId === fault.rootCause,
    });
  }
  return out;
}

/** The top hypothesis an `attribute` decision logged (its output is the ranking, best first). */
function topOf(d: Decision): { entityId: string; faultKind?: string; confidence: number; raw?: number } | undefined {
  const first = Array.isArray(d.output) ? (d.output[0] as unknown) : undefined;
  if (typeof first !== 'object' || first === null) return undefined;
  const h = first as Record<string, unknown>;
  if (typeof h.entityId !== 'string' || typeof h.confidence !== 'number') return undefined;
  return {
    entityId: h.entityId,
    confidence: h.confidence,
    ...(typeof h.faultKind === 'string' ? { faultKind: h.faultKind } : {}),
    ...(typeof h.raw === 'number' ? { raw: h.raw } : {}),
  };
}

/** Top-1 accuracy, ECE and Brier of decision-time confidences, served and raw. */
export function rcaCalibration(cases: readonly RcaDecisionCase[]): RcaCalibrationFigures {
  const correct = cases.map((c) => c.correct);
  const served = reliability(
    correct,
    cases.map((c) => c.confidence),
    10,
  );
  const raw = reliability(
    correct,
    cases.map((c) => c.raw),
    10,
  );
  const r4 = (x: number): number | null => (Number.isFinite(x) ? round(x, 4) : null);
  return {
    cases: cases.length,
    top1_accuracy: r4(served.baseRate),
    mean_confidence: r4(served.meanConfidence),
    ece: r4(served.ece),
    brier: r4(served.brier),
    raw_mean_confidence: r4(raw.meanConfidence),
    raw_ece: r4(raw.ece),
    raw_brier: r4(raw.brier),
    bins: reliabilityBins(
      correct,
      cases.map((c) => c.confidence),
      10,
    ),
  };
}

/** Every decision logged since `fromMs`. */
function loggedDecisions(store: Store, fromMs: number): Promise<Decision[]> {
  return listEvery((page) => store.listDecisions(page), { fromMs });
}

function isWrong(a: Action): boolean {
  if (a.dryRun || a.executedAt === undefined || a.outcome === undefined || !a.outcome.ok) return false;
  const fixed = a.outcome.details?.fixed;
  return Array.isArray(fixed) && fixed.length === 0;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : round(xs.reduce((s, x) => s + x, 0) / xs.length, 1);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Renders the metrics as the table the CLI prints. */
export function formatLoopTable(m: LoopMetrics): string {
  const cols = [
    'faults',
    'detected',
    'mttd_min',
    'attributed_top1',
    'auto_remediated',
    'mttr_min',
    'mttr_all_min',
    'incidents',
    'escalation_rate',
    'wrong_actions',
  ] as const;
  const head = ['fault kind', ...cols];
  const rows: string[][] = [];
  for (const [kind, f] of Object.entries(m.by_fault)) rows.push([kind, ...cols.map((c) => cell(f[c]))]);
  rows.push(['ALL', ...cols.map((c) => cell(m[c]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [
    `closed loop on the simulated fleet (${m.mode}): seed ${m.seed}, ${m.days} simulated days after ${m.warmup_h} h warm-up, ${m.faults} faults`,
    line(head),
    line(head.map((_, i) => '-'.repeat(widths[i] ?? 0))),
    ...rows.map(line),
    '',
    `false alarms per day ${m.false_alarms_per_day} (${m.false_alarms} incidents matching no fault)`,
    `decisions per simulated day ${m.decisions_per_day}; engine throughput ${m.decisions_per_s} decisions/s, ${m.points_per_s} points/s over ${m.wall_s} s wall`,
    `decision compute time p50 ${m.decision_latency_p50_ms} ms, p95 ${m.decision_latency_p95_ms} ms (from the decision log)`,
  ].join('\n');
}

function cell(v: number | null): string {
  if (v === null) return '-';
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 3 : 1);
}
