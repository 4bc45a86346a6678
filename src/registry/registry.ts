/**
 * @module registry/registry
 * The model registry over the Store port: registered models, their versions, the `champion` and
 * `challenger` aliases with the full serving history, and live metrics from observed outcomes.
 *
 * Serving. The `champion` alias names the version served. Before any promotion (the engine records
 * each new version with stage `none`) the engine serves its latest version, so `serving` falls back
 * to it. Every alias change is appended to the history with who made it and why, so
 * {@link ModelRegistry.servedAt} answers which version served at any past time.
 *
 * Promotion moves `champion` to a version (its stage becomes `champion`); the previous champion's
 * stage becomes `archived`, or `challenger` when asked to keep it as one. Rollback moves `champion`
 * back to the version that served before the current one, like `kubectl rollout undo`: two
 * rollbacks in a row return to where they started. The store writes each alias change in one
 * transaction; the stage updates follow it (the alias is the truth of what serves, stages are its
 * summary on each version).
 */
import type { Clock } from '../clock.js';
import { describe, HomeostatError, invalid } from '../errors.js';
import type { ModelAlias, ModelAliasEvent, ModelOutcome, ModelRecord, ModelVersion } from '../records/types.js';
import type { Store } from '../store/store.js';
import { type LiveMetrics, liveMetricsOf } from './live-metrics.js';
import type { ModelCardInput, RetrainingPlan } from './model-card.js';

/** The aliases a version can carry. */
export const MODEL_ALIASES: readonly ModelAlias[] = ['champion', 'challenger'];
/** Default window of the "recent" live metrics: one day. */
export const DEFAULT_LIVE_WINDOW_MS = 86_400_000;
/** Live metrics read at most this many of a model's most recent outcomes (the Store's largest page). */
export const MAX_LIVE_OUTCOMES = 10_000;

/** A registered model with its versions and aliases. */
export interface ModelSummary {
  readonly model: ModelRecord;
  /** By version ascending. */
  readonly versions: readonly ModelVersion[];
  readonly aliases: Partial<Record<ModelAlias, number>>;
  /** The version served: the champion, else the latest version (what the engine runs before any promotion). */
  readonly serving: number | undefined;
  /** Latest of the model's creation, its versions' creation and its alias changes (epoch ms). */
  readonly updatedAt: number;
}

/** A model with its serving history. */
export interface ModelDetail extends ModelSummary {
  /** Every alias change, oldest first. */
  readonly history: readonly ModelAliasEvent[];
}

/** One period during which a version held an alias. */
export interface AliasStint {
  readonly alias: ModelAlias;
  readonly version: number;
  readonly fromMs: number;
  /** When it lost the alias; absent while it still holds it. */
  readonly toMs?: number;
  readonly by: string;
  readonly reason: string;
}

/** Who changes an alias and why: recorded in the serving history. */
export interface AliasChange {
  /** `cli`, `api`, `engine:retrain`, or an operator's name. */
  readonly by: string;
  readonly reason: string;
}

/** Options of {@link ModelRegistry.promote}. */
export interface PromoteOptions extends AliasChange {
  /** Keep the previous champion as the challenger instead of archiving it (default false). */
  readonly keepPreviousAsChallenger?: boolean;
}

/** What an alias change did. */
export interface AliasResult {
  readonly name: string;
  readonly alias: ModelAlias;
  /** The version that holds the alias now (undefined when removed). */
  readonly version: number | undefined;
  /** The version that held it before. */
  readonly previous: number | undefined;
  /** False when the alias already pointed there (nothing was written). */
  readonly changed: boolean;
}

/** Options of {@link ModelRegistry.liveMetrics}. */
export interface LiveMetricsOptions {
  /** Length of the recent window (default {@link DEFAULT_LIVE_WINDOW_MS}). */
  readonly windowMs?: number;
  /** The time to compute them at (default the registry's clock). */
  readonly now?: number;
}

/**
 * The model registry. Reads and writes only through the Store; time comes from the clock.
 * Errors are HomeostatError: `not_found` for an unknown model, version or unset alias (naming
 * what exists), `invalid_argument` for a malformed name, version or outcome, `conflict` for a
 * change the history does not allow (rolling back with nothing to roll back to).
 * @example
 * const registry = new ModelRegistry(store, clock);
 * await registry.promote('anomaly-detector', 2, { by: 'alice', reason: 'better precision on last week' });
 * const live = await registry.liveMetrics('anomaly-detector');
 */
export class ModelRegistry {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Every registered model with its versions and aliases, by name. */
  async list(): Promise<ModelSummary[]> {
    const models = await this.#store.listModels();
    const out: ModelSummary[] = [];
    for (const model of models) out.push(await this.#summary(model));
    return out;
  }

  /** One model with its versions, aliases and serving history. @throws not_found for an unknown name. */
  async show(name: string): Promise<ModelDetail> {
    const model = await this.#model(name);
    const history = await this.#store.listModelAliasEvents(name);
    return { ...(await this.#summary(model, history)), history };
  }

  /** One version. @throws not_found for an unknown model or version. */
  async version(name: string, version: number): Promise<ModelVersion> {
    checkVersion(version);
    const { versions } = await this.#summary(await this.#model(name));
    return findVersion(name, versions, version);
  }

  /** The version an alias points to. @throws not_found when the model is unknown or the alias unset. */
  async byAlias(name: string, alias: string): Promise<ModelVersion> {
    const checked = parseAlias(alias);
    const summary = await this.#summary(await this.#model(name));
    const version = summary.aliases[checked];
    if (version === undefined) {
      const set = Object.entries(summary.aliases).map(([a, v]) => `${a} → ${v}`);
      throw new HomeostatError(
        'not_found',
        `model ${describe(name)} has no ${checked} (aliases set: ${set.length > 0 ? set.join(', ') : 'none'})`,
      );
    }
    return findVersion(name, summary.versions, version);
  }

  /**
   * Makes `version` the champion (the version served). The previous champion becomes `archived`
   * (or the challenger with `keepPreviousAsChallenger`); a challenger promoted loses that alias.
   * Promoting the current champion changes nothing.
   * @throws not_found for an unknown model or version; invalid_argument for an empty `by`/`reason`.
   */
  async promote(name: string, version: number, options: PromoteOptions): Promise<AliasResult> {
    checkVersion(version);
    checkChange(options);
    const summary = await this.#summary(await this.#model(name));
    findVersion(name, summary.versions, version);
    return this.#moveChampion(summary, version, options, options.keepPreviousAsChallenger ?? false);
  }

  /**
   * Moves `champion` back to the version that served before the current one (from the serving
   * history). The rolled-back version is archived.
   * @throws conflict when there is no champion or no earlier champion; not_found for an unknown model.
   */
  async rollback(name: string, change: AliasChange): Promise<AliasResult> {
    checkChange(change);
    const model = await this.#model(name);
    const history = await this.#store.listModelAliasEvents(name);
    const summary = await this.#summary(model, history);
    const current = summary.aliases.champion;
    if (current === undefined) {
      throw new HomeostatError('conflict', `model ${describe(name)} has no champion to roll back (promote a version first)`);
    }
    const champions = history.filter((e) => e.alias === 'champion');
    let target: number | undefined;
    for (let i = champions.length - 2; i >= 0; i--) {
      const v = champions[i]?.version;
      if (v !== null && v !== undefined && v !== current) {
        target = v;
        break;
      }
    }
    if (target === undefined) {
      throw new HomeostatError(
        'conflict',
        `model ${describe(name)} has no earlier champion to roll back to (only version ${current} has served; promote another version instead)`,
      );
    }
    return this.#moveChampion(summary, target, change, false);
  }

  /**
   * Makes `version` the challenger (the candidate evaluated beside the champion). A previous
   * challenger is archived. Setting the current challenger again changes nothing.
   * @throws conflict when `version` is the champion; not_found for an unknown model or version.
   */
  async setChallenger(name: string, version: number, change: AliasChange): Promise<AliasResult> {
    checkVersion(version);
    checkChange(change);
    const summary = await this.#summary(await this.#model(name));
    findVersion(name, summary.versions, version);
    const previous = summary.aliases.challenger;
    if (summary.aliases.champion === version) {
      throw new HomeostatError(
        'conflict',
        `version ${version} of model ${describe(name)} is the champion; it cannot also be the challenger`,
      );
    }
    if (previous === version) return { name, alias: 'challenger', version, previous, changed: false };
    await this.#store.setModelAlias({ name, alias: 'challenger', version, at: this.#clock.now(), by: change.by, reason: change.reason });
    await this.#store.updateModelVersion(name, version, { stage: 'challenger' });
    if (previous !== undefined) await this.#store.updateModelVersion(name, previous, { stage: 'archived' });
    return { name, alias: 'challenger', version, previous, changed: true };
  }

  /** Removes the challenger alias (its version is archived); nothing to remove changes nothing. */
  async clearChallenger(name: string, change: AliasChange): Promise<AliasResult> {
    checkChange(change);
    const summary = await this.#summary(await this.#model(name));
    const previous = summary.aliases.challenger;
    if (previous === undefined) return { name, alias: 'challenger', version: undefined, previous, changed: false };
    await this.#store.setModelAlias({
      name,
      alias: 'challenger',
      version: null,
      at: this.#clock.now(),
      by: change.by,
      reason: change.reason,
    });
    await this.#store.updateModelVersion(name, previous, { stage: 'archived' });
    return { name, alias: 'challenger', version: undefined, previous, changed: true };
  }

  /**
   * The version that was champion at time `atMs`, from the serving history (the last change at or
   * before it); undefined before the first promotion or while the alias was removed.
   * @throws not_found for an unknown model; invalid_argument for a non-finite time.
   */
  async servedAt(name: string, atMs: number): Promise<number | undefined> {
    if (typeof atMs !== 'number' || !Number.isFinite(atMs)) {
      throw invalid(`time must be finite epoch milliseconds (got ${describe(atMs)})`);
    }
    await this.#model(name);
    let version: number | undefined;
    for (const e of await this.#store.listModelAliasEvents(name)) {
      if (e.alias === 'champion' && e.at <= atMs) version = e.version ?? undefined;
    }
    return version;
  }

  /**
   * Live metrics of a model's outcomes (of one version, or all together), overall, over the recent
   * window and before it, with the trend. Reads the most recent {@link MAX_LIVE_OUTCOMES} outcomes.
   * @throws not_found for an unknown model or version; invalid_argument for a bad window.
   */
  async liveMetrics(name: string, version?: number, options: LiveMetricsOptions = {}): Promise<LiveMetrics> {
    const windowMs = options.windowMs ?? DEFAULT_LIVE_WINDOW_MS;
    if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
      throw invalid(`windowMs must be a positive number of milliseconds (got ${describe(windowMs)})`);
    }
    const at = options.now ?? this.#clock.now();
    if (version !== undefined) await this.version(name, version);
    else await this.#model(name);
    const outcomes = await this.#store.listModelOutcomes({
      name,
      ...(version === undefined ? {} : { version }),
      toMs: at + 1,
      limit: MAX_LIVE_OUTCOMES,
    });
    return liveMetricsOf(name, outcomes, { at, windowMs, ...(version === undefined ? {} : { version }) });
  }

  /**
   * The registry data of one version's model card (see `modelCard`): the version (default the
   * one served), the model's aliases and history, and the version's live metrics.
   * @throws not_found for an unknown model or version, or a model with no version.
   */
  async cardInput(
    name: string,
    version?: number,
    options: LiveMetricsOptions & { readonly retraining?: RetrainingPlan } = {},
  ): Promise<ModelCardInput> {
    const detail = await this.show(name);
    const chosen = version ?? detail.serving;
    if (chosen === undefined) throw new HomeostatError('not_found', `model ${describe(name)} has no version yet`);
    checkVersion(chosen);
    const at = options.now ?? this.#clock.now();
    const live = await this.liveMetrics(name, chosen, { ...options, now: at });
    return {
      model: detail.model,
      version: findVersion(name, detail.versions, chosen),
      aliases: detail.aliases,
      history: detail.history,
      serving: detail.serving,
      live,
      ...(options.retraining === undefined ? {} : { retraining: options.retraining }),
      generatedAt: at,
    };
  }

  /**
   * Stores observed outcomes after checking each one (shape, and that its model version exists).
   * A repeated id keeps the stored outcome.
   * @throws invalid_argument naming the first bad outcome; not_found for an unknown model or version.
   */
  async recordOutcomes(outcomes: readonly ModelOutcome[]): Promise<void> {
    outcomes.forEach(checkOutcome);
    const byName = new Map<string, Set<number>>();
    for (const o of outcomes) {
      const set = byName.get(o.name) ?? new Set<number>();
      set.add(o.version);
      byName.set(o.name, set);
    }
    for (const [name, wanted] of byName) {
      await this.#model(name);
      const versions = await this.#store.listModelVersions(name);
      for (const v of wanted) findVersion(name, versions, v);
    }
    await this.#store.insertModelOutcomes(outcomes);
  }

  async #moveChampion(summary: ModelSummary, target: number, change: AliasChange, keepPrevious: boolean): Promise<AliasResult> {
    const name = summary.model.name;
    const previous = summary.aliases.champion;
    if (previous === target) return { name, alias: 'champion', version: target, previous, changed: false };
    const at = this.#clock.now();
    const { by, reason } = change;
    await this.#store.setModelAlias({ name, alias: 'champion', version: target, at, by, reason });
    const challenger = summary.aliases.challenger;
    if (challenger === target) {
      await this.#store.setModelAlias({ name, alias: 'challenger', version: null, at, by, reason: `version ${target} became champion` });
    }
    await this.#store.updateModelVersion(name, target, { stage: 'champion' });
    if (previous === undefined) return { name, alias: 'champion', version: target, previous, changed: true };
    if (keepPrevious) {
      if (challenger !== undefined && challenger !== target) await this.#store.updateModelVersion(name, challenger, { stage: 'archived' });
      await this.#store.setModelAlias({
        name,
        alias: 'challenger',
        version: previous,
        at,
        by,
        reason: `replaced as champion by version ${target}`,
      });
      await this.#store.updateModelVersion(name, previous, { stage: 'challenger' });
    } else {
      await this.#store.updateModelVersion(name, previous, { stage: 'archived' });
    }
    return { name, alias: 'champion', version: target, previous, changed: true };
  }

  async #model(name: string): Promise<ModelRecord> {
    if (typeof name !== 'string' || name === '') throw invalid(`model name must be a non-empty string (got ${describe(name)})`);
    const models = await this.#store.listModels();
    const model = models.find((m) => m.name === name);
    if (model === undefined) {
      const known = models.map((m) => m.name);
      throw new HomeostatError(
        'not_found',
        `model ${describe(name)} not found (registered: ${known.length > 0 ? known.join(', ') : 'none'})`,
      );
    }
    return model;
  }

  async #summary(model: ModelRecord, known?: readonly ModelAliasEvent[]): Promise<ModelSummary> {
    const versions = await this.#store.listModelVersions(model.name);
    const aliases = await this.#store.getModelAliases(model.name);
    const history = known ?? (await this.#store.listModelAliasEvents(model.name));
    let updatedAt = model.createdAt;
    for (const v of versions) updatedAt = Math.max(updatedAt, v.createdAt);
    for (const e of history) updatedAt = Math.max(updatedAt, e.at);
    return { model, versions, aliases, serving: aliases.champion ?? versions.at(-1)?.version, updatedAt };
  }
}

/**
 * The periods during which each version held each alias, from a serving history (oldest first).
 * @example aliasStints([{ name: 'm', alias: 'champion', version: 1, at: 0, by: 'cli', reason: 'first' }])
 *   // [{ alias: 'champion', version: 1, fromMs: 0, by: 'cli', reason: 'first' }]
 */
export function aliasStints(history: readonly ModelAliasEvent[]): AliasStint[] {
  const stints: AliasStint[] = [];
  const open = new Map<ModelAlias, number>();
  for (const e of history) {
    const index = open.get(e.alias);
    if (index !== undefined) {
      stints[index] = { ...(stints[index] as AliasStint), toMs: e.at };
      open.delete(e.alias);
    }
    if (e.version !== null) {
      open.set(e.alias, stints.length);
      stints.push({ alias: e.alias, version: e.version, fromMs: e.at, by: e.by, reason: e.reason });
    }
  }
  return stints;
}

/**
 * When a version's registry metadata last changed: its creation or the latest alias change that
 * gave it or took from it an alias (MLflow's `last_updated_timestamp`).
 */
export function versionUpdatedAt(version: ModelVersion, history: readonly ModelAliasEvent[]): number {
  let at = version.createdAt;
  for (const s of aliasStints(history)) {
    if (s.version !== version.version) continue;
    at = Math.max(at, s.fromMs, s.toMs ?? Number.NEGATIVE_INFINITY);
  }
  return at;
}

/**
 * The stage a version is in: `champion` or `challenger` while it holds that alias, else its
 * stored stage. Stages are the registry's summary of the aliases; this keeps them right when a
 * writer moved an alias through the Store without updating the stages.
 */
export function effectiveStage(version: ModelVersion, aliases: Partial<Record<ModelAlias, number>>): ModelVersion['stage'] {
  if (aliases.champion === version.version) return 'champion';
  if (aliases.challenger === version.version) return 'challenger';
  return version.stage;
}

/**
 * Reads an alias name. @throws invalid_argument naming the aliases when it is not one.
 */
export function parseAlias(alias: unknown): ModelAlias {
  if (typeof alias === 'string' && (MODEL_ALIASES as readonly string[]).includes(alias)) return alias as ModelAlias;
  throw invalid(`alias must be one of ${MODEL_ALIASES.join(', ')} (got ${describe(alias)})`);
}

function findVersion(name: string, versions: readonly ModelVersion[], version: number): ModelVersion {
  const found = versions.find((v) => v.version === version);
  if (found === undefined) {
    const known = versions.map((v) => v.version);
    throw new HomeostatError(
      'not_found',
      `model ${describe(name)} has no version ${describe(version)} (versions: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
  }
  return found;
}

function checkVersion(version: unknown): void {
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw invalid(`version must be an integer >= 1 (got ${describe(version)})`);
  }
}

function checkChange(change: AliasChange): void {
  if (typeof change.by !== 'string' || change.by === '') throw invalid(`by must name who changes the alias (got ${describe(change.by)})`);
  if (typeof change.reason !== 'string' || change.reason === '') {
    throw invalid(`reason must say why the alias changes (got ${describe(change.reason)})`);
  }
}

function checkOutcome(o: ModelOutcome, i: number): void {
  const bad = (what: string, got: unknown) => invalid(`outcomes[${i}].${what} (got ${describe(got)})`);
  if (typeof o.id !== 'string' || o.id === '') throw bad('id must be a non-empty string', o.id);
  if (typeof o.name !== 'string' || o.name === '') throw bad('name must be a non-empty string', o.name);
  if (typeof o.version !== 'number' || !Number.isInteger(o.version) || o.version < 1)
    throw bad('version must be an integer >= 1', o.version);
  if (typeof o.at !== 'number' || !Number.isFinite(o.at)) throw bad('at must be finite epoch milliseconds', o.at);
  if (o.kind === 'classification') {
    if (typeof o.correct !== 'boolean') throw bad('correct must be true or false for a classification outcome', o.correct);
    if (o.confidence !== undefined && !(typeof o.confidence === 'number' && o.confidence >= 0 && o.confidence <= 1)) {
      throw bad('confidence must be a probability in [0, 1]', o.confidence);
    }
  } else if (o.kind === 'regression') {
    if (typeof o.error !== 'number' || !Number.isFinite(o.error) || o.error < 0) {
      throw bad('error must be a finite absolute error >= 0 for a regression outcome', o.error);
    }
    if (o.relError !== undefined && !(typeof o.relError === 'number' && Number.isFinite(o.relError) && o.relError >= 0)) {
      throw bad('relError must be a finite number >= 0', o.relError);
    }
    if (o.covered !== undefined && typeof o.covered !== 'boolean') throw bad('covered must be true or false', o.covered);
  } else {
    throw bad('kind must be "classification" or "regression"', (o as { kind?: unknown }).kind);
  }
}
