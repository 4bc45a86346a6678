import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { HomeostatError } from '../errors.js';
import type { ModelOutcome, ModelVersion } from '../records/types.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';
import { aliasStints, effectiveStage, ModelRegistry, parseAlias, versionUpdatedAt } from './registry.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

function version(n: number): ModelVersion {
  return {
    name: 'detector',
    version: n,
    kind: 'detector/robust-z',
    specVersion: 1,
    config: { alpha: 0.05 * n },
    state: null,
    metrics: {},
    stage: 'none',
    createdAt: T0 + n,
  };
}

async function rejection(promise: Promise<unknown>): Promise<HomeostatError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HomeostatError);
  return error as HomeostatError;
}

let store: Store;
let clock: ManualClock;
let registry: ModelRegistry;

beforeEach(async () => {
  store = await openSqliteStore(':memory:');
  clock = new ManualClock(T0 + HOUR);
  registry = new ModelRegistry(store, clock);
  await store.upsertModel({ name: 'detector', kind: 'detector/robust-z', description: 'per-series detector', createdAt: T0 });
  for (const n of [1, 2, 3]) await store.putModelVersion(version(n));
});
afterEach(async () => {
  await store.close();
});

const stages = async () => (await store.listModelVersions('detector')).map((v) => v.stage);
const by = { by: 'alice', reason: 'test' };

describe('ModelRegistry: listing', () => {
  it('serves the latest version before any promotion', async () => {
    const [summary] = await registry.list();
    expect(summary?.model.name).toBe('detector');
    expect(summary?.versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(summary?.aliases).toEqual({});
    expect(summary?.serving).toBe(3);
    expect(summary?.updatedAt).toBe(T0 + 3);
  });

  it('names what exists when a model, version or alias is unknown', async () => {
    const model = await rejection(registry.show('detektor'));
    expect(model.code).toBe('not_found');
    expect(model.message).toBe('model "detektor" not found (registered: detector)');
    const v = await rejection(registry.version('detector', 7));
    expect(v.message).toBe('model "detector" has no version 7 (versions: 1, 2, 3)');
    const bad = await rejection(registry.version('detector', 0));
    expect(bad.code).toBe('invalid_argument');
    expect(bad.message).toBe('version must be an integer >= 1 (got 0)');
    const alias = await rejection(registry.byAlias('detector', 'production'));
    expect(alias.message).toBe('alias must be one of champion, challenger (got "production")');
    const unset = await rejection(registry.byAlias('detector', 'champion'));
    expect(unset.message).toBe('model "detector" has no champion (aliases set: none)');
    expect(() => parseAlias(3)).toThrow('alias must be one of champion, challenger (got 3)');
  });
});

describe('ModelRegistry: promote, challenger, rollback', () => {
  it('promote moves the champion, archives the previous one and records who and why', async () => {
    expect(await registry.promote('detector', 1, { by: 'engine', reason: 'first version' })).toEqual({
      name: 'detector',
      alias: 'champion',
      version: 1,
      previous: undefined,
      changed: true,
    });
    clock.advance(HOUR);
    const second = await registry.promote('detector', 2, { by: 'alice', reason: 'better precision' });
    expect(second).toMatchObject({ version: 2, previous: 1, changed: true });
    expect(await stages()).toEqual(['archived', 'champion', 'none']);
    expect((await registry.byAlias('detector', 'champion')).version).toBe(2);
    const again = await registry.promote('detector', 2, by);
    expect(again.changed).toBe(false);
    const detail = await registry.show('detector');
    expect(detail.serving).toBe(2);
    expect(detail.history).toEqual([
      { name: 'detector', alias: 'champion', version: 1, at: T0 + HOUR, by: 'engine', reason: 'first version' },
      { name: 'detector', alias: 'champion', version: 2, at: T0 + 2 * HOUR, by: 'alice', reason: 'better precision' },
    ]);
    expect(detail.updatedAt).toBe(T0 + 2 * HOUR);
  });

  it('a promoted challenger loses the alias; keepPreviousAsChallenger keeps the old champion as challenger', async () => {
    await registry.promote('detector', 1, by);
    await registry.setChallenger('detector', 2, by);
    expect(await stages()).toEqual(['champion', 'challenger', 'none']);
    const conflict = await rejection(registry.setChallenger('detector', 1, by));
    expect(conflict.code).toBe('conflict');
    expect(conflict.message).toBe('version 1 of model "detector" is the champion; it cannot also be the challenger');
    await registry.promote('detector', 2, by);
    expect(await store.getModelAliases('detector')).toEqual({ champion: 2 });
    expect(await stages()).toEqual(['archived', 'champion', 'none']);
    await registry.setChallenger('detector', 1, by);
    await registry.promote('detector', 3, { ...by, keepPreviousAsChallenger: true });
    expect(await store.getModelAliases('detector')).toEqual({ champion: 3, challenger: 2 });
    expect(await stages()).toEqual(['archived', 'challenger', 'champion']);
    expect(await registry.clearChallenger('detector', by)).toMatchObject({ version: undefined, previous: 2, changed: true });
    expect(await store.getModelAliases('detector')).toEqual({ champion: 3 });
    expect((await registry.clearChallenger('detector', by)).changed).toBe(false);
  });

  it('rollback returns to the version that served before, and a second rollback undoes it', async () => {
    await registry.promote('detector', 1, by);
    clock.advance(HOUR);
    await registry.promote('detector', 2, by);
    clock.advance(HOUR);
    await registry.promote('detector', 3, by);
    clock.advance(HOUR);
    expect(await registry.rollback('detector', { by: 'bob', reason: 'precision fell' })).toMatchObject({ version: 2, previous: 3 });
    expect(await stages()).toEqual(['archived', 'champion', 'archived']);
    clock.advance(HOUR);
    expect((await registry.rollback('detector', by)).version).toBe(3);
    const history = await store.listModelAliasEvents('detector');
    expect(history.map((e) => e.version)).toEqual([1, 2, 3, 2, 3]);
    expect(history[3]).toMatchObject({ by: 'bob', reason: 'precision fell', at: T0 + 4 * HOUR });
  });

  it('rollback says why it cannot: no champion, or no earlier champion', async () => {
    const none = await rejection(registry.rollback('detector', by));
    expect(none.code).toBe('conflict');
    expect(none.message).toBe('model "detector" has no champion to roll back (promote a version first)');
    await registry.promote('detector', 2, by);
    const only = await rejection(registry.rollback('detector', by));
    expect(only.message).toBe(
      'model "detector" has no earlier champion to roll back to (only version 2 has served; promote another version instead)',
    );
    const empty = await rejection(registry.promote('detector', 1, { by: '', reason: 'x' }));
    expect(empty.message).toBe('by must name who changes the alias (got "")');
  });

  it('effectiveStage follows an alias set through the Store directly (stages not updated)', async () => {
    await store.setModelAlias({ name: 'detector', alias: 'champion', version: 2, at: T0, by: 'engine', reason: 'served at start' });
    const aliases = await store.getModelAliases('detector');
    expect((await store.listModelVersions('detector')).map((v) => effectiveStage(v, aliases))).toEqual(['none', 'champion', 'none']);
    expect(effectiveStage({ ...version(3), stage: 'archived' }, { challenger: 3 })).toBe('challenger');
  });

  it('servedAt reads the history; stints and version timestamps follow it', async () => {
    await registry.promote('detector', 1, by);
    clock.advance(HOUR);
    await registry.promote('detector', 2, by);
    expect(await registry.servedAt('detector', T0)).toBeUndefined();
    expect(await registry.servedAt('detector', T0 + HOUR)).toBe(1);
    expect(await registry.servedAt('detector', T0 + 2 * HOUR - 1)).toBe(1);
    expect(await registry.servedAt('detector', T0 + 2 * HOUR)).toBe(2);
    expect(await registry.servedAt('detector', T0 + 100 * HOUR)).toBe(2);
    const history = await store.listModelAliasEvents('detector');
    expect(aliasStints(history)).toEqual([
      { alias: 'champion', version: 1, fromMs: T0 + HOUR, toMs: T0 + 2 * HOUR, by: 'alice', reason: 'test' },
      { alias: 'champion', version: 2, fromMs: T0 + 2 * HOUR, by: 'alice', reason: 'test' },
    ]);
    expect(versionUpdatedAt(version(1), history)).toBe(T0 + 2 * HOUR);
    expect(versionUpdatedAt(version(3), history)).toBe(T0 + 3);
    expect((await rejection(registry.servedAt('detector', Number.NaN))).code).toBe('invalid_argument');
  });
});

describe('ModelRegistry: outcomes and live metrics', () => {
  const outcome = (id: string, v: number, at: number, correct: boolean, confidence: number): ModelOutcome => ({
    id,
    name: 'detector',
    version: v,
    at,
    kind: 'classification',
    correct,
    confidence,
  });

  it('records checked outcomes and computes live metrics per version and overall', async () => {
    await registry.recordOutcomes([
      outcome('a', 1, T0 + 10, true, 0.8),
      outcome('b', 1, T0 + 20, false, 0.8),
      outcome('c', 2, T0 + 30, true, 0.6),
      outcome('d', 2, T0 + 2 * HOUR, true, 0.6),
    ]);
    const v1 = await registry.liveMetrics('detector', 1);
    expect(v1.at).toBe(T0 + HOUR);
    expect(v1.overall.classification).toMatchObject({ n: 2, accuracy: 0.5 });
    expect(v1.overall.classification?.brier).toBeCloseTo((0.04 + 0.64) / 2, 12);
    const all = await registry.liveMetrics('detector', undefined, { windowMs: 30 * 60_000 });
    expect(all.overall.n).toBe(3);
    expect(all.recent.n).toBe(0);
    expect(all.earlier.n).toBe(3);
    const later = await registry.liveMetrics('detector', 2, { now: T0 + 3 * HOUR });
    expect(later.overall.classification?.accuracy).toBe(1);
    expect(later.overall.n).toBe(2);
  });

  it('rejects a malformed outcome or one for an unknown version, storing nothing', async () => {
    const bad = await rejection(registry.recordOutcomes([outcome('a', 1, T0, true, 1.5)]));
    expect(bad.code).toBe('invalid_argument');
    expect(bad.message).toBe('outcomes[0].confidence must be a probability in [0, 1] (got 1.5)');
    const missing = await rejection(
      registry.recordOutcomes([{ id: 'r', name: 'detector', version: 1, at: T0, kind: 'regression' } as ModelOutcome]),
    );
    expect(missing.message).toBe('outcomes[0].error must be a finite absolute error >= 0 for a regression outcome (got undefined)');
    const unknown = await rejection(registry.recordOutcomes([outcome('a', 1, T0, true, 0.5), outcome('b', 9, T0, true, 0.5)]));
    expect(unknown.code).toBe('not_found');
    expect(await store.listModelOutcomes({ name: 'detector' })).toEqual([]);
    const window = await rejection(registry.liveMetrics('detector', 1, { windowMs: 0 }));
    expect(window.message).toBe('windowMs must be a positive number of milliseconds (got 0)');
  });
});
