/**
 * @module learn/training
 * The training pipeline for models that learn from labelled outcomes: collect labelled rows from
 * the store → fit a challenger (from the champion's config, so few labels move it little) →
 * validate challenger and champion on a LATER time slice than the one fitted → register the
 * challenger with its lineage and both sets of figures → promote it only when it beats the champion
 * by a stated margin and is not worse calibrated; otherwise keep the champion and record why.
 *
 * Two trainers are defined here: `anomaly-calibrator` (the engine's prior map from a detector's
 * raw score to the probability that an operator confirms the anomaly; rows = anomalies marked
 * true or false positive) and `root-cause-calibration` (the map from the root-cause ranker's raw top
 * confidence to the probability it is right; rows = incidents whose root cause was confirmed).
 * The same code runs from the CLI (`homeostat train`) and inside the engine on its triggers.
 */
import { createHash } from 'node:crypto';
import { describe, invalid } from '../errors.js';
import { logisticCalibratorSpec } from '../models/calibrator.js';
import { feedbackCalibratorSpec } from '../models/feedback-calibrator.js';
import { type IsotonicBlock, isotonicCalibratorSpec, isotonicPrior, poolAdjacentViolators } from '../models/isotonic-calibrator.js';
import type { Feedback, ModelLineage, ModelVersion } from '../records/types.js';
import { listEvery } from '../store/list-every.js';
import type { Store } from '../store/store.js';
import { type CalibrationFigures, calibrationFigures } from './calibration-metrics.js';

/** One labelled output: the model's raw score, whether the output proved right, and when it was made. */
export interface LabelledRow {
  readonly at: number;
  readonly raw: number;
  readonly label: boolean;
  /** The output it is about (anomaly or incident id). */
  readonly subject: string;
}

/** A calibration model the pipeline can retrain from labelled rows. */
export interface CalibrationTrainer {
  /** Registered model name. */
  readonly name: string;
  /** Spec kind of the versions it registers. */
  readonly kind: string;
  readonly specVersion: number;
  /** What the rows are, for the lineage. */
  readonly featureSet: readonly string[];
  /** Labelled rows whose outputs were made in the window, oldest first. */
  collect(store: Store, window: { readonly fromMs: number; readonly toMs: number }): Promise<LabelledRow[]>;
  /** A config fitted on `rows`, starting from (and pulled towards) the champion's config. */
  fit(rows: readonly LabelledRow[], champion: unknown): unknown;
  /** The probability map of a config. */
  probability(config: unknown): (raw: number) => number;
}

/** Settings of one training run. */
export interface TrainingOptions {
  readonly now: number;
  /** Labelled outputs of this window before `now` are used. Default 14 days. */
  readonly windowMs?: number;
  /** Share of the rows, the most recent, kept for validation. Default 0.3. */
  readonly validateShare?: number;
  /** Fewer rows than this: no training (too little to learn from). Default 40. */
  readonly minRows?: number;
  /** Relative log-loss improvement over the champion needed to promote. Default 0.02 (2 %). */
  readonly margin?: number;
  /** Most the challenger's ECE may exceed the champion's and still be promoted. Default 0.02. */
  readonly maxEceIncrease?: number;
  /** Why it runs: `schedule`, `labels: …`, `drift: …`, `accuracy: …`, `manual`. */
  readonly trigger: string;
  /** `engine:retrain`, `cli:train`, or a person. */
  readonly trainedBy: string;
  readonly codeVersion: string;
  /** The config the engine serves when the registry has no champion version yet. */
  readonly servedConfig: unknown;
}

/** Promotes a registered version to champion (the registry's `promote`). */
export type Promote = (name: string, version: number, why: { readonly by: string; readonly reason: string }) => Promise<void>;

/** What a training run did, and why. */
export interface TrainingReport {
  readonly name: string;
  readonly trigger: string;
  readonly rows: number;
  readonly trainRows: number;
  readonly validateRows: number;
  /** The champion's version (undefined: the served config, not yet a registered champion) and validation figures. */
  readonly champion?: { readonly version?: number; readonly figures: CalibrationFigures };
  readonly challenger?: { readonly version: number; readonly figures: CalibrationFigures; readonly config: unknown };
  readonly promoted: boolean;
  readonly reason: string;
}

const DAY = 86_400_000;

/**
 * Runs the pipeline once for one trainer. Registers the challenger whether or not it wins (its
 * description says why it was or was not promoted); promotes it through `promote` when it wins.
 * Throws `invalid_argument` on options out of range.
 */
export async function trainAndValidate(
  trainer: CalibrationTrainer,
  store: Store,
  promote: Promote,
  options: TrainingOptions,
): Promise<TrainingReport> {
  const windowMs = options.windowMs ?? 14 * DAY;
  const validateShare = options.validateShare ?? 0.3;
  const minRows = options.minRows ?? 40;
  const margin = options.margin ?? 0.02;
  const maxEceIncrease = options.maxEceIncrease ?? 0.02;
  if (!(windowMs > 0)) throw invalid(`training windowMs must be > 0 (got ${describe(windowMs)})`);
  if (!(validateShare > 0 && validateShare < 1)) throw invalid(`validateShare must be in (0, 1) (got ${describe(validateShare)})`);
  if (!(Number.isInteger(minRows) && minRows >= 4)) throw invalid(`minRows must be an integer >= 4 (got ${describe(minRows)})`);
  if (!(margin >= 0 && margin < 1)) throw invalid(`margin must be in [0, 1) (got ${describe(margin)})`);
  const window = { fromMs: options.now - windowMs, toMs: options.now };
  const rows = (await trainer.collect(store, window)).slice().sort((a, b) => a.at - b.at);
  const base = { name: trainer.name, trigger: options.trigger, rows: rows.length };
  if (rows.length < minRows) {
    return {
      ...base,
      trainRows: 0,
      validateRows: 0,
      promoted: false,
      reason: `${rows.length} labelled outputs in the window, fewer than the ${minRows} needed`,
    };
  }
  const cut = Math.round(rows.length * (1 - validateShare));
  const train = rows.slice(0, cut);
  const validate = rows.slice(cut);
  const labels = validate.map((r) => r.label);
  if (!labels.includes(true) || !labels.includes(false)) {
    return {
      ...base,
      trainRows: train.length,
      validateRows: validate.length,
      promoted: false,
      reason: `the validation slice (${validate.length} most recent) holds one class only: nothing to compare on`,
    };
  }

  const championVersion = await championOf(store, trainer.name);
  const championConfig = championVersion?.config ?? options.servedConfig;
  const figuresOf = (config: unknown): CalibrationFigures => {
    const p = trainer.probability(config);
    return calibrationFigures(
      validate.map((r) => p(r.raw)),
      labels,
    );
  };
  const championFigures = figuresOf(championConfig);
  const challengerConfig = trainer.fit(train, championConfig);
  const challengerFigures = figuresOf(challengerConfig);

  const better = challengerFigures.log_loss < championFigures.log_loss * (1 - margin);
  const calibrated = challengerFigures.ece <= championFigures.ece + maxEceIncrease;
  const promoted = better && calibrated;
  const change = (championFigures.log_loss - challengerFigures.log_loss) / championFigures.log_loss;
  const reason = promoted
    ? `log-loss ${fmt(challengerFigures.log_loss)} vs champion ${fmt(championFigures.log_loss)} (${pct(change)} better, needed ${pct(margin)}), ECE ${fmt(challengerFigures.ece)} vs ${fmt(championFigures.ece)}`
    : !better
      ? `not promoted: log-loss ${fmt(challengerFigures.log_loss)} vs champion ${fmt(championFigures.log_loss)} (${pct(change)} better, needed ${pct(margin)})`
      : `not promoted: ECE ${fmt(challengerFigures.ece)} vs champion ${fmt(championFigures.ece)} (worse by more than ${maxEceIncrease})`;

  const versions = await store.listModelVersions(trainer.name);
  const version = (versions[versions.length - 1]?.version ?? 0) + 1;
  const lineage: ModelLineage = {
    trainedBy: options.trainedBy,
    trainedAt: options.now,
    codeVersion: options.codeVersion,
    dataWindow: { fromMs: rows[0]?.at ?? window.fromMs, toMs: rows[rows.length - 1]?.at ?? window.toMs },
    dataFingerprint: fingerprint(rows),
    featureSet: trainer.featureSet,
    parameters: { windowMs, validateShare, margin, maxEceIncrease, trainRows: train.length, validateRows: validate.length },
    trigger: options.trigger,
  };
  const record: ModelVersion = {
    name: trainer.name,
    version,
    kind: trainer.kind,
    specVersion: trainer.specVersion,
    config: challengerConfig,
    state: null,
    metrics: {
      ...prefixed('', challengerFigures),
      ...prefixed('champion_', championFigures),
      ...(championVersion ? { champion_version: championVersion.version } : {}),
    },
    stage: 'none',
    createdAt: options.now,
    lineage,
    description: reason,
  };
  await store.putModelVersion(record);
  if (promoted) await promote(trainer.name, version, { by: options.trainedBy, reason: `${options.trigger}: ${reason}` });
  return {
    ...base,
    trainRows: train.length,
    validateRows: validate.length,
    champion: { ...(championVersion ? { version: championVersion.version } : {}), figures: championFigures },
    challenger: { version, figures: challengerFigures, config: challengerConfig },
    promoted,
    reason,
  };
}

/** The version carrying the `champion` alias, if any. */
export async function championOf(store: Store, name: string): Promise<ModelVersion | undefined> {
  const aliases = await store.getModelAliases(name);
  const v = aliases.champion;
  if (v === undefined) return undefined;
  return (await store.listModelVersions(name)).find((m) => m.version === v);
}

/** SHA-256 (hex) of the rows as JSON: two versions trained on the same rows share it. */
export function fingerprint(rows: readonly LabelledRow[]): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

/**
 * `anomaly-calibrator`: rows are anomalies an operator (or the simulator's ground truth) marked
 * true or false positive — the detector's raw score and the mark; the last mark of an anomaly
 * wins. Refits the CENTER of the champion's logistic map (its width kept) by penalised maximum
 * likelihood, each label moving it at most 2 score units (models/feedback-calibrator.ts): raw
 * robust-z scores are heavy-tailed (a flat error rate that moves gives z in the hundreds), and a
 * free Platt fit of the width on them ran away (widths of 600 on the dev run). Rows are only the
 * anomalies that were raised, so the map is P(confirmed | raw, raised).
 */
export const anomalyCalibratorTrainer: CalibrationTrainer = {
  name: 'anomaly-calibrator',
  kind: logisticCalibratorSpec.kind,
  specVersion: logisticCalibratorSpec.version,
  featureSet: ['detector raw score (robust σ)'],
  async collect(store, window) {
    const marks = new Map<string, boolean>();
    for (const f of await listAll(store, window)) {
      if (f.subjectType !== 'anomaly' || (f.label !== 'true_positive' && f.label !== 'false_positive')) continue;
      if (!marks.has(f.subjectId)) marks.set(f.subjectId, f.label === 'true_positive'); // newest first: the last mark wins
    }
    const rows: LabelledRow[] = [];
    for (const [id, label] of marks) {
      const a = await store.getAnomaly(id);
      if (a === undefined || !Number.isFinite(a.score)) continue;
      rows.push({ at: a.at, raw: a.score, label, subject: id });
    }
    return rows;
  },
  fit(rows, champion) {
    const start = logisticCalibratorSpec.parse(champion ?? {});
    const c = feedbackCalibratorSpec.create({ ...start, maxLabels: Math.max(1, rows.length), maxStep: 2 });
    for (const r of rows) c.label(r.raw, r.label);
    return { center: c.params.center, width: start.width };
  },
  probability(config) {
    const c = logisticCalibratorSpec.create(logisticCalibratorSpec.parse(config ?? {}));
    return (raw) => c.calibrate(raw);
  },
};

/** Config of a `root-cause-calibration` version: the prior blocks the isotonic map is fitted from. */
export interface RootCauseCalibrationConfig {
  readonly blocks: readonly IsotonicBlock[];
  readonly smoothing: number;
}

/**
 * `root-cause-calibration`: rows are incidents whose root cause was confirmed (the first
 * `root_cause` label of each) — the raw confidence of the incident's top hypothesis, and whether
 * it named the confirmed entity. Fits the isotonic map on the champion's blocks (weight 1) plus the
 * new rows, so a few labels move it a little and many take over.
 */
export const rootCauseCalibrationTrainer: CalibrationTrainer = {
  name: 'root-cause-calibration',
  kind: isotonicCalibratorSpec.kind,
  specVersion: isotonicCalibratorSpec.version,
  featureSet: ['raw top-1 confidence of rca/topology-rank'],
  async collect(store, window) {
    const confirmed = new Map<string, { at: number; value: string }>();
    for (const f of await listAll(store, window)) {
      if (f.subjectType !== 'incident' || f.label !== 'root_cause' || f.value === undefined) continue;
      confirmed.set(f.subjectId, { at: f.at, value: f.value }); // newest first: the first label wins
    }
    const rows: LabelledRow[] = [];
    for (const [id, c] of confirmed) {
      const incident = await store.getIncident(id);
      const top = incident?.hypotheses[0];
      if (incident === undefined || top?.rawConfidence === undefined) continue;
      rows.push({ at: incident.openedAt, raw: top.rawConfidence, label: top.entityId === c.value, subject: id });
    }
    return rows;
  },
  fit(rows, champion) {
    const start = rootCauseConfig(champion);
    const blocks = poolAdjacentViolators([...start.blocks, ...rows.map((r) => ({ x: r.raw, n: 1, positives: r.label ? 1 : 0 }))]).map(
      (b) => ({ x: round(b.x, 6), n: round(b.n, 6), positives: round(b.positives, 6) }),
    );
    return { blocks, smoothing: start.smoothing } satisfies RootCauseCalibrationConfig;
  },
  probability(config) {
    const c = rootCauseConfig(config);
    const calibrator = isotonicCalibratorSpec.create(
      { ...isotonicCalibratorSpec.defaults, smoothing: c.smoothing },
      isotonicPrior(c.blocks),
    );
    return (raw) => calibrator.calibrate(raw);
  },
};

/** Every trainer, by registered model name. */
export const TRAINERS: Readonly<Record<string, CalibrationTrainer>> = {
  [anomalyCalibratorTrainer.name]: anomalyCalibratorTrainer,
  [rootCauseCalibrationTrainer.name]: rootCauseCalibrationTrainer,
};

/** A root-cause calibration config, checked. */
export function rootCauseConfig(config: unknown): RootCauseCalibrationConfig {
  const c = config as Partial<RootCauseCalibrationConfig> | undefined;
  if (c === undefined || !Array.isArray(c.blocks) || typeof c.smoothing !== 'number') {
    throw invalid(`a root-cause-calibration config needs blocks [{x, n, positives}] and smoothing (got ${describe(config)})`);
  }
  return { blocks: c.blocks, smoothing: c.smoothing };
}

/** Every feedback row of the window, newest first. */
function listAll(store: Store, window: { readonly fromMs: number; readonly toMs: number }): Promise<Feedback[]> {
  return listEvery((page) => store.listFeedback(page), window);
}

function prefixed(prefix: string, f: CalibrationFigures): Record<string, number> {
  return {
    [`${prefix}n`]: f.n,
    [`${prefix}log_loss`]: round(f.log_loss, 6),
    [`${prefix}brier`]: round(f.brier, 6),
    [`${prefix}ece`]: round(f.ece, 6),
    [`${prefix}mean_confidence`]: round(f.mean_confidence, 6),
    [`${prefix}base_rate`]: round(f.base_rate, 6),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function fmt(x: number): string {
  return x.toFixed(4);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}
