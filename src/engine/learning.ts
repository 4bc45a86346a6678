/**
 * @module engine/learning
 * The engine's continuous learning: which registered version of each model serves, the live
 * outcomes of its outputs (labels from operators, the simulator's ground truth), and retraining
 * on triggers — a schedule, enough new labels, live accuracy drifting down (Page-Hinkley on the
 * stream of mistakes) — through the training pipeline (learn/training.ts), promoting a challenger
 * only when it beats the champion on a later time slice. A promotion is applied at once (the
 * engine swaps the calibrator it serves), logged as a `learn` decision and published as
 * `model.promoted`; drift is logged and published as `model.drift`.
 */
import type { Bus } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { PageHinkley } from '../learn/error-drift.js';
import { type CalibrationTrainer, championOf, TRAINERS, type TrainingReport, trainAndValidate } from '../learn/training.js';
import type { Feedback, ModelOutcome, ModelRef, ModelVersion } from '../records/types.js';
import { ModelRegistry } from '../registry/registry.js';
import type { Store } from '../store/store.js';

/** When and how models are retrained. */
export interface LearnConfig {
  /** Retrain on the triggers below. Default true. */
  readonly retrain: boolean;
  /** How often triggers are checked. Default 1 h. */
  readonly checkEveryMs: number;
  /** Scheduled retraining this long after the last training (if any label arrived since). Default 24 h. */
  readonly retrainEveryMs: number;
  /** Retrain once this many new labels arrived since the last training. Default 50. */
  readonly minNewLabels: number;
  /** Labelled outputs of this window are used. Default 14 days. */
  readonly windowMs: number;
  /** Fewer labelled outputs than this: no training. Default 40. */
  readonly minRows: number;
  /** Relative log-loss improvement over the champion needed to promote. Default 0.02. */
  readonly margin: number;
  /** Most the challenger's ECE may exceed the champion's. Default 0.02. */
  readonly maxEceIncrease: number;
  /**
   * Page-Hinkley on the 0/1 mistake stream of labelled outputs: tolerance δ and threshold λ
   * (after 100 labels). Default 0.05, 25: mistakes come in clusters (one traffic burst, twenty
   * false anomalies), and λ 8 fired on such a cluster in the dev run.
   */
  readonly driftDelta: number;
  readonly driftLambda: number;
  /**
   * Input drift of the demand forecaster: each demand series' first `featureDriftReferenceMs` of
   * 5-minute means is its reference, then every check compares its last day with the same hours
   * of the reference (learn/seasonal-drift.ts) and alerts (`model.drift`, a `learn` decision) when
   * PSI ≥ `featureDriftPsi` and KS p < 0.01. An alert, not a retraining trigger. Defaults 3 days
   * and 6 (PSI 6 flagged no unchanged day of the capacity traces' tuning weeks; 0.25 flagged most).
   */
  readonly featureDriftReferenceMs: number;
  readonly featureDriftPsi: number;
}

/** Defaults of {@link LearnConfig}. */
export const DEFAULT_LEARN_CONFIG: LearnConfig = {
  retrain: true,
  checkEveryMs: 3600_000,
  retrainEveryMs: 86_400_000,
  minNewLabels: 50,
  windowMs: 14 * 86_400_000,
  minRows: 40,
  margin: 0.02,
  maxEceIncrease: 0.02,
  driftDelta: 0.05,
  driftLambda: 25,
  featureDriftReferenceMs: 3 * 86_400_000,
  featureDriftPsi: 6,
};

/** What the learner needs from the engine. */
export interface LearningDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly config: LearnConfig;
  readonly codeVersion: string;
  /** The config the engine serves for a model now (its prior, or the champion applied). */
  readonly served: (name: string) => unknown;
  /** Makes the engine serve a config (a promoted champion). */
  readonly apply: (name: string, config: unknown) => void;
  /** Writes a decision row (the engine's decision log). */
  readonly log: (
    subject: string,
    model: ModelRef,
    inputs: unknown,
    output: unknown,
    confidence: number,
    explanation: string,
  ) => Promise<void>;
  readonly onError: (error: unknown, where: string) => void;
}

/** What {@link ModelLearning.tick} did: one report per training run. */
export type LearningTick = readonly TrainingReport[];

interface TrainerState {
  lastTrainedAt: number;
  newLabels: number;
  readonly drift: PageHinkley;
  /** Why the next check must retrain (drift seen since the last training). */
  pending: string | undefined;
}

/**
 * Serves champions, records outcomes and retrains. One per engine.
 * @example const learning = new ModelLearning(deps); await learning.start(); await learning.tick(now);
 */
export class ModelLearning {
  readonly #deps: LearningDeps;
  readonly #trainers: readonly CalibrationTrainer[];
  readonly #state = new Map<string, TrainerState>();
  /** name → version serving now. */
  readonly #serving = new Map<string, number>();
  #nextCheckAt = 0;
  #outcomeCounter = 0;

  constructor(deps: LearningDeps, trainers: readonly CalibrationTrainer[] = Object.values(TRAINERS)) {
    this.#deps = deps;
    this.#trainers = trainers;
  }

  /** Version of `name` serving now (after {@link start}), if registered. */
  serving(name: string): number | undefined {
    return this.#serving.get(name);
  }

  /**
   * Reads the registry after the engine registered its models: every model without a champion
   * gets its latest version as champion; a trained champion of a trainable model (not the
   * engine's own recording) is applied, so a promotion survives a restart.
   */
  async start(): Promise<void> {
    const { store, clock } = this.#deps;
    const now = clock.now();
    for (const m of await store.listModels()) {
      const versions = await store.listModelVersions(m.name);
      const latest = versions[versions.length - 1];
      if (latest === undefined) continue;
      let champion = await championOf(store, m.name);
      if (champion === undefined) {
        await store.setModelAlias({
          name: m.name,
          alias: 'champion',
          version: latest.version,
          at: now,
          by: 'engine',
          reason: 'served at start',
        });
        champion = latest;
      }
      const trainer = this.#trainers.find((t) => t.name === m.name);
      if (trainer !== undefined && trained(champion)) this.#deps.apply(m.name, champion.config);
      else if (!trained(champion) && champion.version !== latest.version) {
        // The engine's own config changed since the champion was recorded: it serves the new one.
        await store.setModelAlias({
          name: m.name,
          alias: 'champion',
          version: latest.version,
          at: now,
          by: 'engine',
          reason: 'config changed at start',
        });
        champion = latest;
      }
      this.#serving.set(m.name, champion.version);
    }
    for (const t of this.#trainers) {
      const versions = await store.listModelVersions(t.name);
      const last = [...versions].reverse().find(trained);
      this.#state.set(t.name, {
        lastTrainedAt: last?.lineage?.trainedAt ?? now,
        newLabels: 0,
        drift: new PageHinkley({
          method: 'page-hinkley',
          delta: this.#deps.config.driftDelta,
          lambda: this.#deps.config.driftLambda,
          alpha: 1,
          minInstances: 100,
        }),
        pending: undefined,
      });
    }
    this.#nextCheckAt = now + this.#deps.config.checkEveryMs;
  }

  /**
   * Records the outcome a label reveals, for live accuracy, and feeds the drift detector of the
   * model it judges. `judged.anomaly` / `judged.rootCause` give what the model said (its
   * confidence, and for a root cause whether the top hypothesis was the confirmed entity).
   */
  async onFeedback(
    fb: Feedback,
    judged: {
      readonly anomaly?: { readonly at: number; readonly confidence: number };
      readonly rootCause?: { readonly at: number; readonly confidence: number; readonly right: boolean };
    },
  ): Promise<void> {
    const outcomes: ModelOutcome[] = [];
    const add = (name: string, at: number, correct: boolean, confidence: number): void => {
      const version = this.#serving.get(name);
      if (version === undefined) return;
      this.#outcomeCounter++;
      outcomes.push({
        id: `${fb.id}:${this.#outcomeCounter}`,
        name,
        version,
        at,
        kind: 'classification',
        correct,
        confidence,
        subject: fb.subjectId,
      });
    };
    let trainer: string | undefined;
    let mistake = false;
    if (judged.anomaly !== undefined && (fb.label === 'true_positive' || fb.label === 'false_positive')) {
      const correct = fb.label === 'true_positive';
      add('anomaly-detector', fb.at, correct, judged.anomaly.confidence);
      add('anomaly-calibrator', fb.at, correct, judged.anomaly.confidence);
      trainer = 'anomaly-calibrator';
      mistake = !correct;
    }
    if (judged.rootCause !== undefined) {
      add('root-cause', fb.at, judged.rootCause.right, judged.rootCause.confidence);
      add('root-cause-calibration', fb.at, judged.rootCause.right, judged.rootCause.confidence);
      trainer = 'root-cause-calibration';
      mistake = !judged.rootCause.right;
    }
    if (outcomes.length > 0) await this.#deps.store.insertModelOutcomes(outcomes);
    const state = trainer === undefined ? undefined : this.#state.get(trainer);
    if (state === undefined || trainer === undefined) return;
    state.newLabels++;
    const verdict = state.drift.add(mistake ? 1 : 0);
    if (verdict.drift && state.pending === undefined) {
      state.pending = `accuracy: mistakes rose to a mean of ${verdict.mean.toFixed(2)} (Page-Hinkley, δ ${this.#deps.config.driftDelta}, λ ${this.#deps.config.driftLambda})`;
      const at = this.#deps.clock.now();
      await this.#deps.log(
        trainer,
        DRIFT_MODEL,
        { signal: 'mistakes', labels: state.newLabels },
        { drift: true, mean: verdict.mean },
        1,
        `live accuracy of ${trainer} drifted: ${state.pending}`,
      );
      await this.#deps.bus.publish({
        type: 'model.drift',
        entity: trainer,
        name: trainer,
        at,
        signal: 'mistakes',
        explanation: state.pending,
      });
    }
  }

  /** Follows champion changes made elsewhere; checks the triggers (every `checkEveryMs`) and retrains what they ask for. */
  async tick(now: number): Promise<LearningTick> {
    const cfg = this.#deps.config;
    await this.#follow();
    if (!cfg.retrain || now < this.#nextCheckAt) return [];
    this.#nextCheckAt = now + cfg.checkEveryMs;
    const reports: TrainingReport[] = [];
    for (const t of this.#trainers) {
      const state = this.#state.get(t.name);
      if (state === undefined) continue;
      const trigger =
        state.pending ??
        (state.newLabels >= cfg.minNewLabels
          ? `labels: ${state.newLabels} new since the last training`
          : state.newLabels > 0 && now - state.lastTrainedAt >= cfg.retrainEveryMs
            ? `schedule: ${Math.round((now - state.lastTrainedAt) / 3600_000)} h since the last training`
            : undefined);
      if (trigger === undefined) continue;
      try {
        reports.push(await this.retrain(t, now, trigger, 'engine:retrain'));
      } catch (error) {
        this.#deps.onError(error, `retraining ${t.name}`);
      }
    }
    return reports;
  }

  /** Runs the pipeline for one trainer now, applies a promotion and logs the run. */
  async retrain(trainer: CalibrationTrainer, now: number, trigger: string, by: string): Promise<TrainingReport> {
    const { store, config: cfg } = this.#deps;
    const report = await trainAndValidate(trainer, store, (name, version, why) => this.#promote(name, version, why), {
      now,
      trigger,
      trainedBy: by,
      codeVersion: this.#deps.codeVersion,
      servedConfig: this.#deps.served(trainer.name),
      windowMs: cfg.windowMs,
      minRows: cfg.minRows,
      margin: cfg.margin,
      maxEceIncrease: cfg.maxEceIncrease,
    });
    const state = this.#state.get(trainer.name);
    if (state !== undefined) {
      // The schedule counts from the last attempt; a run that validated also clears the drift.
      state.lastTrainedAt = now;
      // Enough rows to try (validated or not, e.g. a one-class slice): wait for new labels again.
      if (report.rows >= cfg.minRows) state.newLabels = 0;
      if (report.challenger !== undefined) {
        state.pending = undefined;
        if (report.promoted) state.drift.reset();
      }
    }
    const ch = report.challenger;
    await this.#deps.log(
      trainer.name,
      { kind: trainer.kind, version: String(ch?.version ?? this.#serving.get(trainer.name) ?? 0) },
      { trigger, rows: report.rows, train: report.trainRows, validate: report.validateRows },
      { promoted: report.promoted, challenger: ch?.figures ?? null, champion: report.champion?.figures ?? null },
      report.promoted ? 1 : 0,
      `retraining ${trainer.name} (${trigger}): ${report.reason}`,
    );
    return report;
  }

  async #promote(name: string, version: number, why: { readonly by: string; readonly reason: string }): Promise<void> {
    const { store, clock } = this.#deps;
    const next = (await store.listModelVersions(name)).find((v) => v.version === version);
    if (next === undefined) return;
    const previous = this.#serving.get(name);
    await new ModelRegistry(store, clock).promote(name, version, { by: why.by, reason: why.reason });
    this.#serving.set(name, version);
    this.#deps.apply(name, next.config);
    await this.#deps.bus.publish({
      type: 'model.promoted',
      entity: name,
      name,
      version,
      previous: previous ?? null,
      at: clock.now(),
      reason: why.reason,
    });
  }

  /**
   * Follows champion changes made outside the engine (`homeostat registry promote|rollback`, the
   * API's alias routes): a trainable model whose champion moved is served from its new config.
   */
  async #follow(): Promise<void> {
    const { store } = this.#deps;
    for (const t of this.#trainers) {
      const v = (await store.getModelAliases(t.name)).champion;
      if (v === undefined || v === this.#serving.get(t.name)) continue;
      const champion = (await store.listModelVersions(t.name)).find((m) => m.version === v);
      if (champion === undefined) continue;
      this.#serving.set(t.name, v);
      this.#deps.apply(t.name, champion.config);
    }
  }
}

/** The drift detector's name in the decision log. */
const DRIFT_MODEL: ModelRef = { kind: 'drift/page-hinkley', version: '1' };

/** Whether a version was trained by the pipeline (not the engine's record of its configured prior). */
function trained(v: ModelVersion): boolean {
  const by = v.lineage?.trainedBy ?? 'engine';
  return by !== 'engine';
}
