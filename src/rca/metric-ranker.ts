/**
 * @module rca/metric-ranker
 * Root-cause ranking of a metrics case ({@link RcaCase}): robust deviation of each metric from its
 * normal rows (median and peak of the incident rows), one score per candidate, a persistence rule
 * to call the case anomalous, the call graph to prefer the most downstream anomaly, and a top-1
 * confidence calibrated on labelled dev cases.
 *
 * Algorithm.
 * 1. Per metric (BARO-style robust statistics, made drift- and tail-tolerant): the normal level is
 *    the median of the rows before `anomalyStart`; its spread is the largest of 1.4826·MAD, IQR/1.349,
 *    the distance from the level to the normal rows' own `tailQuantile` (0.99: a peak the normal
 *    rows already reached scores at most 1) and `relativeFloor`·|level| (when all are 0,
 *    `relativeFloor`·max |incident − level|). The relative floor copes with normal windows recorded
 *    hours or days earlier (a memory that drifted by 30 % scores 3, not thousands); the tail term
 *    with spiky metrics whose median and MAD are near 0. Row deviation = (value − level) / spread,
 *    counted only in the harmful direction of its kind (down for availability / success / throughput,
 *    up for everything else: a latency that fell is not a fault). Columns constant over the whole
 *    case are skipped; a column that never falls and rises in at least half its steps (a counter) is
 *    differenced first.
 * 2. Per-metric score (attribution inside an entity) = max(deviation of the incident rows' median,
 *    `peakWeight` · deviation of their peak): the median ranks persistent faults, the peak sees a
 *    fault that lasts a few rows of a long incident (SMD segments). Detection stays persistent: a
 *    metric is anomalous when at least `persistence` of its incident rows (default half) reach
 *    `threshold`, a candidate when any of its metrics is; a single spike never is.
 *    Onset = first incident row whose own deviation reaches `threshold`.
 * 3. Candidate score = max over its metrics of kindWeight · score (load-like kinds weigh `loadWeight`:
 *    traffic is rarely the fault).
 * 4. With a call graph (`from` calls `to`), anomalies propagate from callee to caller (a slow
 *    PetSearch makes PetSite slow). Rule "anomalous and no anomalous dependency": an anomalous
 *    candidate that reaches, along call edges, another anomalous candidate whose onset is no later
 *    than its own is explained by it, and its score is multiplied by `explainedFactor`; so the most
 *    downstream anomalous candidate ranks first. No PageRank: one rule, easy to explain.
 * 5. `anomalous` = some candidate is anomalous; otherwise every confidence is 0 (nobody is blamed).
 *    Top-1 confidence = logistic(margin), margin = ln(1 + s₁) − ln(1 + s₂) of the two best scores,
 *    with centre and width fitted on labelled dev cases ({@link fitRankerCalibration}). The others
 *    share the rest, 1 − p₁, in proportion to their scores, each capped at p₁; confidences sum to ≤ 1.
 *    Because the peak enters every candidate's score, a healthy window where one tail latency
 *    jumped while others also peaked gives a small margin, hence a low confidence: nobody is blamed.
 * 6. Per-metric attribution: a case whose metrics are their own candidates (SMD's 38 metrics of one
 *    machine; rule {@link isPerMetricCase}) is ranked instead by `rca/metric-attribution`: score =
 *    ln(1 + two-sided robust z of the largest incident change) × that change as a share of the
 *    metric's known full scale (else its observed range), with its own top-1 calibration fitted on
 *    per-metric dev cases (SMD machine-1-*); `anomalous` still comes from step 2's persistence rule,
 *    and the top-1 confidence is conditional on the window being an incident. No graph rule there.
 *
 * Works when the fault moves its own resource metrics (CPU hog, memory leak) or its own latency
 * much more than drift and load move anyone else's. Fails when the root shows no metric of its own
 * (it is then not a candidate), when two faults coincide, when a caller saturates its callee
 * (traffic flowing against the call graph), when a drift or daily pattern moves a metric by far more
 * than `relativeFloor` of its level, and when the normal rows are too few to know a metric's spread
 * (2 rows: healthy tail latencies of quiet components still jump 3–8×). Steps 1–3 alone fail at
 * per-metric attribution (metrics constant in the normal rows score 1/`relativeFloor` whatever
 * their change; a scale-free z cannot see what is large on the metric's plot): step 6 is for that;
 * see `metric-attribution.ts` for where it fails.
 *
 * Reference: Pham, Ha, Zhang, "BARO: Robust Root Cause Analysis for Microservices via Multivariate
 * Bayesian Online Change Point Detection", FSE 2024 (robust scoring); Pham et al., "RCAEval", 2024
 * (Sock Shop protocol); Platt, 1999 (logistic calibration).
 */
import { formatEvidenceNumber } from './rank-root-causes.js';
import { describe as show, invalid } from '../errors.js';
import { LogisticCalibrator } from '../models/calibrator.js';
import type { CaseRanker, CaseRanking, RankedCandidate, RcaCase, RcaMetric } from './case-types.js';
import {
  type AttributionCalibration,
  attributeCase,
  attributionMargin,
  checkAttributionCalibration,
  DEFAULT_ATTRIBUTION_CALIBRATION,
  isPerMetricCase,
  type MetricAttributionSettings,
  type MetricChange,
  parseMetricAttributionSettings,
} from './metric-attribution.js';

/** Settings of {@link createMetricRanker}. Defaults chosen on the dev cases (see {@link DEFAULT_METRIC_RANKER_SETTINGS}). */
export interface MetricRankerSettings {
  /** Smallest spread, as a share of the normal level's magnitude; > 0. Default 0.1. */
  readonly relativeFloor: number;
  /** Row deviation (robust z) that `persistence` of a metric's incident rows must reach for it, and its candidate, to count as anomalous; > 0. Default 24. */
  readonly threshold: number;
  /** Share of the incident rows whose deviation must reach `threshold` for a metric to count as anomalous; in (0, 1]. Default 0.5. */
  readonly persistence: number;
  /** Weight of the peak deviation (largest over the incident rows) in a metric's score beside the median's; in [0, 1]. Default 0.9. */
  readonly peakWeight: number;
  /** Quantile of the normal rows (upper for rising kinds, lower for falling) that counts as deviation 1 at least; in [0.5, 1]. Default 0.99. */
  readonly tailQuantile: number;
  /** Score multiplier of a candidate whose anomaly an anomalous dependency explains; in [0, 1]. Default 0.1. */
  readonly explainedFactor: number;
  /** Weight of load-like kinds (`load`, `lod`, `requests`, `traffic`); in [0, 1]. Default 0.5. */
  readonly loadWeight: number;
  /** Evidence sentences per candidate at most; integer ≥ 1. Default 3. */
  readonly maxEvidence: number;
}

/** Logistic map from the top-1 margin `ln(1 + s₁) − ln(1 + s₂)` to the probability that the top-1 is right. */
export interface RankerCalibration {
  /** Margin at which the top-1 is right half the time. */
  readonly center: number;
  /** Margin distance from the centre to odds e:1; > 0. */
  readonly width: number;
}

/**
 * Default settings, chosen on dev cases only:
 * `tailQuantile` 0.99 and `peakWeight` 0.9 from a grid (peakWeight 0, 0.5, 0.6, 0.75, 0.9, 1 ×
 * tailQuantile 0.5, 0.99 × persistence 0.5, 1 × threshold 12, 16, 20, 24, 32, 48), calibration refitted for
 * each; the rule, fixed before the search: Sock Shop runs 1–2 AC@1 = 1 and ECE ≤ 0.04, PetShop
 * no-issue dev windows specificity ≥ 0.95, PetShop train issues judged anomalous no fewer than
 * before (12 of 20), then the highest SMD machine-1-* HitRate@150 % (0.769; specificity 0.966).
 * Persistence 1 (every incident row) blamed nobody on healthy windows but missed 14–18 of the 20 issues.
 * `relativeFloor`, `explainedFactor` and `loadWeight` were set beforehand, not searched.
 */
export const DEFAULT_METRIC_RANKER_SETTINGS: MetricRankerSettings = {
  relativeFloor: 0.1,
  threshold: 24,
  persistence: 0.5,
  peakWeight: 0.9,
  tailQuantile: 0.99,
  explainedFactor: 0.1,
  loadWeight: 0.5,
  maxEvidence: 3,
};

/**
 * Calibration shipped with the ranker, fitted by {@link fitRankerCalibration} with the default
 * settings on the dev cases only: Sock Shop runs 1–2 of each service-fault (20 cases, all ranked
 * right) and the 20 PetShop train issues (12 judged anomalous and used; the top-1 is their root
 * cause PetSearch in 1 of the 20), from
 * {@link RANKER_CALIBRATION_PRIOR} with L2 = 1; `npm run train:rca-case-calibration` refits it
 * (bench/rca/train-calibration.ts).
 * Re-fit when the settings change.
 */
export const DEFAULT_RANKER_CALIBRATION: RankerCalibration = { center: 1.0561053520998025, width: 0.45722807788271524 };

/** Prior that {@link fitRankerCalibration} starts from and is pulled toward (a margin of 0.5 is a coin flip); not fitted. */
export const RANKER_CALIBRATION_PRIOR: RankerCalibration = { center: 0.5, width: 0.5 };

/** One-line description of the default method, for the bench's list of methods. */
export const METRIC_RANKER_DESCRIPTION =
  'rca/metric-rank: robust deviation of each metric from the normal rows (median level; spread = max of MAD, IQR, the normal 99th percentile and 10 % of the level), harmful direction only, counters differenced; metric score = max(median of the incident rows, 0.9 × their peak); candidate = its worst metric (load ×0.5), ×0.1 when an anomalous callee started no later; anomalous when half the incident rows of a metric reach 24; top-1 confidence = logistic of the log-score margin over the second, calibrated on dev cases (Sock Shop runs 1–2, PetShop train issues). Cases whose metrics are their own candidates (SMD) get per-metric attribution: ln(1 + two-sided robust z of the largest incident change) × that change as a share of the metric’s full scale (else its observed range), with its own calibration fitted on SMD machine-1-*';

/** Name and version of this method, for the decision log and the bench. */
export const METRIC_RANKER_MODEL = { kind: 'rca/metric-rank', version: '3' } as const;

const SETTING_KEYS: readonly (keyof MetricRankerSettings)[] = [
  'relativeFloor',
  'threshold',
  'persistence',
  'peakWeight',
  'tailQuantile',
  'explainedFactor',
  'loadWeight',
  'maxEvidence',
];
const LOAD_KIND = /^(load|lod|requests?|traffic)/;
const DOWN_KIND = /avail|success|throughput/;

/** One metric's deviation from its normal rows. */
interface MetricDeviation {
  readonly metric: RcaMetric;
  /** Score: the larger of the median's deviation and `peakWeight` × the peak's (≥ 0 in the harmful direction, else 0). */
  readonly deviation: number;
  /** Deviation times its kind's weight. */
  readonly weighted: number;
  readonly level: number;
  /** Median of the incident rows. */
  readonly incident: number;
  /** Most harmful incident value (largest; smallest for falling kinds). */
  readonly peak: number;
  /** Directional robust z of the median and of the peak. */
  readonly medianDeviation: number;
  readonly peakDeviation: number;
  /** At least `persistence` of the incident rows reach `threshold`. */
  readonly anomalous: boolean;
  /** Row index of the first incident row whose deviation reaches the threshold; undefined when none. */
  readonly onset: number | undefined;
  readonly counter: boolean;
}

interface CandidateScore {
  readonly candidate: string;
  readonly metrics: readonly MetricDeviation[];
  readonly raw: number;
  readonly anomalous: boolean;
  readonly onset: number | undefined;
  score: number;
  explainedBy: string | undefined;
}

/**
 * Checks ranker settings: `undefined` gives the defaults; an object overrides them key by key.
 * @throws HomeostatError `invalid_argument` for an unknown key or a value out of range.
 */
export function parseMetricRankerSettings(input: unknown): MetricRankerSettings {
  if (input === undefined || input === null) return { ...DEFAULT_METRIC_RANKER_SETTINGS };
  if (typeof input !== 'object' || Array.isArray(input))
    throw invalid(`${METRIC_RANKER_MODEL.kind}: settings must be an object (got ${show(input)})`);
  const out: Record<string, number> = { ...DEFAULT_METRIC_RANKER_SETTINGS };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      throw invalid(`${METRIC_RANKER_MODEL.kind}: unknown setting ${JSON.stringify(key)} (expected one of: ${SETTING_KEYS.join(', ')})`);
    }
    if (value === undefined) continue;
    out[key] = value as number;
  }
  const s = out as unknown as MetricRankerSettings;
  const check = (key: keyof MetricRankerSettings, ok: (x: number) => boolean, expected: string): void => {
    const v: unknown = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
      throw invalid(`${METRIC_RANKER_MODEL.kind}: ${key} must be ${expected} (got ${show(v)})`);
  };
  check('relativeFloor', (x) => x > 0, 'a number > 0');
  check('threshold', (x) => x > 0, 'a number > 0');
  check('persistence', (x) => x > 0 && x <= 1, 'a number in (0, 1]');
  check('peakWeight', (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
  check('tailQuantile', (x) => x >= 0.5 && x <= 1, 'a number in [0.5, 1]');
  check('explainedFactor', (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
  check('loadWeight', (x) => x >= 0 && x <= 1, 'a number in [0, 1]');
  check('maxEvidence', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1');
  return s;
}

/** Settings and calibration of the per-metric attribution step of {@link createMetricRanker}. */
export interface AttributionOptions {
  /** Partial settings over {@link DEFAULT_METRIC_ATTRIBUTION_SETTINGS}. */
  readonly settings?: Partial<MetricAttributionSettings>;
  /** Top-1 calibration of per-metric cases; default {@link DEFAULT_ATTRIBUTION_CALIBRATION}. */
  readonly calibration?: AttributionCalibration;
}

/**
 * A pure {@link CaseRanker}: robust deviation per metric, graph rule, calibrated top-1 confidence.
 * A case whose candidates are single metrics ({@link isPerMetricCase}: SMD's 38 metrics of one
 * machine) is ranked by the per-metric attribution step instead (`rca/metric-attribution`: change
 * against the metric's scale × log robust z), with its own calibration; `anomalous` still comes from
 * the persistence rule, and the top-1 confidence there is conditional on the window being an incident.
 * @param settings Partial settings over {@link DEFAULT_METRIC_RANKER_SETTINGS}.
 * @param calibration Top-1 calibration of candidate ranking; default {@link DEFAULT_RANKER_CALIBRATION}.
 * @param attribution Settings and calibration of the per-metric step.
 * @throws HomeostatError `invalid_argument` for bad settings or calibration (at creation), or a
 *   malformed case (at ranking): anomalyStart out of range, a metric of the wrong length or owner.
 * @example createMetricRanker()(c).ranked[0]?.candidate // 'carts'
 */
export function createMetricRanker(
  settings?: Partial<MetricRankerSettings>,
  calibration?: RankerCalibration,
  attribution: AttributionOptions = {},
): CaseRanker {
  const s = parseMetricRankerSettings(settings);
  const calibrator = new LogisticCalibrator(checkCalibration(calibration ?? DEFAULT_RANKER_CALIBRATION));
  const a = parseMetricAttributionSettings(attribution.settings);
  const attributionCalibrator = new LogisticCalibrator(
    checkAttributionCalibration(attribution.calibration ?? DEFAULT_ATTRIBUTION_CALIBRATION),
  );
  return (c: RcaCase): CaseRanking =>
    rankCase(
      c,
      s,
      (margin) => calibrator.calibrate(margin),
      a,
      (margin) => attributionCalibrator.calibrate(margin),
    );
}

/**
 * Top-1 margin of a ranking, the calibrated feature: `ln(1 + s₁) − ln(1 + s₂)` (s₂ = 0 with one candidate).
 * Returns 0 for an empty ranking.
 */
export function rankingMargin(ranking: CaseRanking): number {
  const s1 = ranking.ranked[0]?.score ?? 0;
  const s2 = ranking.ranked[1]?.score ?? 0;
  return Math.log1p(Math.max(0, s1)) - Math.log1p(Math.max(0, s2));
}

/**
 * Fits the top-1 calibration on labelled cases: ranks each case with `settings`, takes its margin
 * and whether the top-1 is a true root cause, and fits a logistic map (Newton, L2 = 1 toward the
 * prior, default {@link RANKER_CALIBRATION_PRIOR}). Cases without truth, with `truth: []`, judged not
 * anomalous, or per-metric (they have their own calibration, `fitAttributionCalibration`) are left
 * out. Fit on dev cases only; report on others.
 * @throws HomeostatError `invalid_argument` when no case is usable.
 */
export function fitRankerCalibration(
  cases: readonly RcaCase[],
  settings?: Partial<MetricRankerSettings>,
  prior: RankerCalibration = RANKER_CALIBRATION_PRIOR,
): RankerCalibration {
  const ranker = createMetricRanker(settings, prior);
  const margins: number[] = [];
  const labels: boolean[] = [];
  for (const c of cases) {
    if (c.truth === undefined || c.truth.length === 0 || isPerMetricCase(c)) continue;
    const r = ranker(c);
    if (!r.anomalous || r.ranked.length === 0) continue;
    margins.push(rankingMargin(r));
    labels.push(c.truth.includes(r.ranked[0]?.candidate as string));
  }
  if (margins.length === 0) {
    throw invalid(
      `${METRIC_RANKER_MODEL.kind}: calibration needs anomalous cases with a known root cause (got ${cases.length} cases, none usable)`,
    );
  }
  const calibrator = new LogisticCalibrator(checkCalibration(prior));
  return calibrator.fit(margins, labels, { l2: 1 });
}

function checkCalibration(c: RankerCalibration): RankerCalibration {
  if (typeof c !== 'object' || c === null || !Number.isFinite(c.center) || !(c.width > 0) || !Number.isFinite(c.width)) {
    throw invalid(`${METRIC_RANKER_MODEL.kind}: calibration must be { center: finite number, width: number > 0 } (got ${show(c)})`);
  }
  return { center: c.center, width: c.width };
}

function rankCase(
  c: RcaCase,
  s: MetricRankerSettings,
  calibrate: (margin: number) => number,
  a: MetricAttributionSettings,
  calibrateAttribution: (margin: number) => number,
): CaseRanking {
  const n = c.t.length;
  if (!Number.isInteger(c.anomalyStart) || c.anomalyStart < 1 || c.anomalyStart >= n) {
    throw invalid(`rca case ${c.id}: anomalyStart must be an integer in [1, ${n - 1}] (got ${c.anomalyStart})`);
  }
  const candidates = new Set(c.candidates);
  const byCandidate = new Map<string, MetricDeviation[]>(c.candidates.map((k) => [k, []]));
  for (const m of c.metrics) {
    if (m.values.length !== n)
      throw invalid(`rca case ${c.id}: metric ${m.name} has ${m.values.length} values (expected ${n}, one per row)`);
    if (!candidates.has(m.candidate))
      throw invalid(`rca case ${c.id}: metric ${m.name} belongs to ${show(m.candidate)}, which is not a candidate`);
    const d = deviate(m, c.anomalyStart, s);
    if (d !== undefined) byCandidate.get(m.candidate)?.push(d);
  }
  if (isPerMetricCase(c)) return attributionRanking(c, byCandidate, s, a, calibrateAttribution);

  const scores: CandidateScore[] = [...byCandidate].map(([candidate, metrics]) => {
    metrics.sort((a, b) => b.weighted - a.weighted || cmp(a.metric.name, b.metric.name));
    const anomalousMetrics = metrics.filter((m) => m.anomalous);
    const raw = metrics[0]?.weighted ?? 0;
    const onsets = anomalousMetrics.map((m) => m.onset).filter((o): o is number => o !== undefined);
    return {
      candidate,
      metrics,
      raw,
      anomalous: anomalousMetrics.length > 0,
      onset: onsets.length > 0 ? Math.min(...onsets) : undefined,
      score: raw,
      explainedBy: undefined,
    };
  });
  const byName = new Map(scores.map((x) => [x.candidate, x]));

  const callees = new Map<string, string[]>();
  for (const e of c.graph ?? []) {
    if (e.from === e.to) continue;
    const list = callees.get(e.from);
    if (list === undefined) callees.set(e.from, [e.to]);
    else list.push(e.to);
  }
  const callersOf = new Map<string, string[]>();
  for (const x of scores) {
    if (!x.anomalous) continue;
    const explainer = downstreamExplainer(x, callees, byName);
    if (explainer === undefined) continue;
    x.explainedBy = explainer;
    x.score = x.raw * s.explainedFactor;
    const list = callersOf.get(explainer);
    if (list === undefined) callersOf.set(explainer, [x.candidate]);
    else list.push(x.candidate);
  }

  scores.sort((a, b) => b.score - a.score || cmp(a.candidate, b.candidate));
  const anomalous = scores.some((x) => x.anomalous);
  const margin = Math.log1p(scores[0]?.score ?? 0) - Math.log1p(scores[1]?.score ?? 0);
  const p1 = anomalous && scores.length > 0 ? calibrate(margin) : 0;
  const rest = scores.slice(1).reduce((sum, x) => sum + x.score, 0);
  const firstOnset = Math.min(
    ...scores.flatMap((x) => x.metrics.filter((m) => m.anomalous && m.onset !== undefined).map((m) => m.onset as number)),
  );

  const ranked: RankedCandidate[] = scores.map((x, i) => {
    const share = i === 0 || !anomalous || rest <= 0 ? 0 : Math.min(p1, ((1 - p1) * x.score) / rest);
    return {
      candidate: x.candidate,
      score: x.score,
      confidence: i === 0 ? p1 : share,
      evidence: evidenceOf(x, c, s, firstOnset, callersOf.get(x.candidate) ?? []),
    };
  });
  return { ranked, anomalous };
}

/** Ranking of a per-metric case by the attribution step (see {@link createMetricRanker}). */
function attributionRanking(
  c: RcaCase,
  deviations: ReadonlyMap<string, readonly MetricDeviation[]>,
  s: MetricRankerSettings,
  a: MetricAttributionSettings,
  calibrate: (margin: number) => number,
): CaseRanking {
  const scored = attributeCase(c, a);
  const anomalous = [...deviations.values()].some((list) => list.some((d) => d.anomalous));
  const p1 = scored.length > 0 ? calibrate(attributionMargin(scored.map((x) => x.score))) : 0;
  const rest = scored.slice(1).reduce((sum, x) => sum + x.score, 0);
  const firstOnset = Math.min(
    ...[...deviations.values()].flatMap((list) => list.filter((d) => d.anomalous && d.onset !== undefined).map((d) => d.onset as number)),
  );
  const ranked: RankedCandidate[] = scored.map((x, i) => {
    const d = deviations.get(x.candidate)?.[0];
    const evidence: string[] = [];
    if (x.change !== undefined && x.change.change > 0) evidence.push(changeSentence(x.candidate, x.change, x.counter));
    if (d?.anomalous && d.onset !== undefined) {
      evidence.push(
        `anomalous from ${clockTime(c.t[d.onset] as number)}${d.onset === firstOnset ? ', first of all anomalous metrics' : ''} (half the incident rows or more reach robust z ${formatEvidenceNumber(s.threshold)})`,
      );
    }
    if (evidence.length === 0) evidence.push(`${x.candidate} does not move away from its normal rows`);
    return {
      candidate: x.candidate,
      score: x.score,
      confidence: i === 0 ? p1 : rest > 0 ? Math.min(p1, ((1 - p1) * x.score) / rest) : 0,
      evidence,
    };
  });
  return { ranked, anomalous };
}

function changeSentence(name: string, m: MetricChange, counter: boolean): string {
  const verb = m.extreme >= m.level ? 'rose' : 'fell';
  const share = `${formatEvidenceNumber((100 * m.change) / m.range)} % of its ${m.scale === 'known' ? 'full scale' : 'range in this case'}`;
  return `${counter ? `${name} (rate)` : name} ${verb} from ${formatEvidenceNumber(m.level)} to ${formatEvidenceNumber(m.extreme)}: ${share}, robust z ${formatEvidenceNumber(m.z)}`;
}

/** The anomalous candidate, reachable along call edges, that explains this one (highest score first). */
function downstreamExplainer(
  x: CandidateScore,
  callees: ReadonlyMap<string, readonly string[]>,
  byName: ReadonlyMap<string, CandidateScore>,
): string | undefined {
  const seen = new Set([x.candidate]);
  const queue = [...(callees.get(x.candidate) ?? [])];
  let best: CandidateScore | undefined;
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const d = byName.get(id);
    if (d?.anomalous && (d.onset ?? Number.POSITIVE_INFINITY) <= (x.onset ?? Number.POSITIVE_INFINITY)) {
      if (best === undefined || d.raw > best.raw || (d.raw === best.raw && cmp(d.candidate, best.candidate) < 0)) best = d;
    }
    queue.push(...(callees.get(id) ?? []));
  }
  return best?.candidate;
}

function deviate(m: RcaMetric, start: number, s: MetricRankerSettings): MetricDeviation | undefined {
  const all = Array.from(m.values);
  const finite = all.filter(Number.isFinite);
  if (finite.length < 2 || finite.every((v) => v === finite[0])) return undefined;
  let steps = 0;
  let falls = 0;
  let rises = 0;
  for (let i = 1, prev = Number.NaN; i <= all.length; i++) {
    const v = all[i - 1] as number;
    if (!Number.isFinite(v)) continue;
    if (Number.isFinite(prev)) {
      steps++;
      if (v < prev) falls++;
      else if (v > prev) rises++;
    }
    prev = v;
  }
  const counter = steps >= 3 && falls === 0 && rises >= steps / 2;
  const values = counter ? all.map((v, i) => (i === 0 ? Number.NaN : v - (all[i - 1] as number))) : all;
  const normal = values.slice(0, start).filter(Number.isFinite);
  const incident = values.slice(start).filter(Number.isFinite);
  if (normal.length < 2 || incident.length < 1) return undefined;
  const sign = DOWN_KIND.test(m.kind) ? -1 : 1;
  const level = median(normal);
  const absDev = normal.map((v) => Math.abs(v - level));
  const iqr = quantile(normal, 0.75) - quantile(normal, 0.25);
  const tail = sign * (quantile(normal, sign > 0 ? s.tailQuantile : 1 - s.tailQuantile) - level);
  let spread = Math.max(1.4826 * median(absDev), iqr / 1.349, tail, s.relativeFloor * Math.abs(level));
  if (!(spread > 0)) spread = s.relativeFloor * Math.max(...incident.map((v) => Math.abs(v - level)));
  const z = (v: number): number => (spread > 0 ? Math.max(0, (sign * (v - level)) / spread) : 0);
  const mid = median(incident);
  const peak = sign > 0 ? Math.max(...incident) : Math.min(...incident);
  const medianDeviation = z(mid);
  const peakDeviation = z(peak);
  const deviation = Math.max(medianDeviation, s.peakWeight * peakDeviation);
  let onset: number | undefined;
  let reached = 0;
  for (let i = start; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v) || z(v) < s.threshold) continue;
    reached++;
    if (onset === undefined) onset = i;
  }
  const anomalous = reached > 0 && reached >= s.persistence * incident.length - 1e-9;
  const weight = LOAD_KIND.test(m.kind) ? s.loadWeight : 1;
  return {
    metric: m,
    deviation,
    weighted: weight * deviation,
    level,
    incident: mid,
    peak,
    medianDeviation,
    peakDeviation,
    anomalous,
    onset,
    counter,
  };
}

function evidenceOf(x: CandidateScore, c: RcaCase, s: MetricRankerSettings, firstOnset: number, callers: readonly string[]): string[] {
  const out: string[] = [];
  if (x.explainedBy !== undefined) {
    const d = x.explainedBy;
    out.push(
      `${x.candidate} ${x.metrics[0]?.metric.kind ?? 'metrics'} moved with or after ${d}'s; ${x.candidate} calls ${d} (directly or through others), so ${d} explains it`,
    );
  }
  for (const m of x.metrics.slice(0, s.maxEvidence)) {
    if (m.deviation <= 0) break;
    out.push(sentence(m, c, s, firstOnset));
  }
  if (x.explainedBy === undefined && x.anomalous && callers.length > 0) {
    const list = [...callers].sort(cmp);
    out.push(
      `no anomalous dependency of ${x.candidate} explains it; its anomalous caller${list.length > 1 ? 's' : ''} ${list.join(', ')} call${list.length > 1 ? '' : 's'} it (anomalies propagate from callee to caller)`,
    );
  }
  if (out.length === 0) out.push(`no metric of ${x.candidate} deviates from its normal rows in the harmful direction`);
  return out;
}

function sentence(m: MetricDeviation, c: RcaCase, s: MetricRankerSettings, firstOnset: number): string {
  const name = m.counter ? `${m.metric.name} (rate)` : m.metric.name;
  const down = DOWN_KIND.test(m.metric.kind);
  const byPeak = s.peakWeight * m.peakDeviation > m.medianDeviation;
  const value = byPeak ? m.peak : m.incident;
  const verb = byPeak ? (down ? 'dipped' : 'peaked') : down ? 'fell' : 'rose';
  const ratio = m.level !== 0 && Math.sign(m.level) === Math.sign(value) ? value / m.level : undefined;
  const change =
    ratio !== undefined && (down ? ratio < 0.8 : ratio > 1.25)
      ? `${byPeak ? 'at' : 'to'} ${formatEvidenceNumber(ratio)}× its normal`
      : `${byPeak ? 'at' : 'from'} ${byPeak ? '' : `${formatEvidenceNumber(m.level)} to `}${formatEvidenceNumber(value)}${byPeak ? ` against a normal ${formatEvidenceNumber(m.level)}` : ''}`;
  let when = '';
  if (m.anomalous && m.onset !== undefined) {
    when = ` at ${clockTime(c.t[m.onset] as number)}`;
    if (m.onset === firstOnset) when += ', first of all anomalous metrics';
  } else if (m.peakDeviation >= s.threshold) when = ', above the anomaly threshold too briefly to count';
  else when = ', below the anomaly threshold';
  return `${name} ${verb} ${change} (robust z ${formatEvidenceNumber(m.deviation)})${when}`;
}

function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile of a non-empty list. */
function quantile(xs: readonly number[], q: number): number {
  const a = [...xs].sort((u, v) => u - v);
  const pos = (a.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (a[lo] as number) + ((a[hi] as number) - (a[lo] as number)) * (pos - lo);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `HH:MM:SS` in UTC. */
function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
